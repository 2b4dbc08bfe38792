"""Decoding SMS PDUs as a modem prints them (after ``+CMGR``, ``+CMGL``, ``+CMT``, ``+CDS``): SMS-DELIVER,
SMS-SUBMIT and SMS-STATUS-REPORT, and what a report's TP-Status means.

The decoding half of the codec (:mod:`firmware.modem.pdu` encodes and re-exports :func:`decode`;
address, timestamp and validity fields are :mod:`firmware.modem.pdu_fields`).  Sans-I/O; anything wrong
with a PDU raises :class:`~firmware.errors.PduError` and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.errors import PduError
from firmware.modem import gsm7
from firmware.modem.pdu_fields import (Address, Concat, Deliver, Encoding, Reader, StatusReport, Submit, classify_status,
                                       decode_address, decode_smsc, decode_timestamp, decode_validity,
                                       parse_hex)


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


def parse_udh(header: bytes) -> tuple[tuple[tuple[int, bytes], ...], Concat | None]:
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


def _decode_user_data(reader: Reader, has_udh: bool, encoding: Encoding) -> _UserData:
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
        elements, concat = parse_udh(user_data[1:header_octets])
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


def _decode_deliver(reader: Reader, smsc: Address | None, first: int) -> Deliver:
    sender = decode_address(reader, "TP-OA")
    pid = reader.octet("TP-PID")
    dcs = reader.octet("TP-DCS")
    encoding, message_class = _decode_dcs(dcs)
    timestamp = decode_timestamp(reader.take(7, "TP-SCTS"), "TP-SCTS")
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


def _decode_submit(reader: Reader, smsc: Address | None, first: int) -> Submit:
    message_ref = reader.octet("TP-MR")
    recipient = decode_address(reader, "TP-DA")
    pid = reader.octet("TP-PID")
    dcs = reader.octet("TP-DCS")
    encoding, _ = _decode_dcs(dcs)
    validity = decode_validity(reader, (first >> 3) & 0x03)
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


def _decode_status_report(reader: Reader, smsc: Address | None) -> StatusReport:
    message_ref = reader.octet("TP-MR")
    recipient = decode_address(reader, "TP-RA")
    sc_timestamp = decode_timestamp(reader.take(7, "TP-SCTS"), "TP-SCTS")
    discharge = decode_timestamp(reader.take(7, "TP-DT"), "TP-DT")
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
    reader = Reader(parse_hex(hex_pdu))
    sc = decode_smsc(reader) if smsc else None
    first = reader.octet("first octet")
    mti = first & 0x03
    if mti == 0b00:
        return _decode_deliver(reader, sc, first)
    if mti == 0b01:
        return _decode_submit(reader, sc, first)
    if mti == 0b10:
        return _decode_status_report(reader, sc)
    raise PduError("reserved message type", offset=reader.pos - 1)
