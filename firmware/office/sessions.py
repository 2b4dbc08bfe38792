"""Store verbs for the page's sessions (``web_sessions``) and failed logins (``login_failures``).

The rules (how long a session lives, when a login waits) are the page's, in :mod:`web.auth`; this
module only reads and writes the rows, so the SQL of the office area stays under ``firmware/office/``
(:mod:`firmware.office.users` for accounts, :mod:`firmware.office.tokens` for API tokens).  A session row
keeps only the SHA-256 of its token (``token_hash``).
"""

from __future__ import annotations

import sqlite3


def admin_exists(store) -> bool:
    """True once an enabled admin account exists."""
    return store.conn.execute(
        "SELECT 1 FROM users WHERE role = 'admin' AND disabled = 0 LIMIT 1").fetchone() is not None


def add_session(store, token_hash: str, username: str, csrf: str, client: str, *, idle: float,
                lifetime: float) -> None:
    """Store a new session (and drop the expired or idle ones while at it)."""
    now = store.clock()
    with store.tx() as c:
        c.execute("DELETE FROM web_sessions WHERE expires_at < ? OR last_seen < ?", (now, now - idle))
        c.execute("INSERT INTO web_sessions (token_hash, username, csrf, created_at, last_seen, expires_at, client)"
                  " VALUES (?,?,?,?,?,?,?)", (token_hash, username, csrf, now, now, now + lifetime, client))


def get_session(store, token_hash: str) -> sqlite3.Row | None:
    """The session with its user's role: ``username, csrf, last_seen, expires_at, role, disabled``."""
    return store.conn.execute(
        "SELECT s.username, s.csrf, s.last_seen, s.expires_at, u.role, u.disabled FROM web_sessions s"
        " JOIN users u ON u.username = s.username WHERE s.token_hash = ?", (token_hash,)).fetchone()


def touch_session(store, token_hash: str, now: float) -> None:
    with store.tx() as c:
        c.execute("UPDATE web_sessions SET last_seen = ? WHERE token_hash = ?", (now, token_hash))


def delete_session(store, token_hash: str) -> None:
    with store.tx() as c:
        c.execute("DELETE FROM web_sessions WHERE token_hash = ?", (token_hash,))


def delete_sessions_of(store, username: str, *, failures: bool = False) -> None:
    """Delete every session of ``username`` (and, with ``failures``, their failed logins), in one commit."""
    with store.tx() as c:
        c.execute("DELETE FROM web_sessions WHERE username = ?", (username,))
        if failures:
            c.execute("DELETE FROM login_failures WHERE username = ?", (username,))


def forget_failures(store, username: str, actor: str) -> int:
    """Forget ``username``'s failed logins from every address, audited; returns how many."""
    with store.tx() as c:
        n = c.execute("DELETE FROM login_failures WHERE username = ?", (username,)).rowcount
        store._audit(c, actor, "user_unlock", {"username": username, "failures": n}, store.clock())
    return n


def failures_of_pair(store, username: str, client: str, since: float) -> tuple[int, float | None]:
    """(count, latest time) of the failed logins of ``username`` from ``client`` since ``since``."""
    return tuple(store.conn.execute(
        "SELECT COUNT(*), MAX(at) FROM login_failures WHERE username = ? AND client = ? AND at >= ?",
        (username, client, since)).fetchone())


def failures_of_client(store, client: str, since: float) -> tuple[int, float | None]:
    """(count, latest time) of the failed logins from ``client``, whatever the names, since ``since``."""
    return tuple(store.conn.execute(
        "SELECT COUNT(*), MAX(at) FROM login_failures WHERE client = ? AND at >= ?", (client, since)).fetchone())


def pairs_failing(store, since: float, at_least: int) -> list[tuple[str, str, int, float]]:
    """(username, client, count, latest) of each pair with ``at_least`` failures since ``since``."""
    return [tuple(r) for r in store.conn.execute(
        "SELECT username, client, COUNT(*), MAX(at) FROM login_failures WHERE at >= ?"
        " GROUP BY username, client HAVING COUNT(*) >= ? ORDER BY username, client", (since, at_least))]


def clients_failing(store, since: float, at_least: int) -> list[tuple[str, int, float]]:
    """(client, count, latest) of each address with ``at_least`` failures since ``since``."""
    return [tuple(r) for r in store.conn.execute(
        "SELECT client, COUNT(*), MAX(at) FROM login_failures WHERE at >= ?"
        " GROUP BY client HAVING COUNT(*) >= ? ORDER BY client", (since, at_least))]


def login_row(store, username: str) -> sqlite3.Row | None:
    """``username, password_hash, disabled`` of the account, or None."""
    return store.conn.execute("SELECT username, password_hash, disabled FROM users WHERE username = ?",
                              (username,)).fetchone()


def record_login(store, username: str, client: str, ok: bool, *, audit_client: str) -> None:
    """Record a login attempt, audited: a success forgets this address's failures, a failure is kept a day."""
    now = store.clock()
    with store.tx() as c:
        if ok:
            # Only this address's failures: a stranger's elsewhere keep their own lock.
            c.execute("DELETE FROM login_failures WHERE username = ? AND client = ?", (username, client))
            store._audit(c, f"web:{username}", "login", {"client": audit_client}, now)
            return
        c.execute("DELETE FROM login_failures WHERE at < ?", (now - 86400,))
        c.execute("INSERT INTO login_failures (username, client, at) VALUES (?,?,?)", (username, client, now))
        store._audit(c, "web:-", "login_failed", {"username": username, "client": audit_client}, now)
