"""The LAN page as a Bottle application: hooks for sessions, CSRF, limits and headers; error pages.

``make_app(config)`` builds it; ``web/server.py`` serves it with waitress.
Page handlers live in ``web/pages/<area>.py``, each with ``register(app)``.
The page talks only to the SQLite file: if it crashes, sending goes on.
"""

from __future__ import annotations

import importlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import bottle

from firmware.campaigns import campaign as camp_mod
from firmware.office.config import Config
from firmware.errors import SiaranError, pesan_of
from web import auth, context
from web.context import LANG_COOKIE, PRE_COOKIE, SESSION_COOKIE, Site
from web.render import Formats, Lang, page

log = logging.getLogger(__name__)

MAX_BODY = 20 * 1024 * 1024  # an office list of 100,000 rows as XLSX is ~4 MB
PAGE_MODULES = ("account", "dashboard", "contacts", "audiences", "compose", "campaigns", "inbox", "warga", "modems",
                "admin", "smpp", "api", "units")
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

bottle.BaseRequest.MEMFILE_MAX = 1024 * 1024  # request bodies above this spill to a temporary file
#: A part of a multipart form larger than this (the uploaded file) spills to a temporary file.
PART_SPILL = 64 * 1024
#: All the form fields of one multipart form kept in memory together.
FORM_MEMORY = 1024 * 1024


def make_app(config: Config, *, clock: Callable[[], float] = time.time) -> bottle.Bottle:
    """The Bottle app for ``config`` (its ``state_dir`` holds the SQLite file)."""
    app = bottle.Bottle(catchall=True)
    app.router.add_filter("int", _sqlite_int)  # before any route is added: rules compile their filters then
    app.config["siaran.site"] = Site(config, clock=clock)
    app.add_hook("before_request", _before)
    app.add_hook("after_request", _after)
    app.install(_domain_errors)
    for code in (400, 403, 404, 405, 413, 500):
        app.error(code)(_error_page)
    for name in PAGE_MODULES:
        importlib.import_module(f"web.pages.{name}").register(app)
    return app


def _sqlite_int(_conf: str) -> tuple[str, Callable, Callable]:
    """The ``<name:int>`` route filter, with ids SQLite can hold: at most 18 digits. A longer one is simply
    not found (404); bottle's own filter passed it on and SQLite's OverflowError was a 500."""
    return r"-?\d{1,18}", int, lambda x: str(int(x))


def _is_api() -> bool:
    return bottle.request.path.startswith("/api/")


def _before() -> None:
    req = bottle.request
    try:
        urlsplit(req.url)  # every redirect joins onto this URL: a Host header like "[x" must not make it a 500
    except ValueError:
        raise bottle.HTTPError(400, "host") from None
    site = context.site()
    length = req.content_length
    if length > MAX_BODY:
        # Refuse before reading: a huge upload must not fill the SD card or memory.
        req.environ["siaran.too_big"] = True
        raise bottle.HTTPError(413, "too big")
    if req.method == "POST":
        _parse_multipart(req)
    store = site.store()
    user = None
    if not _is_api():
        user = auth.session_user(store, auth.unsign(site.key, req.get_cookie(SESSION_COOKIE)))
    req.environ["siaran.user"] = user
    _view(user)
    if _is_api() or req.path.startswith("/static/"):
        return
    context.check_form_text()
    if req.method == "POST" and req.path not in ("/login", "/setup"):
        if user is None:
            raise bottle.HTTPResponse(status=303, headers={"Location": "/login"})
        if not auth.check_csrf(user, req.forms.get("csrf") or context.header("X-CSRF-Token")):
            raise bottle.HTTPError(403, "csrf")
    if req.method == "POST" and req.path in ("/login", "/setup"):
        given, cookie = req.forms.get("csrf") or "", req.get_cookie(PRE_COOKIE) or ""
        if not (cookie and auth.same_secret(given, cookie)):
            raise bottle.HTTPError(403, "csrf")
    if req.path not in ("/setup", "/healthz") and not req.path.startswith("/lang/") and auth.needs_setup(store):
        raise bottle.HTTPResponse(status=303, headers={"Location": "/setup"})
    view = req.environ["siaran.view"]
    if user is not None:
        view["hold"] = store.hold()
        # A background refresh (siaran.js marks it) must not eat the message meant for the page the user sees next.
        view["flash"] = context.take_flash() if context.header("X-Requested-With") != "fetch" else None
        view["pending_approvals"] = len(camp_mod.awaiting_approval(store, within=user.within))


