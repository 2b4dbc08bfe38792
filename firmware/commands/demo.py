"""``siaran demo``: the appliance on emulated modems, for a newcomer with no hardware.

It starts two emulated modems (a SIM800 and a SIM7600) on pseudo-terminals,
runs the real daemon on them with a state folder of its own, queues a
landslide warning to twenty (fake) RT/RW heads and one emergency, lets a
resident reply ``BERHENTI`` (opt-out) and another reply with a question, and
prints what happens as JSON.  Then it stays up, so you can try ``siaran
status``, ``siaran send`` and ``siaran hold`` on the same state folder from
another terminal; Ctrl-C stops it.  The web page joins it with issue #5.
"""

from __future__ import annotations

import argparse
import signal
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from firmware.commands.output import emit
from firmware.config import with_defaults
from firmware.daemon import Daemon
from firmware.modem.emulated import EmulatorConfig
from firmware.modem.emulator import PtyEmulator
from firmware.numbers import operator_of
from firmware.privacy import mask_number
from firmware.store import EMERGENCY, Store

#: Obviously fake numbers (never a real resident's): 0812-0000-01xx.
RT_RW_HEADS = [f"+6281200000{100 + i}" for i in range(20)]
RESIDENT_OPTOUT = RT_RW_HEADS[3]
RESIDENT_QUESTION = "+6285700000002"
WARNING = ("PERINGATAN DINI BPBD: curah hujan tinggi, potensi longsor di RW 01-05 lereng utara. "
           "Siapkan tas siaga; bila tanah retak, segera mengungsi ke balai desa.")
EMERGENCY_TEXT = "DARURAT: longsor di RW 03. Warga RW 03 segera mengungsi ke balai desa sekarang."


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run Siaran on emulated modems (no hardware needed)")
    p.add_argument("--once", action="store_true", help="exit once the demo messages are out")
    p.add_argument("--state-dir", help="state folder (default: a new temporary folder)")
    p.add_argument("--latency", type=float, default=0.5, help="seconds each emulated send takes (default 0.5)")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    state = Path(args.state_dir) if args.state_dir else Path(tempfile.mkdtemp(prefix="siaran-demo-"))
    state.mkdir(parents=True, exist_ok=True)
    emulators = [
        PtyEmulator(EmulatorConfig(model="sim800", name="sim800", send_latency=args.latency, report_delay=2.0),
                    log_path=str(state / "sim800-sent.jsonl")),
        PtyEmulator(EmulatorConfig(model="sim7600", name="sim7600", send_latency=args.latency, report_delay=2.0,
                                   imei="860000000000002", iccid="89621000000000000002"),
                    log_path=str(state / "sim7600-sent.jsonl")),
    ]
    for emu in emulators:
        emu.start()
    config = with_defaults(str(state), [f"{e.port}:{e.config.model}" for e in emulators],
                           window_start="00:00", window_end="24:00", jitter_min=0.1, jitter_max=0.3)
    config = replace(config, modems=tuple(replace(m, name=e.config.model) for m, e in zip(config.modems, emulators)))
    daemon = Daemon(config)
    thread = threading.Thread(target=daemon.run, name="daemon", daemon=True)
    thread.start()
    store = Store.in_state_dir(state)
    try:
        _wait(lambda: len(store.modems()) == 2 and all(m["state"] == "ready" for m in store.modems()), 30)
        emit({"pesan": "Siaran berjalan dengan dua modem emulasi.",
              "message": "Siaran is running on two emulated modems.",
              "state_dir": str(state), "modems": [{"name": m["name"], "port": m["port"], "model": m["model_name"],
                                                   "operator": m["operator"]} for m in store.modems()]})
        queued, _ = store.enqueue(RT_RW_HEADS, WARNING, created_by="demo", route_of=operator_of)
        store.enqueue(RT_RW_HEADS[:2], EMERGENCY_TEXT, priority=EMERGENCY, created_by="demo", route_of=operator_of)
        emulators[0].inject_incoming(RESIDENT_OPTOUT, "BERHENTI")
        emulators[1].inject_incoming(RESIDENT_QUESTION, "Apakah RW 06 juga harus mengungsi?")
        _wait(lambda: _settled(store), 120)
        emit(_summary(store, emulators))
        if args.once:
            return 0
        emit({"pesan": "Coba dari terminal lain / try from another terminal:",
              "commands": [f"siaran status --state-dir {state}",
                           f"siaran send --state-dir {state} --to 081200000199 --text 'Halo'",
                           f"siaran hold on --state-dir {state} --reason 'masa tenang'"],
              "stop": "Ctrl-C"})
        _stay_up()
        return 0
    finally:
        daemon.stop()
        thread.join(timeout=20)
        store.close()
        for emu in emulators:
            emu.stop()


def _wait(cond, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.2)
    return False


def _settled(store: Store) -> bool:
    """Everything sent, every requested delivery report in, both replies filed."""
    open_ = store.conn.execute(
        "SELECT COUNT(*) FROM messages WHERE state IN ('queued', 'sending') OR (state = 'sent' AND report = 1)"
    ).fetchone()[0]
    inbox = store.conn.execute("SELECT COUNT(*) FROM inbox").fetchone()[0]
    return open_ == 0 and inbox >= 2


def _summary(store: Store, emulators: list[PtyEmulator]) -> dict:
    inbox = [{"from": mask_number(r["number"]), "text": r["text"], "kind": r["kind"]}
             for r in store.conn.execute("SELECT number, text, kind FROM inbox ORDER BY id")]
    return {
        "queue": store.queue_counts(),
        "sent_by_modem": {e.config.name: e.sent_count for e in emulators},
        "inbox": inbox,
        "optouts": store.conn.execute("SELECT COUNT(*) FROM optouts").fetchone()[0],
        "modems": [{k: m[k] for k in ("name", "state", "operator", "signal_dbm", "sent_total")} for m in store.modems()],
    }


def _stay_up() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
