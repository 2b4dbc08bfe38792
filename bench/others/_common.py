"""What the gammu-smsd and smstools3 runners share.

* the blast: ``n`` fake Indonesian recipients (``+6281200000001`` ...) and one
  short single-part GSM-7 text per recipient (:func:`blast`), the same for every
  daemon, so a Siaran run can send exactly the same thing;
* :func:`resolve_emulator`: from a port, a symlink or a
  :class:`~firmware.modem.emulator.pty.PtyEmulator` to the emulator's JSON-lines log;
* :class:`EmulatorLog`: the parts accepted since a given moment (one daemon's
  run), read incrementally, saved as that run's own log file;
* :func:`drive`: start a daemon (own process group), wait for the parts, stop
  it with SIGTERM (SIGKILL after a grace period) and time it;
* :func:`prepare_run`: the checks and set-up before a run;
* :func:`result`: the record both runners return;
* :func:`proc_status_kb`: a process's memory figure (VmRSS, VmHWM) for every benchmark.

Timing: ``seconds`` runs from launching the daemon (its queue already full) to
the emulator accepting the n-th part, so it includes the daemon's start-up
(modem probing); ``startup_seconds`` (launch -> first part) and
``steady_per_second`` ((n-1) / first -> last part) separate the two.  Part
times are the emulator's own wall-clock stamps (ms resolution).
"""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

#: Recipients are +62812 followed by 8 digits: +6281200000001, +6281200000002 ...
NUMBER_PREFIX = "+62812"


def recipients(n: int) -> list[str]:
    """``n`` fake numbers, ``+6281200000001`` upwards (never real subscribers)."""
    if not 1 <= n <= 99_999:
        raise ValueError("n must be 1..99999 (numbers stay in +62812000xxxxx)")
    return [f"{NUMBER_PREFIX}{i:08d}" for i in range(1, n + 1)]


def text_for(i: int) -> str:
    """Message ``i``: plain GSM-7, well under 160 characters (one part)."""
    return f"Uji siaran {i:05d}: posyandu Sabtu 08.00 di balai desa. Bawa buku KIA."


def blast(n: int) -> list[tuple[str, str]]:
    """The benchmark blast: ``[(number, text), ...]``, ``n`` single-part GSM-7 messages."""
    return [(number, text_for(i)) for i, number in enumerate(recipients(n), start=1)]


# --- the emulator and its log ------------------------------------------------------------


def resolve_emulator(port_or_link, emulator_log: str | os.PathLike | None = None) -> tuple[str, str, object]:
    """``(port, log_path, emulator_or_None)`` for a port path, a symlink or a PtyEmulator.

    The log is, in order: ``emulator_log``; the PtyEmulator's ``log_path``; the
    ``log_path`` of a PtyEmulator running in this process whose port or link is
    the same device; the ``--log`` of a ``siaran emulator --link PATH`` process
    whose link is the same device.

    Raises:
        ValueError: no log could be found (pass ``emulator_log``).
    """
    from firmware.modem.emulator.pty import PtyEmulator

    emulator = port_or_link if isinstance(port_or_link, PtyEmulator) else None
    if emulator is not None:
        port = emulator.link or emulator.port
    else:
        port = os.fspath(port_or_link)
        emulator = _in_process_emulator(port)
    log = emulator_log or (emulator.log_path if emulator is not None else None) or _cli_emulator_log(port)
    if not log:
        raise ValueError(f"no emulator log known for {port}: pass emulator_log= (the emulator's --log file)")
    return port, os.fspath(log), emulator


def _in_process_emulator(port: str):
    from firmware.modem.emulator.pty import PtyEmulator

    real = os.path.realpath(port)
    for obj in gc.get_objects():
        if isinstance(obj, PtyEmulator) and obj.port:
            if obj.port == real or (obj.link and os.path.realpath(obj.link) == real):
                return obj
    return None


def _cli_emulator_log(port: str) -> str | None:
    """The --log of a running ``siaran emulator --link L --log F`` whose link is ``port``."""
    real = os.path.realpath(port)
    for pid in _pids():
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        args = [a.decode(errors="replace") for a in argv if a]
        if "emulator" not in args or "--log" not in args or "--link" not in args:
            continue
        link = os.path.join(cwd, args[args.index("--link") + 1])
        if os.path.realpath(link) == real:
            return os.path.join(cwd, args[args.index("--log") + 1])
    return None


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def port_holders(port: str) -> list[tuple[int, str]]:
    """Processes that have the pty slave (or whatever ``port`` points to) open: ``[(pid, cmdline)]``."""
    real = os.path.realpath(port)
    found = []
    for pid in _pids():
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target == real:
                try:
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                except OSError:
                    cmd = "?"
                found.append((pid, cmd.strip()[:160]))
                break
    return found


def _pgid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[2])
    except (OSError, ValueError, IndexError):
        return None


