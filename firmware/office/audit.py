"""The audit log, read for the Audit page: rows newest first with filters, and the actions in it.

Writing the log (one row per action, hash-chained, in the same commit as the change) and checking its
chain are the store's (:meth:`firmware.queue.store.Store.audit`, :meth:`~firmware.queue.store.Store.verify_audit`).
"""

from __future__ import annotations

import json
from typing import Any

from firmware.people.audience import like_contains
from firmware.queue.store import Store


def audit_count(store: Store) -> int:
    return store.conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]


def audit_entry(store: Store, entry_id: int) -> dict[str, Any] | None:
    """``id, at, actor, action`` of one audit row, or None."""
    row = store.conn.execute("SELECT id, at, actor, action FROM audit_log WHERE id = ?", (entry_id,)).fetchone()
    return dict(row) if row else None


def audit_page(store: Store, *, actor: str = "", action: str = "", hidden: tuple[str, ...] = (), offset: int = 0,
               limit: int = 50) -> tuple[list[dict[str, Any]], int]:
    """Audit rows newest first: ``actor`` matches a part of the actor, ``action`` exactly; actions starting
    with one of ``hidden`` are left out (what only an admin sees). Also how many match in all."""
    where, args = [], []
    if actor:
        where.append("actor LIKE ? ESCAPE '\\'")
        args.append(like_contains(actor))
    if action:
        where.append("action = ?")
        args.append(action)
    for prefix in hidden:
        where.append("action NOT LIKE ? ESCAPE '\\'")
        args.append(like_contains(prefix)[1:])
    cond = (" WHERE " + " AND ".join(where)) if where else ""
    total = store.conn.execute(f"SELECT COUNT(*) FROM audit_log{cond}", args).fetchone()[0]
    rows = store.conn.execute(f"SELECT id, at, actor, action, detail, hash FROM audit_log{cond}"
                              " ORDER BY id DESC LIMIT ? OFFSET ?", (*args, limit, offset)).fetchall()
    out = []
    for r in rows:
        try:
            detail = json.loads(r["detail"])
        except ValueError:
            detail = r["detail"]
        out.append({**dict(r), "detail": detail})
    return out, total


def audit_actions(store: Store, hidden: tuple[str, ...] = ()) -> list[str]:
    """The distinct actions in the log (for the filter's pick-list)."""
    return [a for (a,) in store.conn.execute("SELECT DISTINCT action FROM audit_log ORDER BY action")
            if not any(a.startswith(p) for p in hidden)]
