"""The store's verbs for the modems' rows: status, signal samples, error counts, and the page's requests.

:class:`ModemRows` is a mixin of :class:`firmware.queue.store.Store` (it uses the store's ``conn``,
``tx``, ``clock`` and ``_audit``).  The daemon's workers write a modem's row (``modems``) and its
history (``modem_samples``); the page reads them and asks the daemon for something (a balance check)
by writing ``modem_requests``, which a worker answers at its next idle moment.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable


class ModemRows:
    """Verbs for ``modems``, ``modem_samples`` and ``modem_requests`` (mixed into the Store)."""

    # -- modems ---------------------------------------------------------------

    def upsert_modem(self, name: str, **fields) -> None:
        """Create or update a modem's status row (fields are ``modems`` columns)."""
        with self.tx() as c:
            self._upsert_modem(c, name, fields)

    def _upsert_modem(self, c: sqlite3.Connection, name: str, fields: dict) -> None:
        fields["updated_at"] = self.clock()
        sets = ", ".join(f"{k} = ?" for k in fields)
        if c.execute(f"UPDATE modems SET {sets} WHERE name = ?", (*fields.values(), name)).rowcount == 0:
            cols = ", ".join(fields)
            marks = ", ".join("?" for _ in fields)
            c.execute(f"INSERT INTO modems (name, {cols}) VALUES (?, {marks})", (name, *fields.values()))

    def record_modem_status(self, name: str, fields: dict | None = None, *, at: float, state: str | None,
                            purge_before: float | None = None) -> None:
        """A status refresh: update the modem's row with ``fields`` (``modems`` columns) and add a
        ``modem_samples`` row (``at``, ``fields["signal_dbm"]``, ``state``) in one commit; with
        ``purge_before``, forget this modem's samples older than that."""
        fields = dict(fields or {})
        with self.tx() as c:
            if fields:
                self._upsert_modem(c, name, fields)
            c.execute("INSERT INTO modem_samples (modem, at, signal_dbm, state) VALUES (?,?,?,?)",
                      (name, at, fields.get("signal_dbm"), state))
            if purge_before is not None:
                c.execute("DELETE FROM modem_samples WHERE modem = ? AND at < ?", (name, purge_before))

    def modem_samples(self, modem: str, since: float) -> list[dict]:
        """Signal samples of ``modem`` since ``since``, oldest first: ``at``, ``signal_dbm``, ``state``."""
        return [dict(r) for r in self.conn.execute(
            "SELECT at, signal_dbm, state FROM modem_samples WHERE modem = ? AND at >= ? ORDER BY at, id",
            (modem, since))]

    def purge_modem_samples(self, older_than: float) -> int:
        """Forget signal samples older than ``older_than`` (the page shows at most a week)."""
        with self.tx() as c:
            return c.execute("DELETE FROM modem_samples WHERE at < ?", (older_than,)).rowcount

    # -- requests from the page to the daemon ---------------------------------

    def request_modem(self, modem: str, kind: str, *, by: str) -> tuple[int, bool]:
        """Ask the daemon to do ``kind`` (``balance``) with ``modem`` at its next idle moment (audited).

        Returns (request id, True) or, when the same request is already waiting, (its id, False)."""
        now = self.clock()
        with self.tx() as c:
            row = c.execute("SELECT id FROM modem_requests WHERE modem = ? AND kind = ? AND done_at IS NULL"
                            " ORDER BY id LIMIT 1", (modem, kind)).fetchone()
            if row is not None:
                return row[0], False
            cur = c.execute("INSERT INTO modem_requests (modem, kind, requested_by, requested_at) VALUES (?,?,?,?)",
                            (modem, kind, by, now))
            self._audit(c, by, "modem_request", {"modem": modem, "kind": kind, "request": cur.lastrowid}, now)
            return cur.lastrowid, True

    def pending_modem_requests(self, modem: str) -> list[dict]:
        """Requests for ``modem`` the daemon has not done yet, oldest first."""
        return [dict(r) for r in self.conn.execute(
            "SELECT * FROM modem_requests WHERE modem = ? AND done_at IS NULL ORDER BY id", (modem,))]

    def finish_modem_requests(self, ids: Iterable[int], result: str, *, balance: str | None = None,
                              modem: str | None = None) -> int:
        """Mark requests done with ``result``; with ``balance``, store it as ``modem``'s balance (one commit)."""
        ids = list(ids)
        now = self.clock()
        with self.tx() as c:
            if balance is not None and modem is not None:
                self._upsert_modem(c, modem, {"balance": balance, "balance_at": now})
            return sum(c.execute("UPDATE modem_requests SET done_at = ?, result = ? WHERE id = ? AND done_at IS NULL",
                                 (now, result[:300], i)).rowcount for i in ids)

    def finish_orphan_requests(self, modems: Iterable[str], result: str) -> int:
        """Answer waiting requests for modems no worker drives (removed from the configuration)."""
        names = list(modems)
        where = f" AND modem NOT IN ({','.join('?' for _ in names)})" if names else ""
        with self.tx() as c:
            return c.execute(f"UPDATE modem_requests SET done_at = ?, result = ? WHERE done_at IS NULL{where}",
                             (self.clock(), result, *names)).rowcount

    def modem_requests(self, modem: str | None = None, limit: int = 10) -> list[dict]:
        """The latest requests (of ``modem``), newest first."""
        if modem is None:
            rows = self.conn.execute("SELECT * FROM modem_requests ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = self.conn.execute("SELECT * FROM modem_requests WHERE modem = ? ORDER BY id DESC LIMIT ?",
                                     (modem, limit))
        return [dict(r) for r in rows]

    def count_error(self, modem: str, error_class: str) -> None:
        with self.tx() as c:
            row = c.execute("SELECT errors FROM modems WHERE name = ?", (modem,)).fetchone()
            errors = json.loads(row["errors"]) if row else {}
            errors[error_class] = errors.get(error_class, 0) + 1
            c.execute("UPDATE modems SET errors = ? WHERE name = ?", (json.dumps(errors), modem))

    def modems(self) -> list[dict]:
        return [dict(r) for r in self.conn.execute("SELECT * FROM modems ORDER BY name")]

    def count_parts_sent(self, modem: str, since: float) -> int:
        """How many parts ``modem`` sent since ``since`` (one index range on parts_modem_time)."""
        return self.conn.execute("SELECT COUNT(*) FROM message_parts WHERE modem = ? AND sent_at >= ?",
                                 (modem, since)).fetchone()[0]

    def parts_sent_since(self, modem: str, since: float) -> list[float]:
        """Send times of parts ``modem`` sent since ``since`` (to restore rate limits after a restart)."""
        return [r[0] for r in self.conn.execute(
            "SELECT sent_at FROM message_parts WHERE modem = ? AND sent_at >= ? ORDER BY sent_at", (modem, since))]
