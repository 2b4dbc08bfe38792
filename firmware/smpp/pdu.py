"""SMPP 3.4 PDUs as frozen dataclasses, and the bytes they are on the wire: a sans-I/O codec.

No sockets, clocks or logging here (the h11 shape): :func:`encode` turns a PDU into bytes,
:class:`Framer` cuts a byte stream into frames (bounded: a babbling peer is a :class:`PduError`, not
unbounded memory), :func:`decode` turns one frame into a PDU. Only what an ESME sending SMS needs is
typed: the binds, unbind, submit_sm, deliver_sm, enquire_link, generic_nack and their responses;
any other command decodes as :class:`Pdu` with its body kept raw.

Texts are cut into parts by the project's own segmenter (:func:`firmware.modem.pdu.split_text`: an
escape pair or a surrogate pair never straddles two parts) and sent with a UDH (esm_class 0x40):
GSM-7 as data_coding 0 in unpacked septets, anything else as UCS-2 (data_coding 8).

Sources: the SMPP v3.4 specification (issue 1.2), §3 (PDU format), §4 (PDU definitions), §5.2
(fields), §5.3 (TLVs), appendix B (the delivery receipt text).
"""

from __future__ import annotations

import enum
import re
import struct
from dataclasses import dataclass, field

from firmware.errors import PduError
from firmware.modem import gsm7
from firmware.modem.pdu import Concat, Encoding, parse_udh, choose_encoding, split_text

#: A PDU larger than this is refused (the longest legal submit_sm with TLVs is far below it).
MAX_PDU = 64 * 1024
HEADER = struct.Struct(">IIII")
INTERFACE_VERSION = 0x34


class Command(enum.IntEnum):
    """command_id values (§5.1.2.1); a response is the request's id with bit 31 set."""

    GENERIC_NACK = 0x80000000
    BIND_RECEIVER = 0x00000001
    BIND_RECEIVER_RESP = 0x80000001
    BIND_TRANSMITTER = 0x00000002
    BIND_TRANSMITTER_RESP = 0x80000002
    SUBMIT_SM = 0x00000004
    SUBMIT_SM_RESP = 0x80000004
    DELIVER_SM = 0x00000005
    DELIVER_SM_RESP = 0x80000005
    UNBIND = 0x00000006
    UNBIND_RESP = 0x80000006
    BIND_TRANSCEIVER = 0x00000009
    BIND_TRANSCEIVER_RESP = 0x80000009
    ENQUIRE_LINK = 0x00000015
    ENQUIRE_LINK_RESP = 0x80000015
    ALERT_NOTIFICATION = 0x00000102  # an SMSC's note that a phone is reachable again; never answered
    DATA_SM = 0x00000103  # an SMSC may bring a resident's SMS or a receipt this way instead of deliver_sm
    DATA_SM_RESP = 0x80000103


BINDS = (Command.BIND_RECEIVER, Command.BIND_TRANSMITTER, Command.BIND_TRANSCEIVER)


class Status(enum.IntEnum):
    """command_status values (§5.1.3) an ESME acts on; others keep their number."""

    ESME_ROK = 0x00
    ESME_RINVMSGLEN = 0x01
    ESME_RINVCMDLEN = 0x02
    ESME_RINVCMDID = 0x03
    ESME_RINVBNDSTS = 0x04
    ESME_RALYBND = 0x05
    ESME_RSYSERR = 0x08
    ESME_RINVSRCADR = 0x0A
    ESME_RINVDSTADR = 0x0B
    ESME_RINVMSGID = 0x0C
    ESME_RBINDFAIL = 0x0D
    ESME_RINVPASWD = 0x0E
    ESME_RINVSYSID = 0x0F
    ESME_RMSGQFUL = 0x14
    ESME_RINVESMCLASS = 0x43
    ESME_RSUBMITFAIL = 0x45
    ESME_RINVSRCTON = 0x48
    ESME_RINVSRCNPI = 0x49
    ESME_RINVDSTTON = 0x50
    ESME_RINVDSTNPI = 0x51
    ESME_RINVSYSTYP = 0x53
    ESME_RTHROTTLED = 0x58
    ESME_RINVSCHED = 0x61
    ESME_RINVEXPIRY = 0x62
    ESME_RX_T_APPN = 0x64
    ESME_RX_P_APPN = 0x65
    ESME_RX_R_APPN = 0x66
    ESME_RUNKNOWNERR = 0xFF


