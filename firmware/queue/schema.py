"""The SQLite schema: the only contract between the daemon, the web page and the USB import.

This module owns every table and every migration; nothing else runs DDL.
Migrations are numbered and applied with :class:`sqlite_utils.migrations.Migrations`,
each in its own transaction.  A database written by a newer Siaran (a
migration this code does not know) is refused, naming the fix, as Gammu's
``SMSD_CheckDBVersion`` does: running old code on a newer queue could lose
messages.

Times are UTC seconds since the epoch (REAL), so queue comparisons are cheap;
pages format them.  Phone numbers are E.164 (``+62812...``).  Every column is
described in ``docs/schema.md``.
"""

from __future__ import annotations

import contextlib
import fcntl
import sqlite3

from typing import TYPE_CHECKING

from firmware.errors import BilingualError, ConfigError
from firmware.modem.segments import analyse
from firmware.people.numbers import InvalidNumber, canonical_sender, normalise, optout_match

if TYPE_CHECKING:
    from sqlite_utils import Database


class _Migrations:
    """sqlite-utils' :class:`~sqlite_utils.migrations.Migrations` for one set, made on first use.

    ``@MIGRATIONS()`` only records the function, so importing this module (every CLI command
    does, through the store) does not import sqlite-utils, a tenth of a second on a Pi; opening
    an up-to-date file needs plain sqlite3 only (:func:`migrate`).  Anything else (``apply``,
    ``applied``, ...) is the real object's.
    """

    migrations_table = "_sqlite_migrations"  # where sqlite-utils records the applied ones

    def __init__(self, name: str) -> None:
        self.name = name
        self.functions: list = []
        self._real = None

    def __call__(self):
        def record(fn):
            self.functions.append(fn)
            return fn
        return record

    def __getattr__(self, attr: str):
        if self._real is None:
            from sqlite_utils.migrations import Migrations
            self._real = Migrations(self.name)
            for fn in self.functions:
                self._real()(fn)
        return getattr(self._real, attr)


MIGRATIONS = _Migrations("siaran")


class SchemaTooNew(BilingualError, ConfigError):
    """The database was written by a newer Siaran than this one."""


