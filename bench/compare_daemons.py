"""Benchmark: gammu-smsd and smstools3 blasting through Siaran's emulated modem.

Run: ``.venv/bin/python bench/compare_daemons.py [--messages 500] [--latency 0]``
(``--only gammu-smsd|smstools3``, ``--model sim7600``, ``--workdir DIR``).

Needs the Debian packages ``gammu``, ``gammu-smsd`` and ``smstools``.  Run as
root it installs the missing ones itself (``apt-get install -y gammu gammu-smsd
smstools``, after ``apt-get update`` if needed) and, where systemd runs,
disables the ``gammu-smsd`` and ``smstools`` services the packages enable, so
they do not grab a real modem (``/dev/ttyUSB0``, ``/dev/ttyS0``); otherwise it
prints the command and stops.  The daemons themselves run as the invoking user
with every path in the work dir.

For each daemon in turn: a fresh emulated SIM800 (``PtyEmulator``, zero send
latency unless ``--latency``) with its own JSON-lines log, N single-part
GSM-7 messages to +6281200000001... queued the way the daemon expects
(gammu: FILES-backend outbox files; smstools3: files in the outgoing spool),
the daemon started in the foreground, timed from its launch until the emulator
has accepted the N-th part, then stopped with SIGTERM.  Prints a table and one
JSON line.  Configs, daemon logs and each run's emulator log stay in the work
dir (printed).

Tuning (details and measurements in the docstrings of ``bench/others/gammu.py``
and ``bench/others/smstools.py``):

* gammu-smsd: ``Service = files``, ``LoopSleep = 0``, ``CommTimeout = 0``,
  ``CheckSecurity/CheckBattery/CheckSignal/CheckNetwork = 0``,
  ``StatusFrequency = 0``, ``ResetFrequency = 0``, ``DeliveryReport = no``,
  ``Receive = False``, ``connection = at115200``.  Ceiling ~1.4 parts/s: libgammu
  sleeps 0.1 + 0.5 + 0.1 s inside every ``ATGEN_SendSMS``; nothing configurable
  removes that.
* smstools3: ``trust_outgoing = yes``, ``poll_faster = 100``,
  ``detect_unexpected_input = no``, ``check_network = 0``, ``incoming = no``,
  ``receive_before_send = no``, ``report = no``, ``send_delay = 0``,
  ``rtscts = no``, ``mode = new``.  Untuned (defaults) it does ~2-3/s.

Measured here (emulated SIM800, N=500, zero latency): gammu-smsd 1.39/s
(360 s; 4.8 s of it start-up probing), smstools3 293/s (1.7 s).  At 1 s send
latency (N=50): gammu-smsd 0.59/s (ceiling 1/1.6 s), smstools3 1.00/s (the modem).

A later ``bench/bench_daemon.py`` runs the same blast through Siaran's daemon
in the same run: :func:`run_other_daemons` takes a port, a symlink or a
``PtyEmulator`` and :func:`bench.others._common.blast` gives the exact messages.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.others import gammu, smstools  # noqa: E402
from bench.others._common import error_result, port_holders  # noqa: E402
from firmware.modem.emulator.modem import EmulatorConfig  # noqa: E402
from firmware.modem.emulator.pty import PtyEmulator  # noqa: E402

PACKAGES = ("gammu", "gammu-smsd", "smstools")
INSTALL = "apt-get install -y " + " ".join(PACKAGES)
#: Daemon name -> runner module (``run(port_or_link, workdir, n, ...)``), in run order.
RUNNERS = {gammu.DAEMON: gammu, smstools.DAEMON: smstools}


def run_other_daemons(port_or_link, workdir, n: int, *, daemons=tuple(RUNNERS), latency: float | None = None,
                      emulator_log=None, timeout: float | None = None) -> list[dict]:
    """Blast ``n`` messages through each of ``daemons`` in turn on one emulated modem.

    Args:
        port_or_link: the emulator's pty (``/dev/pts/N``), a symlink to it, or the
            ``PtyEmulator`` itself.
        workdir: each daemon gets ``workdir/<daemon>/`` (config, spool, logs and
            ``emulator.jsonl``, the parts this run put in the emulator's log).
        n: messages (recipients +6281200000001 ...), single-part GSM-7.
        daemons: names from :data:`RUNNERS`.
        latency: the emulator's send latency, for timeouts (default: read from a
            PtyEmulator, else 0).
        emulator_log: the emulator's JSON-lines log; found automatically for a
            PtyEmulator (also one running in this process) or a
            ``siaran emulator --link ... --log ...`` process.
        timeout: per daemon; default from N, latency and the daemon's known speed.

    Returns one dict per daemon: ``daemon``, ``version``, ``messages``,
    ``seconds`` (launch -> N-th part accepted), ``per_second``,
    ``emulator_parts``, ``startup_seconds``, ``steady_per_second``,
    ``cpu_seconds``, ``ok``, ``notes`` (list), ``tuning``, ``command``, ``logs``;
    or ``error`` when a daemon could not run.  Never raises for a daemon's failure.
    """
    results = []
    for name in daemons:
        runner = RUNNERS[name]
        try:
            results.append(runner.run(port_or_link, workdir, n, latency=latency, timeout=timeout,
                                      emulator_log=emulator_log))
        except Exception as exc:  # one daemon's trouble must not lose the other's figures
            results.append(error_result(name, n, f"{type(exc).__name__}: {exc}"))
    return results


# --- packages --------------------------------------------------------------------------------


def missing_executables() -> list[str]:
    return [name for name, runner in RUNNERS.items() if not runner.executable()]


def ensure_packages(install: bool = True) -> list[str]:
    """Install gammu, gammu-smsd and smstools with apt-get when missing (root only).

    Returns the daemons still missing afterwards.
    """
    if not missing_executables():
        return []
    if not install or os.geteuid() != 0 or not shutil.which("apt-get"):
        print(f"missing {', '.join(missing_executables())}; install with: sudo {INSTALL}", file=sys.stderr)
        return missing_executables()
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print(f"installing: {INSTALL}", file=sys.stderr)
    if subprocess.run(INSTALL.split(), env=env).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env)
        subprocess.run(INSTALL.split(), env=env)
    if os.path.isdir("/run/systemd/system") and shutil.which("systemctl"):
        # The packages enable system-wide daemons on /dev/ttyUSB0 / /dev/ttyS0: keep them off the modem.
        subprocess.run(["systemctl", "disable", "--now", "gammu-smsd.service", "smstools.service"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print("disabled the packages' gammu-smsd and smstools services", file=sys.stderr)
    return missing_executables()


# --- emulator --------------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_emulator(workdir: Path, name: str, *, latency: float = 0.0, model: str = "sim800"):
    """A new PtyEmulator with its own log ``workdir/<name>-emulator.jsonl`` and link ``workdir/<name>.tty``.

    Pseudo-terminal numbers are reused: a daemon left running elsewhere that
    keeps reopening an old ``/dev/pts/N`` grabs a new emulator that got that
    number.  Such a pty is kept open (so the number is not handed out again)
    and another one is taken; all are stopped on exit.
    """
    started = []
    try:
        for attempt in range(5):
            log = workdir / (f"{name}-emulator.jsonl" if not attempt else f"{name}-emulator-{attempt}.jsonl")
            emu = PtyEmulator(EmulatorConfig(model=model, name=name, send_latency=latency),
                              link=str(workdir / f"{name}.tty"), log_path=str(log)).start()
            started.append(emu)
            time.sleep(0.3)
            holders = port_holders(emu.port)
            if not holders and not emu.host_connected:
                break
            print(f"{emu.port} was opened by another process {holders}; taking another pty", file=sys.stderr)
        else:
            raise RuntimeError("every new pty was opened by another process")
        yield emu
    finally:
        for emu in started:
            emu.stop()


# --- report ----------------------------------------------------------------------------------


def table(results: list[dict]) -> str:
    head = f"{'daemon':<12} {'version':<10} {'N':>5} {'lat s':>5} {'seconds':>8} {'msg/s':>8} " \
           f"{'start s':>7} {'steady/s':>8} {'parts':>5} {'cpu s':>6} ok"
    rows = [head, "-" * len(head)]
    for r in results:
        def f(key, fmt):
            value = r.get(key)
            return format(value, fmt) if isinstance(value, (int, float)) else "-"
        rows.append(f"{r['daemon']:<12} {str(r.get('version', ''))[:10]:<10} {r['messages']:>5} "
                    f"{f('latency', '>5g')} {f('seconds', '>8.2f')} {f('per_second', '>8.2f')} "
                    f"{f('startup_seconds', '>7.2f')} {f('steady_per_second', '>8.2f')} "
                    f"{r.get('emulator_parts', 0):>5} {f('cpu_seconds', '>6.2f')} "
                    f"{'yes' if r.get('ok') else 'NO'}")
    return "\n".join(rows + note_lines(results))


def note_lines(results: list[dict]) -> list[str]:
    """``  <daemon>: <note>`` for every note (and error) of every result, to print under a table."""
    lines = []
    for r in results:
        notes = list(r.get("notes", []))
        if r.get("error") and r["error"] not in notes:
            notes.append(r["error"])
        lines += [f"  {r['daemon']}: {note}" for note in notes]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--messages", type=int, default=500, help="messages per daemon (default 500)")
    parser.add_argument("--latency", type=float, default=0.0, help="emulated seconds from Ctrl-Z to +CMGS")
    parser.add_argument("--model", choices=("sim800", "sim7600"), default="sim800")
    parser.add_argument("--only", choices=tuple(RUNNERS), action="append",
                        help="run only this daemon (repeatable)")
    parser.add_argument("--workdir", help="keep configs and logs here (default: a new /tmp/siaran-compare-*)")
    parser.add_argument("--no-install", action="store_true", help="do not apt-get install missing packages")
    args = parser.parse_args(argv)

    daemons = args.only or list(RUNNERS)
    missing = set(ensure_packages(install=not args.no_install))
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="siaran-compare-")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"work dir: {workdir}", file=sys.stderr)

    results = []
    for name in daemons:
        if name in missing:
            results.append(error_result(name, args.messages, f"{name} not installed: {INSTALL}"))
            continue
        print(f"{name}: {args.messages} messages, latency {args.latency:g} s ...", file=sys.stderr, flush=True)
        with fresh_emulator(workdir, name, latency=args.latency, model=args.model) as emu:
            results += run_other_daemons(emu, workdir, args.messages, daemons=[name], latency=args.latency)
    print(table(results))
    print(json.dumps({"bench": "compare_daemons", "messages": args.messages, "latency": args.latency,
                      "model": args.model, "workdir": str(workdir), "results": results}))
    return 0 if all(r.get("ok") for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