def status_name(code: int) -> str:
    """``ESME_RTHROTTLED`` for 0x58; ``0x000000C2`` for a code SMPP 3.4 does not name."""
    try:
        return Status(code).name
    except ValueError:
        return f"0x{code:08X}"


class Tag(enum.IntEnum):
    """Optional parameter tags (§5.3.2) Siaran reads or writes."""

    RECEIPTED_MESSAGE_ID = 0x001E
    USER_MESSAGE_REFERENCE = 0x0204
    SAR_MSG_REF_NUM = 0x020C
    SAR_TOTAL_SEGMENTS = 0x020E
    SAR_SEGMENT_SEQNUM = 0x020F
    MESSAGE_PAYLOAD = 0x0424
    MESSAGE_STATE = 0x0427
    NETWORK_ERROR_CODE = 0x0423


#: message_state values (§5.2.28), also the ``stat:`` words of a receipt's text.
MESSAGE_STATES = {1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV", 6: "ACCEPTD",
                  7: "UNKNOWN", 8: "REJECTD"}
STATE_NUMBERS = {v: k for k, v in MESSAGE_STATES.items()}

ESM_UDHI = 0x40
ESM_RECEIPT = 0x04  # message type bits (xx0001xx): SMSC delivery receipt
DC_DEFAULT = 0x00
DC_LATIN1 = 0x03
DC_UCS2 = 0x08


# --- PDUs ---------------------------------------------------------------------


@dataclass(frozen=True)
class Pdu:
    """Any PDU: header fields; ``body`` holds the raw body of a command this codec does not type."""

    command: int
    sequence: int = 0
    status: int = 0
    body: bytes = b""

    @property
    def is_response(self) -> bool:
        return bool(self.command & 0x80000000)


@dataclass(frozen=True)
class Bind(Pdu):
    """bind_transmitter / bind_receiver / bind_transceiver (``command`` says which)."""

    system_id: str = ""
    password: str = field(default="", repr=False)
    system_type: str = ""
    interface_version: int = INTERFACE_VERSION
    addr_ton: int = 0
    addr_npi: int = 0
    address_range: str = ""


@dataclass(frozen=True)
class BindResp(Pdu):
    """The SMSC's answer to a bind; ``status`` non-zero means refused."""

    system_id: str = ""
    tlvs: tuple[tuple[int, bytes], ...] = ()


@dataclass(frozen=True)
class ShortMessage(Pdu):
    """The fields submit_sm and deliver_sm share (§4.4.1, §4.6.1)."""

    service_type: str = ""
    source_addr_ton: int = 0
    source_addr_npi: int = 0
    source_addr: str = ""
    dest_addr_ton: int = 0
    dest_addr_npi: int = 0
    destination_addr: str = ""
    esm_class: int = 0
    protocol_id: int = 0
    priority_flag: int = 0
    schedule_delivery_time: str = ""
    validity_period: str = ""
    registered_delivery: int = 0
    replace_if_present_flag: int = 0
    data_coding: int = 0
    sm_default_msg_id: int = 0
    short_message: bytes = b""
    tlvs: tuple[tuple[int, bytes], ...] = ()

    def tlv(self, tag: int) -> bytes | None:
        """The value of optional parameter ``tag`` (the last one when repeated), or None."""
        found = None
        for t, value in self.tlvs:
            if t == tag:
                found = value
        return found

    @property
    def payload(self) -> bytes:
        """The user data: ``message_payload`` when present (then short_message is empty), else short_message."""
        return self.tlv(Tag.MESSAGE_PAYLOAD) or self.short_message

    def user_data(self) -> tuple[Concat | None, bytes]:
        """(concatenation info, the data after the UDH) of this message's user data."""
        data = self.payload
        concat = None
        if self.esm_class & ESM_UDHI and data:
            udhl = data[0]
            if 1 + udhl > len(data):
                raise PduError("UDH longer than the message")
            _, concat = parse_udh(data[1 : 1 + udhl])
            data = data[1 + udhl :]
        if concat is None:
            ref, total, seq = (self.tlv(Tag.SAR_MSG_REF_NUM), self.tlv(Tag.SAR_TOTAL_SEGMENTS),
                               self.tlv(Tag.SAR_SEGMENT_SEQNUM))
            if ref and total and seq and total[0] and 0 < seq[0] <= total[0]:
                concat = Concat(int.from_bytes(ref, "big"), total[0], seq[0], 16)
        return concat, data

    def text(self) -> str:
        """The text of the user data (after any UDH), decoded by data_coding."""
        return decode_text(self.user_data()[1], self.data_coding)


