"""Driver for SIMCom SIM800 (2G) and SIM7600 (4G) modems, standards first.

Everything here is a 27.005/27.007 conversation through an
:class:`~firmware.modem.channel.AtChannel`; where SIM800 and SIM7600 differ
(ICCID command, LTE registration, boot codes) the driver asks the modem what it
is and adapts, and falls back to the standard command when a vendor one fails,
so a generic 27.005 modem also works.

The driver knows nothing of the queue, the web page or GPIO: it opens a port,
initialises the modem, sends PDUs, reads the SIM's messages, and turns URCs
into :class:`ModemEvent` values for whoever drives it.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import queue
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

from firmware.errors import (
    CmeError, CmsError, CommandError, ModemError, ModemRebooted, ModemTimeout, ModemUnavailable, PduError, SimNotReady,
)
from firmware.modem import at, pdu
from firmware.modem.channel import AtChannel
from firmware.people.privacy import mask_number

log = logging.getLogger(__name__)

#: 27.007 §7.2 <stat> of +CREG/+CGREG/+CEREG.
REG_STATES = {
    0: "not_registered", 1: "home", 2: "searching", 3: "denied", 4: "unknown",
    5: "roaming", 6: "home_sms_only", 7: "roaming_sms_only", 8: "emergency_only",
    9: "home_csfb_not_preferred", 10: "roaming_csfb_not_preferred",
}
REGISTERED = frozenset({1, 5, 6, 7, 9, 10})
#: Registration domain -> the 27.007 command that reports it: cs +CREG, ps +CGREG, eps +CEREG (LTE).
REG_COMMANDS = {"cs": "CREG", "ps": "CGREG", "eps": "CEREG"}
_REG_DOMAINS = {f"+{cmd}": domain for domain, cmd in REG_COMMANDS.items()}
#: Event kinds of the codes a modem prints while it boots.
_BOOT_KINDS = frozenset({"boot", "sim", "sms_ready"})


@dataclass(frozen=True)
class Identity:
    """Who the modem and its SIM are."""

    manufacturer: str
    model: str
    revision: str
    imei: str
    imsi: str
    iccid: str
    family: str  # "sim800", "sim7600" or "generic"


@dataclass(frozen=True)
class Signal:
    """+CSQ: raw rssi/ber and the rssi in dBm (None when the modem says 99 = unknown)."""

    rssi: int
    ber: int
    dbm: int | None

    @property
    def bars(self) -> int:
        """0-5 bars for a status page: <-105 dBm 0 ... >=-73 dBm 5."""
        if self.dbm is None:
            return 0
        return sum(self.dbm >= limit for limit in (-105, -97, -89, -81, -73))


@dataclass(frozen=True)
class Status:
    """The modem's state now: SIM, registration, operator, signal, SMSC."""

    sim: str
    registration: dict[str, str]
    registered: bool
    operator: str
    operator_code: str
    signal: Signal
    smsc: str | None


@dataclass(frozen=True)
class SentPart:
    """One part of a sent message and the TP-MR the modem gave it."""

    seq: int
    total: int
    message_ref: int | None
    tpdu_length: int


@dataclass(frozen=True)
class SendResult:
    """What :meth:`Modem.send` did: encoding and each part's reference."""

    encoding: str
    parts: tuple[SentPart, ...]

    @property
    def message_refs(self) -> list[int | None]:
        return [p.message_ref for p in self.parts]


@dataclass(frozen=True)
class StoredMessage:
    """One message in the modem's storage; ``decoded`` is None when the PDU is junk."""

    index: int
    status: int  # 27.005 <stat>: 0 unread, 1 read, 2 unsent, 3 sent
    pdu: str
    decoded: pdu.Deliver | pdu.Submit | pdu.StatusReport | None
    error: str | None = None

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "status": self.status,
            "pdu": self.pdu,
            "message": self.decoded.to_dict() if self.decoded is not None else None,
            "error": self.error,
        }


@dataclass(frozen=True)
class UssdReply:
    """The network's answer to a USSD code (27.007 §7.15 +CUSD)."""

    status: int  # 0 done, 1 further action required, 2 terminated by network, 4 not supported, 5 timeout
    text: str
    dcs: int | None


