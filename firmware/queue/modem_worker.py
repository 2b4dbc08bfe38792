"""One modem's worker: keeps the modem alive, drains the queue through it, files what it hears.

A :class:`ModemWorker` is a thread that owns one :class:`~firmware.modem.driver.Modem`
and its own :class:`~firmware.queue.store.Store` connection.  Its loop:

1. make sure the modem is up (open, initialise; otherwise the recovery ladder:
   resync, ``AT+CFUN=1,1``, power-cycle hook, then "dead" with a slow retry);
2. handle what the modem said (incoming SMS, delivery reports, reboots);
3. send: claim the next due message (respecting hold, window, per-SIM limits,
   routing), send it, and record the outcome together with the next claim in
   one commit;
4. when idle, wait for a URC or a change in the database (``PRAGMA
   data_version``), so a newly queued emergency goes out within tens of ms.

Errors are classified (:mod:`firmware.modem.errorclass`): a bad number fails
alone, a transient error retries with backoff, a modem, network or operator
fault parks this modem and leaves the message for another one.

The worker is three files: this one holds the thread, its supervision and
the send loop (with the idle wait); :mod:`firmware.queue.modem_recovery` the
recovery ladder, parking and the network wait; :mod:`firmware.queue.modem_inbox`
the filing of what the modem hears (stored messages, delivery reports).

A modem without the network (registration lost: ``+CREG: 2`` or ``+CMS ERROR: 331``)
is parked only until it registers again: the worker listens for the
registration URCs it enabled and asks ``AT+CREG?`` every few seconds in case
one is lost, and sends (an emergency first) as soon as the modem is back.  A
send that failed while the modem had no network is the network's fault, not
the message's: it goes back to the queue at once, its attempt not counted.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable

from firmware.office import settings as office_settings
from firmware.box.clock import real_seconds
from firmware.office.config import Config, ModemConfig
from firmware.errors import CommandError, ModemError, ModemTimeout, ModemUnavailable, PduError
from firmware.queue import wake
from firmware.queue.limits import RateLimiter, in_window
from firmware.modem import pdu
from firmware.modem.driver import Modem
from firmware.modem.errorclass import ErrorClass, classify
from firmware.people.numbers import OPERATOR_PREFIXES
from firmware.people.privacy import mask_number
from firmware.queue.modem_inbox import ModemInbox
from firmware.queue.modem_recovery import PARK_SECONDS, ModemRecovery, registration_text
from firmware.queue.store import Message, Outcome, Report, Store
from firmware.queue.worker import STORAGE_RETRY_MAX, WorkerThread

log = logging.getLogger(__name__)

ALL_ROUTES = tuple(OPERATOR_PREFIXES)

SETTINGS_EVERY = 5.0  # seconds between looks at the office settings (window, limits, keywords)
#: Signal samples (``modem_samples``) are kept this long; older ones are purged about hourly.
SAMPLE_KEEP_SECONDS = 7 * 86400.0
SAMPLE_PURGE_SECONDS = 3600.0
#: How long a balance check the page asked for may keep the modem from sending (USSD answer wait).
REQUEST_USSD_TIMEOUT = 10.0
#: Seconds between looks at ``modem_requests`` while idle (a new request also wakes the idle wait).
REQUEST_POLL_SECONDS = 2.0
COUNTER_EVERY = 5.0  # seconds between writes of a modem's sent counter during a blast
#: With indications the modem buffers (CNMI mode 2), the SIM is still swept every few status refreshes
#: (~5 min): an SMS whose +CMTI was lost to line noise is filed late, not at the next restart. With
#: lossy or no indications it is swept at every refresh.
SWEEP_EVERY_REFRESHES = 5
NO_BALANCE_CODE = "no balance code for this operator"


class LiveRoutes:
    """Which operators currently have a working SIM (shared by the workers of one daemon)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_worker: dict[str, str | None] = {}

    def set(self, worker: str, route: str | None) -> None:
        with self._lock:
            if route is None:
                self._by_worker.pop(worker, None)
            else:
                self._by_worker[worker] = route

    def routes(self) -> set[str]:
        with self._lock:
            return set(self._by_worker.values())


