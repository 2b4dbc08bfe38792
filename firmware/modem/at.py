"""Sans-I/O AT command session (3GPP TS 27.007 / 27.005, ITU-T V.250).

The session turns bytes from a modem into events and commands into bytes to
write.  It does no I/O and reads no clock: the caller passes ``now`` in, feeds
what it read with :meth:`AtSession.feed`, writes what :meth:`AtSession.start`
and :meth:`AtSession.send_data` return, and calls
:meth:`AtSession.check_timeout` regularly.  That keeps every rule about the
wire in one place and lets tests replay recorded transcripts byte by byte.

Whether a line answers the pending command or is an unsolicited result code
(URC) is decided by the session's state and the pending command's expected
prefixes, not by a leading ``+``: ``+CSQ: 20,0`` answers ``AT+CSQ`` while
``+CMTI: "SM",3`` arriving in the middle of it is a URC.

States (one transition per event, see ``_TRANSITIONS``)::

    IDLE --start()--> WAIT_FINAL --final--> IDLE
    IDLE --start(prompt)--> WAIT_PROMPT --"> "--> WAIT_DATA --send_data()--> WAIT_FINAL
    WAIT_PROMPT --final (error)--> IDLE
    any waiting state --deadline passed--> IDLE (Timeout event; caller must resync)
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from firmware.errors import CmeError, CmsError, CommandError

CTRL_Z = b"\x1a"
ESC = b"\x1b"

#: Longest line kept; a modem babbling without a line end past this is garbage.
MAX_LINE = 4096

#: Final result codes of V.250 / 27.007 that end a command.
_FINAL_PLAIN = frozenset({"OK", "ERROR", "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE"})
#: Call results: final only for a call command (ATD, ATA, ATO); otherwise a
#: caller hanging up mid-command would end, say, an AT+CMGS.
_CALL_RESULTS = frozenset({"NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE"})
_CALL_COMMANDS = ("ATD", "ATA", "ATO")
_FINAL_PREFIXES = ("+CME ERROR:", "+CMS ERROR:")

#: Lines a modem may send at any time.  Prefix match; case-sensitive as sent.
URC_PREFIXES: tuple[str, ...] = (
    "RING", "RDY", "Call Ready", "SMS Ready", "SMS DONE", "PB DONE", "START",
    "+CPIN:", "+CFUN:", "+CMTI:", "+CDSI:", "+CDS:", "+CMT:", "+CBM:", "+CUSD:",
    "+CREG:", "+CGREG:", "+CEREG:", "+CLIP:", "+CRING:", "+CIEV:", "+CTZV:",
    "+CTZE:", "*PSUTTZ:", "DST:", "+QIND:", "+CPSI:", "+SIMCARD:",
    "UNDER-VOLTAGE", "OVER-VOLTAGE", "NORMAL POWER DOWN", "NORMAL POWER OFF",
    "POWER DOWN", "NO CARRIER", "BUSY",
)

#: URCs that mean the modem has just (re)started or powered down: a pending
#: command will never be answered.
RESET_URCS = frozenset({
    "RDY", "START", "NORMAL POWER DOWN", "NORMAL POWER OFF", "UNDER-VOLTAGE POWER DOWN",
    "OVER-VOLTAGE POWER DOWN", "POWER DOWN",
})

#: URCs whose next line belongs to them (PDU-mode +CMT and +CDS, text-mode +CMT).
_URC_WITH_BODY = ("+CMT:", "+CBM:")
#: URCs whose quoted string may contain line breaks (USSD menus).
_MULTILINE_URCS = ("+CUSD:",)
_CDS_PDU_HEADER = re.compile(r"^\+CDS:\s*\d+\s*$")

# Verbose +CME/+CMS texts (AT+CMEE=2) mapped back to their numeric codes so
# that error classification works whichever CMEE mode the modem is in.
_CME_TEXT = {
    "phone failure": 0, "operation not allowed": 3, "operation not supported": 4,
    "sim not inserted": 10, "sim pin required": 11, "sim puk required": 12,
    "sim failure": 13, "sim busy": 14, "sim wrong": 15, "incorrect password": 16,
    "memory full": 20, "invalid index": 21, "not found": 22, "memory failure": 23,
    "no network service": 30, "network timeout": 31,
    "network not allowed - emergency calls only": 32, "unknown": 100,
}
_CMS_TEXT = {
    "me failure": 300, "sms me reserved": 301, "operation not allowed": 302,
    "operation not supported": 303, "invalid pdu mode parameter": 304,
    "invalid text mode parameter": 305, "sim not inserted": 310,
    "sim pin required": 311, "sim failure": 313, "sim busy": 314, "sim wrong": 315,
    "memory failure": 320, "invalid memory index": 321, "memory full": 322,
    "smsc address unknown": 330, "no network service": 331, "network timeout": 332,
    "unknown error": 500,
}


class State(enum.Enum):
    """Where the session is in the life of one command."""

    IDLE = "idle"
    WAIT_FINAL = "wait_final"
    WAIT_PROMPT = "wait_prompt"
    WAIT_DATA = "wait_data"


@dataclass(frozen=True)
class Command:
    """One AT command line and how to recognise its answer.

    ``prefixes``: information lines that belong to this command (``"+CSQ:"``).
    ``bare``: also accept lines with no known prefix (``AT+CGSN`` prints the
    IMEI alone; ``AT+CMGR`` prints the PDU on its own line).
    ``prompt``: the command waits for ``> `` and then a body (``AT+CMGS``).
    ``timeout``: seconds to the final result (after the body for prompt
    commands); ``prompt_timeout``: seconds to the prompt.
    """

    text: str
    prefixes: tuple[str, ...] = ()
    bare: bool = False
    prompt: bool = False
    timeout: float = 5.0
    prompt_timeout: float = 10.0


@dataclass(frozen=True)
class Final:
    """The final result code that ended a command."""

    line: str

    @property
    def ok(self) -> bool:
        return self.line == "OK"

    def parsed(self) -> tuple[str, int | None, str]:
        """Return (kind, numeric code or None, text) for an error final."""
        for prefix, table in (("+CME ERROR:", _CME_TEXT), ("+CMS ERROR:", _CMS_TEXT)):
            if self.line.startswith(prefix):
                rest = self.line[len(prefix):].strip()
                if rest.isdigit():
                    return prefix[:-1], int(rest), ""
                return prefix[:-1], table.get(rest.lower()), rest
        return self.line, None, ""


@dataclass(frozen=True)
class Response:
    """A command's information lines and its final result."""

    command: str
    lines: tuple[str, ...]
    final: Final

    @property
    def ok(self) -> bool:
        return self.final.ok

    def error(self) -> CommandError:
        """The typed error for a failed command (CmsError, CmeError or CommandError)."""
        kind, code, text = self.final.parsed()
        if kind == "+CMS ERROR":
            return CmsError(self.command, code, text)
        if kind == "+CME ERROR":
            return CmeError(self.command, code, text)
        return CommandError(self.command, None, kind if kind != "ERROR" else "")

    def raise_for_error(self) -> Response:
        if not self.ok:
            raise self.error()
        return self

    def info(self, prefix: str) -> list[str]:
        """Payloads of the information lines starting with ``prefix``, prefix stripped."""
        return [ln[len(prefix):].strip() for ln in self.lines if ln.startswith(prefix)]


