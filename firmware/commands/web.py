"""``siaran web``: the LAN page (Bottle, served by waitress) on the SQLite file."""

from __future__ import annotations

import argparse
import errno

from firmware.commands.common import add_state_options, load_config
from firmware.commands.output import EXIT_FAILED, fail


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("web")
    add_state_options(p)
    p.add_argument("--host", help="address to listen on (default from the config: all addresses)")
    p.add_argument("--port", type=int, help="port (default from the config: 8080)")
    p.set_defaults(func=cmd_web)


def cmd_web(args: argparse.Namespace) -> int:
    from web.server import serve  # imported here: the other commands do not need waitress

    config = load_config(args)
    try:
        serve(config, args.host, args.port)
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES):
            raise
        where = f"{args.host or config.web_host}:{config.web_port if args.port is None else args.port}"
        return fail(f"cannot listen on {where}: {exc.strerror}",
                    f"Tidak bisa membuka halaman di {where}: alamat/port sudah dipakai program lain atau tidak "
                    f"diizinkan. Ganti web_port di konfigurasi atau pakai --port.", EXIT_FAILED)
    return 0
