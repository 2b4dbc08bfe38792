"""``siaran setting list|set KEY VALUE``: the office's settings kept in the store.

Known keys: ``cost_per_segment`` (Rupiah per SMS part, default 150),
``approval_threshold`` (recipients above which a campaign needs a second
user's approval, default 50), and for a campaign on the automatic route
``smpp_auto_threshold`` (recipients above which it goes by the operator,
default 500) and ``smpp_overflow_minutes`` (the modems' estimate beyond which
a smaller one overflows to the operator, default 60); see
:mod:`firmware.campaigns.routing`.
"""

from __future__ import annotations

import argparse

from firmware.commands.common import actor, add_state_options, open_store
from firmware.commands.output import EXIT_BAD_INPUT, emit, fail

KNOWN = {"cost_per_segment": (0, 100_000), "approval_threshold": (0, 10_000_000),
         "smpp_auto_threshold": (0, 10_000_000), "smpp_overflow_minutes": (0, 100_000)}


def check_value(key: str, value: float) -> tuple[int | float | None, str, str]:
    """(value to store, "", "") when ``value`` is allowed for ``key``; else (None, reason, pesan).

    Shared by ``siaran setting set`` and the web page's Settings form."""
    if key not in KNOWN:
        return None, f"unknown setting {key!r}", f"Pengaturan tidak dikenal: {key!r}"
    low, high = KNOWN[key]
    if not low <= value <= high:
        return None, f"{key} must be between {low} and {high}", f"{key} harus antara {low} dan {high}"
    return (int(value) if float(value).is_integer() else value), "", ""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("setting")
    ssub = p.add_subparsers(dest="setting_command", metavar="list|set")
    ssub.required = True
    ls = ssub.add_parser("list", help="current settings")
    add_state_options(ls)
    ls.set_defaults(func=cmd_list)
    st = ssub.add_parser("set", help="change a setting")
    add_state_options(st)
    st.add_argument("key", choices=sorted(KNOWN))
    st.add_argument("value", type=float)
    st.set_defaults(func=cmd_set)


def cmd_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        emit({key: {"value": v["value"], "updated_by": v["updated_by"]} for key, v in store.settings().items()})
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    value, reason, pesan = check_value(args.key, args.value)
    if value is None:
        return fail(reason, pesan, EXIT_BAD_INPUT)
    with open_store(args) as store:
        store.set_setting(args.key, value, by=actor(), audit=True)
    emit({args.key: value})
    return 0
