"""The I/O under a :class:`~firmware.smpp.session.Session`: one TCP (or TLS) connection to an SMSC.

The only module of :mod:`firmware.smpp` that touches a socket. A :class:`Link` writes what its session
has to say (:meth:`Link.flush`) and feeds it what arrives (:meth:`Link.read`); :func:`wait_readable`
waits on several links at once (a transmitter and a receiver). Socket failures become the session's
:class:`~firmware.smpp.session.Closed` event, never an exception for the caller to forget.
"""

from __future__ import annotations

import select
import socket
import ssl
import time

from firmware.office.config import tls_context
from firmware.smpp.session import Session

CONNECT_TIMEOUT = 10.0
#: Longest a write may block (a peer that stopped reading): then the link is given up.
WRITE_TIMEOUT = 10.0


class Link:
    """One connection carrying one session (see the module docstring)."""

    def __init__(self, host: str, port: int, session: Session, *, tls: bool = False, name: str = "",
                 connect_timeout: float = CONNECT_TIMEOUT, tls_ca: str = "") -> None:
        self.host, self.port, self.tls, self.name, self.tls_ca = host, port, tls, name, tls_ca
        self.session = session
        self.connect_timeout = connect_timeout
        self.sock: socket.socket | None = None

    def open(self) -> None:
        """Connect (and handshake TLS, verifying the server against the system's CAs, or ``tls_ca``'s).
        Raises OSError (a refused connection, a certificate that does not verify ...)."""
        sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.tls:
                sock = tls_context(self.tls_ca).wrap_socket(sock, server_hostname=self.host)
            sock.settimeout(WRITE_TIMEOUT)
        except BaseException:
            sock.close()
            raise
        self.sock = sock

    def fileno(self) -> int:
        return self.sock.fileno() if self.sock is not None else -1

    @property
    def open_(self) -> bool:
        return self.sock is not None

    def flush(self) -> list:
        """Write what the session has to send; on a socket error return the session's closing events."""
        data = self.session.outgoing()
        if not data or self.sock is None:
            return []
        try:
            self.sock.sendall(data)
        except OSError as exc:
            return self._lost(f"write failed: {exc}")
        return []

    def pending(self) -> bool:
        """Bytes already decrypted and buffered (TLS): readable without waiting."""
        return isinstance(self.sock, ssl.SSLSocket) and self.sock.pending() > 0

    def read(self, now: float) -> list:
        """Read what is there (call when readable) and return the session's events."""
        if self.sock is None:
            return []
        try:
            self.sock.settimeout(0.0)
            try:
                data = self.sock.recv(65536)
            finally:
                if self.sock is not None:
                    self.sock.settimeout(WRITE_TIMEOUT)
        except (BlockingIOError, ssl.SSLWantReadError, InterruptedError):
            return []
        except OSError as exc:
            return self._lost(f"read failed: {exc}")
        events = self.session.receive(data, now)
        if not data:
            self.close()
        return events

    def _lost(self, reason: str) -> list:
        self.close()
        return self.session.lost(reason)

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None


def wait_readable(links: list[Link], timeout: float) -> list[Link]:
    """The links with something to read, waiting at most ``timeout`` seconds."""
    live = [link for link in links if link.sock is not None]
    ready = [link for link in live if link.pending()]
    if ready or not live:
        if not live:
            time.sleep(timeout)
        return ready
    try:
        readable, _, _ = select.select(live, [], [], max(0.0, timeout))
    except (OSError, ValueError):  # a socket closed under us (abort from another thread)
        return [link for link in live if link.sock is not None]
    return readable
