"""Compose: pick the recipients and a text (or a ready template), see what it costs, and send.

Recipients (the ``audience`` field): a saved audience by name, ``@semua`` (every contact), ``@tag:NAME``
(the contacts with a tag) or ``@saringan`` (the filter typed in the ``f_desa`` ... ``f_tag`` fields), so
nobody has to save an audience first; the campaign keeps its own copy of the definition either way.

The form previews itself as the user types (``data-fragment-url="/compose/preview"``: siaran.js posts
the form and swaps the fragment in); without JavaScript the "Pratinjau" button posts the whole form and
the page comes back with the preview in it.  Sending creates the campaign and submits it: small ones
are queued at once, big ones (more than ``approval_threshold`` recipients) wait for another user.

An emergency (DARURAT) is never sent on the first press: the server answers with a confirmation step
(how many recipients, a sample of them, and that it bypasses the hold and the send window) that
carries the form on; only its "Ya, kirim DARURAT" button (``confirm_emergency=1``) sends.  This works
without JavaScript.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import datetime
from typing import Any

import bottle

from firmware.people import audience as aud_mod
from firmware.campaigns import campaign as camp_mod
from firmware.office import units as units_mod
from firmware.campaigns import routing
from firmware.people.audience import Audience, AudienceError
from firmware.campaigns.campaign import CampaignError
from firmware.campaigns.routing import RouteError
from firmware.modem.segments import analyse
from firmware.people import contacts as contacts_mod
from web import context
from web.context import field, shown_number
from web.render import page

#: placeholder -> (what it becomes, in Bahasa / English)
PLACEHOLDER_HELP = {
    "nama": ("nama kontak", "contact's name"),
    "jabatan": ("jabatan (Ketua RT, kader ...)", "role (Ketua RT, kader ...)"),
    "rt": ("nomor RT", "RT number"),
    "rw": ("nomor RW", "RW number"),
    "desa": ("desa/kelurahan", "village"),
    "dusun": ("dusun", "hamlet"),
}
CONFIRM_SAMPLE = 10  # recipients listed on the emergency confirmation step
_NOT_CARRIED = ("csrf", "action", "confirm_emergency")


#: ``audience`` values that are not a saved audience's name.
ALL, FILTER, TAG = "@semua", "@saringan", "@tag:"
#: The ad-hoc filter's fields (``f_<key>``), as on the Audiences page.
FILTER_KEYS = ("desa", "dusun", "rw", "rt", "role", "tag")


def register(app: bottle.Bottle) -> None:
    app.get("/compose", callback=compose_form)
    app.post("/compose", callback=compose_send)
    app.post("/compose/preview", callback=compose_preview)


def _form() -> dict[str, Any]:
    """What the user typed, kept as typed (re-rendered after an error)."""
    return {
        "name": field("name", maxlen=100),
        "audience": field("audience", maxlen=100),
        "text": field("text", maxlen=camp_mod.MAX_TEXT + 200),
        "send_at": field("send_at", maxlen=40),
        "expires_at": field("expires_at", maxlen=40),
        "emergency": field("emergency") in ("1", "on", "yes"),
        "channel": field("channel", maxlen=20) or routing.AUTO,
        "fallbacks": {k: field(f"fb_{k}", maxlen=100) for k in camp_mod.PLACEHOLDERS},
        "filter": {k: field(f"f_{k}", maxlen=2000) for k in FILTER_KEYS},
        "unit": _unit(),
    }


def _unit() -> int:
    """The unit the campaign is for: the user's own; an admin may pick another (the ``unit`` field)."""
    u = context.user()
    own = u.unit_id if u is not None and u.unit_id is not None else units_mod.DEFAULT_UNIT
    if u is None or u.within is not None:
        return own
    chosen = field("unit", maxlen=12)
    return int(chosen) if chosen.isdigit() and int(chosen) in units_mod.unit_names(context.store()) else own