@MIGRATIONS()
def m001_initial(db: Database) -> None:
    """Queue, parts, modems, inbox, opt-outs, contacts, campaigns, users, audit log."""
    _run_script(db, """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at REAL NOT NULL,
            updated_by TEXT
        );

        -- The global hold (election quiet period): one row, survives restarts.
        CREATE TABLE hold (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            active INTEGER NOT NULL DEFAULT 0,
            reason TEXT,
            set_by TEXT,
            set_at REAL
        );
        INSERT INTO hold (id, active) VALUES (1, 0);

        CREATE TABLE modems (
            name TEXT PRIMARY KEY,
            port TEXT NOT NULL,
            model TEXT,
            state TEXT NOT NULL DEFAULT 'starting',
            manufacturer TEXT, model_name TEXT, revision TEXT,
            imei TEXT, imsi TEXT, iccid TEXT,
            operator TEXT, operator_code TEXT, route TEXT,
            signal_dbm INTEGER, registration TEXT,
            balance TEXT, balance_at REAL,
            last_seen REAL, parked_until REAL, state_reason TEXT,
            sent_total INTEGER NOT NULL DEFAULT 0,
            errors TEXT NOT NULL DEFAULT '{}',
            started_at REAL, updated_at REAL
        );

        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            number TEXT NOT NULL UNIQUE,
            name TEXT, desa TEXT, dusun TEXT, rw TEXT, rt TEXT, role TEXT, notes TEXT,
            basis TEXT NOT NULL DEFAULT 'public_service',
            consent_source TEXT, consent_at REAL,
            confirmed_at REAL,
            dead INTEGER NOT NULL DEFAULT 0, dead_reason TEXT,
            created_at REAL NOT NULL, updated_at REAL NOT NULL
        );
        CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
        CREATE TABLE contact_tags (
            contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
            PRIMARY KEY (contact_id, tag_id)
        );

        -- Opt-outs are kept forever and checked at every enqueue.
        CREATE TABLE optouts (
            number TEXT PRIMARY KEY,
            created_at REAL NOT NULL,
            source TEXT NOT NULL,
            keyword TEXT
        );

        CREATE TABLE campaigns (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            text TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'draft',
            priority INTEGER NOT NULL DEFAULT 0,
            report INTEGER NOT NULL DEFAULT 1,
            audience TEXT,
            send_at REAL, expires_at REAL,
            created_by TEXT, created_at REAL NOT NULL,
            approved_by TEXT, approved_at REAL,
            updated_at REAL
        );

        -- One row per recipient.  state: queued, paused, sending, sent,
        -- delivered, failed, unknown, cancelled, expired, suppressed.
        -- priority >= 100 is an emergency (ignores the hold and the window).
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            campaign_id INTEGER REFERENCES campaigns(id),
            number TEXT NOT NULL,
            text TEXT NOT NULL,
            priority INTEGER NOT NULL DEFAULT 0,
            report INTEGER NOT NULL DEFAULT 1,
            route TEXT,
            state TEXT NOT NULL DEFAULT 'queued',
            modem TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            in_doubt INTEGER NOT NULL DEFAULT 0,
            not_before REAL NOT NULL DEFAULT 0,
            expires_at REAL,
            concat_ref INTEGER,
            parts_total INTEGER,
            parts_sent INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            created_by TEXT,
            claimed_at REAL, sent_at REAL, done_at REAL,
            error_class TEXT, error_code INTEGER, error TEXT
        );
        CREATE INDEX messages_due ON messages (priority DESC, not_before, id) WHERE state = 'queued';
        CREATE INDEX messages_due_route ON messages (route, priority DESC, not_before, id) WHERE state = 'queued';
        CREATE INDEX messages_sending ON messages (modem) WHERE state = 'sending';
        CREATE INDEX messages_campaign ON messages (campaign_id, state);
        CREATE INDEX messages_number ON messages (number);

        -- Every part handed to a modem, with the TP-MR it got, for delivery reports.
        CREATE TABLE message_parts (
            id INTEGER PRIMARY KEY,
            message_id INTEGER NOT NULL REFERENCES messages(id),
            seq INTEGER NOT NULL,
            total INTEGER NOT NULL,
            modem TEXT NOT NULL,
            mr INTEGER,
            sent_at REAL NOT NULL,
            report_status INTEGER,
            report_class TEXT,
            report_at REAL,
            final INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX parts_message ON message_parts (message_id, seq);
        CREATE INDEX parts_open_mr ON message_parts (modem, mr, sent_at) WHERE final = 0;
        CREATE INDEX parts_modem_time ON message_parts (modem, sent_at);

        -- Incoming SMS.  kind: reply, optout, junk.
        CREATE TABLE inbox (
            id INTEGER PRIMARY KEY,
            modem TEXT,
            number TEXT NOT NULL,
            text TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'reply',
            received_at REAL NOT NULL,
            sc_timestamp TEXT,
            dedupe TEXT UNIQUE,
            raw TEXT,
            handled INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX inbox_received ON inbox (received_at);

        -- Parts of a concatenated incoming SMS waiting for their siblings.
        CREATE TABLE inbox_fragments (
            id INTEGER PRIMARY KEY,
            modem TEXT NOT NULL,
            number TEXT NOT NULL,
            ref INTEGER NOT NULL,
            total INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            text TEXT NOT NULL,
            sc_timestamp TEXT,
            received_at REAL NOT NULL,
            UNIQUE (modem, number, ref, total, seq)
        );

        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL
        );

        -- Hash-chained: hash = sha256(prev_hash || at || actor || action || detail).
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at REAL NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '{}',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        """)


@MIGRATIONS()
def m002_imports_audiences_templates(db: Database) -> None:
    """Import records, saved audiences, message templates; campaign links to them."""
    _run_script(db, """
        -- One row per import (web, usb, api, cli), dry runs included.
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            file_name TEXT,
            file_hash TEXT,
            actor TEXT NOT NULL,
            dry_run INTEGER NOT NULL DEFAULT 0,
            started_at REAL NOT NULL,
            finished_at REAL,
            counts TEXT NOT NULL DEFAULT '{}',
            tag TEXT
        );

        -- Saved audiences: a JSON definition (wilayah, roles, tags) evaluated live.
        CREATE TABLE audiences (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            definition TEXT NOT NULL,
            created_by TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );

        CREATE TABLE templates (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            category TEXT,
            text TEXT NOT NULL,
            builtin INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL
        );

        ALTER TABLE campaigns ADD COLUMN audience_id INTEGER REFERENCES audiences(id);
        ALTER TABLE campaigns ADD COLUMN template_id INTEGER REFERENCES templates(id);
        ALTER TABLE campaigns ADD COLUMN fallbacks TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE campaigns ADD COLUMN recipients INTEGER;

        CREATE INDEX contacts_wilayah ON contacts (desa, rw, rt);
        CREATE INDEX contacts_role ON contacts (role);
        """)


