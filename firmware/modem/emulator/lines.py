"""V.250 command lines and result codes for the emulated modem.

Pure helpers used by :mod:`firmware.modem.emulator.modem`: split a command line
(``AT+CMGF=0;+CNMI=2,1,0,1,0``, ``ATE0V1``) into commands, parse the
parameters of an extended command, and format final result codes according
to ``ATV`` and ``AT+CMEE`` (ITU-T V.250 §5, 3GPP TS 27.007 §9, TS 27.005
§3.2.5).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Longest command line accepted (SIM800 manual: 556 characters after "AT").
MAX_LINE = 556

#: Characters V.250 §5.4.1 allows in an extended command name after "+".
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!%-./:_")

#: 27.005 §3.2.5 (+ SIMCom's 500) texts for AT+CMEE=2.
CMS_TEXT = {
    1: "Unassigned (unallocated) number",
    8: "Operator determined barring",
    10: "Call barred",
    21: "Short message transfer rejected",
    27: "Destination out of service",
    28: "Unidentified subscriber",
    29: "Facility rejected",
    30: "Unknown subscriber",
    38: "Network out of order",
    41: "Temporary failure",
    42: "Congestion",
    47: "Resources unavailable, unspecified",
    50: "Requested facility not subscribed",
    69: "Requested facility not implemented",
    81: "Invalid short message transfer reference value",
    95: "Invalid message, unspecified",
    96: "Invalid mandatory information",
    97: "Message type non-existent or not implemented",
    300: "ME failure",
    301: "SMS ME reserved",
    302: "operation not allowed",
    303: "operation not supported",
    304: "invalid PDU mode parameter",
    305: "invalid text mode parameter",
    310: "SIM not inserted",
    311: "SIM PIN required",
    312: "PH-SIM PIN required",
    313: "SIM failure",
    314: "SIM busy",
    315: "SIM wrong",
    316: "SIM PUK required",
    320: "memory failure",
    321: "invalid memory index",
    322: "memory full",
    330: "SMSC address unknown",
    331: "no network service",
    332: "network timeout",
    340: "no +CNMA acknowledgement expected",
    500: "unknown error",
}

#: 27.007 §9.2 texts for AT+CMEE=2.
CME_TEXT = {
    0: "phone failure",
    3: "operation not allowed",
    4: "operation not supported",
    10: "SIM not inserted",
    11: "SIM PIN required",
    12: "SIM PUK required",
    13: "SIM failure",
    14: "SIM busy",
    15: "SIM wrong",
    16: "incorrect password",
    20: "memory full",
    21: "invalid index",
    22: "not found",
    23: "memory failure",
    30: "no network service",
    31: "network timeout",
    50: "Incorrect parameters",
    100: "unknown",
}

#: V.250 numeric result codes (ATV0).
_NUMERIC = {"OK": "0", "CONNECT": "1", "RING": "2", "NO CARRIER": "3", "ERROR": "4"}


class AtError(Exception):
    """A command failed: ``kind`` is ``"ERROR"``, ``"CME"`` or ``"CMS"``.

    27.007 §9.1: plain ERROR is for syntax errors, invalid parameters and
    unknown commands; +CME/+CMS ERROR (when AT+CMEE>0) for failures of the
    equipment, SIM, network or SMS service.
    """

    def __init__(self, kind: str = "ERROR", code: int | None = None):
        self.kind = kind
        self.code = code
        super().__init__(f"{kind} {code}" if code is not None else kind)


def syntax_error() -> AtError:
    """Plain ERROR: unknown command, bad syntax or a parameter out of range."""
    return AtError("ERROR")


def cme(code: int) -> AtError:
    """``+CME ERROR: <code>`` (27.007 §9.2)."""
    return AtError("CME", code)


def cms(code: int) -> AtError:
    """``+CMS ERROR: <code>`` (27.005 §3.2.5)."""
    return AtError("CMS", code)


def error_text(error: AtError, cmee: int) -> str:
    """The final result code text for ``error`` under ``AT+CMEE=<cmee>``."""
    if error.kind == "ERROR" or error.code is None or cmee == 0:
        return "ERROR"
    prefix = "+CME ERROR: " if error.kind == "CME" else "+CMS ERROR: "
    if cmee == 2:
        table = CME_TEXT if error.kind == "CME" else CMS_TEXT
        return prefix + table.get(error.code, str(error.code))
    return prefix + str(error.code)


def numeric_result(text: str) -> str:
    """The ATV0 form of a result code; +CME/+CMS ERROR keep their text."""
    return _NUMERIC.get(text, text)


@dataclass(frozen=True)
class Command:
    """One command of a command line.

    ``name`` is ``"+CMGF"`` for extended commands, ``"E"``, ``"&W"``, ``"S3"``
    for basic ones; ``op`` is ``"exec"``, ``"read"`` (``?``), ``"test"``
    (``=?``) or ``"set"`` (``=...``); ``args`` is the text after ``=`` (case
    kept inside quotes) or the digits after a basic command.
    """

    name: str
    op: str = "exec"
    args: str = ""


def find_body(line: str) -> str | None:
    """The command line after its ``AT``/``at`` prefix, or None without one.

    Characters before the prefix are ignored (line noise, a stray byte).
    """
    for index in range(len(line) - 1):
        if line[index : index + 2] in ("AT", "at"):
            return line[index + 2 :]
    return None


def normalise(body: str) -> str:
    """Drop spaces and upper-case everything outside double-quoted strings.

    Raises:
        AtError: a string is not closed.
    """
    out: list[str] = []
    quoted = False
    for ch in body:
        if ch == '"':
            quoted = not quoted
            out.append(ch)
        elif quoted:
            out.append(ch)
        elif ch not in " \t":
            out.append(ch.upper())
    if quoted:
        raise syntax_error()
    return "".join(out)


def parse_body(body: str) -> list[Command]:
    """Split a normalised command line body into commands (V.250 §5.2-5.4).

    Basic commands follow each other directly (``E0V1``); an extended
    command ends at ``;`` or at the end of the line.

    Raises:
        AtError: the line does not follow the syntax.
    """
    commands: list[Command] = []
    pos = 0
    while pos < len(body):
        ch = body[pos]
        if ch == ";":
            pos += 1
        elif ch == "+":
            command, pos = _parse_extended(body, pos)
            commands.append(command)
        elif ch == "&":
            if pos + 1 >= len(body) or not body[pos + 1].isalpha():
                raise syntax_error()
            end = _digits_end(body, pos + 2)
            commands.append(Command("&" + body[pos + 1], "exec", body[pos + 2 : end]))
            pos = end
        elif ch == "S":
            command, pos = _parse_s_register(body, pos)
            commands.append(command)
        elif ch == "D":
            commands.append(Command("D", "exec", body[pos + 1 :]))
            pos = len(body)
        elif ch.isalpha():
            end = _digits_end(body, pos + 1)
            commands.append(Command(ch, "exec", body[pos + 1 : end]))
            pos = end
        else:
            raise syntax_error()
    return commands


def _digits_end(body: str, pos: int) -> int:
    while pos < len(body) and body[pos].isdigit():
        pos += 1
    return pos


def _parse_extended(body: str, pos: int) -> tuple[Command, int]:
    end = pos + 1
    while end < len(body) and body[end] in _NAME_CHARS:
        end += 1
    name = body[pos:end]
    if len(name) < 2:
        raise syntax_error()
    rest = body[end:]
    if rest.startswith("=?"):
        op, pos = "test", end + 2
        args = ""
    elif rest.startswith("?"):
        op, pos = "read", end + 1
        args = ""
    elif rest.startswith("="):
        stop = _args_end(body, end + 1)
        op, args, pos = "set", body[end + 1 : stop], stop
    else:
        op, args, pos = "exec", "", end
    if pos < len(body) and body[pos] != ";":
        raise syntax_error()
    return Command(name, op, args), pos


def _args_end(body: str, pos: int) -> int:
    """Index of the ``;`` that ends an argument list (or the end of line)."""
    quoted = False
    while pos < len(body):
        ch = body[pos]
        if ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            break
        pos += 1
    return pos


def _parse_s_register(body: str, pos: int) -> tuple[Command, int]:
    end = _digits_end(body, pos + 1)
    if end == pos + 1:
        raise syntax_error()
    name = body[pos:end]
    if body[end : end + 1] == "?":
        return Command(name, "read"), end + 1
    if body[end : end + 1] == "=":
        stop = _digits_end(body, end + 1)
        return Command(name, "set", body[end + 1 : stop]), stop
    raise syntax_error()


_REQUIRED = object()


class Params:
    """The parameters of an extended set command: ``1,"SM",,2``.

    Each item is ``(text, quoted)``; an omitted item is ``("", False)``.
    Getters raise plain ERROR for anything out of shape, as 27.007 §9.1
    prescribes for invalid parameters.
    """

    def __init__(self, raw: str):
        self.items = _split_params(raw)

    def __len__(self) -> int:
        return len(self.items)

    def at_most(self, count: int) -> Params:
        """Raise ERROR when more than ``count`` parameters were given."""
        if len(self.items) > count:
            raise syntax_error()
        return self

    def given(self, index: int) -> bool:
        """True when parameter ``index`` is present and not empty."""
        return index < len(self.items) and self.items[index] != ("", False)

    def int(self, index: int, default: object = _REQUIRED, *, valid: object = None) -> int:
        """Parameter ``index`` as a decimal integer, checked against ``valid``."""
        if not self.given(index):
            if default is _REQUIRED:
                raise syntax_error()
            return default  # type: ignore[return-value]
        text, quoted = self.items[index]
        if quoted or not text.isdigit():
            raise syntax_error()
        value = int(text)
        if valid is not None and value not in valid:  # type: ignore[operator]
            raise syntax_error()
        return value

    def str(self, index: int, default: object = _REQUIRED) -> str:
        """Parameter ``index`` as a string; V.250 strings must be quoted."""
        if not self.given(index):
            if default is _REQUIRED:
                raise syntax_error()
            return default  # type: ignore[return-value]
        text, quoted = self.items[index]
        if not quoted:
            raise syntax_error()
        return text


def _split_params(raw: str) -> list[tuple[str, bool]]:
    if raw == "":
        return []
    items: list[tuple[str, bool]] = []
    pos = 0
    while True:
        if raw[pos : pos + 1] == '"':
            close = raw.find('"', pos + 1)
            if close < 0:
                raise syntax_error()
            items.append((raw[pos + 1 : close], True))
            pos = close + 1
            if pos < len(raw) and raw[pos] != ",":
                raise syntax_error()
        else:
            comma = raw.find(",", pos)
            end = len(raw) if comma < 0 else comma
            token = raw[pos:end]
            if '"' in token:
                raise syntax_error()
            items.append((token, False))
            pos = end
        if pos >= len(raw):
            return items
        pos += 1  # the comma
        if pos == len(raw):
            items.append(("", False))
            return items
