"""Settings (office settings, the global hold, templates, device state), users, the audit log and one's own
password (``/account``).

Admin only, except the audit log (everyone reads it; only admins see logins and account changes) and
``/account`` (every user changes their own password there).
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import bottle

from firmware.people import audience as aud_mod
from firmware.campaigns import campaign as camp_mod
from firmware.office import audit
from firmware.office import units as units_mod
from firmware.campaigns import routing
from firmware.office import users as users_mod
from firmware.office import settings as office_settings
from firmware.commands.settings import check_value
from firmware.people.privacy import mask_numbers_in
from firmware.queue.store import StoreError
from web import auditlog, auth, context
from web.pages.inbox import pager
from web.render import page

PER_PAGE = 50
REASON_MAX = 200
#: Audit actions only an admin sees (logins carry the client's address; account changes are admin business).
ADMIN_ONLY_ACTIONS = ("login", "logout", "user_", "api_token", "password_")
SETTING_DEFAULTS = {"cost_per_segment": camp_mod.DEFAULT_COST_PER_SEGMENT,
                    "approval_threshold": camp_mod.DEFAULT_APPROVAL_THRESHOLD,
                    routing.AUTO_THRESHOLD_KEY: routing.DEFAULT_AUTO_THRESHOLD,
                    routing.OVERFLOW_KEY: routing.DEFAULT_OVERFLOW_MINUTES}
CATEGORY_MAX = 40


def register(app: bottle.Bottle) -> None:
    app.get("/settings", callback=settings_page)
    app.post("/settings", callback=settings_save)
    app.post("/settings/rules", callback=rules_save)
    app.post("/hold", callback=hold)
    app.post("/settings/templates", callback=template_add)
    app.get("/settings/templates/<template_id:int>", callback=template_form)
    app.post("/settings/templates/<template_id:int>", callback=template_save)
    app.post("/settings/templates/<template_id:int>/delete", callback=template_delete)
    app.get("/users", callback=users_page)
    app.post("/users", callback=user_add)
    app.post("/users/<username>/disable", callback=user_disable)
    app.post("/users/<username>/enable", callback=user_enable)
    app.post("/users/<username>/reset", callback=user_reset)
    app.post("/users/<username>/role", callback=user_role)
    app.post("/users/<username>/unlock", callback=user_unlock)
    app.post("/users/<username>/unit", callback=user_unit)
    app.get("/account", callback=account_page)
    app.post("/account/password", callback=account_password)
    app.get("/audit", callback=audit_page)
    app.get("/audit/verify", callback=audit_verify)


# -- settings ------------------------------------------------------------------------------------------


def _settings_values(**values: Any) -> dict[str, Any]:
    store, config = context.store(), context.site().config
    stored = store.settings()
    office = {}
    for key, default in SETTING_DEFAULTS.items():
        entry = stored.get(key) or {}
        office[key] = {"value": entry.get("value", default), "default": default, "set": key in stored,
                       "updated_by": entry.get("updated_by"), "updated_at": entry.get("updated_at")}
    throttled = store.get_setting("throttled")
    usb_state = store.get_setting("usb_state")
    return {"office": office, "config": config, "hold_state": store.hold(),
            "effective": office_settings.effective(store, config), "office_rules": office_settings.read(store),
            "templates": camp_mod.list_templates(store), "units": units_mod.list_units(store),
            "throttled": throttled if isinstance(throttled, dict) else None,
            "usb_state": usb_state if isinstance(usb_state, dict) else ({"state": usb_state} if usb_state else None),
            "smpp_accounts": routing.accounts(store, config),
            "error": None, "form": {}, "tpl_error": None, "tpl_form": {}, "hold_error": None, **values}


def _settings(**values: Any) -> str:
    return page("settings", title="Pengaturan", **_settings_values(**values))


@context.require("admin")
def settings_page():
    return _settings()


def parse_number(raw: str) -> float | None:
    """``150``, ``Rp 1.500``, ``2,5`` -> a number; None when it is not one."""
    text = raw.replace("Rp", "").replace("rp", "").replace(" ", "").replace(".", "").replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


@context.require("admin")
def settings_save():
    t = context.lang()
    store = context.store()
    current = {k: v["value"] for k, v in _settings_values()["office"].items()}
    changes = {}
    form = {}
    for key in SETTING_DEFAULTS:
        raw = context.field(key, maxlen=40)
        form[key] = raw
        if not raw:
            continue
        number = parse_number(raw)
        if number is None:
            bottle.response.status = 400
            return _settings(error=t(f"{key}: bukan angka.", f"{key}: not a number."), form=form)
        value, reason, pesan = check_value(key, number)
        if value is None:
            bottle.response.status = 400
            return _settings(error=t(pesan, reason), form=form)
        if value != current.get(key):
            changes[key] = value
    for key, value in changes.items():
        store.set_setting(key, value, by=context.actor(), audit=True)
    context.flash(t("Pengaturan disimpan.", "Settings saved.") if changes
                  else t("Tidak ada yang berubah.", "Nothing changed."))
    bottle.redirect("/settings", 303)


@context.require("admin")
def rules_save():
    """Send window, per-SIM limits and opt-out keywords: validated, stored, audited; the daemon applies them."""
    t = context.lang()
    store, config = context.store(), context.site().config
    form = {k: context.field(k, maxlen=200) for k in ("window_start", "window_end", "per_minute", "per_hour",
                                                     "per_day", "optout_keywords")}
    values: dict[str, Any] = {}
    if form["window_start"] or form["window_end"]:
        values["send_window"] = {"start": form["window_start"], "end": form["window_end"]}
    if any(form[k] for k in office_settings.LIMIT_KEYS):
        limits: dict[str, Any] = {}
        for key in office_settings.LIMIT_KEYS:
            try:
                limits[key] = int(form[key])
            except ValueError:
                limits[key] = form[key]  # refused below, with the field named
        values["sim_limits"] = limits
    try:
        if form["optout_keywords"]:
            values["optout_keywords"] = list(office_settings.check_keywords(form["optout_keywords"]))
        office_settings.apply(config, values)
    except office_settings.SettingError as exc:
        bottle.response.status = 400
        return _settings(rules_error=context.error_text(exc), rules_form=form)
    current = office_settings.read(store)
    changed = []
    for key in office_settings.RULE_KEYS:  # the resident keywords have their own form (web/pages/warga.py)
        if values.get(key) != current.get(key):
            store.set_setting(key, values.get(key), by=context.actor(), audit=True)
            changed.append(key)
    context.flash(t("Aturan kirim disimpan; layanan pengirim memakainya dalam beberapa detik.",
                    "Sending rules saved; the sending service applies them within seconds.") if changed
                  else t("Tidak ada yang berubah.", "Nothing changed."))
    bottle.redirect("/settings#config", 303)


@context.require("admin")
def hold():
    """Turn the global hold on (a reason is required) or off. Emergencies still go out while it is on."""
    t = context.lang()
    store = context.store()
    action = context.field("action", maxlen=5)
    reason = context.field("reason", maxlen=REASON_MAX + 1).replace("\n", " ").strip()
    if action == "on":
        if not reason:
            bottle.response.status = 400
            return _settings(hold_error=t("Tulis alasan penahanan (mis. Masa tenang Pemilu).",
                                          "Write the reason for the hold (e.g. election quiet period)."))
        if len(reason) > REASON_MAX:
            bottle.response.status = 400
            return _settings(hold_error=t(f"Alasan maksimal {REASON_MAX} karakter.",
                                          f"Reason at most {REASON_MAX} characters."))
        store.set_hold(True, reason=reason, by=context.actor())
        context.flash(t("PENAHANAN aktif: hanya pesan darurat yang dikirim.", "HOLD on: only emergencies are sent."),
                      "warn")
    elif action == "off":
        store.set_hold(False, reason=reason[:REASON_MAX] or None, by=context.actor())
        context.flash(t("Penahanan dicabut: pengiriman berjalan lagi.", "Hold lifted: sending resumes."))
    else:
        bottle.abort(400, t("Tindakan tidak dikenal.", "Unknown action."))
    bottle.redirect(context.back("/settings"), 303)


# -- templates -----------------------------------------------------------------------------------------


def _template_fields() -> tuple[dict[str, str], str | None]:
    """(form values, error): a name, an optional category and a text that compiles once blanks are filled."""
    form = {"name": context.field("name", maxlen=200), "category": context.field("category", maxlen=CATEGORY_MAX + 1),
            "text": context.field("text", maxlen=camp_mod.MAX_TEXT + 1), "unit": context.field("unit", maxlen=12)}
    try:
        form["unit_id"] = units_mod.get_unit(context.store(), form["unit"])["id"] if form["unit"] else None
        form["name"] = aud_mod.check_name(form["name"], "template")
        if len(form["category"]) > CATEGORY_MAX:
            raise camp_mod.TemplateError(f"category at most {CATEGORY_MAX} characters",
                                         f"Kategori maksimal {CATEGORY_MAX} karakter.")
        text = form["text"]
        blanks = camp_mod.unfilled(text)
        camp_mod.compile_template(camp_mod.fill_blanks(text, {b: "x" for b in blanks}) if blanks else text)
    except (camp_mod.CampaignError, aud_mod.AudienceError, units_mod.UnitError) as exc:
        return form, context.error_text(exc)
    return form, None


def _template(template_id: int) -> dict[str, Any]:
    tpl = next((x for x in camp_mod.list_templates(context.store()) if x["id"] == template_id), None)
    if tpl is None:
        bottle.abort(404)
    return tpl


@context.require("admin")
def template_add():
    t = context.lang()
    form, error = _template_fields()
    if error is None:
        try:
            context.store().save_template(form["name"], form["text"], category=form["category"] or None,
                                          by=context.actor(), unit_id=form["unit_id"])
        except StoreError as exc:
            error = context.error_text(exc)
    if error is not None:
        bottle.response.status = 400
        return _settings(tpl_error=error, tpl_form=form)
    context.flash(t(f"Template {form['name']!r} ditambahkan.", f"Template {form['name']!r} added."))
    bottle.redirect("/settings#templates", 303)


@context.require("admin")
def template_form(template_id: int):
    tpl = _template(template_id)
    return page("settings_template", title="Template", tpl=tpl, form={**tpl, "unit": tpl["unit_id"] or ""},
                error=None, units=units_mod.list_units(context.store()))


@context.require("admin")
def template_save(template_id: int):
    t = context.lang()
    tpl = _template(template_id)
    form, error = _template_fields()
    if error is None:
        try:
            context.store().save_template(form["name"], form["text"], category=form["category"] or None,
                                          by=context.actor(), template_id=None if tpl["builtin"] else template_id,
                                          unit_id=form["unit_id"])
        except StoreError as exc:
            error = context.error_text(exc)
    if error is not None:
        bottle.response.status = 400
        return page("settings_template", title="Template", tpl=tpl, form=form, error=error,
                    units=units_mod.list_units(context.store()))
    context.flash(t(f"Template {form['name']!r} disimpan.", f"Template {form['name']!r} saved."))
    bottle.redirect("/settings#templates", 303)


@context.require("admin")
def template_delete(template_id: int):
    t = context.lang()
    _template(template_id)
    name = context.store().delete_template(template_id, by=context.actor())  # StoreError -> 400 with its pesan
    context.flash(t(f"Template {name!r} dihapus.", f"Template {name!r} deleted."))
    bottle.redirect("/settings#templates", 303)


# -- users -----------------------------------------------------------------------------------------------


def _users(**values: Any) -> str:
    store = context.store()
    return page("users", title="Pengguna", users=users_mod.list_users(store), roles=users_mod.ROLES,
                units=units_mod.list_units(store),
                locks=auth.locks(store), **{"error": None, "form": {}, **values})


def _shown_once(username: str, password: str, *, new: bool) -> str:
    """The generated password, on this one page (not in a cookie, not in a redirect): it is not shown again."""
    bottle.response.set_header("Cache-Control", "no-store")
    return page("users_password", title="Pengguna", who=username, password=password, new=new)


def _target(username: str) -> dict[str, Any]:
    username = (username or "")[:64]
    who = users_mod.get_user(context.store(), username)
    if who is None:
        bottle.abort(404)
    return who


@context.require("admin")
def users_page():
    return _users()


@context.require("admin")
def user_add():
    t = context.lang()
    store = context.store()
    username = context.field("username", maxlen=64).lower()
    role = context.field("role", maxlen=20)
    unit = context.field("unit", maxlen=12)
    password = (bottle.request.forms.getunicode("password") or "")[:1100]
    generated = not password
    if generated:
        password = users_mod.new_password()
    try:
        users_mod.add_user(store, username, role, password, actor=context.actor(), unit=unit or None)
    except (users_mod.UserError, units_mod.UnitError) as exc:
        bottle.response.status = 400
        return _users(error=context.error_text(exc), form={"username": username, "role": role, "unit": unit})
    if generated:
        return _shown_once(username, password, new=True)
    context.flash(t(f"Pengguna {username} ({role}) dibuat.", f"User {username} ({role}) created."))
    bottle.redirect("/users", 303)


def _set_disabled(username: str, disabled: bool):
    t = context.lang()
    store = context.store()
    who = _target(username)
    me = context.user()
    if disabled and who["username"] == me.username:
        bottle.response.status = 400
        return _users(error=t("Anda tidak dapat menonaktifkan akun Anda sendiri.",
                              "You cannot disable your own account."))
    try:
        users_mod.set_disabled(store, who["username"], disabled, actor=context.actor())
    except users_mod.UserError as exc:
        bottle.response.status = 400
        return _users(error=context.error_text(exc))
    if disabled:
        auth.end_sessions_of(store, who["username"])
        context.flash(t(f"{who['username']} dinonaktifkan dan dikeluarkan dari semua sesi.",
                        f"{who['username']} disabled and logged out everywhere."))
    else:
        context.flash(t(f"{who['username']} diaktifkan lagi.", f"{who['username']} enabled again."))
    bottle.redirect("/users", 303)


@context.require("admin")
def user_disable(username: str):
    return _set_disabled(username, True)


@context.require("admin")
def user_enable(username: str):
    return _set_disabled(username, False)


@context.require("admin")
def user_reset(username: str):
    """A new generated password, shown once; the user's sessions end."""
    store = context.store()
    who = _target(username)
    password = users_mod.new_password()
    users_mod.set_password(store, who["username"], password, actor=context.actor())
    auth.after_reset(store, who["username"])
    if who["username"] == context.user().username:
        _restart_session(who["username"])
    return _shown_once(who["username"], password, new=False)


