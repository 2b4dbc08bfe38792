"""``siaran unit add|list|set|private|report``: the units (dinas) sharing the box, and their monthly report.

``siaran unit private --unit UNIT (--number N ... | --tag TAG | --audience NAME)`` makes contacts or a saved
audience private to a unit; ``--shared`` shares them with every unit again.

``siaran user add NAME --role ROLE --unit UNIT`` and ``siaran user set-unit NAME --unit UNIT`` put people in
a unit (see :mod:`firmware.commands.users`).
"""

from __future__ import annotations

import argparse
import sys

from firmware.campaigns import campaign as camp_mod
from firmware.commands.common import actor, add_state_options, load_config
from firmware.commands.output import EXIT_BAD_INPUT, config_failed, emit, fail
from firmware.errors import ConfigError
from firmware.office import units as units_mod
from firmware.people import audience as aud_mod
from firmware.people import contacts as contacts_mod
from firmware.people.audience import AudienceError
from firmware.people.contacts import ContactNotFound
from firmware.people.numbers import InvalidNumber
from firmware.queue.store import Store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("unit")
    usub = p.add_subparsers(dest="unit_command", metavar="add|list|set|private|report")
    usub.required = True

    def command(name: str, func, text: str) -> argparse.ArgumentParser:
        parser = usub.add_parser(name, help=text)
        add_state_options(parser)
        parser.set_defaults(func=func)
        return parser

    _add_fields(command("add", cmd_add, "create a unit"), "name")
    command("list", cmd_list, "units with their users and this month's quota use")
    s = command("set", cmd_set, "change a unit (an empty value clears the sender name, quota or cost)")
    _add_fields(s, "unit")
    s.add_argument("--name", help="a new name")
    pv = command("private", cmd_private, "make contacts or a saved audience private to a unit, or shared again")
    whose = pv.add_mutually_exclusive_group(required=True)
    whose.add_argument("--unit", help="the unit (name or id) they become private to")
    whose.add_argument("--shared", action="store_true", help="shared by every unit again")
    pv.add_argument("--number", action="append", default=[], metavar="NUMBER", help="a contact's number (repeatable)")
    pv.add_argument("--tag", help="every contact with this tag (e.g. the tag given at import)")
    pv.add_argument("--audience", help="a saved audience's name")
    r = command("report", cmd_report, "the monthly report per unit (SMS parts, cost, campaigns, delivery rate)")
    r.add_argument("--month", help="YYYY-MM (default: this month, local time)")
    r.add_argument("--csv", action="store_true", help="CSV for Excel (;-separated) on stdout instead of JSON")


def _add_fields(p: argparse.ArgumentParser, positional: str) -> None:
    """The unit's name (``add``) or the unit to change (``set``: name or id), and its optional fields."""
    p.add_argument(positional, help="the unit's name" + (" or id" if positional == "unit" else ""))
    p.add_argument("--signature",
                   help="text appended to every message of the unit, e.g. --signature='-Damkar Kota Bandung'")
    p.add_argument("--sender-name", help="alphanumeric sender for SMS masking: 1-11 letters, digits, spaces or - . _ &")
    p.add_argument("--monthly-quota", help="SMS parts per calendar month ('' for none)")
    p.add_argument("--cost-per-part", help="Rupiah per SMS part for the report ('' for the office's cost_per_segment)")


def _fields(args: argparse.Namespace) -> dict:
    names = ("name", "signature", "sender_name", "monthly_quota", "cost_per_part")
    return {k: getattr(args, k) for k in names if getattr(args, k, None) is not None}


def _run(args: argparse.Namespace, action) -> int:
    """Run ``action(config, store)``: 0, or a refused change (UnitError) as a clear error and exit 2."""
    try:
        config = load_config(args)
    except ConfigError as exc:
        return config_failed(exc)
    try:
        with Store.in_state_dir(config.state_dir) as store:
            return action(config, store)
    except units_mod.UnitError as exc:
        return fail(exc.reason, exc.pesan, EXIT_BAD_INPUT)


def cmd_add(args: argparse.Namespace) -> int:
    def add(config, store):
        fields = _fields(args)
        fields.pop("name", None)
        unit_id = units_mod.add_unit(store, args.name, actor=actor(), **fields)
        emit(units_mod.get_unit(store, unit_id))
        return 0
    return _run(args, add)


def cmd_set(args: argparse.Namespace) -> int:
    def change(config, store):
        emit(units_mod.update_unit(store, args.unit, actor=actor(), **_fields(args)))
        return 0
    return _run(args, change)


def cmd_list(args: argparse.Namespace) -> int:
    def show(config, store):
        units = units_mod.list_units(store)
        for u in units:
            u["quota_status"] = units_mod.quota_status(store, u["id"], utc_offset_hours=config.utc_offset_hours)
        emit({"units": units})
        return 0
    return _run(args, show)


def cmd_private(args: argparse.Namespace) -> int:
    if not (args.number or args.tag or args.audience):
        return fail("give --number, --tag or --audience", "Sebutkan --number, --tag atau --audience.", EXIT_BAD_INPUT)

    def private(config, store):
        unit_id = None if args.shared else units_mod.get_unit(store, args.unit)["id"]
        out: dict = {"unit": unit_id}
        try:
            if args.audience:
                aud_mod.load_row(store, args.audience)  # refused before any contact changes
            if args.number or args.tag:
                out["contacts_changed"] = contacts_mod.set_private(store, unit_id=unit_id, actor=actor(),
                                                                   numbers=args.number, tag=args.tag)
            if args.audience:
                aud_mod.set_private(store, args.audience, unit_id, actor())
                out["audience"] = args.audience
        except InvalidNumber as exc:
            return fail(exc.reason, exc.pesan, EXIT_BAD_INPUT)
        except ContactNotFound:
            return fail("no contact with that number", "Tidak ada kontak dengan nomor itu.", EXIT_BAD_INPUT)
        except AudienceError as exc:
            return fail(exc.reason, exc.pesan, EXIT_BAD_INPUT)
        emit(out)
        return 0
    return _run(args, private)


def cmd_report(args: argparse.Namespace) -> int:
    def report(config, store):
        rows = units_mod.monthly_report(store, args.month, utc_offset_hours=config.utc_offset_hours,
                                        default_cost=camp_mod.cost_per_part(store))
        store.audit(actor(), "unit_report", {"month": rows[0]["bulan"] if rows else args.month, "units": len(rows)})
        if not args.csv:
            emit({"report": rows})
            return 0
        units_mod.write_report_csv(rows, sys.stdout)
        return 0
    return _run(args, report)
