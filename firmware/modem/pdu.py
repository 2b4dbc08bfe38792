"""SMS PDU codec (3GPP TS 23.040 / 23.038): pure functions and frozen dataclasses.

Encodes SMS-SUBMIT (what ``AT+CMGS`` takes in PDU mode), and, for the
emulator and tests, SMS-DELIVER and SMS-STATUS-REPORT; decodes all three as
a modem prints them after ``+CMGR``, ``+CMGL``, ``+CMT`` or ``+CDS``.

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

import bisect
import re
from dataclasses import dataclass, fields
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any, ClassVar

from firmware.errors import PduError
from firmware.modem import gsm7

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

MAX_PARTS = 255
MAX_USER_DATA = 140  # octets of TP-UD in one message
MAX_ADDRESS_DIGITS = 20  # TS 23.040 §9.1.2.5: address field at most 12 octets
MAX_ALPHANUMERIC_SEPTETS = 11  # 10 octets of address value
TOA_INTERNATIONAL = 0x91
TOA_UNKNOWN = 0x81
TOA_ALPHANUMERIC = 0xD0
TON_INTERNATIONAL = 1
TON_NATIONAL = 2
TON_ALPHANUMERIC = 5


# --- values ----------------------------------------------------------------


class Encoding(str, Enum):
    """The alphabet of the user data (TP-DCS)."""

    GSM7 = "gsm7"
    EIGHT_BIT = "8bit"
    UCS2 = "ucs2"


class ReportStatus(str, Enum):
    """What a TP-Status value means for the message (TS 23.040 §9.2.3.15)."""

    DELIVERED = "delivered"  # 0x00-0x1F: transaction completed
    TEMPORARY = "temporary"  # 0x20-0x3F: temporary error, SC still trying
    PERMANENT = "permanent"  # 0x40-0x5F (and reserved >= 0x80): SC gave up
    GAVE_UP = "gave_up"  # 0x60-0x7F: temporary error, SC stopped trying


_DCS = {Encoding.GSM7: 0x00, Encoding.EIGHT_BIT: 0x04, Encoding.UCS2: 0x08}


def _jsonable(value: Any) -> Any:
    """Turn a decoded value into something ``json.dumps`` takes."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        return int(seconds) if seconds.is_integer() else seconds
    if isinstance(value, bytes):
        return value.hex().upper()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, (tuple, list)):
        return [_jsonable(item) for item in value]
    return value


class _ToDict:
    """``to_dict()`` for the decoded dataclasses: JSON-ready, ``type`` first."""

    def to_dict(self) -> dict[str, Any]:
        """Fields as JSON-ready values: ISO 8601 times, enum values, hex bytes, seconds."""
        out: dict[str, Any] = {}
        kind = getattr(self, "type", None)
        if kind is not None:
            out["type"] = kind
        for field in fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            if field.name == "udh":
                out["udh"] = [{"iei": iei, "data": data.hex().upper()} for iei, data in value]
            else:
                out[field.name] = _jsonable(value)
        return out


@dataclass(frozen=True)
class Concat(_ToDict):
    """A concatenation IE: part ``seq`` of ``total`` of message ``ref``."""

    ref: int
    total: int
    seq: int
    ref_bits: int  # 8 (IEI 0x00) or 16 (IEI 0x08)


@dataclass(frozen=True)
class SubmitPart:
    """One SMS-SUBMIT ready for ``AT+CMGS=<tpdu_length>`` then ``<pdu>`` Ctrl-Z."""

    pdu: str  # uppercase hex, SMSC octet "00" first
    tpdu_length: int  # octets excluding the SMSC field
    text: str  # this segment's text ("" for 8-bit data)
    concat: Concat | None


@dataclass(frozen=True)
class Address(_ToDict):
    """A decoded TP-OA/DA/RA or SMSC address.

    ``number`` is ``+<digits>`` for international numbers, the digits as sent
    for every other numeric type, the decoded text for alphanumeric senders.
    """

    number: str
    ton: int  # type of number, bits 6..4 of the TOA octet
    npi: int  # numbering plan, bits 3..0

    @property
    def is_alphanumeric(self) -> bool:
        """True for a sender name such as ``TELKOMSEL`` (TON 101)."""
        return self.ton == TON_ALPHANUMERIC


