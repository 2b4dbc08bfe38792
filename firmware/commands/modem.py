"""``siaran modem ...``: diagnostics for a technician at the box.

``info``, ``send``, ``ussd`` and ``inbox`` each open the port, initialise the
modem and print JSON.  Phone numbers are masked in the output unless
``--unmask`` is given (the output often ends up pasted into a chat or a log).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict

from firmware.errors import CommandError, ModemError, PduError, SimNotReady
from firmware.modem import errorclass, pdu
from firmware.modem.driver import Modem, PartialSend
from firmware.people.numbers import InvalidNumber, dialled
from firmware.people.privacy import mask_number, mask_numbers_in
from firmware.commands.output import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_MODEM, emit, fail


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("modem")
    msub = parser.add_subparsers(dest="modem_command", metavar="ACTION")
    msub.required = True

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--port", required=True, help="serial device or pyserial URL, e.g. /dev/serial0")
        p.add_argument("--baud", type=int, default=115200, help="line speed (default 115200)")
        p.add_argument("--model", choices=("sim800", "sim7600"), help="skip model detection")
        p.add_argument("--pin", help="SIM PIN, if the SIM asks for one")
        p.add_argument("--trace", action="store_true", help="print the AT conversation on stderr (numbers masked)")
        p.add_argument("--unmask", action="store_true", help="show full phone numbers in the output")
        p.add_argument("--ready-timeout", type=float, default=30.0, help="seconds to wait for SIM/SMS ready")

    p = msub.add_parser("info", help="identity, SIM, registration, operator, signal, SMSC, clock")
    common(p)
    p.set_defaults(func=cmd_info)

    p = msub.add_parser("send", help="send one SMS (multipart when long)")
    common(p)
    p.add_argument("--to", required=True, help="recipient, e.g. 081200007890 or +6281200007890")
    p.add_argument("--text", required=True, help="message text ('-' reads stdin)")
    p.add_argument("--report", action="store_true", help="request delivery reports")
    p.add_argument("--wait", type=float, default=0.0, help="seconds to wait for delivery reports")
    p.add_argument("--validity", help="validity period, e.g. 12h, 1d, 7d")
    p.set_defaults(func=cmd_send)

    p = msub.add_parser("ussd", help="send a USSD code (balance check)")
    common(p)
    p.add_argument("--code", required=True, help="USSD code, e.g. '*888#'")
    p.add_argument("--timeout", type=float, default=20.0)
    p.set_defaults(func=cmd_ussd)

    p = msub.add_parser("inbox", help="list the messages stored on the SIM")
    common(p)
    p.add_argument("--delete", action="store_true", help="delete each listed message after printing it")
    p.set_defaults(func=cmd_inbox)


def _trace(direction: str, data: bytes) -> None:
    text = data.decode("ascii", "replace").replace("\r", "\\r").replace("\n", "\\n").replace("\x1a", "^Z")
    sys.stderr.write(f"{direction} {mask_numbers_in(text)}\n")


def _run(args: argparse.Namespace, action) -> int:
    """Open, initialise, run ``action(modem)``; turn driver errors into JSON."""
    try:
        modem = Modem.open(args.port, args.baud, trace=_trace if args.trace else None, model=args.model, pin=args.pin)
    except ModemError as exc:
        return fail(str(exc), f"Port serial tidak bisa dibuka: {args.port}", EXIT_MODEM)
    try:
        status = modem.initialise(ready_timeout=args.ready_timeout)
        return action(modem, status)
    except SimNotReady as exc:
        return fail(str(exc), f"Kartu SIM belum siap ({exc.state}). Periksa SIM dan PIN.", EXIT_MODEM)
    except CommandError as exc:
        return fail(str(exc), "Modem menolak perintah.", EXIT_FAILED, detail=errorclass.describe(exc))
    except ModemError as exc:
        return fail(str(exc), "Modem tidak menjawab. Periksa kabel, daya dan port.", EXIT_MODEM)
    finally:
        modem.close()


def _number(args: argparse.Namespace, number: str) -> str:
    return number if args.unmask else mask_number(number)


def cmd_info(args: argparse.Namespace) -> int:
    def action(modem: Modem, status) -> int:
        clock = modem.network_time()
        emit({
            "port": args.port,
            "identity": asdict(modem.identity) if modem.identity else None,
            "status": {**asdict(status), "signal": {**asdict(status.signal), "bars": status.signal.bars}},
            "network_time": clock.isoformat() if clock else None,
            # how +CMTI/+CDS arrive (buffered, lossy, none) and where stored reports wait (+CDSI)
            "indications": modem.indications,
            "report_memory": modem.report_memory,
        })
        return 0

    return _run(args, action)


def cmd_send(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.text == "-" else args.text
    try:
        dialled(args.to)  # letters would go out as a sender name: a typo, not an address
    except InvalidNumber as exc:
        return fail(exc.reason, f"Nomor tidak valid: {exc.pesan}", EXIT_BAD_INPUT)
    try:
        validity = pdu.parse_validity(args.validity) if args.validity else None
        pdu.encode_submit(args.to, text)  # validate before touching the modem
    except PduError as exc:
        return fail(exc.reason, f"Nomor atau pesan tidak valid: {exc.reason}", EXIT_BAD_INPUT)

    def action(modem: Modem, status) -> int:
        try:
            result = modem.send(args.to, text, report=args.report, validity=validity)
        except PartialSend as exc:
            return fail(str(exc), f"Hanya {len(exc.sent)} dari {exc.total} bagian terkirim.", EXIT_FAILED,
                        sent=[asdict(p) for p in exc.sent], detail=errorclass.describe(exc.cause))
        out = {
            "to": _number(args, args.to),
            "encoding": result.encoding,
            "segments": len(result.parts),
            "parts": [asdict(p) for p in result.parts],
        }
        if args.report and args.wait > 0:
            out["reports"] = _wait_reports(modem, args, result, args.wait)
        emit(out)
        return 0

    return _run(args, action)


def _wait_reports(modem: Modem, args: argparse.Namespace, result, wait: float) -> list[dict]:
    """Collect +CDS reports for the parts just sent (matched by TP-MR and recipient)."""
    wanted = {p.message_ref for p in result.parts if p.message_ref is not None}
    digits = "".join(ch for ch in args.to if ch.isdigit())[-9:]
    reports: dict[int, dict] = {}
    deadline = time.monotonic() + wait
    while wanted - {r for r, rep in reports.items() if rep["final"]}:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        event = modem.next_event(timeout=min(remaining, 0.5))
        if event is None or event.kind != "status_report" or event.report is None:
            continue
        rep = event.report
        if rep.message_ref in wanted and rep.recipient.number.endswith(digits):
            reports[rep.message_ref] = {
                "message_ref": rep.message_ref,
                "recipient": _number(args, rep.recipient.number),
                "status": rep.status,
                "class": rep.status_class.value,
                "final": rep.is_final,
                "description": pdu.status_description(rep.status),
                "discharge_time": rep.discharge_time.isoformat(),
            }
    return [reports[r] for r in sorted(reports)]


def cmd_ussd(args: argparse.Namespace) -> int:
    def action(modem: Modem, status) -> int:
        try:
            reply = modem.ussd(args.code, timeout=args.timeout)
        except ValueError as exc:
            return fail(str(exc), "Kode USSD tidak valid (contoh: *888#).", EXIT_BAD_INPUT)
        emit({"code": args.code, "status": reply.status, "text": reply.text, "dcs": reply.dcs,
              "answered": reply.status in (0, 1)})
        return 0 if reply.status in (0, 1) else EXIT_FAILED

    return _run(args, action)


def cmd_inbox(args: argparse.Namespace) -> int:
    def action(modem: Modem, status) -> int:
        messages = modem.list_messages(4)
        out = []
        for msg in messages:
            item = msg.to_dict()
            if not args.unmask:
                item["pdu"] = None  # the raw PDU carries the number too
                for key in ("sender", "recipient"):
                    addr = (item["message"] or {}).get(key)
                    if isinstance(addr, dict):
                        addr["number"] = mask_number(addr.get("number", ""))
            out.append(item)
            if args.delete:
                modem.delete(msg.index)
        emit({"count": len(out), "messages": out})
        return 0

    return _run(args, action)