@context.require("admin")
def user_unlock(username: str):
    """Lift the login lock on this account from every address, without changing its password."""
    t = context.lang()
    who = _target(username)
    auth.unlock(context.store(), who["username"], context.actor())
    context.flash(t(f"Kunci masuk {who['username']} dibuka: dapat mencoba masuk lagi dari semua komputer.",
                    f"{who['username']}'s login lock lifted: they may try again from every computer."))
    bottle.redirect("/users", 303)


@context.require("admin")
def user_role(username: str):
    t = context.lang()
    store = context.store()
    who = _target(username)
    role = context.field("role", maxlen=20)
    try:
        users_mod.set_role(store, who["username"], role, actor=context.actor())
    except users_mod.UserError as exc:
        bottle.response.status = 400
        return _users(error=context.error_text(exc))
    context.flash(t(f"Peran {who['username']} sekarang {role}.", f"{who['username']}'s role is now {role}."))
    bottle.redirect("/users", 303)


@context.require("admin")
def user_unit(username: str):
    """Move an account to another unit: from its next page on it sees that unit's campaigns."""
    t = context.lang()
    who = _target(username)
    try:
        users_mod.set_unit(context.store(), who["username"], context.field("unit", maxlen=12), actor=context.actor())
    except (users_mod.UserError, units_mod.UnitError) as exc:
        context.flash(context.error_text(exc), "error")
    else:
        unit = users_mod.get_user(context.store(), who["username"])["unit"]
        context.flash(t(f"{who['username']} sekarang di unit {unit}.", f"{who['username']} is now in unit {unit}."))
    bottle.redirect("/users", 303)