@MIGRATIONS()
def m003_web(db: Database) -> None:
    """Web sessions, API tokens, login throttling, modem signal history, requests to the daemon."""
    _run_script(db, """
        -- A login on the LAN page. The cookie holds a random token; only its SHA-256 is kept,
        -- so a copy of the file does not let anyone in. Deleting the row logs the session out.
        CREATE TABLE web_sessions (
            token_hash TEXT PRIMARY KEY,
            username TEXT NOT NULL,
            csrf TEXT NOT NULL,
            created_at REAL NOT NULL,
            last_seen REAL NOT NULL,
            expires_at REAL NOT NULL,
            client TEXT
        );
        CREATE INDEX web_sessions_user ON web_sessions (username);

        -- Failed logins per user name and per client address, for throttling.
        CREATE TABLE login_failures (
            id INTEGER PRIMARY KEY,
            username TEXT,
            client TEXT,
            at REAL NOT NULL
        );
        CREATE INDEX login_failures_user ON login_failures (username, at);
        CREATE INDEX login_failures_client ON login_failures (client, at);

        -- Tokens for other systems (e.g. BPBD early warning) calling /api/v1. Only the SHA-256 is kept.
        CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            scopes TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at REAL NOT NULL,
            revoked_at REAL,
            revoked_by TEXT,
            last_used_at REAL
        );

        -- Signal strength samples written by the daemon at each status refresh (kept 7 days).
        CREATE TABLE modem_samples (
            id INTEGER PRIMARY KEY,
            modem TEXT NOT NULL,
            at REAL NOT NULL,
            signal_dbm INTEGER,
            state TEXT
        );
        CREATE INDEX modem_samples_modem_at ON modem_samples (modem, at);

        -- Things the page asks the daemon to do with a modem (check balance now); the daemon marks them done.
        CREATE TABLE modem_requests (
            id INTEGER PRIMARY KEY,
            modem TEXT NOT NULL,
            kind TEXT NOT NULL,
            requested_by TEXT NOT NULL,
            requested_at REAL NOT NULL,
            done_at REAL,
            result TEXT
        );

        CREATE INDEX messages_campaign_done ON messages (campaign_id, done_at);
        """)


@MIGRATIONS()
def m004_message_counts(db: Database) -> None:
    """Messages counted by state, overall and per campaign, kept by triggers.

    The dashboard, the campaign pages and the front panel read them every second; ``GROUP BY state``
    over a million messages took a third of a core. A message's campaign never changes after insert.
    Also an index for the dusun pick-list.
    """
    _run_script(db, """
        CREATE TABLE message_counts (
            state TEXT PRIMARY KEY,
            n INTEGER NOT NULL
        );
        INSERT INTO message_counts (state, n) SELECT state, COUNT(*) FROM messages GROUP BY state;

        CREATE TABLE campaign_counts (
            campaign_id INTEGER NOT NULL,
            state TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (campaign_id, state)
        ) WITHOUT ROWID;
        INSERT INTO campaign_counts (campaign_id, state, n)
            SELECT campaign_id, state, COUNT(*) FROM messages WHERE campaign_id IS NOT NULL
            GROUP BY campaign_id, state;

        CREATE TRIGGER message_counts_insert AFTER INSERT ON messages BEGIN
            INSERT OR IGNORE INTO message_counts (state, n) VALUES (NEW.state, 0);
            UPDATE message_counts SET n = n + 1 WHERE state = NEW.state;
            INSERT OR IGNORE INTO campaign_counts (campaign_id, state, n)
                SELECT NEW.campaign_id, NEW.state, 0 WHERE NEW.campaign_id IS NOT NULL;
            UPDATE campaign_counts SET n = n + 1 WHERE campaign_id = NEW.campaign_id AND state = NEW.state;
        END;

        CREATE TRIGGER message_counts_update AFTER UPDATE OF state ON messages
        WHEN OLD.state IS NOT NEW.state BEGIN
            UPDATE message_counts SET n = n - 1 WHERE state = OLD.state;
            INSERT OR IGNORE INTO message_counts (state, n) VALUES (NEW.state, 0);
            UPDATE message_counts SET n = n + 1 WHERE state = NEW.state;
            UPDATE campaign_counts SET n = n - 1 WHERE campaign_id = OLD.campaign_id AND state = OLD.state;
            INSERT OR IGNORE INTO campaign_counts (campaign_id, state, n)
                SELECT NEW.campaign_id, NEW.state, 0 WHERE NEW.campaign_id IS NOT NULL;
            UPDATE campaign_counts SET n = n + 1 WHERE campaign_id = NEW.campaign_id AND state = NEW.state;
        END;

        CREATE TRIGGER message_counts_delete AFTER DELETE ON messages BEGIN
            UPDATE message_counts SET n = n - 1 WHERE state = OLD.state;
            UPDATE campaign_counts SET n = n - 1 WHERE campaign_id = OLD.campaign_id AND state = OLD.state;
        END;

        -- The contacts page lists the dusun already known (a skip-scan over this index).
        CREATE INDEX contacts_dusun ON contacts (dusun);
        """)


