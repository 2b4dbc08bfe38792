"""Real-modem transcripts as data, and a strict replaying modem on a pseudo-terminal (tests only).

:func:`load` parses a ``tests/transcripts/**.txt`` file (format in
``tests/transcripts/README.md``) into a :class:`Transcript`: the bytes a modem
printed, grouped by the command that caused them, plus the events a correct
AT session must produce.  The expectations are derived here, from the file,
with rules written independently of ``firmware.modem.at``.

:class:`ReplayModem` serves a transcript on a real pty: when the host sends a
recorded command it answers with the recorded bytes (in recorded order, each
recording used once); anything else gets a plain ``ERROR`` and is logged in
:attr:`ReplayModem.unrecorded`.
"""

from __future__ import annotations

import os
import re
import select
import threading
import tty
from dataclasses import dataclass, field
from pathlib import Path

from firmware.modem.at import Prompt, Reset, Response, Final, Urc

TRANSCRIPTS = Path(__file__).parent / "transcripts"

# Written from V.250 §5.7.1 and 27.007 §9.2 / 27.005 §3.2.5, not imported from at.py.
_FINALS = re.compile(r"^(OK|ERROR|NO CARRIER|BUSY|NO ANSWER|NO DIALTONE|\+CM[ES] ERROR:.*)$")
_RESET_LINES = {"RDY", "NORMAL POWER DOWN", "UNDER-VOLTAGE POWER DOWN", "OVER-VOLTAGE POWER DOWN"}
_ESCAPES = re.compile(rb"\\(x[0-9A-Fa-f]{2}|r|n|t|\\)")


def _unescape(text: str) -> bytes:
    def sub(m: re.Match) -> bytes:
        code = m.group(1)
        return {b"r": b"\r", b"n": b"\n", b"t": b"\t", b"\\": b"\\"}.get(code) or bytes([int(code[1:], 16)])

    return _ESCAPES.sub(sub, text.encode("utf-8"))


@dataclass
class Item:
    """One piece of modem output: its bytes and what the file says it is."""

    kind: str  # line | cont | urc | echo | prompt | raw
    data: bytes
    text: str = ""


@dataclass
class Block:
    """One host command and everything the modem printed until the next one."""

    command: str
    lineno: int
    body: str | None = None  # text sent after the prompt
    before: list[Item] = field(default_factory=list)  # output up to and including the prompt
    after: list[Item] = field(default_factory=list)  # output after the body (all output if no prompt)
    expect: str = "response"  # response | reset | incomplete

    @property
    def prompt(self) -> bool:
        return self.body is not None

    def reply(self) -> tuple[bytes, bytes]:
        """(bytes up to the prompt, bytes after the body); all in the second for plain commands."""
        first = b"".join(i.data for i in self.before)
        rest = b"".join(i.data for i in self.after)
        return (first, rest) if self.prompt else (b"", first + rest)


@dataclass
class Transcript:
    path: Path
    meta: dict[str, str]
    preamble: list[Item]
    blocks: list[Block]

    @property
    def name(self) -> str:
        return f"{self.path.parent.name}/{self.path.stem}"

    def expected_events(self) -> list[list]:
        """Expected events: one list for the preamble, then one per block (prompt split noted by Prompt())."""
        out = [_idle_events(self.preamble)]
        for block in self.blocks:
            out.append(_block_events(block))
        return out


def load(path: Path) -> Transcript:
    meta: dict[str, str] = {}
    preamble: list[Item] = []
    blocks: list[Block] = []
    for n, raw_line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw_line.rstrip("\n")
        if not line.strip():
            continue
        if line.startswith("#"):
            m = re.match(r"#\s*(\w+):\s*(.*)", line)
            if m:
                meta[m.group(1)] = m.group(2)
            continue
        current = blocks[-1] if blocks else None
        target = preamble if current is None else (current.after if current.body is not None else current.before)
        if line.startswith(">> "):
            if current is None or not any(i.kind == "prompt" for i in current.before):
                raise ValueError(f"{path}:{n}: body without a prompt")
            current.body = line[3:]
        elif line.startswith("> "):
            blocks.append(Block(line[2:], n))
        elif line.startswith("<+ "):
            target.append(Item("cont", line[3:].encode() + b"\r\n", line[3:]))
        elif line == "<echo":
            if current is None:
                raise ValueError(f"{path}:{n}: echo outside a command")
            target.append(Item("echo", current.command.encode() + b"\r", current.command))
        elif line == "<prompt":
            target.append(Item("prompt", b"\r\n> "))
        elif line.startswith("<urc "):
            target.append(Item("urc", b"\r\n" + line[5:].encode() + b"\r\n", line[5:]))
        elif line.startswith("<raw "):
            target.append(Item("raw", _unescape(line[5:])))
        elif line.startswith("< "):
            target.append(Item("line", b"\r\n" + line[2:].encode() + b"\r\n", line[2:]))
        elif line in ("! reset", "! incomplete"):
            if current is None:
                raise ValueError(f"{path}:{n}: {line} outside a command")
            current.expect = line[2:]
        else:
            raise ValueError(f"{path}:{n}: cannot parse {line!r}")
    for key in ("title", "source", "device", "framing", "numbers"):
        if key not in meta:
            raise ValueError(f"{path}: header lacks '# {key}:'")
    return Transcript(path, meta, preamble, blocks)