@dataclass(frozen=True)
class ModemEvent:
    """A URC turned into something a caller can act on.

    ``kind``: ``sms_stored`` (index, mem), ``sms_direct`` (message),
    ``status_report`` (report), ``ussd``, ``boot``, ``sim``, ``sms_ready``,
    ``registration`` (registration: the domain's new state, ``{"cs": "searching"}``),
    ``power_warning``, ``power_down``, ``ring``, ``other``.
    ``error`` holds the decoder's reason when a PDU in the URC was junk.
    """

    kind: str
    line: str
    index: int | None = None
    mem: str | None = None
    pdu: str | None = None
    report: pdu.StatusReport | None = None
    message: pdu.Deliver | None = None
    error: str | None = None
    registration: dict[str, str] | None = None

    def to_dict(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if v is not None and k not in ("report", "message")}
        if self.report is not None:
            out["report"] = self.report.to_dict()
        if self.message is not None:
            out["message"] = self.message.to_dict()
        return out


class PartialSend(CommandError):
    """A multipart send failed after some parts went out; ``sent`` lists them."""

    kind = "partial send"

    def __init__(self, cause: Exception, sent: tuple[SentPart, ...], total: int):
        self.cause = cause
        self.sent = sent
        self.total = total
        super().__init__(getattr(cause, "command", "AT+CMGS"), getattr(cause, "code", None), str(cause))


def _family(model: str) -> str:
    up = model.upper().replace("_", "").replace(" ", "")
    if "SIM76" in up or "SIM75" in up or "A76" in up:
        return "sim7600"
    if "SIM80" in up or "SIM86" in up or "SIM90" in up:
        return "sim800"
    return "generic"


def _fields(payload: str) -> list[str]:
    """Split a 27.007 information payload on commas outside quotes; strip quotes."""
    out, cur, quoted = [], [], False
    for ch in payload:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur).strip())
    return out


def _int(text: str, default: int | None = None) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


