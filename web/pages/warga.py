"""SMS Warga: what residents can text the box and what happens; consents; who never answered a consent
request; pending number changes (approve or reject); and the keyword settings (on the Settings page).

The decisions live in :mod:`firmware.people.keywords`, the SQL in :mod:`firmware.people.keyword_store`;
this module reads forms and shows.
"""

from __future__ import annotations

from typing import Any

import bottle

from firmware.office import settings as office_settings
from firmware.people import keyword_store as ks
from firmware.people import keywords
from web import context
from web.render import page


def register(app: bottle.Bottle) -> None:
    app.get("/warga", callback=warga_page)
    app.post("/warga/changes/<change_id:int>/approve", callback=change_approve)
    app.post("/warga/changes/<change_id:int>/reject", callback=change_reject)
    app.post("/settings/keywords", callback=keywords_save)


def _effective():
    return office_settings.effective(context.store(), context.site().config)


@context.require("viewer")
def warga_page():
    store = context.store()
    config = _effective()
    ks.expire_changes(store=store)
    campaigns = ks.consent_campaigns(store, config.consent_keywords)
    chosen = context.int_field("campaign", None, low=1)
    if chosen is None and campaigns:
        chosen = campaigns[0]["id"]
    silent, silent_total = ks.never_answered(store, chosen) if chosen else ([], 0)
    return page("warga", title=context.lang()("SMS Warga", "Resident SMS"), config=config,
                info_text=keywords.info_text(config), pending=ks.changes(store, pending=True),
                settled=ks.changes(store, pending=False, limit=20), consents=ks.consents(store, limit=50),
                counts=ks.consent_counts(store), campaigns=campaigns, chosen=chosen, silent=silent,
                silent_total=silent_total)


def _decide(change_id: int, approve: bool):
    t = context.lang()
    try:
        state = ks.decide_change(context.store(), change_id, approve=approve, by=context.actor())
    except ks.KeywordError as exc:
        context.flash(context.error_text(exc), "error")
    else:
        context.flash(t("Ganti nomor disetujui: kontak kini memakai nomor baru, dan nomor itu diberi tahu.",
                        "Number change approved: the contact now uses the new number, which was told so.")
                      if state == "approved" else
                      t("Ganti nomor ditolak; kontak tetap memakai nomor lama.",
                        "Number change rejected; the contact keeps the old number."))
    bottle.redirect("/warga#changes", 303)


@context.require("approver")
def change_approve(change_id: int):
    """Move the contact now (the office checked the new number another way, e.g. by phone)."""
    _decide(change_id, True)


@context.require("approver")
def change_reject(change_id: int):
    _decide(change_id, False)


KEYWORD_FIELDS = ("consent", "change", "subscribe", "info")


@context.require("admin")
def keywords_save():
    """The resident keywords, the office contact said by INFO, the reply limit and the change expiry:
    validated against the other keywords (a word must mean one thing), stored, audited."""
    from web.pages.admin import _settings

    t = context.lang()
    store, config = context.store(), context.site().config
    form = {k: context.field(k, maxlen=200) for k in (*KEYWORD_FIELDS, "office_contact", "replies_per_hour",
                                                      "change_hours")}
    values: dict[str, Any] = {k: form[k] for k in KEYWORD_FIELDS if form[k]}
    if form["office_contact"]:
        values["office_contact"] = form["office_contact"]
    for key in ("replies_per_hour", "change_hours"):
        if form[key]:
            try:
                values[key] = float(form[key].replace(",", "."))
            except ValueError:
                values[key] = form[key]  # refused below, with the field named
    current = office_settings.read(store)
    try:
        checked = office_settings.check_sms_keywords(values)
        office_settings.apply(config, {**current, "sms_keywords": values})
    except office_settings.SettingError as exc:
        bottle.response.status = 400
        return _settings(keywords_error=context.error_text(exc), keywords_form=form)
    stored = {k: (list(checked[office_settings.SMS_KEYWORD_FIELDS[k]]) if k in KEYWORD_FIELDS
                  else checked[office_settings.SMS_KEYWORD_FIELDS[k]]) for k in values}
    if stored != (current.get("sms_keywords") or {}):
        store.set_setting("sms_keywords", stored or None, by=context.actor(), audit=True)
        context.flash(t("Kata kunci SMS warga disimpan; layanan pengirim memakainya dalam beberapa detik.",
                        "Resident keywords saved; the sending service applies them within seconds."))
    else:
        context.flash(t("Tidak ada yang berubah.", "Nothing changed."))
    bottle.redirect("/settings#keywords", 303)
