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

from firmware.commands.output import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_MODEM, config_failed, fail
from firmware.errors import ConfigError, ModemError
from firmware.box.logsetup import setup_logging
from firmware.people.privacy import mask_numbers_in

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
    "smpp",
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


def _not_utf8(argv: list[str]) -> int | None:
    """Refuse an argument that is not UTF-8 text (a file name in another encoding, a stray byte).

    Python hands such bytes over as lone surrogates, which SQLite, JSON and the log
    cannot take: they would end in a traceback far from the cause.  Numbers in the
    shown argument are masked (it may be a phone number).
    """
    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = mask_numbers_in(arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))
            return fail(f"argument “{shown}” is not UTF-8 text: rename the file (or type the text again) "
                        "using ordinary characters",
                        f"argumen “{shown}” bukan teks UTF-8: ganti nama file (atau ketik ulang teksnya) "
                        "dengan huruf biasa", EXIT_BAD_INPUT)
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    refused = _not_utf8(argv)
    if refused is not None:
        return refused
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="strict")  # text piped in ('--text -'): odd bytes are an error, not surrogates
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except UnicodeDecodeError as exc:  # text read from standard input or a file that is not UTF-8
        return fail(f"the input is not UTF-8 text ({exc.reason} at byte {exc.start}): save it as UTF-8",
                    f"masukan bukan teks UTF-8 ({exc.reason} di byte {exc.start}): simpan sebagai UTF-8",
                    EXIT_BAD_INPUT)
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