# -- one's own account -----------------------------------------------------------------------------------


def _restart_session(username: str) -> None:
    """After a password change every session ended: give this browser a fresh one."""
    from web.pages.account import start_session_cookie  # the login's own cookie settings

    start_session_cookie(username)


@context.require("viewer")
def account_page():
    return page("account", title="Akun", error=None)


@context.require("viewer")
def account_password():
    t = context.lang()
    store = context.store()
    me = context.user()
    current = (bottle.request.forms.getunicode("current") or "")[:1024]
    new = (bottle.request.forms.getunicode("password") or "")[:1100]
    again = (bottle.request.forms.getunicode("password2") or "")[:1100]
    error = None
    if not users_mod.check_password(store, me.username, current):
        error = t("Kata sandi sekarang salah.", "The current password is wrong.")
        store.audit(context.actor(), "password_change_failed", {"client": context.client()})
    elif new != again:
        error = t("Kedua kata sandi baru tidak sama.", "The two new passwords differ.")
    elif new == current:
        error = t("Kata sandi baru sama dengan yang lama.", "The new password is the same as the old one.")
    if error is None:
        try:
            users_mod.set_password(store, me.username, new, actor=context.actor())
        except users_mod.UserError as exc:
            error = context.error_text(exc)
    if error is not None:
        bottle.response.status = 400
        return page("account", title="Akun", error=error)
    auth.end_sessions_of(store, me.username)  # every other browser logged in as me is logged out
    _restart_session(me.username)
    context.flash(t("Kata sandi diganti. Sesi lain akun ini telah diakhiri.",
                    "Password changed. Other sessions of this account were ended."))
    bottle.redirect("/account", 303)


