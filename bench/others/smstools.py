"""smsd of smstools3 (Debian ``smstools``, tested with 3.1.21) against the emulator.

Queueing: one message file per SMS (``To: 6281200000001``, empty line, text --
smstools3 wants the number in international format without ``+``), written to
``tmp/`` and renamed into the ``outgoing`` spool, which the main process moves
to ``checked``; the modem process sends from ``checked``.

Config (``smsd.conf``), tuned for throughput -- the three settings that matter
most first (measured here: 2.7/s with all three at their defaults):

* ``trust_outgoing = yes`` (global) -- the main process otherwise watches each
  outgoing file for 0.5 s to see whether it is still growing (``getfile()``),
  i.e. 2 messages/s at most.  Safe because files are created by rename;
* ``poll_faster = 100`` (modem) -- while it waits for an expected answer the
  modem process reads, and when nothing is there sleeps 100 ms / poll_faster
  (default 5: 20 ms).  Every command costs at least one such sleep, and a
  single-part SMS takes two (``AT+CMGS=<len>`` -> ``> ``, PDU -> ``+CMGS``):
  ~2 x 20 ms by default, ~2 x 1 ms at 100 (measured: 82/s at 20, 260-280/s at 100);
* ``detect_unexpected_input = no`` (modem) -- otherwise, before EVERY command,
  it reads whatever the modem sent unprompted with a 2 x 100 ms read window
  (one 100 ms sleep at least);
* ``check_network = 0`` (modem) -- no ``AT+CREG?`` before each message (the
  default 1 checks it always, 2 before sending: one more command per SMS;
  measured 205/s at 2 vs 262/s at 0 with the settings above);
* ``incoming = no``, ``receive_before_send = no``, ``report = no`` -- send
  only, no memory checks, no status reports;
* ``send_delay = 0`` (default: the whole command written at once),
  ``rtscts = no`` (a pty has no CTS; a SIM800 on a Pi UART is wired TX/RX only),
  ``baudrate = 115200``, ``mode = new``, ``pre_init = yes`` (``ATE0``, ``AT+CMEE=1``);
* ``delaytime = 1``, ``delaytime_mainprocess = 1`` -- sleep 1 s (default 10)
  when idle; the queue is full before the start so this only matters at the end;
* ``status_signal_quality = no``; ``loglevel = 7`` (debug: every command and
  answer in the log, so the harness can list ERROR answers; 276/s at
  loglevel 5 vs 283/s at 7, i.e. no cost).

Started in the foreground: ``smsd -c smsd.conf -t`` ("run smsd in terminal";
log, pid and info files are in the work dir).  SIGTERM stops it (the main
process waits for the modem process).

Limits: with this tuning the modem process runs about 2 ms of poll sleeps
plus its own file handling (move to ``sent``, log) per message, and the main
process scans the whole ``outgoing`` folder (oldest file first) for every file
it moves, so very large queues drain more slowly.  With latency L per send the
ceiling is about 1/(L + 4 ms).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from bench.others._common import (
    EmulatorLog,
    blast,
    command_key,
    drive,
    prepare_run,
    result,
    summarise_errors,
    version_of,
    with_settings,
)

DAEMON = "smstools3"

CONFIG = """\
# smsd (smstools3) config written by bench/others/smstools.py: tuned for throughput, see its docstring.
devices = GSM1
outgoing = {dir}/outgoing
checked = {dir}/checked
failed = {dir}/failed
incoming = {dir}/incoming
sent = {dir}/sent
logfile = {dir}/smsd.log
infofile = {dir}/smsd.working
pidfile = {dir}/smsd.pid
loglevel = 7
delaytime = 1
delaytime_mainprocess = 1
trust_outgoing = yes
receive_before_send = no
status_signal_quality = no

[GSM1]
device = {port}
baudrate = 115200
rtscts = no
send_delay = 0
mode = new
pre_init = yes
incoming = no
report = no
check_network = 0
detect_unexpected_input = no
poll_faster = 100
"""

TUNING = {
    "trust_outgoing": "yes", "poll_faster": 100, "detect_unexpected_input": "no", "check_network": 0,
    "incoming": "no", "receive_before_send": "no", "report": "no", "send_delay": 0, "rtscts": "no",
    "mode": "new", "pre_init": "yes", "delaytime": 1, "delaytime_mainprocess": 1,
    "status_signal_quality": "no",
}  # fmt: skip


def executable() -> str | None:
    """Path of smstools3's smsd, or None when the package is not installed."""
    path = shutil.which("smsd") or "/usr/sbin/smsd"
    return path if os.access(path, os.X_OK) else None


