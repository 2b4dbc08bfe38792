"""Benchmark: sending after a network drop -- seconds from the network's return to the next accepted part.

Run: ``.venv/bin/python bench/bench_netdrop.py [--drop 10] [--messages 60] [--latency 0.1] [--skip-others]``
(``--only siaran|gammu-smsd|smstools3``, ``--after 10``, ``--settle 90``).

For each daemon in turn, on a fresh emulated SIM800 (``--latency`` s per send): the
blast of ``bench/others/_common.py`` (N single-part GSM-7 messages) is queued and the
daemon started; after ``--after`` parts the emulator loses the network for ``--drop``
seconds (:meth:`PtyEmulator.drop_network`: ``+CREG: 2`` URCs, ``AT+CREG?`` says
searching, a submit is ``+CMS ERROR: 331``, one in flight ``332``), and one second
into the drop an emergency is queued (Siaran: priority EMERGENCY; gammu-smsd: outbox
priority A; smstools3: ``Priority: high``).  Figures, from the emulator's clock and
log (each part is logged before the host hears ``+CMGS``):

* ``first_s``: the network back (the emulator registered again) -> the next part accepted;
* ``emergency_s``: the network back -> the emergency accepted;
* ``normal_s``: the network back -> the first blast part accepted after it;
* ``during``: parts accepted while there was no network (must be 0);
* ``lost`` / ``twice``: messages never accepted by the end / accepted more than once.

The run ends when every message went out, or ``--settle`` s after the network's
return.  Siaran runs as ``siaran daemon --unthrottled`` in its own process (the
``Rig`` of ``bench/bench_daemon.py``).  gammu-smsd and smstools3 run if installed
(``bench/compare_daemons.py`` installs them as root) with their throughput tuning
(``bench/others/``) except the network check, on here as it is by default:
gammu ``CheckNetwork = 1``, smstools3 ``check_network = 1``.  Prints a table and one
JSON line; never asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_daemon import Rig  # noqa: E402
from bench.compare_daemons import RUNNERS, ensure_packages, fresh_emulator, note_lines  # noqa: E402
from bench.others._common import (  # noqa: E402
    NUMBER_PREFIX, EmulatorLog, blast, drive, error_result, prepare_run,
)
from firmware.modem.emulator.pty import PtyEmulator  # noqa: E402
from firmware.queue.store import EMERGENCY  # noqa: E402

SIARAN = "siaran"
EMERGENCY_NUMBER = f"{NUMBER_PREFIX}99990911"  # +6281299990911: outside the blast's +62812000000xx
EMERGENCY_TEXT = "DARURAT: banjir, warga bantaran sungai segera mengungsi ke balai desa."
#: The others' network check, on as by default (their throughput tuning turns it off).
NETWORK_CHECK = {"gammu-smsd": {"CheckNetwork": 1}, "smstools3": {"check_network": 1}}


def drop_then_alarm(emu: PtyEmulator, args, queue_emergency: Callable[[], None]) -> dict:
    """Once ``args.after`` parts are out: drop the network, and queue the emergency a second later."""
    if not emu.wait_sent(args.after, timeout=120):
        return {"error": f"only {emu.sent_count} parts before the drop was due"}
    emu.drop_network(args.drop)
    dropped = time.monotonic()
    time.sleep(1.0)
    queue_emergency()
    return {"dropped": dropped}


def figures(emu: PtyEmulator, numbers: set[str]) -> dict:
    """The recovery figures from the emulator's registration log and accepted parts."""
    offset = time.time() - time.monotonic()  # emulator clock (monotonic) -> the log's wall-clock stamps
    log = emu.modem.registration_log
    lost_at = next((t for t, stat in reversed(log) if stat != 1), None)
    back = next((t for t, stat in reversed(log) if stat == 1), None)
    out: dict = {"messages": len(numbers)}
    if lost_at is None or back is None or back < lost_at:
        return {**out, "error": f"the network did not drop and return: {log}"}
    back_wall, lost_wall = back + offset, lost_at + offset
    parts = [(_stamp(r), r["number"]) for r in list(emu.sent)]
    after = [(t, n) for t, n in parts if t >= back_wall]
    sent = Counter(n for _, n in parts)

    def since_back(match: Callable[[str], bool]) -> float | None:
        return next((round(t - back_wall, 3) for t, n in after if match(n)), None)

    return {
        **out,
        "first_s": since_back(lambda n: True),
        "emergency_s": since_back(lambda n: n == EMERGENCY_NUMBER),
        "normal_s": since_back(lambda n: n != EMERGENCY_NUMBER),
        "during": sum(1 for t, _ in parts if lost_wall <= t < back_wall),
        "lost": len(numbers - set(sent)),
        "twice": sum(1 for n, k in sent.items() if k > 1),
    }


def _stamp(record: dict) -> float:
    return datetime.fromisoformat(record["time"].replace("Z", "+00:00")).timestamp()


