"""Logging setup: numbers masked in every record's final message; journal under systemd, stderr otherwise."""

from __future__ import annotations

import io
import logging

import pytest

from firmware.box import logsetup
from firmware.people.privacy import mask_number


@pytest.fixture
def restore_root():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)


def record(msg, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("firmware.queue.modem_worker", logging.WARNING, __file__, 1, msg, args, exc_info)


def test_number_in_args_is_masked():
    rec = record("message %d to %s in doubt (%s)", 7, "+6281200007890", "timeout")
    assert logsetup.MaskNumbers().filter(rec) is True
    assert rec.getMessage() == f"message 7 to {mask_number('+6281200007890')} in doubt (timeout)"
    assert "1200007" not in rec.getMessage()
    assert rec.args is None


def test_number_in_msg_and_exception_is_masked():
    try:
        raise ValueError("bad number 081200007890")
    except ValueError:
        import sys
        rec = record("failed for 0812-0000-7890", exc_info=sys.exc_info())
    logsetup.MaskNumbers().filter(rec)
    text = logging.Formatter().format(rec)
    assert rec.exc_info is None and "ValueError" in text
    assert "081200007890" not in text and "0812****7890" in text
    assert "0812-0000-7890" not in text


def test_stderr_outside_systemd(restore_root, monkeypatch):
    handler = logsetup.setup_logging(1, environ={})
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    handler.setStream(stream)
    logging.getLogger("firmware.test").info("sent to %s", "081200007890")
    logging.getLogger("firmware.test").debug("not shown at -v")
    out = stream.getvalue()
    assert "sent to 0812****7890" in out and "081200007890" not in out and "not shown" not in out
    assert restore_root.level == logging.INFO
    # Calling again replaces our handler rather than adding a second one.
    logsetup.setup_logging(2, environ={})
    assert sum(getattr(h, "_siaran", False) for h in restore_root.handlers) == 1
    assert restore_root.level == logging.DEBUG


@pytest.mark.parametrize("env", [{"INVOCATION_ID": "abc"}, {"JOURNAL_STREAM": "8:1234"}])
def test_journal_under_systemd(restore_root, monkeypatch, env):
    journal = pytest.importorskip("systemd.journal")
    sent = []
    handler = logsetup.setup_logging(0, environ=env)
    assert isinstance(handler, journal.JournalHandler)
    handler.send = lambda *a, **kw: sent.append((a, kw))  # what would go to the journal socket
    logging.getLogger("firmware.queue.modem_worker").warning("in doubt: %s", "+6281200007890")
    assert sent, "the record reached the journal handler"
    args, fields = sent[-1]
    message = args[0] if args else fields["MESSAGE"]
    assert mask_number("+6281200007890") in message and "1200007" not in message
    assert "CODE_ARGS" not in fields and "EXCEPTION_INFO" not in fields
    assert fields["SYSLOG_IDENTIFIER"] == "siaran"
    assert fields["PRIORITY"] == "4"


@pytest.mark.parametrize("text, masked", [
    ("file_hash=6636482917871dd8e0a1b2c3d4e5f60718293a4b5c6d7e8f9012345678901234",
     "file_hash=6636482917871dd8e0a1b2c3d4e5f60718293a4b5c6d7e8f9012345678901234"),  # a hash is not a number
    ("sha 1234567890abcdef00", "sha 1234567890abcdef00"),
    ("as of 2027-01-15 08:00", "as of 2027-01-15 08:00"),
    ("to 081200007890.", "to 0812****7890."),
    ("HP: 0812 0000 7890, RT 01", "HP: 0812 **** 7890, RT 01"),
    ("(+6281200007890)", "(+6281****7890)"),
    ('AT+CMGS="+6281200007890"', 'AT+CMGS="+6281****7890"'),
    ("note=0812-0000-7890;", "note=0812-****-7890;"),
])
def test_numbers_in_text_are_masked_but_hashes_and_dates_are_not(text, masked):
    from firmware.people.privacy import mask_numbers_in

    assert mask_numbers_in(text) == masked
