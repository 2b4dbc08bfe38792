"""``siaran``: the one console command (daemon, web, emulator, modem tools ...).

Each area registers its subcommands from its own module in
:mod:`firmware.commands`; this module only builds the parser and runs the
chosen handler.  Handlers print JSON on stdout and return an exit code.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys

import importlib

from firmware.commands.output import EXIT_FAILED, EXIT_MODEM, config_failed, fail
from firmware.errors import ConfigError, ModemError
from firmware.logsetup import setup_logging

#: Modules of firmware.commands whose ``register(subparsers)`` adds subcommands, in help order.
_AREAS = (
    "demo",
    "daemon",
    "web",
    "queue",
    "contacts",
    "campaigns",
    "users",
    "settings",
    "modem",
    "pdu",
    "emulator",
    "backup",
    "usb",
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
    setup_logging(args.verbose)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except ConfigError as exc:
        return config_failed(exc)
    except ModemError as exc:  # an IOError too: keep it apart from storage trouble
        return fail(str(exc), "Modem tidak menjawab atau port tidak bisa dipakai.", EXIT_MODEM)
    except (OSError, sqlite3.Error) as exc:
        # A state folder that cannot be created, a full disk, a locked or damaged database:
        # say so plainly instead of a traceback (the details are in the log at -v).
        logging.getLogger(__name__).debug("command failed", exc_info=True)
        return fail(f"{type(exc).__name__}: {exc}",
                    "Folder data atau database tidak bisa dipakai (izin, disk penuh, atau rusak).", EXIT_FAILED)


if __name__ == "__main__":
    sys.exit(main())