@MIGRATIONS()
def m005_handed_at(db: Database) -> None:
    """When this claim of a message was handed to the modem (NULL while it is only claimed).

    A worker claims the next message while the modem transmits the current one, so after a crash
    ``sending`` holds messages that never reached the modem. Only a handed message is in doubt;
    one that was merely claimed goes back to the queue as it was (it was being marked in doubt, and
    after a second crash ``unknown``, though it had never been sent).
    """
    db.execute("ALTER TABLE messages ADD COLUMN handed_at REAL")
    # Left in flight by an older daemon that did not mark it: it may have gone, so it is in doubt.
    db.execute("UPDATE messages SET handed_at = COALESCE(claimed_at, 0) WHERE state = 'sending'")


@MIGRATIONS()
def m006_numbers_normalised(db: Database) -> None:
    """Every stored number in the one canonical form; opt-outs match on ``optouts.match_number``.

    Opt-outs from senders whose number came in national (``0812...``) or bare international
    (``62812...``) form were stored as received and never matched the ``+62...`` queue. Opt-outs
    first: each becomes E.164 (two forms of one number merge into the earliest); one that cannot be
    read as a number is kept as received and matches on its digits. Then the inbox, waiting
    fragments, messages and contacts (a contact whose E.164 form is already a contact stays as is).
    """
    db.execute("ALTER TABLE optouts ADD COLUMN match_number TEXT")
    _normalise_optouts(db)
    _run_script(db, """
        CREATE INDEX optouts_match ON optouts (match_number);
        -- A row written without it (a script, an older tool) matches on its number as written.
        CREATE TRIGGER optouts_match_default AFTER INSERT ON optouts WHEN NEW.match_number IS NULL BEGIN
            UPDATE optouts SET match_number = NEW.number WHERE rowid = NEW.rowid;
        END;
        """)
    for table, where in (("inbox", "number NOT LIKE '+%'"), ("inbox_fragments", "number NOT LIKE '+%'"),
                         ("messages", "number NOT LIKE '+%' AND number NOT LIKE 'deleted:%'")):
        stored = [r[0] for r in db.execute(f"SELECT DISTINCT number FROM {table} WHERE {where}").fetchall()]
        for number in stored:
            canonical = canonical_sender(number)
            if canonical != number:  # OR IGNORE: a fragment already stored under both forms stays as it was
                db.execute(f"UPDATE OR IGNORE {table} SET number = ? WHERE number = ?", (canonical, number))
    for number in [r[0] for r in db.execute("SELECT number FROM contacts WHERE number NOT LIKE '+62%'").fetchall()]:
        with contextlib.suppress(InvalidNumber):
            db.execute("UPDATE OR IGNORE contacts SET number = ? WHERE number = ?", (normalise(number), number))


@MIGRATIONS()
def m007_replies(db: Database) -> None:
    """Who dealt with an incoming SMS and when, and the reply an operator queued to it from the inbox.

    ``handled`` said only that someone did; the inbox now shows who (``handled_by``), when
    (``handled_at``) and the reply's own progress through the queue (``reply_id`` → ``messages.id``).
    """
    db.execute("ALTER TABLE inbox ADD COLUMN handled_by TEXT")
    db.execute("ALTER TABLE inbox ADD COLUMN handled_at REAL")
    db.execute("ALTER TABLE inbox ADD COLUMN reply_id INTEGER REFERENCES messages (id)")


