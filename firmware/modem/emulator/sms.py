"""The SMS half of the emulated modem: 3GPP TS 27.005 commands and storage.

:class:`SmsCommands` is a mixin of :class:`firmware.modem.emulator.modem.EmulatedModem`
holding the ``AT+CMGF``/``CMGS``/``CMGR``/``CMGL``/``CMGD``/``CNMI``/``CPMS``...
handlers, the message storages (``"SM"``, ``"ME"``) and the routing of
incoming SMS-DELIVERs and SMS-STATUS-REPORTs (``+CMTI``, ``+CMT``, ``+CDS``).
It relies on the modem for settings (``self._s``), output and timers; see the
``_begin_prompt``, ``_begin_send``, ``_queue_sms_urc`` and ``_network_now``
methods there.

Also here: conversion between text and the TE character set chosen with
``AT+CSCS`` (27.007 §5.5, 27.005 Annex A), which applies to text-mode SMS
fields, USSD strings, the SMSC address and operator names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from dataclasses import dataclass
from datetime import datetime

from firmware.errors import PduError
from firmware.modem import gsm7, pdu
from firmware.modem.emulator.lines import AtError, Params, cms, syntax_error

#: 27.005 <stat> values, PDU mode integer -> text mode string.
STAT_TEXT = {0: "REC UNREAD", 1: "REC READ", 2: "STO UNSENT", 3: "STO SENT", 4: "ALL"}
_STAT_CODE = {text: code for code, text in STAT_TEXT.items()}

#: Character sets AT+CSCS accepts (SIM800 and SIM7600 manuals list these and more).
CHARSETS = ("IRA", "GSM", "UCS2", "HEX", "8859-1")

_HEX = re.compile(r"[0-9A-Fa-f]*")
#: Text-mode CMGDA types (SIM800) -> the PDU-mode number.
_CMGDA_TEXT = {"DEL READ": 1, "DEL UNREAD": 2, "DEL SENT": 3, "DEL UNSENT": 4, "DEL INBOX": 5, "DEL ALL": 6}
#: CMGDA type -> <stat> values it deletes.
_CMGDA_STATS = {1: {1}, 2: {0}, 3: {3}, 4: {2}, 5: {0, 1}, 6: {0, 1, 2, 3}}
#: CMGD <delflag> -> <stat> values it deletes (27.005 §3.5.4).
_DELFLAG_STATS = {1: {1}, 2: {1, 3}, 3: {1, 2, 3}, 4: {0, 1, 2, 3}}


# --- TE character set (AT+CSCS) ----------------------------------------------


def te_encode(text: str, charset: str) -> str:
    """``text`` as the TE character set shows it (one str char per byte on the wire).

    IRA shows characters outside ASCII as ``?``; GSM gives the raw GSM 7-bit
    codes; UCS2 four hex digits per UTF-16 unit; HEX two hex digits per GSM
    7-bit code (27.007 +CUSD, 27.005 Annex A).
    """
    if charset == "UCS2":
        return text.encode("utf-16-be").hex().upper()
    if charset in ("GSM", "HEX"):
        codes: list[int] = []
        for ch in text:
            try:
                codes.extend(gsm7.encode_septets(ch))
            except PduError:
                codes.extend(gsm7.encode_septets("?"))
        if charset == "HEX":
            return bytes(codes).hex().upper()
        return "".join(chr(code) for code in codes)
    if charset == "8859-1":
        return "".join(ch if ord(ch) < 0x100 else "?" for ch in text)
    return "".join(ch if ord(ch) < 0x80 else "?" for ch in text)


def te_decode(value: str, charset: str) -> str:
    """Text from a string the host wrote in the TE character set.

    Raises:
        AtError: hex expected (UCS2, HEX) but not given.
    """
    if charset in ("UCS2", "HEX"):
        if not _HEX.fullmatch(value) or len(value) % (4 if charset == "UCS2" else 2):
            raise syntax_error()
        raw = bytes.fromhex(value)
        if charset == "UCS2":
            return raw.decode("utf-16-be", errors="replace")
        return _septets_text(raw)
    if charset == "GSM":
        return _septets_text(value.encode("latin-1", errors="replace"))
    return value


def _septets_text(codes: bytes) -> str:
    try:
        return gsm7.decode_septets(codes)
    except PduError:
        raise syntax_error() from None


def lenient_te_decode(value: str, charset: str) -> str:
    """Like :func:`te_decode`, but a string that is not valid hex is taken as is.

    For USSD codes: ``*888#`` can never be hex, and hosts commonly send it
    raw even after ``AT+CSCS="HEX"`` (TinyGSM does).
    """
    try:
        return te_decode(value, charset)
    except AtError:
        return value


def format_timestamp(moment: datetime) -> str:
    """27.005 time-string ``yy/MM/dd,hh:mm:ss±zz`` (zz in quarter hours)."""
    offset = moment.utcoffset()
    quarters = int(offset.total_seconds()) // 900 if offset is not None else 0
    sign = "-" if quarters < 0 else "+"
    return moment.strftime("%y/%m/%d,%H:%M:%S") + f"{sign}{abs(quarters):02d}"


def number_key(number: str) -> str:
    """Digits of a phone number with Indonesian trunk prefix ``0`` read as ``62``.

    ``+6281200000001``, ``6281200000001`` and ``081200000001`` compare equal.
    """
    digits = "".join(ch for ch in number if ch.isdigit())
    if not number.strip().startswith("+") and digits.startswith("0"):
        return "62" + digits[1:]
    return digits


def user_data_octets(hex_pdu: str) -> bytes:
    """The TP-UD octets (header included) of an SMS-DELIVER or SMS-SUBMIT with its SMSC field."""
    raw = bytes.fromhex(hex_pdu)
    pos = 1 + raw[0]  # SMSC field
    first = raw[pos]
    pos += 1
    if first & 0x03 == 0x01:  # SUBMIT: TP-MR, TP-DA, TP-PID, TP-DCS, TP-VP
        pos += 1
        pos += 2 + (raw[pos] + 1) // 2
        pos += 2 + {0x00: 0, 0x10: 1, 0x08: 7, 0x18: 7}[first & 0x18]
    else:  # DELIVER: TP-OA, TP-PID, TP-DCS, TP-SCTS
        pos += 2 + (raw[pos] + 1) // 2
        pos += 2 + 7
    return raw[pos + 1 :]  # after TP-UDL


def setting_handler(name: str, attr: str, choices: str, valid: Container[int]) -> Callable:
    """A handler for a one-number setting kept in ``self._s.<attr>`` (``+CMGF``, ``+CMEE``...).

    ``AT<name>=?`` answers ``<name>: <choices>``, ``AT<name>?`` the value,
    ``AT<name>=<n>`` sets it (0 when omitted, ERROR unless in ``valid`` or
    with more than one parameter); any other form is ERROR.
    """

    def handler(self, cmd):
        if cmd.op == "test":
            return [f"{name}: {choices}"]
        if cmd.op == "read":
            return [f"{name}: {getattr(self._s, attr)}"]
        if cmd.op == "set":
            setattr(self._s, attr, Params(cmd.args).at_most(1).int(0, 0, valid=valid))
            return None
        raise syntax_error()

    handler.__name__ = handler.__qualname__ = f"_cmd_{attr}"
    return handler


# --- storage -------------------------------------------------------------------


@dataclass
class StoredMessage:
    """One message in a storage: its 27.005 <stat> and its PDU (SMSC field first)."""

    stat: int
    pdu: str


class MessageStore:
    """A message storage such as the SIM's ``"SM"``: indices 1..capacity."""

    def __init__(self, name: str, capacity: int):
        self.name = name
        self.capacity = capacity
        self.slots: dict[int, StoredMessage] = {}

    @property
    def used(self) -> int:
        return len(self.slots)

    def add(self, message: StoredMessage) -> int | None:
        """Store ``message`` in the lowest free index; None when full."""
        for index in range(1, self.capacity + 1):
            if index not in self.slots:
                self.slots[index] = message
                return index
        return None

    def check_index(self, index: int) -> None:
        """+CMS ERROR: 321 for an index outside the storage."""
        if not 1 <= index <= self.capacity:
            raise cms(321)


