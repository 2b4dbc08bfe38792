"""SMS PDU codec (3GPP TS 23.040 / 23.038): pure functions and frozen dataclasses.

Encodes SMS-SUBMIT (what ``AT+CMGS`` takes in PDU mode), and, for the
emulator and tests, SMS-DELIVER and SMS-STATUS-REPORT; decodes all three as
a modem prints them after ``+CMGR``, ``+CMGL``, ``+CMT`` or ``+CDS``.

The codec is three modules: this one splits text and encodes; :mod:`firmware.modem.pdu_decode`
decodes; :mod:`firmware.modem.pdu_fields` holds the values (dataclasses, encodings, TP-Status) and
the address, timestamp and validity fields both directions share.  Callers import this one: it
re-exports the others' public names (``__all__``).

Sans-I/O: no serial port, clock, logging or configuration here.  Anything
wrong with a PDU, whether we were asked to build one or were handed one by
the network, raises :class:`~firmware.errors.PduError` and nothing else.
Error reasons never contain a phone number.

Conventions this module fixes:

* Text is split into segments in exactly one place, :func:`split_text`;
  ``firmware.modem.segments`` counts with it, so the compose screen and the
  encoder always agree.
* 8-bit messages carry bytes, not text: pass ``data=`` to the encoders;
  decoded 8-bit messages have ``text == ""`` and the payload in ``data``.
  Internally (and in :func:`split_text`) an 8-bit payload is a ``str`` of
  code points 0..255, i.e. the payload decoded as latin-1.
* UCS-2 is sent as UTF-16-BE, so a character outside the BMP (emoji) takes
  two 16-bit units and is never split across parts.  On decoding, an odd
  number of UCS-2 octets is a :class:`PduError`; a lone surrogate becomes
  U+FFFD (phones that split a surrogate pair across two parts do exist:
  join the parts' ``data`` and call :func:`decode_ucs2` to recover it).
* Two-digit years map like POSIX ``%y``: 69..99 -> 1969..1999,
  00..68 -> 2000..2068.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from firmware.errors import PduError
from firmware.modem import gsm7
# The codec's one front door: ``from firmware.modem import pdu`` gives the decoder and the values too (__all__).
from firmware.modem.pdu_decode import decode, decode_ucs2, parse_udh
from firmware.modem.pdu_fields import (DCS, MAX_PARTS, TON_ALPHANUMERIC, TON_INTERNATIONAL, TON_NATIONAL,
                                       Address, Concat, Deliver, Encoding, ReportStatus, StatusReport, Submit,
                                       SubmitPart, classify_status, encode_address, encode_smsc,
                                       encode_timestamp, parse_hex, parse_validity, relative_validity,
                                       status_description)

__all__ = [
    "Address",
    "Concat",
    "Deliver",
    "Encoding",
    "ReportStatus",
    "StatusReport",
    "Submit",
    "SubmitPart",
    "choose_encoding",
    "classify_status",
    "count_units",
    "decode",
    "decode_ucs2",
    "encode_deliver",
    "encode_status_report",
    "encode_submit",
    "parse_validity",
    "relative_validity",
    "segment_capacity",
    "split_text",
    "status_description",
    "tpdu_length",
]

# --- segmentation ----------------------------------------------------------

# Units per segment: single message, with an 8-bit-ref concat UDH (6 octets),
# with a 16-bit-ref one (7 octets).  GSM-7 counts septets, UCS-2 UTF-16
# units, 8-bit octets.
_CAPACITY = {
    Encoding.GSM7: (160, 153, 152),
    Encoding.UCS2: (70, 67, 66),
    Encoding.EIGHT_BIT: (140, 134, 133),
}


def segment_capacity(encoding: Encoding, *, concatenated: bool, ref16: bool = False) -> int:
    """Units one segment holds: e.g. GSM-7 160 alone, 153 (152 with a 16-bit ref) in a chain."""
    single, ref8_size, ref16_size = _CAPACITY[Encoding(encoding)]
    if not concatenated:
        return single
    return ref16_size if ref16 else ref8_size


def choose_encoding(text: str) -> Encoding:
    """GSM-7 when every character is in the default or extension table, else UCS-2."""
    return Encoding.GSM7 if gsm7.is_gsm7(text) else Encoding.UCS2


def _unit_cost(char: str, encoding: Encoding) -> int:
    """Units one character costs in ``encoding``; PduError if it cannot be sent."""
    if encoding is Encoding.GSM7:
        return gsm7.septet_cost(char)
    code = ord(char)
    if encoding is Encoding.UCS2:
        if 0xD800 <= code <= 0xDFFF:
            raise PduError("text contains a lone UTF-16 surrogate")
        return 2 if code > 0xFFFF else 1
    if code > 0xFF:
        raise PduError("8-bit payload must be code points 0..255 (bytes as latin-1)")
    return 1


def count_units(text: str, encoding: Encoding) -> int:
    """Septets (GSM-7), UTF-16 units (UCS-2) or octets (8-bit) ``text`` takes."""
    encoding = Encoding(encoding)
    return sum(_unit_cost(ch, encoding) for ch in text)


def split_text(text: str, encoding: Encoding, *, ref16: bool = False) -> list[str]:
    """Split ``text`` into the segments :func:`encode_submit` sends.

    One segment if it fits a single message (160 septets / 70 UTF-16 units /
    140 octets), else greedy segments of 153/67/134 units (152/66/133 with a
    16-bit reference).  Splitting is by code point, so a GSM-7 escape pair or
    a UTF-16 surrogate pair never straddles two parts; combining sequences
    may.  Empty text is one empty segment.

    Raises:
        PduError: a character cannot be sent in ``encoding``, or more than
            255 parts would be needed.
    """
    encoding = Encoding(encoding)
    costs = [_unit_cost(ch, encoding) for ch in text]
    if sum(costs) <= segment_capacity(encoding, concatenated=False):
        return [text]
    limit = segment_capacity(encoding, concatenated=True, ref16=ref16)
    parts: list[str] = []
    start = used = 0
    for index, cost in enumerate(costs):
        if used + cost > limit:
            parts.append(text[start:index])
            start, used = index, 0
        used += cost
    parts.append(text[start:])
    if len(parts) > MAX_PARTS:
        raise PduError(f"message needs {len(parts)} parts, at most {MAX_PARTS} are possible")
    return parts


def _concat_ie(concat: Concat) -> bytes:
    """The concatenation IE: IEI 0x00 (8-bit ref) or 0x08 (16-bit ref)."""
    if concat.ref_bits == 16:
        return bytes([0x08, 4, concat.ref >> 8, concat.ref & 0xFF, concat.total, concat.seq])
    return bytes([0x00, 3, concat.ref, concat.total, concat.seq])


def _concats(total: int, ref: int | None, ref16: bool) -> list[Concat | None]:
    """One Concat per part, or None for a lone part when ``ref`` is None."""
    if ref is None:
        if total == 1:
            return [None]
        ref = 0
    if ref < 0:
        raise PduError("concatenation reference must not be negative")
    bits = 16 if ref16 else 8
    ref &= (1 << bits) - 1
    return [Concat(ref, total, seq, bits) for seq in range(1, total + 1)]


def _user_data(segment: str, encoding: Encoding, concat: Concat | None) -> tuple[int, bytes]:
    """(TP-UDL, TP-UD) for one segment, with a UDH when ``concat`` is given."""
    udh = b""
    if concat is not None:
        ie = _concat_ie(concat)
        udh = bytes([len(ie)]) + ie
    if encoding is Encoding.GSM7:
        septets = gsm7.encode_septets(segment)
        fill = (7 - len(udh) * 8 % 7) % 7
        header_septets = (len(udh) * 8 + fill) // 7
        return header_septets + len(septets), udh + gsm7.pack_septets(septets, fill)
    if encoding is Encoding.UCS2:
        body = segment.encode("utf-16-be")
    else:
        body = segment.encode("latin-1")
    return len(udh) + len(body), udh + body


def _payload(text: str, encoding: Encoding | None, data: bytes | None) -> tuple[Encoding, str]:
    """Settle the encoding; 8-bit payloads travel as latin-1 text internally."""
    if data is not None:
        if text:
            raise PduError("give either text or data, not both")
        if encoding not in (None, Encoding.EIGHT_BIT):
            raise PduError("data= is only for 8-bit messages")
        return Encoding.EIGHT_BIT, bytes(data).decode("latin-1")
    if encoding is None:
        return choose_encoding(text), text
    encoding = Encoding(encoding)
    if encoding is Encoding.EIGHT_BIT:
        raise PduError("8-bit messages take their payload as data=bytes")
    return encoding, text


def _check_octet(value: int, what: str) -> int:
    if not isinstance(value, int) or not 0 <= value <= 0xFF:
        raise PduError(f"{what} must be 0..255")
    return value


def _hex(octets: bytes) -> str:
    return octets.hex().upper()


# --- encoders ----------------------------------------------------------------


def encode_submit(
    number: str,
    text: str,
    *,
    report: bool = False,
    validity: timedelta | None = None,
    reject_duplicates: bool = False,
    concat_ref: int = 0,
    ref16: bool = False,
    encoding: Encoding | None = None,
    message_ref: int = 0,
    data: bytes | None = None,
) -> list[SubmitPart]:
    """Build the SMS-SUBMIT PDUs that send ``text`` to ``number``, one per part.

    Args:
        number: ``+62812...`` (TOA 0x91), other digits as given (TOA 0x81), or
            a sender-style name with letters (alphanumeric, TOA 0xD0).
        text: sent unaltered; GSM-7 if it fits the alphabet, else UCS-2.
        report: ask for a status report (TP-SRR).
        validity: relative validity period, rounded up to what TP-VP can say.
        reject_duplicates: TP-RD.
        concat_ref: reference shared by the parts of a multi-part message
            (masked to 8 or 16 bits); a single part carries no UDH.
        ref16: use the 16-bit reference IE (0x08) instead of 0x00.
        encoding: force an alphabet; GSM-7 fails on text it cannot hold.
        message_ref: TP-MR (the modem usually substitutes its own).
        data: an 8-bit payload (``text`` must then be empty).

    Raises:
        PduError: invalid address, unsendable text, or too many parts.
    """
    _check_octet(message_ref, "message reference")
    destination = encode_address(number)
    encoding, payload = _payload(text, encoding, data)
    segments = split_text(payload, encoding, ref16=ref16)
    concats = _concats(len(segments), concat_ref if len(segments) > 1 else None, ref16)
    first = 0x01 | (0x04 if reject_duplicates else 0) | (0x20 if report else 0)
    vp = b""
    if validity is not None:
        first |= 0x10
        vp = bytes([relative_validity(validity)])
    parts = []
    for segment, concat in zip(segments, concats):
        udl, ud = _user_data(segment, encoding, concat)
        octet = first | (0x40 if concat else 0)
        tpdu = bytes([octet, message_ref]) + destination + bytes([0, DCS[encoding]]) + vp
        tpdu += bytes([udl]) + ud
        part_text = "" if encoding is Encoding.EIGHT_BIT else segment
        parts.append(SubmitPart("00" + _hex(tpdu), len(tpdu), part_text, concat))
    return parts


def encode_deliver(
    sender: str,
    text: str,
    *,
    timestamp: datetime,
    concat_ref: int | None = None,
    ref16: bool = False,
    smsc: str | None = None,
    encoding: Encoding | None = None,
    data: bytes | None = None,
    sender_toa: int | None = None,
) -> list[str]:
    """Build SMS-DELIVER PDUs as ``+CMGR``/``+CMT`` print them (SMSC field first).

    For the modem emulator and tests.  ``concat_ref=None`` adds a
    concatenation UDH only when more than one part is needed (reference 0);
    an explicit reference adds it even to a lone part.  ``smsc=None`` writes
    ``00``.  TP-MMS says no more messages are waiting.  ``sender_toa``
    replaces the sender's type-of-address octet (e.g. ``0xA1``, a national
    number, as some networks send ``0812...``).
    """
    sc = encode_smsc(smsc)
    originator = encode_address(sender)
    if sender_toa is not None:
        originator = originator[:1] + bytes([_check_octet(sender_toa, "sender TOA")]) + originator[2:]
    stamp = encode_timestamp(timestamp)
    encoding, payload = _payload(text, encoding, data)
    segments = split_text(payload, encoding, ref16=ref16)
    out = []
    for segment, concat in zip(segments, _concats(len(segments), concat_ref, ref16)):
        udl, ud = _user_data(segment, encoding, concat)
        first = 0x04 | (0x40 if concat else 0)
        tpdu = bytes([first]) + originator + bytes([0, DCS[encoding]]) + stamp + bytes([udl]) + ud
        out.append(_hex(sc + tpdu))
    return out


def encode_status_report(
    message_ref: int,
    recipient: str,
    *,
    sc_timestamp: datetime,
    discharge_time: datetime,
    status: int,
    smsc: str | None = None,
) -> str:
    """Build an SMS-STATUS-REPORT as ``+CDS`` prints it (SMSC field first).

    For the modem emulator and tests: no optional parameters (TP-PI) follow
    TP-ST; TP-MMS says no more messages are waiting.
    """
    _check_octet(message_ref, "message reference")
    _check_octet(status, "status")
    tpdu = bytes([0x06, message_ref]) + encode_address(recipient)
    tpdu += encode_timestamp(sc_timestamp) + encode_timestamp(discharge_time) + bytes([status])
    return _hex(encode_smsc(smsc) + tpdu)


def tpdu_length(hex_with_smsc: str) -> int:
    """Octets after the SMSC field: the ``n`` of ``AT+CMGS=n`` for this PDU."""
    raw = parse_hex(hex_with_smsc)
    smsc_octets = 1 + raw[0]
    if smsc_octets > len(raw):
        raise PduError("PDU truncated in SMSC field", offset=0)
    return len(raw) - smsc_octets