def _parse_multipart(req: bottle.BaseRequest) -> None:
    """Parse a multipart form (the import upload) into ``req.POST`` with limits of our own.

    Bottle's own parse uses ``MEMFILE_MAX`` both as the size at which a part spills
    to disk and as the memory allowed for all buffered parts together: a file part
    that grows by short lines (a CSV with CRLF line ends) reaches that total just
    before it would spill, and a 2 MB list failed with "Memory limit reached".
    Here a part spills at :data:`PART_SPILL`, the small fields share
    :data:`FORM_MEMORY`, and the whole upload is capped at :data:`MAX_BODY`.
    """
    ctype, options = bottle._parse_http_header(req.environ.get("CONTENT_TYPE", ""))[0]
    if not ctype.startswith("multipart/"):
        return
    post = bottle.FormsDict()
    post.recode_unicode = False
    try:
        parser = bottle._MultipartParser(req.body, options.get("boundary") or "", req.content_length,
                                         disk_limit=MAX_BODY, mem_limit=FORM_MEMORY, memfile_limit=PART_SPILL,
                                         charset=options.get("charset", "utf8"))
        for part in parser.parse():
            if not part.filename and part.is_buffered():
                post[part.name] = _part_text(part)
            else:
                post[part.name] = bottle.FileUpload(part.file, part.name, part.filename, part.headerlist)
    except bottle.MultipartError as exc:
        too_big = "limit reached" in str(exc.body)
        log.info("web: multipart form refused: %s", exc.body)
        raise bottle.HTTPError(413 if too_big else 400, "too big" if too_big else "form") from None
    req.environ["bottle.request.post"] = post


def _part_text(part) -> str:
    """A small form part's text in its declared charset; bytes that do not decode are kept as lone
    surrogates, so that :func:`context.check_form_text` refuses the field by name (not a 500 here)."""
    try:
        return part.value
    except (UnicodeError, LookupError):  # undecodable bytes, or a charset Python does not know
        return part.raw.decode("utf-8", "surrogateescape")


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
            if _is_api():
                bottle.response.status = 400
                bottle.response.content_type = "application/json"
                return json.dumps({"error": str(exc), "pesan": pesan_of(exc)})
            raise bottle.HTTPError(400, context.error_text(exc)) from None
    return wrapper


_ERRORS = {
    400: ("Permintaan tidak dapat diproses", "The request could not be processed"),
    403: ("Tidak diizinkan", "Not allowed"),
    404: ("Halaman tidak ditemukan", "Page not found"),
    405: ("Cara akses tidak diizinkan", "Method not allowed"),
    413: ("Data terlalu besar", "Too much data"),
    500: ("Terjadi kesalahan di Siaran", "Something went wrong in Siaran"),
}
_DETAILS = {
    "csrf": ("Formulir kedaluwarsa atau bukan dari halaman ini. Muat ulang halaman lalu coba lagi.",
             "The form expired or did not come from this page. Reload the page and try again."),
    "too big": ("Berkas atau data terlalu besar (maksimal 20 MB).", "File or data too large (at most 20 MB)."),
    "form": ("Formulir unggahan rusak atau tidak lengkap. Muat ulang halaman lalu unggah lagi.",
             "The upload form was damaged or incomplete. Reload the page and upload again."),
    "role": ("Peran Anda tidak boleh melakukan ini. Minta admin bila perlu.",
             "Your role may not do this. Ask an admin if needed."),
    "host": ("Alamat situs (header Host) pada permintaan ini tidak sah.", "The request's Host header is not valid."),
    # Bottle's own English reasons, said in the reader's language:
    "Request entity too large": ("Isian formulir terlalu panjang (teks maksimal 1 MB; berkas maksimal 20 MB).",
                                 "The form's text is too long (text at most 1 MB; files at most 20 MB)."),
    "Invalid JSON": ("Data JSON tidak sah.", "The JSON data is not valid."),
    "Error while parsing chunked transfer body.": ("Data yang dikirim terpotong atau rusak. Coba kirim lagi.",
                                                   "The data sent was cut off or damaged. Try sending it again."),
    "Path has wrong format.": ("Alamat halaman tidak sah.", "The page address is not valid."),
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