@dataclass(frozen=True)
class Deliver(_ToDict):
    """An SMS-DELIVER: a message someone sent to us."""

    type: ClassVar[str] = "deliver"
    smsc: Address | None
    sender: Address
    text: str
    encoding: Encoding
    data: bytes  # raw user data after the UDH (packed septets for GSM-7)
    concat: Concat | None
    timestamp: datetime  # TP-SCTS, timezone-aware
    pid: int
    dcs: int
    more_messages: bool
    reply_path: bool
    status_report_indication: bool
    udh: tuple[tuple[int, bytes], ...]
    message_class: int | None


@dataclass(frozen=True)
class Submit(_ToDict):
    """An SMS-SUBMIT, e.g. one we built, or one read back from the modem's outbox.

    ``validity`` is a timedelta for relative (and enhanced relative) formats,
    an aware datetime for the absolute format, None when absent.
    """

    type: ClassVar[str] = "submit"
    smsc: Address | None
    recipient: Address
    message_ref: int
    text: str
    encoding: Encoding
    data: bytes
    concat: Concat | None
    validity: timedelta | datetime | None
    report_requested: bool
    reject_duplicates: bool
    udh: tuple[tuple[int, bytes], ...]
    pid: int
    dcs: int


@dataclass(frozen=True)
class StatusReport(_ToDict):
    """An SMS-STATUS-REPORT: what became of a message we sent (``+CDS``)."""

    type: ClassVar[str] = "status_report"
    smsc: Address | None
    message_ref: int
    recipient: Address
    sc_timestamp: datetime
    discharge_time: datetime
    status: int
    status_class: ReportStatus

    @property
    def is_final(self) -> bool:
        """False only while the SC is still trying (expect another report)."""
        return self.status_class is not ReportStatus.TEMPORARY

    @property
    def description(self) -> str:
        """English text for ``status`` from TS 23.040 §9.2.3.15."""
        return status_description(self.status)

    def to_dict(self) -> dict[str, Any]:
        """As :meth:`_ToDict.to_dict`, plus ``description`` and ``is_final``."""
        out = super().to_dict()
        out["description"] = self.description
        out["is_final"] = self.is_final
        return out


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


# --- field encoders ----------------------------------------------------------


def _is_digits(text: str) -> bool:
    return bool(text) and all("0" <= ch <= "9" for ch in text)


def _semi_octets(digits: str) -> bytes:
    """BCD digits, swapped per octet, padded with F (TS 23.040 §9.1.2.3)."""
    if len(digits) % 2:
        digits += "F"
    return bytes(int(digits[i + 1] + digits[i], 16) for i in range(0, len(digits), 2))


def _address_value(number: str) -> tuple[int, int, bytes]:
    """(TOA, address length in semi-octets, value octets) for a TP address."""
    if not number:
        raise PduError("empty address")
    if number.startswith("+"):
        digits = number[1:]
        if not _is_digits(digits) or len(digits) > MAX_ADDRESS_DIGITS:
            raise PduError("invalid international number: '+' must be followed by 1-20 digits")
        return TOA_INTERNATIONAL, len(digits), _semi_octets(digits)
    if _is_digits(number):
        if len(number) > MAX_ADDRESS_DIGITS:
            raise PduError("number longer than 20 digits")
        return TOA_UNKNOWN, len(number), _semi_octets(number)
    if any(ch.isalpha() for ch in number) and gsm7.is_gsm7(number):
        septets = gsm7.encode_septets(number)
        if len(septets) > MAX_ALPHANUMERIC_SEPTETS:
            raise PduError("alphanumeric address longer than 11 GSM-7 characters")
        # The length counts the useful semi-octets of the packed septets.
        return TOA_ALPHANUMERIC, (7 * len(septets) + 3) // 4, gsm7.pack_septets(septets)
    raise PduError("invalid address: use +<digits>, <digits> or a GSM-7 sender name")


