"""The ESME side of one SMPP session, sans-I/O: bytes and the time in, events and bytes out.

:class:`Session` numbers requests, keeps the window of submit_sm awaiting their response, answers
what the SMSC asks (enquire_link, unbind, an unknown command) by itself, and says when something is
overdue: a response not come within ``response_timeout`` (:class:`TimedOut`), an enquire_link
unanswered (:class:`LinkDead`). The caller (:mod:`firmware.smpp.link`) moves bytes: it calls
:meth:`Session.receive` with what the socket gave, :meth:`Session.tick` now and then, and writes
:meth:`Session.outgoing`. A deliver_sm is NOT answered by the session: the caller stores it first
and then calls :meth:`Session.ack` (an SMSC re-sends what was not acknowledged, so nothing is lost
to a crash between).

States: ``OPEN`` → (bind) ``BINDING`` → ``BOUND`` → (unbind) ``UNBINDING`` → ``CLOSED``; a refused
bind, a peer's unbind, a framing error or a dead link end in ``CLOSED``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any

from firmware.errors import PduError
from firmware.smpp import pdu as P


class State(enum.Enum):
    OPEN = "open"
    BINDING = "binding"
    BOUND = "bound"
    UNBINDING = "unbinding"
    CLOSED = "closed"


# --- events ---------------------------------------------------------------------


@dataclass(frozen=True)
class Bound:
    """The bind was answered: ``status`` 0 bound, else refused (the session is then closed)."""

    status: int
    system_id: str = ""


@dataclass(frozen=True)
class SubmitResult:
    """The response to the submit_sm tagged ``tag``: ``status`` 0 with the SMSC's ``message_id``, or an error.

    A ``generic_nack`` for it arrives as a result with the nack's status."""

    tag: Any
    status: int
    message_id: str = ""


@dataclass(frozen=True)
class TimedOut:
    """No response to the submit_sm tagged ``tag`` within the response timeout: it is in doubt."""

    tag: Any


@dataclass(frozen=True)
class Incoming:
    """A deliver_sm (a receipt or a resident's SMS): store it, then :meth:`Session.ack` it."""

    pdu: P.DeliverSm


@dataclass(frozen=True)
class Closed:
    """The session ended: ``reason`` says why (the peer unbound, a protocol error, a dead link...)."""

    reason: str
    clean: bool = False


class SessionError(Exception):
    """The caller misused the session (submit while not bound, window full)."""


@dataclass
class _Pending:
    command: int
    tag: Any
    sent_at: float


