"""The LAN page as a Bottle application: hooks for sessions, CSRF, limits and headers; error pages.

``make_app(config)`` builds it; ``web/server.py`` serves it with waitress.
Page handlers live in ``web/pages/<area>.py``, each with ``register(app)``.
The page talks only to the SQLite file: if it crashes, sending goes on.
"""

from __future__ import annotations

import hmac
import importlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import bottle

from firmware.config import Config
from firmware.errors import SiaranError
from web import auth, context
from web.context import LANG_COOKIE, PRE_COOKIE, SESSION_COOKIE, Site
from web.render import Formats, Lang, page

log = logging.getLogger(__name__)

MAX_BODY = 20 * 1024 * 1024  # an office list of 100,000 rows as XLSX is ~4 MB
PAGE_MODULES = ("account", "dashboard", "contacts", "audiences", "compose", "campaigns", "inbox", "modems",
                "admin", "api")
PUBLIC_PATHS = ("/login", "/setup", "/static/", "/lang/", "/healthz", "/api/")
SECURITY_HEADERS = {
    # Everything is served from the box itself: there is no internet in the office.
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

bottle.BaseRequest.MEMFILE_MAX = 1024 * 1024  # form bodies above this spill to a temporary file


def make_app(config: Config, *, clock: Callable[[], float] = time.time) -> bottle.Bottle:
    """The Bottle app for ``config`` (its ``state_dir`` holds the SQLite file)."""
    app = bottle.Bottle(catchall=True)
    app.config["siaran.site"] = Site(config, clock=clock)
    app.add_hook("before_request", _before)
    app.add_hook("after_request", _after)
    app.install(_domain_errors)
    for code in (400, 403, 404, 405, 413, 500):
        app.error(code)(_error_page)
    for name in PAGE_MODULES:
        importlib.import_module(f"web.pages.{name}").register(app)
    return app


def _is_api() -> bool:
    return bottle.request.path.startswith("/api/")


def _before() -> None:
    req = bottle.request
    site = context.site()
    length = req.content_length
    if length > MAX_BODY:
        # Refuse before reading: a huge upload must not fill the SD card or memory.
        req.environ["siaran.too_big"] = True
        raise bottle.HTTPError(413, "too big")
    store = site.store()
    user = None
    if not _is_api():
        user = auth.session_user(store, auth.unsign(site.key, req.get_cookie(SESSION_COOKIE)))
    req.environ["siaran.user"] = user
    _view(user)
    if _is_api() or req.path.startswith("/static/"):
        return
    if req.method == "POST" and req.path not in ("/login", "/setup"):
        if user is None:
            raise bottle.HTTPResponse(status=303, headers={"Location": "/login"})
        if not auth.check_csrf(user, req.forms.get("csrf") or req.get_header("X-CSRF-Token")):
            raise bottle.HTTPError(403, "csrf")
    if req.method == "POST" and req.path in ("/login", "/setup"):
        given, cookie = req.forms.get("csrf") or "", req.get_cookie(PRE_COOKIE) or ""
        if not (given and cookie and hmac.compare_digest(given, cookie)):
            raise bottle.HTTPError(403, "csrf")
    if req.path not in ("/setup", "/healthz") and not req.path.startswith("/lang/") and auth.needs_setup(store):
        raise bottle.HTTPResponse(status=303, headers={"Location": "/setup"})
    view = req.environ["siaran.view"]
    if user is not None:
        view["hold"] = store.hold()
        # A background refresh (siaran.js marks it) must not eat the message meant for the page the user sees next.
        view["flash"] = context.take_flash() if req.headers.get("X-Requested-With") != "fetch" else None
        view["pending_approvals"] = store.conn.execute(
            "SELECT COUNT(*) FROM campaigns WHERE state = 'awaiting_approval'").fetchone()[0]


def _view(user=None) -> dict:
    """The values every template gets (language, formats, user, CSRF token), set once per request."""
    req = bottle.request
    if "siaran.view" not in req.environ:
        site = context.site()
        lang = Lang(req.get_cookie(LANG_COOKIE) or "id")
        req.environ["siaran.lang"] = lang
        req.environ["siaran.view"] = {
            "t": lang, "lang": lang.code, "fmt": Formats(lang, site.config.utc_offset_hours, site.clock),
            "user": user, "csrf": user.csrf if user else "", "path": req.path, "hold": None, "flash": None,
            "title": "",
        }
    return req.environ["siaran.view"]


def _after() -> None:
    res = bottle.response
    for k, v in SECURITY_HEADERS.items():
        res.set_header(k, v)
    if "siaran.csp" in bottle.request.environ:
        res.set_header("Content-Security-Policy", bottle.request.environ["siaran.csp"])
    if not bottle.request.path.startswith("/static/"):
        res.set_header("Cache-Control", "no-store")


def _domain_errors(callback: Callable) -> Callable:
    """A SiaranError a handler did not catch is the user's input: 400 with its Bahasa message, not a 500."""
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except SiaranError as exc:
            pesan = getattr(exc, "pesan", None) or str(exc)
            if _is_api():
                bottle.response.status = 400
                bottle.response.content_type = "application/json"
                return json.dumps({"error": str(exc), "pesan": pesan})
            raise bottle.HTTPError(400, pesan) from None
    return wrapper


_ERRORS = {
    400: ("Permintaan tidak dapat diproses", "The request could not be processed"),
    403: ("Tidak diizinkan", "Not allowed"),
    404: ("Halaman tidak ditemukan", "Page not found"),
    405: ("Cara akses tidak diizinkan", "Method not allowed"),
    413: ("Berkas terlalu besar (maksimal 20 MB)", "File too large (at most 20 MB)"),
    500: ("Terjadi kesalahan di Siaran", "Something went wrong in Siaran"),
}
_DETAILS = {
    "csrf": ("Formulir kedaluwarsa atau bukan dari halaman ini. Muat ulang halaman lalu coba lagi.",
             "The form expired or did not come from this page. Reload the page and try again."),
    "too big": ("Berkas atau data terlalu besar (maksimal 20 MB).", "File or data too large (at most 20 MB)."),
    "role": ("Peran Anda tidak boleh melakukan ini. Minta admin bila perlu.",
             "Your role may not do this. Ask an admin if needed."),
}


def _error_page(err: bottle.HTTPError) -> str:
    if err.status_code == 500:
        log.error("web: %s %s failed: %s", bottle.request.method, bottle.request.path, err.exception,
                  exc_info=err.exception)
    lang = _view(bottle.request.environ.get("siaran.user"))["t"]
    title = lang(*_ERRORS.get(err.status_code, ("Kesalahan", "Error")))
    body = err.body if isinstance(err.body, str) else ""
    detail = lang(*_DETAILS[body]) if body in _DETAILS else ("" if err.status_code in (404, 405, 500) else body)
    for k, v in SECURITY_HEADERS.items():
        bottle.response.set_header(k, v)
    if _is_api():
        bottle.response.content_type = "application/json"
        return json.dumps({"error": _ERRORS.get(err.status_code, ("", "error"))[1], "pesan": detail or title})
    try:
        return page("error", title=title, detail=detail, code=err.status_code)
    except Exception:  # noqa: BLE001 - the error page must not fail in turn
        log.exception("web: error page failed")
        return f"<!doctype html><title>{err.status_code}</title><h1>{err.status_code}</h1>"