class EmulatorLog:
    """The parts an emulator logged from now on (its log may be shared with other runs)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._pos = self.path.stat().st_size if self.path.exists() else 0
        self._buf = b""
        self.records: list[dict] = []

    def poll(self) -> list[dict]:
        """Read what was appended since the last poll; return all records of this run."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self._pos)
                data = f.read()
        except FileNotFoundError:
            return self.records
        self._pos += len(data)
        self._buf += data
        *lines, self._buf = self._buf.split(b"\n")
        for line in lines:
            if line.strip():
                self.records.append(json.loads(line))
        return self.records

    def save(self, dest: str | os.PathLike) -> None:
        """Write this run's records as their own JSON-lines file."""
        with open(dest, "w") as f:
            for record in self.records:
                f.write(json.dumps(record) + "\n")


def _utc(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


# --- running a daemon --------------------------------------------------------------------


class RunSetup(NamedTuple):
    """What :func:`prepare_run` resolved for one daemon's run."""

    port: str
    log_path: str
    latency: float
    workdir: Path


def prepare_run(daemon: str, n: int, exe: str | None, missing: str, port_or_link, workdir,
                latency: float | None, emulator_log=None) -> RunSetup | dict:
    """The runners' common preamble: a :class:`RunSetup`, or the :func:`error_result` to return.

    Checks the daemon is installed (``exe``; ``missing`` is the error message
    when it is not), resolves the emulator and its log, defaults ``latency`` to
    the emulator's send latency (0 if unknown), recreates ``workdir/daemon``
    empty and checks no other process holds the port.
    """
    if not exe:
        return error_result(daemon, n, missing)
    try:
        port, log_path, emulator = resolve_emulator(port_or_link, emulator_log)
    except ValueError as exc:
        return error_result(daemon, n, str(exc))
    if latency is None:
        latency = emulator.config.send_latency if emulator is not None else 0.0
    workdir = Path(workdir).resolve() / daemon
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    holders = port_holders(port)
    if holders:
        return error_result(daemon, n, f"{port} is already open by another process: {holders}")
    return RunSetup(port, log_path, latency, workdir)


def version_of(argv: list[str]) -> str:
    """First line a ``--version``-style command prints ("" if it fails)."""
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    lines = (out.stdout or out.stderr).strip().splitlines()
    first = lines[0].strip() if lines else ""
    m = re.search(r"\d+\.\d+(?:\.\d+)*", first)
    return m.group(0) if m else first


def drive(argv: list[str], *, cwd: Path, output: Path, log: EmulatorLog, wanted: set[str],
          timeout: float, stall: float, port: str, drained=None, grace: float = 5.0) -> dict:
    """Launch the daemon, wait for every ``wanted`` number in the log, stop it.

    The emulator logs a part before it answers ``+CMGS``, so once the last part
    is in the log the daemon is given up to ``grace`` seconds to take the answer
    and file the message (``drained()`` true: its queue is empty) before
    SIGTERM -- else it would report the last send as failed and keep it queued.

    Returns launch time, stop reason, exit status, CPU seconds (the daemon and the
    children it reaped), whether the daemon was seen holding ``port`` and
    whether it drained its queue.
    """
    n = len(wanted)
    with open(output, "wb") as out:
        t_launch = time.time()
        proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    start = time.monotonic()
    last_change, last_count, reason, held, next_check = start, 0, "", False, start + 0.3
    got: set[str] = set()
    read = 0
    try:
        while True:
            records = log.poll()
            got.update(r.get("number") for r in records[read:])
            read = len(records)
            count = len(got & wanted)
            now = time.monotonic()
            if count != last_count:
                last_count, last_change = count, now
            if not held and count == 0 and now >= next_check:  # is it the daemon that opened the port?
                held = any(_pgid(pid) == proc.pid for pid, _ in port_holders(port))
                next_check = now + 0.3
            if count >= n:
                reason = "done"
                break
            if _reap(proc):
                reason = f"daemon exited early (status {proc.returncode})"
                break
            if now - start > timeout:
                reason = f"timeout after {timeout:.0f} s"
                break
            if now - last_change > stall:
                reason = f"stalled: no new part for {stall:.0f} s"
                break
            time.sleep(0.02)
        held = held or count > 0
        seen = time.time()
        settled = drained is None or drained()
        end = time.monotonic() + grace
        while reason == "done" and not settled and time.monotonic() < end and not _reap(proc):
            time.sleep(0.02)
            settled = drained()
    finally:
        status, cpu = _stop(proc)
    log.poll()
    return {"launch": t_launch, "seen": seen, "reason": reason, "status": status, "cpu": cpu, "held_port": held,
            "drained": settled}


def _reap(proc: subprocess.Popen) -> bool:
    """Non-blocking wait4(): True (and returncode, ``proc.cpu`` set) once the daemon has exited."""
    if proc.returncode is not None:
        return True
    pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
    if not pid:
        return False
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.cpu = usage.ru_utime + usage.ru_stime  # includes the children it reaped (smsd's modem process)
    return True


def _stop(proc: subprocess.Popen, grace: float = 20.0) -> tuple[int | None, float]:
    """SIGTERM the daemon's own process group, SIGKILL it after ``grace``; reap it."""
    pgid = proc.pid  # start_new_session: the daemon leads its own group
    if not _reap(proc):
        _killpg(pgid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while not _reap(proc):
            if time.monotonic() > deadline:
                _killpg(pgid, signal.SIGKILL)
                deadline = float("inf")
            time.sleep(0.05)
        if deadline == float("inf"):
            _killpg(pgid, signal.SIGKILL)  # children of the killed daemon still in its group
    return proc.returncode, getattr(proc, "cpu", 0.0)


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def result(*, daemon: str, version: str, messages: list[tuple[str, str]], run: dict, log: EmulatorLog,
           latency: float | None, command: list[str], workdir: Path, logs: list[Path],
           tuning: dict, notes: list[str]) -> dict:
    """The comparable record: throughput, checks of what reached the emulator, notes."""
    texts = dict(messages)
    n = len(messages)
    ours = [r for r in log.records if r.get("number") in texts]
    foreign = len(log.records) - len(ours)
    distinct = {r["number"] for r in ours}
    times = sorted(_utc(r["time"]) for r in ours)
    notes = list(notes)
    if run["reason"] != "done":
        notes.insert(0, run["reason"])
    if run["reason"] == "done" and not run.get("drained", True):
        notes.append("the daemon had not filed its last message when it was stopped")
    if not run["held_port"]:
        notes.append("the daemon was never seen holding the port")
    bad_text = sum(1 for r in ours if r.get("text") != texts[r["number"]])
    not_gsm7 = sum(1 for r in ours if r.get("encoding") != "gsm7" or r.get("concat"))
    if len(ours) > len(distinct):
        notes.append(f"{len(ours) - len(distinct)} duplicate parts (same recipient twice)")
    if foreign:
        notes.append(f"{foreign} parts to numbers not in this blast (another host on the port?)")
    if bad_text:
        notes.append(f"{bad_text} parts with a text other than the one queued")
    if not_gsm7:
        notes.append(f"{not_gsm7} parts not single-part GSM-7")
    if times:
        seconds = times[-1] - run["launch"]
    else:
        seconds = run["seen"] - run["launch"]
    steady = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else None
    return {
        "daemon": daemon,
        "version": version,
        "messages": n,
        "seconds": round(seconds, 3),
        "per_second": round(len(distinct) / seconds, 2) if seconds > 0 else None,
        "emulator_parts": len(ours),
        "startup_seconds": round(times[0] - run["launch"], 3) if times else None,
        "steady_per_second": round(steady, 2) if steady else None,
        "cpu_seconds": round(run["cpu"], 2),
        "latency": latency,
        "ok": len(distinct) == n and not bad_text and not not_gsm7 and not foreign,
        "notes": notes,
        "tuning": tuning,
        "command": " ".join(command),
        "workdir": str(workdir),
        "logs": [str(p) for p in logs],
    }


def with_settings(config: str, settings: dict | None) -> str:
    """``config`` with the ``key = value`` line of each of ``settings`` given the new value.

    Raises:
        KeyError: a key the config does not set (a typo must not pass for a setting).
    """
    for key, value in (settings or {}).items():
        line = re.compile(rf"^{re.escape(key)} = .*$", re.MULTILINE)
        if not line.search(config):
            raise KeyError(f"{key} is not set in this config")
        config = line.sub(f"{key} = {value}", config)
    return config


def error_result(daemon: str, n: int, message: str) -> dict:
    """What a runner returns when the daemon could not be run at all."""
    return {"daemon": daemon, "messages": n, "seconds": None, "per_second": None, "emulator_parts": 0,
            "ok": False, "error": message, "notes": [message]}


def summarise_errors(pairs: list[tuple[str, str]]) -> str:
    """``[(command, reply), ...]`` -> ``'AT+X=? -> ERROR (x2); ...'`` (first-seen order)."""
    counts = Counter(pairs)
    return "; ".join(f"{cmd} -> {reply}" + (f" (x{k})" if k > 1 else "") for (cmd, reply), k in counts.items())


_PDU = re.compile(r"^[0-9A-Fa-f]{20,}$")


def command_key(command: str) -> str:
    """Group per-message commands: ``AT+CMGS=20`` -> ``AT+CMGS=<len>``, PDU hex -> ``<PDU>``."""
    command = command.strip()
    if _PDU.match(command):
        return "<PDU>"
    return re.sub(r"^(AT\+CMGS=)\d+$", r"\1<len>", command)


def proc_status_kb(pid: int, key: str) -> int:
    """``key`` (``VmRSS``, ``VmHWM`` ...) of process ``pid`` from /proc, in kB; 0 when absent."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0
