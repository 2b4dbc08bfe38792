"""One operator account's worker: binds over SMPP 3.4, drains the queue through it, files what it hears.

An :class:`SmppWorker` is a thread beside the modem workers with its own
:class:`~firmware.queue.store.Store` connection. It claims only messages whose channel allows the
operator route (NULL or ``smpp``) and keeps the modem worker's durable discipline, in batches: one
commit records the outcomes of the parts the SMSC answered, files the receipts that came, and claims
(and marks handed) the next messages; their submit_sm go on the wire after that commit. A crash can
therefore leave in doubt only what was claimed and not yet answered or recorded: the next batch is
claimed while the last one is on the wire, so at most two and a half times the account's ``window`` (the
in-doubt window; typically about one window), settled by the existing policy (re-sent once, or ``unknown``). The commits run on a writer
thread of the worker's own, so their fsync overlaps the network instead of stalling it.

Its loop, on one thread and without locks (the socket I/O is :mod:`firmware.smpp.link`, the protocol
:mod:`firmware.smpp.session`):

1. bound? else connect and bind (transceiver, or a transmitter and a receiver), with back-off;
2. read what the SMSC said: submit_sm_resp (outcomes), deliver_sm (receipts, residents' SMS);
3. submit parts while the window has room and the account's token bucket (``rate``) allows,
   claiming more when the parts run out; a commit at least every :data:`COMMIT_EVERY` while anything waits;
4. keep-alive (enquire_link), and detect a dead link (no answer) or overdue responses (in doubt).

A receipt is acknowledged (deliver_sm_resp) only after the commit that filed it, a resident's SMS only
after :func:`~firmware.queue.inbox.file_incoming` stored it: what is not acknowledged the SMSC sends
again, so nothing is lost to a crash in between.
"""

from __future__ import annotations

import collections
import logging
from concurrent.futures import Future, ThreadPoolExecutor
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from firmware.errors import PduError
from firmware.office import settings as office_settings
from firmware.office import units
from firmware.office.config import Config, SmppAccount
from firmware.people.privacy import mask_number
from firmware.queue.inbox import file_incoming
from firmware.queue.limits import in_window
from firmware.queue.smpp_store import SmppReceipt
from firmware.queue.store import Message, Outcome, Store
from firmware.queue.worker import STORAGE_RETRY_MAX, WorkerThread
from firmware.smpp import pdu as P
from firmware.smpp.link import Link, wait_readable
from firmware.smpp.session import Bound, Closed, Incoming, Session, SubmitResult, TimedOut

log = logging.getLogger(__name__)

#: Seconds between commits while outcomes or receipts wait (also the longest a receipt waits for its ack).
COMMIT_EVERY = 0.05
#: Most messages claimed in one commit.
CLAIM_MAX = 200
#: Seconds between looks for new messages while the queue is empty (a database change wakes it sooner).
IDLE_CLAIM_EVERY = 1.0
#: Seconds to wait for a response before the part is in doubt.
RESPONSE_TIMEOUT = 30.0
#: Seconds to wait for the bind's answer.
BIND_TIMEOUT = 15.0
#: Waits before binding again after a lost link (then the last one repeats).
REBIND_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
#: Waits after a refused bind (a wrong password will not heal by itself; the office fixes it).
REFUSED_DELAYS = (30.0, 60.0, 300.0, 600.0)
#: After ESME_RTHROTTLED / ESME_RMSGQFUL: pause this long, doubling while it recurs, up to THROTTLE_MAX.
THROTTLE_PAUSE = 0.5
THROTTLE_MAX = 30.0
#: After the SMSC refused the sender (invalid source address): sending pauses this long.
SOURCE_PARK = 300.0
#: Seconds a campaign's sender name (its unit's) is used before it is looked up again.
SENDER_LOOKUP_EVERY = 60.0
#: On stop: how long to wait for the responses to what is in flight before unbinding.
STOP_DRAIN = 1.5
SETTINGS_EVERY = 5.0
LINK_ROW_EVERY = 1.0

THROTTLED = (P.Status.ESME_RTHROTTLED, P.Status.ESME_RMSGQFUL)
BAD_DESTINATION = (P.Status.ESME_RINVDSTADR, P.Status.ESME_RINVDSTTON, P.Status.ESME_RINVDSTNPI)
BAD_SOURCE = (P.Status.ESME_RINVSRCADR, P.Status.ESME_RINVSRCTON, P.Status.ESME_RINVSRCNPI)

