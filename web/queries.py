"""Read-only questions the pages ask the store: modem cards, campaign progress, the panel mirror.

Kept apart from the handlers so that the dashboard, the campaign page and the
API answer the same question the same way.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from firmware import campaigns as camp_mod
from firmware.config import Config, ModemConfig
from firmware.panel import panel_state
from firmware.store import Store

FINAL = ("delivered", "failed", "unknown", "cancelled", "expired", "suppressed")
OUTSTANDING = ("queued", "sending", "paused")


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
    today = dict(store.conn.execute(
        "SELECT modem, COUNT(*) FROM message_parts WHERE sent_at >= ? GROUP BY modem", (since,)).fetchall())
    limits = {m.name: m for m in config.modems}
    out = []
    for row in store.modems():
        mc = limits.get(row["name"]) or ModemConfig(name=row["name"], port=row["port"])
        try:
            errors = json.loads(row.get("errors") or "{}")
        except ValueError:
            errors = {}
        out.append({**row, "bars": signal_bars(row.get("signal_dbm")), "sent_today": today.get(row["name"], 0),
                    "per_day": mc.per_day, "per_hour": mc.per_hour, "per_minute": mc.per_minute,
                    "errors": errors if isinstance(errors, dict) else {}})
    return out


def panel_mirror(store: Store) -> dict[str, str]:
    """The four front-panel LEDs as the daemon shows them (same rules, same inputs)."""
    throttled = store.get_setting("throttled")
    flags = frozenset(throttled.get("flags", ())) if isinstance(throttled, dict) else None
    return panel_state(store.modems(), store.queue_counts(), store.hold(), flags, store.get_setting("usb_state"))


def campaign_counts(store: Store, campaign_id: int) -> dict[str, int]:
    return dict(store.conn.execute(
        "SELECT state, COUNT(*) FROM messages WHERE campaign_id = ? GROUP BY state", (campaign_id,)).fetchall())


def campaign_progress(store: Store, config: Config, camp: dict[str, Any]) -> dict[str, Any]:
    """Counts by state, share finished, and when the rest should be out at the modems' limits."""
    counts = campaign_counts(store, camp["id"])
    total = sum(counts.values())
    outstanding = sum(counts.get(s, 0) for s in OUTSTANDING)
    sent = sum(counts.get(s, 0) for s in ("sent", "delivered", "failed", "unknown"))
    pct = 100.0 * (total - outstanding) / total if total else 0.0
    eta = None
    if outstanding and camp.get("state") == "running":
        modems, _ = camp_mod.modem_limits(store, config)
        est = camp_mod.estimate_duration(outstanding, modems, start=max(store.clock(), camp.get("send_at") or 0),
                                         config=config, emergency=bool(camp.get("emergency")))
        eta = est
    return {"counts": counts, "total": total, "outstanding": outstanding, "sent": sent,
            "delivered": counts.get("delivered", 0), "failed": counts.get("failed", 0), "pct": round(pct, 1),
            "eta": eta}


def active_campaigns(store: Store, config: Config) -> list[dict[str, Any]]:
    """Running and paused campaigns with their progress, newest first."""
    out = []
    for row in store.conn.execute("SELECT id, name, state, priority, send_at FROM campaigns"
                                  " WHERE state IN ('running', 'paused') ORDER BY id DESC LIMIT 5"):
        camp = {**dict(row), "emergency": row["priority"] >= 100}
        out.append({**camp, **campaign_progress(store, config, camp)})
    return out


def contact_choices(store: Store, limit: int = 300) -> dict[str, list[str]]:
    """The desa/kelurahan, dusun, roles and tags already in the contacts, for filter pick-lists.

    ``desa`` and ``role`` come from their indexes (``contacts_wilayah``, ``contacts_role``); ``dusun``
    is a scan, still quick at 100,000 contacts.  At most ``limit`` values each.
    """
    def distinct(col: str) -> list[str]:
        return [r[0] for r in store.conn.execute(
            f"SELECT DISTINCT TRIM({col}) AS v FROM contacts WHERE {col} IS NOT NULL AND TRIM({col}) <> ''"
            " ORDER BY v COLLATE NOCASE LIMIT ?", (limit,))]
    return {
        "desa": distinct("desa"), "dusun": distinct("dusun"), "role": distinct("role"),
        "tag": [r[0] for r in store.conn.execute("SELECT name FROM tags ORDER BY name COLLATE NOCASE LIMIT ?",
                                                 (limit,))],
    }