@dataclass(frozen=True)
class SubmitSm(ShortMessage):
    """One SMS part to the SMSC."""


@dataclass(frozen=True)
class DeliverSm(ShortMessage):
    """A mobile-originated SMS or a delivery receipt (``esm_class`` 0x04) from the SMSC."""

    @property
    def is_receipt(self) -> bool:
        return self.esm_class & 0x3C == ESM_RECEIPT


@dataclass(frozen=True)
class DataSm(DeliverSm):
    """data_sm from the SMSC (§4.7.1): what deliver_sm carries, with the text in ``message_payload`` and
    no short_message; read and answered (data_sm_resp) like a deliver_sm."""


@dataclass(frozen=True)
class SubmitSmResp(Pdu):
    """The SMSC took (``status`` 0) or refused a submit_sm; ``message_id`` names it for its receipt."""

    message_id: str = ""


@dataclass(frozen=True)
class DeliverSmResp(Pdu):
    message_id: str = ""


# --- receipts -----------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    """A delivery receipt: which message (the submit_sm_resp's id) and how it ended (``stat``)."""

    message_id: str
    stat: str  # DELIVRD, EXPIRED, DELETED, UNDELIV, ACCEPTD, UNKNOWN, REJECTD, ENROUTE
    err: str | None = None
    text: str = ""

    @property
    def final(self) -> bool:
        return self.stat not in ("ENROUTE", "ACCEPTD")

    @property
    def delivered(self) -> bool:
        return self.stat == "DELIVRD"


_RECEIPT_FIELD = re.compile(r"(id|sub|dlvrd|submit date|done date|stat|err|text):", re.IGNORECASE)


def parse_receipt_text(text: str) -> dict[str, str]:
    """The ``id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…`` fields (appendix B),
    keys lower case; a field may be missing or out of order, ``text:`` runs to the end."""
    out: dict[str, str] = {}
    matches = list(_RECEIPT_FIELD.finditer(text))
    for i, m in enumerate(matches):
        key = m.group(1).lower()
        end = len(text) if key == "text" or i + 1 == len(matches) else matches[i + 1].start()
        if key not in out:
            out[key] = text[m.end():end].strip()
    return out


#: ``stat:`` words some SMSCs write in full instead of SMPP 3.4's seven letters (appendix B).
_STAT_WORDS = {"DELIVERED": "DELIVRD", "UNDELIVERED": "UNDELIV", "UNDELIVERABLE": "UNDELIV", "REJECTED": "REJECTD",
               "ACCEPTED": "ACCEPTD", "EXPIRED": "EXPIRED", "DELETED": "DELETED", "UNKNOWN": "UNKNOWN",
               "ENROUTE": "ENROUTE", "FAILED": "UNDELIV"}


def receipt_stat(word: str) -> str:
    """A receipt's ``stat:`` as one of SMPP 3.4's words (DELIVRD, UNDELIV ...): case and the long forms
    some SMSCs use ("DELIVERED", "Undeliverable") do not matter; anything else is UNKNOWN."""
    word = word.strip().upper()
    if word in STATE_NUMBERS:
        return word
    return _STAT_WORDS.get(word, "UNKNOWN")


def receipt_id_forms(message_id: str) -> tuple[str, ...]:
    """The forms a receipt's message id may have had in the submit_sm_resp, the exact one first.

    SMSCs are known to answer submit_sm with the id in hex and write it in decimal in the receipt's
    text, or the reverse, or in the other letter case (Kannel's ``msg-id-type`` exists for this): a
    decimal id is also tried as hex, a hex one as decimal, and either in lower and upper case."""
    forms = [message_id, message_id.lower(), message_id.upper()]
    digits = message_id.strip()
    if digits.isdigit() and len(digits) <= 20:
        value = int(digits)
        forms += [f"{value:x}", f"{value:X}", str(value)]
    if digits and len(digits) <= 16 and all(ch in "0123456789abcdefABCDEF" for ch in digits):
        forms.append(str(int(digits, 16)))
    return tuple(dict.fromkeys(f for f in forms if f))