class Modem:
    """A SIMCom (or any 27.005) modem on one serial port.

    Args:
        channel: an :class:`AtChannel` (opened by :meth:`open` when needed).
        model: ``"sim800"``/``"sim7600"`` to skip auto-detection; None detects.
        pin: SIM PIN to enter when the SIM asks for one.
        send_timeout: seconds to wait for ``+CMGS`` after the PDU (SIM800 manual: 60).
        prompt_timeout: seconds to wait for the ``> `` prompt after ``AT+CMGS=<n>``.
        sleep, clock: injectable for tests.
        cancel: once set, retry loops (sync, waiting for the SIM or SMS service)
            give up at their next try with ModemUnavailable: a stopping daemon
            does not wait out a silent modem.
    """

    def __init__(
        self,
        channel: AtChannel,
        *,
        model: str | None = None,
        pin: str | None = None,
        send_timeout: float = 60.0,
        prompt_timeout: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        cancel: threading.Event | None = None,
    ) -> None:
        self.channel = channel
        self.cancel = cancel or threading.Event()
        channel.cancel = self.cancel
        self.family = model or "generic"
        self._model_hint = model
        self.pin = pin
        self.send_timeout = send_timeout
        self.prompt_timeout = prompt_timeout
        self._sleep = sleep
        self._clock = clock
        self._held: collections.deque[at.Urc] = collections.deque()
        self._concat_ref = random.randrange(256)
        self.identity: Identity | None = None
        #: Where status reports wait when the modem only stores them (CNMI <ds>=2, ``+CDSI``): a storage
        #: of their own ("SR" on the SIM7600) to sweep after a restart, or None (they land among the SMS).
        self.report_memory: str | None = None
        #: How far ``+CMTI``/``+CDS`` can be trusted: ``buffered`` (CNMI mode 2), ``lossy`` (mode 1 drops
        #: them while a command runs, 27.005 §3.4.1) or ``none`` (no CNMI: the storage must be polled).
        self.indications = "none"

    @classmethod
    def open(cls, port: str, baud: int = 115200, *, command_gap: float = 0.02, trace=None, **kwargs) -> Modem:
        """Open ``port`` and return a driver on it (not yet initialised)."""
        channel = AtChannel(port, baud, command_gap=command_gap, trace=trace).open()
        return cls(channel, **kwargs)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> Modem:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------------

    def command(self, text: str, prefixes: tuple[str, ...] = (), *, bare: bool = False, timeout: float = 5.0) -> at.Response:
        """Run one command; raise CmsError/CmeError/CommandError on an error final."""
        cmd = at.Command(text, prefixes=prefixes, bare=bare, timeout=timeout)
        return self.channel.command(cmd).raise_for_error()

    def _try(self, text: str, prefixes: tuple[str, ...] = (), *, bare: bool = False, timeout: float = 5.0) -> at.Response | None:
        """Like :meth:`command` but None on an error final (for optional commands)."""
        try:
            return self.command(text, prefixes, bare=bare, timeout=timeout)
        except CommandError:
            return None

    def sync(self, timeout: float = 10.0) -> None:
        """Send ``AT`` until the modem answers ``OK`` (autobauding modems need it).

        ESC goes first, and again every few tries: a modem left at the ``> ``
        prompt by a host that died mid-send takes everything as PDU text
        until ESC cancels it (27.005 §3.5.1).
        """
        deadline = self._clock() + timeout
        tries = 0
        while True:
            self._check_cancel()
            if tries % 5 == 0:
                self.channel.write_raw(at.ESC)
            tries += 1
            try:
                resp = self.channel.command(at.Command("AT", timeout=0.5))
                if resp.ok:
                    return
            except (ModemTimeout, ModemRebooted):
                pass
            if self._clock() >= deadline:
                raise ModemUnavailable(f"{self.channel.port_name}: no answer to AT within {timeout:g} s")
            self._sleep(0.2)

    # -- initialisation -------------------------------------------------------

    def initialise(self, ready_timeout: float = 30.0) -> Status:
        """Bring the modem to a known state (see :meth:`_initialise`), starting over if it reboots meanwhile."""
        deadline = self._clock() + ready_timeout
        while True:
            try:
                return self._initialise(max(5.0, deadline - self._clock()))
            except ModemRebooted:
                if self._clock() >= deadline:
                    raise
                log.info("%s: modem restarted during initialisation; starting over", self.channel.port_name)

    def _initialise(self, ready_timeout: float) -> Status:
        """Bring the modem to a known state for PDU-mode SMS; return its status.

        Sync, echo off, numeric errors, identify, SIM PIN, wait until the SMS
        service is ready, PDU mode, new-message indications (store + +CMTI,
        status reports as +CDS), SIM storage.  Raises SimNotReady when the SIM
        is missing or locked without a usable PIN.
        """
        self.sync(timeout=min(10.0, ready_timeout))
        self.command("ATE0")
        self._try("AT+CMEE=1")
        self.identity = self.identify()
        deadline = self._clock() + ready_timeout
        self._unlock_sim(deadline)
        self._until(deadline, lambda: self.command("AT+CMGF=0"), "SMS service ready (AT+CMGF=0)")
        self._set_indications()
        self._report_registration()
        self._try('AT+CPMS="SM","SM","SM"', ("+CPMS:",))
        self._try('AT+CSCS="GSM"')
        status = self.status()
        self._discard_boot_urcs()
        return status

    def _discard_boot_urcs(self) -> None:
        """Boot codes that arrived while initialising belong to the boot just handled, not a new one."""
        self._drop_urcs(lambda urc: urc_to_event(urc).kind in _BOOT_KINDS)

    def _check_cancel(self) -> None:
        if self.cancel.is_set():
            raise ModemUnavailable(f"{self.channel.port_name}: cancelled")

    def _until(self, deadline: float, action: Callable[[], object], what: str) -> None:
        """Retry ``action`` while the modem is still booting (ERROR, SIM busy)."""
        while True:
            self._check_cancel()
            try:
                action()
                return
            except CommandError as exc:
                if self._clock() >= deadline:
                    raise ModemUnavailable(f"{self.channel.port_name}: {what} not reached: {exc}") from exc
                self._sleep(0.5)

    def _unlock_sim(self, deadline: float) -> None:
        while True:
            self._check_cancel()
            state = self.sim_state()
            if state == "READY":
                return
            if state == "SIM PIN" and self.pin:
                self.command(f'AT+CPIN="{self.pin}"', timeout=10)
                self.pin = None  # never retry a wrong PIN: three tries lock the SIM
                continue
            if state in ("SIM PIN", "SIM PUK", "PH-SIM PIN", "SIM PIN2", "SIM PUK2", "NOT INSERTED"):
                raise SimNotReady(state)
            if self._clock() >= deadline:
                raise SimNotReady(state)
            self._sleep(0.5)

    def _set_indications(self) -> None:
        # mode 2: buffer URCs while the link is busy; mt 1: store + +CMTI; ds 1: status reports routed
        # as +CDS, ds 2: stored, +CDSI (27.005 §3.4.1). Mode 1 drops indications while a command runs:
        # there stored reports (ds 2) survive, found by the worker's sweep, where a dropped +CDS is gone.
        self.report_memory, self.indications = None, "none"
        for setting in ("AT+CNMI=2,1,0,1,0", "AT+CNMI=2,1,0,2,0", "AT+CNMI=1,1,0,2,0", "AT+CNMI=1,1,0,1,0"):
            if self._try(setting) is not None:
                self.indications = "lossy" if setting.startswith("AT+CNMI=1,") else "buffered"
                if setting.endswith(",2,0"):
                    self.report_memory = self._report_storage()
                    log.info("%s: status reports are stored by the modem (+CDSI, %s)", self.channel.port_name,
                             self.report_memory or "with the SMS")
                return
        log.warning("%s: modem accepts no CNMI setting; incoming SMS need polling", self.channel.port_name)

    def _report_registration(self) -> None:
        """``AT+CREG=1`` (and +CGREG, +CEREG): a URC each time the registration changes (27.007 §7.2).

        So a caller waiting for the network hears it return at once instead of
        at its next poll.  A modem that refuses one keeps quiet about that
        domain (registration is still polled).
        """
        for domain in self._domains():
            self._try(f"AT+{REG_COMMANDS[domain]}=1")

    def _domains(self) -> tuple[str, ...]:
        """The registration domains to ask about: no LTE (+CEREG) on a SIM800."""
        return tuple(d for d in REG_COMMANDS if not (d == "eps" and self.family == "sim800"))

    def _report_storage(self) -> str | None:
        """The status-report storage the modem lists for reading (``AT+CPMS=?``), if it has one."""
        resp = self._try("AT+CPMS=?", ("+CPMS:",))
        info = resp.info("+CPMS:") if resp is not None else []
        mem1 = info[0].split(")")[0] if info else ""  # +CPMS: ("SM","ME","SR"),("SM","ME"),("SM","ME")
        return "SR" if '"SR"' in mem1 else None

    @contextlib.contextmanager
    def reading_from(self, mem: str | None) -> Iterator[None]:
        """Read, list and delete in storage ``mem`` (``+CDSI: "SR",3``) for the block, then the SIM again.

        Reading a report's index in the SIM storage is the ``+CMS ERROR: 321`` users of other
        software meet on the SIM7600; ``AT+CPMS`` <mem1> is the storage CMGR/CMGL/CMGD use.
        """
        if mem is None or mem == "SM":
            yield
            return
        if not re.fullmatch(r"[A-Z_]{2,6}", mem):
            raise ValueError(f"not a message storage: {mem!r}")
        self.command(f'AT+CPMS="{mem}"', ("+CPMS:",))
        try:
            yield
        finally:
            self._try('AT+CPMS="SM"', ("+CPMS:",))

    # -- identity and status --------------------------------------------------

    def identify(self) -> Identity:
        """Manufacturer, model, revision, IMEI, IMSI, ICCID; sets :attr:`family`."""
        manufacturer = self._single("AT+CGMI", "+CGMI:")
        model = self._single("AT+CGMM", "+CGMM:")
        revision = self._single("AT+CGMR", "+CGMR:").removeprefix("Revision:").strip()
        imei = self._single("AT+CGSN", "+CGSN:")
        imsi = self._single("AT+CIMI", "+CIMI:")
        self.family = self._model_hint or _family(model)
        iccid = self._iccid()
        return Identity(manufacturer, model, revision, imei, imsi, iccid, self.family)

    def _single(self, text: str, prefix: str) -> str:
        resp = self._try(text, (prefix,), bare=True)
        if resp is None or not resp.lines:
            return ""
        line = resp.lines[0]
        return line[len(prefix):].strip().strip('"') if line.startswith(prefix) else line.strip()

    def _iccid(self) -> str:
        order = ("AT+CICCID", "AT+CCID") if self.family == "sim7600" else ("AT+CCID", "AT+CICCID")
        for text in order:
            value = self._single(text, "+ICCID:" if text == "AT+CICCID" else "+CCID:")
            if value:
                return value
        return ""

    def sim_state(self) -> str:
        """+CPIN state: READY, SIM PIN, SIM PUK, NOT INSERTED, NOT READY ..."""
        try:
            resp = self.command("AT+CPIN?", ("+CPIN:",), timeout=10)
        except CmeError as exc:
            # 27.007 codes: 10 not inserted, 13 failure, 14 busy (still booting).
            return {10: "NOT INSERTED", 13: "SIM FAILURE", 14: "NOT READY"}.get(exc.code or -1, "NOT READY")
        except CommandError:
            return "NOT READY"
        values = resp.info("+CPIN:")
        return values[0] if values else "NOT READY"

    def signal(self) -> Signal:
        """Received signal strength (+CSQ)."""
        values = self.command("AT+CSQ", ("+CSQ:",)).info("+CSQ:")
        parts = _fields(values[0]) if values else ["99", "99"]
        rssi, ber = _int(parts[0], 99), _int(parts[1] if len(parts) > 1 else "99", 99)
        if rssi is None or not 0 <= rssi <= 31:
            dbm = None
        else:
            dbm = -113 + 2 * rssi
        return Signal(rssi if rssi is not None else 99, ber if ber is not None else 99, dbm)

    def registration(self) -> dict[str, str]:
        """Registration per domain: cs (+CREG), ps (+CGREG), eps (+CEREG, LTE modems)."""
        out: dict[str, str] = {}
        for domain in self._domains():
            cmd = REG_COMMANDS[domain]
            resp = self._try(f"AT+{cmd}?", (f"+{cmd}:",))
            if resp is None:
                continue
            values = resp.info(f"+{cmd}:")
            if values:
                parts = _fields(values[0])
                stat = _int(parts[1] if len(parts) > 1 else parts[0], 4)
                out[domain] = REG_STATES.get(stat if stat is not None else 4, f"stat_{stat}")
        return out

    def operator(self) -> tuple[str, str]:
        """(name, MCC+MNC) of the registered operator, '' where unknown."""
        name = self._cops()
        code = ""
        if self._try("AT+COPS=3,2") is not None:
            code = self._cops()
            self._try("AT+COPS=3,0")
        return name, code

    def _cops(self) -> str:
        resp = self._try("AT+COPS?", ("+COPS:",), timeout=10)
        values = resp.info("+COPS:") if resp else []
        parts = _fields(values[0]) if values else []
        return parts[2] if len(parts) > 2 else ""

    def smsc(self) -> str | None:
        """The SMS centre stored on the SIM (+CSCA); None when unset (sends would fail with CMS 330)."""
        resp = self._try("AT+CSCA?", ("+CSCA:",))
        values = resp.info("+CSCA:") if resp else []
        number = _fields(values[0])[0] if values else ""
        return number or None

    def status(self) -> Status:
        """SIM, registration, operator, signal and SMSC now."""
        reg = self.registration()
        name, code = self.operator()
        return Status(self.sim_state(), reg, is_registered(reg), name, code, self.signal(), self.smsc())

    def network_time(self) -> datetime | None:
        """The modem clock (+CCLK, set from the network when NITZ is on) as an aware datetime.

        None when the modem has no time or only its never-set default (a
        SIM7600 says ``80/01/06``, 1980): such a clock must not set the Pi's.
        """
        resp = self._try("AT+CCLK?", ("+CCLK:",))
        values = resp.info("+CCLK:") if resp else []
        clock = parse_cclk(values[0]) if values else None
        if clock is None or clock.year < MIN_PLAUSIBLE_YEAR:
            return None
        return clock

    # -- sending --------------------------------------------------------------

    def next_concat_ref(self) -> int:
        """A fresh 8-bit concatenation reference (varies per message, per 23.040)."""
        self._concat_ref = (self._concat_ref + 1) % 256
        return self._concat_ref

    def send(
        self,
        number: str,
        text: str,
        *,
        report: bool = False,
        validity: timedelta | None = None,
        concat_ref: int | None = None,
    ) -> SendResult:
        """Send ``text`` to ``number`` as one or more PDU-mode SMS; return each part's TP-MR.

        Raises CmsError (and friends) when the first part fails, PartialSend
        when a later part fails (its ``sent`` says which parts went out).
        """
        ref = self.next_concat_ref() if concat_ref is None else concat_ref
        parts = pdu.encode_submit(number, text, report=report, validity=validity, concat_ref=ref)
        sent: list[SentPart] = []
        for i, part in enumerate(parts, start=1):
            try:
                mr = self.send_pdu(part.pdu, part.tpdu_length)
            except ModemError as exc:
                if sent:
                    raise PartialSend(exc, tuple(sent), len(parts)) from exc
                raise
            sent.append(SentPart(i, len(parts), mr, part.tpdu_length))
        log.info("%s: sent %d part(s) to %s", self.channel.port_name, len(parts), mask_number(number))
        return SendResult(pdu.choose_encoding(text).value, tuple(sent))

    def send_pdu(
        self,
        hex_pdu: str,
        tpdu_length: int,
        on_written: Callable[[], None] | None = None,
        after_body: Callable[[], None] | None = None,
    ) -> int | None:
        """``AT+CMGS=<tpdu_length>``, the PDU, Ctrl-Z; return TP-MR (None if the modem gave none).

        ``on_written`` runs while the modem prepares its prompt, ``after_body``
        while it transmits (see :meth:`AtChannel.command_with_body`).
        """
        cmd = at.Command(
            f"AT+CMGS={tpdu_length}", prefixes=("+CMGS:",), prompt=True,
            timeout=self.send_timeout, prompt_timeout=self.prompt_timeout,
        )
        resp = self.channel.command_with_body(cmd, hex_pdu, on_written, after_body).raise_for_error()
        values = resp.info("+CMGS:")
        return _int(_fields(values[0])[0]) if values else None

    # -- stored messages ------------------------------------------------------

    def list_messages(self, status: int = 4) -> list[StoredMessage]:
        """Every stored message with ``status`` (4 = all), decoded where possible.

        A PDU that does not decode is returned with ``decoded=None`` and the
        reason, never raised: junk from the network must not stop the caller.
        """
        resp = self.command(f"AT+CMGL={status}", ("+CMGL:",), timeout=20)
        return _pair_listing(resp.lines, "+CMGL:", with_index=True)

    def read(self, index: int) -> StoredMessage | None:
        """The message at ``index``, or None when the slot is empty."""
        try:
            resp = self.command(f"AT+CMGR={index}", ("+CMGR:",), timeout=5)
        except CmsError as exc:
            if exc.code == 321:  # invalid memory index: nothing there
                return None
            raise
        found = _pair_listing(resp.lines, "+CMGR:", with_index=False, index=index)
        return found[0] if found else None

    def delete(self, index: int) -> None:
        """Delete the message at ``index``."""
        self.command(f"AT+CMGD={index}", timeout=5)

    # -- USSD -----------------------------------------------------------------

    def ussd(self, code: str, timeout: float = 15.0) -> UssdReply:
        """Send a USSD code (balance check ``*888#``) and return the network's answer."""
        if not re.fullmatch(r"[0-9*#+]{1,40}", code):
            raise ValueError(f"not a USSD code: {code!r}")
        self._try('AT+CSCS="GSM"')
        self._take_held("+CUSD")  # an old answer must not pass for this one
        self.command(f'AT+CUSD=1,"{code}",15', timeout=10)
        urc = self._wait_urc("+CUSD", timeout)
        if urc is None:
            self._try("AT+CUSD=2")
            return UssdReply(5, "", None)
        reply = parse_cusd(urc.value)
        if reply.status == 1:  # a menu awaits an answer we will not give
            self._try("AT+CUSD=2")
        return reply

    # -- soft reset -----------------------------------------------------------

    def soft_reset(self, ready_timeout: float = 60.0) -> Status:
        """``AT+CFUN=1,1`` (full functionality after a reset), then initialise again.

        Some firmware answers OK and goes on answering for a moment before it
        reboots: wait for the boot codes (up to 15 s) so that initialisation
        does not race the reboot.
        """
        self._check_cancel()
        try:
            self.command("AT+CFUN=1,1", timeout=15)
        except (ModemTimeout, ModemRebooted):
            pass  # some firmware reboots before answering
        self._wait_urc_kind(_BOOT_KINDS, timeout=min(15.0, ready_timeout))
        return self.initialise(ready_timeout=ready_timeout)

    def _wait_urc_kind(self, kinds: set[str], timeout: float) -> ModemEvent | None:
        """Wait for a URC of one of ``kinds``; hold the others for :meth:`next_event`."""
        urc = self._wait_for(lambda u: urc_to_event(u).kind in kinds, timeout)
        return urc_to_event(urc) if urc is not None else None

    def hang_up(self) -> None:
        """Reject an incoming call (``ATH``): the appliance only does SMS."""
        self._try("ATH", timeout=5)

    # -- events ---------------------------------------------------------------

    def next_event(self, timeout: float = 0.0) -> ModemEvent | None:
        """The next URC as a :class:`ModemEvent`, or None after ``timeout`` seconds."""
        urc = self._next_urc(timeout)
        return urc_to_event(urc) if urc is not None else None

    def _next_urc(self, timeout: float) -> at.Urc | None:
        if self._held:
            return self._held.popleft()
        try:
            return self.channel.urcs.get(timeout=timeout) if timeout > 0 else self.channel.urcs.get_nowait()
        except queue.Empty:
            return None

    def _wait_urc(self, name: str, timeout: float) -> at.Urc | None:
        """Wait for a URC called ``name``; others are held for :meth:`next_event`."""
        return self._wait_for(lambda u: u.name == name, timeout)

    def _wait_for(self, match: Callable[[at.Urc], bool], timeout: float) -> at.Urc | None:
        """The first URC ``match`` accepts within ``timeout``; the others are held for :meth:`next_event`."""
        deadline = self._clock() + timeout
        while True:
            self._check_cancel()
            remaining = deadline - self._clock()
            if remaining <= 0:
                return None
            try:
                urc = self.channel.urcs.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if match(urc):
                return urc
            self._held.append(urc)

    def _take_held(self, name: str) -> None:
        """Forget waiting URCs called ``name`` (an old USSD answer)."""
        self._drop_urcs(lambda u: u.name == name)

    def _drop_urcs(self, match: Callable[[at.Urc], bool]) -> None:
        """Drop held and queued URCs ``match`` accepts; keep the others in order."""
        kept = [u for u in self._held if not match(u)]
        while True:
            try:
                urc = self.channel.urcs.get_nowait()
            except queue.Empty:
                break
            if not match(urc):
                kept.append(urc)
        self._held = collections.deque(kept)


