"""First-run setup, login, logout, the language switch, static files and the front-panel card."""

from __future__ import annotations

import secrets
from pathlib import Path

import bottle

from firmware.office import users as users_mod
from web import auth, context
from web.context import LANG_COOKIE, PRE_COOKIE, SESSION_COOKIE, field
from web.render import page

STATIC = Path(__file__).resolve().parent.parent / "static"
CARD = STATIC / "panel-card.html"


def register(app: bottle.Bottle) -> None:
    app.get("/setup", callback=setup_form)
    app.post("/setup", callback=setup)
    app.get("/login", callback=login_form)
    app.post("/login", callback=login)
    app.post("/logout", callback=logout)
    app.get("/lang/<code>", callback=set_lang)
    app.get("/static/<name:path>", callback=static)
    app.get("/healthz", callback=healthz)
    app.get("/card", callback=card)


def _pre_token() -> str:
    """The CSRF token for forms shown before login (double-submit cookie)."""
    token = bottle.request.get_cookie(PRE_COOKIE)
    if not token or len(token) < 20:
        token = secrets.token_urlsafe(24)
    bottle.response.set_cookie(PRE_COOKIE, token, path="/", httponly=True, samesite="strict")
    return token


def _cookie_secure() -> bool:
    return bottle.request.urlparts.scheme == "https"


def start_session_cookie(username: str) -> None:
    """Log ``username`` in on this browser: a new session and its cookie."""
    token = auth.start_session(context.store(), username, context.client())
    bottle.response.set_cookie(SESSION_COOKIE, auth.sign(context.site().key, token), path="/", httponly=True,
                               samesite="strict", secure=_cookie_secure(), max_age=int(auth.SESSION_MAX))


def setup_form():
    if not auth.needs_setup(context.store()):
        bottle.redirect("/login")
    return page("setup", title="Siaran", pre=_pre_token())


def setup():
    store = context.store()
    if not auth.needs_setup(store):
        bottle.abort(403, "role")
    t = bottle.request.environ["siaran.lang"]
    username = field("username", maxlen=64).lower()
    password = bottle.request.forms.getunicode("password") or ""
    if password != (bottle.request.forms.getunicode("password2") or ""):
        return page("setup", title="Siaran", pre=_pre_token(), username=username,
                    error=t("Kedua kata sandi tidak sama.", "The two passwords differ."))
    try:
        users_mod.add_user(store, username, "admin", password, actor="web:setup")
    except users_mod.UserError as exc:
        return page("setup", title="Siaran", pre=_pre_token(), username=username,
                    error=exc.pesan if t.code == "id" else exc.reason)
    start_session_cookie(username)
    context.flash(t("Akun admin dibuat. Selanjutnya: impor daftar kontak, lalu tambah pengguna lain.",
                    "Admin account created. Next: import a contact list, then add other users."))
    bottle.redirect("/")


def login_form():
    if auth.needs_setup(context.store()):
        bottle.redirect("/setup")
    if context.user():
        bottle.redirect("/")
    return page("login", title="Masuk", pre=_pre_token(), next=context.back())


def login():
    store = context.store()
    t = bottle.request.environ["siaran.lang"]
    username = field("username", maxlen=64)
    password = bottle.request.forms.getunicode("password") or ""
    result = auth.check_login(store, username, password[:1024], context.client())
    if result.username is None:
        minutes = max(1, int(result.wait + 59) // 60)
        if result.throttled:
            error = t(f"Terlalu banyak percobaan gagal dari komputer ini. Coba lagi dalam {minutes} menit, atau "
                      "minta admin membuka kuncinya di halaman Pengguna.",
                      f"Too many failed attempts from this computer. Try again in {minutes} minute(s), or ask an "
                      "admin to unlock it on the Users page.")
        else:
            error = t("Nama pengguna atau kata sandi salah.", "Wrong username or password.")
            if result.wait > 0:
                error += " " + t(f"Sudah terlalu sering salah dari komputer ini: tunggu {minutes} menit sebelum "
                                 "mencoba lagi.",
                                 f"Too many failures from this computer: wait {minutes} minute(s) before trying "
                                 "again.")
        bottle.response.status = 429 if result.throttled else 401
        return page("login", title="Masuk", pre=_pre_token(), next=context.back(), username=username, error=error)
    start_session_cookie(result.username)
    bottle.redirect(context.back())


def logout():
    store = context.store()
    token = auth.unsign(context.site().key, bottle.request.get_cookie(SESSION_COOKIE))
    store.audit(context.actor(), "logout", {})
    auth.end_session(store, token)
    bottle.response.delete_cookie(SESSION_COOKIE, path="/")
    bottle.redirect("/login")


def set_lang(code: str):
    bottle.response.set_cookie(LANG_COOKIE, "en" if code == "en" else "id", path="/", samesite="lax",
                               max_age=365 * 86400)
    bottle.redirect(context.back())


def static(name: str):
    # static_file refuses paths outside the root (no traversal).
    res = bottle.static_file(name, root=str(STATIC))
    res.set_header("Cache-Control", "public, max-age=3600")
    return res


def healthz():
    """For monitoring on the LAN: the page's process answers and the file opens. No data."""
    context.store().ping()
    return {"ok": True}


@context.require("viewer")
def card():
    """The printable one-page card explaining the LEDs and buttons (``web/static/panel-card.html``)."""
    try:
        text = CARD.read_text(encoding="utf-8")
    except OSError:
        bottle.abort(404)
    bottle.request.environ["siaran.csp"] = CARD_CSP  # the card carries its own print stylesheet
    return text


CARD_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
