"""The inbox: replies and opt-outs residents sent to the box's SIMs, newest first.

Operators mark them handled (who and when is kept) or answer one from its own page
(``/inbox/<id>``): the answer is queued like any other message (the daemon sends it), never
to a number that opted out, audited, and the incoming SMS is marked handled by whoever replied.
"""

from __future__ import annotations

import urllib.parse

import bottle

from firmware.campaigns import campaign as camp_mod
from firmware.people.numbers import InvalidNumber, normalise, operator_of
from firmware.queue import inbox as inbox_mod
from firmware.queue.store import StoreError
from web import context
from web.pages.modems import wait_notes
from web.render import page

PER_PAGE = 50
HANDLED = {"0": False, "1": True}


def register(app: bottle.Bottle) -> None:
    app.get("/inbox", callback=inbox)
    app.get("/inbox/<inbox_id:int>", callback=inbox_message)
    app.post("/inbox/<inbox_id:int>/reply", callback=reply)
    app.post("/inbox/<inbox_id:int>/handled", callback=mark_handled)
    app.post("/inbox/handled", callback=mark_many)


def pager(base: str, params: dict, page_no: int, total: int, per_page: int) -> dict:
    """Links to the previous and next page of a list, keeping its filters."""
    pages = max(1, (total + per_page - 1) // per_page)

    def link(n: int) -> str:
        query = urllib.parse.urlencode({**{k: v for k, v in params.items() if v not in ("", None)}, "page": n})
        return f"{base}?{query}"
    return {"page": page_no, "pages": pages, "total": total,
            "prev": link(page_no - 1) if page_no > 1 else None,
            "next": link(page_no + 1) if page_no < pages else None}


def _filters() -> tuple[str, str]:
    kind = context.field("kind", maxlen=20)
    handled = context.field("handled", maxlen=5)
    return (kind if kind in inbox_mod.INBOX_KINDS else ""), (handled if handled in HANDLED else "")


@context.require("viewer")
def inbox():
    store = context.store()
    kind, handled = _filters()
    page_no = context.int_field("page", 1, low=1, high=100_000) or 1
    rows, total = inbox_mod.inbox_page(store, kind=kind or None, handled=HANDLED.get(handled),
                                     offset=(page_no - 1) * PER_PAGE, limit=PER_PAGE)
    params = {"kind": kind, "handled": handled}
    here = "/inbox" + (("?" + urllib.parse.urlencode({**{k: v for k, v in params.items() if v}, "page": page_no}))
                       if kind or handled or page_no > 1 else "")
    return page("inbox", title="Kotak Masuk", rows=rows, kind=kind, handled=handled,
                pager=pager("/inbox", params, page_no, total, PER_PAGE), counts=inbox_mod.inbox_counts(store),
                here=here)


@context.require("operator")
def mark_handled(inbox_id: int):
    t = bottle.request.environ["siaran.lang"]
    store = context.store()
    if not inbox_mod.inbox_exists(store, inbox_id):
        bottle.abort(404)
    handled = context.field("handled", "1", maxlen=2) != "0"
    store.set_inbox_handled([inbox_id], handled, by=context.actor())
    context.flash(t("Ditandai sudah ditangani.", "Marked as handled.") if handled
                  else t("Ditandai belum ditangani.", "Marked as not handled."))
    bottle.redirect(context.back("/inbox"), 303)


@context.require("operator")
def mark_many():
    """Mark the ticked messages (``id`` repeated) as handled."""
    t = bottle.request.environ["siaran.lang"]
    ids = [int(v) for v in context.fields("id", maxlen=12) if v.isdigit()][:500]
    n = context.store().set_inbox_handled(ids, True, by=context.actor()) if ids else 0
    context.flash(t(f"{n} pesan ditandai sudah ditangani.", f"{n} message(s) marked as handled."))
    bottle.redirect(context.back("/inbox"), 303)


def why_no_reply(row: dict) -> tuple[str, str] | None:
    """Why this SMS cannot be answered (Bahasa, English), or None when it can: same rules as
    :meth:`~firmware.queue.store.Store.reply_inbox`, said before the operator types anything."""
    if row.get("optout_at"):
        return ("Nomor ini sudah berhenti langganan: Siaran tidak mengirim apa pun ke nomor ini, termasuk balasan.",
                "This number opted out: Siaran sends it nothing, not even a reply.")
    try:
        normalise(row.get("number") or "")
    except InvalidNumber:
        return ("Pengirim bukan nomor HP (kode singkat atau nama): tidak bisa dibalas.",
                "The sender is not a mobile number (a short code or a name): it cannot be answered.")
    return None


def _message_page(inbox_id: int, *, text: str = "", error: str | None = None, status: int = 200) -> str:
    store = context.store()
    row = inbox_mod.inbox_row(store, inbox_id)
    if row is None:
        bottle.abort(404)
    bottle.response.status = status
    t = context.lang()
    return page("inbox_message", title=t("Pesan masuk", "Incoming message"), r=row, blocked=why_no_reply(row),
                replies=inbox_mod.replies_to(store, row["number"]), text=text, error=error,
                max_text=camp_mod.MAX_TEXT)


@context.require("viewer")
def inbox_message(inbox_id: int):
    """One incoming SMS: who sent it, who dealt with it, the replies to that number and (operators) a reply form."""
    return _message_page(inbox_id)


@context.require("operator")
def reply(inbox_id: int):
    """Queue an answer to the sender; the SMS becomes handled by the replier (one commit, audited)."""
    t = context.lang()
    text = context.field("text", maxlen=camp_mod.MAX_TEXT + 1)
    if not text:
        return _message_page(inbox_id, error=t("Tulis isi balasan dulu.", "Write the reply first."), status=400)
    if len(text) > camp_mod.MAX_TEXT:
        return _message_page(inbox_id, text=text, status=400,
                             error=t(f"Balasan terlalu panjang: paling banyak {camp_mod.MAX_TEXT} karakter.",
                                     f"The reply is too long: at most {camp_mod.MAX_TEXT} characters."))
    store = context.store()
    if not inbox_mod.inbox_exists(store, inbox_id):
        bottle.abort(404)
    try:
        message_id = store.reply_inbox(inbox_id, text, by=context.actor(), route_of=operator_of)
    except StoreError as exc:
        return _message_page(inbox_id, text=text, error=context.error_text(exc), status=400)
    _, parts = camp_mod.count_segments(text)
    notes = wait_notes(("balasan ini", "this reply"))
    context.flash(" ".join([t(f"Balasan masuk antrean ({parts} SMS, pesan #{message_id}); pesan ini ditandai sudah"
                              " ditangani.",
                              f"Reply queued ({parts} SMS, message #{message_id}); this message is marked handled.")]
                           + notes), "warn" if notes else "ok")
    bottle.redirect(f"/inbox/{inbox_id}", 303)
