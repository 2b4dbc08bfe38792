"""The dashboard: modems, queue, hold, the front-panel mirror and running campaigns, refreshing live."""

from __future__ import annotations

import bottle

from firmware.people.contacts import count_contacts
from firmware.queue import health
from firmware.queue.inbox import inbox_counts
from firmware.box.panel import usb_signal
from web import context, queries
from web.render import page


def register(app: bottle.Bottle) -> None:
    app.get("/", callback=dashboard)
    app.get("/dashboard/live", callback=live)


def _data() -> dict:
    store, config = context.store(), context.site().config
    daemon_health = health.read(context.site().state_dir)  # why the daemon refused to start (a corrupt database)
    counts = store.queue_counts()
    modems = queries.modem_cards(store, config)
    throttled, usb_state = store.get_setting("throttled"), usb_signal(store)  # as the box's LEDs show it
    return {
        "modems": modems,
        "smpp": queries.smpp_cards(store, config),
        "counts": counts,
        "leds": queries.panel_mirror(modems, counts, store.hold(), throttled, usb_state),
        "campaigns": queries.active_campaigns(store, config, within=context.within()),
        "throttled": throttled,
        "usb_state": usb_state,
        "daemon_health": daemon_health,
        "inbox_new": inbox_counts(store).get("reply", 0),
        "contacts": count_contacts(store),
    }


@context.require("viewer")
def dashboard():
    return page("dashboard", title="Dasbor", **_data())


@context.require("viewer")
def live():
    """The dashboard's moving parts as an HTML fragment (the page swaps it in every few seconds)."""
    return page("dashboard_live", **_data())
