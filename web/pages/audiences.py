"""Audiences: saved target groups with live counts, the builder (with a live count) and one audience's page.

Everything about matching lives in :mod:`firmware.people.audience`; this module only
reads the form, shows counts and saves.
"""

from __future__ import annotations

import json
from itertools import islice
from typing import Any

import bottle

from firmware.people import audience as aud_mod
from firmware.people.audience import Audience, AudienceError
from firmware.people import contacts as contacts_mod
from web import context
from web.context import field, shown_number
from web.render import page

FILTER_KEYS = ("desa", "dusun", "rw", "rt", "role", "tag")
PREVIEW_RECIPIENTS = 20


def register(app: bottle.Bottle) -> None:
    app.get("/audiences", callback=audience_list)
    app.post("/audiences", callback=audience_save)
    app.post("/audiences/count", callback=audience_count)
    app.get("/audiences/<aid:int>", callback=audience_page)
    app.post("/audiences/<aid:int>/delete", callback=audience_delete)


def _form() -> dict[str, Any]:
    """The builder's fields as typed (a repeated field is joined with commas)."""
    f: dict[str, Any] = {k: ", ".join(context.fields(k, maxlen=2000)) for k in FILTER_KEYS}
    f["name"] = field("name", maxlen=300)
    f["everyone"] = field("everyone") == "1"
    f["id"] = context.int_field("id", None, low=1)
    return f


def _build(f: dict[str, Any]) -> Audience:
    return Audience.build(**{k: f[k] or None for k in FILTER_KEYS}, everyone=f["everyone"])


def _blank_form() -> dict[str, Any]:
    return {**dict.fromkeys(FILTER_KEYS, ""), "name": "", "everyone": False, "id": None}


def _saved_row(aid: int) -> dict:
    row = aud_mod.get_saved(context.store(), aid)
    if row is None:
        bottle.abort(404)
    return row


def _form_of(row: dict) -> dict[str, Any]:
    f = _blank_form()
    f["name"], f["id"] = row["name"], row["id"]
    try:
        definition = json.loads(row["definition"])
    except ValueError:
        return f
    if isinstance(definition, dict):
        for k in FILTER_KEYS:
            v = definition.get(k)
            if isinstance(v, list):
                f[k] = ", ".join(str(x) for x in v)
            elif isinstance(v, (str, int)):
                f[k] = str(v)
        f["everyone"] = definition.get("everyone") is True
    return f


def _list_page(form: dict[str, Any] | None = None, error: str | None = None, status: int = 200,
               count_view: dict | None = None) -> str:
    store = context.store()
    bottle.response.status = status
    if form is None:
        form = _blank_form()
        edit = context.int_field("edit", None, low=1)
        if edit is not None:
            form = _form_of(_saved_row(edit))
    return page("audiences", title=context.lang()("Audiens", "Audiences"), saved=aud_mod.list_saved(store), form=form,
                error=error, choices=contacts_mod.contact_choices(store), count_view=count_view)


@context.require("viewer")
def audience_list():
    return _list_page()


@context.require("viewer")
def audience_count():
    """The builder's live count: an HTML fragment with the counts and the description, or why not.

    Asked by ``siaran.js`` (``X-Requested-With: fetch``) it is the fragment alone; the form's own
    "count" button (no script) gets the whole page with the count in place.
    """
    f = _form()
    try:
        aud = _build(f)
        view = {"counts": aud_mod.count(context.store(), aud), "description": aud.describe(), "error": None,
                "empty": False, "ww": aud_mod.wilayah_warning(context.store(), aud)}
    except AudienceError as exc:
        view = {"counts": None, "description": "", "error": context.error_text(exc),
                "empty": not any(f[k] for k in FILTER_KEYS) and not f["everyone"]}
    if context.header("X-Requested-With") == "fetch":
        return page("audiences_count", **view)
    return _list_page(f, count_view=view)


@context.require("operator")
def audience_save():
    store, t = context.store(), context.lang()
    f = _form()
    try:
        name = aud_mod.check_name(f["name"])
        aud = _build(f)
    except AudienceError as exc:
        return _list_page(f, context.error_text(exc), 400)
    existing = aud_mod.saved_id(store, name)
    if existing is not None and existing != f["id"]:
        return _list_page(f, t(f"Audiens bernama “{name}” sudah ada. Pilih nama lain, atau buka audiens itu lalu "
                               "klik 'Ubah' untuk mengubahnya.",
                               f"An audience named “{name}” exists. Choose another name, or open it and click "
                               "'Edit' to change it."), 400)
    aid = aud_mod.save(store, name, aud, context.actor())
    context.flash(t(f"Audiens “{name}” disimpan.", f"Audience “{name}” saved."))
    bottle.redirect(f"/audiences/{aid}", 303)


@context.require("viewer")
def audience_page(aid: int):
    store = context.store()
    row = _saved_row(aid)
    error, aud, counts, people, ww = None, None, None, [], None
    try:
        aud = Audience.from_dict(json.loads(row["definition"]))
    except (ValueError, AudienceError) as exc:
        error = getattr(exc, "pesan", None) or context.lang()("Definisi audiens tersimpan rusak.", "Stored definition is broken.")
    if aud is not None:
        counts = aud_mod.count(store, aud)
        ww = aud_mod.wilayah_warning(store, aud)
        for r in islice(aud_mod.recipients(store, aud), PREVIEW_RECIPIENTS):
            people.append({"id": r["id"], "name": r["name"], "shown": shown_number(r["number"]), "desa": r["desa"],
                           "dusun": r["dusun"], "rw": r["rw"], "rt": r["rt"], "role": r["role"]})
    used = aud_mod.campaigns_using(store, aid)
    return page("audiences_detail", title=row["name"], a=row, aud=aud, counts=counts, people=people, error=error,
                used=used, definition=aud.to_dict() if aud else {}, ww=ww)


@context.require("operator")
def audience_delete(aid: int):
    store, t = context.store(), context.lang()
    row = _saved_row(aid)
    used = aud_mod.campaigns_using(store, aid)
    if used:
        context.flash(t(f"Audiens ini dipakai {used} kampanye, jadi tidak dapat dihapus.",
                        f"This audience is used by {used} campaign(s), so it cannot be deleted."), "error")
        bottle.redirect(f"/audiences/{aid}", 303)
    aud_mod.delete_saved(store, aid, row["name"], context.actor())
    context.flash(t(f"Audiens “{row['name']}” dihapus.", f"Audience “{row['name']}” deleted."))
    bottle.redirect("/audiences", 303)
