"""The queue and everything else in the SQLite file, as verbs.

The schema and its migrations live in :mod:`firmware.queue.schema`; this module
holds the verbs of the queue (messages, parts, reports, the hold, the inbox,
opt-outs, settings and templates, the audit log), and its mixin
(:mod:`firmware.queue.store_modems`) those of the modems' rows.  Each other area keeps its own SQL in its own
module under ``firmware/`` (contacts and audiences in ``firmware/people/``, campaigns
in ``firmware/campaigns/``, users, sessions and tokens in ``firmware/office/``); the
page and the CLI call verbs and write no SQL (``tests/queue/test_sql_owners.py``).
Every process — daemon, web page, USB import, CLI —
opens its own :class:`Store` on the same file; the file is their only
contract.  Connections use WAL, ``synchronous=FULL`` (a committed queue
transition survives a power cut) and a busy timeout.

Queue life of one message (``messages.state``)::

    queued --claim--> sending --complete--> sent --all parts' reports--> delivered | failed
       ^                 |  \\--fail--> failed      (permanent error, too many attempts)
       |                 \\--requeue--> queued      (transient error: retry later)
       +--- recover_in_flight (after a crash: re-send once, or 'unknown')
    queued <--pause/resume--> paused;  queued --cancel--> cancelled;  --expire--> expired
    suppressed: the number opted out after the message was queued

A worker commits ``sending`` before ``AT+CMGS`` and records the result and
claims its next message in one transaction, so each message costs one
durable commit.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from firmware.queue import schema, wake
from firmware.queue.smpp_store import SmppVerbs
from firmware.errors import BilingualError
from firmware.modem.segments import analyse
from firmware.people.numbers import InvalidNumber, canonical_sender, normalise, optout_match
from firmware.queue.store_modems import ModemRows

if TYPE_CHECKING:
    from sqlite_utils import Database

DB_NAME = "siaran.db"

#: Bytes per database page of a new file.  Every commit writes each page it changed whole into the
#: WAL: sending one message changes ~15 pages (its row, its part, their indexes, the counters), so
#: 1 KiB pages write ~16 KB per message where SQLite's 4 KiB default wrote ~60 KB (an SD card's wear).
#: A file made with another page size keeps it.
PAGE_SIZE = 1024
WAL_CHECKPOINT_BYTES = 4 * 1024 * 1024

#: priority at and above which a message is an emergency (ignores hold and window).
EMERGENCY = 100

#: priority of a reply from the inbox: before blasts (0), after opt-out confirmations (90), never an emergency.
REPLY_PRIORITY = 50

#: Every state of ``messages.state``, in the order the pages list them (the life of one message: above).
MESSAGE_STATES = ("queued", "paused", "sending", "sent", "delivered", "failed", "unknown", "cancelled", "expired",
                  "suppressed")
#: States in which a message is finished.
FINAL_STATES = ("delivered", "failed", "unknown", "cancelled", "expired", "suppressed")
#: States of a message still to send (what a page counts as outstanding).
OUTSTANDING_STATES = ("queued", "sending", "paused")
#: Handed to the network: "sent" on a page counts these, never failed or unknown (in doubt) messages.
SENT_STATES = ("sent", "delivered")


class StoreError(BilingualError, ValueError):
    """A change the store refuses (a duplicate name, a shipped template); ``pesan`` in Bahasa Indonesia."""


@dataclass(frozen=True)
class Message:
    """A claimed message, as a worker needs it."""

    id: int
    number: str
    text: str
    priority: int
    report: bool
    concat_ref: int
    parts_sent: int
    attempts: int
    in_doubt: int
    campaign_id: int | None

    @property
    def emergency(self) -> bool:
        return self.priority >= EMERGENCY


@dataclass(frozen=True)
class Hold:
    """The global hold: while active only emergencies are sent."""

    active: bool
    reason: str | None
    set_by: str | None
    set_at: float | None


@dataclass(frozen=True)
class Outcome:
    """What happened to a claimed message, recorded by :meth:`Store.complete_and_claim`.

    ``parts``: (seq, total, mr) or (seq, total, mr, sent_at) of the parts this attempt sent.
    ``state``: ``sent``, ``queued`` (retry at ``not_before``), ``failed`` or ``unknown``.
    """

    message_id: int
    state: str
    parts: tuple[tuple, ...] = ()
    parts_total: int | None = None
    not_before: float = 0.0
    error_class: str | None = None
    error_code: int | None = None
    error: str | None = None
    count_attempt: bool = True
    in_doubt: bool = False  # the modem may have sent it (timeout during AT+CMGS)


@dataclass(frozen=True)
class Report:
    """A delivery report as the modem gave it, waiting to be matched."""

    modem: str
    mr: int
    recipient: str
    status: int
    status_class: str
    final: bool


@dataclass(frozen=True)
class ReportMatch:
    """A delivery report matched to a part; ``message_state`` when the message became final."""

    message_id: int
    part_id: int
    number: str
    message_state: str | None


#: What a storage failure means for sending, by SQLite's words for it: (state, English, Bahasa Indonesia).
STORAGE_PROBLEMS = (
    ("disk is full", "disk_full", "the disk is full: free some space, sending resumes by itself",
     "disk penuh: kosongkan sebagian ruang, pengiriman berlanjut sendiri"),
    ("disk i/o error", "storage_error", "the storage reports I/O errors (a failing SD card?)",
     "penyimpanan gagal baca/tulis (kartu SD rusak?)"),
    ("unable to open", "storage_error", "the database file cannot be opened",
     "berkas basis data tidak dapat dibuka"),
    ("readonly", "storage_error", "the database became read-only (the file system was remounted?)",
     "basis data hanya-baca (sistem berkas dipasang ulang?)"),
    ("locked", "storage_error", "the database stayed locked by another program",
     "basis data terkunci oleh program lain"),
)


def storage_problem(exc: BaseException) -> tuple[str, str, str] | None:
    """(state, reason, pesan) when ``exc`` is a storage failure that passes once writes succeed again
    (a full disk, an I/O error, a lock held too long); None for anything else, a corrupt file included."""
    if not isinstance(exc, sqlite3.OperationalError):
        return None
    text = str(exc).lower()
    for words, state, reason, pesan in STORAGE_PROBLEMS:
        if words in text:
            return state, f"{reason} ({exc})", pesan
    return None


def integrity_problems(path: str | Path, *, full: bool = False) -> list[str]:
    """What SQLite's integrity check finds wrong with the file at ``path`` (empty: it is sound).

    ``PRAGMA quick_check`` by default (every page read once, no index cross-check: seconds on a Pi),
    ``integrity_check`` with ``full``. A file that is not a database at all is a problem too; a file
    that does not exist is not (the daemon creates it).
    """
    path = Path(path)
    if not path.exists():
        return []
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=30)
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
        if storage_problem(exc) is not None:  # an I/O error or a lock says nothing about the file's pages
            raise
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def db_path(state_dir: str | Path) -> Path:
    return Path(state_dir) / DB_NAME


def _connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 30000")
    if not readonly:
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # takes effect only in a new, empty file
        # Checkpoint at SQLite's default WAL size in bytes (1,000 pages of 4 KiB), not in pages: a page
        # changed by many commits between two checkpoints is written to the file once.
        conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_BYTES // PAGE_SIZE}")
    conn.execute("PRAGMA recursive_triggers = ON")  # as sqlite-utils sets it: one behaviour with or without it
    if not readonly:
        _ensure_wal(conn)
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _ensure_wal(conn: sqlite3.Connection, *, patience: float = 30.0) -> None:
    """Put the file in WAL mode, waiting out another process doing the same.

    WAL is persistent, so this is usually a no-op read. Switching needs an exclusive
    lock, and SQLite answers "database is locked" at once (without its busy handler)
    when another connection is opening the file at the same moment: the daemon, the
    web page and a USB import all start together at boot. Retry until ``patience``.
    """
    deadline = time.monotonic() + patience
    delay = 0.01
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


class Store(ModemRows, SmppVerbs):
    """One connection to the SQLite file, with the queue verbs on it (the modems' rows in
    :mod:`firmware.queue.store_modems`, the operator route's in :mod:`firmware.queue.smpp_store`).

    Not shared between threads: each worker thread opens its own.
    """

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time, migrate: bool = True,
                 wakes_daemon: bool = True) -> None:
        self.path = Path(path)
        #: a commit that changed something tells the daemon at once (:mod:`firmware.queue.wake`);
        #: the daemon's own connections do not (their changes are its own doing)
        self.wakes_daemon = wakes_daemon
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = _connect(self.path)
        self.clock = clock
        if migrate:
            try:
                schema.migrate(self.conn, lock_path=str(self.path) + ".lock")
            except BaseException:
                self.conn.close()  # a refused (newer) database must not leave the file open
                raise

    @cached_property
    def db(self) -> Database:
        """sqlite-utils on this connection (made on first use: a plain read or enqueue does not
        import sqlite-utils)."""
        from sqlite_utils import Database
        return Database(self.conn)

    @classmethod
    def in_state_dir(cls, state_dir: str | Path, **kwargs) -> Store:
        return cls(db_path(state_dir), **kwargs)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE: take the write lock up front)."""
        changes = self.conn.total_changes
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            # SQLite may already have rolled back (SQLITE_FULL, an I/O error): a second ROLLBACK would
            # raise "no transaction is active" and hide the error that says what went wrong.
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        if self.wakes_daemon and self.conn.total_changes != changes:
            wake.poke(self.path)

    def ping(self) -> None:
        """A cheap read: raises when the file cannot be read (the page's health check)."""
        self.conn.execute("SELECT 1").fetchone()

    def data_version(self) -> int:
        """Changes when another connection commits (PRAGMA data_version): a cheap wake-up check."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    # -- enqueue --------------------------------------------------------------

    def enqueue(
        self,
        numbers: Iterable[str],
        text: str,
        *,
        priority: int = 0,
        report: bool = True,
        campaign_id: int | None = None,
        created_by: str | None = None,
        not_before: float = 0.0,
        expires_at: float | None = None,
        route_of: Callable[[str], str | None] | None = None,
        honour_optouts: bool = True,
        channel: str | None = None,
    ) -> tuple[int, int]:
        """Queue ``text`` to each E.164 number; return (queued, suppressed by opt-out).

        ``channel``: ``modem`` or ``smpp`` to send only by that route; None lets either take it.

        Numbers must already be normalised.  Opted-out numbers are stored as
        ``suppressed`` (the report shows who was skipped and why) unless
        ``honour_optouts`` is False (only for the opt-out confirmation itself).
        """
        with self.tx() as c:
            queued, suppressed, _ = self._enqueue(c, numbers, text, priority=priority, report=report,
                                                  campaign_id=campaign_id, created_by=created_by,
                                                  not_before=not_before, expires_at=expires_at, route_of=route_of,
                                                  honour_optouts=honour_optouts, channel=channel)
        return queued, suppressed

    def _enqueue(self, c: sqlite3.Connection, numbers: Iterable[str], text: str, *, priority: int, report: bool,
                 campaign_id: int | None, created_by: str | None, not_before: float, expires_at: float | None,
                 route_of: Callable[[str], str | None] | None, honour_optouts: bool,
                 channel: str | None = None) -> tuple[int, int, int | None]:
        """:meth:`enqueue` inside the caller's transaction; also returns the last message id inserted."""
        now = self.clock()
        queued = suppressed = 0
        optouts = {r[0] for r in c.execute("SELECT match_number FROM optouts")} if honour_optouts else set()
        parts = analyse(text).segments or 1  # for the time estimate (queue_load)
        rows = []
        for number in numbers:
            if not number.startswith("+"):
                number = canonical_sender(number)  # a caller's 0812...: the queue holds E.164 only
            state = "suppressed" if number in optouts else "queued"
            if state == "queued":
                queued += 1
            else:
                suppressed += 1
            rows.append((campaign_id, number, text, priority, int(report), route_of(number) if route_of else None,
                         state, not_before, expires_at, now, created_by, now if state == "suppressed" else None,
                         parts, channel))
        c.executemany(
            "INSERT INTO messages (campaign_id, number, text, priority, report, route, state, not_before,"
            " expires_at, created_at, created_by, done_at, parts, channel) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        last = c.execute("SELECT last_insert_rowid()").fetchone()[0] if rows else None
        return queued, suppressed, last

    # -- dispatch (daemon) ----------------------------------------------------

    def claim(self, modem: str, *, emergency_only: bool = False, routes: list[str | None] | None = None) -> Message | None:
        """Take the next due message for ``modem`` (own transaction); None when there is none."""
        with self.tx() as c:
            return self._claim(c, modem, emergency_only, routes)

    def complete_and_claim(
        self,
        outcome: Outcome | Iterable[Outcome] | None,
        modem: str,
        *,
        claim: bool = True,
        emergency_only: bool = False,
        routes: list[str | None] | None = None,
        reports: Iterable[Report] = (),
        progress: tuple[int, list[tuple]] | None = None,
        sent_delta: int = 0,
        handed: int | None = None,
    ) -> Message | None:
        """Record ``outcome``, delivery ``reports`` and a multipart message's ``progress``
        (message id, parts sent so far), mark message ``handed`` as going to the modem now,
        and claim the next message: ONE commit.
        ``sent_delta`` parts are added to the modem's sent counter."""
        outcomes = [outcome] if isinstance(outcome, Outcome) else list(outcome or ())
        with self.tx() as c:
            if handed is not None:
                self._hand(c, handed)
            if sent_delta:
                c.execute("UPDATE modems SET sent_total = sent_total + ? WHERE name = ?", (sent_delta, modem))
            for o in outcomes:
                self._record(c, o, modem)
            if progress is not None and progress[1]:
                message_id, parts = progress
                self._insert_parts(c, message_id, modem, parts, self.clock())
                c.execute("UPDATE messages SET parts_sent = ? WHERE id = ?", (max(p[0] for p in parts), message_id))
            for report in reports:
                self._apply_report(c, report, 3 * 86400)
            return self._claim(c, modem, emergency_only, routes) if claim else None

    def hand(self, message_id: int) -> None:
        """Mark a claimed message as handed to the modem: from now on a crash leaves it in doubt.

        This must be durable before the PDU is written (the worker folds it
        into the commit it makes while the modem prepares its prompt).
        """
        with self.tx() as c:
            self._hand(c, message_id)

    def _hand(self, c: sqlite3.Connection, message_id: int) -> None:
        c.execute("UPDATE messages SET handed_at = ? WHERE id = ? AND state = 'sending'", (self.clock(), message_id))

    def record_parts(self, message_id: int, modem: str, parts: Iterable[tuple[int, int, int | None]]) -> None:
        """Record parts of a multipart message as they go out (so a crash resumes after them)."""
        now = self.clock()
        parts = list(parts)
        with self.tx() as c:
            self._insert_parts(c, message_id, modem, parts, now)
            c.execute("UPDATE messages SET parts_sent = ? WHERE id = ?", (max(p[0] for p in parts), message_id))

    def _claim(self, c: sqlite3.Connection, modem: str, emergency_only: bool, routes: list[str | None] | None) -> Message | None:
        """The next message a modem may send (channel NULL or ``modem``), marked ``sending``."""
        now = self.clock()
        min_priority = EMERGENCY if emergency_only else -(2**31)
        if c.execute("SELECT active FROM hold WHERE id = 1").fetchone()[0]:
            min_priority = EMERGENCY
        if routes is None:
            row = c.execute(
                "SELECT * FROM messages WHERE state = 'queued' AND channel IS NOT 'smpp' AND priority >= ?"
                " AND not_before <= ? ORDER BY priority DESC, not_before, id LIMIT 1", (min_priority, now)).fetchone()
        else:
            row = self._claim_routed(c, routes, min_priority, now)
        if row is None:
            return None
        import random  # here, not at the top: siaran send and status start without it

        ref = row["concat_ref"] if row["concat_ref"] is not None else random.randrange(256)
        c.execute(
            "UPDATE messages SET state = 'sending', modem = ?, claimed_at = ?, handed_at = NULL,"
            " attempts = attempts + 1, concat_ref = ? WHERE id = ?", (modem, now, ref, row["id"]))
        return Message(row["id"], row["number"], row["text"], row["priority"], bool(row["report"]), ref,
                       row["parts_sent"], row["attempts"] + 1, row["in_doubt"], row["campaign_id"])

    def _claim_routed(self, c: sqlite3.Connection, routes: list[str | None], min_priority: int, now: float):
        """The worker's own operator's numbers first, then the other allowed routes, in order;
        but a message of higher priority on any allowed route wins (routing never delays an emergency)."""
        row = None
        for route in routes:
            row = c.execute(
                "SELECT * FROM messages INDEXED BY messages_due_route WHERE state = 'queued' AND channel IS NOT 'smpp'"
                " AND route IS ?"
                " AND priority >= ? AND not_before <= ? ORDER BY priority DESC, not_before, id LIMIT 1",
                (route, min_priority, now)).fetchone()
            if row is not None:
                break
        named = [r for r in routes if r is not None]
        marks = ",".join("?" for _ in named) or "NULL"
        better = c.execute(
            f"SELECT * FROM messages WHERE state = 'queued' AND channel IS NOT 'smpp' AND priority > ?"
            f" AND not_before <= ?"
            f" AND (route IS NULL OR route IN ({marks})) ORDER BY priority DESC, not_before, id LIMIT 1",
            (row["priority"] if row is not None else min_priority - 1, now, *named)).fetchone()
        if better is not None and (None in routes or better["route"] is not None):
            return better
        return row

    def _record(self, c: sqlite3.Connection, o: Outcome, modem: str) -> None:
        now = self.clock()
        if o.parts:
            self._insert_parts(c, o.message_id, modem, o.parts, now)
        sent_through = max((p[0] for p in o.parts), default=None)
        if o.state == "sent":
            c.execute(
                "UPDATE messages SET state = 'sent', sent_at = ?, parts_total = ?, parts_sent = ?,"
                " error_class = NULL, error_code = NULL, error = NULL WHERE id = ?",
                (now, o.parts_total, o.parts_total, o.message_id))
            return
        done_at = now if o.state in FINAL_STATES else None
        c.execute(
            "UPDATE messages SET state = ?, not_before = ?, done_at = ?, error_class = ?, error_code = ?, error = ?,"
            " attempts = attempts - ?, in_doubt = in_doubt + ?, parts_total = COALESCE(?, parts_total),"
            " parts_sent = COALESCE(?, parts_sent) WHERE id = ?",
            (o.state, o.not_before, done_at, o.error_class, o.error_code, o.error, 0 if o.count_attempt else 1,
             int(o.in_doubt), o.parts_total, sent_through, o.message_id))
        if o.state == "queued":
            self._follow_campaign(c, "id = ?", (o.message_id,), now)

    def _follow_campaign(self, c: sqlite3.Connection, where: str, args: tuple, now: float) -> None:
        """A message back in the queue follows its campaign if that was paused or cancelled meanwhile."""
        c.execute(
            f"UPDATE messages SET state = CASE (SELECT state FROM campaigns WHERE id = messages.campaign_id)"
            f" WHEN 'cancelled' THEN 'cancelled' ELSE 'paused' END,"
            f" done_at = CASE (SELECT state FROM campaigns WHERE id = messages.campaign_id)"
            f" WHEN 'cancelled' THEN ? ELSE done_at END"
            f" WHERE {where} AND state = 'queued' AND campaign_id IN"
            f" (SELECT id FROM campaigns WHERE state IN ('cancelled', 'paused'))", (now, *args))

    def _insert_parts(self, c: sqlite3.Connection, message_id: int, modem: str,
                      parts: Iterable[tuple], now: float) -> None:
        """Parts as (seq, total, mr) or (seq, total, mr, sent_at) or, from an SMPP worker, (seq, total, None,
        sent_at, smsc_id): the worker gives the time the modem answered +CMGS (the SMSC its submit_sm_resp),
        so ``sent_at`` says when the part went, not when it was written down."""
        c.executemany(
            "INSERT INTO message_parts (message_id, seq, total, modem, mr, sent_at, smsc_id) VALUES (?,?,?,?,?,?,?)",
            [(message_id, p[0], p[1], modem, p[2], p[3] if len(p) > 3 else now, p[4] if len(p) > 4 else None)
             for p in parts])

    def recover_in_flight(self, policy: str = "resend", modem: str | None = None) -> tuple[int, int]:
        """Settle messages left in ``sending`` by a crash or power cut; return (requeued, unknown).

        A message only claimed (a worker claims the next one while the modem
        transmits) never reached the modem: it goes back to the queue as it
        was.  A message handed to the modem may or may not have gone out:
        ``resend`` (default) queues it again once (a missed warning is worse
        than a duplicate) and one already re-sent after an earlier crash
        becomes ``unknown``; ``unknown`` leaves the decision to the operator.
        """
        now = self.clock()
        where = "state = 'sending'" + (" AND modem = ?" if modem else "")
        args: tuple = (modem,) if modem else ()
        handed = where + " AND handed_at IS NOT NULL"
        with self.tx() as c:
            ids = [r[0] for r in c.execute(f"SELECT id FROM messages WHERE {where}", args)]  # a few per modem
            if policy == "resend":
                unknown = c.execute(
                    f"UPDATE messages SET state = 'unknown', in_doubt = in_doubt + 1, done_at = ?,"
                    f" error = 'in doubt twice after crashes' WHERE {handed} AND in_doubt >= 1", (now, *args)).rowcount
                in_doubt = c.execute(
                    f"UPDATE messages SET state = 'queued', in_doubt = in_doubt + 1, not_before = 0, handed_at = NULL"
                    f" WHERE {handed}", args).rowcount
            else:
                in_doubt = 0
                unknown = c.execute(
                    f"UPDATE messages SET state = 'unknown', in_doubt = in_doubt + 1, done_at = ?,"
                    f" error = 'outcome unknown after a crash' WHERE {handed}", (now, *args)).rowcount
            released = c.execute(
                f"UPDATE messages SET state = 'queued', attempts = MAX(attempts - 1, 0) WHERE {where}", args).rowcount
            if ids:
                self._follow_campaign(c, f"id IN ({','.join('?' * len(ids))})", tuple(ids), now)
        return in_doubt + released, unknown

    # -- delivery reports -----------------------------------------------------

    def apply_report(
        self,
        modem: str,
        mr: int,
        recipient: str,
        status: int,
        status_class: str,
        final: bool,
        *,
        window: float = 3 * 86400,
    ) -> ReportMatch | None:
        """Match a status report to the newest open part with this modem, TP-MR and recipient.

        The MR wraps at 256, so the recipient and the time window decide
        between parts that share it.  When every part of the message has a
        final report the message becomes ``delivered`` (all delivered) or
        ``failed`` (any permanent failure); the contact is then flagged dead.
        """
        with self.tx() as c:
            return self._apply_report(c, Report(modem, mr, recipient, status, status_class, final), window)

    def apply_reports(self, reports: Iterable[Report], *, window: float = 3 * 86400) -> list[ReportMatch | None]:
        """Several reports in one transaction (a busy worker batches them)."""
        with self.tx() as c:
            return [self._apply_report(c, r, window) for r in reports]

    def _apply_report(self, c: sqlite3.Connection, r: Report, window: float) -> ReportMatch | None:
        now = self.clock()
        tail = _tail(r.recipient)
        rows = c.execute(
            "SELECT p.id, p.message_id, m.number FROM message_parts p JOIN messages m ON m.id = p.message_id"
            " WHERE p.modem = ? AND p.mr = ? AND p.final = 0 AND p.sent_at >= ? ORDER BY p.sent_at DESC, p.id DESC",
            (r.modem, r.mr, now - window)).fetchall()
        match = next((row for row in rows if _tail(row["number"]) == tail), None)
        if match is None:
            return None
        c.execute(
            "UPDATE message_parts SET report_status = ?, report_class = ?, report_at = ?, final = ? WHERE id = ?",
            (r.status, r.status_class, now, int(r.final), match["id"]))
        new_state = self._settle_message(c, match["message_id"], now) if r.final else None
        return ReportMatch(match["message_id"], match["id"], match["number"], new_state)

    def _settle_message(self, c: sqlite3.Connection, message_id: int, now: float) -> str | None:
        msg = c.execute("SELECT state, parts_total, number FROM messages WHERE id = ?", (message_id,)).fetchone()
        if msg is None or msg["state"] != "sent":
            return None
        parts = c.execute(
            "SELECT seq, report_class, final FROM message_parts WHERE message_id = ? ORDER BY id DESC",
            (message_id,)).fetchall()
        latest: dict[int, sqlite3.Row] = {}
        for p in parts:
            latest.setdefault(p["seq"], p)
        if len(latest) < (msg["parts_total"] or 1) or not all(p["final"] for p in latest.values()):
            return None
        failed = [p["report_class"] for p in latest.values() if p["report_class"] != "delivered"]
        state = "failed" if failed else "delivered"
        c.execute(
            "UPDATE messages SET state = ?, done_at = ?, error_class = ?, error = ? WHERE id = ?",
            (state, now, "report" if failed else None, f"delivery report: {failed[0]}" if failed else None, message_id))
        if failed and "permanent" in failed:
            c.execute(
                "UPDATE contacts SET dead = 1, dead_reason = 'permanent delivery failure', updated_at = ?"
                " WHERE number = ?", (now, msg["number"]))
        return state

    # -- incoming -------------------------------------------------------------

    def inbox_text(self, inbox_id: int) -> str:
        """The whole text of one inbox message (its parts joined once all arrived)."""
        return self.conn.execute("SELECT text FROM inbox WHERE id = ?", (inbox_id,)).fetchone()[0]

    def save_incoming(
        self,
        modem: str,
        number: str,
        text: str,
        *,
        sc_timestamp: str | None,
        kind: str = "reply",
        concat: tuple[int, int, int] | None = None,
        raw: str | None = None,
    ) -> int | None:
        """Store an incoming SMS (or one part of it); return the inbox id once it is whole.

        ``number`` is stored in its canonical form (:func:`~firmware.people.numbers.canonical_sender`).
        Idempotent: a message read again after a crash between storing it and
        deleting it from the SIM is recognised and not stored twice.
        """
        now = self.clock()
        number = canonical_sender(number)
        with self.tx() as c:
            if concat is None:
                return self._inbox(c, modem, number, text, kind, sc_timestamp, raw, now,
                                   _dedupe(number, sc_timestamp, text, raw))
            ref, total, seq = concat
            c.execute(
                "INSERT OR IGNORE INTO inbox_fragments (modem, number, ref, total, seq, text, sc_timestamp, received_at)"
                " VALUES (?,?,?,?,?,?,?,?)", (modem, number, ref, total, seq, text, sc_timestamp, now))
            rows = c.execute(
                "SELECT seq, text, sc_timestamp FROM inbox_fragments WHERE modem = ? AND number = ? AND ref = ?"
                " AND total = ? ORDER BY seq", (modem, number, ref, total)).fetchall()
            if len(rows) < total:
                return None
            # The fragments stay (purged after a week): a part read again after
            # a crash re-assembles the same message, which the dedupe key drops.
            whole = "".join(r["text"] for r in rows)
            first_ts = rows[0]["sc_timestamp"]
            return self._inbox(c, modem, number, whole, kind, first_ts, None, now,
                               _dedupe(number, first_ts, whole, f"{ref}/{total}"))

    def _inbox(self, c, modem, number, text, kind, sc_timestamp, raw, now, dedupe) -> int | None:
        cur = c.execute(
            "INSERT OR IGNORE INTO inbox (modem, number, text, kind, received_at, sc_timestamp, dedupe, raw)"
            " VALUES (?,?,?,?,?,?,?,?)", (modem, number, text, kind, now, sc_timestamp, dedupe, raw))
        if cur.rowcount == 0:
            return None
        return cur.lastrowid

    def stale_fragments(self, older_than: float) -> list[sqlite3.Row]:
        """Fragments whose siblings never came (shown in the inbox as incomplete)."""
        return self.conn.execute(
            "SELECT f.* FROM inbox_fragments f WHERE f.received_at < ? AND (SELECT COUNT(*) FROM inbox_fragments g"
            " WHERE g.modem = f.modem AND g.number = f.number AND g.ref = f.ref AND g.total = f.total) < f.total"
            " ORDER BY f.received_at", (older_than,)).fetchall()

    def purge_fragments(self, older_than: float) -> int:
        """Forget fragments older than ``older_than`` (assembled long ago, or never completed)."""
        with self.tx() as c:
            return c.execute("DELETE FROM inbox_fragments WHERE received_at < ?", (older_than,)).rowcount

    def set_inbox_handled(self, inbox_ids: Iterable[int], handled: bool = True, *, by: str) -> int:
        """Mark incoming messages as dealt with by ``by`` now (or not); audited with their ids only.
        Returns how many changed."""
        ids = [int(i) for i in inbox_ids]
        now = self.clock()
        with self.tx() as c:
            n = sum(c.execute("UPDATE inbox SET handled = ?, handled_by = ?, handled_at = ? WHERE id = ?"
                              " AND handled != ?", (int(handled), by if handled else None, now if handled else None,
                                                    i, int(handled))).rowcount for i in ids)
            if n:
                self._audit(c, by, "inbox_handled" if handled else "inbox_unhandled", {"ids": ids, "changed": n}, now)
        return n

    def reply_inbox(self, inbox_id: int, text: str, *, by: str,
                    route_of: Callable[[str], str | None] | None = None) -> int:
        """Queue ``text`` to the sender of incoming SMS ``inbox_id`` and mark that SMS handled by ``by``:
        one commit, audited (ids and length only, never the number).  Returns the reply's message id.

        The reply is a single message without a campaign at :data:`REPLY_PRIORITY` (before blasts, not an
        emergency: it waits for the hold and the send window).  Raises :class:`StoreError` when there is
        no such SMS, or its sender opted out or is not a number an SMS can go to (a short code, a name).
        """
        now = self.clock()
        with self.tx() as c:
            row = c.execute("SELECT number FROM inbox WHERE id = ?", (int(inbox_id),)).fetchone()
            if row is None:
                raise StoreError(f"no incoming message {inbox_id}", f"Tidak ada pesan masuk nomor {inbox_id}.")
            try:
                number = normalise(row["number"])
            except InvalidNumber:
                raise StoreError("the sender is not a mobile number (a short code or a name): it cannot be answered",
                                 "Pengirim bukan nomor HP (kode singkat atau nama): tidak bisa dibalas.") from None
            if c.execute("SELECT 1 FROM optouts WHERE match_number = ?", (optout_match(number),)).fetchone():
                raise StoreError("this number opted out: Siaran sends it nothing, not even a reply",
                                 "Nomor ini sudah berhenti langganan: Siaran tidak mengirim apa pun ke nomor ini,"
                                 " termasuk balasan.")
            _, _, message_id = self._enqueue(c, [number], text, priority=REPLY_PRIORITY, report=True,
                                             campaign_id=None, created_by=by, not_before=0.0, expires_at=None,
                                             route_of=route_of, honour_optouts=True)
            c.execute("UPDATE inbox SET handled = 1, handled_by = ?, handled_at = ?, reply_id = ? WHERE id = ?",
                      (by, now, message_id, int(inbox_id)))
            self._audit(c, by, "inbox_reply", {"inbox": int(inbox_id), "message": message_id, "chars": len(text)},
                        now)
        return message_id

    # -- opt-outs -------------------------------------------------------------

    def add_optout(self, number: str, *, source: str, keyword: str | None = None, inbox_id: int | None = None) -> int:
        """Opt ``number`` (any written form) out of all future sends; suppress what is queued; return how many.

        ``inbox_id``: the incoming SMS that asked for it becomes ``kind = 'optout'`` in the same commit."""
        now = self.clock()
        with self.tx() as c:
            match = self._insert_optout(c, number, source=source, keyword=keyword, now=now)
            if inbox_id is not None:
                c.execute("UPDATE inbox SET kind = 'optout' WHERE id = ?", (inbox_id,))
            return c.execute(
                "UPDATE messages SET state = 'suppressed', done_at = ?, error = 'opted out'"
                " WHERE number = ? AND state IN ('queued', 'paused')", (now, match)).rowcount

    def _insert_optout(self, c: sqlite3.Connection, number: str, *, source: str, keyword: str | None,
                       now: float) -> str:
        """Record an opt-out (kept if there is one) under the canonical number; return the number it matches."""
        number = canonical_sender(number)
        match = optout_match(number)
        c.execute("INSERT OR IGNORE INTO optouts (number, created_at, source, keyword, match_number)"
                  " VALUES (?,?,?,?,?)", (number, now, source, keyword, match))
        return match

    def is_opted_out(self, number: str) -> bool:
        """Whether ``number`` (any written form) matches an opt-out, whatever form that was stored in."""
        return self.conn.execute("SELECT 1 FROM optouts WHERE match_number = ?",
                                 (optout_match(number),)).fetchone() is not None

    # -- hold -----------------------------------------------------------------

    def hold(self) -> Hold:
        row = self.conn.execute("SELECT active, reason, set_by, set_at FROM hold WHERE id = 1").fetchone()
        return Hold(bool(row["active"]), row["reason"], row["set_by"], row["set_at"])

    def set_hold(self, active: bool, *, reason: str | None, by: str) -> Hold:
        """Turn the global hold on or off (recorded with who and why, and audited)."""
        now = self.clock()
        with self.tx() as c:
            c.execute("UPDATE hold SET active = ?, reason = ?, set_by = ?, set_at = ? WHERE id = 1",
                      (int(active), reason, by, now))
            self._audit(c, by, "hold_on" if active else "hold_off", {"reason": reason}, now)
        return self.hold()

    # -- campaigns (queue side) ----------------------------------------------

    def pause_campaign(self, campaign_id: int, by: str) -> int:
        return self._move_campaign(campaign_id, "queued", "paused", "paused", by)

    def resume_campaign(self, campaign_id: int, by: str) -> int:
        return self._move_campaign(campaign_id, "paused", "queued", "running", by)

    def cancel_campaign(self, campaign_id: int, by: str) -> int:
        now = self.clock()
        with self.tx() as c:
            n = c.execute("UPDATE messages SET state = 'cancelled', done_at = ? WHERE campaign_id = ?"
                          " AND state IN ('queued', 'paused')", (now, campaign_id)).rowcount
            c.execute("UPDATE campaigns SET state = 'cancelled', updated_at = ? WHERE id = ?", (now, campaign_id))
            self._audit(c, by, "campaign_cancel", {"campaign": campaign_id, "messages": n}, now)
        return n

    def _move_campaign(self, campaign_id: int, src: str, dst: str, campaign_state: str, by: str) -> int:
        now = self.clock()
        with self.tx() as c:
            n = c.execute("UPDATE messages SET state = ? WHERE campaign_id = ? AND state = ?",
                          (dst, campaign_id, src)).rowcount
            c.execute("UPDATE campaigns SET state = ?, updated_at = ? WHERE id = ?", (campaign_state, now, campaign_id))
            self._audit(c, by, f"campaign_{campaign_state}", {"campaign": campaign_id, "messages": n}, now)
        return n

    _FINISHED_SQL = ("state = 'running' AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.campaign_id = campaigns.id"
                     " AND m.state IN ('queued', 'paused', 'sending'))")

    def finish_campaigns(self) -> int:
        """Mark running campaigns with nothing left to send as ``done``; return how many.

        Cheap enough to call every second: a read finds whether any is due (a few index seeks per running
        campaign) before the write lock is taken, so the page shows "selesai" within a second or two."""
        if self.conn.execute(f"SELECT 1 FROM campaigns WHERE {self._FINISHED_SQL} LIMIT 1").fetchone() is None:
            return 0
        now = self.clock()
        with self.tx() as c:
            return c.execute(f"UPDATE campaigns SET state = 'done', updated_at = ? WHERE {self._FINISHED_SQL}",
                             (now,)).rowcount

    def expire_due(self) -> int:
        """Mark queued messages past their expiry as ``expired``."""
        now = self.clock()
        with self.tx() as c:
            return c.execute(
                "UPDATE messages SET state = 'expired', done_at = ? WHERE state IN ('queued', 'paused')"
                " AND expires_at IS NOT NULL AND expires_at < ?", (now, now)).rowcount

    # -- reading --------------------------------------------------------------

    def last_message_id(self) -> int:
        """The highest message id so far (0 when there is none)."""
        return self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM messages").fetchone()[0]

    def one_offs_after(self, after_id: int, created_by: str, limit: int) -> list[sqlite3.Row]:
        """``id, number, state`` of the one-off messages (no campaign) ``created_by`` queued after ``after_id``."""
        return self.conn.execute(
            "SELECT id, number, state FROM messages WHERE id > ? AND created_by = ? AND campaign_id IS NULL"
            " ORDER BY id LIMIT ?", (after_id, created_by, limit)).fetchall()

    def latest_message_to(self, number: str, created_by: str) -> int | None:
        """The id of the newest message ``created_by`` queued to ``number``, or None."""
        row = self.conn.execute("SELECT id FROM messages WHERE number = ? AND created_by = ? ORDER BY id DESC LIMIT 1",
                                (number, created_by)).fetchone()
        return row[0] if row else None

    def queue_load(self) -> list[dict]:
        """What waits to be sent (queued or sending), per priority, campaign and route, in the daemon's claim
        order (priority, then ``not_before``: a campaign's ``send_at``, then first queued).

        Each: ``priority``, ``campaign_id`` (None: messages of no campaign), ``route`` (the numbers'
        operator, None when unknown), ``messages``, ``parts``,
        ``first_id`` and the campaign's ``send_at``. Read from the trigger-kept ``queue_load`` table:
        a handful of rows whatever the size of the queue.
        """
        rows = self.conn.execute(
            "SELECT q.priority, NULLIF(q.campaign_id, 0) AS campaign_id, NULLIF(q.route, '') AS route, q.messages,"
            " q.parts, q.first_id, c.send_at FROM queue_load q LEFT JOIN campaigns c ON c.id = q.campaign_id"
            " WHERE q.messages > 0 ORDER BY q.priority DESC, COALESCE(c.send_at, 0), q.first_id").fetchall()
        return [dict(r) for r in rows]

    def operator_only_campaigns(self, campaign_ids: Iterable[int]) -> set[int]:
        """Which of these campaigns wait for the operator route alone (``channel = 'smpp'``): the modems never
        claim their messages.  A campaign's messages share one channel (decided when it is queued), so one
        outstanding message per campaign answers (index ``messages_campaign``)."""
        out = set()
        for cid in set(campaign_ids):
            row = self.conn.execute("SELECT channel FROM messages WHERE campaign_id = ? AND state IN ('queued',"
                                    " 'sending') LIMIT 1", (cid,)).fetchone()
            if row is not None and row[0] == "smpp":
                out.add(cid)
        return out

    def parts_per_minute(self, modem: str, since: float) -> dict[int, int]:
        """Parts ``modem`` handed to the network since ``since``, counted per minute (epoch minute -> parts);
        one range of the index parts_modem_time (at most a day of one SIM's parts)."""
        return dict(self.conn.execute(
            "SELECT CAST(sent_at / 60 AS INTEGER), COUNT(*) FROM message_parts WHERE modem = ? AND sent_at >= ?"
            " GROUP BY 1", (modem, since)).fetchall())

    def unsettled_count(self) -> int:
        """Messages still to send, or sent and waiting for the delivery report they asked for."""
        return self.conn.execute(
            "SELECT COUNT(*) FROM messages WHERE state IN ('queued', 'sending') OR (state = 'sent' AND report = 1)"
        ).fetchone()[0]

    def optout_count(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM optouts").fetchone()[0]

    def queue_counts(self) -> dict[str, int]:
        """Messages by state (states with none left out); O(1): kept by triggers in ``message_counts``."""
        return {r[0]: r[1] for r in self.conn.execute("SELECT state, n FROM message_counts WHERE n > 0")}

    def campaign_counts(self, campaign_id: int) -> dict[str, int]:
        """One campaign's messages by state; O(1): kept by triggers in ``campaign_counts``."""
        return {r[0]: r[1] for r in self.conn.execute(
            "SELECT state, n FROM campaign_counts WHERE campaign_id = ? AND n > 0", (campaign_id,))}

    def all_campaign_counts(self) -> dict[int, dict[str, int]]:
        """Every campaign's messages by state."""
        out: dict[int, dict[str, int]] = {}
        for cid, state, n in self.conn.execute("SELECT campaign_id, state, n FROM campaign_counts WHERE n > 0"):
            out.setdefault(cid, {})[state] = n
        return out

    def message(self, message_id: int) -> dict | None:
        row = self.conn.execute("SELECT * FROM messages WHERE id = ?", (message_id,)).fetchone()
        return dict(row) if row else None

    def has_due(self, *, emergency_only: bool = False) -> bool:
        """Is any message a modem may send due now (cheap; for idle modem workers)?  What only the
        operator route sends (``channel = 'smpp'``) is not: :meth:`smpp_has_due` asks for that route."""
        row = self.conn.execute(
            "SELECT 1 FROM messages WHERE state = 'queued' AND channel IS NOT 'smpp' AND priority >= ?"
            " AND not_before <= ? LIMIT 1", (EMERGENCY if emergency_only else -(2**31), self.clock())).fetchone()
        return row is not None

    def next_due_at(self) -> float | None:
        """When the earliest queued message falls due, whichever route sends it."""
        row = self.conn.execute(
            "SELECT MIN(due) FROM (SELECT MIN(not_before) AS due FROM messages WHERE state = 'queued'"
            " AND channel IS NOT 'smpp' UNION ALL SELECT MIN(not_before) FROM messages WHERE state = 'queued'"
            " AND channel = 'smpp')").fetchone()
        return row[0]

    # -- templates (the office's own; shipped ones are installed by templates_builtin) ----

    def save_template(self, name: str, text: str, *, category: str | None = None, by: str,
                      template_id: int | None = None, unit_id: int | None = None) -> int:
        """Add a template (or change the office's own ``template_id``); return its id. Audited.
        ``unit_id``: the unit whose template it is (only its users see it); None: shared by every unit.

        A shipped template (``builtin = 1``) is never changed here: a new release would overwrite it."""
        now = self.clock()
        with self.tx() as c:
            clash = c.execute("SELECT id FROM templates WHERE name = ? AND id IS NOT ?", (name, template_id)).fetchone()
            if clash is not None:
                raise StoreError(f"a template named {name!r} exists", f"Template bernama {name!r} sudah ada.")
            if template_id is None:
                template_id = c.execute(
                    "INSERT INTO templates (name, category, text, builtin, created_at, unit_id) VALUES (?,?,?,0,?,?)",
                    (name, category, text, now, unit_id)).lastrowid
                self._audit(c, by, "template_add", {"template": template_id, "name": name, "unit": unit_id}, now)
                return template_id
            row = c.execute("SELECT builtin FROM templates WHERE id = ?", (template_id,)).fetchone()
            if row is None:
                raise StoreError(f"no template {template_id}", f"Tidak ada template {template_id}.")
            if row["builtin"]:
                raise StoreError("a shipped template cannot be changed; save a copy under another name",
                                 "Template bawaan tidak dapat diubah; simpan salinan dengan nama lain.")
            c.execute("UPDATE templates SET name = ?, category = ?, text = ?, unit_id = ? WHERE id = ?",
                      (name, category, text, unit_id, template_id))
            self._audit(c, by, "template_edit", {"template": template_id, "name": name, "unit": unit_id}, now)
            return template_id

    def delete_template(self, template_id: int, *, by: str) -> str:
        """Delete the office's own template ``template_id``; return its name. Audited.

        Refused for a shipped template and for one a campaign was made from (the link is kept)."""
        now = self.clock()
        with self.tx() as c:
            row = c.execute("SELECT name, builtin FROM templates WHERE id = ?", (template_id,)).fetchone()
            if row is None:
                raise StoreError(f"no template {template_id}", f"Tidak ada template {template_id}.")
            if row["builtin"]:
                raise StoreError("a shipped template cannot be deleted", "Template bawaan tidak dapat dihapus.")
            used = c.execute("SELECT COUNT(*) FROM campaigns WHERE template_id = ?", (template_id,)).fetchone()[0]
            if used:
                raise StoreError(f"template used by {used} campaign(s)",
                                 f"Template dipakai oleh {used} kampanye; tidak dapat dihapus.")
            c.execute("DELETE FROM templates WHERE id = ?", (template_id,))
            self._audit(c, by, "template_delete", {"template": template_id, "name": row["name"]}, now)
            return row["name"]

    # -- settings and audit ---------------------------------------------------

    def get_setting(self, key: str, default=None):
        """The JSON value of ``settings[key]``, or ``default`` when unset or unreadable."""
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        if row is None:
            return default
        try:
            return json.loads(row[0])
        except ValueError:
            return default

    def setting_age(self, key: str) -> float | None:
        """Seconds since ``settings[key]`` was written (None when unset)."""
        row = self.conn.execute("SELECT updated_at FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else self.clock() - row[0]

    def set_setting(self, key: str, value, *, by: str, audit: bool = False) -> None:
        """Write ``settings[key]`` as JSON (audited when a person changed it)."""
        now = self.clock()
        with self.tx() as c:
            c.execute("INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?,?,?,?)"
                      " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,"
                      " updated_by = excluded.updated_by", (key, json.dumps(value, ensure_ascii=False), now, by))
            if audit:
                self._audit(c, by, "setting", {"key": key, "value": value}, now)

    def settings(self) -> dict[str, dict]:
        """Every setting with who changed it last."""
        return {r["key"]: {"value": json.loads(r["value"]), "updated_by": r["updated_by"], "updated_at": r["updated_at"]}
                for r in self.conn.execute("SELECT key, value, updated_at, updated_by FROM settings ORDER BY key")}

    def audit(self, actor: str, action: str, detail: dict | None = None) -> None:
        """Append to the hash-chained audit log (no phone numbers in ``detail``)."""
        with self.tx() as c:
            self._audit(c, actor, action, detail or {}, self.clock())

    def _audit(self, c: sqlite3.Connection, actor: str, action: str, detail: dict, now: float) -> None:
        prev = c.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        prev_hash = prev[0] if prev else "0" * 64
        body = json.dumps(detail, sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha256(f"{prev_hash}|{now!r}|{actor}|{action}|{body}".encode()).hexdigest()
        c.execute("INSERT INTO audit_log (at, actor, action, detail, prev_hash, hash) VALUES (?,?,?,?,?,?)",
                  (now, actor, action, body, prev_hash, digest))

    def verify_audit(self) -> int | None:
        """Id of the first audit row whose hash does not chain, or None when the chain is intact."""
        prev_hash = "0" * 64
        for row in self.conn.execute("SELECT * FROM audit_log ORDER BY id"):
            digest = hashlib.sha256(
                f"{prev_hash}|{row['at']!r}|{row['actor']}|{row['action']}|{row['detail']}".encode()).hexdigest()
            if row["prev_hash"] != prev_hash or row["hash"] != digest:
                return row["id"]
            prev_hash = row["hash"]
        return None


def _tail(number: str) -> str:
    """Last 9 digits: enough to tell numbers apart whatever prefix form a report uses."""
    return "".join(ch for ch in number if ch.isdigit())[-9:]


def _dedupe(number: str, sc_timestamp: str | None, text: str, extra: str | None) -> str:
    return hashlib.sha256(f"{number}|{sc_timestamp}|{text}|{extra}".encode()).hexdigest()