def all_transcripts() -> list[Transcript]:
    return [load(p) for p in sorted(TRANSCRIPTS.glob("*/*.txt"))]


# -- expectations (independent of firmware.modem.at) --------------------------


def _lines(items: list[Item]) -> list[tuple[str, str]]:
    """(kind, text) of every complete line; raw bytes are split on CR/LF, an unterminated tail is dropped."""
    out: list[tuple[str, str]] = []
    pending = b""
    for item in items:
        if item.kind == "raw":
            pending += item.data
            *complete, pending = re.split(rb"\r\n|\r|\n", pending)
            out += [("line", c.decode()) for c in complete if c.strip()]
            continue
        if pending:
            raise ValueError("raw bytes without a line end followed by a framed line")
        if item.kind == "prompt":
            out.append(("prompt", ""))
        else:
            out.append((item.kind, item.text))
    return out


def _idle_events(items: list[Item]) -> list:
    return [Urc(text) for kind, text in _lines(items) if kind not in ("echo", "prompt")]


def _block_events(block: Block) -> list:
    events: list = []
    info: list[str] = []
    open_ = True
    for kind, text in _lines(block.before + block.after):
        if not open_:
            events.append(Urc(text))
        elif kind == "echo" or text.strip().upper() == block.command.upper():
            continue
        elif kind == "prompt":
            events.append(Prompt())
        elif kind == "urc":
            events.append(Urc(text))
        elif _FINALS.match(text):
            events.append(Response(block.command, tuple(info), Final(text)))
            open_ = False
        elif block.expect == "reset" and text in _RESET_LINES:
            events += [Urc(text), Reset(block.command, text)]
            open_ = False
        else:
            info.append(text)
    if open_ and block.expect != "incomplete":
        raise ValueError(f"{block.command!r} (line {block.lineno}) never ends; mark it '! incomplete'")
    return events


# -- the replaying modem ---------------------------------------------------------


class ReplayModem:
    """A pseudo-terminal that answers strictly from one transcript (see module docstring)."""

    def __init__(self, transcript: Transcript):
        self.transcript = transcript
        self._replies: dict[str, list[Block]] = {}
        for block in transcript.blocks:
            self._replies.setdefault(block.command, []).append(block)
        self.received: list[str] = []  # every command line the host sent, in order
        self.unrecorded: list[str] = []  # those answered ERROR because the transcript lacks them
        self.bodies: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._master = self._slave = -1
        self.port = ""

    def start(self) -> ReplayModem:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._thread = threading.Thread(target=self._run, name=f"replay {self.transcript.name}", daemon=True)
        self._thread.start()
        return self

    def power_on(self) -> None:
        """Print what the recording shows before the first command (boot URCs)."""
        self._write(b"".join(i.data for i in self.transcript.preamble))

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        for fd in (self._master, self._slave):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._master = self._slave = -1

    def __enter__(self) -> ReplayModem:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._master, view)
            view = view[written:]

    def _run(self) -> None:
        buffer = b""
        body_for: Block | None = None
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self._master, 4096)
            except OSError:
                return
            buffer += data
            while True:
                if body_for is not None:
                    cut = min((i for i in (buffer.find(b"\x1a"), buffer.find(b"\x1b")) if i >= 0), default=-1)
                    if cut < 0:
                        break
                    body, terminator, buffer = buffer[:cut], buffer[cut:cut + 1], buffer[cut + 1:]
                    self.bodies.append(body.decode("ascii", "replace"))
                    if terminator == b"\x1a":
                        self._write(body_for.reply()[1])
                    body_for = None
                    continue
                if b"\r" not in buffer:
                    break
                line, buffer = buffer.split(b"\r", 1)
                command = line.replace(b"\x1b", b"").strip(b"\n ").decode("ascii", "replace")
                if command:
                    body_for = self._answer(command)

    def _answer(self, command: str) -> Block | None:
        self.received.append(command)
        queue = self._replies.get(command)
        if not queue:
            self.unrecorded.append(command)
            self._write(b"\r\nERROR\r\n")
            return None
        block = queue.pop(0)
        first, rest = block.reply()
        if block.prompt:
            self._write(first)
            return block
        self._write(rest)
        return None