@MIGRATIONS()
def m008_wilayah(db: Database) -> None:
    """A contact's kecamatan: an import fills it from a Kecamatan column, the list's title rows or
    its file name (two kelurahan of one name in different kecamatan stay apart)."""
    db.execute("ALTER TABLE contacts ADD COLUMN kecamatan TEXT")


@MIGRATIONS()
def m009_estimate(db: Database) -> None:
    """What the queue holds ahead of each campaign, in SMS parts, kept by triggers (for the time estimate).

    ``messages.parts`` is how many SMS parts a message's text takes, written when it is queued; a row
    written without it (a script, an older tool) counts ``length(text)`` / 153 rounded up. ``queue_load``
    sums the messages waiting or being sent (``queued``, ``sending``) per priority, campaign and operator
    route (the daemon sends a number through a SIM of its operator when there is one), so the
    estimate reads a handful of rows instead of scanning a million-message queue.
    """
    db.execute("ALTER TABLE messages ADD COLUMN parts INTEGER")
    open_rows = db.execute("SELECT id, text FROM messages WHERE state IN ('queued', 'sending', 'paused')").fetchall()
    for message_id, text in open_rows:
        db.execute("UPDATE messages SET parts = ? WHERE id = ?", (analyse(text).segments or 1, message_id))
    _run_script(db, f"""
        CREATE TABLE queue_load (
            priority INTEGER NOT NULL,
            campaign_id INTEGER NOT NULL,
            route TEXT NOT NULL,
            messages INTEGER NOT NULL,
            parts INTEGER NOT NULL,
            first_id INTEGER NOT NULL,
            PRIMARY KEY (priority, campaign_id, route)
        ) WITHOUT ROWID;
        INSERT INTO queue_load (priority, campaign_id, route, messages, parts, first_id)
            SELECT priority, COALESCE(campaign_id, 0), COALESCE(route, ''), COUNT(*), SUM({_parts("messages")}),
            MIN(id) FROM messages WHERE state IN ('queued', 'sending')
            GROUP BY priority, COALESCE(campaign_id, 0), COALESCE(route, '');

        CREATE TRIGGER queue_load_insert AFTER INSERT ON messages BEGIN
            {_load_change("NEW", "+")}
        END;

        CREATE TRIGGER queue_load_update AFTER UPDATE OF state ON messages
        WHEN (OLD.state IN ('queued', 'sending')) IS NOT (NEW.state IN ('queued', 'sending')) BEGIN
            {_load_change("OLD", "-")}
            {_load_change("NEW", "+")}
        END;

        CREATE TRIGGER queue_load_delete AFTER DELETE ON messages BEGIN
            {_load_change("OLD", "-")}
        END;
        """)