@dataclass(frozen=True)
class Prompt:
    """The ``> `` prompt: the modem waits for the body of the pending command."""


@dataclass(frozen=True)
class Urc:
    """An unsolicited result code; ``body`` is the line that follows +CMT/+CDS."""

    line: str
    body: str | None = None

    @property
    def name(self) -> str:
        """The code's name: ``+CMTI``, ``RING``, ``SMS Ready`` ..."""
        return self.line.split(":", 1)[0].strip() if self.line.startswith(("+", "*")) else self.line

    @property
    def value(self) -> str:
        return self.line.split(":", 1)[1].strip() if ":" in self.line else ""


@dataclass(frozen=True)
class Timeout:
    """The pending command got no final result (or prompt) before its deadline."""

    command: str
    waiting_for: str  # "final" or "prompt"


@dataclass(frozen=True)
class Reset:
    """The modem rebooted or powered down while ``command`` was pending (``line`` says how)."""

    command: str
    line: str


@dataclass(frozen=True)
class Stale:
    """A result code that arrived with no command pending (left over after a timeout).

    A stale ``+CMGS: <mr>`` is worth logging: a send that timed out went out after all.
    """

    line: str


@dataclass(frozen=True)
class Garbage:
    """Bytes that are not a line of text (noise on the UART, a modem rebooting)."""

    data: str