def receipt_of(pdu: DeliverSm) -> Receipt | None:
    """The receipt a deliver_sm carries, or None when it is a mobile-originated message.

    The id comes from the ``receipted_message_id`` TLV when there is one (it is exact; some SMSCs
    put a decimal form of a hex id in the text), else from the text; the state from the
    ``message_state`` TLV, else the text's ``stat:``.
    """
    if not pdu.is_receipt:
        return None
    try:
        text = pdu.text()
    except PduError:
        text = pdu.payload.decode("latin-1")
    fields = parse_receipt_text(text)
    raw_id = pdu.tlv(Tag.RECEIPTED_MESSAGE_ID)
    message_id = _cstring_value(raw_id) if raw_id is not None else fields.get("id", "")
    state = pdu.tlv(Tag.MESSAGE_STATE)
    stat = MESSAGE_STATES.get(state[0], "UNKNOWN") if state else receipt_stat(fields.get("stat", "UNKNOWN"))
    if not message_id:
        raise PduError("delivery receipt without a message id")
    return Receipt(message_id, stat, fields.get("err"), text)


# --- texts --------------------------------------------------------------------


def decode_text(data: bytes, data_coding: int) -> str:
    """User data (no UDH) as text: data_coding 8 UTF-16-BE, 3 Latin-1, 0/1 GSM-7 unpacked septets
    (an SMSC that sends Latin-1 bytes above 0x7F under 0 is read as Latin-1)."""
    if data_coding == DC_UCS2:
        if len(data) % 2:
            raise PduError("UCS-2 message with an odd number of octets")
        return data.decode("utf-16-be", errors="replace")
    if data_coding in (DC_DEFAULT, 0x01) and all(b < 0x80 for b in data):
        return gsm7.decode_septets(data)
    return data.decode("latin-1")


@dataclass(frozen=True)
class TextPart:
    """One part of a text to submit: its bytes (UDH included), data_coding and esm_class."""

    short_message: bytes
    data_coding: int
    esm_class: int
    seq: int
    total: int


def text_parts(text: str, concat_ref: int) -> list[TextPart]:
    """Cut ``text`` into the submit_sm parts it takes: one part without a UDH when it fits,
    else parts with an 8-bit concatenation UDH ``05 00 03 ref total seq`` (esm_class 0x40).

    The same segmenter as the modem route, so the compose screen's count is what the operator bills.
    Raises :class:`PduError` for a lone surrogate or more than 255 parts."""
    encoding = choose_encoding(text)
    parts = split_text(text, encoding)
    coding = DC_DEFAULT if encoding is Encoding.GSM7 else DC_UCS2

    def encode(part: str) -> bytes:
        if encoding is Encoding.GSM7:
            return bytes(gsm7.encode_septets(part))
        for ch in part:
            if 0xD800 <= ord(ch) <= 0xDFFF:
                raise PduError("text contains a lone UTF-16 surrogate")
        return part.encode("utf-16-be")

    if len(parts) == 1:
        return [TextPart(encode(parts[0]), coding, 0, 1, 1)]
    total = len(parts)
    return [TextPart(bytes((5, 0, 3, concat_ref & 0xFF, total, seq)) + encode(part), coding, ESM_UDHI, seq, total)
            for seq, part in enumerate(parts, start=1)]


def validity_period(minutes: int) -> str:
    """A relative validity_period (§7.1.1: ``YYMMDDhhmmss000R``) of ``minutes``."""
    days, rest = divmod(int(minutes), 1440)
    hours, mins = divmod(rest, 60)
    years, days = divmod(days, 365)
    months, days = divmod(days, 30)
    return f"{years:02d}{months:02d}{days:02d}{hours:02d}{mins:02d}00000R"


# --- encoding -----------------------------------------------------------------


def _cstring(value: str, limit: int, name: str) -> bytes:
    data = value.encode("latin-1", errors="strict") if value.isascii() else value.encode("utf-8")
    if len(data) + 1 > limit:
        raise PduError(f"{name} longer than {limit - 1} octets")
    if b"\0" in data:
        raise PduError(f"{name} contains a NUL")
    return data + b"\0"


def _cstring_value(data: bytes) -> str:
    return data.split(b"\0", 1)[0].decode("latin-1")


def _tlvs(tlvs: tuple[tuple[int, bytes], ...]) -> bytes:
    return b"".join(struct.pack(">HH", tag, len(value)) + value for tag, value in tlvs)


