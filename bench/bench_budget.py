"""A Pi's budget: idle CPU, CPU and bytes written per message, CPU per contact imported; smstools3 beside.

Run from the repository root:

    .venv/bin/python bench/bench_budget.py [--messages 1000] [--contacts 1000] [--idle 30] [--skip-others]

Everything on emulated SIM800s (``firmware.modem.emulator.pty``, zero send latency) in this process;
each daemon is a separate process, measured from /proc:

- idle CPU: the daemon up with one ready modem and nothing queued, CPU time of all its threads
  (``/proc/PID/task/*/schedstat``, nanoseconds) over ``--idle`` seconds; target <= 0.1 % of a core;
- queued-to-wire latency while idle (``siaran send`` returned -> the emulator took the PDU), median
  of 10 (target <= 100 ms: the daemon must not buy its idle CPU with latency);
- per message: ``--messages`` single-part messages queued in one transaction by a separate process,
  then sent (with delivery reports, as Siaran asks by default) until every one is delivered; bytes
  the kernel was asked to write to the disk (``write_bytes`` of ``/proc/PID/io``; for the short-lived
  queuing process its ``ru_oublock``) by queuing and daemon together, and the daemon's CPU-seconds
  per 1,000 messages; target <= 20 KB per message at the same durability (WAL, synchronous=FULL);
- ``siaran import`` of ``--contacts`` contacts from a CSV file: CPU-seconds per 1,000 and bytes;
- smstools3 (Debian ``smstools``, tuned as ``bench/others/smstools.py`` says, ``loglevel = 5``),
  same emulator, same measures: its idle CPU (main and modem processes) and, for the same messages
  queued as spool files, bytes (spool files, its log, its ``sent`` folder) and CPU per message;
  smstools3 is told not to ask for reports (``report = no``: it has no delivery tracking to file).

The daemons' logs go to /dev/null (Siaran) or are counted (smstools3 writes its own file; Siaran's
log would go to the journal).  Prints a table, then one JSON line (``{"bench": "budget", ...}``).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from firmware.modem.emulator.modem import EmulatorConfig  # noqa: E402
from firmware.modem.emulator.pty import PtyEmulator  # noqa: E402
from firmware.queue.store import Store  # noqa: E402

SIARAN = [sys.executable, "-m", "firmware.cli"]
TEXT = "Tes anggaran Siaran: satu SMS"  # one GSM-7 part


def numbers(n: int, offset: int = 0) -> list[str]:
    return [f"+62812{offset + i:08d}" for i in range(n)]


# -- what a process group costs --------------------------------------------------------------------


def _group(pgid: int) -> list[int]:
    """The pids of process group ``pgid`` (a daemon started with ``start_new_session``)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == pgid:
                    pids.append(int(entry))
            except ProcessLookupError:
                pass
    return pids


def _per_process(pgid: int, read) -> int:
    """The sum of ``read(pid)`` over the group's live processes (one that just ended counts 0)."""
    total = 0
    for pid in _group(pgid):
        try:
            total += read(pid)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def _io(pid: int | str, field: str) -> int:
    """A field of ``/proc/PID/io`` (``write_bytes``: bytes the process caused to be written to storage)."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def cpu_ns(pgid: int) -> int:
    """CPU time so far of every thread of every live process of the group, in nanoseconds."""
    return _per_process(pgid, lambda pid: sum(int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[0])
                                              for tid in os.listdir(f"/proc/{pid}/task")))


def written(pgid: int) -> int:
    """Bytes the group's live processes have caused to be written to storage (``write_bytes``)."""
    return _per_process(pgid, lambda pid: _io(pid, "write_bytes"))


def run_counted(argv: list[str], **kw) -> tuple[float, int]:
    """Run ``argv`` to completion: (its CPU-seconds, bytes it wrote to storage), from wait4()'s rusage."""
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, **kw)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[:4]} exited with {proc.returncode}")
    return usage.ru_utime + usage.ru_stime, usage.ru_oublock * 512


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def idle_percent(pgid: int, seconds: float) -> float:
    """Percent of one core the group used over ``seconds`` of doing nothing."""
    c0, t0 = cpu_ns(pgid), time.monotonic()
    time.sleep(seconds)
    return (cpu_ns(pgid) - c0) / 1e9 / (time.monotonic() - t0) * 100


