"""``siaran demo``: Siaran on emulated modems, for a newcomer with no hardware.

Today it shows the modem stack end to end: two emulated modems (SIM800 and
SIM7600) on pseudo-terminals, each initialised by the real driver, a test SMS
with a delivery report, and a resident's reply read from the SIM.  Then it
keeps the emulators running and prints their ports for the ``siaran modem``
tools.  The daemon and the web page join it as they are built.
"""

from __future__ import annotations

import argparse
import signal
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

from firmware.commands.output import emit
from firmware.modem.driver import Modem
from firmware.modem.emulated import EmulatorConfig
from firmware.modem.emulator import PtyEmulator
from firmware.privacy import mask_number

#: Obviously fake numbers (never a real resident's).
DEMO_RECIPIENT = "+6281200000001"
DEMO_RESIDENT = "+6285700000002"
DEMO_TEXT = "Tes Siaran: peringatan dini longsor untuk RW 01-05. Ini hanya uji coba."


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run Siaran on emulated modems (no hardware needed)")
    p.add_argument("--once", action="store_true", help="exit after the walkthrough instead of staying up")
    p.add_argument("--dir", help="where to keep the emulators' logs (default: a temporary folder)")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    workdir = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="siaran-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    emulators = [
        PtyEmulator(EmulatorConfig(model="sim800", report_delay=0.5), log_path=workdir / "sim800.jsonl"),
        PtyEmulator(EmulatorConfig(model="sim7600", report_delay=0.5), log_path=workdir / "sim7600.jsonl"),
    ]
    for emu in emulators:
        emu.start()
    try:
        steps = [_walkthrough(emu) for emu in emulators]
        emit({"langkah/steps": steps, "log_dir": str(workdir)})
        if args.once:
            return 0
        _stay_up(emulators)
        return 0
    finally:
        for emu in emulators:
            emu.stop()


def _walkthrough(emu: PtyEmulator) -> dict:
    """Initialise, send with a report, wait for it, receive a reply: one modem's story."""
    out: dict = {"model": emu.config.model, "port": emu.port}
    with Modem.open(emu.port) as modem:
        status = modem.initialise(ready_timeout=15)
        out["identity"] = asdict(modem.identity) if modem.identity else None
        out["status"] = {"operator": status.operator, "signal_dbm": status.signal.dbm,
                         "registration": status.registration}
        result = modem.send(DEMO_RECIPIENT, DEMO_TEXT, report=True)
        out["sent"] = {"to": mask_number(DEMO_RECIPIENT), "encoding": result.encoding,
                       "message_refs": result.message_refs}
        out["delivery_report"] = _await(modem, "status_report", 5.0)
        emu.inject_incoming(DEMO_RESIDENT, "BERHENTI")
        stored = _await(modem, "sms_stored", 5.0)
        if stored is not None:
            msg = modem.read(stored["index"])
            if msg is not None and msg.decoded is not None:
                out["reply"] = {"from": mask_number(msg.decoded.sender.number), "text": msg.decoded.text}
                modem.delete(msg.index)
    return out


def _await(modem: Modem, kind: str, timeout: float) -> dict | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        event = modem.next_event(timeout=0.25)
        if event is not None and event.kind == kind:
            data = event.to_dict()
            if event.report is not None:
                data = {"message_ref": event.report.message_ref, "status": event.report.status_class.value}
            return data
    return None


def _stay_up(emulators: list[PtyEmulator]) -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    emit({
        "pesan": "Modem emulasi berjalan. Tekan Ctrl-C untuk berhenti.",
        "message": "Emulated modems are running. Press Ctrl-C to stop.",
        "try": [f"siaran modem info --port {emu.port}" for emu in emulators],
    })
    stop.wait()