def encode(pdu: Pdu) -> bytes:
    """The bytes of ``pdu`` on the wire (header included). Raises :class:`PduError` for a field too long."""
    if isinstance(pdu, Bind):
        body = (_cstring(pdu.system_id, 16, "system_id") + _cstring(pdu.password, 9, "password")
                + _cstring(pdu.system_type, 13, "system_type")
                + bytes((pdu.interface_version, pdu.addr_ton, pdu.addr_npi))
                + _cstring(pdu.address_range, 41, "address_range"))
    elif isinstance(pdu, BindResp):
        body = _cstring(pdu.system_id, 16, "system_id") + _tlvs(pdu.tlvs) if pdu.status == 0 or pdu.system_id else b""
    elif isinstance(pdu, DataSm):
        body = (_cstring(pdu.service_type, 6, "service_type")
                + bytes((pdu.source_addr_ton, pdu.source_addr_npi)) + _cstring(pdu.source_addr, 65, "source_addr")
                + bytes((pdu.dest_addr_ton, pdu.dest_addr_npi)) + _cstring(pdu.destination_addr, 65, "destination_addr")
                + bytes((pdu.esm_class, pdu.registered_delivery, pdu.data_coding)) + _tlvs(pdu.tlvs))
    elif isinstance(pdu, ShortMessage):
        if len(pdu.short_message) > 254:
            raise PduError("short_message longer than 254 octets (use message_payload)")
        body = (_cstring(pdu.service_type, 6, "service_type")
                + bytes((pdu.source_addr_ton, pdu.source_addr_npi)) + _cstring(pdu.source_addr, 21, "source_addr")
                + bytes((pdu.dest_addr_ton, pdu.dest_addr_npi)) + _cstring(pdu.destination_addr, 21, "destination_addr")
                + bytes((pdu.esm_class, pdu.protocol_id, pdu.priority_flag))
                + _cstring(pdu.schedule_delivery_time, 17, "schedule_delivery_time")
                + _cstring(pdu.validity_period, 17, "validity_period")
                + bytes((pdu.registered_delivery, pdu.replace_if_present_flag, pdu.data_coding,
                         pdu.sm_default_msg_id, len(pdu.short_message)))
                + pdu.short_message + _tlvs(pdu.tlvs))
    elif isinstance(pdu, (SubmitSmResp, DeliverSmResp)):
        # A refused submit_sm's resp has no body (§4.4.2); deliver_sm_resp's message_id is always empty.
        body = _cstring(pdu.message_id, 65, "message_id") if pdu.status == 0 else b""
    else:
        body = pdu.body
    return HEADER.pack(HEADER.size + len(body), pdu.command, pdu.status, pdu.sequence) + body


# --- decoding -----------------------------------------------------------------


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def octet(self, name: str) -> int:
        if self.pos >= len(self.data):
            raise PduError(f"PDU ends before {name}", offset=self.pos)
        self.pos += 1
        return self.data[self.pos - 1]

    def cstring(self, limit: int, name: str) -> str:
        end = self.data.find(b"\0", self.pos, self.pos + limit)
        if end < 0:
            raise PduError(f"{name}: no NUL within {limit} octets", offset=self.pos)
        value = self.data[self.pos:end]
        self.pos = end + 1
        return value.decode("latin-1")

    def take(self, n: int, name: str) -> bytes:
        if self.pos + n > len(self.data):
            raise PduError(f"PDU ends inside {name}", offset=self.pos)
        self.pos += n
        return self.data[self.pos - n:self.pos]

    def tlvs(self) -> tuple[tuple[int, bytes], ...]:
        out = []
        while self.pos < len(self.data):
            tag, length = struct.unpack(">HH", self.take(4, "TLV header"))
            out.append((tag, self.take(length, f"TLV 0x{tag:04X}")))
        return tuple(out)