# -- audit log -----------------------------------------------------------------------------------------


def _detail_text(detail: Any) -> str:
    """A detail as short ``key=value`` text; any number-like run masked (details should hold none)."""
    if isinstance(detail, dict):
        text = " · ".join(f"{k}={json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v}"
                          for k, v in detail.items())
    else:
        text = str(detail)
    return mask_numbers_in(text)[:600]


def _audit(verify: dict | None = None) -> str:
    store = context.store()
    me = context.user()
    hidden = () if me.can("admin") else ADMIN_ONLY_ACTIONS
    actor = context.field("actor", maxlen=80)
    action = context.field("action", maxlen=60)
    page_no = context.int_field("page", 1, low=1, high=1_000_000) or 1
    rows, total = audit.audit_page(store, actor=actor, action=action, hidden=hidden,
                                     offset=(page_no - 1) * PER_PAGE, limit=PER_PAGE)
    fmt = bottle.request.environ["siaran.view"]["fmt"]
    for r in rows:
        r["sentence"] = auditlog.sentence(r, fmt)
        r["who"] = fmt.actor(r["actor"])
        r["text"] = _detail_text(r["detail"])
    params = {"actor": actor, "action": action}
    return page("audit", title="Log Audit", rows=rows, actor=actor, action=action,
                actions=[(a, auditlog.action_label(a, fmt)) for a in audit.audit_actions(store, hidden)],
                pager=pager("/audit", params, page_no, total, PER_PAGE),
                limited=bool(hidden), verify=verify,
                query=urllib.parse.urlencode({k: v for k, v in params.items() if v}))


@context.require("viewer")
def audit_page():
    return _audit()


@context.require("viewer")
def audit_verify():
    """Recompute the hash chain: intact, or the first row that does not chain (edited, deleted or inserted)."""
    store = context.store()
    broken = store.verify_audit()
    rows = audit.audit_count(store)
    info = {"ok": broken is None, "rows": rows, "broken": broken}
    if broken is not None:
        info["row"] = audit.audit_entry(store, broken)
    return _audit(info)