# -- parsing helpers (pure) ---------------------------------------------------


_REGISTERED_STATES = frozenset(REG_STATES[s] for s in REGISTERED)


def is_registered(registration: dict[str, str]) -> bool:
    """True when any domain of :meth:`Modem.registration` (or URCs) is registered (home, roaming ...)."""
    return any(state in _REGISTERED_STATES for state in registration.values())


def parse_registration_urc(name: str, value: str) -> dict[str, str] | None:
    """``+CREG: 2`` / ``+CEREG: 1,"2F1A","0A2C1B01",7`` -> ``{"cs": "searching"}`` / ``{"eps": "home"}``.

    A URC is ``<stat>[,<lac>,<ci>...]`` (27.007 §7.2); a read answer that
    arrives unasked is ``<n>,<stat>[,...]``: a short bare number second is
    <stat>, a location is quoted hex.  None when <stat> is not a number.
    """
    domain = _REG_DOMAINS.get(name)
    parts = [p.strip() for p in value.split(",")]
    if domain is None or not parts:
        return None
    stat_text = parts[1] if len(parts) > 1 and parts[1].isdigit() and len(parts[1]) <= 2 else parts[0]
    stat = _int(stat_text)
    if stat is None:
        return None
    return {domain: REG_STATES.get(stat, f"stat_{stat}")}


