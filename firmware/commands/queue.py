"""``siaran send``, ``siaran status``, ``siaran hold``: the queue from a shell script."""

from __future__ import annotations

import argparse
import sys
import time

from firmware.commands.common import actor, add_state_options, load_config, open_store
from firmware.commands.output import EXIT_BAD_INPUT, config_failed, emit, fail
from firmware.errors import ConfigError
from firmware.people.numbers import InvalidNumber, normalise, operator_of
from firmware.people.privacy import mask_number
from firmware.queue.store import EMERGENCY, Store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("send")
    add_state_options(p)
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--to", help="number(s), comma-separated")
    target.add_argument("--tag", help="every contact with this tag")
    p.add_argument("--text", required=True, help="message text ('-' reads stdin)")
    p.add_argument("--emergency", action="store_true", help="send first, even during a hold or at night")
    p.add_argument("--no-report", action="store_true", help="do not request delivery reports")
    p.add_argument("--channel", choices=("auto", "modem", "smpp"), default="auto",
                   help="the route: the box's modems, the operator account (SMPP), or either (default)")
    p.set_defaults(func=cmd_send)

    p = sub.add_parser("status")
    add_state_options(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("hold")
    add_state_options(p)
    hsub = p.add_subparsers(dest="hold_command", metavar="on|off")
    hsub.required = True
    on = hsub.add_parser("on", help="hold all non-emergency sending")
    add_state_options(on)
    on.add_argument("--reason", required=True, help="why (e.g. masa tenang pemilu)")
    on.set_defaults(func=cmd_hold, active=True)
    off = hsub.add_parser("off", help="resume sending")
    add_state_options(off)
    off.set_defaults(func=cmd_hold, active=False, reason=None)


def cmd_send(args: argparse.Namespace) -> int:
    text = sys.stdin.read().rstrip("\n") if args.text == "-" else args.text
    if not text.strip():
        return fail("empty message", "Pesan kosong.", EXIT_BAD_INPUT)
    try:
        config = load_config(args)
        store = Store.in_state_dir(config.state_dir)
    except ConfigError as exc:
        return config_failed(exc)
    with store:
        channel = None if args.channel == "auto" else args.channel
        if channel == "smpp":
            from firmware.campaigns import routing  # only for --channel smpp: keeps `siaran send` light

            if not routing.accounts(store, config):
                return fail("no operator (SMPP) account: add one ([[smpp]] or the Settings page), or use "
                            "--channel modem", "Belum ada akun operator (SMPP): tambahkan di berkas konfigurasi "
                            "atau halaman Pengaturan, atau pakai --channel modem.", EXIT_BAD_INPUT)
        if args.to:
            numbers, rejected = [], []
            for i, raw in enumerate(args.to.split(","), start=1):
                try:
                    numbers.append(normalise(raw))
                except InvalidNumber as exc:
                    rejected.append({"position": i, "number": mask_number(raw.strip()), "reason": exc.reason,
                                     "alasan": exc.pesan})
            if rejected:
                return fail("invalid number(s); nothing queued", "Ada nomor tidak valid; tidak ada yang dikirim.",
                            EXIT_BAD_INPUT, rejected=rejected)
        else:
            from firmware.people import contacts as contacts_mod  # only for --tag: keeps `siaran send` light

            numbers = contacts_mod.numbers_tagged(store, args.tag)
            if not numbers:
                return fail(f"no contacts with tag {args.tag!r}", f"Tidak ada kontak dengan tag {args.tag!r}.",
                            EXIT_BAD_INPUT)
        numbers = list(dict.fromkeys(numbers))  # the same number twice gets one SMS
        queued, suppressed = store.enqueue(numbers, text, priority=EMERGENCY if args.emergency else 0,
                                           report=not args.no_report, created_by=actor(), route_of=operator_of,
                                           channel=channel)
        store.audit(actor(), "send", {"queued": queued, "suppressed": suppressed, "emergency": args.emergency,
                                      "channel": args.channel})
        emit({"queued": queued, "suppressed_optout": suppressed, "emergency": args.emergency,
              "channel": args.channel, "queued_at": time.time()})
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        hold = store.hold()
        emit({
            "queue": store.queue_counts(),
            "hold": {"active": hold.active, "reason": hold.reason, "by": hold.set_by, "at": hold.set_at},
            "modems": [
                {k: m[k] for k in ("name", "port", "state", "state_reason", "model_name", "operator", "route",
                                    "signal_dbm", "registration", "balance", "sent_total", "errors", "last_seen",
                                    "parked_until")}
                for m in store.modems()
            ],
            "smpp": store.smpp_links(),  # each operator account's link: state, sent, rate, window, last error
        })
    return 0


def cmd_hold(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        hold = store.set_hold(args.active, reason=args.reason, by=actor())
        emit({"hold": hold.active, "reason": hold.reason, "by": hold.set_by,
              "pesan": "Pengiriman ditahan (kecuali darurat)." if hold.active else "Pengiriman dilanjutkan."})
    return 0