def _encode_address(number: str) -> bytes:
    """A TP-DA / TP-OA / TP-RA field."""
    toa, length, value = _address_value(number)
    return bytes([length, toa]) + value


def _encode_smsc(number: str | None) -> bytes:
    """The SMSC field that precedes the TPDU: ``00`` = the modem's own (+CSCA)."""
    if number is None:
        return b"\x00"
    toa, _, value = _address_value(number)
    if toa == TOA_ALPHANUMERIC:
        raise PduError("an SMSC address must be a number")
    return bytes([len(value) + 1, toa]) + value


def _bcd(value: int) -> int:
    """Two decimal digits as one swapped semi-octet pair."""
    return (value // 10) | ((value % 10) << 4)


def _encode_timestamp(moment: datetime) -> bytes:
    """A 7-octet TP-SCTS/TP-DT; the offset must be whole quarter hours."""
    offset = moment.utcoffset() if moment.tzinfo is not None else None
    if offset is None:
        raise PduError("timestamp must be timezone-aware")
    if not 1969 <= moment.year <= 2068:
        raise PduError("timestamp year must be 1969-2068 (two-digit years)")
    seconds = int(offset.total_seconds())
    if seconds % 900 or abs(seconds) // 900 > 79:
        raise PduError("time zone must be whole quarter hours within ±19:45")
    quarters = abs(seconds) // 900
    zone = _bcd(quarters) | (0x08 if seconds < 0 else 0)
    fields_ = (moment.year % 100, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    return bytes(_bcd(v) for v in fields_) + bytes([zone])


def _vp_duration(vp: int) -> timedelta:
    """The relative validity period a TP-VP octet means (TS 23.040 §9.2.3.12.1)."""
    if vp <= 143:
        return timedelta(minutes=(vp + 1) * 5)
    if vp <= 167:
        return timedelta(hours=12, minutes=(vp - 143) * 30)
    if vp <= 196:
        return timedelta(days=vp - 166)
    return timedelta(weeks=vp - 192)


_VP_DURATIONS = tuple(_vp_duration(vp) for vp in range(256))


def relative_validity(duration: timedelta) -> int:
    """The smallest TP-VP octet whose period is at least ``duration``.

    Periods under 5 minutes give 0 (5 minutes); over 63 weeks give 255.
    """
    if duration < timedelta(0):
        raise PduError("validity period must not be negative")
    return min(bisect.bisect_left(_VP_DURATIONS, duration), 255)


_VALIDITY_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_VALIDITY_RE = re.compile(r"\s*([0-9]{1,6})\s*([mhdw])\s*", re.IGNORECASE)


def parse_validity(text: str) -> timedelta:
    """Parse ``30m``, ``12h``, ``1d``, ``2w`` (minutes, hours, days, weeks).

    Raises:
        PduError: not of that form, or zero.
    """
    match = _VALIDITY_RE.fullmatch(text or "")
    if match is None:
        raise PduError("validity must look like 30m, 12h, 1d or 2w")
    amount = int(match.group(1))
    if amount == 0:
        raise PduError("validity must be longer than zero")
    return timedelta(**{_VALIDITY_UNITS[match.group(2).lower()]: amount})


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
    destination = _encode_address(number)
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
        tpdu = bytes([octet, message_ref]) + destination + bytes([0, _DCS[encoding]]) + vp
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
    sc = _encode_smsc(smsc)
    originator = _encode_address(sender)
    if sender_toa is not None:
        originator = originator[:1] + bytes([_check_octet(sender_toa, "sender TOA")]) + originator[2:]
    stamp = _encode_timestamp(timestamp)
    encoding, payload = _payload(text, encoding, data)
    segments = split_text(payload, encoding, ref16=ref16)
    out = []
    for segment, concat in zip(segments, _concats(len(segments), concat_ref, ref16)):
        udl, ud = _user_data(segment, encoding, concat)
        first = 0x04 | (0x40 if concat else 0)
        tpdu = bytes([first]) + originator + bytes([0, _DCS[encoding]]) + stamp + bytes([udl]) + ud
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
    tpdu = bytes([0x06, message_ref]) + _encode_address(recipient)
    tpdu += _encode_timestamp(sc_timestamp) + _encode_timestamp(discharge_time) + bytes([status])
    return _hex(_encode_smsc(smsc) + tpdu)


def tpdu_length(hex_with_smsc: str) -> int:
    """Octets after the SMSC field: the ``n`` of ``AT+CMGS=n`` for this PDU."""
    raw = _parse_hex(hex_with_smsc)
    smsc_octets = 1 + raw[0]
    if smsc_octets > len(raw):
        raise PduError("PDU truncated in SMSC field", offset=0)
    return len(raw) - smsc_octets


# --- decoding ----------------------------------------------------------------


class _Reader:
    """A cursor over the PDU octets; running off the end is a PduError."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def take(self, count: int, what: str) -> bytes:
        end = self.pos + count
        if end > len(self.data):
            raise PduError(f"PDU truncated in {what}", offset=self.pos)
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def octet(self, what: str) -> int:
        return self.take(1, what)[0]

    def rest(self) -> bytes:
        return self.data[self.pos :]


def _parse_hex(hex_pdu: str) -> bytes:
    """Hex as the modem prints it (any case, whitespace ignored) -> octets."""
    if not isinstance(hex_pdu, str):
        raise PduError("PDU must be given as a hex string")
    text = "".join(hex_pdu.split())
    if not text:
        raise PduError("empty PDU")
    if len(text) % 2:
        raise PduError("odd number of hex digits")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise PduError("PDU is not hexadecimal") from None


_SEMI_OCTET_DIGITS = "0123456789*#abc"


def _decode_semi_octets(value: bytes, count: int) -> str:
    """The first ``count`` BCD digits of ``value`` (``*#abc`` for A..E)."""
    digits = []
    for index in range(count):
        nibble = (value[index // 2] >> (4 * (index % 2))) & 0x0F
        if nibble == 0x0F:
            raise PduError("bad digit (F) inside an address")
        digits.append(_SEMI_OCTET_DIGITS[nibble])
    return "".join(digits)


def _address(toa: int, digits_or_text: str) -> Address:
    ton, npi = (toa >> 4) & 0x07, toa & 0x0F
    if ton == TON_INTERNATIONAL:
        digits_or_text = "+" + digits_or_text
    return Address(digits_or_text, ton, npi)


def _decode_alphanumeric(value: bytes, semi_octets: int) -> str:
    return gsm7.decode_septets(gsm7.unpack_septets(value, semi_octets * 4 // 7))


def _decode_address(reader: _Reader, what: str) -> Address:
    """A TP address field: length in semi-octets, TOA, value."""
    start = reader.pos
    length = reader.octet(what)
    if length > MAX_ADDRESS_DIGITS:
        raise PduError(f"{what} address length too big", offset=start)
    toa = reader.octet(what)
    value = reader.take((length + 1) // 2, what)
    if (toa >> 4) & 0x07 == TON_ALPHANUMERIC:
        return _address(toa, _decode_alphanumeric(value, length))
    return _address(toa, _decode_semi_octets(value, length))


def _decode_smsc(reader: _Reader) -> Address | None:
    """The SMSC field: length in octets (TOA included), 0 = none."""
    length = reader.octet("SMSC field")
    if length == 0:
        return None
    if length > 1 + MAX_ADDRESS_DIGITS // 2:
        raise PduError("SMSC length too big", offset=0)
    body = reader.take(length, "SMSC field")
    toa, value = body[0], body[1:]
    if (toa >> 4) & 0x07 == TON_ALPHANUMERIC:
        return _address(toa, _decode_alphanumeric(value, 2 * len(value)))
    count = 2 * len(value)
    if value and value[-1] >> 4 == 0x0F:
        count -= 1
    return _address(toa, _decode_semi_octets(value, count))


def _bcd_value(octet: int, what: str) -> int:
    tens, units = octet & 0x0F, octet >> 4
    if tens > 9 or units > 9:
        raise PduError(f"bad digit in {what}")
    return tens * 10 + units


def _decode_timestamp(octets: bytes, what: str) -> datetime:
    """A 7-octet service-centre timestamp; sign of the zone is bit 3 of octet 7."""
    yy, month, day, hour, minute, second = (_bcd_value(o, what) for o in octets[:6])
    zone = octets[6]
    units = zone >> 4
    if units > 9:
        raise PduError(f"bad digit in {what} time zone")
    quarters = (zone & 0x07) * 10 + units
    offset = timedelta(minutes=15 * quarters) * (-1 if zone & 0x08 else 1)
    year = yy + (1900 if yy >= 69 else 2000)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=timezone(offset))
    except ValueError:
        raise PduError(f"invalid date in {what}") from None


def _decode_dcs(dcs: int) -> tuple[Encoding, int | None]:
    """(alphabet, message class) from TP-DCS (TS 23.038 §4)."""
    group = dcs >> 4
    if group <= 0x07:  # general data coding (00xx) and automatic deletion (01xx)
        if dcs & 0x20:
            raise PduError("compressed text not supported")
        alphabet = (dcs >> 2) & 0x03
        encoding = (Encoding.GSM7, Encoding.EIGHT_BIT, Encoding.UCS2, Encoding.GSM7)[alphabet]
        return encoding, (dcs & 0x03 if dcs & 0x10 else None)
    if group == 0x0E:  # message waiting indication, store, UCS-2
        return Encoding.UCS2, None
    if group == 0x0F:  # data coding / message class
        return (Encoding.EIGHT_BIT if dcs & 0x04 else Encoding.GSM7), dcs & 0x03
    # 1000-1011 reserved ("assume GSM 7 bit default alphabet"), 1100/1101 MWI GSM-7.
    return Encoding.GSM7, None


def _parse_udh(header: bytes) -> tuple[tuple[tuple[int, bytes], ...], Concat | None]:
    """Information elements of a UDH (without UDHL) and the concat info, if valid.

    A concatenation IE with total 0, seq 0 or seq > total is ignored as the
    spec says (it stays in the IE list); when repeated, the last one counts.
    """
    elements = []
    pos = 0
    while pos < len(header):
        if pos + 2 > len(header):
            raise PduError("bad UDH: truncated information element")
        iei, length = header[pos], header[pos + 1]
        if pos + 2 + length > len(header):
            raise PduError("bad UDH: information element longer than header")
        elements.append((iei, bytes(header[pos + 2 : pos + 2 + length])))
        pos += 2 + length
    concat = None
    for iei, value in elements:
        if iei == 0x00 and len(value) == 3:
            candidate = Concat(value[0], value[1], value[2], 8)
        elif iei == 0x08 and len(value) == 4:
            candidate = Concat(value[0] << 8 | value[1], value[2], value[3], 16)
        else:
            continue
        valid = candidate.total and candidate.seq and candidate.seq <= candidate.total
        concat = candidate if valid else None
    return tuple(elements), concat


def decode_ucs2(data: bytes) -> str:
    """UTF-16-BE user data -> text; a lone surrogate becomes U+FFFD.

    Raises:
        PduError: an odd number of octets.
    """
    if len(data) % 2:
        raise PduError("UCS-2 user data has an odd number of octets")
    return data.decode("utf-16-be", errors="replace")


@dataclass(frozen=True)
class _UserData:
    text: str
    data: bytes
    udh: tuple[tuple[int, bytes], ...]
    concat: Concat | None


def _decode_user_data(reader: _Reader, has_udh: bool, encoding: Encoding) -> _UserData:
    """TP-UDL and TP-UD: optional UDH, then text (or 8-bit data)."""
    udl = reader.octet("TP-UDL")
    start = reader.pos
    octets = gsm7.packed_length(udl) if encoding is Encoding.GSM7 else udl
    user_data = reader.rest()
    if len(user_data) < octets:
        raise PduError("user data shorter than TP-UDL says", offset=start)
    user_data = user_data[:octets]
    header_octets = 0
    elements: tuple[tuple[int, bytes], ...] = ()
    concat = None
    if has_udh:
        if udl == 0:
            raise PduError("bad UDH: header indicated but user data is empty", offset=start)
        header_octets = user_data[0] + 1
        room = udl * 7 if encoding is Encoding.GSM7 else udl * 8
        if header_octets * 8 > room:
            raise PduError("bad UDH: header longer than user data", offset=start)
        elements, concat = _parse_udh(user_data[1:header_octets])
    payload = user_data[header_octets:]
    if encoding is Encoding.GSM7:
        fill = (7 - header_octets * 8 % 7) % 7
        count = udl - (header_octets * 8 + fill) // 7
        text = gsm7.decode_septets(gsm7.unpack_septets(payload, count, fill))
    elif encoding is Encoding.UCS2:
        text = decode_ucs2(payload)
    else:
        text = ""
    return _UserData(text, bytes(payload), elements, concat)


def _decode_deliver(reader: _Reader, smsc: Address | None, first: int) -> Deliver:
    sender = _decode_address(reader, "TP-OA")
    pid = reader.octet("TP-PID")
    dcs = reader.octet("TP-DCS")
    encoding, message_class = _decode_dcs(dcs)
    timestamp = _decode_timestamp(reader.take(7, "TP-SCTS"), "TP-SCTS")
    ud = _decode_user_data(reader, bool(first & 0x40), encoding)
    return Deliver(
        smsc=smsc,
        sender=sender,
        text=ud.text,
        encoding=encoding,
        data=ud.data,
        concat=ud.concat,
        timestamp=timestamp,
        pid=pid,
        dcs=dcs,
        more_messages=not first & 0x04,
        reply_path=bool(first & 0x80),
        status_report_indication=bool(first & 0x20),
        udh=ud.udh,
        message_class=message_class,
    )


def _enhanced_validity(octets: bytes) -> timedelta | None:
    """TP-VP in the enhanced format (TS 23.040 §9.2.3.12.3); None if not relative."""
    kind = octets[0] & 0x07
    if kind == 1:
        return _vp_duration(octets[1])
    if kind == 2:
        return timedelta(seconds=octets[1])
    if kind == 3:
        hours, minutes, seconds = (_bcd_value(o, "TP-VP") for o in octets[1:4])
        return timedelta(hours=hours, minutes=minutes, seconds=seconds)
    return None


def _decode_validity(reader: _Reader, vpf: int) -> timedelta | datetime | None:
    if vpf == 0b10:
        return _vp_duration(reader.octet("TP-VP"))
    if vpf == 0b11:
        return _decode_timestamp(reader.take(7, "TP-VP"), "TP-VP")
    if vpf == 0b01:
        return _enhanced_validity(reader.take(7, "TP-VP"))
    return None


def _decode_submit(reader: _Reader, smsc: Address | None, first: int) -> Submit:
    message_ref = reader.octet("TP-MR")
    recipient = _decode_address(reader, "TP-DA")
    pid = reader.octet("TP-PID")
    dcs = reader.octet("TP-DCS")
    encoding, _ = _decode_dcs(dcs)
    validity = _decode_validity(reader, (first >> 3) & 0x03)
    ud = _decode_user_data(reader, bool(first & 0x40), encoding)
    return Submit(
        smsc=smsc,
        recipient=recipient,
        message_ref=message_ref,
        text=ud.text,
        encoding=encoding,
        data=ud.data,
        concat=ud.concat,
        validity=validity,
        report_requested=bool(first & 0x20),
        reject_duplicates=bool(first & 0x04),
        udh=ud.udh,
        pid=pid,
        dcs=dcs,
    )


def _decode_status_report(reader: _Reader, smsc: Address | None) -> StatusReport:
    message_ref = reader.octet("TP-MR")
    recipient = _decode_address(reader, "TP-RA")
    sc_timestamp = _decode_timestamp(reader.take(7, "TP-SCTS"), "TP-SCTS")
    discharge = _decode_timestamp(reader.take(7, "TP-DT"), "TP-DT")
    status = reader.octet("TP-ST")
    # Optional TP-PI, TP-PID, TP-DCS, TP-UD may follow; nothing here needs them.
    return StatusReport(
        smsc=smsc,
        message_ref=message_ref,
        recipient=recipient,
        sc_timestamp=sc_timestamp,
        discharge_time=discharge,
        status=status,
        status_class=classify_status(status),
    )


def decode(hex_pdu: str, *, smsc: bool = True) -> Deliver | Submit | StatusReport:
    """Decode a PDU exactly as the modem prints it.

    Args:
        hex_pdu: hex digits, any case; whitespace is ignored.
        smsc: the PDU starts with the SMSC field (true for ``+CMGR``,
            ``+CMGL``, ``+CMT`` and ``+CDS`` in PDU mode).

    Returns:
        :class:`Deliver` (TP-MTI 00), :class:`Submit` (01) or
        :class:`StatusReport` (10).

    Raises:
        PduError: anything malformed, truncated or unsupported (never
            IndexError, UnicodeError or another ValueError).
    """
    reader = _Reader(_parse_hex(hex_pdu))
    sc = _decode_smsc(reader) if smsc else None
    first = reader.octet("first octet")
    mti = first & 0x03
    if mti == 0b00:
        return _decode_deliver(reader, sc, first)
    if mti == 0b01:
        return _decode_submit(reader, sc, first)
    if mti == 0b10:
        return _decode_status_report(reader, sc)
    raise PduError("reserved message type", offset=reader.pos - 1)


# --- TP-Status ---------------------------------------------------------------

_STATUS_TEXT = {
    0x00: "short message received by the SME",
    0x01: "forwarded by the SC to the SME, delivery unconfirmed",
    0x02: "short message replaced by the SC",
    0x20: "congestion",
    0x21: "SME busy",
    0x22: "no response from SME",
    0x23: "service rejected",
    0x24: "quality of service not available",
    0x25: "error in SME",
    0x40: "remote procedure error",
    0x41: "incompatible destination",
    0x42: "connection rejected by SME",
    0x43: "not obtainable",
    0x44: "quality of service not available",
    0x45: "no interworking available",
    0x46: "validity period expired",
    0x47: "deleted by originating SME",
    0x48: "deleted by SC administration",
    0x49: "short message does not exist",
}
for _code in range(0x60, 0x66):
    _STATUS_TEXT[_code] = _STATUS_TEXT[_code - 0x40]

_CLASS_TEXT = {
    ReportStatus.DELIVERED: "transaction completed",
    ReportStatus.TEMPORARY: "temporary error, SC still trying",
    ReportStatus.PERMANENT: "permanent error, SC not trying any more",
    ReportStatus.GAVE_UP: "temporary error, SC not trying any more",
}


def classify_status(status: int) -> ReportStatus:
    """The class of a TP-ST value; reserved values (>= 0x80) count as permanent."""
    if status >= 0x80:
        return ReportStatus.PERMANENT
    return (
        ReportStatus.DELIVERED,
        ReportStatus.TEMPORARY,
        ReportStatus.PERMANENT,
        ReportStatus.GAVE_UP,
    )[status >> 5]


def status_description(status: int) -> str:
    """English text for a TP-ST value (TS 23.040 §9.2.3.15)."""
    if not 0 <= status <= 0xFF:
        raise PduError("status must be 0..255")
    if status >= 0x80:
        return "reserved status (treated as permanent error)"
    status_class = classify_status(status)
    if status in _STATUS_TEXT:
        text = _STATUS_TEXT[status]
        if status_class is ReportStatus.GAVE_UP:
            text += " (SC not trying any more)"
        return text
    kind = "SC-specific" if status & 0x10 else "reserved"
    return f"{kind} status ({_CLASS_TEXT[status_class]})"