def decode(frame: bytes) -> Pdu:
    """One whole PDU (as :class:`Framer` returns it) -> its dataclass.

    Raises :class:`PduError` (and nothing else) for anything malformed: PDUs come from the network."""
    if len(frame) < HEADER.size:
        raise PduError("PDU shorter than its 16-octet header")
    length, command, status, sequence = HEADER.unpack_from(frame)
    if length != len(frame):
        raise PduError(f"command_length {length} but {len(frame)} octets")
    r = _Reader(frame[HEADER.size:])
    head = dict(command=command, sequence=sequence, status=status)
    if command in BINDS:
        return Bind(**head, system_id=r.cstring(16, "system_id"), password=r.cstring(9, "password"),
                    system_type=r.cstring(13, "system_type"), interface_version=r.octet("interface_version"),
                    addr_ton=r.octet("addr_ton"), addr_npi=r.octet("addr_npi"),
                    address_range=r.cstring(41, "address_range"))
    if command in (c | 0x80000000 for c in BINDS):
        if not r.data:
            return BindResp(**head)
        return BindResp(**head, system_id=r.cstring(16, "system_id"), tlvs=r.tlvs())
    if command in (Command.SUBMIT_SM, Command.DELIVER_SM):
        cls = SubmitSm if command == Command.SUBMIT_SM else DeliverSm
        fields_ = dict(service_type=r.cstring(6, "service_type"), source_addr_ton=r.octet("source_addr_ton"),
                       source_addr_npi=r.octet("source_addr_npi"), source_addr=r.cstring(21, "source_addr"),
                       dest_addr_ton=r.octet("dest_addr_ton"), dest_addr_npi=r.octet("dest_addr_npi"),
                       destination_addr=r.cstring(21, "destination_addr"), esm_class=r.octet("esm_class"),
                       protocol_id=r.octet("protocol_id"), priority_flag=r.octet("priority_flag"),
                       schedule_delivery_time=r.cstring(17, "schedule_delivery_time"),
                       validity_period=r.cstring(17, "validity_period"),
                       registered_delivery=r.octet("registered_delivery"),
                       replace_if_present_flag=r.octet("replace_if_present_flag"),
                       data_coding=r.octet("data_coding"), sm_default_msg_id=r.octet("sm_default_msg_id"))
        sm_length = r.octet("sm_length")
        return cls(**head, **fields_, short_message=r.take(sm_length, "short_message"), tlvs=r.tlvs())
    if command == Command.DATA_SM:
        return DataSm(**head, service_type=r.cstring(6, "service_type"), source_addr_ton=r.octet("source_addr_ton"),
                      source_addr_npi=r.octet("source_addr_npi"), source_addr=r.cstring(65, "source_addr"),
                      dest_addr_ton=r.octet("dest_addr_ton"), dest_addr_npi=r.octet("dest_addr_npi"),
                      destination_addr=r.cstring(65, "destination_addr"), esm_class=r.octet("esm_class"),
                      registered_delivery=r.octet("registered_delivery"), data_coding=r.octet("data_coding"),
                      tlvs=r.tlvs())
    if command in (Command.SUBMIT_SM_RESP, Command.DELIVER_SM_RESP, Command.DATA_SM_RESP):
        cls = SubmitSmResp if command == Command.SUBMIT_SM_RESP else DeliverSmResp
        if not r.data:  # an error response may omit the body
            return cls(**head)
        return cls(**head, message_id=r.cstring(65, "message_id"))
    return Pdu(**head, body=bytes(r.data))


class Framer:
    """Cuts a byte stream into whole PDUs: :meth:`feed` bytes, get the frames complete so far.

    ``b""`` is not special here; the link treats EOF. A command_length below 16 or above
    :data:`MAX_PDU` raises :class:`PduError` (the stream cannot be resynchronised: drop the link)."""

    def __init__(self, max_pdu: int = MAX_PDU) -> None:
        self._buffer = bytearray()
        self.max_pdu = max_pdu

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        frames = []
        while len(self._buffer) >= 4:
            length = int.from_bytes(self._buffer[:4], "big")
            if length < HEADER.size or length > self.max_pdu:
                raise PduError(f"impossible command_length {length}")
            if len(self._buffer) < length:
                break
            frames.append(bytes(self._buffer[:length]))
            del self._buffer[:length]
        return frames


def response_to(pdu: Pdu, status: int = 0, **fields_) -> Pdu:
    """The response PDU to request ``pdu`` (same sequence number), e.g. the deliver_sm_resp we owe."""
    command = pdu.command | 0x80000000
    if pdu.command in (Command.DELIVER_SM, Command.DATA_SM):
        return DeliverSmResp(command, pdu.sequence, status, **fields_)
    if pdu.command == Command.SUBMIT_SM:
        return SubmitSmResp(command, pdu.sequence, status, **fields_)
    if pdu.command in BINDS:
        return BindResp(command, pdu.sequence, status, **fields_)
    return Pdu(command, pdu.sequence, status)


def generic_nack(sequence: int, status: int) -> Pdu:
    return Pdu(Command.GENERIC_NACK, sequence, status)


__all__ = ["Bind", "BindResp", "Command", "DataSm", "DeliverSm", "DeliverSmResp", "Framer", "Pdu", "Receipt", "Status",
           "SubmitSm", "SubmitSmResp", "Tag", "TextPart", "decode", "encode", "generic_nack", "parse_receipt_text",
           "receipt_of", "response_to", "status_name", "text_parts", "validity_period"]
