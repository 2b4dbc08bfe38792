"""Read-only questions the pages ask the store: modem cards, campaign progress, the panel mirror.

Kept apart from the handlers so that the dashboard, the campaign page and the
API answer the same question the same way.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from firmware.campaigns import campaign as camp_mod
from firmware.campaigns import routing
from firmware.queue import estimate
from firmware.office import settings as office_settings
from firmware.office.config import Config, ModemConfig
from firmware.box.panel import panel_state
from firmware.queue.smpp_store import operator_accounts
from firmware.queue.store import OUTSTANDING_STATES, SENT_STATES, Store


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
    today = {r["name"]: store.count_parts_sent(r["name"], since) for r in rows}
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
    """What a page says about messages counted by state: all of them, still to send, sent (:data:`~firmware.queue.store.SENT_STATES` only),
    delivered, failed, unknown (in doubt), and the share finished (no longer outstanding), in one place so
    the campaign list, the campaign page, the dashboard and the API count alike."""
    total = sum(counts.values())
    outstanding = sum(counts.get(s, 0) for s in OUTSTANDING_STATES)
    return {"total": total, "outstanding": outstanding, "sent": sum(counts.get(s, 0) for s in SENT_STATES),
            "delivered": counts.get("delivered", 0), "failed": counts.get("failed", 0),
            "unknown": counts.get("unknown", 0),
            "pct": round(100.0 * (total - outstanding) / total, 1) if total else 0.0}


def active_campaigns(store: Store, config: Config, *, within: int | None = None) -> list[dict[str, Any]]:
    """Running and paused campaigns (``within``: of that unit) with their progress, newest first."""
    rows = camp_mod.active_rows(store, within=within)
    # One snapshot and one simulation for all of them.
    eta_of = estimate.campaigns_finish(store, config, [r["id"] for r in rows if r["state"] == "running"])
    out = []
    for row in rows:
        camp = {**row, "emergency": row["priority"] >= 100}
        out.append({**camp, **campaign_progress(store, config, camp, eta_of)})
    return out