def _audience(form: dict[str, Any]) -> Audience | str | None:
    """The recipients chosen: a saved audience's name, or an Audience for every contact, a tag or the
    typed filter (also when only the filter was filled in); None when nothing is chosen.  AudienceError
    for an unusable filter."""
    choice = form["audience"] or (FILTER if any(form["filter"].values()) else "")
    if not choice:
        return None
    if not choice.startswith("@") or aud_mod.saved_id(context.store(), choice) is not None:
        return choice  # a saved audience (a saved name beginning with "@" still wins)
    if choice == ALL:
        return Audience(everyone=True)
    if choice.startswith(TAG) and choice[len(TAG):].strip():
        return Audience.build(tag=[choice[len(TAG):]])
    if choice == FILTER:
        return Audience.build(**{k: form["filter"][k] or None for k in FILTER_KEYS})
    raise AudienceError(f"unknown recipients {choice!r}", f"Penerima {choice!r} tidak dikenal.")


def _no_audience() -> CampaignError:
    t = context.lang()
    return CampaignError("choose the recipients", t("Pilih penerima dulu.", "Choose the recipients first."))


def _fallbacks(form: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in form["fallbacks"].items() if v}


def _time(value: str) -> float | None:
    """A ``datetime-local`` value (office time) as epoch seconds; CampaignError when unreadable."""
    return camp_mod.parse_time(value or None, context.site().config.tz)


def _check_text(text: str) -> None:
    """Friendlier words than the library's for what a web user meets first: a template's blanks."""
    t = context.lang()
    blanks = camp_mod.unfilled(text)
    if blanks:
        names = ", ".join(f"[[{b}]]" for b in blanks)
        raise CampaignError(
            f"replace {names} in the text with the real details first",
            t(f"Ganti dulu {names} di teks dengan keterangan sebenarnya (misalnya tanggal, tempat).",
              f"First replace {names} in the text with the real details (e.g. date, place)."))


def _preview(form: dict[str, Any]) -> dict[str, Any]:
    """The library's preview of the form, or ``{"message": ...}`` saying what is missing or wrong."""
    t = context.lang()
    store, config = context.store(), context.site().config
    try:
        audience = _audience(form)
    except AudienceError as exc:
        return {"message": context.error_text(exc), "kind": "error"}
    if audience is None:
        return {"message": t("Pilih penerima dulu.", "Choose the recipients first."), "kind": "hint"}
    if not form["text"].strip():
        return {"message": t("Tulis teks pesan atau pilih template.", "Write the message or choose a template."),
                "kind": "hint"}
    try:
        _check_text(form["text"])
        send_at = _time(form["send_at"])
        expires_at = _time(form["expires_at"])
        p = camp_mod.preview(store, config, form["text"], audience, _fallbacks(form),
                             emergency=form["emergency"], send_at=send_at, expires_at=expires_at, unit=form["unit"],
                             channel=form["channel"])
    except (CampaignError, AudienceError, RouteError) as exc:
        return {"message": context.error_text(exc), "kind": "error"}
    sample_text = p["sample"]["text"] if p.get("sample") else None
    fix = p["gsm7_fix"]
    no_lookalike = [ch for ch in fix["ucs2_chars"] if ch not in fix["replacements"]]
    return {"p": p, "info": analyse(sample_text) if sample_text else None,
            "threshold": camp_mod.approval_threshold(store), "no_lookalike": no_lookalike}


def _view(form: dict[str, Any], *, error: str | None = None, preview: dict[str, Any] | None = None,
          status: int = 200) -> str:
    store, config = context.store(), context.site().config
    bottle.response.status = status
    now_local = datetime.fromtimestamp(store.clock(), config.tz).strftime("%Y-%m-%dT%H:%M")
    everyone = aud_mod.count(store, Audience(everyone=True))["reachable"]
    return page("compose", title=context.lang()("Tulis Pesan", "Compose"), form=form, error=error,
                audiences=aud_mod.list_saved(store, within=context.within()),
                templates=camp_mod.list_templates(store, within=context.within()),
                units=units_mod.list_units(store) if context.within() is None else [],
                everyone=everyone, choices=contacts_mod.contact_choices(store), ALL=ALL, FILTER=FILTER, TAG=TAG,
                placeholders=PLACEHOLDER_HELP, fallback_defaults=camp_mod.DEFAULT_FALLBACKS,
                threshold=camp_mod.approval_threshold(store), now_local=now_local,
                smpp_accounts=routing.accounts(store, config), route_choices=routing.CHOICES,
                preview=preview if preview is not None else (_preview(form) if form["text"] else None))