@dataclass
class Session:
    """One SMPP session as an ESME; see the module docstring. Times are the caller's monotonic seconds."""

    window: int = 10
    enquire_link: float = 30.0
    response_timeout: float = 30.0
    state: State = State.OPEN
    _sequence: int = 0
    _pending: dict[int, _Pending] = field(default_factory=dict)
    _out: bytearray = field(default_factory=bytearray)
    _framer: P.Framer = field(default_factory=P.Framer)
    _last_heard: float = 0.0
    _enquiry: int | None = None  # sequence of the enquire_link awaiting its answer
    submits: int = 0  # submit_sm awaiting their response

    # -- requests ------------------------------------------------------------------

    def _next_sequence(self) -> int:
        self._sequence = self._sequence % 0x7FFFFFFF + 1
        return self._sequence

    def _send(self, pdu: P.Pdu) -> None:
        self._out += P.encode(pdu)

    def _request(self, pdu: P.Pdu, now: float, tag: Any = None) -> int:
        self._pending[pdu.sequence] = _Pending(pdu.command, tag, now)
        self._send(pdu)
        return pdu.sequence

    def bind(self, kind: int, *, system_id: str, password: str, system_type: str = "", now: float,
             addr_ton: int = 0, addr_npi: int = 0) -> None:
        """Ask to bind as ``kind`` (:data:`firmware.smpp.pdu.Command.BIND_TRANSCEIVER` ...)."""
        if self.state is not State.OPEN:
            raise SessionError(f"bind in state {self.state.value}")
        self._last_heard = now
        self.state = State.BINDING
        self._request(P.Bind(kind, self._next_sequence(), system_id=system_id, password=password,
                             system_type=system_type, addr_ton=addr_ton, addr_npi=addr_npi), now)

    @property
    def window_free(self) -> int:
        return max(0, self.window - self.submits) if self.state is State.BOUND else 0

    def submit(self, sm: P.SubmitSm, *, tag: Any, now: float) -> int:
        """Queue ``sm`` (its sequence number is set here) as awaiting its response; return the sequence."""
        if self.state is not State.BOUND:
            raise SessionError(f"submit_sm in state {self.state.value}")
        if self.submits >= self.window:
            raise SessionError("window full")
        self.submits += 1
        return self._request(replace(sm, sequence=self._next_sequence()), now, tag)

    def ack(self, deliver: P.DeliverSm, status: int = 0) -> None:
        """Answer a deliver_sm once it is stored (``status`` non-zero: refuse it, the SMSC retries later)."""
        if self.state in (State.BOUND, State.UNBINDING):
            self._send(P.response_to(deliver, status))

    def unbind(self, now: float) -> None:
        """Begin a clean close; :class:`Closed` (clean) follows the SMSC's unbind_resp."""
        if self.state is State.BOUND:
            self.state = State.UNBINDING
            self._request(P.Pdu(P.Command.UNBIND, self._next_sequence()), now)
        elif self.state is not State.UNBINDING:
            self.state = State.CLOSED

    def outgoing(self) -> bytes:
        """The bytes to write now (and forget them)."""
        data, self._out = bytes(self._out), bytearray()
        return data

    def tags_outstanding(self) -> list[Any]:
        """Tags of the submit_sm still awaiting their response (in doubt if the link is lost now)."""
        return [p.tag for p in self._pending.values() if p.command == P.Command.SUBMIT_SM]

    # -- what came in ----------------------------------------------------------------

    def receive(self, data: bytes, now: float) -> list:
        """Feed bytes from the socket; return the events they complete. ``b""``: the peer closed."""
        if not data:
            return self._close("the connection was closed by the other side")
        try:
            frames = self._framer.feed(data)
        except PduError as exc:
            return self._close(f"unreadable data from the SMSC: {exc}")
        events: list = []
        for frame in frames:
            self._last_heard = now
            try:
                pdu = P.decode(frame)
            except PduError:
                # One bad PDU in a well-framed stream: refuse it (the SMSC may re-send), keep the session.
                seq = int.from_bytes(frame[12:16], "big") if len(frame) >= 16 else 0
                self._send(P.generic_nack(seq, P.Status.ESME_RINVCMDLEN))
                continue
            events.extend(self._handle(pdu, now))
            if self.state is State.CLOSED:
                break
        return events

    def _handle(self, pdu: P.Pdu, now: float) -> list:
        if pdu.is_response:
            pending = self._pending.pop(pdu.sequence, None)
            if pending is None:
                return []  # a late answer to something already given up on
            return self._response(pending, pdu)
        if pdu.command in (P.Command.DELIVER_SM, P.Command.DATA_SM) and isinstance(pdu, P.DeliverSm):
            return [Incoming(pdu)]
        if pdu.command == P.Command.ALERT_NOTIFICATION:
            return []  # has no response (§4.12); nothing waits on a phone coming back
        if pdu.command == P.Command.ENQUIRE_LINK:
            self._send(P.response_to(pdu))
            return []
        if pdu.command == P.Command.UNBIND:
            self._send(P.response_to(pdu))
            return self._close("the SMSC unbound", clean=True)
        self._send(P.generic_nack(pdu.sequence, P.Status.ESME_RINVCMDID))
        return []

    def _response(self, pending: _Pending, pdu: P.Pdu) -> list:
        if pending.command in P.BINDS:
            if pdu.status == 0:
                self.state = State.BOUND
                return [Bound(0, getattr(pdu, "system_id", ""))]
            events: list = [Bound(pdu.status)]
            return events + self._close(f"bind refused: {P.status_name(pdu.status)}")
        if pending.command == P.Command.SUBMIT_SM:
            self.submits -= 1
            return [SubmitResult(pending.tag, pdu.status, getattr(pdu, "message_id", ""))]
        if pending.command == P.Command.ENQUIRE_LINK:
            self._enquiry = None
            return []
        if pending.command == P.Command.UNBIND:
            return self._close("unbound", clean=True)
        return []

    # -- time ------------------------------------------------------------------------

    def tick(self, now: float) -> list:
        """What time alone brings: overdue responses, a keep-alive due, a link found dead."""
        if self.state is State.CLOSED:
            return []
        events: list = []
        for seq, p in list(self._pending.items()):
            if now - p.sent_at < self.response_timeout:
                continue
            if p.command == P.Command.SUBMIT_SM:
                del self._pending[seq]
                self.submits -= 1
                events.append(TimedOut(p.tag))
            elif p.command in P.BINDS:
                return events + self._close("no answer to the bind")
            elif p.command == P.Command.ENQUIRE_LINK:
                return events + self._close("the link is dead: no answer to enquire_link")
            elif p.command == P.Command.UNBIND:
                return events + self._close("no answer to unbind")
        if self.state is State.BOUND and self._enquiry is None and now - self._last_heard >= self.enquire_link:
            self._enquiry = self._request(P.Pdu(P.Command.ENQUIRE_LINK, self._next_sequence()), now)
        return events

    def _close(self, reason: str, clean: bool = False) -> list:
        """End the session: every submit_sm still unanswered is in doubt."""
        if self.state is State.CLOSED:
            return []
        self.state = State.CLOSED
        events: list = [TimedOut(p.tag) for p in self._pending.values() if p.command == P.Command.SUBMIT_SM]
        self._pending.clear()
        self.submits = 0
        return events + [Closed(reason, clean)]

    def lost(self, reason: str) -> list:
        """The caller lost the socket (an OSError): close, with the in-doubt submit_sm."""
        return self._close(reason)
