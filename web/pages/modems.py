"""The modems: every field the daemon keeps, 24 hours of signal as a chart, a test SMS and "check balance now".

The page never talks to a modem: a test SMS goes into the queue like any other
message, and "check balance now" leaves a ``modem_requests`` row that the
modem's worker answers at its next idle moment.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import bottle

from firmware.campaigns import campaign as camp_mod
from firmware.people import numbers
from firmware.queue.limits import in_window
from firmware.people.privacy import mask_number
from web import context, queries
from web.render import Formats, esc, page

HISTORY_SECONDS = 24 * 3600.0
TEST_PRIORITY = 50  # like the panel's TEST button: before blasts, not an emergency
TEST_TEXT_MAX = 1000


def register(app: bottle.Bottle) -> None:
    app.get("/modems", callback=modems)
    app.post("/modems/test", callback=test_send)
    app.post("/modems/<name>/balance", callback=balance_now)


def last4(value: str | None) -> str:
    """Only the last four characters of an identifier (IMEI, ICCID, IMSI): enough to tell SIMs apart."""
    if not value:
        return "-"
    return "…" + value[-4:]


def _cards() -> list[dict[str, Any]]:
    store, site = context.store(), context.site()
    now = site.clock()
    fmt: Formats = bottle.request.environ["siaran.view"]["fmt"]
    t = bottle.request.environ["siaran.lang"]
    gap = max(900.0, 5 * site.config.status_interval)
    out = []
    for card in queries.modem_cards(store, site.config):
        samples = store.modem_samples(card["name"], now - HISTORY_SECONDS)
        requests = store.modem_requests(card["name"], 5)
        out.append({**card, "imei4": last4(card.get("imei")), "iccid4": last4(card.get("iccid")),
                    "imsi4": last4(card.get("imsi")),
                    "chart": signal_chart(samples, now - HISTORY_SECONDS, now, fmt.tz, t, gap=gap),
                    "samples": len(samples), "requests": requests,
                    "pending": any(r["done_at"] is None for r in requests)})
    return out


def _page(**values: Any) -> str:
    config = context.site().config
    return page("modems", title="Modem", modems=_cards(), config=config,
                number=values.pop("number", ""), text=values.pop("text", ""), error=values.pop("error", None),
                **values)


@context.require("viewer")
def modems():
    return _page()


def _default_text(fmt: Formats) -> str:
    return f"Tes Siaran {fmt.time(fmt.clock())}: SMS uji dari halaman Modem. Jika SMS ini sampai, perangkat berfungsi."


def wait_notes(what: tuple[str, str]) -> list[str]:
    """Why a non-emergency message just queued will not go out at once, in words: the hold, the send
    window (as the daemon applies it, office settings included), no modem ready.  ``what`` names the
    message (Bahasa, English), e.g. ``("SMS uji", "the test SMS")``."""
    t = bottle.request.environ["siaran.lang"]
    store, site = context.store(), context.site()
    config, _ = camp_mod.sending_config(store, site.config)
    notes = []
    if store.hold().active:
        notes.append(t(f"PENAHANAN aktif: {what[0]} baru dikirim setelah penahanan dicabut.",
                       f"HOLD is on: {what[1]} goes out once the hold is lifted."))
    if not in_window(site.clock(), *config.window(), config.tz):
        notes.append(t(f"Di luar jam kirim ({config.window_start}-{config.window_end}): dikirim saat jam kirim mulai.",
                       f"Outside the send window ({config.window_start}-{config.window_end}): sent when it opens."))
    if not any(m["state"] == "ready" for m in store.modems()):
        notes.append(t("Tidak ada modem yang siap saat ini.", "No modem is ready now."))
    return notes


@context.require("admin")
def test_send():
    """Queue one test SMS (priority 50, like the panel's TEST button) and say what was queued."""
    t = bottle.request.environ["siaran.lang"]
    fmt: Formats = bottle.request.environ["siaran.view"]["fmt"]
    store = context.store()
    raw = context.field("number", maxlen=40)
    text = context.field("text", maxlen=TEST_TEXT_MAX + 1) or _default_text(fmt)
    if len(text) > TEST_TEXT_MAX:
        bottle.response.status = 400
        return _page(number=raw, text=text, error=t(f"Teks maksimal {TEST_TEXT_MAX} karakter.",
                                                    f"Text at most {TEST_TEXT_MAX} characters."))
    try:
        number = numbers.normalise(raw)
    except numbers.InvalidNumber as exc:
        bottle.response.status = 400
        return _page(number=raw, text=text,
                     error=t(f"Nomor tujuan: {exc.pesan}.", f"Recipient number: {exc.reason}."))
    by = context.actor()
    queued, suppressed = store.enqueue([number], text, priority=TEST_PRIORITY, created_by=by,
                                       route_of=numbers.operator_of)
    message_id = store.latest_message_to(number, by)
    store.audit(by, "test_sms", {"to": mask_number(number), "message": message_id, "queued": queued,
                                 "suppressed": suppressed})
    shown = fmt.national(number)
    if suppressed:
        context.flash(t(f"{shown} telah berhenti langganan: SMS uji tidak dikirim (pesan #{message_id}).",
                        f"{shown} opted out: the test SMS is not sent (message #{message_id})."), "warn")
        bottle.redirect("/modems", 303)
    notes = wait_notes(("SMS uji", "the test SMS"))
    context.flash(" ".join([t(f"SMS uji diantrekan ke {shown} (pesan #{message_id}, prioritas {TEST_PRIORITY},"
                              f" {len(text)} karakter).",
                              f"Test SMS queued to {shown} (message #{message_id}, priority {TEST_PRIORITY},"
                              f" {len(text)} characters).")] + notes), "warn" if notes else "ok")
    bottle.redirect("/modems", 303)


@context.require("admin")
def balance_now(name: str):
    """Ask the modem's worker to run the balance USSD at its next idle moment."""
    t = bottle.request.environ["siaran.lang"]
    store = context.store()
    if name not in {m["name"] for m in store.modems()}:
        bottle.abort(404)
    _, new = store.request_modem(name, "balance", by=context.actor())
    if new:
        context.flash(t(f"Cek pulsa {name} diminta: jawabannya tampil di sini dalam beberapa detik, begitu modem"
                        " tidak sedang mengirim. Muat ulang halaman.",
                        f"Balance check of {name} requested: the answer shows here within seconds, once the modem"
                        " is not sending. Reload the page."))
    else:
        context.flash(t(f"Cek pulsa {name} sudah diminta dan masih menunggu.",
                        f"A balance check of {name} is already waiting."), "warn")
    bottle.redirect(f"/modems#modem-{name}", 303)


# -- the signal chart ------------------------------------------------------------------------------

W, H = 600, 170
LEFT, RIGHT, TOP, BOTTOM = 44, 592, 10, 140
DBM_LOW, DBM_HIGH = -115, -50
LINES = ((-73, "#1a7f37"), (-93, "#9a6700"), (-109, "#c62828"))


def signal_chart(samples: list[dict], start: float, end: float, tz: timezone, t, *, gap: float = 900.0) -> str:
    """An inline SVG step chart of signal (dBm) over [start, end]; presentation attributes only (the CSP
    forbids inline styles). A missing value or a pause longer than ``gap`` breaks the line; times when the
    modem was not ready are marked red along the bottom."""
    span = max(end - start, 1.0)

    def x(ts: float) -> float:
        return round(LEFT + (min(max(ts, start), end) - start) / span * (RIGHT - LEFT), 1)

    def y(dbm: float) -> float:
        d = min(max(dbm, DBM_LOW), DBM_HIGH)
        return round(BOTTOM - (d - DBM_LOW) / (DBM_HIGH - DBM_LOW) * (BOTTOM - TOP), 1)

    values = [s["signal_dbm"] for s in samples if s.get("signal_dbm") is not None]
    if values:
        summary = t(f"Sinyal 24 jam terakhir: terendah {min(values)} dBm, tertinggi {max(values)} dBm,"
                    f" terakhir {values[-1]} dBm.",
                    f"Signal over the last 24 hours: lowest {min(values)} dBm, highest {max(values)} dBm,"
                    f" latest {values[-1]} dBm.")
    else:
        summary = t("Belum ada riwayat sinyal 24 jam terakhir.", "No signal history in the last 24 hours.")
    out = [f'<svg class="chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img"'
           f' aria-label="{esc(summary)}" xmlns="http://www.w3.org/2000/svg"><title>{esc(summary)}</title>',
           f'<rect x="{LEFT}" y="{TOP}" width="{RIGHT - LEFT}" height="{BOTTOM - TOP}" fill="#fbfcfd"'
           f' stroke="#d5dae0"/>']
    for dbm, colour in LINES:
        out.append(f'<line x1="{LEFT}" y1="{y(dbm)}" x2="{RIGHT}" y2="{y(dbm)}" stroke="{colour}"'
                   f' stroke-width="0.6" stroke-dasharray="4 3"/>'
                   f'<text x="{LEFT - 4}" y="{y(dbm) + 4}" font-size="11" text-anchor="end"'
                   f' fill="#5b6470">{dbm}</text>')
    # Hour ticks every 6 hours of local time.
    tick = datetime.fromtimestamp(start, tz).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    while tick.hour % 6:
        tick += timedelta(hours=1)
    while tick.timestamp() <= end:
        tx = x(tick.timestamp())
        out.append(f'<line x1="{tx}" y1="{BOTTOM}" x2="{tx}" y2="{BOTTOM + 4}" stroke="#5b6470"/>'
                   f'<text x="{tx}" y="{BOTTOM + 16}" font-size="11" text-anchor="middle" fill="#5b6470">'
                   f'{tick.strftime("%H:%M")}</text>')
        tick += timedelta(hours=6)
    out.append(f'<text x="{LEFT - 4}" y="{BOTTOM + 28}" font-size="11" text-anchor="end" fill="#5b6470">dBm</text>')
    # The line: steps from one sample to the next, broken at gaps and missing values.
    segments: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    prev = None
    for s in samples:
        at, dbm = s["at"], s.get("signal_dbm")
        if prev is not None and prev.get("signal_dbm") is not None:
            if dbm is None or at - prev["at"] > gap:
                current.append((x(min(at, prev["at"] + gap)), y(prev["signal_dbm"])))
            else:
                current.append((x(at), y(prev["signal_dbm"])))
        if dbm is None or (prev is not None and at - prev["at"] > gap):
            if current:
                segments.append(current)
            current = []
        if dbm is not None:
            current.append((x(at), y(dbm)))
        prev = s
    if prev is not None and prev.get("signal_dbm") is not None:
        current.append((x(min(end, prev["at"] + gap)), y(prev["signal_dbm"])))
    if current:
        segments.append(current)
    for seg in segments:
        points = " ".join(f"{px},{py}" for px, py in seg)
        out.append(f'<polyline points="{points}" fill="none" stroke="#0b5cab" stroke-width="2"'
                   f' stroke-linejoin="round"/>')
    for s in samples:
        if s.get("state") and s["state"] != "ready":
            when = datetime.fromtimestamp(s["at"], tz).strftime("%H:%M")
            out.append(f'<rect x="{x(s["at"]) - 2}" y="{BOTTOM - 6}" width="4" height="6" fill="#c62828">'
                       f'<title>{esc(s["state"])} {when}</title></rect>')
    if not values:
        out.append(f'<text x="{(LEFT + RIGHT) / 2}" y="{(TOP + BOTTOM) / 2}" font-size="13" text-anchor="middle"'
                   f' fill="#5b6470">{esc(summary)}</text>')
    out.append("</svg>")
    return "".join(out)