@context.require("operator")
def compose_form():
    form = _form()
    template = field("template", maxlen=100)
    if template and not form["text"]:
        for tpl in camp_mod.list_templates(context.store(), within=context.within()):
            if tpl["name"] == template:
                form["text"] = tpl["text"]
    return _view(form)


@context.require("operator")
def compose_preview():
    """The live preview as an HTML fragment: never a 500 for what the user typed."""
    return page("compose_preview", **_preview(_form()))


def _carried() -> list[tuple[str, str]]:
    """Every field of the posted compose form (as typed, newlines kept) to carry through the confirmation step."""
    out = []
    forms = bottle.request.forms
    for key in forms.keys():
        if key in _NOT_CARRIED:
            continue
        for raw in forms.getall(key):
            try:
                raw = raw.encode("latin-1").decode("utf-8")  # Bottle hands form fields over as latin-1
            except (UnicodeEncodeError, UnicodeDecodeError):
                pass
            out.append((key, raw))
    return out


def _confirm_emergency(form: dict[str, Any]):
    """The DARURAT confirmation step, or the compose page with what is wrong (nothing is created here)."""
    preview = _preview(form)
    if "p" not in preview:
        return _view(form, error=preview["message"], status=400)
    p = preview["p"]
    store, config = context.store(), context.site().config
    sending, _ = camp_mod.sending_config(store, config)
    aud = dataclasses.replace(Audience.from_dict(p["audience"]["definition"]), unit=form["unit"])
    sample = [{"name": r["name"], "number": shown_number(r["number"]), "desa": r["desa"], "rw": r["rw"], "rt": r["rt"]}
              for r in itertools.islice(aud_mod.recipients(store, aud), CONFIRM_SAMPLE)]
    return page("compose_confirm", title=context.lang()("Konfirmasi pesan DARURAT", "Confirm the EMERGENCY message"),
                p=p, form=form, sample=sample, carried=_carried(), hold=store.hold(),
                window=(sending.window_start, sending.window_end))


@context.require("operator")
def compose_send():
    t = context.lang()
    form = _form()
    if field("action") == "preview":  # the no-JavaScript preview button
        return _view(form)
    if form["emergency"] and field("confirm_emergency") != "1":
        return _confirm_emergency(form)
    store = context.store()
    try:
        audience = _audience(form)
        if audience is None:
            raise _no_audience()
        _check_text(form["text"])
        campaign_id = camp_mod.create(
            store, form["name"], form["text"] or None, audience, fallbacks=_fallbacks(form),
            emergency=form["emergency"], send_at=form["send_at"] or None, expires_at=form["expires_at"] or None,
            actor=context.actor(), tz=context.site().config.tz, unit=form["unit"], channel=form["channel"])
    except (CampaignError, AudienceError, RouteError) as exc:
        return _view(form, error=context.error_text(exc), status=400)
    try:
        result = camp_mod.submit(store, campaign_id, context.actor(), config=context.site().config)
    except CampaignError as exc:
        context.flash(context.error_text(exc), "error")
        bottle.redirect(f"/campaigns/{campaign_id}", 303)
    if result["state"] == "awaiting_approval":
        context.flash(t(f"Kampanye disimpan dan MENUNGGU PERSETUJUAN pengguna lain (lebih dari {result['threshold']} "
                        f"penerima). Minta penyetuju atau admin lain membuka halaman Persetujuan.",
                        f"Campaign saved and AWAITING APPROVAL by another user (more than {result['threshold']} "
                        f"recipients). Ask another approver or admin to open the Approvals page."), "warn")
    else:
        context.flash(t(f"Kampanye masuk antrean: {result['queued']} pesan akan dikirim.",
                        f"Campaign queued: {result['queued']} messages will be sent."))
    bottle.redirect(f"/campaigns/{campaign_id}", 303)
