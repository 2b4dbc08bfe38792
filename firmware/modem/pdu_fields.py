"""The values of the SMS PDU codec and the fields both directions share (3GPP TS 23.040 / 23.038).

The frozen dataclasses a PDU decodes to (:class:`Deliver`, :class:`Submit`, :class:`StatusReport`,
:class:`Address`, :class:`Concat`) and the encodings; the address fields (semi-octet digits, the type
of number, alphanumeric senders), the service-centre timestamp (BCD, quarter-hour zone) and the
validity period, each encoded and decoded here (the encoders are :mod:`firmware.modem.pdu`, the
decoders :mod:`firmware.modem.pdu_decode`).  Pure functions; errors are
:class:`~firmware.errors.PduError`.
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


DCS = {Encoding.GSM7: 0x00, Encoding.EIGHT_BIT: 0x04, Encoding.UCS2: 0x08}


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


def encode_address(number: str) -> bytes:
    """A TP-DA / TP-OA / TP-RA field."""
    toa, length, value = _address_value(number)
    return bytes([length, toa]) + value


def encode_smsc(number: str | None) -> bytes:
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


def encode_timestamp(moment: datetime) -> bytes:
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


# --- decoding ----------------------------------------------------------------


class Reader:
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


def parse_hex(hex_pdu: str) -> bytes:
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


def decode_address(reader: Reader, what: str) -> Address:
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


def decode_smsc(reader: Reader) -> Address | None:
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


def decode_timestamp(octets: bytes, what: str) -> datetime:
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


def decode_validity(reader: Reader, vpf: int) -> timedelta | datetime | None:
    if vpf == 0b10:
        return _vp_duration(reader.octet("TP-VP"))
    if vpf == 0b11:
        return decode_timestamp(reader.take(7, "TP-VP"), "TP-VP")
    if vpf == 0b01:
        return _enhanced_validity(reader.take(7, "TP-VP"))
    return None


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
