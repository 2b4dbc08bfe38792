"""An emulated SIMCom modem (SIM800 or SIM7600), sans-I/O.

:class:`EmulatedModem` is the modem's "brain": bytes from the host go in
through :meth:`~EmulatedModem.receive`, bytes for the host come out, and
:meth:`~EmulatedModem.poll` releases whatever is due by the injected clock
(delayed ``+CMGS`` results, ``+CDS`` reports, boot URCs, ``+CMTI``).  It does
no I/O; :mod:`firmware.modem.emulator.pty` runs it on a pseudo-terminal.  The
models it can be and its configuration (:class:`EmulatorConfig`) are
:mod:`firmware.modem.emulator.config`.

It follows ITU-T V.250, 3GPP TS 27.007 / 27.005 and the SIMCom SIM800 and
SIM7500/SIM7600 AT manuals rather than any one driver's habits, so a driver
tested against it is tested against the standards:

* command lines start with ``AT``/``at``, end with S3 (CR), are echoed while
  ``ATE1`` (the power-on default), may chain commands (``ATE0V1``,
  ``AT+CMGF=0;+CNMI=2,1,0,1,0``); ``A/`` repeats the last line;
* info text and results are framed ``<CR><LF>text<CR><LF>`` (``ATV1``) or
  ``text<CR><LF>`` / ``0<CR>`` (``ATV0``); syntax errors and unknown commands
  give plain ``ERROR`` whatever ``AT+CMEE`` says (27.007 §9.1), equipment and
  SMS failures ``+CME ERROR``/``+CMS ERROR`` when ``AT+CMEE`` is 1 or 2;
* ``AT+CMGS`` prompts with ``<CR><LF>> ``, takes hex (PDU mode) or text until
  Ctrl-Z, aborts on ESC with ``OK``; the modem assigns TP-MR itself;
* unsolicited result codes are only emitted between responses, never inside
  one, and SMS ones follow ``AT+CNMI`` (<mode> 0 buffers them in the TA).

Where the standards leave room, it does what SIMCom modules are reported to do:

* power-on defaults: ``E1``, ``V1``, ``+CMEE=0``, ``+CMGF=0``, ``+CSCS="IRA"``,
  ``+CNMI=2,1,0,0,0``, ``+CPMS="SM","SM","SM"``; ``AT&W`` saves E/Q/V/IPR;
* boot: SIM800 ``RDY`` (only with a fixed baud rate), ``+CFUN: 1``,
  ``+CPIN: READY``, ``Call Ready``, ``SMS Ready``; SIM7600 ``RDY``,
  ``+CPIN: READY``, ``SMS DONE``, ``PB DONE``; input before the first of them
  is lost; SMS commands before SMS Ready give ``ERROR`` (SIM800) or
  ``+CMS ERROR: 302`` (SIM7600);
* the empty <alpha> of PDU-mode ``+CMGR``/``+CMGL``/``+CMT`` is ``""`` on the
  SIM800 and empty on the SIM7600 (``+CMGR: 0,"",24`` / ``+CMGR: 0,,24``);
* ``AT+CMGR`` of an empty location is ``OK`` without information text, of a
  location outside the storage ``+CMS ERROR: 321``;
* in PDU mode CR/LF typed after the prompt are ignored; anything else that
  is not hex, or a length that differs from the TPDU, is ``+CMS ERROR: 304``;
* a command line holding AT+CMGS ends there (the rest is ignored);
* registration (27.007 §7.2, §10.1.20, §10.1.22): ``AT+CREG``/``+CGREG`` (and
  ``+CEREG`` on the SIM7600) ``=<n>`` 0/1/2; with <n> >= 1 a ``+CREG: <stat>``
  URC (with location when <n> is 2) each time <stat> changes; a submit without
  registration is ``+CMS ERROR: 331`` (no network service), one the network
  drops before it answers ``+CMS ERROR: 332`` (network timeout).

Fault knobs in :class:`EmulatorConfig` make it misbehave the way modems do in
the field (CMS errors, hangs, network loss, brown-out reboots, line noise);
:meth:`~EmulatedModem.drop_network` takes the cell away for a while (an outage
outside the modem: it lasts through the modem's restarts).
Send faults count successful sends since the last boot, so they recur after
every reboot.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from firmware.modem.emulator.lines import (
    MAX_LINE,
    AtError,
    Command,
    cms,
    error_text,
    find_body,
    normalise,
    numeric_result,
    parse_body,
    syntax_error,
)
from firmware.modem.emulator.commands import PROFILE_FIELDS, GeneralCommands, Settings
from firmware.modem.emulator.config import MODELS, EmulatorConfig
from firmware.modem.emulator.sms import MessageStore, SmsCommands, StoredMessage, number_key, te_decode, te_encode

CTRL_Z = 0x1A
ESC = 0x1B

#: Commands of the 27.005 SMS service: refused until the SMS subsystem is ready.
SMS_COMMANDS = frozenset(
    {"+CMGF", "+CSCA", "+CSMP", "+CSDH", "+CSMS", "+CMMS", "+CNMA", "+CNMI", "+CPMS",
     "+CMGS", "+CMGW", "+CMGR", "+CMGL", "+CMGD", "+CMGDA"}
)

#: Command name -> handler method.  V.250 +G... names alias the 27.007 +CG... ones.
HANDLERS = {
    "E": "_cmd_e", "V": "_cmd_v", "Q": "_cmd_q", "Z": "_cmd_z", "I": "_cmd_i",
    "X": "_cmd_accept_digit", "H": "_cmd_accept_digit", "&C": "_cmd_accept_digit",
    "&D": "_cmd_accept_digit", "&F": "_cmd_and_f", "&W": "_cmd_and_w",
    "+CGMI": "_cmd_cgmi", "+GMI": "_cmd_cgmi", "+CGMM": "_cmd_cgmm", "+GMM": "_cmd_cgmm",
    "+CGMR": "_cmd_cgmr", "+GMR": "_cmd_cgmr", "+CGSN": "_cmd_cgsn", "+GSN": "_cmd_cgsn",
    "+GCAP": "_cmd_gcap", "+CIMI": "_cmd_cimi", "+CCID": "_cmd_ccid", "+CICCID": "_cmd_ccid",
    "+CMEE": "_cmd_cmee", "+CPIN": "_cmd_cpin", "+CREG": "_cmd_creg", "+CGREG": "_cmd_creg",
    "+CEREG": "_cmd_creg", "+COPS": "_cmd_cops", "+CSQ": "_cmd_csq", "+CSCS": "_cmd_cscs",
    "+CUSD": "_cmd_cusd", "+CCLK": "_cmd_cclk", "+CFUN": "_cmd_cfun", "+CPOWD": "_cmd_cpowd",
    "+CPOF": "_cmd_cpof", "+CSCLK": "_cmd_flag", "+CLTS": "_cmd_flag", "+CTZU": "_cmd_flag",
    "+CIURC": "_cmd_flag", "+IPR": "_cmd_ipr", "+CBC": "_cmd_cbc",
    "+CMGF": "_cmd_cmgf", "+CSCA": "_cmd_csca", "+CSMP": "_cmd_csmp", "+CSDH": "_cmd_csdh",
    "+CSMS": "_cmd_csms", "+CMMS": "_cmd_cmms", "+CNMA": "_cmd_cnma", "+CNMI": "_cmd_cnmi",
    "+CPMS": "_cmd_cpms", "+CMGS": "_cmd_cmgs", "+CMGW": "_cmd_cmgw", "+CMGR": "_cmd_cmgr", "+CMGL": "_cmd_cmgl",
    "+CMGD": "_cmd_cmgd", "+CMGDA": "_cmd_cmgda",
}  # fmt: skip

# Session states.
OFF, BOOTING, COMMAND, PROMPT_WAIT, PROMPT, SENDING = "off", "booting", "command", "prompt_wait", "prompt", "sending"

#: A handler's return value meaning "the > prompt follows, no final result now".
PROMPT_MARK = object()

_MAX_DATA = 2048  # characters kept after the prompt; the rest is dropped


@dataclass(order=True)
class _Timer:
    due: float
    seq: int
    generation: int | None = field(compare=False)  # None: survives reboots (network side)
    action: Callable[[], None] = field(compare=False)


class EmulatedModem(GeneralCommands, SmsCommands):
    """A SIM800/SIM7600 AT interface without I/O: bytes in, bytes out, a clock injected.

    Args:
        config: model, timings and faults.
        clock: monotonic seconds; tests pass a fake one.
        rng: randomness for the fault knobs (seed it for repeatable runs).
        on_sent: called with a dict for each SMS part the network accepted,
            just before ``+CMGS`` is emitted (``number``, ``text``,
            ``encoding``, ``concat``, ``message_ref``, ``report_requested``,
            ``time``, ``model``, ``emulator``).

    The modem starts powered off: call :meth:`power_on`.
    """

    def __init__(
        self,
        config: EmulatorConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        on_sent: Callable[[dict], None] | None = None,
    ):
        self.config = config
        self._model = MODELS[config.model]
        self._clock = clock
        self._rng = rng if rng is not None else random.Random()
        self._on_sent = on_sent
        self._tz = timezone(timedelta(minutes=15 * config.tz_quarters))
        base = config.network_time or datetime.now(timezone.utc)
        if base.tzinfo is None:
            base = base.replace(tzinfo=self._tz)
        self._time_base = base.astimezone(self._tz)
        self._time_t0 = clock()
        self._cclk_offset = timedelta(0)
        self._stores = {"SM": MessageStore("SM", config.sm_capacity), "ME": MessageStore("ME", config.me_capacity)}
        if self._model.report_store:
            self._stores[self._model.report_store] = MessageStore(self._model.report_store, config.sm_capacity)
        self._profile = {name: getattr(Settings(), name) for name in PROFILE_FIELDS}
        self._profile["ipr"] = 115200 if config.fixed_baud or config.model == "sim7600" else 0
        self._mr = config.initial_mr
        self._incoming_ref = 0
        self._timers: list[_Timer] = []
        self._timer_now: float | None = None
        self._seq = itertools.count()
        self._generation = 0
        self._network_pending: list[Callable[[], None]] = []
        self._out = bytearray()
        self._outages = 0  # drop_network() periods in progress (the cell, not the modem)
        #: (clock, <stat>) each time the registration changed, for tests and benchmarks.
        self.registration_log: list[tuple[float, int]] = []
        self._state = OFF
        self._reset_session()
        #: Counters for tests and benchmarks.
        self.sends_total = 0
        self.boots = 0
        self.dropped_incoming = 0
        self.dropped_reports = 0

    # --- public interface -------------------------------------------------------

    def receive(self, data: bytes) -> bytes:
        """Take bytes the host wrote; return the bytes the modem writes back now."""
        if self._hung or self._state in (OFF, BOOTING):
            return b""  # powered off, not yet listening, or wedged: input is lost
        if self._state in (PROMPT_WAIT, SENDING):
            self._held += data  # the UART buffers it until the modem is ready
        else:
            self._process(bytes(data))
        self._pump()
        return self._take_output()

    def poll(self) -> bytes:
        """Return output that is due by the clock (results, reports, URCs)."""
        self._pump()
        return self._take_output()

    def next_deadline(self) -> float | None:
        """Clock time when :meth:`poll` next has something to do, or None."""
        if self._idle() and (self._urcs or self._held):
            return self._clock()
        return self._timers[0].due if self._timers else None

    def power_on(self) -> None:
        """Switch the modem on (or restart it): the boot URCs follow over time."""
        self._restart()

    def power_off(self) -> None:
        """Cut the power: silence until :meth:`power_on`; storage and TP-MR are kept."""
        self._generation += 1
        self._drop_session_timers()
        self._state = OFF
        self._reset_session()
        self._registration_changed()  # (logged: a modem without power is on no network)

    def drop_network(self, seconds: float, *, after: float = 0.0) -> None:
        """The network goes away ``after`` seconds from now, for ``seconds``: the modem searches.

        Registration reads ``2`` (searching) meanwhile, with ``+CREG``/``+CGREG``/``+CEREG``
        URCs per their <n> when it changes; the modem registers again when the
        last overlapping drop ends.  Network-side timers, so modem restarts do
        not end it.
        """
        if not (0 <= seconds < math.inf and 0 <= after < math.inf):
            raise ValueError("seconds and after must be numbers of seconds, 0 or more")

        def start() -> None:
            self._outages += 1
            self._registration_changed()
            self._after(seconds, end, network=True)

        def end() -> None:
            self._outages -= 1
            self._registration_changed()

        if after:
            self._after(after, start, network=True)
        else:
            start()

    def inject_incoming(self, number: str, text: str, *, toa: int | None = None) -> None:
        """An SMS from ``number`` reaches the network for this SIM (multipart if long).

        Delivered now when registered, else when the modem next registers;
        its TP-SCTS is now.  ``toa``: the sender's type of address as the
        network writes it (default: ``0x91`` for ``+...``, else ``0x81``).

        Raises:
            PduError: ``number`` or ``text`` cannot be put in an SMS-DELIVER.
        """
        parts = self._encode_incoming(number, text, toa)
        self._network_event(lambda: self._route_parts(parts))

    def inject_stored(self, number: str, text: str) -> None:
        """An SMS from ``number`` already in the receive storage, its ``+CMTI`` gone to nobody
        (it came while the host was away, or the indication was lost on the line)."""
        for hex_pdu in self._encode_incoming(number, text):
            self._stores[self._s.cpms[2]].add(StoredMessage(0, hex_pdu))

    @property
    def state(self) -> str:
        """``off``, ``booting``, ``command``, ``prompt_wait``, ``prompt`` or ``sending``."""
        return self._state

    @property
    def hung(self) -> bool:
        """True while a ``hang_after`` fault has the modem wedged."""
        return self._hung

    def stored(self, memory: str = "SM") -> dict[int, tuple[int, str]]:
        """Messages in ``memory``: index -> (27.005 stat, PDU hex)."""
        return {i: (m.stat, m.pdu) for i, m in sorted(self._stores[memory].slots.items())}

    # --- power and boot -----------------------------------------------------------

    def _fit_defaults(self) -> None:
        """Factory settings this modem can hold: CNMI <mode> 1 on one that cannot buffer indications."""
        if not self.config.cnmi_buffering and self._s.cnmi[0] > 1:
            self._s.cnmi = (1, *self._s.cnmi[1:])

    def _reset_session(self) -> None:
        """Forget everything volatile: settings, buffers, SIM/network session."""
        self._s = Settings(**self._profile)
        self._s.csca = self.config.smsc
        self._fit_defaults()
        self._line = bytearray()
        self._last_line = ""
        self._after_cr = False
        self._held = bytearray()
        self._data = bytearray()
        self._data_handler: Callable[[bytes], None] | None = None
        self._text_data = False
        self._urcs: deque[list[str]] = deque()
        self._ta_buffer: list[list[str]] = []
        self._after_final: list[Callable[[], None]] = []
        self._hung = False
        self._sim = "SIM PIN" if self.config.sim_pin else "READY"
        self._pin_attempts = 3
        self._sms_ready = False
        self._registered = False
        self._network_lost = False
        self._loss_done = False  # network_loss_after fired since this boot
        self._reported_stat: int | None = None  # the <stat> last announced (URCs only on a change)
        self._cfun = 1
        self._sends_since_boot = 0

    def _restart(self) -> None:
        self._generation += 1
        self._drop_session_timers()
        self._state = BOOTING
        self._reset_session()
        self._registration_changed()  # (logged: booting, the modem has no network until it registers)
        self.boots += 1
        step = self.config.boot_delay
        first = ["RDY"] if self.config.fixed_baud or self.config.model == "sim7600" else []
        self._after(step, lambda: self._boot_listening(first))
        if self.config.model == "sim800":
            self._after(2 * step, lambda: self._urc(["+CFUN: 1"]))
        self._after(3 * step, self._boot_sim)

    def _boot_listening(self, lines: list[str]) -> None:
        self._state = COMMAND
        if lines:
            self._urc(lines)

    def _boot_sim(self) -> None:
        self._urc([f"+CPIN: {self._sim}"])
        if self._sim == "READY":
            self._sim_ready_sequence()

    def _sim_ready_sequence(self) -> None:
        """After +CPIN: READY: phonebook and SMS initialise, the network registers."""
        step = self.config.boot_delay
        if self.config.model == "sim800":
            self._after(step, lambda: self._urc(["Call Ready"]))
            self._after(2 * step, self._sms_subsystem_ready)
        else:
            self._after(step, self._sms_subsystem_ready)
            self._after(2 * step, lambda: self._urc(["PB DONE"]))

    def _sms_subsystem_ready(self) -> None:
        self._urc([self._model.boot_ready])
        self._sms_ready = True
        if self.config.registration_delay:
            self._after(self.config.registration_delay, self._register)
        else:
            self._register()

    def _register(self) -> None:
        """The modem has found the network after booting (or would have, were the cell there)."""
        self._registered = True
        self._registration_changed()

    def _abrupt_reboot(self) -> None:
        """A brown-out: maybe some line noise, then the modem boots from scratch."""
        if self.config.reboot_garbage:
            self._put(bytes(self._rng.choice(_NOISE) for _ in range(self._rng.randint(1, 6))))
        self._restart()

    # --- network state --------------------------------------------------------------

    def _reg_stat(self) -> int:
        """27.007 <stat>: 1 registered (home), 2 searching, 0 not searching."""
        if self._state == OFF or self._cfun != 1 or self._sim != "READY":
            return 0
        if self._network_lost or self._outages or not self._registered:
            return 2
        return 1

    def _network_ok(self) -> bool:
        return self._reg_stat() == 1 and not self._hung

    def _registration_changed(self) -> None:
        """Emit +CREG/+CGREG/+CEREG URCs (per their <n>) if <stat> changed; release held network traffic."""
        stat = self._reg_stat()
        if stat == self._reported_stat:
            return
        self._reported_stat = stat
        self.registration_log.append((self._timer_now if self._timer_now is not None else self._clock(), stat))
        for name, n in self._s.creg.items():
            if n and (name != "+CEREG" or self.config.model == "sim7600"):
                self._urc([f"{name}: {stat}{self._location(name, n, stat)}"])
        if stat == 1:
            pending, self._network_pending = self._network_pending, []
            for action in pending:
                action()

    def _location(self, name: str, n: int, stat: int) -> str:
        if n != 2 or stat not in (1, 5):
            return ""
        if name == "+CEREG":
            return ',"2F1A","0A2C1B01",7'
        return ',"2F1A","5A2C"'

    def _network_event(self, action: Callable[[], None]) -> None:
        """Run ``action`` now if registered, else when registration next succeeds."""
        if self._network_ok():
            action()
        else:
            self._network_pending.append(action)

    def _network_now(self) -> datetime:
        elapsed = timedelta(seconds=self._clock() - self._time_t0)
        return (self._time_base + elapsed).replace(microsecond=0)

    # --- timers ---------------------------------------------------------------------

    def _after(self, delay: float, action: Callable[[], None], *, network: bool = False) -> None:
        """Run ``action`` ``delay`` seconds from now; network timers survive reboots."""
        generation = None if network else self._generation
        start = self._timer_now if self._timer_now is not None else self._clock()
        heapq.heappush(self._timers, _Timer(start + delay, next(self._seq), generation, action))

    def _drop_session_timers(self) -> None:
        self._timers = [t for t in self._timers if t.generation is None]
        heapq.heapify(self._timers)

    def _pump(self) -> None:
        """Run due timers, then held input, then flush URCs while idle; until stable."""
        while True:
            now = self._clock()
            if self._timers and self._timers[0].due <= now:
                timer = heapq.heappop(self._timers)
                if timer.generation is None or timer.generation == self._generation:
                    # Timers set from a timer count from its due time, not from
                    # whenever poll() happened to run: timings stay exact.
                    self._timer_now = timer.due
                    try:
                        timer.action()
                    finally:
                        self._timer_now = None
                continue
            if self._held and self._state in (COMMAND, PROMPT) and not self._hung:
                held, self._held = bytes(self._held), bytearray()
                self._process(held)
                continue
            if self._idle():
                self._flush_urcs()
            return

    def _idle(self) -> bool:
        return self._state == COMMAND and not self._hung

    # --- output -----------------------------------------------------------------------

    def _take_output(self) -> bytes:
        out, self._out = bytes(self._out), bytearray()
        return out

    def _put(self, data: bytes) -> None:
        """Queue bytes for the host; a wedged or unpowered modem says nothing."""
        if not self._hung and self._state != OFF:
            self._out += data

    def _write(self, text: str) -> None:
        self._put(text.encode("latin-1", errors="replace"))

    def _eol(self) -> str:
        return chr(self._s.s_regs[3]) + chr(self._s.s_regs[4])

    def _block(self, lines: list[str]) -> str:
        """Info text / URC framing: V1 ``<CR><LF>a<CR><LF>b<CR><LF>``, V0 ``a<CR><LF>b<CR><LF>``."""
        eol = self._eol()
        body = eol.join(lines) + eol
        return eol + body if self._s.verbose else body

    def _emit_info(self, lines: list[str]) -> None:
        self._write(self._block(lines))

    def _final(self, text: str) -> None:
        """A final result code (OK, ERROR, +CMS ERROR: n ...), unless ATQ1."""
        if self._s.quiet:
            return
        if self._s.verbose:
            self._write(self._eol() + text + self._eol())
        else:
            code = numeric_result(text)
            self._write(code + (chr(self._s.s_regs[3]) if code.isdigit() else self._eol()))

    def _final_error(self, error: AtError) -> None:
        self._final(error_text(error, self._s.cmee))

    def _maybe_garbage(self) -> None:
        rate = self.config.garbage_rate
        if rate and self._rng.random() < rate:
            junk = bytes(self._rng.choice(_NOISE) for _ in range(self._rng.randint(1, 8)))
            if self._rng.random() < 0.5:
                junk += b"\r\n"
            self._put(junk)

    def _urc(self, lines: list[str]) -> None:
        """Queue an unsolicited result code; it goes out when the modem is idle."""
        self._urcs.append(lines)

    def _queue_sms_urc(self, lines: list[str]) -> None:
        """An SMS indication (+CMTI, +CMT, +CDS, +CDSI), subject to the CNMI <mode>."""
        mode = self._s.cnmi[0]
        if mode == 0:
            self._ta_buffer.append(lines)
        elif mode == 1 and not self._idle():
            return  # 27.005: mode 1 discards indications while the link is reserved
        else:
            self._urcs.append(lines)

    def _flush_urcs(self) -> None:
        while self._urcs:
            self._maybe_garbage()
            self._write(self._block(self._urcs.popleft()))

    def _te(self, text: str) -> str:
        return te_encode(text, self._s.cscs)

    def _te_in(self, text: str) -> str:
        return te_decode(text, self._s.cscs)

    # --- input ------------------------------------------------------------------------

    def _process(self, data: bytes) -> None:
        """Feed bytes to the command-line editor or the prompt reader."""
        index = 0
        while index < len(data):
            if self._state in (PROMPT_WAIT, SENDING) or self._hung:
                self._held += data[index:]
                return
            if self._state not in (COMMAND, PROMPT):
                return  # rebooted mid-chunk: the rest is lost
            byte = data[index]
            index += 1
            if self._state == PROMPT:
                self._prompt_byte(byte)
                continue
            if byte == 0x0A and self._after_cr:
                self._after_cr = False
                self._echo(byte)  # LF after CR: echoed, otherwise ignored
                continue
            self._after_cr = False
            if byte == self._s.s_regs[3]:
                self._echo(byte)
                if index < len(data) and data[index] == 0x0A:
                    self._echo(0x0A)
                    index += 1
                else:
                    self._after_cr = True
                line, self._line = self._line.decode("latin-1"), bytearray()
                self._execute_line(line)
            else:
                self._command_byte(byte)

    def _echo(self, byte: int) -> None:
        if self._s.echo:
            self._put(bytes([byte]))

    def _command_byte(self, byte: int) -> None:
        self._echo(byte)
        if byte == self._s.s_regs[5]:
            del self._line[-1:]
        elif byte == ord("/") and bytes(self._line).strip() in (b"A", b"a"):
            self._line = bytearray()
            if self._last_line:
                self._execute_line(self._last_line)
        elif len(self._line) <= MAX_LINE + 8:
            self._line.append(byte)
        else:
            self._line[-1:] = b"\x00"  # too long: keep a marker so the line fails

    def _prompt_byte(self, byte: int) -> None:
        if byte == CTRL_Z:
            handler, data = self._data_handler, bytes(self._data)
            self._data = bytearray()
            self._state = COMMAND
            try:
                handler(data)
            except AtError as error:
                self._final_error(error)
        elif byte == ESC:
            self._data = bytearray()
            self._state = COMMAND
            self._final("OK")
        elif byte == self._s.s_regs[5]:
            self._echo(byte)
            del self._data[-1:]
        elif byte in (0x0D, 0x0A) and not self._text_data:
            self._echo(byte)  # PDU mode: line ends around the hex are ignored
        else:
            self._echo(byte)
            if len(self._data) < _MAX_DATA:
                self._data.append(byte)
            if byte == 0x0D:
                self._write(self._eol() + "> ")  # 27.005: a new prompt after each CR of text

    # --- command execution ---------------------------------------------------------

    def _execute_line(self, line: str) -> None:
        body = find_body(line)
        if body is None:
            return  # no AT prefix: nothing to answer
        self._last_line = line
        self._after_final = []
        self._maybe_garbage()
        try:
            if len(body) > MAX_LINE or "\x00" in body:
                raise syntax_error()
            commands = parse_body(normalise(body))
            for command in commands:
                result = self._dispatch(command)
                if result is PROMPT_MARK:
                    return
                if result:
                    self._emit_info(result)
                if self._state == OFF:
                    return  # AT+CPOWD: nothing more is heard
        except AtError as error:
            self._final_error(error)
            return
        self._final("OK")
        actions, self._after_final = self._after_final, []
        for action in actions:
            action()

    def _dispatch(self, command: Command):
        name = command.name
        if name.startswith("S") and name[1:].isdigit():
            return self._cmd_s_register(command)
        method = HANDLERS.get(name)
        if method is None:
            raise syntax_error()
        for model, info in MODELS.items():
            if model != self.config.model and name in info.only:
                raise syntax_error()
        if name in SMS_COMMANDS and command.op != "test":
            self._require_sms()
        return getattr(self, method)(command)

    def _require_sms(self) -> None:
        """SIM locked -> +CMS ERROR: 311; SMS not initialised -> ERROR (SIM800) / 302."""
        if self._sim != "READY":
            raise cms(311 if self._sim == "SIM PIN" else 316)
        if not self._sms_ready:
            # Field reports: SIM800 answers a bare ERROR before "SMS Ready".
            raise syntax_error() if self.config.model == "sim800" else cms(302)

    def _begin_prompt(self, handler: Callable[[bytes], None], *, text_mode: bool) -> object:
        """Start the ``> `` data phase of AT+CMGS; ``handler`` gets the data at Ctrl-Z."""
        self._data_handler = handler
        self._text_data = text_mode
        self._data = bytearray()
        self._state = PROMPT_WAIT
        generation = self._generation
        self._after(self.config.prompt_delay, lambda: self._show_prompt(generation))
        return PROMPT_MARK

    def _show_prompt(self, generation: int) -> None:
        if self._state != PROMPT_WAIT or generation != self._generation:
            return
        if self.config.urc_before_prompt:
            self._flush_urcs()
        self._write(self._eol() + "> ")
        self._state = PROMPT

    # --- sending -------------------------------------------------------------------

    def _begin_send(self, record: dict) -> None:
        """The network side of a submit: latency, faults, then +CMGS or +CMS ERROR."""
        if not self._network_ok():
            raise cms(331)
        limit = self.config.reboot_after
        if limit is not None and self._sends_since_boot >= limit:
            self._abrupt_reboot()
            return
        mr = self._mr
        self._mr = (self._mr + 1) % 256  # 23.040: a new TP-MR for every submit attempt
        code = self._fault_code(record["number"])
        self._state = SENDING
        self._after(self.config.send_latency, lambda: self._finish_send(dict(record), mr, code))

    def _fault_code(self, number: str) -> int | None:
        key = number_key(number)
        for listed, code in self.config.cms_error_numbers.items():
            if number_key(listed) == key:
                return code
        if self.config.cms_error_rate and self._rng.random() < self.config.cms_error_rate:
            return self.config.cms_error_code
        return None

    def _finish_send(self, record: dict, mr: int, code: int | None) -> None:
        self._state = COMMAND
        self._maybe_garbage()
        if code is None and not self._network_ok():
            code = 332  # the network went away before it acknowledged the submit: network timeout
        if code is not None:
            self._final_error(cms(code))
            return
        now = self._network_now()
        record.update(
            message_ref=mr,
            time=now.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
            model=self.config.model,
            emulator=self.config.name,
        )
        self._sends_since_boot += 1
        self.sends_total += 1
        if self._on_sent is not None:
            self._on_sent(record)  # logged before the host can see +CMGS
        self._emit_info([f"+CMGS: {mr}"])
        self._final("OK")
        if record["report_requested"]:
            self._schedule_report(mr, record["number"], now)
        self._check_send_faults()

    def _schedule_report(self, mr: int, number: str, sc_time: datetime) -> None:
        delay = self.config.report_delay
        status = self.config.report_status
        for listed, value in self.config.report_status_numbers.items():
            if number_key(listed) == number_key(number):
                status = value
        discharge = sc_time + timedelta(seconds=delay)

        def deliver() -> None:
            self._deliver_status_report(mr, number, sc_time, discharge, status)

        self._after(delay, lambda: self._network_event(deliver), network=True)

    def _check_send_faults(self) -> None:
        sends = self._sends_since_boot
        if self.config.hang_after is not None and sends >= self.config.hang_after:
            self._hung = True
        loss = self.config.network_loss_after
        if loss is not None and sends >= loss and not self._loss_done:
            self._loss_done = True
            if self.config.network_loss_for is None:
                self._network_lost = True  # until the modem restarts
                self._registration_changed()
            else:
                self.drop_network(self.config.network_loss_for)


#: Bytes line noise is made of: none of them can form OK, ERROR, '>' or '+'.
_NOISE = bytes([0x00, 0x7F, 0xFE, 0xFF, 0xF0, 0xE0, 0xC0, 0x80, 0x9C, 0xA5, 0xB3, 0x8F])