def _pair_listing(lines: tuple[str, ...], prefix: str, *, with_index: bool, index: int = -1) -> list[StoredMessage]:
    """Pair each +CMGL/+CMGR header with the PDU line after it."""
    out: list[StoredMessage] = []
    header: list[str] | None = None
    for line in lines:
        if line.startswith(prefix):
            header = _fields(line[len(prefix):])
            continue
        if header is None:
            continue
        if with_index:
            idx, stat = _int(header[0], -1), _int(header[1] if len(header) > 1 else "", -1)
        else:
            idx, stat = index, _int(header[0], -1)
        out.append(_stored(idx if idx is not None else -1, stat if stat is not None else -1, line.strip()))
        header = None
    return out


def _stored(index: int, status: int, hex_pdu: str) -> StoredMessage:
    try:
        return StoredMessage(index, status, hex_pdu, pdu.decode(hex_pdu))
    except PduError as exc:
        return StoredMessage(index, status, hex_pdu, None, exc.reason)


_CCLK = re.compile(r'"?(\d{2})/(\d{2})/(\d{2}),(\d{2}):(\d{2}):(\d{2})([+-]\d{1,2})?"?')


#: A modem clock before this year was never set from the network.
MIN_PLAUSIBLE_YEAR = 2020


def parse_cclk(value: str) -> datetime | None:
    """``"26/11/26,17:38:22+28"`` (time zone in quarter hours) -> aware datetime.

    Two-digit years 70-99 are 1970-1999 (a never-set SIM7600 clock reads
    ``80/01/06``), as TS 23.040 time stamps are read.
    """
    m = _CCLK.search(value)
    if not m:
        return None
    yy, mo, dd, hh, mi, ss = (int(g) for g in m.groups()[:6])
    century = 1900 if yy >= 70 else 2000
    quarters = int(m.group(7) or 0)
    try:
        return datetime(century + yy, mo, dd, hh, mi, ss, tzinfo=timezone(timedelta(minutes=15 * quarters)))
    except ValueError:
        return None


