"""Read-only questions the pages ask the store: modem cards, campaign progress, the panel mirror.

Kept apart from the handlers so that the dashboard, the campaign page and the
API answer the same question the same way.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from firmware.campaigns import routing
from firmware.queue import estimate
from firmware.office import settings as office_settings
from firmware.office.config import Config, ModemConfig
from firmware.box.panel import panel_state
from firmware.queue.smpp_store import operator_accounts
from firmware.queue.store import Store

FINAL = ("delivered", "failed", "unknown", "cancelled", "expired", "suppressed")
OUTSTANDING = ("queued", "sending", "paused")
#: Handed to the network: "sent" on a page counts these, never failed or unknown (in doubt) messages.
SENT = ("sent", "delivered")


def signal_bars(dbm: int | None) -> int:
    """0-5 bars from dBm, as phones draw them (-73 dBm or better is full)."""
    if dbm is None:
        return 0
    for bars, floor in ((5, -73), (4, -83), (3, -93), (2, -103), (1, -109)):
        if dbm >= floor:
            return bars
    return 0


def local_midnight(now: float, utc_offset_hours: float) -> float:
    tz = timezone(timedelta(hours=utc_offset_hours))
    d = datetime.fromtimestamp(now, tz)
    return d.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def modem_cards(store: Store, config: Config) -> list[dict[str, Any]]:
    """Each modem row with signal bars, parts sent today and its daily limit."""
    since = local_midnight(store.clock(), config.utc_offset_hours)
    rows = store.modems()
    # Modems the config does not name (the page runs without [[modem]] tables) count at the default limits;
    # the page's office settings apply over both, as in the daemon.
    named = {m.name for m in config.modems}
    extra = tuple(ModemConfig(name=r["name"], port=r["port"]) for r in rows if r["name"] not in named)
    limits = {m.name: m for m in office_settings.effective(store, replace(config, modems=config.modems + extra)).modems}
    out = []
    # One index range per modem (parts_modem_time): only today's parts are read.
    today = {r["name"]: store.conn.execute("SELECT COUNT(*) FROM message_parts WHERE modem = ? AND sent_at >= ?",
                                           (r["name"], since)).fetchone()[0] for r in rows}
    for row in rows:
        mc = limits[row["name"]]
        try:
            errors = json.loads(row.get("errors") or "{}")
        except ValueError:
            errors = {}
        out.append({**row, "bars": signal_bars(row.get("signal_dbm")), "sent_today": today.get(row["name"], 0),
                    "per_day": mc.per_day, "per_hour": mc.per_hour, "per_minute": mc.per_minute,
                    "errors": errors if isinstance(errors, dict) else {}})
    return out


#: A link row not written for this long is old news: its worker (or the daemon) is not running.
SMPP_LINK_STALE = 60.0


def smpp_cards(store: Store, config: Config) -> list[dict[str, Any]]:
    """Each operator account beside the modems: its link as the worker last wrote it (``smpp_links``: state,
    ``rate_now``, ``window_used``, ``sent_total``, ``last_error``), with the account's own ``window`` and
    ``rate``; ``stale`` when the row is older than :data:`SMPP_LINK_STALE` (the daemon is not running), and a
    ``not_seen`` card for an account no worker has reported yet."""
    accounts = {a.name: {"window": a.window, "rate": a.rate, "source_addr": a.source_addr}
                for a in operator_accounts(config, store)[0]}
    links = {r["name"]: r for r in store.smpp_links()}
    now = store.clock()
    out = []
    for name in sorted(set(accounts) | set(links)):
        link = links.get(name)
        account = accounts.get(name) or {"window": None, "rate": None, "source_addr": None}
        if link is None:
            out.append({"name": name, "state": "not_seen", "stale": False, "rate_now": 0, "window_used": 0,
                        "sent_total": 0, "last_error": None, "bound_at": None, "updated_at": None, **account})
            continue
        stale = link.get("updated_at") is None or now - link["updated_at"] > SMPP_LINK_STALE
        out.append({**link, **account, "stale": stale, "known": name in accounts})
    return out


def panel_mirror(modems: list[dict], counts: dict[str, int], hold, throttled, usb_state) -> dict[str, str]:
    """The four front-panel LEDs as the daemon shows them: the same rules on the same inputs, read once by
    the caller (``throttled`` and ``usb_state`` are the settings the monitors write)."""
    flags = frozenset(throttled.get("flags", ())) if isinstance(throttled, dict) else None
    return panel_state(modems, counts, hold, flags, usb_state)


def campaign_progress(store: Store, config: Config, camp: dict[str, Any],
                      eta_of: dict[int, Any] | None = None) -> dict[str, Any]:
    """Counts by state, share finished, and when the rest should be out (:mod:`firmware.queue.estimate`: the
    queue ahead, the SIMs' limits and what they already used, the window, the hold).

    ``eta_of``: estimates already made for several campaigns at once (campaign id -> estimate)."""
    counts = store.campaign_counts(camp["id"])
    numbers = tally(counts)
    eta = eta_of.get(camp["id"]) if eta_of is not None else None
    if eta_of is None and numbers["outstanding"] and camp.get("state") == "running":
        eta = estimate.campaigns_finish(store, config, [camp["id"]])[camp["id"]]
    if eta is None and numbers["outstanding"] and camp.get("state") == "running":
        eta = operator_eta(store, config, camp["id"])
    return {"counts": counts, **numbers, "eta": eta}


def operator_eta(store: Store, config: Config, campaign_id: int) -> dict[str, Any] | None:
    """The time left of a campaign the operator route alone sends (the modems' estimate leaves it out):
    its waiting parts over the accounts' rate (:func:`firmware.campaigns.routing.operator_eta`)."""
    if campaign_id not in store.operator_only_campaigns([campaign_id]):
        return None
    parts = sum(r["parts"] for r in store.queue_load() if r["campaign_id"] == campaign_id)
    hold = store.hold()
    return routing.operator_eta(parts, routing.accounts(store, config), store.clock(), held=hold.active,
                                hold_reason=hold.reason)


def tally(counts: dict[str, int]) -> dict[str, Any]:
    """What a page says about messages counted by state: all of them, still to send, sent (:data:`SENT` only),
    delivered, failed, unknown (in doubt), and the share finished (no longer outstanding), in one place so
    the campaign list, the campaign page, the dashboard and the API count alike."""
    total = sum(counts.values())
    outstanding = sum(counts.get(s, 0) for s in OUTSTANDING)
    return {"total": total, "outstanding": outstanding, "sent": sum(counts.get(s, 0) for s in SENT),
            "delivered": counts.get("delivered", 0), "failed": counts.get("failed", 0),
            "unknown": counts.get("unknown", 0),
            "pct": round(100.0 * (total - outstanding) / total, 1) if total else 0.0}


def active_campaigns(store: Store, config: Config) -> list[dict[str, Any]]:
    """Running and paused campaigns with their progress, newest first."""
    rows = store.conn.execute("SELECT id, name, state, priority, send_at FROM campaigns"
                              " WHERE state IN ('running', 'paused') ORDER BY id DESC LIMIT 5").fetchall()
    # One snapshot and one simulation for all of them.
    eta_of = estimate.campaigns_finish(store, config, [r["id"] for r in rows if r["state"] == "running"])
    out = []
    for row in rows:
        camp = {**dict(row), "emergency": row["priority"] >= 100}
        out.append({**camp, **campaign_progress(store, config, camp, eta_of)})
    return out


def contact_choices(store: Store, limit: int = 300) -> dict[str, list[str]]:
    """The desa/kelurahan, dusun, roles and tags already in the contacts, for filter pick-lists.

    Each list is a skip-scan over the column's index (one seek per distinct value), so it costs
    well under a millisecond at 100,000 contacts; values are trimmed and de-duplicated here.
    At most ``limit`` values each.
    """
    return {"desa": _distinct(store, "desa", limit), "dusun": _distinct(store, "dusun", limit),
            "role": _distinct(store, "role", limit),
            "tag": [r[0] for r in store.conn.execute("SELECT name FROM tags ORDER BY name COLLATE NOCASE LIMIT ?",
                                                     (limit,))]}


_CHOICE_COLUMNS = ("desa", "dusun", "role")  # each has an index whose first column it is


def _distinct(store: Store, col: str, limit: int) -> list[str]:
    assert col in _CHOICE_COLUMNS
    rows = store.conn.execute(
        f"WITH RECURSIVE d(v) AS (SELECT MIN({col}) FROM contacts WHERE {col} > ''"
        f" UNION ALL SELECT (SELECT MIN({col}) FROM contacts WHERE {col} > d.v) FROM d"
        f" WHERE d.v IS NOT NULL LIMIT ?) SELECT v FROM d WHERE v IS NOT NULL", (limit * 2,))
    seen: dict[str, str] = {}
    for (v,) in rows:
        text = v.strip()
        if text and text.lower() not in seen:
            seen[text.lower()] = text
    return sorted(seen.values(), key=str.lower)[:limit]


# -- one campaign: messages page, chart, report (fast with 100,000 recipients) --------------------

MESSAGE_STATES = ("queued", "paused", "sending", "sent", "delivered", "failed", "unknown", "cancelled", "expired",
                  "suppressed")


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


import threading as _threading  # noqa: E402  (appended section)
import time as _time  # noqa: E402

_BUCKET = 600  # the finest chart step: 10 minutes
_chart_cache: dict[tuple[str, int], tuple[float, tuple, list]] = {}
_chart_lock = _threading.Lock()
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
    now = _time.monotonic()
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


# -- inbox, audit log, modem history (Inbox, Audit and Modems pages) ---------------------------------------

INBOX_KINDS = ("reply", "optout", "junk")


def inbox_page(store: Store, *, kind: str | None = None, handled: bool | None = None, offset: int = 0,
               limit: int = 50) -> tuple[list[dict[str, Any]], int]:
    """Incoming messages newest first, with the sender's contact name and whether the number opted out;
    and how many match in all."""
    where, args = [], []
    if kind in INBOX_KINDS:
        where.append("i.kind = ?")
        args.append(kind)
    if handled is not None:
        where.append("i.handled = ?")
        args.append(int(handled))
    cond = (" WHERE " + " AND ".join(where)) if where else ""
    total = store.conn.execute(f"SELECT COUNT(*) FROM inbox i{cond}", args).fetchone()[0]
    rows = store.conn.execute(
        f"SELECT {_INBOX_COLUMNS} FROM inbox i{cond} ORDER BY i.received_at DESC, i.id DESC LIMIT ? OFFSET ?",
        (*args, limit, offset)).fetchall()
    return [dict(r) for r in rows], total


_INBOX_COLUMNS = (
    "i.id, i.modem, i.number, i.text, i.kind, i.received_at, i.sc_timestamp, i.handled, i.handled_by, i.handled_at,"
    " i.reply_id, (SELECT m.state FROM messages m WHERE m.id = i.reply_id) AS reply_state,"
    " (SELECT c.name FROM contacts c WHERE c.number = i.number) AS contact_name,"
    " (SELECT c.id FROM contacts c WHERE c.number = i.number) AS contact_id,"
    " (SELECT o.created_at FROM optouts o WHERE o.match_number = i.number) AS optout_at")


def inbox_row(store: Store, inbox_id: int) -> dict[str, Any] | None:
    """One incoming message as :func:`inbox_page` lists it (who handled it, its reply's state), or None."""
    row = store.conn.execute(f"SELECT {_INBOX_COLUMNS} FROM inbox i WHERE i.id = ?", (inbox_id,)).fetchone()
    return dict(row) if row is not None else None


def replies_to(store: Store, number: str, limit: int = 20) -> list[dict[str, Any]]:
    """The replies queued from the inbox to ``number``, newest first: text, who, when, queue state."""
    return [dict(r) for r in store.conn.execute(
        "SELECT m.id, m.text, m.state, m.created_by, m.created_at, m.sent_at, m.done_at, i.id AS inbox_id"
        " FROM inbox i JOIN messages m ON m.id = i.reply_id WHERE i.number = ? ORDER BY m.id DESC LIMIT ?",
        (number, limit))]


def inbox_counts(store: Store) -> dict[str, int]:
    """Unhandled messages per kind (for the filter chips)."""
    return dict(store.conn.execute("SELECT kind, COUNT(*) FROM inbox WHERE handled = 0 GROUP BY kind").fetchall())


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def audit_page(store: Store, *, actor: str = "", action: str = "", hidden: tuple[str, ...] = (), offset: int = 0,
               limit: int = 50) -> tuple[list[dict[str, Any]], int]:
    """Audit rows newest first: ``actor`` matches a part of the actor, ``action`` exactly; actions starting
    with one of ``hidden`` are left out (what only an admin sees). Also how many match in all."""
    where, args = [], []
    if actor:
        where.append("actor LIKE ? ESCAPE '\\'")
        args.append(_like(actor))
    if action:
        where.append("action = ?")
        args.append(action)
    for prefix in hidden:
        where.append("action NOT LIKE ? ESCAPE '\\'")
        args.append(_like(prefix)[1:])
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
