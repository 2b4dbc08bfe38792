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

#: Every subcommand, in help order: (name, module of :mod:`firmware.commands` whose
#: ``register(subparsers)`` adds it, one-line help).  The module is imported only when its
#: command runs, so ``siaran --help`` and ``siaran status`` do not pay for the daemon, the
#: panel (gpiozero), openpyxl or the web page.  A module's commands stand together.
COMMANDS = (
    ("demo", "demo", "run Siaran on emulated modems (no hardware needed)"),
    ("daemon", "daemon", "run the daemon that owns the modems and drains the queue"),
    ("web", "web", "the LAN web page (lists, compose, approvals, campaigns)"),
    ("send", "queue", "queue a message for the daemon to send"),
    ("status", "queue", "modems, queue counts and hold (JSON)"),
    ("hold", "queue", "stop (or resume) all non-emergency sending"),
    ("import", "contacts", "import a contact list (.xlsx or .csv); --dry-run to preview"),
    ("contact", "contacts", "one person's data: export, delete, consent; retention purge"),
    ("audience", "campaigns", "save, list and count target groups (wilayah, role, tag)"),
    ("campaign", "campaigns", "create, preview, approve, list and cancel campaigns"),
    ("user", "users", "accounts (admin, approver, operator, viewer)"),
    ("unit", "units", "units (dinas) sharing the box: signature, sender name, quota, report"),
    ("setting", "settings", "office settings (cost per SMS, approval threshold, automatic route)"),
    ("modem", "modem", "talk to a modem directly (technician tools)"),
    ("smpp", "smpp", "the operator route (SMPP): check an account"),
    ("pdu", "pdu", "encode, decode and count SMS PDUs (no modem needed)"),
    ("emulator", "emulator", "run an emulated SIMCom modem on a pseudo-terminal (tests, demos)"),
    ("backup", "backup", "copy the database (online, consistent) to a file or a folder/USB stick"),
    ("restore", "backup", "replace the database with a backup (services stopped; the old file is kept)"),
    ("usb-import", "usb", "import a contact list from a USB stick (run by siaran-usb@.service)"),
)

_HELP = {name: help_ for name, _, help_ in COMMANDS}


class _Subcommands(argparse._SubParsersAction):
    """The top-level subparsers: a command's one-line help comes from :data:`COMMANDS`."""

    def add_parser(self, name, **kwargs):
        if name in _HELP:
            kwargs.setdefault("help", _HELP[name])
        return super().add_parser(name, **kwargs)


def _command_in(argv: list[str]) -> str | None:
    """The subcommand ``argv`` names: its first word that is not an option (the top-level
    options, ``-v`` and ``-h``, take no value)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The ``siaran`` parser, with the full parser of the command ``argv`` names.

    Every other command is a bare entry (its name and help), enough for ``siaran --help``.
    ``argv=None`` builds every command in full (tests, documentation).
    """
    parser = argparse.ArgumentParser(
        prog="siaran",
        description="Siaran: SMS blast appliance for local government (perangkat SMS siaran untuk pemerintah daerah).",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", action=_Subcommands)
    sub.required = True
    chosen = None if argv is None else dict((n, m) for n, m, _ in COMMANDS).get(_command_in(argv))
    registered = set()
    for name, module, _ in COMMANDS:
        if argv is None or module == chosen:
            if module not in registered:
                registered.add(module)
                importlib.import_module(f"firmware.commands.{module}").register(sub)
        else:
            sub.add_parser(name)
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
    parser = build_parser(argv)
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