def parse_cusd(value: str) -> UssdReply:
    """``1,"Sisa pulsa ...",15`` -> UssdReply, decoding UCS-2 hex replies by their DCS."""
    parts = _fields(value)
    status = _int(parts[0], 2) if parts else 2
    text = parts[1] if len(parts) > 1 else ""
    dcs = _int(parts[2]) if len(parts) > 2 else None
    return UssdReply(status if status is not None else 2, _ussd_text(text, dcs), dcs)


def _ussd_text(text: str, dcs: int | None) -> str:
    """Decode a USSD string that the modem passed through as hex (UCS-2 or 8-bit DCS)."""
    if dcs is None or not text or len(text) % 2 or not re.fullmatch(r"[0-9A-Fa-f]+", text):
        return text
    group = dcs >> 4
    charset = (dcs >> 2) & 0x03 if group in (0x04, 0x05, 0x06, 0x07, 0x09) or dcs & 0xC0 == 0x40 else None
    is_ucs2 = dcs == 0x11 or charset == 2 or dcs == 72
    try:
        if is_ucs2 and len(text) % 4 == 0:
            return bytes.fromhex(text).decode("utf-16-be", "replace")
        if charset == 1:
            return bytes.fromhex(text).decode("latin-1")
    except ValueError:
        return text
    return text


