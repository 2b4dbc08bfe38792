"""Logging for every ``siaran`` command: the journal under systemd, stderr otherwise, numbers masked.

UU 27/2022 (PDP): a resident's phone number must not reach a log in full, so
one filter on the handler masks every phone-number-like run of digits in the
final message (after ``%`` formatting), whatever the logger or the caller.
"""

from __future__ import annotations

import logging
import os
import sys

from firmware.people.privacy import mask_numbers_in

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class MaskNumbers(logging.Filter):
    """Replace the record's message by its masked, fully formatted form (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 — a bad format string: let logging report it as usual
            return True
        record.msg = mask_numbers_in(message)
        record.args = None
        # Clearing args also keeps JournalHandler from sending them raw as CODE_ARGS.
        if record.exc_info:
            # Tracebacks may quote numbers too (an exception's message): format once here, masked, and
            # drop exc_info so that no handler formats it again (JournalHandler would send it as EXCEPTION_INFO).
            if not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = mask_numbers_in(record.exc_text)
        return True


def under_systemd(environ=os.environ) -> bool:
    """True when started by systemd (a service: INVOCATION_ID; stderr wired to the journal: JOURNAL_STREAM)."""
    return bool(environ.get("JOURNAL_STREAM") or environ.get("INVOCATION_ID"))


def make_handler(environ=os.environ) -> logging.Handler:
    """A JournalHandler under systemd (structured fields, SYSLOG_IDENTIFIER=siaran), else stderr."""
    if under_systemd(environ):
        try:
            from systemd.journal import JournalHandler
        except ImportError:  # pragma: no cover — systemd-python is a dependency
            pass
        else:
            handler = JournalHandler(SYSLOG_IDENTIFIER="siaran")
            handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))  # the journal adds time and level
            return handler
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    return handler


def setup_logging(verbosity: int = 0, environ=os.environ) -> logging.Handler:
    """Configure the root logger: WARNING, INFO with ``-v``, DEBUG with ``-vv``.  Returns the handler."""
    level = logging.WARNING - 10 * min(max(verbosity, 0), 2)
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_siaran", False):
            root.removeHandler(old)
    handler = make_handler(environ)
    handler._siaran = True  # type: ignore[attr-defined]
    handler.addFilter(MaskNumbers())
    root.addHandler(handler)
    root.setLevel(level)
    return handler
