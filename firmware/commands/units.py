"""``siaran unit add|list|set|report``: the units (dinas) sharing the box, and their monthly report.

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
from firmware.queue.store import Store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("unit", help="units (dinas) sharing the box: signature, sender name, quota, report")
    usub = p.add_subparsers(dest="unit_command", metavar="add|list|set|report")
    usub.required = True
    a = usub.add_parser("add", help="create a unit")
    add_state_options(a)
    a.add_argument("name")
    _add_fields(a)
    a.set_defaults(func=cmd_add)
    ls = usub.add_parser("list", help="units with their users and this month's quota use")
    add_state_options(ls)
    ls.set_defaults(func=cmd_list)
    s = usub.add_parser("set", help="change a unit (an empty value clears the sender name, quota or cost)")
    add_state_options(s)
    s.add_argument("unit", help="the unit's name or id")
    s.add_argument("--name", help="a new name")
    _add_fields(s)
    s.set_defaults(func=cmd_set)
    r = usub.add_parser("report", help="the monthly report per unit (SMS parts, cost, campaigns, delivery rate)")
    add_state_options(r)
    r.add_argument("--month", help="YYYY-MM (default: this month, local time)")
    r.add_argument("--csv", action="store_true", help="CSV for Excel (;-separated) on stdout instead of JSON")
    r.set_defaults(func=cmd_report)


def _add_fields(p: argparse.ArgumentParser) -> None:
    p.add_argument("--signature", help="text appended to every message of the unit, e.g. --signature='-Damkar Kota Bandung'")
    p.add_argument("--sender-name", help="alphanumeric sender for SMS masking: 1-11 letters and digits")
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