#: What a refused bind or submit means, in plain words: status -> (English, Bahasa Indonesia).
REASONS = {
    P.Status.ESME_RINVPASWD: ("the provider refused the password", "penyedia menolak kata sandi akun"),
    P.Status.ESME_RINVSYSID: ("the provider does not know this system_id", "penyedia tidak mengenal system_id ini"),
    P.Status.ESME_RBINDFAIL: ("the provider refused the bind (account, IP whitelist or connection limit?)",
                              "penyedia menolak koneksi (akun, daftar IP yang diizinkan, atau batas koneksi?)"),
    P.Status.ESME_RALYBND: ("the account is already bound elsewhere", "akun sudah terhubung dari tempat lain"),
    P.Status.ESME_RINVSYSTYP: ("the provider refused the system_type", "penyedia menolak system_type"),
    P.Status.ESME_RTHROTTLED: ("the provider asks to send slower (throttled)",
                               "penyedia meminta pengiriman diperlambat (throttled)"),
    P.Status.ESME_RMSGQFUL: ("the provider's queue is full", "antrean penyedia penuh"),
    P.Status.ESME_RINVDSTADR: ("the provider refused the destination number", "penyedia menolak nomor tujuan"),
    P.Status.ESME_RINVSRCADR: ("the provider refused the sender name or number (is it registered?)",
                               "penyedia menolak nama/nomor pengirim (sudah didaftarkan?)"),
    P.Status.ESME_RSUBMITFAIL: ("the provider could not take the message", "penyedia gagal menerima pesan"),
    P.Status.ESME_RSYSERR: ("the provider reports a system error", "penyedia melaporkan kesalahan sistem"),
}


def reasons(status: int) -> tuple[str, str]:
    """(English, Bahasa Indonesia) for an SMPP error status, each naming the code (``ESME_RTHROTTLED``)."""
    en, id_ = REASONS.get(status, ("the provider answered with an error", "penyedia menjawab dengan kesalahan"))
    code = P.status_name(status)
    return f"{en} ({code})", f"{id_[0].upper()}{id_[1:]} ({code})."


def reason(status: int) -> str:
    """``English (ESME_Rxxx) / Bahasa Indonesia (ESME_Rxxx).``: the one line the page and the log show."""
    return " / ".join(reasons(status))