_CMTI = re.compile(r'^"?([A-Z]{2})"?\s*,\s*(\d+)')


def urc_to_event(urc: at.Urc) -> ModemEvent:
    """Classify one URC (pure; the status report PDU is decoded here)."""
    name, value = urc.name, urc.value
    if name in ("+CMTI", "+CDSI"):
        m = _CMTI.match(value)
        kind = "sms_stored" if name == "+CMTI" else "status_report_stored"
        return ModemEvent(kind, urc.line, index=int(m.group(2)) if m else None, mem=m.group(1) if m else None)
    if name == "+CDS":
        return _pdu_event("status_report", urc)
    if name == "+CMT":
        return _pdu_event("sms_direct", urc)
    if name == "+CUSD":
        return ModemEvent("ussd", urc.line)
    if name in ("RDY", "START") or urc.line == "+CFUN: 1":
        return ModemEvent("boot", urc.line)
    if name == "+CPIN":
        return ModemEvent("sim", urc.line)
    if urc.line in ("SMS Ready", "SMS DONE"):
        return ModemEvent("sms_ready", urc.line)
    if name in _REG_DOMAINS:
        registration = parse_registration_urc(name, urc.value)
        error = None if registration is not None else "no <stat> in the registration URC"
        return ModemEvent("registration", urc.line, registration=registration, error=error)
    if urc.line.startswith(("UNDER-VOLTAGE", "OVER-VOLTAGE")):
        kind = "power_down" if "POWER DOWN" in urc.line else "power_warning"
        return ModemEvent(kind, urc.line)
    if urc.line.startswith(("NORMAL POWER DOWN", "NORMAL POWER OFF", "POWER DOWN")):
        return ModemEvent("power_down", urc.line)
    if name in ("RING", "+CRING"):
        return ModemEvent("ring", urc.line)
    return ModemEvent("other", urc.line)


def _pdu_event(kind: str, urc: at.Urc) -> ModemEvent:
    body = (urc.body or "").strip()
    if not body:
        return ModemEvent(kind, urc.line, error="no PDU after the header")
    try:
        decoded = pdu.decode(body)
    except PduError as exc:
        return ModemEvent(kind, urc.line, pdu=body, error=exc.reason)
    if kind == "status_report" and isinstance(decoded, pdu.StatusReport):
        return ModemEvent(kind, urc.line, pdu=body, report=decoded)
    if kind == "sms_direct" and isinstance(decoded, pdu.Deliver):
        return ModemEvent(kind, urc.line, pdu=body, message=decoded)
    return ModemEvent(kind, urc.line, pdu=body, error=f"unexpected PDU type {type(decoded).__name__}")