def write_config(workdir: Path, port: str, *, settings: dict | None = None) -> Path:
    """Create the spool folders and ``smsd.conf`` in ``workdir``; return the config path.

    ``settings``: values other than the tuned ones (``{"check_network": 1}``).
    """
    for sub in ("outgoing", "checked", "failed", "incoming", "sent", "tmp"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    config = workdir / "smsd.conf"
    config.write_text(with_settings(CONFIG.format(port=port, dir=workdir), settings))
    return config


def queue(workdir: Path, messages: list[tuple[str, str]], *, urgent: bool = False, first_serial: int = 1) -> None:
    """Queue message files in the outgoing spool (created by rename, as trust_outgoing requires).

    ``urgent``: ``Priority: high`` (handled first, smstools3 fileformat).
    """
    tmp, outgoing = workdir / "tmp", workdir / "outgoing"
    header = "Priority: high\n" if urgent else ""
    for serial, (number, text) in enumerate(messages, start=first_serial):
        name = f"blast{serial:05d}"
        (tmp / name).write_text(f"To: {number.lstrip('+')}\n{header}\n{text}\n")
        os.rename(tmp / name, outgoing / name)


def command(exe: str, config: Path, workdir: Path, timeout: float) -> list[str]:
    """smsd in the foreground ("run smsd in terminal"); log, pid and info files are in ``workdir``."""
    return [exe, "-c", str(config), "-t"]


def at_errors(log_path: Path) -> list[tuple[str, str]]:
    """``[(command, answer)]`` for every command the modem answered with an error."""
    pairs, current = [], None
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return []
    for line in lines:
        m = re.search(r"^\S+ \S+,\d, [^:]+: (->|<-) (.*)$", line)
        if not m:
            continue
        if m.group(1) == "->":
            current = command_key(m.group(2))
        elif current and "ERROR" in m.group(2):
            pairs.append((current, m.group(2).strip()))
            current = None
    return pairs


def run(port_or_link, workdir, n: int, *, latency: float | None = None, timeout: float | None = None,
        emulator_log=None) -> dict:
    """Blast ``n`` messages through smstools3 on ``port_or_link``; return the result record.

    ``port_or_link``: a pty path, a symlink to it or a running PtyEmulator.
    ``latency``: the emulator's send latency if known (timeouts, report only).
    """
    exe = executable()
    setup = prepare_run(DAEMON, n, exe, "smstools3 not installed: apt-get install -y smstools",
                        port_or_link, workdir, latency, emulator_log)
    if isinstance(setup, dict):
        return setup
    port, log_path, latency, workdir = setup

    messages = blast(n)
    config = write_config(workdir, port)
    queue(workdir, messages)
    if timeout is None:
        timeout = 30 + n * (0.05 + latency) * 2
    stall = 30 + 3 * latency
    argv = command(exe, config, workdir, timeout)
    log = EmulatorLog(log_path)
    spool = (workdir / "outgoing", workdir / "checked")
    run_info = drive(argv, cwd=workdir, output=workdir / "stdout.txt", log=log,
                     wanted={number for number, _ in messages}, timeout=timeout, stall=stall, port=port,
                     drained=lambda: not any(any(d.iterdir()) for d in spool), grace=5 + 2 * latency)
    log.save(workdir / "emulator.jsonl")

    notes = []
    smsd_log = workdir / "smsd.log"
    errors = at_errors(smsd_log)
    if errors:
        notes.append("AT commands answered ERROR: " + summarise_errors(errors))
    try:
        text = smsd_log.read_text(errors="replace")
    except FileNotFoundError:
        text = ""
    # smstools3 log lines: "date time,LEVEL, process: message"; 0-3 are emerg..err.
    routine = re.compile(r"started|Running (as|in)|terminated|awaiting the termination")
    bad = [line.split(",", 2)[-1].strip() for line in text.splitlines()
           if re.match(r"^\S+ \S+,[0-3], ", line) and not routine.search(line)]
    if bad:
        notes.append(f"{len(bad)} error lines in smsd.log, first: {bad[0]}")
    for folder in ("outgoing", "checked", "failed"):
        left = [p for p in (workdir / folder).iterdir() if not p.name.endswith(".LOCK")]
        if left:
            notes.append(f"{len(left)} message files left in {folder}/")
    return result(daemon=DAEMON, version=version_of([exe, "-V"]), messages=messages, run=run_info,
                  log=log, latency=latency, command=argv, workdir=workdir,
                  logs=[smsd_log, workdir / "stdout.txt", workdir / "emulator.jsonl"],
                  tuning=TUNING, notes=notes)