class TokenBucket:
    """``rate`` tokens a second, at most ``capacity`` saved up: the account's throughput limit."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate, self.capacity = rate, max(1.0, capacity)
        self.tokens, self.at = self.capacity, now

    def _fill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now

    def available(self, now: float) -> int:
        self._fill(now)
        return int(self.tokens)

    def take(self, now: float) -> bool:
        self._fill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def wait(self, now: float) -> float:
        self._fill(now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate


@dataclass
class _Flight:
    """A claimed message on its way: its parts, what the SMSC said to each."""

    msg: Message
    total: int
    unsent: int  # parts not yet submitted
    waiting: int = 0  # parts submitted, response not yet come
    ok: dict[int, tuple[float, str]] = field(default_factory=dict)  # seq -> (sent_at, smsc_id)
    errors: list[int] = field(default_factory=list)  # statuses of refused parts
    doubt: bool = False  # a part went out and its response never came
    failed_text: str | None = None  # the text cannot be encoded
    sender: SmppAccount | None = None  # the account with its campaign's unit's sender name, when it has one

    @property
    def done(self) -> bool:
        return self.unsent == 0 and self.waiting == 0


class SmppWorker(WorkerThread):
    """Drives one SMPP account; see the module docstring."""

    def __init__(self, account: SmppAccount, config: Config, db_file: str, *, stop: threading.Event,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(name=f"smpp {account.name}")
        self.account = account
        self.label = account.name
        self.config = config
        self.base_config = config
        self.db_file = db_file
        self.stop_event = stop
        self.clock = clock
        self.state = "starting"
        self.ready = threading.Event()
        self.crashed: BaseException | None = None
        self._storage_delay = 0.5  # doubles while writes fail, up to STORAGE_RETRY_MAX
        self.store: Store | None = None
        self.links: list[Link] = []
        self.tx: Link | None = None
        self._parts: collections.deque = collections.deque()  # (flight, TextPart) to submit
        self._flights: dict[int, _Flight] = {}
        self._outcomes: list[Outcome] = []
        self._receipts: list[SmppReceipt] = []
        self._acks: list[tuple[Link, P.DeliverSm]] = []
        self._sent_delta = 0
        self._first_pending: float | None = None
        self._committing: Future | None = None  # the commit the writer thread is making
        self._writer: ThreadPoolExecutor | None = None
        self._writer_local = threading.local()
        self._bucket = TokenBucket(account.rate, min(account.window, account.rate), time.monotonic())
        self._throttle_until = 0.0
        self._throttle_pause = THROTTLE_PAUSE
        self._park_until = 0.0
        self._idle_version = -1
        self._idle_at = 0.0
        self._rebinds = 0
        self._refusals = 0
        self._next_settings = 0.0
        self._settings_seen: dict | None = None
        self._senders: dict[int, tuple[float, SmppAccount]] = {}  # campaign -> (when looked up, its sender)
        self._next_link_row = 0.0
        self._accepted: collections.deque = collections.deque()  # monotonic times of accepted parts (rate_now)
        self._last_error: str | None = None
        self._rng = random.Random()
        self.sent_total = 0

    # -- thread ------------------------------------------------------------------

    def run(self) -> None:
        self.store = Store(self.db_file, migrate=False, clock=self.clock)
        try:
            self._supervise()
        except BaseException as exc:  # noqa: BLE001 — a dead worker must be visible, not silent
            self.crashed = exc
            log.exception("%s: SMPP worker crashed", self.label)
            raise
        finally:
            try:
                self._shutdown()
            except Exception:  # noqa: BLE001 — best effort on the way out
                log.exception("%s: could not finish cleanly", self.label)
            self.store.close()

    # -- the restart policy's hooks (:meth:`WorkerThread._supervise`) ---------------

    def _run_loop(self) -> None:
        self._loop()

    def _after_failure(self, exc: Exception) -> None:
        self._drop_links(f"worker restart: {exc!r}")

    def _on_storage_problem(self, problem: tuple[str, str, str]) -> None:
        """Writes fail (full disk, I/O error): say so on the account's row, wait, try again."""
        _, reason, pesan = problem
        log.error("%s: cannot write to the database: %s", self.label, reason)
        self._show("failed", f"{pesan} / {reason}")
        self._sleep(self._storage_delay)
        self._storage_delay = min(self._storage_delay * 2, STORAGE_RETRY_MAX)

    def _show_failed(self, reason: str) -> None:
        self._show("failed", reason)

    def _loop(self) -> None:
        assert self.store is not None
        self._pending_commit(force=True)
        requeued, unknown = self.store.recover_in_flight(self.config.inflight_policy, modem=self.label)
        if requeued or unknown:
            log.warning("%s: %d message(s) queued again, %d unknown (in flight when the worker stopped)",
                        self.label, requeued, unknown)
        while not self.stop_event.is_set():
            self.beat()
            self._refresh_settings()
            if not self._bound():
                if not self._connect():
                    continue
            self._pump(self._wait_time())
            self._tick()
            self._send_some()
            self._pending_commit()
            self._flush()
            self._link_row()

    def abort(self) -> None:
        """Cut the connections (called by the daemon after the stop grace period)."""
        for link in list(self.links):
            link.close()

    # -- binding -----------------------------------------------------------------

    def _bound(self) -> bool:
        return bool(self.links) and all(link.open_ and link.session.state.value == "bound" for link in self.links)

    def _connect(self) -> bool:
        """Connect and bind every link this account uses; on failure wait the back-off and return False."""
        a = self.account
        self._drop_links(None)
        self._show("binding", self._last_error)
        kinds = ([P.Command.BIND_TRANSCEIVER] if a.bind == "transceiver"
                 else [P.Command.BIND_TRANSMITTER, P.Command.BIND_RECEIVER])
        links = [Link(a.host, a.port, Session(window=a.window, enquire_link=a.enquire_link,
                                              response_timeout=RESPONSE_TIMEOUT), tls=a.tls, tls_ca=a.tls_ca,
                      name=a.name)
                 for _ in kinds]
        self.links = links
        refused: int | None = None
        problem: str | None = None
        early: list[tuple[list, Link]] = []  # what came in the same read as a bind's answer
        for link, kind in zip(links, kinds):
            try:
                link.open()
            except OSError as exc:
                problem = f"cannot connect to {a.host}:{a.port}: {exc} / tidak dapat terhubung ke penyedia"
                break
            link.session.bind(kind, system_id=a.system_id, password=a.password, system_type=a.system_type,
                              now=time.monotonic())
            link.flush()
            status, after = self._await_bind(link)
            early.append((after, link))
            if status is None:
                problem = "no answer to the bind / penyedia tidak menjawab permintaan koneksi"
                break
            if status != 0:
                refused = status
                problem = f"bind refused: {reason(status)}"
                break
        if problem is None:
            self.tx = links[0]
            self._rebinds = self._refusals = 0
            self._last_error = None
            self._show("bound", None, bound_at=self.clock())
            log.info("%s: bound to %s:%d as %s", self.label, a.host, a.port, a.bind)
            for after, link in early:
                self._events(after, link)
            self.ready.set()
            return True
        self._drop_links(None)
        self._last_error = problem
        if refused is not None:
            delay = REFUSED_DELAYS[min(self._refusals, len(REFUSED_DELAYS) - 1)]
            self._refusals += 1
            self._show("refused", problem)
        else:
            delay = REBIND_DELAYS[min(self._rebinds, len(REBIND_DELAYS) - 1)]
            self._rebinds += 1
            self._show("unbound", problem)
        log.warning("%s: %s; trying again in %g s", self.label, problem, delay)
        self.ready.set()
        self._sleep(delay * self._rng.uniform(0.9, 1.1))
        return False

    def _await_bind(self, link: Link) -> tuple[int | None, list]:
        """The bind's status (None when the link closed or no answer came in time), and the events that came
        after the answer in the same read: an SMSC may send a receipt or a resident's SMS right behind its
        bind_resp, and those must be filed once bound, not dropped (the SMSC would wait for their answer)."""
        deadline = time.monotonic() + BIND_TIMEOUT
        while time.monotonic() < deadline and not self.stop_event.is_set():
            self.beat()
            if wait_readable([link], min(0.2, deadline - time.monotonic())):
                events = link.read(time.monotonic())
                for i, event in enumerate(events):
                    if isinstance(event, Bound):
                        return event.status, events[i + 1:]
                    if isinstance(event, Closed):
                        return None, []
                    if isinstance(event, Incoming):  # before the bind's answer (against the spec): sent again
                        link.session.ack(event.pdu, P.Status.ESME_RX_T_APPN)
                link.flush()
            if not link.open_:
                return None, []
        return None, []

    def _drop_links(self, why: str | None) -> None:
        """Close every link; what was in flight becomes in doubt, what was not sent goes back."""
        for link in self.links:
            if link.session.state.value != "closed":
                self._events(link.session.lost(why or "closed"), link)
            link.close()
        self.links, self.tx = [], None
        self._acks.clear()  # unacknowledged deliver_sm come again on the next bind
        self._unsend_all()

    # -- reading -----------------------------------------------------------------

    def _wait_time(self) -> float:
        """How long the next read may wait: not at all while parts can go, else until the next commit or tick."""
        now = time.monotonic()
        if self._committing is not None:
            return 0.002  # the writer's commit ends soon: then there is more to send
        if self._parts and self.tx is not None and self.tx.session.window_free and now >= self._throttle_until:
            return min(self._bucket.wait(now), 0.05)
        if self._first_pending is not None:
            return max(0.0, min(COMMIT_EVERY, self._first_pending + COMMIT_EVERY - now))
        if self._claimable(now):
            return 0.0
        return 0.2

    def _pump(self, timeout: float) -> None:
        for link in wait_readable(self.links, timeout):
            self._events(link.read(time.monotonic()), link)

    def _tick(self) -> None:
        now = time.monotonic()
        for link in list(self.links):
            self._events(link.session.tick(now), link)

    def _events(self, events: list, link: Link) -> None:
        for event in events:
            if isinstance(event, SubmitResult):
                self._result(event.tag, event.status, event.message_id)
            elif isinstance(event, TimedOut):
                self._timed_out(event.tag)
            elif isinstance(event, Incoming):
                self._incoming(event.pdu, link)
            elif isinstance(event, Closed):
                if not event.clean or not self.stop_event.is_set():
                    log.warning("%s: link lost: %s", self.label, event.reason)
                    self._last_error = f"link lost: {event.reason} / koneksi ke penyedia terputus"
                link.close()

    def _incoming(self, deliver: P.DeliverSm, link: Link) -> None:
        assert self.store is not None
        try:
            receipt = P.receipt_of(deliver)
        except PduError as exc:
            log.info("%s: unreadable receipt: %s", self.label, exc)
            link.session.ack(deliver)  # it will not read better the second time
            return
        if receipt is not None:
            self._receipts.append(SmppReceipt(self.label, receipt.message_id, receipt.stat, receipt.err))
            self._acks.append((link, deliver))
            self._first_pending = self._first_pending or time.monotonic()
            return
        try:
            concat, _ = deliver.user_data()
            text = deliver.text()
        except PduError as exc:
            text, concat = f"[pesan tidak terbaca: {exc}]", None
        stamp = datetime.fromtimestamp(self.clock(), timezone.utc).replace(microsecond=0).isoformat()
        file_incoming(self.store, self.config, self.label, deliver.source_addr, text, sc_timestamp=stamp,
                      concat=(concat.ref, concat.total, concat.seq) if concat else None,
                      raw=deliver.payload.hex(), ton=deliver.source_addr_ton, alphanumeric=deliver.source_addr_ton == 5)
        log.info("%s: SMS from %s filed", self.label, mask_number(deliver.source_addr))
        link.session.ack(deliver)

    # -- sending -----------------------------------------------------------------

    def _claimable(self, now: float, *, ahead: bool = False) -> bool:
        """May a claim find something now (a cheap check: a change in the database, or a second passed)?

        ``ahead``: claiming the next batch while parts of the last one still wait to go."""
        if self.tx is None or now < self._throttle_until or now < self._park_until or self.stop_event.is_set():
            return False
        if self._committing is not None:
            return False
        if not ahead and (self._parts or not self.tx.session.window_free):
            return False
        if now - self._idle_at >= IDLE_CLAIM_EVERY:
            return True
        return self.store.data_version() != self._idle_version

    def _send_some(self) -> None:
        """Submit parts while the window and the rate allow; keep the next batch being claimed meanwhile.

        The commit that records what was answered and claims the next messages runs on the writer
        thread while this one talks to the SMSC (its fsync overlaps the network): the wire waits for a
        commit only when the parts claimed before have all gone.
        """
        self._collect_commit(wait=False)
        now = time.monotonic()
        if self.tx is None or now < self._throttle_until or now < self._park_until:
            self._maybe_start_commit(0)
            return
        while not self.stop_event.is_set() and self.tx is not None:
            # The next batch (a window's worth, handed: in doubt after a crash) is claimed once half the
            # last one went: what is claimed, on the wire, or answered and not yet recorded stays within
            # two and a half windows (the in-doubt window).
            if len(self._parts) <= self.account.window // 2 and self._claimable(now, ahead=True):
                self._maybe_start_commit(min(self.account.window, CLAIM_MAX))
            if not self._parts:
                if self._committing is None:
                    break
                self._collect_commit(wait=True)  # the parts to send are being claimed: wait for them
                if not self._parts:
                    break
                continue
            if not self.tx.session.window_free or not self._bucket.take(now):
                break
            flight, part = self._parts.popleft()
            self._submit(flight, part, now)
            now = time.monotonic()
        self._maybe_start_commit(0)

    def _prepare(self, msg: Message) -> None:
        """Cut a claimed message into the parts still to send (a resumed one starts after those sent)."""
        try:
            parts = P.text_parts(msg.text, msg.concat_ref)
        except PduError as exc:
            flight = _Flight(msg, 1, 0, failed_text=exc.reason)
            self._finish(flight)
            return
        todo = [p for p in parts if p.seq > msg.parts_sent]
        flight = _Flight(msg, len(parts), len(todo), sender=self._sender(msg))
        self._flights[msg.id] = flight
        for part in todo:
            self._parts.append((flight, part))
        if not todo:
            self._finish(flight)

    def _sender(self, msg: Message) -> SmppAccount:
        """The account as ``msg`` goes out on it: with the sender name of its campaign's unit when the unit has
        one (SMS masking per dinas: ``DAMKAR-BLTR`` beside ``PEMKAB-BLTR`` on one account), else the account's
        own ``source_addr``. Looked up once a minute per campaign (an admin may change a unit's name)."""
        if msg.campaign_id is None:
            return self.account
        now = time.monotonic()
        known = self._senders.get(msg.campaign_id)
        if known is None or now - known[0] > SENDER_LOOKUP_EVERY:
            assert self.store is not None
            name = units.sender_name_for_campaign(self.store, msg.campaign_id)
            sender = (replace(self.account, source_addr=name, source_ton=None, source_npi=None)
                      if name and name != self.account.source_addr else self.account)
            known = self._senders[msg.campaign_id] = (now, sender)
        return known[1]

    def _submit(self, flight: _Flight, part: P.TextPart, now: float) -> None:
        a, msg = flight.sender or self.account, flight.msg
        report = a.registered_delivery and msg.report and self.config.report
        sm = P.SubmitSm(P.Command.SUBMIT_SM, source_addr_ton=a.ton, source_addr_npi=a.npi, source_addr=a.source,
                        dest_addr_ton=1, dest_addr_npi=1, destination_addr=msg.number.lstrip("+"),
                        esm_class=part.esm_class, priority_flag=1 if msg.emergency else 0,
                        validity_period=P.validity_period(a.validity_minutes), registered_delivery=int(report),
                        data_coding=part.data_coding, short_message=part.short_message)
        flight.unsent -= 1
        flight.waiting += 1
        self.tx.session.submit(sm, tag=(msg.id, part.seq), now=now)

    def _result(self, tag: tuple[int, int], status: int, message_id: str) -> None:
        flight = self._flights.get(tag[0])
        if flight is None:
            return
        flight.waiting -= 1
        if status == 0 and message_id:
            flight.ok[tag[1]] = (self.clock(), message_id)
            self._sent_delta += 1
            self._accepted.append(time.monotonic())
            self._throttle_pause = THROTTLE_PAUSE
        else:
            flight.errors.append(status or P.Status.ESME_RUNKNOWNERR)
            if status in THROTTLED:
                self._slow_down(status)
            elif status in BAD_SOURCE:
                self._park_until = time.monotonic() + SOURCE_PARK
                self._last_error = f"{reason(status)} ({(flight.sender or self.account).source_addr})"
                self._show("bound", self._last_error)
                log.error("%s: %s: sending paused for %g s", self.label, self._last_error, SOURCE_PARK)
        if flight.done:
            self._finish(flight)

    def _timed_out(self, tag: tuple[int, int]) -> None:
        flight = self._flights.get(tag[0])
        if flight is None:
            return
        flight.waiting -= 1
        flight.doubt = True
        if flight.done:
            self._finish(flight)

    def _slow_down(self, status: int) -> None:
        """The SMSC said slow down: pause, longer while it repeats (the token bucket resumes the pace)."""
        now = time.monotonic()
        if now >= self._throttle_until:
            self._throttle_until = now + self._throttle_pause
            self._throttle_pause = min(self._throttle_pause * 2, THROTTLE_MAX)
            self._last_error = reason(status)

    def _unsend_all(self) -> None:
        """Parts not yet submitted (the link went, or the worker stops): their messages go back to the queue."""
        while self._parts:
            flight, _ = self._parts.popleft()
            flight.unsent -= 1
            if flight.done:
                self._finish(flight)

    def _finish(self, flight: _Flight) -> None:
        """Every part answered, timed out or given back: the message's outcome, for the next commit."""
        self._flights.pop(flight.msg.id, None)
        self._outcomes.append(self._outcome(flight))
        self._first_pending = self._first_pending or time.monotonic()

    def _outcome(self, f: _Flight) -> Outcome:
        msg, now = f.msg, self.clock()
        if f.failed_text is not None:
            return Outcome(msg.id, "failed", error_class="bad_message", error=f.failed_text)
        # The parts in order that the SMSC took (a resumed send continues after them).
        prefix = []
        for seq in range(msg.parts_sent + 1, f.total + 1):
            if seq not in f.ok:
                break
            prefix.append((seq, f.total, None, f.ok[seq][0], f.ok[seq][1]))
        parts = tuple(prefix)
        if len(parts) == f.total - msg.parts_sent:
            return Outcome(msg.id, "sent", parts=parts, parts_total=f.total)
        if f.doubt:
            resend = self.config.inflight_policy == "resend" and msg.in_doubt < 1
            log.warning("%s: message %d to %s in doubt (no response); %s", self.label, msg.id,
                        mask_number(msg.number), "will re-send once" if resend else "marked unknown")
            return Outcome(msg.id, "queued" if resend else "unknown", parts=parts, parts_total=f.total,
                           in_doubt=True, error_class="transient", error="no response from the SMSC",
                           count_attempt=False)
        if not f.errors:  # given back unsent (link lost, stopping)
            return Outcome(msg.id, "queued", parts=parts, parts_total=f.total, not_before=now, count_attempt=False)
        status = f.errors[0]
        base = dict(parts=parts, parts_total=f.total, error_code=int(status), error=reason(status)[:300])
        if any(s in BAD_DESTINATION for s in f.errors):
            return Outcome(msg.id, "failed", error_class="bad_destination", **base)
        if status in THROTTLED or status in BAD_SOURCE or status == P.Status.ESME_RINVBNDSTS:
            cls = "operator_blocking" if status in BAD_SOURCE else "transient"
            return Outcome(msg.id, "queued", not_before=now, count_attempt=False, error_class=cls, **base)
        if msg.attempts >= self.config.max_attempts:
            return Outcome(msg.id, "failed", error_class="unknown", **base)
        backoff = min(self.config.retry_base * 2 ** (msg.attempts - 1), self.config.retry_max)
        return Outcome(msg.id, "queued", not_before=now + backoff * self._rng.uniform(0.8, 1.2),
                       error_class="unknown", **base)

    # -- committing ----------------------------------------------------------------

    def _emergency_only(self) -> bool:
        if self.config.unthrottled:
            return False
        return not in_window(self.clock(), *self.config.window(), self.config.tz)

    def _writer_store(self) -> Store:
        """The writer thread's own connection (a Store is never shared between threads)."""
        store = getattr(self._writer_local, "store", None)
        if store is None:
            store = self._writer_local.store = Store(self.db_file, migrate=False, clock=self.clock)
        return store

    def _maybe_start_commit(self, claim: int) -> None:
        """Start a commit on the writer thread when none is running and there is something to write
        (outcomes or receipts waiting COMMIT_EVERY, or a claim)."""
        if self._committing is not None:
            return
        waiting = self._first_pending is not None and time.monotonic() - self._first_pending >= COMMIT_EVERY
        if not claim and not waiting:
            return
        outcomes, receipts, acks, sent = self._outcomes, self._receipts, self._acks, self._sent_delta
        self._outcomes, self._receipts, self._acks, self._sent_delta = [], [], [], 0
        self._first_pending = None
        link = self._link_fields() if time.monotonic() >= self._next_link_row else None
        if link is not None:
            self._next_link_row = time.monotonic() + LINK_ROW_EVERY
        emergency_only = self._emergency_only() if claim else False
        if self._writer is None:
            self._writer = ThreadPoolExecutor(1, thread_name_prefix=f"smpp {self.label} writer")

        def job() -> list[Message]:
            return self._writer_store().smpp_commit(self.label, outcomes, receipts=receipts, claim=claim,
                                                    emergency_only=emergency_only, sent_delta=sent, link=link)

        future = self._writer.submit(job)
        future.siaran_batch = (outcomes, receipts, acks, sent, claim)  # type: ignore[attr-defined]
        self._committing = future

    def _collect_commit(self, wait: bool) -> None:
        """Take the result of the writer's commit when it is done (or wait for it): prepare the messages
        it claimed, acknowledge the receipts it filed. A failed commit gives its outcomes and receipts
        back (written by the next one) and raises (the loop's supervisor deals with it)."""
        future = self._committing
        if future is None or (not wait and not future.done()):
            return
        self._committing = None
        outcomes, receipts, acks, sent, claim = future.siaran_batch  # type: ignore[attr-defined]
        try:
            claimed = future.result()
        except BaseException:
            self._outcomes[:0], self._receipts[:0], self._acks[:0] = outcomes, receipts, acks
            self._sent_delta += sent
            self._first_pending = self._first_pending or time.monotonic()
            raise
        self.sent_total += sent
        for ack_link, deliver in acks:
            if ack_link.open_:
                ack_link.session.ack(deliver)
        if claim and not claimed:
            self._idle_at, self._idle_version = time.monotonic(), self.store.data_version()
        for msg in claimed:
            self._prepare(msg)

    def _commit(self) -> None:
        """Write everything waiting now and wait for it (start, stop)."""
        self._collect_commit(wait=True)
        self._first_pending = self._first_pending or (time.monotonic() - COMMIT_EVERY)
        self._maybe_start_commit(0)
        self._collect_commit(wait=True)

    def _pending_commit(self, force: bool = False) -> None:
        """Commit waiting outcomes and receipts when they have waited COMMIT_EVERY (or ``force``: now)."""
        if force:
            if self._first_pending is not None or self._sent_delta or self._committing is not None:
                self._commit()
            return
        self._collect_commit(wait=False)
        self._maybe_start_commit(0)

    def _close_writer_store(self) -> None:
        store = getattr(self._writer_local, "store", None)
        if store is not None:
            store.close()
            self._writer_local.store = None

    def _flush(self) -> None:
        for link in list(self.links):
            self._events(link.flush(), link)

    # -- showing -----------------------------------------------------------------

    def _link_fields(self) -> dict:
        now = time.monotonic()
        while self._accepted and now - self._accepted[0] > 5.0:
            self._accepted.popleft()
        window_used = self.tx.session.submits if self.tx is not None else 0
        return {"state": self.state, "rate_now": round(len(self._accepted) / 5.0, 1), "window_used": window_used,
                "last_error": (self._last_error or None) and self._last_error[:300]}

    def _link_row(self) -> None:
        """The dashboard's row, about every second even when nothing is sent."""
        if time.monotonic() >= self._next_link_row:
            self._next_link_row = time.monotonic() + LINK_ROW_EVERY
            self.store.update_smpp_link(self.label, **self._link_fields())

    def _show(self, state: str, error: str | None, **extra) -> None:
        """Best effort: this account's state on its ``smpp_links`` row."""
        self.state = state
        try:
            self.store.update_smpp_link(self.label, state=state, last_error=error and error[:300],
                                        window_used=0 if state != "bound" else
                                        (self.tx.session.submits if self.tx else 0), **extra)
        except sqlite3.Error as exc:
            log.debug("%s: could not record state %s: %s", self.label, state, exc)

    def _refresh_settings(self) -> None:
        """The send window and opt-out keywords an admin set on the page (every few seconds)."""
        now = time.monotonic()
        if now < self._next_settings:
            return
        self._next_settings = now + SETTINGS_EVERY
        values = office_settings.read(self.store)
        if values != self._settings_seen:
            self._settings_seen = values
            self.config = office_settings.effective(self.store, self.base_config, values)

    # -- stopping ----------------------------------------------------------------

    def _shutdown(self) -> None:
        """Let what is in flight be answered (briefly), give back what was not sent, commit, unbind."""
        if self.store is None:
            return
        try:
            self._collect_commit(wait=True)
        except sqlite3.Error:
            log.exception("%s: the last commit failed", self.label)
        self._unsend_all()
        deadline = time.monotonic() + STOP_DRAIN
        while self._flights and self.links and time.monotonic() < deadline:
            self._pump(0.05)
            self._tick()
            self._flush()
        if self.links:
            for link in self.links:
                link.session.unbind(time.monotonic())
            self._flush()
            deadline = time.monotonic() + 0.5
            while any(link.open_ and link.session.state.value != "closed" for link in self.links) \
                    and time.monotonic() < deadline:
                self._pump(0.05)
        self._drop_links("stopping")
        for flight in list(self._flights.values()):  # never answered: in doubt, as after a crash
            flight.doubt, flight.waiting = True, 0
            self._finish(flight)
        try:
            self._commit()
            if self.crashed is None:
                self._show("stopped", None)
        except sqlite3.Error:
            log.exception("%s: could not record the last outcomes (recovered at the next start)", self.label)
        finally:
            if self._writer is not None:
                self._writer.submit(self._close_writer_store).result(10)
                self._writer.shutdown(wait=True)
                self._writer = None
