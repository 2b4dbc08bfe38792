"""``siaran``: the one console command (daemon, web, emulator, modem tools ...).

Each area registers its subcommands from its own module in
:mod:`firmware.commands`; this module only builds the parser and runs the
chosen handler.  Handlers print JSON on stdout and return an exit code.
"""

from __future__ import annotations

import argparse
import logging
import sys

import importlib

#: Modules of firmware.commands whose ``register(subparsers)`` adds subcommands, in help order.
_AREAS = (
    "demo",
    "daemon",
    "queue",
    "contacts",
    "campaigns",
    "users",
    "settings",
    "modem",
    "pdu",
    "emulator",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="siaran",
        description="Siaran: SMS blast appliance for local government (perangkat SMS siaran untuk pemerintah daerah).",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in _AREAS:
        importlib.import_module(f"firmware.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
