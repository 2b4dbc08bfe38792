"""``siaran user add|list|disable|enable``: accounts for the web page and approvals."""

from __future__ import annotations

import argparse
import sys

from firmware.commands.common import actor, add_state_options, open_store
from firmware.commands.output import EXIT_BAD_INPUT, emit, fail
from firmware.users import ROLES, UserError, add_user, list_users, new_password, set_disabled


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("user", help="accounts (admin, approver, operator, viewer)")
    usub = p.add_subparsers(dest="user_command", metavar="add|list|disable|enable")
    usub.required = True
    a = usub.add_parser("add", help="create an account (prints a generated password unless --password-stdin)")
    add_state_options(a)
    a.add_argument("username")
    a.add_argument("--role", required=True, choices=ROLES)
    a.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    a.set_defaults(func=cmd_add)
    ls = usub.add_parser("list", help="accounts and roles")
    add_state_options(ls)
    ls.set_defaults(func=cmd_list)
    for name, disabled in (("disable", True), ("enable", False)):
        d = usub.add_parser(name, help=f"{name} an account")
        add_state_options(d)
        d.add_argument("username")
        d.set_defaults(func=cmd_disable, disabled=disabled)


def cmd_add(args: argparse.Namespace) -> int:
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else new_password()
    try:
        with open_store(args) as store:
            add_user(store, args.username, args.role, password, actor=actor())
    except UserError as exc:
        return fail(exc.reason, exc.pesan, EXIT_BAD_INPUT)
    out = {"username": args.username, "role": args.role}
    if not args.password_stdin:
        out["password"] = password
        out["pesan"] = "Simpan kata sandi ini; tidak akan ditampilkan lagi. Keep this password; it is not shown again."
    emit(out)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        emit({"users": list_users(store)})
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    try:
        with open_store(args) as store:
            set_disabled(store, args.username, args.disabled, actor=actor())
    except UserError as exc:
        return fail(exc.reason, exc.pesan, EXIT_BAD_INPUT)
    emit({"username": args.username, "disabled": args.disabled})
    return 0