# --- 27.005 commands ---------------------------------------------------------------


class SmsCommands:
    """27.005 command handlers and SMS routing; mixed into ``EmulatedModem``."""

    # Handlers take a Command and return info lines (or None, or PROMPT).

    _cmd_cmgf = setting_handler("+CMGF", "cmgf", "(0,1)", (0, 1))

    def _cmd_csca(self, cmd):
        if cmd.op == "test":
            return None
        if cmd.op == "read":
            return [f'+CSCA: "{self._te(self._s.csca)}",{self._s.csca_toa}']
        if cmd.op == "set":
            params = Params(cmd.args).at_most(2)
            number = self._te_in(params.str(0))
            if not re.fullmatch(r"\+?[0-9]{1,20}", number):
                raise syntax_error()
            default_toa = 145 if number.startswith("+") else 129
            self._s.csca = number
            self._s.csca_toa = params.int(1, default_toa, valid=range(128, 256))
            return None
        raise syntax_error()

    def _cmd_csmp(self, cmd):
        if cmd.op == "test":
            return None
        if cmd.op == "read":
            fo, vp, pid, dcs = self._s.csmp
            return [f"+CSMP: {fo},{vp},{pid},{dcs}"]
        if cmd.op == "set":
            params = Params(cmd.args).at_most(4)
            old = self._s.csmp
            byte = range(256)
            self._s.csmp = (
                params.int(0, old[0], valid=byte),
                params.int(1, old[1], valid=byte),
                params.int(2, old[2], valid=byte),
                params.int(3, old[3], valid=byte),
            )
            return None
        raise syntax_error()

    _cmd_csdh = setting_handler("+CSDH", "csdh", "(0,1)", (0, 1))

    def _cmd_csms(self, cmd):
        if cmd.op == "test":
            return ["+CSMS: (0,1)"]
        if cmd.op == "read":
            return [f"+CSMS: {self._s.csms},1,1,1"]
        if cmd.op == "set":
            self._s.csms = Params(cmd.args).at_most(1).int(0, valid=(0, 1))
            return ["+CSMS: 1,1,1"]
        raise syntax_error()

    _cmd_cmms = setting_handler("+CMMS", "cmms", "(0-2)", range(3))

    def _cmd_cnma(self, cmd):
        if cmd.op == "test":
            return None
        # Only +CSMS=1 makes the TA wait for acknowledgements; this modem never does.
        raise cms(340)

    def _cmd_cnmi(self, cmd):
        ds_values = self._ds_values()
        modes = range(4) if self.config.cnmi_buffering else range(2)
        if cmd.op == "test":
            return [f"+CNMI: (0-{modes[-1]}),(0-3),(0,2),(" + ",".join(map(str, ds_values)) + "),(0,1)"]
        if cmd.op == "read":
            return ["+CNMI: " + ",".join(str(v) for v in self._s.cnmi)]
        if cmd.op != "set":
            raise syntax_error()
        params = Params(cmd.args).at_most(5)
        mode = params.int(0, valid=modes)
        mt = params.int(1, 0, valid=range(4))
        bm = params.int(2, 0, valid=(0, 2))
        ds = params.int(3, 0, valid=ds_values)
        bfr = params.int(4, 0, valid=(0, 1))
        self._s.cnmi = (mode, mt, bm, ds, bfr)
        if mode:
            # 27.005 §3.4.1: the TA buffer is flushed (bfr=0) after the OK, or cleared.
            buffered, self._ta_buffer = self._ta_buffer, []
            if bfr == 0:
                self._after_final.append(lambda: self._urcs.extend(buffered))
        return None

    def _ds_values(self) -> tuple[int, ...]:
        """The CNMI <ds> this modem takes: its model's, less 1 when it only stores reports."""
        return tuple(v for v in self._model.ds_values if v != 1 or self.config.cds_direct)

    def _cmd_cpms(self, cmd):
        names = tuple(self._stores)
        if cmd.op == "test":
            choice = "(" + ",".join(f'"{n}"' for n in names) + ")"
            return [f"+CPMS: {choice},{choice},{choice}"]
        if cmd.op == "read":
            parts = []
            for name in self._s.cpms:
                store = self._stores[name]
                parts.append(f'"{name}",{store.used},{store.capacity}')
            return ["+CPMS: " + ",".join(parts)]
        if cmd.op != "set":
            raise syntax_error()
        params = Params(cmd.args).at_most(3)
        chosen = list(self._s.cpms)
        for index in range(len(params)):
            if params.given(index):
                name = params.str(index).upper()
                if name not in self._stores or (index > 0 and name == self._model.report_store):
                    raise cms(302)  # the status-report storage is for reading and deleting only
                chosen[index] = name
        self._s.cpms = tuple(chosen)
        counts = []
        for name in chosen:
            counts += [str(self._stores[name].used), str(self._stores[name].capacity)]
        return ["+CPMS: " + ",".join(counts)]

    # --- sending and writing ------------------------------------------------------

    def _cmd_cmgs(self, cmd):
        if cmd.op == "test":
            return None
        if cmd.op != "set":
            raise syntax_error()
        params = Params(cmd.args)
        if self._s.cmgf == 0:
            length = self._pdu_length(params.at_most(1))
            return self._begin_prompt(lambda data: self._cmgs_pdu(length, data), text_mode=False)
        number = self._destination(params.at_most(2))
        return self._begin_prompt(lambda data: self._cmgs_text(number, data), text_mode=True)

    def _cmd_cmgw(self, cmd):
        if cmd.op == "test":
            return None
        if cmd.op != "set":
            raise syntax_error()
        params = Params(cmd.args)
        if self._s.cmgf == 0:
            length = self._pdu_length(params.at_most(2))
            stat = params.int(1, 2, valid=range(4))
            return self._begin_prompt(lambda data: self._cmgw_pdu(length, stat, data), text_mode=False)
        number = self._destination(params.at_most(3))
        stat = _STAT_CODE.get(params.str(2, "STO UNSENT").upper())
        if stat not in (2, 3):
            raise syntax_error()
        return self._begin_prompt(lambda data: self._cmgw_text(number, stat, data), text_mode=True)

    def _pdu_length(self, params: Params) -> int:
        """<length> of AT+CMGS/CMGW in PDU mode: 7..164 TPDU octets (27.005)."""
        length = params.int(0)
        if not 7 <= length <= 164:
            raise cms(304)
        return length

    def _destination(self, params: Params) -> str:
        """<da>[,<toda>] of a text-mode AT+CMGS/CMGW, decoded from the TE character set."""
        number = self._te_in(params.str(0))
        if not re.fullmatch(r"\+?[0-9*#]{1,20}", number):
            raise cms(305)
        params.int(1, 145 if number.startswith("+") else 129, valid=range(128, 256))
        return number

    def _checked_pdu(self, length: int, data: bytes) -> pdu.Deliver | pdu.Submit | pdu.StatusReport:
        """The hex typed after the prompt, checked against <length> and decoded (else 304)."""
        text = data.decode("latin-1")
        if not text or len(text) % 2 or not _HEX.fullmatch(text):
            raise cms(304)
        octets = bytes.fromhex(text)
        smsc_octets = 1 + octets[0]
        if smsc_octets > len(octets) or len(octets) - smsc_octets != length:
            raise cms(304)
        try:
            return pdu.decode(text, smsc=True)
        except PduError:
            raise cms(304) from None

    def _cmgs_pdu(self, length: int, data: bytes) -> None:
        """Send the SMS-SUBMIT the host typed after the prompt."""
        message = self._checked_pdu(length, data)
        if not isinstance(message, pdu.Submit):
            raise cms(304)
        if data[:2] == b"00" and not self._s.csca:
            raise cms(330)
        concat = message.concat
        record = {
            "number": message.recipient.number,
            "text": message.text,
            "encoding": message.encoding.value,
            "concat": {"ref": concat.ref, "total": concat.total, "seq": concat.seq} if concat else None,
            "report_requested": message.report_requested,
        }
        if message.encoding is pdu.Encoding.EIGHT_BIT:
            record["data"] = message.data.hex().upper()
        self._begin_send(record)

    def _cmgs_text(self, number: str, data: bytes) -> None:
        """Text-mode send: decode the typed text per AT+CSCS and AT+CSMP, then send."""
        text, encoding, payload = self._typed_text(data)
        record = {
            "number": number,
            "text": text,
            "encoding": encoding.value,
            "concat": None,
            "report_requested": bool(self._s.csmp[0] & 0x20),
        }
        if payload is not None:
            record["data"] = payload.hex().upper()
        self._begin_send(record)

    def _typed_text(self, data: bytes) -> tuple[str, pdu.Encoding, bytes | None]:
        """(text, alphabet, 8-bit payload) of text typed after a text-mode prompt.

        The alphabet is the one AT+CSMP's <dcs> selects; GSM text outside the
        alphabet becomes ``?``; more than one SMS worth is +CMS ERROR: 305.
        """
        raw = data.decode("latin-1")
        encoding = _dcs_encoding(self._s.csmp[3])
        payload = None
        try:
            if encoding is pdu.Encoding.EIGHT_BIT:
                payload = bytes.fromhex(raw) if self._s.cscs in ("HEX", "UCS2") else raw.encode("latin-1")
                text, units = "", len(payload)
            else:
                text = te_decode(raw, self._s.cscs)
                if encoding is pdu.Encoding.GSM7 and not gsm7.is_gsm7(text):
                    text = "".join(ch if gsm7.is_gsm7(ch) else "?" for ch in text)
                units = pdu.count_units(text, encoding)
        except (AtError, ValueError, PduError):
            raise cms(305) from None
        if units > pdu.segment_capacity(encoding, concatenated=False):
            raise cms(305)
        return text, encoding, payload

    def _cmgw_pdu(self, length: int, stat: int, data: bytes) -> None:
        """Store the PDU the host typed (SUBMIT or DELIVER) in <mem2>."""
        message = self._checked_pdu(length, data)
        if isinstance(message, pdu.StatusReport):
            raise cms(304)
        self._write_message(StoredMessage(stat, data.decode("latin-1").upper()))

    def _cmgw_text(self, number: str, stat: int, data: bytes) -> None:
        """Store a text-mode message as the SMS-SUBMIT it would be sent as."""
        text, encoding, payload = self._typed_text(data)
        fo = self._s.csmp[0]
        (part,) = pdu.encode_submit(number, text, encoding=encoding, data=payload, report=bool(fo & 0x20))
        self._write_message(StoredMessage(stat, part.pdu))

    def _write_message(self, message: StoredMessage) -> None:
        name = self._s.cpms[1]
        index = self._stores[name].add(message)
        if index is None:
            raise cms(322)
        self._emit_info([f"+CMGW: {index}"])
        self._final("OK")

    # --- reading, listing, deleting ----------------------------------------------

    def _read_store(self):
        return self._stores[self._s.cpms[0]]

    def _cmd_cmgr(self, cmd):
        if cmd.op == "test":
            return None
        if cmd.op != "set":
            raise syntax_error()
        params = Params(cmd.args).at_most(2)
        index = params.int(0)
        mode = params.int(1, 0, valid=(0, 1))
        store = self._read_store()
        store.check_index(index)
        message = store.slots.get(index)
        if message is None:
            return None  # empty location: OK with no information response
        lines = self._message_lines(message, header="+CMGR: ")
        if mode == 0 and message.stat == 0:
            message.stat = 1
        return lines

    def _cmd_cmgl(self, cmd):
        text_mode = self._s.cmgf == 1
        if cmd.op == "test":
            if text_mode:
                return ["+CMGL: (" + ",".join(f'"{STAT_TEXT[i]}"' for i in range(5)) + ")"]
            return ["+CMGL: (0-4)"]
        if cmd.op == "exec":
            stat, mode = 0, 0
        elif cmd.op == "set":
            params = Params(cmd.args).at_most(2)
            if text_mode:
                stat = _STAT_CODE.get(params.str(0, "REC UNREAD").upper())
                if stat is None:
                    raise syntax_error()
            else:
                stat = params.int(0, 0, valid=range(5))
            mode = params.int(1, 0, valid=(0, 1))
        else:
            raise syntax_error()
        store = self._read_store()
        lines: list[str] = []
        for index in sorted(store.slots):
            message = store.slots[index]
            if stat != 4 and message.stat != stat:
                continue
            lines += self._message_lines(message, header=f"+CMGL: {index},")
            if mode == 0 and message.stat == 0:
                message.stat = 1
        return lines or None

    def _message_lines(self, message: StoredMessage, *, header: str) -> list[str]:
        """The +CMGR/+CMGL header and body lines for ``message`` in the current mode."""
        if self._s.cmgf == 0:
            length = pdu.tpdu_length(message.pdu)
            return [f"{header}{message.stat},{self._model.alpha},{length}", message.pdu]
        decoded = pdu.decode(message.pdu)
        if isinstance(decoded, pdu.StatusReport):  # 27.005 §3.4.2/3.4.3: the report's fields, no data line
            return [f'{header}"{STAT_TEXT[message.stat]}",' + self._report_fields(decoded)]
        address, stamp, body = self._text_view(message.pdu)
        fields = f'"{STAT_TEXT[message.stat]}","{address}",""'
        if stamp is not None:
            fields += f',"{stamp}"'
        elif header.startswith("+CMGL"):
            fields += ","  # <scts> left empty for sent/unsent messages
        return [header + fields, body]

    def _text_view(self, hex_pdu: str) -> tuple[str, str | None, str]:
        """(address, timestamp, data) of a stored PDU in the TE character set.

        27.005 §3.1 <data>: GSM 7-bit text without a UDH is converted to the
        TE character set; 8-bit, UCS2 or anything with a UDH is shown as hex
        of the TP-UD octets.  A stored SUBMIT has no timestamp.
        """
        message = pdu.decode(hex_pdu)
        if isinstance(message, pdu.Submit):
            address, stamp = message.recipient.number, None
        else:
            address, stamp = message.sender.number, format_timestamp(message.timestamp)
        if message.encoding is pdu.Encoding.GSM7 and not message.udh:
            body = self._te(message.text)
        else:
            body = user_data_octets(hex_pdu).hex().upper()
        return self._te(address), stamp, body

    def _cmd_cmgd(self, cmd):
        store = self._read_store()
        if cmd.op == "test":
            listed = ",".join(str(i) for i in sorted(store.slots))
            return [f"+CMGD: ({listed}),(0-4)"]
        if cmd.op != "set":
            raise syntax_error()
        params = Params(cmd.args).at_most(2)
        index = params.int(0)
        delflag = params.int(1, 0, valid=range(5))
        if delflag == 0:
            store.check_index(index)
            store.slots.pop(index, None)
            return None
        doomed = _DELFLAG_STATS[delflag]
        for i in [i for i, m in store.slots.items() if m.stat in doomed]:
            del store.slots[i]
        return None

    def _cmd_cmgda(self, cmd):
        if cmd.op == "test":
            if self._s.cmgf == 1:
                return ["+CMGDA: (" + ",".join(f'"{t}"' for t in _CMGDA_TEXT) + ")"]
            return ["+CMGDA: (1-6)"]
        if cmd.op != "set":
            raise syntax_error()
        params = Params(cmd.args).at_most(1)
        if self._s.cmgf == 1:
            kind = _CMGDA_TEXT.get(params.str(0).upper())
            if kind is None:
                raise syntax_error()
        else:
            kind = params.int(0, valid=range(1, 7))
        store = self._read_store()
        doomed = _CMGDA_STATS[kind]
        for i in [i for i, m in store.slots.items() if m.stat in doomed]:
            del store.slots[i]
        return None

    # --- incoming traffic ---------------------------------------------------------

    def _encode_incoming(self, number: str, text: str, toa: int | None = None) -> list[str]:
        """The SMS-DELIVER PDUs the SC sends for one message (concatenated if long)."""
        encoding = pdu.choose_encoding(text)
        parts = pdu.split_text(text, encoding)
        ref = None
        if len(parts) > 1:
            self._incoming_ref = self._incoming_ref % 255 + 1
            ref = self._incoming_ref
        timestamp = self._network_now()
        return pdu.encode_deliver(number, text, timestamp=timestamp, concat_ref=ref, smsc=self.config.smsc or None,
                                  sender_toa=toa)

    def _route_parts(self, hexes: list[str]) -> None:
        for hex_pdu in hexes:
            self._route_deliver(hex_pdu)

    def _route_deliver(self, hex_pdu: str) -> None:
        """Route an SMS-DELIVER: store + ``+CMTI``, or ``+CMT`` (CNMI <mt>)."""
        mt = self._s.cnmi[1]
        if mt == 2:
            length = pdu.tpdu_length(hex_pdu)
            if self._s.cmgf == 0:
                self._queue_sms_urc([f"+CMT: {self._model.alpha},{length}", hex_pdu])
            else:
                sender, stamp, body = self._text_view(hex_pdu)
                self._queue_sms_urc([f'+CMT: "{sender}","","{stamp}"', body])
            return
        name = self._s.cpms[2]
        index = self._stores[name].add(StoredMessage(0, hex_pdu))
        if index is None:
            # A full SIM: the network keeps retrying, the TE hears nothing.
            self.dropped_incoming += 1
            return
        if mt in (1, 3):
            self._queue_sms_urc([f'+CMTI: "{name}",{index}'])

    def _deliver_status_report(self, mr: int, recipient: str, sc_time: datetime, discharge: datetime, status: int) -> None:
        """Route an SMS-STATUS-REPORT (CNMI <ds>): 1 ``+CDS``; 2 stored, then ``+CDSI: <mem>,<index>``
        (in the model's report storage, else the receive storage); 0 dropped."""
        ds = self._s.cnmi[3]
        if ds not in (1, 2):
            self.dropped_reports += 1
            return
        hex_pdu = pdu.encode_status_report(
            mr, recipient, sc_timestamp=sc_time, discharge_time=discharge, status=status, smsc=self.config.smsc or None
        )
        if ds == 2:
            name = self._model.report_store or self._s.cpms[2]
            index = self._stores[name].add(StoredMessage(0, hex_pdu))
            if index is None:
                self.dropped_reports += 1  # storage full: the report is lost, as on a real modem
                return
            self._queue_sms_urc([f'+CDSI: "{name}",{index}'])
        elif self._s.cmgf == 0:
            self._queue_sms_urc([f"+CDS: {pdu.tpdu_length(hex_pdu)}", hex_pdu])
        else:
            self._queue_sms_urc(["+CDS: " + self._report_fields(pdu.decode(hex_pdu))])

    def _report_fields(self, report: pdu.StatusReport) -> str:
        """27.005 §3.4.1 text mode: ``<fo>,<mr>,[<ra>],[<tora>],<scts>,<dt>,<st>``."""
        recipient = report.recipient.number
        toa = 145 if recipient.startswith("+") else 129
        return (f'6,{report.message_ref},"{self._te(recipient)}",{toa},'
                f'"{format_timestamp(report.sc_timestamp)}","{format_timestamp(report.discharge_time)}",{report.status}')


def _dcs_encoding(dcs: int) -> pdu.Encoding:
    """The alphabet a text-mode TP-DCS (AT+CSMP) selects (TS 23.038 §4)."""
    if dcs & 0xC0 == 0 or dcs & 0xF0 == 0xF0:
        bits = dcs & (0x04 if dcs & 0xF0 == 0xF0 else 0x0C)
        if bits == 0x08:
            return pdu.Encoding.UCS2
        if bits == 0x04:
            return pdu.Encoding.EIGHT_BIT
    return pdu.Encoding.GSM7
