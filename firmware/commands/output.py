"""How subcommands talk to the person at the console: JSON on stdout.

Errors are JSON too, with the English message under ``error`` and the Bahasa
Indonesia one under ``pesan``, so a script and a person can both read them.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from firmware.errors import pesan_of

#: Exit codes shared by all subcommands.
EXIT_OK = 0
EXIT_FAILED = 1  # the action ran and failed (a send was refused)
EXIT_BAD_INPUT = 2  # the user's input was invalid
EXIT_MODEM = 3  # the modem or its port is unavailable
EXIT_CORRUPT = 4  # the database is corrupt: restore it (systemd does not restart the daemon on this code)


def emit(obj: Any) -> None:
    """Print ``obj`` as indented JSON (UTF-8, not ASCII-escaped) and flush."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def fail(error: str, pesan: str, code: int, **extra: Any) -> int:
    """Print a JSON error and return ``code`` for the handler to return."""
    emit({"error": error, "pesan": pesan, **extra})
    return code


def config_failed(exc: Exception) -> int:
    """Print a configuration error (or a database from a newer Siaran) and return ``EXIT_BAD_INPUT``: the
    error's own Bahasa text when it has one; the English detail is under ``error``."""
    return fail(str(exc), pesan_of(exc, 'Konfigurasi tidak valid; rinciannya (dalam bahasa Inggris) ada di kolom '
                                        '"error".'), EXIT_BAD_INPUT)
