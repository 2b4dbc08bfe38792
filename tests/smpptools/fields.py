"""PDU field helpers shared by the bare ESME and the operator network."""

from __future__ import annotations


def field_text(value) -> str:
    """A C-octet string field as smpplib parses it (bytes) or as a test set it (str), as text."""
    if value is None:
        return ""
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def encode_short_message(text: str | bytes) -> tuple[bytes, int]:
    """(short_message, data_coding) for a test text: ASCII as data_coding 0 (the SMSC default alphabet;
    test texts avoid the few ASCII characters GSM-7 places elsewhere), anything else as UCS-2 (8).
    Bytes pass unchanged as data_coding 0."""
    if isinstance(text, bytes):
        return text, 0
    try:
        return text.encode("ascii"), 0
    except UnicodeEncodeError:
        return text.encode("utf-16-be"), 8
