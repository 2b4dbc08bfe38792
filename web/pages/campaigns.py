"""Campaigns and approvals: the list, one campaign's progress (live), its recipients, report and actions.

Fast with 100,000 recipients and a million message rows: counts come from the index
messages(campaign_id, state), recipient pages from that index or a rowid range (no sort), the chart from
two grouped passes kept for a few seconds (:func:`web.report.campaign_deliveries`), and the report is
streamed in batches.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import bottle

from firmware.campaigns import campaign as camp_mod
from firmware.people.audience import Audience, AudienceError
from firmware.campaigns.campaign import CampaignError
from firmware.people.csvcells import cell_safe, number_cell as excel_number
from firmware.people.numbers import national
from firmware.people.privacy import mask_number, mask_numbers_in
from firmware.campaigns import report
from firmware.queue.store import MESSAGE_STATES
from web import charts, context, queries
from web.context import field, shown_number
from web.render import STATE_LABELS, Lang, page

PER_PAGE = 50
FINISHED = ("done", "cancelled")  # campaign states nothing moves out of by itself

#: error_class -> why it failed, for people (Bahasa, English)
ERROR_LABELS = {
    "bad_destination": ("nomor salah atau tidak aktif", "wrong or inactive number"),
    "report": ("laporan operator: tidak sampai", "operator report: not delivered"),
    "operator_blocking": ("diblokir/disaring operator", "blocked or filtered by the operator"),
    "network_fault": ("gangguan jaringan", "network problem"),
    "modem_fault": ("masalah modem atau kartu SIM", "modem or SIM problem"),
    "transient": ("gangguan sementara, dicoba lagi", "temporary problem, retried"),
    "unknown": ("kesalahan tidak dikenal", "unknown error"),
}
STATE_REASONS = {
    "unknown": ("tidak pasti terkirim (Siaran atau listrik mati saat mengirim)",
                "not sure it was sent (Siaran or power went down while sending)"),
    "suppressed": ("warga berhenti langganan", "the resident opted out"),
    "expired": ("batas waktu kampanye lewat sebelum terkirim", "the campaign expired before it was sent"),
    "cancelled": ("kampanye dibatalkan", "the campaign was cancelled"),
}


def register(app: bottle.Bottle) -> None:
    app.get("/campaigns", callback=campaign_list)
    app.get("/campaigns/<cid>", callback=campaign_page)
    app.get("/campaigns/<cid>/live", callback=campaign_live)
    app.get("/campaigns/<cid>/report.csv", callback=campaign_report)
    app.post("/campaigns/<cid>/pause", callback=campaign_pause)
    app.post("/campaigns/<cid>/resume", callback=campaign_resume)
    app.post("/campaigns/<cid>/cancel", callback=campaign_cancel)
    app.post("/campaigns/<cid>/retry", callback=campaign_retry)
    app.get("/approvals", callback=approvals)
    app.post("/approvals/<cid>/approve", callback=approve)
    app.post("/approvals/<cid>/reject", callback=reject)


# -- helpers -------------------------------------------------------------------------------------


def _campaign(cid: str, *, awaiting: bool = False) -> dict[str, Any]:
    """The campaign, or 404 (a missing or non-numeric id is a page that does not exist, not an error; so is
    another unit's campaign for someone limited to a unit). ``awaiting``: also another unit's emergency
    awaiting approval (any approver may approve an emergency)."""
    if not cid.isdigit() or len(cid) > 12:
        bottle.abort(404)
    store = context.store()
    try:
        if awaiting and int(cid) in camp_mod.awaiting_approval(store, within=context.within()):
            return camp_mod.get(store, int(cid))
        return camp_mod.get(store, int(cid), within=context.within())
    except camp_mod.NotFound:
        bottle.abort(404)
        raise  # unreachable: abort raises


def _describe(definition: Any) -> str:
    try:
        return Audience.from_dict(definition).describe() if definition else "-"
    except (AudienceError, ValueError):
        return "-"


def reason(row: dict[str, Any], t) -> str:
    """Why a message did not arrive, in words (and the modem's own words for the curious)."""
    state = row.get("state")
    bits = []
    if row.get("error_class") in ERROR_LABELS:
        bits.append(t(*ERROR_LABELS[row["error_class"]]))
    elif state in STATE_REASONS:
        bits.append(t(*STATE_REASONS[state]))
    raw = row.get("error")
    if raw and state in ("failed", "unknown", "queued", "paused"):
        bits.append(f"({mask_numbers_in(str(raw))[:120]})")
    return " ".join(bits)


def _progress(camp: dict[str, Any]) -> dict[str, Any]:
    store, config = context.store(), context.site().config
    progress = queries.campaign_progress(store, config, camp)
    fmt = bottle.request.environ["siaran.view"]["fmt"]
    points = report.campaign_deliveries(store, camp["id"], progress["counts"])
    chart = charts.deliveries_chart(points, utc_offset_hours=config.utc_offset_hours, zone=fmt.zone, t=context.lang())
    return {"progress": progress, "chart": chart}


# -- list and one campaign -----------------------------------------------------------------------


@context.require("viewer")
def campaign_list():
    rows = camp_mod.list_campaigns(context.store(), within=context.within())
    for r in rows:
        r.update(queries.tally(r["messages"]))
    return page("campaigns", title=context.lang()("Kampanye", "Campaigns"), campaigns=rows)


def is_live(camp: dict[str, Any], counts: dict[str, int]) -> bool:
    """Whether the campaign page should keep refreshing: until nothing about the campaign can change by itself
    (done or cancelled, and no message still queued, in flight or waiting for its delivery report)."""
    return camp["state"] not in FINISHED or any(counts.get(s) for s in ("queued", "sending", "sent"))


def _values(camp: dict[str, Any]) -> dict[str, Any]:
    """What the campaign page and its live fragment show: the campaign, progress, chart, actions and the
    recipient rows of the page and filter asked for (``state``, ``page``)."""
    store = context.store()
    state = field("state", maxlen=20)
    if state not in MESSAGE_STATES:
        state = ""
    data = _progress(camp)
    counts = data["progress"]["counts"]
    shown = counts.get(state, 0) if state else data["progress"]["total"]
    pages = max(1, math.ceil(shown / PER_PAGE))
    page_no = context.int_field("page", 1, low=1) or 1
    page_no = min(page_no, pages)
    rows = report.campaign_messages(store, camp["id"], state=state or None, page=page_no, per_page=PER_PAGE)
    t = context.lang()
    for r in rows:
        r["shown_number"] = shown_number(r["number"])
        r["reason"] = reason(r, t)
    rejected = None
    if camp["state"] == "cancelled":
        rejected = camp_mod.rejection(store, camp["id"])
    return dict(c=camp, rejected=rejected, audience=_describe(camp["audience"]), rows=rows, state=state,
                page_no=page_no, pages=pages, shown=shown, live=is_live(camp, counts), states=MESSAGE_STATES,
                **data)


@context.require("viewer")
def campaign_page(cid: str):
    camp = _campaign(cid)
    return page("campaign", title=camp["name"], **_values(camp))


@context.require("viewer")
def campaign_live(cid: str):
    """Everything on the campaign page that changes while it sends, as an HTML fragment swapped in every few
    seconds: state, allowed actions, progress, chart and the recipient rows shown (same ``state``/``page``)."""
    camp = _campaign(cid)
    return page("campaign_live", **_values(camp))


def _local(ts: float | None, tz) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d %H:%M:%S") if ts else ""


@context.require("viewer")
def campaign_report(cid: str):
    """Every recipient as CSV for Excel: UTF-8 with BOM, ``;``-separated, streamed (100,000 rows fine).

    Cells a spreadsheet would run as a formula (``= + - @``) are made text; the number is written
    ``="0812..."`` so Excel keeps its leading zero (viewers get it masked).
    """
    camp = _campaign(cid)
    store, config = context.store(), context.site().config
    tz = config.tz
    full = context.user().can("operator")
    zone = bottle.request.environ["siaran.view"]["fmt"].zone or "UTC"
    header = ["nama", "nomor", "desa", "rt", "rw", "status", "alasan", f"dikirim ({zone})", f"diterima ({zone})"]
    id_lang = Lang("id")  # the report is for the office: Bahasa

    def number_cell(number: str | None) -> str:
        if not number:
            return ""
        written = national(number)
        if not full:
            return mask_number(written)
        return excel_number(written) if written.lstrip("+").isdigit() else cell_safe(written)

    def generate() -> Iterator[bytes]:
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
        w.writerow(header)
        yield b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")
        for batch in report.report_rows(store, camp["id"]):
            buf.seek(0)
            buf.truncate()
            for r in batch:
                w.writerow([
                    cell_safe(r["name"] or ""), number_cell(r["number"]), cell_safe(r["desa"] or ""),
                    cell_safe(r["rt"] or ""), cell_safe(r["rw"] or ""),
                    STATE_LABELS.get(r["state"], (r["state"],))[0], cell_safe(reason(dict(r), id_lang)),
                    _local(r["sent_at"], tz), _local(r["done_at"], tz) if r["state"] == "delivered" else "",
                ])
            yield buf.getvalue().encode("utf-8")

    store.audit(context.actor(), "campaign_report", {"campaign": camp["id"], "masked": not full})
    bottle.response.content_type = "text/csv; charset=utf-8"
    bottle.response.set_header("Content-Disposition", f'attachment; filename="laporan-kampanye-{camp["id"]}.csv"')
    return generate()


# -- actions -------------------------------------------------------------------------------------


def _act(cid: str, allowed: tuple[str, ...], action) -> None:
    camp = _campaign(cid)
    t = context.lang()
    if camp["state"] not in allowed:
        context.flash(t(f"Tidak bisa: kampanye berstatus {STATE_LABELS.get(camp['state'], (camp['state'],))[0]}.",
                        f"Not possible: the campaign is {camp['state']}."), "error")
    else:
        try:
            action(camp)
        except CampaignError as exc:
            context.flash(context.error_text(exc), "error")
    bottle.redirect(f"/campaigns/{camp['id']}", 303)


@context.require("operator")
def campaign_pause(cid: str):
    t = context.lang()

    def run(camp):
        n = context.store().pause_campaign(camp["id"], context.actor())
        context.flash(t(f"Kampanye dijeda: {n} pesan menunggu. Tekan Lanjutkan untuk mengirim lagi.",
                        f"Campaign paused: {n} messages wait. Press Resume to send again."))
    _act(cid, ("running",), run)


@context.require("operator")
def campaign_resume(cid: str):
    t = context.lang()

    def run(camp):
        n = context.store().resume_campaign(camp["id"], context.actor())
        context.flash(t(f"Kampanye dilanjutkan: {n} pesan kembali ke antrean.",
                        f"Campaign resumed: {n} messages back in the queue."))
    _act(cid, ("paused",), run)


@context.require("operator")
def campaign_cancel(cid: str):
    t = context.lang()

    def run(camp):
        result = camp_mod.cancel(context.store(), camp["id"], context.actor())
        context.flash(t(f"Kampanye dibatalkan: {result['messages_cancelled']} pesan tidak akan dikirim.",
                        f"Campaign cancelled: {result['messages_cancelled']} messages will not be sent."))
    _act(cid, ("draft", "awaiting_approval", "approved", "running", "paused"), run)


@context.require("operator")
def campaign_retry(cid: str):
    t = context.lang()

    def run(camp):
        r = camp_mod.retry_failed(context.store(), camp["id"], context.actor())
        if r["requeued"]:
            context.flash(t(f"{r['requeued']} pesan gagal/tidak pasti dikirim ulang sekali lagi.",
                            f"{r['requeued']} failed/unknown messages are sent once more."))
        else:
            context.flash(t("Tidak ada pesan gagal yang bisa dikirim ulang.", "No failed message can be retried."),
                          "warn")
    _act(cid, ("running", "paused", "done"), run)


# -- approvals -----------------------------------------------------------------------------------


@context.require("viewer")
def approvals():
    store, config = context.store(), context.site().config
    items = []
    for campaign_id in camp_mod.awaiting_approval(store, within=context.within()):
        try:
            items.append({"p": camp_mod.preview_campaign(store, config, campaign_id), "error": None,
                          "c": camp_mod.get(store, campaign_id)})
        except (CampaignError, AudienceError) as exc:
            items.append({"p": None, "error": context.error_text(exc), "c": camp_mod.get(store, campaign_id)})
    return page("approvals", title=context.lang()("Persetujuan", "Approvals"), items=items,
                me=context.user().username, threshold=camp_mod.approval_threshold(store))


@context.require("approver")
def approve(cid: str):
    camp = _campaign(cid, awaiting=True)
    t = context.lang()
    try:
        r = camp_mod.approve(context.store(), camp["id"], context.actor(), via=context.actor(),
                             config=context.site().config)
    except CampaignError as exc:
        context.flash(context.error_text(exc), "error")
        bottle.redirect("/approvals", 303)
    if not r["over_quota"]:
        context.flash(t(f"Disetujui: {r['queued']} pesan masuk antrean.", f"Approved: {r['queued']} messages queued."))
    else:
        context.flash(t(f"Disetujui: {r['queued']} pesan masuk antrean. Pesan darurat ini melebihi kuota bulanan "
                        "unitnya: tetap dikirim, ditandai di laporan bulanan dan log audit.",
                        f"Approved: {r['queued']} messages queued. This emergency goes beyond its unit's monthly "
                        "quota: it is sent, flagged in the monthly report and the audit log."), "warn")
    own = context.within() is None or camp["unit_id"] == context.within()
    bottle.redirect(f"/campaigns/{camp['id']}" if own else "/approvals", 303)


@context.require("approver")
def reject(cid: str):
    camp = _campaign(cid, awaiting=True)
    t = context.lang()
    why = field("reason", maxlen=500)
    if camp["state"] != "awaiting_approval":
        context.flash(t("Kampanye ini tidak menunggu persetujuan lagi.", "This campaign no longer awaits approval."),
                      "error")
        bottle.redirect("/approvals", 303)
    if not why:
        context.flash(t("Tulis alasan penolakan agar pembuat kampanye tahu apa yang harus diperbaiki.",
                        "Write why it is rejected so the creator knows what to fix."), "error")
        bottle.redirect("/approvals", 303)
    store = context.store()
    try:
        camp_mod.cancel(store, camp["id"], context.actor())
    except CampaignError as exc:
        context.flash(context.error_text(exc), "error")
        bottle.redirect("/approvals", 303)
    store.audit(context.actor(), "campaign_reject", {"campaign": camp["id"], "reason": mask_numbers_in(why)})
    context.flash(t("Kampanye ditolak dan dibatalkan; alasannya tercatat di log audit.",
                    "Campaign rejected and cancelled; the reason is in the audit log."))
    bottle.redirect("/approvals", 303)
