"""OperatorNetwork: a small SMSC that stands for the operators behind an aggregator's Jasmin.

Jasmin is a router: it needs a downstream SMSC that accepts its bind, answers submit_sm with message ids
and later sends delivery receipts. This one is written on asyncio with smpplib's PDU classes (so the
wire format comes from an independent SMPP implementation, not from Siaran) and runs its event loop on
a thread of its own, so synchronous tests can drive it. Every knob is a plain attribute that a test may
change at any time:

* ``delay``          seconds before each submit_sm_resp (responses stay asynchronous: a windowed
                     client keeps several submits outstanding)
* ``receipt_delay``  seconds between accepting a message and sending its receipt
* ``failure_rate``   fraction of submit_sm answered ``failure_status`` (default ESME_RSYSERR 0x08)
* ``throttle``       messages per second accepted (token bucket, one second of burst); above it
                     submit_sm is answered ESME_RTHROTTLED (0x58). None = no limit
* ``undeliverable``  destination prefixes whose messages are accepted but get ``stat:UNDELIV``
* ``refuse_binds``   answer every bind with ESME_RBINDFAIL (0x0D)
* ``receipts``       send receipts at all (registered_delivery asks for them per message)
* ``drop_link()``    abort every TCP connection now (the peer sees the link die, no unbind)
* ``inject_mo()``    a mobile-originated message (deliver_sm, esm_class 0) to a bound session

A receipt is a deliver_sm with esm_class 0x04, the text ``id:<id> sub:001 dlvrd:001 submit date:...
done date:... stat:DELIVRD err:000 text:...`` and the ``receipted_message_id`` and ``message_state`` TLVs,
sent on a bound session (the one the message came on when it is still up). A receipt whose
deliver_sm_resp never came (link dropped, peer down) is kept and sent again after the next bind, as an
SMSC does: receipts outlive sessions.

Everything the network saw is recorded (``submits``, ``receipts``, ``mo``, ``binds``) and the
``wait_*`` methods block until enough of it has happened.
"""

from __future__ import annotations

import asyncio
import random
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from smpplib import consts
from smpplib.command_codes import get_command_name
from smpplib.smpp import make_pdu, parse_pdu

from .fields import encode_short_message, field_text

ESME_ROK = consts.SMPP_ESME_ROK
ESME_RSYSERR = consts.SMPP_ESME_RSYSERR
ESME_RBINDFAIL = consts.SMPP_ESME_RBINDFAIL
ESME_RINVPASWD = consts.SMPP_ESME_RINVPASWD
ESME_RTHROTTLED = consts.SMPP_ESME_RTHROTTLED
ESME_RINVCMDID = consts.SMPP_ESME_RINVCMDID

#: message_state TLV values (SMPP 3.4 §5.2.28) for the receipt stats this network sends.
MESSAGE_STATE = {"DELIVRD": 2, "EXPIRED": 3, "DELETED": 4, "UNDELIV": 5, "ACCEPTD": 6, "UNKNOWN": 7, "REJECTD": 8}


class _Seq:
    """The sequence-number source smpplib's PDU classes ask for."""

    def __init__(self) -> None:
        self.sequence = 0

    def next_sequence(self) -> int:
        self.sequence = self.sequence % 0x7FFFFFFF + 1
        return self.sequence


@dataclass
class Submit:
    """One submit_sm as the network answered it."""

    message_id: str  # "" when refused
    status: int  # the submit_sm_resp command_status
    source_addr: str
    destination_addr: str
    short_message: bytes
    data_coding: int
    esm_class: int
    registered_delivery: int
    source_addr_ton: int
    source_addr_npi: int
    session: int
    at: float


@dataclass
class Receipt:
    """One delivery receipt the peer acknowledged."""

    message_id: str
    stat: str
    destination_addr: str  # the handset the message went to
    session: int
    at: float


@dataclass
class Bind:
    system_id: str
    password: str
    command: str
    status: int
    at: float


@dataclass
class _Session:
    id: int
    writer: asyncio.StreamWriter
    command: str = ""  # the bind command once bound
    system_id: str = ""
    seq: _Seq = field(default_factory=_Seq)
    pending: dict = field(default_factory=dict)  # sequence -> Future of the response PDU

    @property
    def bound(self) -> bool:
        return bool(self.command)

    @property
    def can_receive(self) -> bool:
        return self.command in ("bind_receiver", "bind_transceiver")


