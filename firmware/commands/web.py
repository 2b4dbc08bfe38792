"""``siaran web``: the LAN page (Bottle, served by waitress) on the SQLite file."""

from __future__ import annotations

import argparse

from firmware.commands.common import add_state_options, load_config


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("web", help="the LAN web page (lists, compose, approvals, campaigns)")
    add_state_options(p)
    p.add_argument("--host", help="address to listen on (default from the config: all addresses)")
    p.add_argument("--port", type=int, help="port (default from the config: 8080)")
    p.set_defaults(func=cmd_web)


def cmd_web(args: argparse.Namespace) -> int:
    from web.server import serve  # imported here: the other commands do not need waitress

    serve(load_config(args), args.host, args.port)
    return 0