# -- Siaran ----------------------------------------------------------------------------------------


class SiaranRig:
    """``siaran daemon --unthrottled`` on one emulated SIM800, a fresh state folder."""

    def __init__(self, report_delay: float = 0.05) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="siaran-budget-"))
        self.emu = PtyEmulator(EmulatorConfig(model="sim800", send_latency=0.0, report_delay=report_delay,
                                              name="emu0"), log_path=str(self.dir / "emu0.jsonl")).start()
        self.proc = subprocess.Popen([*SIARAN, "daemon", "--state-dir", str(self.dir), "--unthrottled",
                                      "--modem", f"{self.emu.port}:sim800"], cwd=ROOT, start_new_session=True,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.store = Store(self.dir / "siaran.db")
        deadline = time.monotonic() + 60
        while [m["state"] for m in self.store.modems()] != ["ready"]:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"daemon not ready: {[dict(m) for m in self.store.modems()]}")
            time.sleep(0.05)

    def wait_delivered(self, n: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.store.conn.execute("SELECT COUNT(*) FROM messages WHERE state = 'delivered'").fetchone()[0] < n:
            if time.monotonic() > deadline:
                raise RuntimeError(f"not all {n} delivered in {timeout} s: {self.store.queue_counts()}")
            time.sleep(0.05)

    def latency_ms(self, samples: int) -> list[float]:
        out = []
        for i in range(samples):
            time.sleep(1.2)  # idle again
            before = self.emu.sent_count
            done = subprocess.run([*SIARAN, "send", "--state-dir", str(self.dir), "--to", numbers(1, 900_000 + i)[0],
                                   "--text", "Tes latensi"], cwd=ROOT, check=True, capture_output=True, text=True)
            returned = json.loads(done.stdout)["queued_at"]
            deadline = time.monotonic() + 10
            while self.emu.sent_count <= before:
                if time.monotonic() > deadline:
                    raise RuntimeError("the latency message was not sent within 10 s")
                time.sleep(0.002)
            accepted = json.loads(Path(self.emu.log_path).read_text().splitlines()[-1])["time"]
            out.append((datetime.fromisoformat(accepted).timestamp() - returned) * 1000)
        return out

    def close(self) -> None:
        stop(self.proc)
        self.store.close()
        self.emu.stop()


QUEUE_SCRIPT = """
import sys
from firmware.queue.store import Store
n, text = int(sys.argv[2]), sys.argv[3]
with Store.in_state_dir(sys.argv[1]) as s:
    s.enqueue([f"+62812{i:08d}" for i in range(n)], text)
"""


def siaran(messages: int, idle: float) -> dict:
    rig = SiaranRig()
    try:
        time.sleep(3)  # start-up settled
        out = {"idle_cpu_percent": round(idle_percent(rig.proc.pid, idle), 3)}
        lat = rig.latency_ms(10)
        out["latency_ms_median"] = round(statistics.median(lat), 1)
        out["latency_ms_max"] = round(max(lat), 1)
        base = rig.store.conn.execute("SELECT COUNT(*) FROM messages WHERE state = 'delivered'").fetchone()[0]
        c0, w0 = cpu_ns(rig.proc.pid), written(rig.proc.pid)
        q_cpu, q_bytes = run_counted([sys.executable, "-c", QUEUE_SCRIPT, str(rig.dir), str(messages), TEXT])
        rig.wait_delivered(base + messages, timeout=60 + messages * 0.1)
        d_cpu, d_bytes = (cpu_ns(rig.proc.pid) - c0) / 1e9, written(rig.proc.pid) - w0
        out.update({"queue_bytes_per_message": round(q_bytes / messages),
                    "daemon_bytes_per_message": round(d_bytes / messages),
                    "bytes_per_message": round((q_bytes + d_bytes) / messages),
                    "daemon_cpu_s_per_1000": round(d_cpu / messages * 1000, 3),
                    "queue_cpu_s_per_1000": round(q_cpu / messages * 1000, 3)})
    finally:
        rig.close()
    return out


def import_contacts(contacts: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="siaran-budget-import-") as tmp:
        csv = Path(tmp) / "kontak.csv"
        rows = ["nama,nomor,desa"] + [f"Warga {i},0812{i + 10_000_000:08d},Sukamaju" for i in range(contacts)]
        csv.write_text("\n".join(rows) + "\n")
        run_counted([*SIARAN, "status", "--state-dir", tmp])  # the database created beforehand
        cpu, wrote = run_counted([*SIARAN, "import", str(csv), "--state-dir", tmp])
    return {"import_cpu_s_per_1000": round(cpu / contacts * 1000, 3), "import_bytes_per_contact": round(wrote / contacts)}


# -- smstools3 -------------------------------------------------------------------------------------


def smstools(messages: int, idle: float) -> dict:
    from bench.others import smstools as sm
    from bench.others._common import EmulatorLog, blast

    exe = sm.executable()
    if exe is None:
        return {"error": "smstools3 not installed (apt-get install -y smstools)"}
    with tempfile.TemporaryDirectory(prefix="siaran-budget-smstools-") as tmp:
        work = Path(tmp)
        emu = PtyEmulator(EmulatorConfig(model="sim800", send_latency=0.0, name="smstools"),
                          log_path=str(work / "emu.jsonl")).start()
        try:
            config = sm.write_config(work, emu.port, settings={"loglevel": 5})
            proc = subprocess.Popen(sm.command(exe, config, work, 0), cwd=work, start_new_session=True,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                time.sleep(8)  # started, modem initialised (pre_init), first idle rounds
                if proc.poll() is not None:
                    return {"error": f"smsd exited with {proc.returncode}; see its log"}
                out = {"idle_cpu_percent": round(idle_percent(proc.pid, idle), 3)}
                log = EmulatorLog(emu.log_path)
                c0, w0 = cpu_ns(proc.pid), written(proc.pid)
                io0 = _io("self", "write_bytes")
                sm.queue(work, blast(messages))
                q_bytes = _io("self", "write_bytes") - io0
                deadline = time.monotonic() + 60 + messages * 0.1
                while len(log.poll()) < messages or any((work / "checked").iterdir()):
                    if time.monotonic() > deadline:
                        return {**out, "error": f"only {len(log.records)} of {messages} sent"}
                    time.sleep(0.05)
                time.sleep(1.5)  # the modem process moves the last file to sent/ and logs it
                d_cpu, d_bytes = (cpu_ns(proc.pid) - c0) / 1e9, written(proc.pid) - w0
                out.update({"queue_bytes_per_message": round(q_bytes / messages),
                            "daemon_bytes_per_message": round(d_bytes / messages),
                            "bytes_per_message": round((q_bytes + d_bytes) / messages),
                            "daemon_cpu_s_per_1000": round(d_cpu / messages * 1000, 3)})
            finally:
                stop(proc)
        finally:
            emu.stop()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--contacts", type=int, default=1000)
    ap.add_argument("--idle", type=float, default=30.0, help="seconds of idle CPU measured")
    ap.add_argument("--skip-others", action="store_true", help="no smstools3")
    args = ap.parse_args()
    load0 = os.getloadavg()[0]
    results = {"siaran": {**siaran(args.messages, args.idle), **import_contacts(args.contacts)}}
    if not args.skip_others:
        results["smstools3"] = smstools(args.messages, args.idle)
    keys = ("idle_cpu_percent", "latency_ms_median", "latency_ms_max", "bytes_per_message",
            "queue_bytes_per_message", "daemon_bytes_per_message", "daemon_cpu_s_per_1000",
            "queue_cpu_s_per_1000", "import_cpu_s_per_1000", "import_bytes_per_contact", "error")
    names = list(results)
    print(f"{'':<26}" + "".join(f"{n:>14}" for n in names))
    for key in keys:
        if any(key in results[n] for n in names):
            print(f"{key:<26}" + "".join(f"{str(results[n].get(key, '-')):>14}" for n in names))
    print(f"targets: idle <= 0.1 %, latency <= 100 ms, bytes/message <= 20000; load average "
          f"{load0:.2f} -> {os.getloadavg()[0]:.2f}")
    print(json.dumps({"bench": "budget", "messages": args.messages, "contacts": args.contacts, "idle_s": args.idle,
                      "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