def siaran(args) -> dict:
    """The blast through ``siaran daemon``, the drop, the emergency; its figures."""
    rig = Rig(1, latency=args.latency)
    try:
        emu = rig.emus[0]
        messages = blast(args.messages)
        for number, text in messages:
            rig.store.enqueue([number], text)
        step = drop_then_alarm(emu, args, lambda: rig.store.enqueue([EMERGENCY_NUMBER], EMERGENCY_TEXT,
                                                                      priority=EMERGENCY))
        if "error" in step:
            return {"daemon": SIARAN, **step}
        deadline = step["dropped"] + args.drop + args.settle
        while emu.sent_count < args.messages + 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        return {"daemon": SIARAN, **figures(emu, {n for n, _ in messages} | {EMERGENCY_NUMBER})}
    finally:
        rig.close()


def other(name: str, args, workdir: Path) -> dict:
    """The same for gammu-smsd or smstools3 (``name``), with its network check on."""
    runner = RUNNERS[name]
    n = args.messages
    with fresh_emulator(workdir, name, latency=args.latency) as emu:
        setup = prepare_run(name, n, runner.executable(), f"{name} not installed", emu, workdir, args.latency)
        if isinstance(setup, dict):
            return setup
        port, log_path, _, run_dir = setup
        messages = blast(n)
        config = runner.write_config(run_dir, port, settings=NETWORK_CHECK[name])
        runner.queue(run_dir, messages)
        timeout = 60 + args.drop + args.settle + 2 * n
        step: dict = {}

        def alarm() -> None:
            step.update(drop_then_alarm(emu, args, lambda: runner.queue(
                run_dir, [(EMERGENCY_NUMBER, EMERGENCY_TEXT)], urgent=True, first_serial=n + 1)))

        watcher = threading.Thread(target=alarm, name="drop", daemon=True)
        watcher.start()
        run = drive(runner.command(runner.executable(), config, run_dir, timeout), cwd=run_dir,
                    output=run_dir / "stdout.txt", log=EmulatorLog(log_path),
                    wanted={number for number, _ in messages} | {EMERGENCY_NUMBER},
                    timeout=timeout, stall=args.drop + args.settle, port=port)
        watcher.join(timeout=5)
        if "error" in step or "dropped" not in step:
            return error_result(name, n, step.get("error", f"the drop never happened ({run['reason']})"))
        result = {"daemon": name, **figures(emu, {number for number, _ in messages} | {EMERGENCY_NUMBER})}
        result["notes"] = [] if run["reason"] == "done" else [run["reason"]]
        result["logs"] = str(run_dir)
        return result


def table(results: list[dict], args) -> str:
    head = f"{'daemon':<12} {'first s':>8} {'emerg. s':>8} {'normal s':>8} {'during':>6} {'lost':>5} {'twice':>5}"
    rows = [f"network drop of {args.drop:g} s after {args.after} parts; {args.messages} messages + 1 emergency; "
            f"send latency {args.latency:g} s", head, "-" * len(head)]
    for r in results:
        def f(key):
            value = r.get(key)
            return f"{value:.3f}" if isinstance(value, float) else ("-" if value is None else str(value))
        rows.append(f"{r['daemon']:<12} {f('first_s'):>8} {f('emergency_s'):>8} {f('normal_s'):>8} "
                    f"{f('during'):>6} {f('lost'):>5} {f('twice'):>5}")
    return "\n".join(rows + note_lines(results))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--drop", type=float, default=10.0, help="seconds without network (default 10)")
    parser.add_argument("--messages", type=int, default=60, help="blast size (default 60)")
    parser.add_argument("--after", type=int, default=10, help="parts sent before the drop (default 10)")
    parser.add_argument("--latency", type=float, default=0.1, help="emulated seconds per send (default 0.1)")
    parser.add_argument("--settle", type=float, default=90.0,
                        help="seconds after the network's return to wait for the rest (default 90)")
    parser.add_argument("--only", choices=(SIARAN, *RUNNERS), action="append", help="only this daemon (repeatable)")
    parser.add_argument("--skip-others", action="store_true", help="Siaran only")
    parser.add_argument("--no-install", action="store_true", help="do not apt-get install gammu/smstools")
    args = parser.parse_args(argv)
    if not 0 < args.after < args.messages:
        parser.error("--after must be between 0 and --messages")

    daemons = args.only or ([SIARAN] if args.skip_others else [SIARAN, *RUNNERS])
    if any(d in RUNNERS for d in daemons):
        ensure_packages(install=not args.no_install)
    results = []
    with tempfile.TemporaryDirectory(prefix="siaran-netdrop-") as tmp:
        for name in daemons:
            print(f"{name}: drop of {args.drop:g} s ...", file=sys.stderr, flush=True)
            try:
                results.append(siaran(args) if name == SIARAN else other(name, args, Path(tmp)))
            except Exception as exc:  # one daemon's trouble must not lose the others' figures
                results.append(error_result(name, args.messages, f"{type(exc).__name__}: {exc}"))
    print(table(results, args))
    print(json.dumps({"bench": "netdrop", "drop": args.drop, "after": args.after, "messages": args.messages,
                      "latency": args.latency, "results": results}))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