@MIGRATIONS()
def m010_smpp(db: Database) -> None:
    """The operator route over SMPP 3.4 beside the modems.

    ``message_parts.smsc_id``: the ``message_id`` the operator gave the part in ``submit_sm_resp``
    (text, up to 65 characters), indexed: receipts are matched on it, whichever session brings them.
    ``messages.channel`` / ``campaigns.channel``: ``modem`` or ``smpp`` when the campaign chose one
    route, NULL when either may send it (modem workers claim NULL or ``modem``, SMPP workers NULL or
    ``smpp``). ``smpp_accounts``: accounts an admin added on the Settings page (the daemon adds the
    configuration file's). ``smpp_links``: each account's link as its worker last saw it (the dashboard).
    ``smpp_receipts``: receipts that came before their part's ``smsc_id`` was written, matched later.
    """
    _run_script(db, """
        ALTER TABLE message_parts ADD COLUMN smsc_id TEXT;
        CREATE INDEX parts_smsc_id ON message_parts (smsc_id) WHERE smsc_id IS NOT NULL;
        ALTER TABLE messages ADD COLUMN channel TEXT;
        ALTER TABLE campaigns ADD COLUMN channel TEXT;
        -- Each kind of worker walks an index of only what it may claim: a 100,000-message operator
        -- campaign ahead in the queue costs a modem's claim nothing, and the reverse. The index of every
        -- queued message goes: the two below answer what it did (an index less to write per message).
        DROP INDEX messages_due;
        DROP INDEX messages_due_route;
        CREATE INDEX messages_due_route ON messages (route, priority DESC, not_before, id)
            WHERE state = 'queued' AND channel IS NOT 'smpp';
        CREATE INDEX messages_due_modem ON messages (priority DESC, not_before, id)
            WHERE state = 'queued' AND channel IS NOT 'smpp';
        CREATE INDEX messages_due_smpp ON messages (priority DESC, not_before, id)
            WHERE state = 'queued' AND channel IS NOT 'modem';

        CREATE TABLE smpp_accounts (
            name TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            port INTEGER NOT NULL DEFAULT 2775,
            system_id TEXT NOT NULL,
            password TEXT NOT NULL,
            system_type TEXT NOT NULL DEFAULT '',
            bind TEXT NOT NULL DEFAULT 'transceiver',
            source_addr TEXT NOT NULL,
            source_ton INTEGER,
            source_npi INTEGER,
            rate REAL NOT NULL DEFAULT 50,
            window INTEGER NOT NULL DEFAULT 10,
            enquire_link REAL NOT NULL DEFAULT 30,
            tls INTEGER NOT NULL DEFAULT 0,
            tls_ca TEXT NOT NULL DEFAULT '',
            validity_minutes INTEGER NOT NULL DEFAULT 1440,
            registered_delivery INTEGER NOT NULL DEFAULT 1,
            price_per_part REAL NOT NULL DEFAULT 0,
            enabled INTEGER NOT NULL DEFAULT 1,
            created_by TEXT,
            created_at REAL NOT NULL,
            updated_by TEXT,
            updated_at REAL NOT NULL
        );

        -- state: starting, binding, bound, unbound (waiting to rebind), refused, stopped, failed.
        CREATE TABLE smpp_links (
            name TEXT PRIMARY KEY,
            state TEXT NOT NULL DEFAULT 'starting',
            bound_at REAL,
            sent_total INTEGER NOT NULL DEFAULT 0,
            rate_now REAL NOT NULL DEFAULT 0,
            window_used INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            updated_at REAL
        );

        CREATE TABLE smpp_receipts (
            id INTEGER PRIMARY KEY,
            account TEXT NOT NULL,
            smsc_id TEXT NOT NULL,
            stat TEXT NOT NULL,
            err TEXT,
            received_at REAL NOT NULL
        );
        CREATE INDEX smpp_receipts_id ON smpp_receipts (smsc_id);
        CREATE INDEX smpp_receipts_time ON smpp_receipts (received_at);  -- the recent ones, retried each commit
        """)


def _parts(row: str) -> str:
    """A message's SMS parts in SQL (``row``: NEW, OLD or a table): as written, else from the text's length."""
    return f"COALESCE({row}.parts, MAX(1, (length({row}.text) + 152) / 153))"


def _load_change(row: str, sign: str) -> str:
    """Trigger statements moving message ``row`` into (``+``) or out of (``-``) its queue_load row,
    when its state is one that queue_load counts."""
    key = (f"priority = {row}.priority AND campaign_id = COALESCE({row}.campaign_id, 0)"
           f" AND route = COALESCE({row}.route, '')")
    counted = f"{row}.state IN ('queued', 'sending')"
    add = (f"INSERT OR IGNORE INTO queue_load (priority, campaign_id, route, messages, parts, first_id)"
           f" SELECT {row}.priority, COALESCE({row}.campaign_id, 0), COALESCE({row}.route, ''), 0, 0, {row}.id"
           f" WHERE {counted};\n"
           if sign == "+" else "")
    # A row that had emptied starts again at this message (its place in the claim order among campaigns).
    first = f", first_id = CASE WHEN messages = 0 THEN {row}.id ELSE first_id END" if sign == "+" else ""
    return (add + f"UPDATE queue_load SET messages = messages {sign} 1, parts = parts {sign} {_parts(row)}{first}"
            f" WHERE {counted} AND {key};")


def _normalise_optouts(db: Database) -> None:
    """Each opt-out under its E.164 number (two forms of one number: one row, the earliest date),
    one that is not a number kept as received; ``match_number`` filled for all."""
    stored = db.execute("SELECT number, created_at FROM optouts ORDER BY created_at, rowid").fetchall()
    for number, created_at in stored:
        canonical = canonical_sender(number)
        if canonical != number and canonical.startswith("+"):
            if db.execute("SELECT 1 FROM optouts WHERE number = ?", (canonical,)).fetchone():
                db.execute("UPDATE optouts SET created_at = MIN(created_at, ?) WHERE number = ?",
                           (created_at, canonical))
                db.execute("DELETE FROM optouts WHERE number = ?", (number,))
                continue
            db.execute("UPDATE optouts SET number = ? WHERE number = ?", (canonical, number))
            number = canonical
        db.execute("UPDATE optouts SET match_number = ? WHERE number = ?", (optout_match(number), number))


