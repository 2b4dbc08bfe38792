"""One campaign's messages, read for its page: the recipients page by page, the delivery chart, the report.

Fast with 100,000 recipients: a campaign's messages are inserted in one transaction, so they sit
together in the table; reads go through its id range or the index ``messages(campaign_id, state)``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from firmware.queue.store import MESSAGE_STATES, Store


def campaign_id_range(store: Store, campaign_id: int) -> tuple[int, int] | None:
    """(lowest, highest) message id of a campaign: one index seek per state on messages(campaign_id, state).

    A campaign's messages are inserted in one transaction, so its rows sit together in the table;
    scanning ``id BETWEEN lo AND hi`` then reads only them, in order, without a sort.
    """
    # NOTE: MIN() and MAX() in one SELECT would scan the state's entries; alone, each is one seek.
    lows, highs = [], []
    for state in MESSAGE_STATES:
        args = (campaign_id, state)
        lo = store.conn.execute("SELECT MIN(id) FROM messages INDEXED BY messages_campaign"
                                " WHERE campaign_id = ? AND state = ?", args).fetchone()[0]
        if lo is not None:
            lows.append(lo)
            highs.append(store.conn.execute("SELECT MAX(id) FROM messages INDEXED BY messages_campaign"
                                            " WHERE campaign_id = ? AND state = ?", args).fetchone()[0])
    return (min(lows), max(highs)) if lows else None


_MESSAGE_COLUMNS = ("m.id, m.number, m.state, m.error_class, m.error, m.attempts, m.sent_at, m.done_at,"
                    " c.name, c.desa, c.rt, c.rw")


def campaign_messages(store: Store, campaign_id: int, *, state: str | None = None, page: int = 1,
                      per_page: int = 50) -> list[dict[str, Any]]:
    """One page of a campaign's recipients in id order, with the contact's name and wilayah.

    With a state: the index messages(campaign_id, state) is already in id order.  Without: a rowid
    range scan over the campaign's id range (no sort of 100,000 rows).
    """
    offset = max(0, page - 1) * per_page
    # The page's ids first (OFFSET skips index entries or rows only), then the contact lookups for 50 rows.
    if state:
        ids = ("SELECT id FROM messages INDEXED BY messages_campaign WHERE campaign_id = ? AND state = ?"
               " ORDER BY id LIMIT ? OFFSET ?")
        args: tuple = (campaign_id, state, per_page, offset)
    else:
        span = campaign_id_range(store, campaign_id)
        if span is None:
            return []
        ids = "SELECT id FROM messages WHERE id BETWEEN ? AND ? AND +campaign_id = ? ORDER BY id LIMIT ? OFFSET ?"
        args = (*span, campaign_id, per_page, offset)
    sql = (f"SELECT {_MESSAGE_COLUMNS} FROM ({ids}) AS page JOIN messages m ON m.id = page.id"
           " LEFT JOIN contacts c ON c.number = m.number ORDER BY m.id")
    return [dict(r) for r in store.conn.execute(sql, args)]


def report_rows(store: Store, campaign_id: int, *, batch: int = 1000):
    """Every recipient of a campaign (number, state, reason, times, contact's name and wilayah), streamed
    in batches of ``batch`` rows: a 100,000-row report is never all in memory."""
    span = campaign_id_range(store, campaign_id)
    if span is None:
        return
    cur = store.conn.execute(
        f"SELECT {_MESSAGE_COLUMNS} FROM messages m LEFT JOIN contacts c ON c.number = m.number"
        " WHERE m.id BETWEEN ? AND ? AND +m.campaign_id = ? ORDER BY m.id", (*span, campaign_id))
    while True:
        rows = cur.fetchmany(batch)
        if not rows:
            return
        yield rows


_BUCKET = 600  # the finest chart step: 10 minutes
_chart_cache: dict[tuple[str, int], tuple[float, tuple, list]] = {}
_chart_lock = threading.Lock()
CHART_TTL = 30.0  # seconds a running campaign's chart may lag behind


def campaign_deliveries(store: Store, campaign_id: int, counts: dict[str, int] | None = None
                        ) -> list[tuple[float, int, int]]:
    """(bucket start, sent, delivered) per 10 minutes (UTC epoch), oldest first; empty buckets left out.

    Sent counts ``sent_at`` over the campaign's id range (one sequential pass), delivered counts
    ``done_at`` of delivered messages through messages(campaign_id, state).  The answer is kept for
    :data:`CHART_TTL` seconds, or as long as ``counts`` (the campaign's counts by state) do not change,
    so a page refreshing every few seconds does not repeat the pass over 100,000 rows.
    """
    key = (str(store.path), int(campaign_id))
    stamp = tuple(sorted((counts or {}).items()))
    now = time.monotonic()
    with _chart_lock:
        hit = _chart_cache.get(key)
    if hit is not None and (hit[1] == stamp and counts is not None or now - hit[0] < CHART_TTL):
        return hit[2]
    out: dict[int, list[int]] = {}
    span = campaign_id_range(store, campaign_id)
    if span is not None:
        for bucket, n in store.conn.execute(
                f"SELECT CAST(sent_at / {_BUCKET} AS INTEGER) AS b, COUNT(*) FROM messages"
                " WHERE id BETWEEN ? AND ? AND +campaign_id = ? AND sent_at IS NOT NULL GROUP BY b",
                (*span, campaign_id)):
            out.setdefault(bucket, [0, 0])[0] = n
        for bucket, n in store.conn.execute(
                f"SELECT CAST(done_at / {_BUCKET} AS INTEGER) AS b, COUNT(*) FROM messages"
                " INDEXED BY messages_campaign WHERE campaign_id = ? AND state = 'delivered'"
                " AND done_at IS NOT NULL GROUP BY b", (campaign_id,)):
            out.setdefault(bucket, [0, 0])[1] = n
    result = [(float(b * _BUCKET), s, d) for b, (s, d) in sorted(out.items())]
    with _chart_lock:
        if len(_chart_cache) > 200:
            _chart_cache.clear()
        _chart_cache[key] = (now, stamp, result)
    return result
