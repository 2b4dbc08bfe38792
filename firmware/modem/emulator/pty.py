"""Run an :class:`~firmware.modem.emulator.modem.EmulatedModem` on a pseudo-terminal.

:class:`PtyEmulator` opens a pty pair, puts it in raw mode and gives the
slave's path (``/dev/pts/N``, optionally behind a symlink) to whoever wants a
"serial port": the driver, pyserial, ``picocom``.  One thread per emulator
moves bytes between the pty master and the modem and wakes up when the
modem's next timer is due.

Like a real UART, what the modem says while no one has the port open is lost:
when the host closes the port the master reads EIO, the runner notes that no
host is listening, drops output and probes until the port is opened again.

With ``log_path``, every SMS part the modem accepts is appended to that file
as one JSON line, written *before* the host is sent ``+CMGS``: the log is the
ground truth of what went out, for tests and benchmarks.  Several emulators
(and restarts) may share one log file: each line is one ``O_APPEND`` write.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import random
import select
import threading
import time
import tty
from collections.abc import Callable
from datetime import datetime, timezone

from firmware.modem.emulator.modem import EmulatedModem, EmulatorConfig

log = logging.getLogger(__name__)

#: Longest wait in the I/O loop, so stop() and a reopened port are noticed quickly.
_MAX_WAIT = 0.2
#: How often to probe for a host while the port is closed.
_PROBE_INTERVAL = 0.02
#: Output kept for a host that does not read; beyond it the oldest is dropped.
_MAX_PENDING = 1 << 16


class PtyEmulator:
    """An emulated modem on a pseudo-terminal, run by a background thread.

    Args:
        config: the modem (model, latency, faults); default a SIM800.
        link: also make this path a symlink to the pty (e.g. ``/tmp/modem0``).
        log_path: append one JSON line per accepted SMS part here.
        seed: seed for the fault knobs' randomness.
        power_on: switch the modem on at :meth:`start` (boot URCs follow).

    Use as a context manager, or call :meth:`start` and :meth:`stop`.  Log
    lines (and :attr:`sent`) carry the modem's record plus ``port`` and
    ``emulator``, with ``time`` the wall-clock UTC time the part was accepted.
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        link: str | None = None,
        log_path: str | None = None,
        seed: int | None = None,
        power_on: bool = True,
    ):
        self.config = config or EmulatorConfig()
        self.link = link
        self.log_path = log_path
        self._power_on_at_start = power_on
        self._lock = threading.RLock()
        self._sent_changed = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._master = -1
        self._wake_r = self._wake_w = -1
        self._log_fd = -1
        self._port = ""
        self._host_present = False
        self._pending = bytearray()
        #: Every accepted SMS part, as logged (a list of dicts).
        self.sent: list[dict] = []
        #: Exceptions the I/O thread caught (an emulator bug must not look like a hung modem).
        self.errors: list[BaseException] = []
        self.modem = EmulatedModem(self.config, rng=random.Random(seed), on_sent=self._record_sent)

    # --- lifecycle ----------------------------------------------------------------

    @property
    def port(self) -> str:
        """The pty slave path a host opens, e.g. ``/dev/pts/7``."""
        return self._port

    @property
    def name(self) -> str:
        """What the log calls this emulator: the config name, else the link, else the port."""
        return self.config.name or self.link or self._port

    def start(self) -> PtyEmulator:
        """Open the pty, switch the modem on and start the I/O thread."""
        if self._thread is not None:
            return self
        master, slave = os.openpty()
        tty.setraw(slave)
        self._port = os.ttyname(slave)
        os.close(slave)  # only the host holds the slave: its close is then visible as EIO
        os.set_blocking(master, False)
        self._master = master
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        if self.log_path:
            self._log_fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if self.link:
            _replace_symlink(self._port, self.link)
        if self._power_on_at_start:
            with self._lock:
                self.modem.power_on()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=f"emulator {self._port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread and close the pty, the log and the symlink (idempotent)."""
        if self._thread is None:
            return
        self._stopping.set()
        self._wake()
        self._thread.join(timeout=5)
        self._thread = None
        for fd in (self._master, self._wake_r, self._wake_w, self._log_fd):
            if fd >= 0:
                os.close(fd)
        self._master = self._wake_r = self._wake_w = self._log_fd = -1
        if self.link and os.path.islink(self.link) and os.readlink(self.link) == self._port:
            os.unlink(self.link)

    def __enter__(self) -> PtyEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- controls (thread-safe) ---------------------------------------------------------

    def inject_incoming(self, number: str, text: str, *, toa: int | None = None) -> None:
        """An SMS from ``number`` arrives for the SIM (``+CMTI``/``+CMT`` follow); ``toa`` as the network wrote it."""
        self._with_modem(lambda modem: modem.inject_incoming(number, text, toa=toa))

    def inject_stored(self, number: str, text: str) -> None:
        """An SMS already on the SIM with no ``+CMTI`` (see :meth:`EmulatedModem.inject_stored`)."""
        self._with_modem(lambda modem: modem.inject_stored(number, text))

    def reboot(self) -> None:
        """Restart the modem as a RESET pulse would (boot URCs follow)."""
        self._with_modem(lambda modem: modem.power_on())

    def power_off(self) -> None:
        """Cut the modem's power: silence until :meth:`power_on`."""
        self._with_modem(lambda modem: modem.power_off())

    def power_on(self) -> None:
        """Switch the modem on (or restart it)."""
        self._with_modem(lambda modem: modem.power_on())

    def drop_network(self, seconds: float, *, after: float = 0.0) -> None:
        """Take the network away for ``seconds``, ``after`` seconds from now (see :meth:`EmulatedModem.drop_network`)."""
        self._with_modem(lambda modem: modem.drop_network(seconds, after=after))

    def _with_modem(self, action: Callable[[EmulatedModem], None]) -> None:
        with self._lock:
            action(self.modem)
        self._wake()

    @property
    def host_connected(self) -> bool:
        """True while a host has the port open (as far as the I/O thread has seen)."""
        return self._host_present

    @property
    def idle(self) -> bool:
        """True when the modem has nothing due and no output waits to be written."""
        with self._lock:
            deadline = self.modem.next_deadline()
            return not self._pending and (deadline is None or deadline > time.monotonic())

    @property
    def sent_count(self) -> int:
        """SMS parts accepted so far."""
        with self._lock:
            return len(self.sent)

    def wait_sent(self, count: int, timeout: float) -> bool:
        """Wait until at least ``count`` parts were accepted; False on timeout."""
        with self._sent_changed:
            return self._sent_changed.wait_for(lambda: len(self.sent) >= count, timeout)

    # --- the I/O thread -------------------------------------------------------------------

    def _record_sent(self, record: dict) -> None:
        """on_sent hook (runs in the I/O thread, lock held): log, then remember."""
        record = dict(record)
        record["time"] = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        record["port"] = self._port
        record["emulator"] = self.name
        if self._log_fd >= 0:
            line = json.dumps(record, ensure_ascii=False) + "\n"
            os.write(self._log_fd, line.encode("utf-8"))  # one write: lines never interleave
        self.sent.append(record)
        self._sent_changed.notify_all()

    def _wake(self) -> None:
        if self._wake_w >= 0:
            try:
                os.write(self._wake_w, b"x")
            except (BlockingIOError, OSError):
                pass  # already awake or being stopped

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._step()
            except Exception as exc:  # keep serving; the error is kept and logged
                log.exception("emulator %s: internal error", self._port)
                self.errors.append(exc)
                time.sleep(_PROBE_INTERVAL)

    def _step(self) -> None:
        """One turn of the loop: wait, read, let the modem work, write."""
        readable = self._wait()
        if self._wake_r in readable:
            self._drain_wake()
        data = self._read_host() if (self._master in readable or not self._host_present) else b""
        with self._lock:
            out = self.modem.receive(data) if data else b""
            out += self.modem.poll()
        if out and self._host_present:
            self._pending += out
            del self._pending[:-_MAX_PENDING]
        self._write_host()

    def _wait(self) -> list[int]:
        """Sleep in select() until input, a wake-up, writable output or the next timer."""
        with self._lock:
            deadline = self.modem.next_deadline()
        timeout = _MAX_WAIT if deadline is None else max(0.0, min(_MAX_WAIT, deadline - time.monotonic()))
        rlist = [self._wake_r]
        if self._host_present:
            rlist.append(self._master)
        else:
            timeout = min(timeout, _PROBE_INTERVAL)
        wlist = [self._master] if self._pending and self._host_present else []
        try:
            readable, _, _ = select.select(rlist, wlist, [], timeout)
        except InterruptedError:
            return []
        return readable

    def _drain_wake(self) -> None:
        try:
            while os.read(self._wake_r, 512):
                pass
        except BlockingIOError:
            pass

    def _read_host(self) -> bytes:
        """Read what the host wrote; notice it closing (EIO) or opening the port."""
        try:
            data = os.read(self._master, 4096)
        except BlockingIOError:
            self._host_present = True
            return b""
        except OSError as exc:
            if exc.errno != errno.EIO:
                raise
            if self._host_present:
                self._host_present = False
                self._pending.clear()  # nobody to hear it
            return b""
        self._host_present = True
        return data

    def _write_host(self) -> None:
        if not self._pending or not self._host_present:
            return
        try:
            written = os.write(self._master, self._pending)
        except BlockingIOError:
            return
        except OSError as exc:
            if exc.errno != errno.EIO:
                raise
            self._host_present = False
            self._pending.clear()
            return
        del self._pending[:written]


def _replace_symlink(target: str, link: str) -> None:
    """Point ``link`` at ``target`` atomically, replacing an old symlink (never a file)."""
    if os.path.lexists(link) and not os.path.islink(link):
        raise FileExistsError(f"{link} exists and is not a symlink")
    temporary = f"{link}.{os.getpid()}.tmp"
    os.symlink(target, temporary)
    os.replace(temporary, link)
