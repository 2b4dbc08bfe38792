"""Waking the daemon when the database changes, instead of polling it.

Every :meth:`firmware.queue.store.Store.tx` that commits sends one empty datagram to a Unix socket
beside the database (``siaran.db-wake``, like SQLite's ``-wal`` and ``-shm``): the daemon's
:class:`Wakeup` receives it and sets the event each idle modem worker waits on.  The poke is sent
after COMMIT has returned, so the change is visible to the woken reader: a file-change notification
(inotify on the WAL) fires at the first frame written, before the commit is visible, and a reader that
looks then sees nothing new and sleeps through it.  Nobody listening (the daemon is stopped) costs
one failed ``sendto``.  A writer that does not go through :class:`Store` is seen by the workers'
slow look at the database (once a second).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from pathlib import Path

log = logging.getLogger(__name__)

SUFFIX = "-wake"

#: Longest path a Unix socket address holds (``sun_path``: 108 bytes with its NUL).
_SUN_PATH_MAX = 107

_sender: socket.socket | None = None
_folders: dict[str, int] = {}  # folder -> O_PATH descriptor, for socket paths too long to name directly


def socket_path(db_file: str | Path) -> str:
    """Where the daemon listens for ``db_file``'s commits."""
    return str(db_file) + SUFFIX


def _address(path: str) -> str:
    """``path`` as a socket address: itself, or through ``/proc/self/fd`` when it is too long."""
    if len(os.fsencode(path)) <= _SUN_PATH_MAX:
        return path
    folder, name = os.path.split(path)
    if folder not in _folders:
        _folders[folder] = os.open(folder, os.O_PATH)
    return f"/proc/self/fd/{_folders[folder]}/{name}"


def poke(db_file: str | Path) -> None:
    """Tell the daemon (if it listens) that ``db_file`` changed; never blocks, never raises."""
    global _sender
    try:
        if _sender is None:
            _sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            _sender.setblocking(False)
        _sender.sendto(b"", _address(socket_path(db_file)))
    except OSError:  # no daemon (no socket, refused), or its queue is full: a wake is pending anyway
        pass


_listeners: dict[str, Wakeup] = {}
_listeners_lock = threading.Lock()


def subscribe(db_file: str | Path, event: threading.Event) -> bool:
    """Set ``event`` on every poke for ``db_file`` (one listening socket per file in this process).

    False when the socket cannot be made (a read-only folder): the caller then looks at the
    database often instead.
    """
    path = socket_path(db_file)
    with _listeners_lock:
        listener = _listeners.get(path)
        if listener is None:
            try:
                listener = _listeners[path] = Wakeup(db_file)
            except OSError as exc:
                log.warning("cannot listen for database changes on %s (%s): looking at the database instead",
                            path, exc)
                return False
        listener.listen(event)
    return True


def unsubscribe(db_file: str | Path, event: threading.Event) -> None:
    """Undo :func:`subscribe`; the socket goes with its last subscriber."""
    path = socket_path(db_file)
    with _listeners_lock:
        listener = _listeners.get(path)
        if listener is None:
            return
        listener.forget(event)
        if not listener.events:
            del _listeners[path]
            listener.close()


class Wakeup:
    """A thread that turns each poke into ``set()`` on every registered event (see :func:`subscribe`).

    ``close()`` removes the socket file.  A stale file (a daemon killed) is replaced at start.
    """

    def __init__(self, db_file: str | Path) -> None:
        self.path = socket_path(db_file)
        self.events: list[threading.Event] = []
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        self._sock.bind(_address(self.path))
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="db-wake", daemon=True)
        self._thread.start()

    def listen(self, event: threading.Event) -> None:
        self.events = [*self.events, event]  # a new list: the thread may be iterating the old one

    def forget(self, event: threading.Event) -> None:
        self.events = [e for e in self.events if e is not event]

    def wake_all(self) -> None:
        for event in self.events:
            event.set()

    def _run(self) -> None:
        while True:
            try:
                self._sock.recv(16)
                if self._closed:
                    return
                self._sock.setblocking(False)  # one wake for a burst of commits
                try:
                    while True:
                        self._sock.recv(16)
                except BlockingIOError:
                    pass
                finally:
                    self._sock.setblocking(True)
            except OSError:
                if self._closed:
                    return
                log.exception("the database wake-up socket failed; workers look at the database each second")
                return
            self.wake_all()

    def close(self) -> None:
        self._closed = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        self._thread.join(timeout=2)