Event = Response | Prompt | Urc | Timeout | Reset | Stale | Garbage


@dataclass
class _Pending:
    command: Command
    deadline: float
    lines: list[str] = field(default_factory=list)
    body: str | None = None


def is_final(line: str) -> bool:
    """True for a V.250/27.007 final result code."""
    return line in _FINAL_PLAIN or line.startswith(_FINAL_PREFIXES)


def is_urc(line: str) -> bool:
    """True for a line that a modem sends unsolicited."""
    return line.startswith(URC_PREFIXES)


def _looks_like_garbage(line: str) -> bool:
    return "\ufffd" in line or any(ord(c) < 32 and c not in "\t\n" for c in line)


class AtSession:
    """The AT protocol state machine for one serial link (see module docstring)."""

    def __init__(self) -> None:
        self.state = State.IDLE
        self._pending: _Pending | None = None
        self._buffer = bytearray()
        self._urc_open: str | None = None  # a URC waiting for its body line
        self._continued: str | None = None  # a line with an open quoted string

    # -- commands -----------------------------------------------------------

    @property
    def pending(self) -> Command | None:
        return self._pending.command if self._pending else None

    def start(self, command: Command, now: float) -> bytes:
        """Begin ``command``; return the bytes to write."""
        if self._pending is not None:
            raise RuntimeError(f"AT session busy with {self._pending.command.text!r}")
        if self._continued is not None:  # a half URC can never complete now
            self._continued = None
        wait = command.prompt_timeout if command.prompt else command.timeout
        self._pending = _Pending(command, now + wait)
        self.state = State.WAIT_PROMPT if command.prompt else State.WAIT_FINAL
        return command.text.encode("ascii") + b"\r"

    def send_data(self, body: str, now: float) -> bytes:
        """After a :class:`Prompt`, return the body + Ctrl-Z to write and wait for the final."""
        if self.state is not State.WAIT_DATA or self._pending is None:
            raise RuntimeError("send_data() without a prompt")
        self._pending.body = body
        self._pending.deadline = now + self._pending.command.timeout
        self.state = State.WAIT_FINAL
        return body.encode("ascii") + CTRL_Z

    def abort(self) -> bytes:
        """Forget the pending command; return ESC when a body prompt was open.

        Called after a :class:`Timeout` (or when the caller gives up).  The
        caller must then resync (bare ``AT`` until a clean ``OK``) because the
        modem may still answer the abandoned command.
        """
        had_prompt = self.state in (State.WAIT_PROMPT, State.WAIT_DATA)
        self._pending = None
        self.state = State.IDLE
        return ESC if had_prompt else b""

    def check_timeout(self, now: float) -> list[Event]:
        """Return a :class:`Timeout` when the pending command's deadline has passed."""
        p = self._pending
        if p is None or now < p.deadline or self.state is State.WAIT_DATA:
            return []
        waiting_for = "prompt" if self.state is State.WAIT_PROMPT else "final"
        self.abort()
        # The caller writes ESC itself if it wants; we only report.
        return [Timeout(p.command.text, waiting_for)]

    def deadline(self) -> float | None:
        return self._pending.deadline if self._pending else None

    # -- input --------------------------------------------------------------

    def feed(self, data: bytes) -> list[Event]:
        """Consume bytes read from the modem; return the events they complete."""
        events: list[Event] = []
        self._buffer.extend(data)
        while True:
            cut = _line_end(self._buffer)
            if cut is None:
                break
            end, skip = cut
            raw = bytes(self._buffer[:end])
            del self._buffer[: end + skip]
            if raw.strip(b" \x00"):
                self._line(raw, events)
        self._check_prompt(events)
        if len(self._buffer) > MAX_LINE:
            events.append(Garbage(self._buffer[:64].decode("utf-8", "replace")))
            self._buffer.clear()
        return events

    def _check_prompt(self, events: list[Event]) -> None:
        # "> " has no line end; it is only a prompt when one is expected.
        if self.state is not State.WAIT_PROMPT:
            return
        head = bytes(self._buffer).lstrip(b"\r\n")
        if head.startswith(b">"):
            self._buffer.clear()
            self.state = State.WAIT_DATA
            events.append(Prompt())

    def _line(self, raw: bytes, events: list[Event]) -> None:
        # Ctrl-Z/ESC come back inside the echo of a body; they carry nothing.
        line = raw.decode("utf-8", "replace").replace("\x1a", "").replace("\x1b", "").strip(" \x00")
        if self._continued is not None:  # inside a quoted string spanning lines
            if is_final(line) or len(self._continued) > MAX_LINE:
                # The quote never closed: hand over what we have, go on.
                self._urc(self._continued, events)
            else:
                line = self._continued + "\n" + line
            self._continued = None
        if line.startswith(_MULTILINE_URCS) and line.count('"') % 2 == 1:
            self._continued = line
            return
        if self._urc_open is not None:
            header, self._urc_open = self._urc_open, None
            if not (is_final(line) or is_urc(line)):
                events.append(Urc(header, line))
                return
            events.append(Urc(header, None))  # the body never came

        if _looks_like_garbage(line):
            events.append(Garbage(line))
            return
        p = self._pending
        if p is None:
            self._idle_line(line, events)
        else:
            self._pending_line(p, line, events)

    def _idle_line(self, line: str, events: list[Event]) -> None:
        if is_final(line) or line.startswith("+CMGS:"):
            events.append(Stale(line))
        else:
            self._urc(line, events)

    def _pending_line(self, p: _Pending, line: str, events: list[Event]) -> None:
        cmd = p.command
        if _is_echo(line, cmd.text) or (p.body is not None and _is_echo(line, p.body)):
            return
        if is_final(line) and (line not in _CALL_RESULTS or cmd.text.upper().startswith(_CALL_COMMANDS)):
            events.append(Response(cmd.text, tuple(p.lines), Final(line)))
            self._pending = None
            self.state = State.IDLE
        elif cmd.prefixes and line.startswith(cmd.prefixes):
            p.lines.append(line)
        elif is_urc(line):
            self._urc(line, events)
            if line in RESET_URCS:
                events.append(Reset(cmd.text, line))
                self._pending = None
                self.state = State.IDLE
        elif cmd.bare or cmd.prefixes and p.lines and _is_pdu_line(line):
            # +CMGL/+CMGR put the PDU on the line after their header.
            p.lines.append(line)
        else:
            self._urc(line, events)

    def _urc(self, line: str, events: list[Event]) -> None:
        if line.startswith(_URC_WITH_BODY) or _CDS_PDU_HEADER.match(line):
            self._urc_open = line
        else:
            events.append(Urc(line))


def _line_end(buf: bytearray) -> tuple[int, int] | None:
    """Position of the first line terminator (CR, LF or CRLF) and its length."""
    for i, b in enumerate(buf):
        if b == 0x0D:
            if i + 1 < len(buf) and buf[i + 1] == 0x0A:
                return i, 2
            if i + 1 == len(buf):
                # A lone CR at the end may be the first half of CRLF; wait
                # unless the buffer holds a whole line already.
                return (i, 1) if i > 0 else None
            return i, 1
        if b == 0x0A:
            return i, 1
    return None


def _is_echo(line: str, sent: str) -> bool:
    """True when ``line`` is the modem echoing what we sent (ATE1)."""
    clean = line.replace("\x1a", "").replace("\x1b", "").strip()
    return bool(clean) and clean.upper() == sent.strip().upper()


_HEX = re.compile(r"^[0-9A-Fa-f]+$")


def _is_pdu_line(line: str) -> bool:
    return bool(_HEX.match(line))
