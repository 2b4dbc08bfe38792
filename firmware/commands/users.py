"""``siaran user add|list|disable|enable|reset-password|set-role``: accounts for the web page and approvals.

On the box's console these are the way back in when the only admin forgot the password
(or is locked out by failed logins): ``sudo -u siaran siaran user reset-password admin``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from firmware.commands.common import actor, add_state_options, open_store
from firmware.commands.output import EXIT_BAD_INPUT, emit, fail
from firmware.office import sessions
from firmware.queue.store import Store
from firmware.office.users import ROLES, UserError, add_user, list_users, new_password, set_disabled, set_password, set_role


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("user")
    usub = p.add_subparsers(dest="user_command", metavar="add|list|disable|enable|reset-password|set-role")
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
    r = usub.add_parser("reset-password", help="a new password (printed once unless --password-stdin); "
                        "logs the account out of the web page and lifts its login lock")
    add_state_options(r)
    r.add_argument("username")
    r.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    r.set_defaults(func=cmd_reset_password)
    sr = usub.add_parser("set-role", help="change an account's role (the last active admin stays admin)")
    add_state_options(sr)
    sr.add_argument("username")
    sr.add_argument("--role", required=True, choices=ROLES)
    sr.set_defaults(func=cmd_set_role)


def _password(args: argparse.Namespace) -> str:
    return sys.stdin.readline().rstrip("\n") if args.password_stdin else new_password()


def _emit_with_password(args: argparse.Namespace, out: dict, password: str) -> int:
    """Print ``out``, with a generated password once (never one the caller typed)."""
    if not args.password_stdin:
        out["password"] = password
        out["pesan"] = "Simpan kata sandi ini; tidak akan ditampilkan lagi. Keep this password; it is not shown again."
    return _emit(out)


def _change(args: argparse.Namespace, action: Callable[[Store], None]) -> int:
    """Run ``action`` on the store: 0, or a refused change (UserError) as a clear error and exit 2."""
    try:
        with open_store(args) as store:
            action(store)
    except UserError as exc:
        return fail(exc.reason, exc.pesan, EXIT_BAD_INPUT)
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    password = _password(args)
    code = _change(args, lambda store: add_user(store, args.username, args.role, password, actor=actor()))
    return code or _emit_with_password(args, {"username": args.username, "role": args.role}, password)


def cmd_reset_password(args: argparse.Namespace) -> int:
    def reset(store: Store) -> None:
        set_password(store, args.username, password, actor=actor())
        # Log them out of the page everywhere and lift their login lock (as a reset on the page does).
        sessions.delete_sessions_of(store, args.username, failures=True)

    password = _password(args)
    return _change(args, reset) or _emit_with_password(args, {"username": args.username, "reset": True}, password)


def cmd_set_role(args: argparse.Namespace) -> int:
    code = _change(args, lambda store: set_role(store, args.username, args.role, actor=actor()))
    return code or _emit({"username": args.username, "role": args.role})


def cmd_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        emit({"users": list_users(store)})
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    code = _change(args, lambda store: set_disabled(store, args.username, args.disabled, actor=actor()))
    return code or _emit({"username": args.username, "disabled": args.disabled})


def _emit(out: dict) -> int:
    emit(out)
    return 0