def claim_routes(my_route: str | None, live: set[str], routing: bool) -> list[str | None] | None:
    """The order in which a worker looks for messages (None: any message, no routing).

    Its own operator's numbers first, then unrouted numbers, then numbers of
    operators with no working SIM; never numbers another live SIM serves.
    """
    if not routing or not live:
        return None
    order: list[str | None] = []
    if my_route is not None:
        order.append(my_route)
    order.append(None)
    order.extend(r for r in ALL_ROUTES if r not in live and r != my_route)
    return order


class ModemWorker(ModemRecovery, ModemInbox, WorkerThread):
    """Drives one modem; see the module docstring."""

    def __init__(
        self,
        mc: ModemConfig,
        config: Config,
        db_file: str,
        *,
        stop: threading.Event,
        live_routes: LiveRoutes | None = None,
        power_cycle: Callable[[str], bool] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(name=f"worker {mc.name}")
        self.mc = mc
        self.config = config
        self.base_config = config  # the file's; office settings from the page are applied over it
        self._settings_seen: dict | None = None
        self._next_settings = 0.0
        self.db_file = db_file
        self.stop_event = stop
        self.live_routes = live_routes or LiveRoutes()
        self.power_cycle = power_cycle or (lambda name: False)
        self.clock = clock
        self.state = "starting"
        self.ready = threading.Event()  # set once the modem is up or known absent/dead
        self.modem: Modem | None = None
        self.route: str | None = mc.route
        self.store: Store | None = None
        self.limiter = RateLimiter(mc.per_minute, mc.per_hour, mc.per_day)
        self._needs_init = True
        self._next_status = 0.0
        self._refreshes = 0
        self._next_balance = 0.0
        self._next_purge = 0.0
        self._next_requests = 0.0
        self._requests_version = -1
        self._validity = pdu.parse_validity(config.validity) if config.validity else None
        self._window = config.window()
        self._rng = random.Random()
        self._last_version = -1
        self.wake = threading.Event()  # set by a commit elsewhere (firmware.queue.wake), a URC, or stop
        self._woken_by_commits = False  # subscribed to the commits' wake-ups (else: look every 20 ms)
        self._reports: list[Report] = []  # waiting to ride along with the next commit
        self._carry: Outcome | None = None  # the last message's outcome, not yet committed
        self._unrecorded: list[tuple[int, int, int | None, float]] = []  # (seq, total, mr, sent_at) not committed
        self._next: Message | None = None  # claimed ahead while the modem was busy
        self._unrecorded_of: int | None = None  # the message the unrecorded parts belong to
        self._sent_delta = 0  # parts sent since the modem's counter was last written
        self._next_counter = 0.0  # monotonic time from which a handing commit writes the counter again
        self._pipeline = config.unthrottled or config.jitter_max == 0
        self._registration: dict[str, str] = {}  # last known, per domain (from polls and URCs)
        self._no_network: str | None = None  # why this modem is parked waiting for the network
        self._network_check = 0.0  # monotonic time of the next registration poll while waiting
        self._network_strikes = 0  # network faults in a row while the modem said it was registered
        self._need_parts = 1  # parts the next claim must fit in the SIM's limits (a long message that did not)
        self._reserved = 0  # parts of the message being sent that have not gone yet (a claim ahead must leave room)
        self.crashed: BaseException | None = None  # set when the worker gave up (the daemon then exits)
        self.storage: tuple[str, str, str] | None = None  # (state, reason, pesan) while writes fail
        self._pending: list[Outcome] = []  # outcomes a failed commit could not record yet
        self._storage_delay = 0.5
        self._before_storage: tuple[str, str | None] = ("starting", None)
        self._row_written = False  # the modem row and its send history are set up (first start done)

    # -- thread ---------------------------------------------------------------

    def run(self) -> None:
        self.store = Store(self.db_file, migrate=False, clock=self.clock, wakes_daemon=False)  # one clock for the limits and sent_at
        self._woken_by_commits = wake.subscribe(self.db_file, self.wake)
        try:
            self._supervise()
        except BaseException as exc:  # noqa: BLE001 — a dead worker must be visible, not silent
            self.crashed = exc
            log.exception("%s: worker crashed", self.mc.name)
            raise
        finally:
            self.live_routes.set(self.mc.name, None)
            try:
                self._flush_pending()
                self._flush_reports()
            except Exception:  # noqa: BLE001 — best effort on the way out
                log.exception("%s: could not file %d delivery report(s)", self.mc.name, len(self._reports))
            if self.modem is not None:
                self.modem.close()
            try:
                if self.crashed is None:  # a worker that gave up keeps showing "failed"
                    self.store.upsert_modem(self.mc.name, state="stopped")
            except Exception:  # noqa: BLE001 — best effort on the way out
                pass
            wake.unsubscribe(self.db_file, self.wake)
            self.store.close()

    # -- the restart policy's hooks (:meth:`WorkerThread._supervise`) ---------------

    def _run_loop(self) -> None:
        self._resume()
        self._loop()

    def _show_failed(self, reason: str) -> None:
        self._show_state("failed", reason)

    def _before_restart(self, exc: Exception) -> None:
        self._needs_init = True  # the modem may be mid-conversation: start it afresh
        self._show_state("recovering", f"restarting after: {exc!r}"[:300])

    def _resume(self) -> None:
        """(Re)start the loop: write what a failure left unwritten, settle this modem's messages still
        ``sending`` (as after a crash) and, the first time, register the modem and its send history."""
        assert self.store is not None
        self.beat()
        if not self._row_written:
            self.store.upsert_modem(self.mc.name, port=self.mc.port, model=self.mc.model, state="starting",
                                    started_at=self.clock())
            self.limiter = RateLimiter(self.mc.per_minute, self.mc.per_hour, self.mc.per_day,
                                       self.store.parts_sent_since(self.mc.name, self.clock() - 86400))
            self._row_written = True
            return
        self._flush_pending()
        requeued, unknown = self.store.recover_in_flight(self.config.inflight_policy, modem=self.mc.name)
        if requeued or unknown:
            log.warning("%s: after the restart: %d message(s) queued again, %d unknown", self.mc.name, requeued,
                        unknown)
        if self.storage is not None:
            log.warning("%s: the database takes writes again; sending resumes", self.mc.name)
            self.storage = None
            state, reason = self._before_storage
            if state == "ready" and not self._needs_init:
                self.live_routes.set(self.mc.name, self.route)
            self._set_state(state, reason, parked_until=getattr(self, "_parked_until", None)
                            if state == "parked" else None)

    def _loop(self) -> None:
        while not self.stop_event.is_set():
            self.beat()
            if self._needs_init and not self._bring_up():
                continue
            try:
                self._handle_events()
                self._maybe_refresh_status()
                if not self._send_cycle() and not self._serve_requests():
                    self._idle_wait()
            except (ModemError, OSError) as exc:
                self._on_modem_problem(exc)

    def _on_storage_problem(self, problem: tuple[str, str, str]) -> None:
        """Writes fail (full disk, I/O error): say so where the page and the LEDs look, wait, try again."""
        state, reason, pesan = problem
        if self.storage is None:
            log.error("%s: cannot write to the database, sending paused: %s", self.mc.name, reason)
            self._storage_delay = 0.5
            self._before_storage = (self.state, None)  # shown again once writes succeed
        self.storage = problem
        self._show_state(state, f"{pesan} / {reason}"[:300])
        self.ready.set()  # known not working: the daemon need not wait for it
        self._sleep(self._storage_delay)
        self._storage_delay = min(self._storage_delay * 2, STORAGE_RETRY_MAX)

    def _show_state(self, state: str, reason: str | None) -> None:
        """Best effort: this worker's state on its modem row, even while most writes fail (an UPDATE of an
        existing row needs no new page of a full database)."""
        self.state = state
        self.live_routes.set(self.mc.name, None)
        try:
            self.store.upsert_modem(self.mc.name, state=state, state_reason=reason)
        except sqlite3.Error as exc:
            log.debug("%s: could not record state %s: %s", self.mc.name, state, exc)

    def _flush_pending(self) -> None:
        """Commit what a failed commit left (outcomes, parts sent, reports) before anything else."""
        if self._carry is not None or self._pending or self._unrecorded or self._sent_delta or self._reports:
            self._commit(claim=False)

    def abort(self) -> None:
        """Interrupt a blocking modem conversation (called by the daemon after the stop grace period)."""
        modem = self.modem
        if modem is not None:
            modem.channel.close()

    def _set_state(self, state: str, reason: str | None, parked_until: float | None = None) -> None:
        changed = state != self.state
        if changed:
            log.info("%s: %s -> %s (%s)", self.mc.name, self.state, state, reason)
        self.state = state
        if state != "ready":
            self.live_routes.set(self.mc.name, None)
        if changed and state != "ready":
            # A gap in the signal history, marked with why (the page draws it as such).
            self.store.record_modem_status(
                self.mc.name, {"state": state, "state_reason": reason, "parked_until": parked_until},
                at=self.clock(), state=state)
        else:
            self.store.upsert_modem(self.mc.name, state=state, state_reason=reason, parked_until=parked_until)


    # -- sending --------------------------------------------------------------

    def _refresh_settings(self, now: float) -> None:
        """Apply the send window, SIM limits and opt-out keywords an admin set on the page (every few s)."""
        if now < self._next_settings or self.store is None:
            return
        self._next_settings = now + SETTINGS_EVERY
        values = office_settings.read(self.store)
        if values == self._settings_seen:
            return
        self._settings_seen = values
        config = office_settings.effective(self.store, self.base_config, values)
        mc = next((m for m in config.modems if m.name == self.mc.name), self.mc)
        self.config, self.mc = config, mc
        self._window = config.window()
        self.limiter.set_limits(mc.per_minute, mc.per_hour, mc.per_day)
        log.info("%s: send window %s-%s, limits %d/min %d/h %d/day, opt-out keywords %s", mc.name,
                 config.window_start, config.window_end, mc.per_minute, mc.per_hour, mc.per_day,
                 ",".join(config.optout_keywords))

    def _gate(self) -> tuple[bool, bool, float]:
        """(may claim, emergencies only, seconds to wait before anything may go)."""
        now = self.clock()
        self._refresh_settings(now)
        if self.state == "parked":
            return False, False, 0.0  # the idle wait does the waiting, and hears the network return
        if self.config.unthrottled:
            return True, False, 0.0  # the claim itself honours the hold
        wait = self.limiter.wait_time(now, self._need_parts + self._reserved)
        if wait > 0:
            # Over the SIM's limits only an emergency may go: a landslide warning
            # must not wait an hour for the quota a blast used up.
            return True, True, min(wait, 5.0)
        outside = not in_window(now, *self._window, self.config.tz)
        return True, outside, 0.0

    def _send_cycle(self) -> bool:
        """Claim and send until nothing is due; True when anything was sent.

        Pipelined (see :meth:`_record_hook`): while the modem prepares the prompt for
        a part, one commit records what already went out, files delivery reports
        and claims the next message.  So the modem waits for at most one commit
        per part, and at any moment at most one message has gone out unrecorded:
        the bound on duplicates after a crash.
        """
        assert self.store is not None
        msg = self._commit(claim=True)
        sent_any = False
        try:
            while msg is not None and not self.stop_event.is_set():
                self.beat()
                claimed, msg = msg, None
                outcome, problem = self._send(claimed)
                self._reserved = 0
                sent_any = True
                nxt, self._next = self._next, None
                self._carry = outcome
                if problem is not None or self.state == "parked":
                    release = [Outcome(nxt.id, "queued", count_attempt=False)] if nxt is not None else []
                    self._commit(claim=False, extra=release)
                    if problem is not None:
                        raise problem
                    return sent_any
                self._handle_events()
                if not self._pipeline and not claimed.emergency:
                    self._commit(claim=False)
                    self._sleep(self._rng.uniform(self.config.jitter_min, self.config.jitter_max))
                msg = nxt if nxt is not None else self._commit(claim=True)
        finally:
            # Messages claimed but never handed to the modem go back, not in doubt.
            unsent = [m for m in (msg, self._next) if m is not None]
            self._next = None
            release = [Outcome(m.id, "queued", count_attempt=False) for m in unsent]
            if self._carry is not None or self._pending or self._unrecorded or self._sent_delta or release:
                self._commit(claim=False, extra=release)
        return sent_any

    def _commit(self, *, claim: bool, extra: list[Outcome] | None = None, progress_of: int | None = None,
                reports: bool = True, may_wait: bool = True, handed: int | None = None) -> Message | None:
        """One transaction: the carried outcome, unrecorded parts, reports, a message handed, and maybe a claim."""
        assert self.store is not None
        outcomes = ([self._carry] if self._carry is not None else []) + self._pending + (extra or [])
        if reports:
            reports_now, self._reports = self._reports, []
        else:
            reports_now = []
        parts, self._unrecorded = self._unrecorded, []
        progress_of = progress_of if progress_of is not None else self._unrecorded_of
        self._carry, self._pending = None, []
        sent_delta = 0
        if reports and (handed is None or time.monotonic() >= self._next_counter):
            # The modem's sent counter is for people (siaran status, the page): in a blast, the commit
            # that hands a message writes it every few seconds, not its page every time.
            sent_delta, self._sent_delta = self._sent_delta, 0
            self._next_counter = time.monotonic() + COUNTER_EVERY
        may, emergency_only, wait = self._gate() if claim else (False, False, 0.0)
        routes = claim_routes(self.route, self.live_routes.routes(), self.config.routing) if may else None
        try:
            msg = self.store.complete_and_claim(
                outcomes, self.mc.name, claim=may, emergency_only=emergency_only, routes=routes,
                reports=reports_now, progress=(progress_of, parts) if parts and progress_of is not None else None,
                sent_delta=sent_delta, handed=handed)
        except BaseException:
            # Nothing was written (one transaction): keep it all for the next commit, so a full disk
            # or a failed verb loses no outcome, part, report or count.
            self._pending = outcomes + self._pending
            self._unrecorded = parts + self._unrecorded
            self._reports = reports_now + self._reports
            self._sent_delta += sent_delta
            raise
        if msg is not None and not self._fits_limits(msg):
            self._pending.append(Outcome(msg.id, "queued", count_attempt=False))
            self._flush_pending()
            msg, wait = None, max(wait, 1.0)
        if may_wait and claim and msg is None and wait > 0 and self.store.has_due():
            self._sleep(wait)  # over the SIM's limits: nothing but emergencies until the window frees
        return msg

    def _fits_limits(self, msg: Message) -> bool:
        """May every part ``msg`` still has to send go out now within the SIM's limits?

        The gate before a claim cannot know the message's length: a two-part message claimed
        with one part left in the hour would make 301/300. One that does not fit goes back to
        the queue, and the gate waits until its parts fit (emergencies are never held back).
        """
        if msg.emergency or self.config.unthrottled:
            return True
        try:
            parts = len(pdu.split_text(msg.text, pdu.choose_encoding(msg.text))) - msg.parts_sent
        except PduError:
            parts = 1  # the send itself fails it as a bad message
        self._need_parts = max(1, parts)
        if self.limiter.wait_time(self.clock(), self._need_parts + self._reserved) > 0:
            return False
        self._need_parts = 1
        return True

    def _send(self, msg: Message) -> tuple[Outcome, BaseException | None]:
        """Send ``msg`` (resuming after parts already sent); never raises for modem errors."""
        assert self.modem is not None
        try:
            parts = pdu.encode_submit(msg.number, msg.text, report=msg.report and self.config.report,
                                      validity=self._validity, concat_ref=msg.concat_ref)
        except PduError as exc:
            return Outcome(msg.id, "failed", error_class="bad_message", error=exc.reason), None
        total = len(parts)
        self._reserved = total - msg.parts_sent
        first = True
        for seq, part in enumerate(parts, start=1):
            if seq <= msg.parts_sent:
                continue
            record = self._record_hook(msg, first=first)
            first = False
            try:
                mr = self.modem.send_pdu(part.pdu, part.tpdu_length, on_written=record)
            except (ModemTimeout, ModemUnavailable) as exc:
                self.limiter.restamp(self.clock())  # it may have gone at any moment until now
                return self._in_doubt(msg, exc, total), exc
            except CommandError as exc:
                return self._failed_send(msg, exc, total), None
            sent_at = self.clock()  # +CMGS: the network has it (the limits and message_parts count from here)
            self.limiter.restamp(sent_at)
            self._sent_delta += 1
            self._unrecorded_of = msg.id
            self._unrecorded.append((seq, total, mr, sent_at))
        done, self._unrecorded = tuple(self._unrecorded), []
        self._network_strikes = 0
        return Outcome(msg.id, "sent", parts=done, parts_total=total), None

    def _record_hook(self, msg: Message, *, first: bool) -> Callable[[], None]:
        """The one commit around one part of ``msg``, made while the modem prepares its prompt.

        It records what already went out (the previous message's outcome, earlier parts of this one)
        and, on the claim's first part, that ``msg`` is now handed to the modem — this must be durable
        before this part's PDU is written, so at most one message is ever sent and unrecorded, and a
        crash puts in doubt only a message that may really have gone.  The same commit files the
        delivery reports that came meanwhile and claims the next message: one durable commit per
        message, not two (each commit writes its changed pages to the WAL again: bytes on the SD card).
        """
        def record() -> None:
            # Count the part against the SIM's limits now, so the claim ahead sees it (and the rest reserved).
            self.limiter.record(self.clock())
            self._reserved = max(0, self._reserved - 1)
            claim = first and self._pipeline and self._next is None
            if first or claim or self._carry is not None or self._unrecorded:
                nxt = self._commit(claim=claim, may_wait=False, progress_of=msg.id, handed=msg.id if first else None)
                if nxt is not None:
                    self._next = nxt

        return record

    def _in_doubt(self, msg: Message, exc: BaseException, total: int) -> Outcome:
        """The modem stopped answering during AT+CMGS: the SMS may or may not have gone."""
        resend = self.config.inflight_policy == "resend" and msg.in_doubt < 1
        log.warning("%s: message %d to %s in doubt (%s); %s", self.mc.name, msg.id, mask_number(msg.number), exc,
                    "will re-send once" if resend else "marked unknown")
        return Outcome(msg.id, "queued" if resend else "unknown", parts=self._take_unrecorded(), parts_total=total,
                       in_doubt=True, error_class=ErrorClass.TRANSIENT.value, error=str(exc), count_attempt=False)

    def _take_unrecorded(self) -> tuple[tuple[int, int, int | None], ...]:
        done, self._unrecorded = tuple(self._unrecorded), []
        return done

    def _failed_send(self, msg: Message, exc: CommandError, total: int) -> Outcome:
        cls = classify(exc)
        self.store.count_error(self.mc.name, cls.value)
        base = dict(parts=self._take_unrecorded(), parts_total=total, error_class=cls.value, error_code=exc.code,
                    error=str(exc))
        log.info("%s: message %d to %s: %s (%s)", self.mc.name, msg.id, mask_number(msg.number), exc, cls.value)
        if cls is ErrorClass.BAD_DESTINATION:
            return Outcome(msg.id, "failed", **base)
        if cls in (ErrorClass.NETWORK_FAULT, ErrorClass.TRANSIENT, ErrorClass.UNKNOWN) and self._network_lost(exc):
            return Outcome(msg.id, "queued", not_before=self.clock(), count_attempt=False, **base)
        if cls in PARK_SECONDS:
            self._park(cls, exc)
            return Outcome(msg.id, "queued", not_before=self.clock(), count_attempt=False, **base)
        if msg.attempts >= self.config.max_attempts:
            return Outcome(msg.id, "failed", **base)
        backoff = min(self.config.retry_base * 2 ** (msg.attempts - 1), self.config.retry_max)
        backoff *= self._rng.uniform(0.8, 1.2)
        return Outcome(msg.id, "queued", not_before=self.clock() + backoff, **base)

    def _idle_wait(self) -> None:
        """Wait briefly for a URC or a database change (new messages, hold lifted)."""
        assert self.store is not None
        if self.state == "parked" and self._no_network is not None:
            self._wait_for_network()
            return
        if self.state == "parked":
            if self.clock() >= getattr(self, "_parked_until", 0):
                self._set_state("ready", None)
                self.live_routes.set(self.mc.name, self.route)
            else:
                self._sleep(1.0)
            return
        # Asleep until a commit elsewhere pokes (firmware.queue.wake), the modem says something, or a
        # second passes; without the pokes, a look at the database every 20 ms.
        if self.modem is not None:
            self.modem.channel.on_urc = self.wake.set
        deadline = time.monotonic() + real_seconds(self.clock, 1.0)
        while not self.stop_event.is_set():
            self.beat()
            self.wake.clear()  # before looking: what comes after the look sets it again
            event = self.modem.next_event(timeout=0) if self.modem else None
            if event is not None:
                self._handle_event(event)
                return
            version = self.store.data_version()
            if version != self._last_version:
                self._last_version = version
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self.wake.wait(remaining if self._woken_by_commits else min(remaining, 0.02))
        # Nothing changed for a second: maybe a retry's not_before has passed.

    # -- status ---------------------------------------------------------------

    def _maybe_refresh_status(self) -> None:
        now = self.clock()
        if now < self._next_status or self.modem is None:
            return
        self._next_status = now + self.config.status_interval
        status = self.modem.status()
        fields = dict(signal_dbm=status.signal.dbm, operator=status.operator, operator_code=status.operator_code,
                      registration=registration_text(status.registration), last_seen=now)
        code = self.config.balance_code(self.mc, self.route)
        if code and now >= self._next_balance and status.registered:  # USSD needs the network: checked once back
            self._next_balance = now + self.config.balance_interval
            try:
                reply = self.modem.ussd(code)
            except CommandError as exc:  # the network refused it (+CME ERROR 30): not a modem fault
                log.info("%s: balance check failed: %s", self.mc.name, exc)
            else:
                if reply.text:
                    fields.update(balance=reply.text[:200], balance_at=now)
        purge = None
        if now >= self._next_purge:
            self._next_purge = now + SAMPLE_PURGE_SECONDS
            purge = now - SAMPLE_KEEP_SECONDS
        self.store.record_modem_status(self.mc.name, fields, at=now, state=self.state, purge_before=purge)
        self._on_registration(status.registration)  # a registration URC lost on the line is caught here
        self._refreshes += 1
        if self.modem.indications != "buffered" or self._refreshes % SWEEP_EVERY_REFRESHES == 0:
            self._collect_stored()  # what arrived without a word (indication lost or never configured)

    # -- requests from the page (modem_requests) -------------------------------

    def _serve_requests(self) -> bool:
        """At an idle moment, do what the page asked of this modem (check the balance now).

        Looked at every few seconds, or at once when the database changed. Returns True when it did
        something (the loop then looks for messages again before waiting)."""
        assert self.store is not None
        if self.modem is None or self.state != "ready" or self.stop_event.is_set():
            return False
        now = time.monotonic()
        version = self.store.data_version()
        if now < self._next_requests and version == self._requests_version:
            return False
        self._next_requests, self._requests_version = now + REQUEST_POLL_SECONDS, version
        pending = self.store.pending_modem_requests(self.mc.name)
        if not pending:
            return False
        balance = [r["id"] for r in pending if r["kind"] == "balance"]
        other = [r["id"] for r in pending if r["kind"] != "balance"]
        if other:
            self.store.finish_modem_requests(other, "unknown request")
        if balance:
            self._check_balance_now(balance)
        return True

    def _check_balance_now(self, ids: list[int]) -> None:
        """One USSD for every waiting balance request; its answer becomes the modem's balance."""
        assert self.modem is not None and self.store is not None
        code = self.config.balance_code(self.mc, self.route)
        if not code:
            self.store.finish_modem_requests(ids, NO_BALANCE_CODE)
            return
        self.beat()
        try:
            reply = self.modem.ussd(code, timeout=REQUEST_USSD_TIMEOUT)
        except CommandError as exc:  # the codes themselves are checked when the configuration is loaded
            self.store.finish_modem_requests(ids, f"error: {exc}")
            return
        except (ModemError, OSError) as exc:
            self.store.finish_modem_requests(ids, f"error: {exc}")
            raise
        if reply.text:
            self._next_balance = self.clock() + self.config.balance_interval
            self.store.finish_modem_requests(ids, reply.text[:200], balance=reply.text[:200], modem=self.mc.name)
            log.info("%s: balance checked on request (%s)", self.mc.name, code)
        else:
            self.store.finish_modem_requests(ids, f"no answer from the network (USSD status {reply.status})")

    def _refuse_requests(self, why: str) -> None:
        """Answer waiting requests when the modem cannot do them (absent, dead): the page must not wait forever."""
        try:
            pending = self.store.pending_modem_requests(self.mc.name)
            if pending:
                self.store.finish_modem_requests([r["id"] for r in pending], why[:300])
        except Exception:  # noqa: BLE001 — never let this keep the modem from coming back
            log.exception("%s: could not answer waiting requests", self.mc.name)