def _run_script(db: Database, script: str) -> None:
    """Run each statement of ``script`` inside the migration's transaction.

    ``executescript`` would COMMIT first and break the migration's atomicity.
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in migration: {statement[:60]!r}")


def migrate(db: Database | sqlite3.Connection, lock_path: str | None = None) -> None:
    """Bring ``db`` (a connection, or sqlite-utils' Database on one) to the current schema;
    refuse a database from a newer Siaran.

    ``lock_path``: a file locked while migrating, so that the daemon and the
    web page starting together do not both try to create the tables.  A file
    already at this version is answered with one plain query.
    """
    conn = getattr(db, "conn", db)
    if _up_to_date(conn):
        return
    from sqlite_utils import Database
    db = db if isinstance(db, Database) else Database(conn)
    if lock_path is None:
        _migrate(db)
        return
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _migrate(db)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _up_to_date(conn: sqlite3.Connection) -> bool:
    """Whether every migration of this version, and no other, is recorded in the file."""
    try:
        applied = [r[0] for r in conn.execute(
            f"SELECT name FROM {MIGRATIONS.migrations_table} WHERE migration_set = ?", (MIGRATIONS.name,))]
    except sqlite3.OperationalError:  # no such table: a new file
        return False
    return sorted(applied) == sorted(fn.__name__ for fn in MIGRATIONS.functions)


def _migrate(db: Database) -> None:
    MIGRATIONS.ensure_migrations_table(db)
    known = {m.name for m in MIGRATIONS._migrations}
    applied = {m.name for m in MIGRATIONS.applied(db)}
    unknown = sorted(applied - known)
    if unknown:
        raise SchemaTooNew(
            f"the database was written by a newer Siaran version (migrations {', '.join(unknown)}); "
            "upgrade Siaran on this box, or restore a backup made by this version",
            "Database ini ditulis oleh Siaran versi yang lebih baru dari yang terpasang di perangkat ini "
            f"(migrasi {', '.join(unknown)}). Perbarui Siaran di perangkat ini, atau pulihkan cadangan yang "
            "dibuat oleh versi ini.",
        )
    MIGRATIONS.apply(db)


def version(db: Database) -> int:
    """How many migrations have been applied (the schema version)."""
    return len(MIGRATIONS.applied(db))


@MIGRATIONS()
def m011_fewer_writes_per_message(db: Database) -> None:
    """Fewer index pages written per message (issue 11 §5: bytes written per message, an SD card's wear).

    ``messages_campaign_done`` goes: no query reads it any more (the campaign chart counts ``done_at``
    through ``messages_campaign``), and a message paid two of its pages when it became final.
    ``messages_campaign`` keeps only campaign messages: every query of it names a campaign
    (``campaign_id = ?``), and a message sent from the CLI, the API or as a reply no longer writes it.
    """
    _run_script(db, """
        DROP INDEX IF EXISTS messages_campaign_done;
        DROP INDEX messages_campaign;
        CREATE INDEX messages_campaign ON messages (campaign_id, state) WHERE campaign_id IS NOT NULL;
        """)


@MIGRATIONS()
def m012_keywords(db: Database) -> None:
    """What residents do by SMS keyword: consents, number changes, and the automatic replies sent to them.

    ``consents`` keeps every consent given (by SMS ``YA``/``SETUJU`` or ``DAFTAR``, by the office, by an
    import) with the incoming SMS and the campaign it answered; ``contacts.basis`` stays the current basis.
    ``number_changes`` holds ``GANTI 08...`` requests: pending until the new number answers ``YA``
    (confirmed) or the office decides (approved, rejected), else expired. ``keyword_replies`` is one row per
    automatic reply (or reply withheld by the per-number rate limit), counted per number and hour so a loop
    with another automatic system cannot burn the SIM's credit.
    """
    _run_script(db, """
        CREATE TABLE consents (
            id INTEGER PRIMARY KEY,
            contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
            number TEXT NOT NULL,
            basis TEXT NOT NULL DEFAULT 'consent',
            source TEXT NOT NULL CHECK (source IN ('sms', 'office', 'import')),
            keyword TEXT,
            at REAL NOT NULL,
            inbox_id INTEGER REFERENCES inbox(id) ON DELETE SET NULL,
            campaign_id INTEGER REFERENCES campaigns(id),
            message_id INTEGER REFERENCES messages(id),
            recorded_by TEXT
        );
        CREATE INDEX consents_number ON consents (number, at);
        CREATE INDEX consents_campaign ON consents (campaign_id);

        CREATE TABLE number_changes (
            id INTEGER PRIMARY KEY,
            contact_id INTEGER REFERENCES contacts(id) ON DELETE CASCADE,
            old_number TEXT NOT NULL,
            new_number TEXT NOT NULL,
            requested_at REAL NOT NULL,
            inbox_id INTEGER REFERENCES inbox(id) ON DELETE SET NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'confirmed', 'expired', 'rejected', 'approved')),
            reason TEXT,
            expires_at REAL NOT NULL,
            decided_at REAL,
            decided_by TEXT
        );
        CREATE INDEX number_changes_new ON number_changes (new_number) WHERE state = 'pending';
        CREATE INDEX number_changes_state ON number_changes (state, requested_at);

        CREATE TABLE keyword_replies (
            id INTEGER PRIMARY KEY,
            number TEXT NOT NULL,
            keyword TEXT NOT NULL,
            outcome TEXT NOT NULL,
            inbox_id INTEGER REFERENCES inbox(id) ON DELETE SET NULL,
            message_id INTEGER REFERENCES messages(id),
            at REAL NOT NULL
        );
        CREATE INDEX keyword_replies_number ON keyword_replies (number, at);

        -- DAFTAR reads the kelurahan residents may join (and their kecamatan) from this index alone.
        CREATE INDEX contacts_desa_kecamatan ON contacts (desa, kecamatan);
        """)


@MIGRATIONS()
def m013_units(db: Database) -> None:
    """Units (dinas) sharing one box: Diskominfo, Damkar, BPBD ... each with its users, campaigns, templates.

    ``units``: a name, a ``signature`` appended to every campaign text of the unit (copied into
    ``campaigns.signature`` at creation, so what the approver saw is what is sent), a ``sender_name`` for
    an operator route that supports SMS masking, an optional ``monthly_quota`` of SMS parts and its
    ``cost_per_part`` (Rupiah; NULL: the office's ``cost_per_segment``). Existing installs get one unit,
    ``Kantor`` (id 1), holding every existing user, campaign and office template; shipped templates
    (``builtin = 1``) stay shared (``unit_id`` NULL). Contacts and audiences are shared (NULL) unless an
    admin makes them private to a unit. ``campaigns.over_quota``: an emergency queued beyond its unit's
    quota (allowed, flagged). ``api_tokens.unit_id``: a token that acts for one unit (NULL: every unit).
    """
    _run_script(db, """
        CREATE TABLE units (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            signature TEXT NOT NULL DEFAULT '',
            sender_name TEXT,
            monthly_quota INTEGER,
            cost_per_part REAL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        INSERT INTO units (id, name, created_at, updated_at)
            VALUES (1, 'Kantor', CAST(strftime('%s', 'now') AS REAL), CAST(strftime('%s', 'now') AS REAL));

        ALTER TABLE users ADD COLUMN unit_id INTEGER REFERENCES units(id);
        UPDATE users SET unit_id = 1;
        ALTER TABLE campaigns ADD COLUMN unit_id INTEGER REFERENCES units(id);
        UPDATE campaigns SET unit_id = 1;
        ALTER TABLE campaigns ADD COLUMN signature TEXT NOT NULL DEFAULT '';
        ALTER TABLE campaigns ADD COLUMN over_quota INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE templates ADD COLUMN unit_id INTEGER REFERENCES units(id);
        UPDATE templates SET unit_id = 1 WHERE builtin = 0;
        ALTER TABLE audiences ADD COLUMN unit_id INTEGER REFERENCES units(id);
        ALTER TABLE contacts ADD COLUMN unit_id INTEGER REFERENCES units(id);
        ALTER TABLE api_tokens ADD COLUMN unit_id INTEGER REFERENCES units(id);

        CREATE INDEX campaigns_unit ON campaigns (unit_id, state);
        CREATE INDEX contacts_unit ON contacts (unit_id) WHERE unit_id IS NOT NULL;
        """)

