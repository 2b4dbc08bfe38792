"""The one owner of a modem's serial port.

:class:`AtChannel` opens the port exclusively (pyserial), runs one reader
thread that feeds an :class:`~firmware.modem.at.AtSession`, and lets one
caller at a time run a command and wait for its answer.  Unsolicited result
codes go to a queue the driver drains.  This is the only module in Siaran
that imports pyserial.

The port is opened with :func:`serial.serial_for_url`, so ``spy:///dev/serial0``
gives a hex trace of a field unit and ``socket://host:port`` reaches a modem
emulator listening on TCP.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import queue
import select
import termios
import threading
import time
from collections.abc import Callable

import serial

from firmware.errors import ModemRebooted, ModemTimeout, ModemUnavailable
from firmware.modem import at
from firmware.people.privacy import mask_numbers_in

log = logging.getLogger(__name__)

#: How long the reader blocks in one read; bounds timeout-detection latency.
_READ_TICK = 0.05
#: With no command waiting for its answer the reader sleeps until a byte comes, a write or close
#: kicks it (then it ticks again), or this many seconds pass: an idle modem costs no CPU.
_IDLE_TICK = 5.0
#: Seconds between looks at whether the reader is gone while a caller waits for a reply.
_LOST_POLL = 0.25
#: Interrupted system calls retried in a row before the error counts as real (a signal storm, not a port).
_EINTR_RETRIES = 1000


class AtChannel:
    """Serial port + reader thread + AT session; see the module docstring.

    Args:
        port: device path or pyserial URL.
        baud: line speed (SIMCom default 115200; autobauding modems accept it).
        command_gap: seconds to leave between a final result and the next
            command (u-blox/SIMCom advise ~20 ms against URC collisions).
        clock: monotonic clock, injectable for tests.
        trace: called with ``("<", bytes)``/``(">", bytes)`` for every read and
            write; numbers in it are the caller's to mask.
    """

    def __init__(
        self,
        port: str,
        baud: int = 115200,
        *,
        command_gap: float = 0.02,
        clock: Callable[[], float] = time.monotonic,
        trace: Callable[[str, bytes], None] | None = None,
    ) -> None:
        self.port_name = port
        self.baud = baud
        self.command_gap = command_gap
        self._clock = clock
        self._trace = trace
        self._session = at.AtSession()
        self._lock = threading.Lock()  # guards _session and writes
        self._command_lock = threading.Lock()  # one command at a time
        self._replies: queue.Queue[at.Event] = queue.Queue()
        self.urcs: queue.Queue[at.Urc] = queue.Queue()
        self._stop = threading.Event()
        self._serial: serial.SerialBase | None = None
        self._reader: threading.Thread | None = None
        self._lost: BaseException | None = None
        self._last_final = 0.0
        self.last_activity = 0.0  # clock() of the last byte read; a liveness hint
        self.stale_lines: list[str] = []  # recent stale results, for diagnostics
        self.cancel: threading.Event | None = None  # set by the owner: stop resyncing, give up
        self.on_urc: Callable[[], None] | None = None  # called after each URC is queued (wakes an idle owner)
        self._kick: tuple[int, int] | None = None  # a pipe (read, write) that ends the reader's idle sleep

    # -- life cycle ---------------------------------------------------------

    def open(self) -> AtChannel:
        """Open the port exclusively and start the reader thread."""
        try:
            ser = serial.serial_for_url(self.port_name, do_not_open=True)
            ser.baudrate = self.baud
            ser.timeout = _READ_TICK
            ser.write_timeout = 5
            if hasattr(ser, "exclusive"):
                try:
                    ser.exclusive = True
                except (ValueError, AttributeError):  # URL handlers without locking
                    pass
            _retry_eintr(ser.open)  # pyserial closes a half-opened port before raising
        except (serial.SerialException, OSError, termios.error, ValueError) as exc:
            raise ModemUnavailable(f"cannot open {self.port_name}: {exc}") from exc
        self._serial = ser
        self._stop.clear()
        self._drain_replies()
        if self._kick is None:
            self._kick = os.pipe()
            for fd in self._kick:
                os.set_blocking(fd, False)
        self._reader = threading.Thread(target=self._read_loop, name=f"at-reader {self.port_name}", daemon=True)
        self._reader.start()
        return self

    def close(self) -> None:
        """Stop the reader and close the port; safe to call twice, and from another thread.

        A caller blocked waiting for a reply is woken and gets ModemUnavailable.
        """
        self._stop.set()
        self._replies.put(at.Timeout("(channel closed)", "final"))
        self._kick_reader()
        reader, self._reader = self._reader, None
        if reader is not None and reader is not threading.current_thread():
            reader.join(timeout=2)
        if self._serial is not None:
            try:
                self._serial.close()
            except (serial.SerialException, OSError):
                pass
            self._serial = None
        if self._kick is not None and not (reader is not None and reader.is_alive()):
            for fd in self._kick:
                os.close(fd)
            self._kick = None

    def __enter__(self) -> AtChannel:
        return self.open() if self._serial is None else self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def is_open(self) -> bool:
        return self._serial is not None and self._lost is None

    # -- commands -----------------------------------------------------------

    def command(self, cmd: at.Command) -> at.Response:
        """Run ``cmd`` and return its response (which may be an error final).

        Raises ModemTimeout when no final result arrives in time (the channel
        resyncs before raising) and ModemUnavailable when the port is gone.
        """
        with self._command_lock:
            self._begin(cmd)
            return self._await_final(cmd)

    def command_with_body(
        self,
        cmd: at.Command,
        body: str,
        on_written: Callable[[], None] | None = None,
        after_body: Callable[[], None] | None = None,
    ) -> at.Response:
        """Run a prompt command (``AT+CMGS=<n>``): wait for ``> ``, send ``body`` + Ctrl-Z.

        A final result instead of the prompt (``+CMS ERROR``) is returned as
        the response; no prompt in time aborts with ESC, resyncs and raises.
        ``on_written`` runs right after the command line is written, while the
        modem prepares its prompt (the sender commits its bookkeeping there,
        off the modem's critical path); if it raises, the command is abandoned
        with ESC before the body is sent.
        """
        with self._command_lock:
            self._begin(cmd)
            if on_written is not None:
                try:
                    on_written()
                except BaseException:
                    self._abandon(cmd)
                    raise
            event = self._next_reply(cmd)
            if isinstance(event, at.Response):
                return event
            if not isinstance(event, at.Prompt):
                self._recover(cmd, event)
            with self._lock:
                data = self._session.send_data(body, self._clock())
                self._write(data)
            failure: BaseException | None = None
            if after_body is not None:
                try:
                    after_body()
                except BaseException as exc:  # noqa: BLE001 — re-raised below, after the answer
                    failure = exc
            response = self._await_final(cmd)
            if failure is not None:
                raise failure
            return response

    def _abandon(self, cmd: at.Command) -> None:
        """Cancel a prompt command before its body: ESC, then resync."""
        with self._lock:
            self._session.abort()
            self._write(at.ESC)
        try:
            self.resync()
        except ModemTimeout:
            log.warning("%s: no resync after abandoning %s", self.port_name, _safe(cmd.text))

    def _begin(self, cmd: at.Command) -> None:
        self._check_alive()
        gap = self._last_final + self.command_gap - self._clock()
        if gap > 0:
            time.sleep(gap)
        self._drain_replies()
        with self._lock:
            data = self._session.start(cmd, self._clock())
            self._write(data)

    def _await_final(self, cmd: at.Command) -> at.Response:
        event = self._next_reply(cmd)
        if isinstance(event, at.Response):
            self._last_final = self._clock()
            return event
        self._recover(cmd, event)
        raise AssertionError("unreachable")  # _recover always raises

    def _next_reply(self, cmd: at.Command) -> at.Event:
        """Wait for the reader to hand over the reply, a prompt or a timeout."""
        deadline = time.monotonic() + max(cmd.timeout, cmd.prompt_timeout) + 5.0  # guard if the reader hangs
        while True:
            try:
                return self._replies.get(timeout=min(_LOST_POLL, max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                # The reader's "lost" notice can be drained as stale by _begin when it dies between
                # commands: look at the flag too, or this waits out the whole guard for nothing.
                self._check_alive()
                if time.monotonic() >= deadline:
                    break
        with self._lock:
            self._session.abort()
        raise ModemTimeout(cmd.text, cmd.timeout)

    def _recover(self, cmd: at.Command, event: at.Event) -> None:
        """After a timeout: ESC any open prompt, resync, then raise.

        After a reset URC there is nothing to resync with yet (the modem is
        booting): raise ModemRebooted at once so the caller re-initialises.
        """
        self._check_alive()
        if isinstance(event, at.Reset):
            log.info("%s: modem restarted (%s) during %s", self.port_name, event.line, _safe(cmd.text))
            raise ModemRebooted(cmd.text, event.line)
        waiting = event.waiting_for if isinstance(event, at.Timeout) else "final"
        timeout = cmd.prompt_timeout if waiting == "prompt" else cmd.timeout
        with self._lock:
            esc = self._session.abort()
            # ESC cancels a body the modem may still be collecting (27.005 §3.5.1).
            self._write(at.ESC if cmd.prompt else esc)
        log.warning("%s: no %s for %s within %gs; resyncing", self.port_name, waiting, _safe(cmd.text), timeout)
        try:
            self.resync()
        except ModemTimeout:
            pass
        raise ModemTimeout(cmd.text, timeout)

    def resync(self, attempts: int = 5, quiet: float = 0.2) -> None:
        """Send bare ``AT`` until one ``OK`` is followed by ``quiet`` seconds of silence.

        A late answer to an abandoned command (``OK``, ``+CMGS: 12``) may be
        taken for the answer to our ``AT``; the quiet period drains it so the
        next command cannot be paired with a stale result.
        """
        for _ in range(attempts):
            if self.cancel is not None and self.cancel.is_set():
                raise ModemUnavailable(f"{self.port_name}: cancelled")
            with self._lock:
                if self._session.pending is not None:
                    self._session.abort()
                self._write(self._session.start(at.Command("AT", timeout=1.0), self._clock()))
            event = self._next_reply(at.Command("AT", timeout=1.0))
            if isinstance(event, at.Response):
                if self._wait_quiet(quiet):
                    self._last_final = self._clock()
                    return
            else:
                with self._lock:
                    self._session.abort()
        raise ModemTimeout("AT", 1.0)

    def _wait_quiet(self, quiet: float) -> bool:
        """True when nothing but URCs arrives for ``quiet`` seconds."""
        deadline = self._clock() + quiet
        while True:
            remaining = deadline - self._clock()
            if remaining <= 0:
                return True
            try:
                event = self._replies.get(timeout=remaining)
            except queue.Empty:
                return True
            log.debug("%s: drained %r during resync", self.port_name, event)
            return False

    def _drain_replies(self) -> None:
        while True:
            try:
                event = self._replies.get_nowait()
            except queue.Empty:
                return
            log.debug("%s: dropped stale reply %r", self.port_name, event)

    def write_raw(self, data: bytes) -> None:
        """Write bytes outside the command protocol (ESC, a wake-up CR)."""
        with self._lock:
            self._write(data)

    # -- reader thread ------------------------------------------------------

    def _read_loop(self) -> None:
        """The reader thread: never ends silently. Whatever stops it marks the channel lost, so the
        waiting caller gets ModemUnavailable at once and the owner opens the port afresh."""
        try:
            self._read_until_stopped()
        except Exception as exc:  # noqa: BLE001 — a bug here must not leave a channel no one reads
            if self._stop.is_set():
                return
            self._lost = exc
            log.exception("%s: the reader failed; the port will be opened again", self.port_name)
            self._replies.put(at.Timeout("(reader failed)", "final"))

    def _read_until_stopped(self) -> None:
        ser = self._serial
        assert ser is not None
        try:
            port_fd = ser.fileno()
        except (AttributeError, io.UnsupportedOperation, serial.SerialException):  # a URL handler: tick always
            port_fd = None
        while not self._stop.is_set():
            if port_fd is not None and self._kick is not None and self._session.pending is None \
                    and not self._sleep_until_input(port_fd):
                continue
            try:
                data = ser.read(_retry_eintr(lambda: ser.in_waiting) or 1)
            except (serial.SerialException, OSError, termios.error, TypeError, AttributeError) as exc:
                if self._stop.is_set():
                    return
                self._lost = exc
                log.error("%s: serial port lost: %s", self.port_name, exc)
                self._replies.put(at.Timeout("(port lost)", "final"))
                return
            now = self._clock()
            with self._lock:
                events = self._session.feed(data) if data else []
                events += self._session.check_timeout(now)
            if data:
                self.last_activity = now
                if self._trace:
                    self._trace("<", data)
            for event in events:
                self._dispatch(event)

    def _sleep_until_input(self, port_fd: int) -> bool:
        """Idle (no command waiting): block until the port has a byte (True: read it), a write or close
        kicks, or :data:`_IDLE_TICK` passes (False: look again)."""
        kick_fd = self._kick[0]
        try:
            ready, _, _ = select.select([port_fd, kick_fd], [], [], _IDLE_TICK)
        except (OSError, ValueError):  # the port closed under us: the read says so
            return True
        if kick_fd in ready:
            try:
                while os.read(kick_fd, 512):
                    pass
            except BlockingIOError:
                pass
        return port_fd in ready

    def _kick_reader(self) -> None:
        """End the reader's idle sleep (a command is on its way, or the channel closes)."""
        if self._kick is not None:
            try:
                os.write(self._kick[1], b"k")
            except (BlockingIOError, OSError):  # full: a kick is pending already; closed: nothing to wake
                pass

    def _dispatch(self, event: at.Event) -> None:
        if isinstance(event, at.Urc):
            self.urcs.put(event)
            if self.on_urc is not None:
                self.on_urc()
        elif isinstance(event, (at.Response, at.Prompt, at.Timeout, at.Reset)):
            self._replies.put(event)
        elif isinstance(event, at.Stale):
            self.stale_lines = (self.stale_lines + [event.line])[-20:]
            log.info("%s: stale result %r", self.port_name, _safe(event.line))
        elif isinstance(event, at.Garbage):
            log.warning("%s: garbage on the line: %r", self.port_name, _safe(event.data[:40]))

    def _write(self, data: bytes) -> None:
        if not data:
            return
        ser = self._serial
        if ser is None:
            raise ModemUnavailable(f"{self.port_name} is closed")
        self._kick_reader()  # an idle reader ticks again: the answer to this may never come
        try:
            ser.write(data)  # pyserial resumes an interrupted write itself (never re-sending a byte)
            _retry_eintr(ser.flush)  # tcdrain(3): a signal during the wait raises termios.error EINTR
        except (serial.SerialException, OSError, termios.error) as exc:
            self._lost = exc
            raise ModemUnavailable(f"write to {self.port_name} failed: {exc}") from exc
        if self._trace:
            self._trace(">", data)

    def _check_alive(self) -> None:
        if self._stop.is_set():
            raise ModemUnavailable(f"{self.port_name} was closed")
        if self._serial is None:
            raise ModemUnavailable(f"{self.port_name} is not open")
        if self._lost is not None:
            raise ModemUnavailable(f"{self.port_name} was lost: {self._lost}")


def _retry_eintr(call: Callable[[], object]):
    """``call()``, again when a signal interrupted its system call (EINTR), and its result.

    Python retries most interrupted calls itself (PEP 475), but not ``termios.tcdrain`` (pyserial's
    ``flush``), which raises ``termios.error`` - not an OSError - nor pyserial's own paths that wrap
    the errno in a SerialException.  An interrupted call is not a lost port: retry it.
    """
    for _ in range(_EINTR_RETRIES):
        try:
            return call()
        except (termios.error, OSError, serial.SerialException) as exc:
            if not _interrupted(exc):
                raise
    return call()


def _interrupted(exc: BaseException) -> bool:
    """Did ``exc`` come from a system call a signal interrupted?"""
    if isinstance(exc, InterruptedError) or getattr(exc, "errno", None) == errno.EINTR:
        return True
    code = exc.args[0] if exc.args else None
    return code == errno.EINTR or (isinstance(code, str) and "Interrupted system call" in code)


def _safe(text: str) -> str:
    """A command line fit for the log: phone numbers masked."""
    return mask_numbers_in(text)
