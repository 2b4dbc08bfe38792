"""The inbox: replies and opt-outs residents sent to the box's SIMs, newest first; operators mark them handled."""

from __future__ import annotations

import urllib.parse

import bottle

from web import context, queries
from web.render import page

PER_PAGE = 50
HANDLED = {"0": False, "1": True}


def register(app: bottle.Bottle) -> None:
    app.get("/inbox", callback=inbox)
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
    return (kind if kind in queries.INBOX_KINDS else ""), (handled if handled in HANDLED else "")


@context.require("viewer")
def inbox():
    store = context.store()
    kind, handled = _filters()
    page_no = context.int_field("page", 1, low=1, high=100_000) or 1
    rows, total = queries.inbox_page(store, kind=kind or None, handled=HANDLED.get(handled),
                                     offset=(page_no - 1) * PER_PAGE, limit=PER_PAGE)
    params = {"kind": kind, "handled": handled}
    here = "/inbox" + (("?" + urllib.parse.urlencode({**{k: v for k, v in params.items() if v}, "page": page_no}))
                       if kind or handled or page_no > 1 else "")
    return page("inbox", title="Kotak Masuk", rows=rows, kind=kind, handled=handled,
                pager=pager("/inbox", params, page_no, total, PER_PAGE), counts=queries.inbox_counts(store),
                here=here)


@context.require("operator")
def mark_handled(inbox_id: int):
    t = bottle.request.environ["siaran.lang"]
    store = context.store()
    if store.conn.execute("SELECT 1 FROM inbox WHERE id = ?", (inbox_id,)).fetchone() is None:
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