class OperatorNetwork:
    """The downstream SMSC: accepts binds with ``system_id``/``password`` on 127.0.0.1:``port``."""

    def __init__(self, system_id: str = "jasmin", password: str = "opnet1", *, port: int = 0,
                 seed: int = 12) -> None:
        self.system_id = system_id
        self.password = password
        self.host = "127.0.0.1"
        self.port = port
        # knobs
        self.delay = 0.0
        self.receipt_delay = 0.0
        self.failure_rate = 0.0
        self.failure_status = ESME_RSYSERR
        self.throttle: float | None = None
        self.undeliverable: tuple[str, ...] = ()
        self.refuse_binds = False
        self.receipts_enabled = True
        # records
        self.submits: list[Submit] = []
        self.receipts: list[Receipt] = []
        self.binds: list[Bind] = []
        self.mo: list[tuple[str, str, bytes, int]] = []  # (source, destination, short_message, resp status)
        self.errors: list[BaseException] = []  # exceptions in the network's own code (should stay empty)
        self._cond = threading.Condition()
        self._rng = random.Random(seed)
        self._sessions: dict[int, _Session] = {}
        self._next_session = 0
        self._undelivered: list[tuple[dict, int]] = []  # receipts waiting for a bound session
        self._bucket = 0.0
        self._bucket_at = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ----------------------------------------------------------------------------------

    def start(self) -> "OperatorNetwork":
        """Listen on 127.0.0.1 (a free port unless one was given) on a thread of its own."""
        started = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(self._serve, self.host, self.port, reuse_address=True))
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as e:  # reported to start()
                errors.append(e)
                started.set()
                loop.close()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name="operator-network", daemon=True)
        self._thread.start()
        started.wait(10)
        if errors:
            raise errors[0]
        return self

    def stop(self) -> None:
        """Close every session and the listener; end the loop thread."""
        if self._loop is None or self._thread is None:
            return

        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for s in list(self._sessions.values()):
                s.writer.transport.abort()
            await asyncio.sleep(0)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop = None

    def __enter__(self) -> "OperatorNetwork":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def reset(self) -> None:
        """Knobs back to their defaults and records emptied (between tests sharing one network)."""
        self.delay = self.receipt_delay = self.failure_rate = 0.0
        self.failure_status = ESME_RSYSERR
        self.throttle = None
        self.undeliverable = ()
        self.refuse_binds = False
        self.receipts_enabled = True
        with self._cond:
            self.submits.clear()
            self.receipts.clear()
            self.binds.clear()
            self.mo.clear()

    # -- test actions --------------------------------------------------------------------------------

    def drop_link(self) -> int:
        """Abort every connection (no unbind, as when a link dies); returns how many were open."""

        async def drop() -> int:
            sessions = list(self._sessions.values())
            for s in sessions:
                s.writer.transport.abort()
            return len(sessions)

        return self._call(drop())

    def inject_mo(self, source_addr: str, destination_addr: str, text: str | bytes, *, data_coding: int | None = None,
                  timeout: float = 10.0) -> int:
        """A handset's message to ``destination_addr`` (e.g. the office's sender number) as deliver_sm on
        a bound session; returns the peer's deliver_sm_resp status. ``text`` as str is GSM-7-safe ASCII
        (data_coding 0) or, with other characters, UCS-2 (data_coding 8)."""
        body, dc = encode_short_message(text)
        if data_coding is not None:
            dc = data_coding

        async def send() -> int:
            session = next((s for s in self._sessions.values() if s.can_receive), None)
            if session is None:
                raise RuntimeError("no bound receiver session to deliver the MO message on")
            resp = await self._request(session, "deliver_sm", timeout, source_addr=source_addr,
                                       destination_addr=destination_addr, source_addr_ton=1, source_addr_npi=1,
                                       dest_addr_ton=1, dest_addr_npi=1, esm_class=0, data_coding=dc,
                                       short_message=body)
            with self._cond:
                self.mo.append((source_addr, destination_addr, body, resp.status))
                self._cond.notify_all()
            return resp.status

        return self._call(send(), timeout + 1)

    # -- waiting -------------------------------------------------------------------------------------

    def wait_for(self, predicate, timeout: float, what: str = "condition"):
        """Block until ``predicate()`` is truthy (checked whenever the network records something)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                got = predicate()
                if got:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"operator network: no {what} after {timeout:.0f} s")
                self._cond.wait(min(left, 0.2))

    def accepted(self) -> list[Submit]:
        """The submits the network accepted (status 0)."""
        with self._cond:
            return [s for s in self.submits if s.status == ESME_ROK]

    def wait_submits(self, n: int, timeout: float = 30.0) -> list[Submit]:
        """Wait until ``n`` submits were accepted; returns them."""
        self.wait_for(lambda: len(self.accepted()) >= n, timeout, f"{n} accepted submit_sm")
        return self.accepted()

    def wait_submit_to(self, destination: str, timeout: float = 30.0) -> Submit:
        """Wait until a message to ``destination`` was accepted; returns the first one. Tests match by
        number: messages another test left queued in Jasmin may reach the network at any time."""
        return self.wait_for(lambda: next((s for s in self.accepted() if s.destination_addr == destination), None),
                             timeout, f"accepted submit_sm to {destination}")

    def wait_receipts(self, n: int, timeout: float = 30.0) -> list[Receipt]:
        """Wait until ``n`` receipts were acknowledged by the peer; returns them."""
        self.wait_for(lambda: len(self.receipts) >= n, timeout, f"{n} acknowledged receipts")
        with self._cond:
            return list(self.receipts)

    def wait_bound(self, n: int = 1, timeout: float = 30.0) -> None:
        """Wait until ``n`` sessions are bound."""
        self.wait_for(lambda: self.bound_sessions() >= n, timeout, f"{n} bound sessions")

    def bound_sessions(self) -> int:
        return sum(1 for s in list(self._sessions.values()) if s.bound)

    # -- protocol ------------------------------------------------------------------------------------

    def _call(self, coro, timeout: float = 10.0):
        if self._loop is None:
            raise RuntimeError("operator network is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _note(self, record_list: list, item) -> None:
        with self._cond:
            record_list.append(item)
            self._cond.notify_all()

    def _send(self, session: _Session, pdu) -> None:
        session.writer.write(pdu.generate())

    def _response(self, session: _Session, name: str, request, status: int = ESME_ROK, **fields) -> None:
        resp = make_pdu(name, client=session.seq, status=status, **fields)
        resp.sequence = request.sequence  # make_pdu's sequence= loses to the client's counter
        self._send(session, resp)

    async def _request(self, session: _Session, name: str, timeout: float, **fields):
        pdu = make_pdu(name, client=session.seq, **fields)
        fut = asyncio.get_running_loop().create_future()
        session.pending[pdu.sequence] = fut
        self._send(session, pdu)
        try:
            return await asyncio.wait_for(fut, timeout)
        finally:
            session.pending.pop(pdu.sequence, None)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._next_session += 1
        session = _Session(self._next_session, writer)
        self._sessions[session.id] = session
        try:
            while True:
                header = await reader.readexactly(16)
                length = struct.unpack(">L", header[:4])[0]
                if length < 16 or length > 65536:
                    break
                body = await reader.readexactly(length - 16)
                self._handle(session, header + body)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        except Exception as e:  # a bug here must not pass for a network fault: tests assert errors == []
            self.errors.append(e)
            raise
        finally:
            self._sessions.pop(session.id, None)
            for fut in session.pending.values():
                if not fut.done():
                    fut.set_exception(ConnectionError("link closed"))
            writer.transport.abort()
            with self._cond:
                self._cond.notify_all()

    def _handle(self, session: _Session, data: bytes) -> None:
        command_id = struct.unpack(">L", data[4:8])[0]
        name = get_command_name(command_id)
        if name is None:
            nack = make_pdu("generic_nack", client=session.seq, status=ESME_RINVCMDID)
            nack.sequence = struct.unpack(">L", data[12:16])[0]
            self._send(session, nack)
            return
        pdu = parse_pdu(data, client=session.seq, allow_unknown_opt_params=True)
        if command_id & 0x80000000:  # a response to one of our requests
            fut = session.pending.get(pdu.sequence)
            if fut is not None and not fut.done():
                fut.set_result(pdu)
            return
        if name in ("bind_transmitter", "bind_receiver", "bind_transceiver"):
            self._bind(session, name, pdu)
        elif name == "enquire_link":
            self._response(session, "enquire_link_resp", pdu)
        elif name == "unbind":
            self._response(session, "unbind_resp", pdu)
            session.command = ""
            asyncio.get_running_loop().call_later(0.05, session.writer.close)
        elif name == "submit_sm":
            self._submit(session, pdu)
        else:
            self._response(session, "generic_nack", pdu, status=ESME_RINVCMDID)

    def _bind(self, session: _Session, name: str, pdu) -> None:
        system_id, password = field_text(pdu.system_id), field_text(pdu.password)
        if self.refuse_binds:
            status = ESME_RBINDFAIL
        elif system_id != self.system_id or password != self.password:
            status = ESME_RINVPASWD
        else:
            status = ESME_ROK
        self._note(self.binds, Bind(system_id, password, name, status, time.time()))
        self._response(session, name + "_resp", pdu, status=status, system_id="OPNET")
        if status != ESME_ROK:
            asyncio.get_running_loop().call_later(0.05, session.writer.close)
            return
        session.command, session.system_id = name, system_id
        with self._cond:
            self._cond.notify_all()
        if session.can_receive and self._undelivered:
            waiting, self._undelivered = self._undelivered, []
            for receipt_fields, _ in waiting:
                asyncio.get_running_loop().create_task(self._deliver_receipt(receipt_fields, session.id))

    def _take_token(self) -> bool:
        if self.throttle is None:
            return True
        now = time.monotonic()
        burst = max(1.0, float(self.throttle))
        self._bucket = min(burst, self._bucket + (now - self._bucket_at) * self.throttle)
        self._bucket_at = now
        if self._bucket >= 1.0:
            self._bucket -= 1.0
            return True
        return False

    def _submit(self, session: _Session, pdu) -> None:
        if not session.bound or session.command == "bind_receiver":
            self._response(session, "submit_sm_resp", pdu, status=consts.SMPP_ESME_RINVBNDSTS, message_id="")
            return
        if not self._take_token():
            status = ESME_RTHROTTLED
        elif self.failure_rate and self._rng.random() < self.failure_rate:
            status = self.failure_status
        else:
            status = ESME_ROK
        message_id = uuid.uuid4().hex if status == ESME_ROK else ""
        sub = Submit(
            message_id=message_id, status=status, source_addr=field_text(pdu.source_addr),
            destination_addr=field_text(pdu.destination_addr), short_message=bytes(pdu.short_message or b""),
            data_coding=pdu.data_coding or 0, esm_class=pdu.esm_class or 0,
            registered_delivery=pdu.registered_delivery or 0, source_addr_ton=pdu.source_addr_ton or 0,
            source_addr_npi=pdu.source_addr_npi or 0, session=session.id, at=time.time(),
        )
        loop = asyncio.get_running_loop()

        def answer() -> None:
            if session.id not in self._sessions:
                return  # the link died before the answer: the message is lost as far as the peer knows
            self._response(session, "submit_sm_resp", pdu, status=status, message_id=message_id)
            self._note(self.submits, sub)
            if status == ESME_ROK:
                loop.call_later(self.receipt_delay, self._schedule_receipt, sub)

        if self.delay:
            loop.call_later(self.delay, answer)
        else:
            answer()

    def _schedule_receipt(self, sub: Submit) -> None:
        wanted = sub.registered_delivery & 0x03
        undeliv = any(sub.destination_addr.startswith(p) for p in self.undeliverable)
        if not self.receipts_enabled or wanted == 0 or (wanted == 2 and not undeliv):
            return
        stat = "UNDELIV" if undeliv else "DELIVRD"
        stamp = datetime.now(timezone.utc).strftime("%y%m%d%H%M")
        text = (f"id:{sub.message_id} sub:001 dlvrd:{'000' if undeliv else '001'} submit date:{stamp} "
                f"done date:{stamp} stat:{stat} err:{'001' if undeliv else '000'} text:")
        text = text.encode() + sub.short_message[:20]
        receipt_fields = dict(
            source_addr=sub.destination_addr, destination_addr=sub.source_addr, source_addr_ton=1,
            source_addr_npi=1, dest_addr_ton=sub.source_addr_ton, dest_addr_npi=sub.source_addr_npi,
            esm_class=0x04, data_coding=0, short_message=text, receipted_message_id=sub.message_id,
            message_state=MESSAGE_STATE[stat],
        )
        asyncio.get_running_loop().create_task(self._deliver_receipt(receipt_fields, sub.session))

    async def _deliver_receipt(self, receipt_fields: dict, prefer_session: int) -> None:
        session = self._sessions.get(prefer_session)
        if session is None or not session.can_receive:
            session = next((s for s in self._sessions.values() if s.can_receive), None)
        if session is None:
            self._undelivered.append((receipt_fields, prefer_session))
            return
        try:
            resp = await self._request(session, "deliver_sm", 30.0, **receipt_fields)
        except (ConnectionError, asyncio.TimeoutError, OSError):
            resp = None
        if resp is None or resp.status != ESME_ROK:
            # Not taken: try again on the next bound session (or this one, after a pause).
            if resp is not None:
                await asyncio.sleep(1.0)
                asyncio.get_running_loop().create_task(self._deliver_receipt(receipt_fields, prefer_session))
            else:
                self._undelivered.append((receipt_fields, prefer_session))
                self._flush_undelivered()
            return
        stat = next(k for k, v in MESSAGE_STATE.items() if v == receipt_fields["message_state"])
        self._note(self.receipts, Receipt(receipt_fields["receipted_message_id"], stat,
                                          receipt_fields["source_addr"], session.id, time.time()))

    def _flush_undelivered(self) -> None:
        """Hand waiting receipts to a bound session, if one is up (a bind also flushes them)."""
        session = next((s for s in self._sessions.values() if s.can_receive), None)
        if session is None or not self._undelivered:
            return
        waiting, self._undelivered = self._undelivered, []
        for receipt_fields, _ in waiting:
            asyncio.get_running_loop().create_task(self._deliver_receipt(receipt_fields, session.id))


__all__ = [
    "OperatorNetwork", "Submit", "Receipt", "Bind", "MESSAGE_STATE",
    "ESME_ROK", "ESME_RSYSERR", "ESME_RBINDFAIL", "ESME_RINVPASWD", "ESME_RTHROTTLED",
]

