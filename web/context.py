"""What every page handler needs from the request: the store, the user, form fields, flash and redirects.

One :class:`Site` per web process holds the configuration and the signing
key; each server thread opens its own :class:`~firmware.queue.store.Store` on the
SQLite file (the only thing shared with the daemon).
"""

from __future__ import annotations

import base64
import functools
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import bottle

from firmware.office.config import Config
from firmware.errors import pesan_of
from firmware.people.numbers import national
from firmware.people.privacy import mask_number
from firmware.queue.store import Store, db_path
from web import auth
from web.auth import User

SESSION_COOKIE = "siaran_session"
PRE_COOKIE = "siaran_pre"  # CSRF for the login and first-run forms, before there is a session
FLASH_COOKIE = "siaran_flash"
LANG_COOKIE = "siaran_lang"
_URL_SAFE = "/%:@!$&'()*+,;=-._~"  # RFC 3986 path characters; anything else is percent-encoded
FIELD_MAX = 4000  # longest text field accepted (a message is at most 10 segments of 160)


class Site:
    """The web process: configuration, signing key, clock and one store per thread."""

    def __init__(self, config: Config, *, clock: Callable[[], float] = time.time):
        self.config = config
        self.clock = clock
        self.state_dir = Path(config.state_dir)
        self.db_file = db_path(self.state_dir)
        Store(self.db_file, clock=clock).close()  # create or migrate once, under the migration lock
        self.key = auth.load_key(self.state_dir)
        self.uploads = self.state_dir / "uploads"
        self.uploads.mkdir(mode=0o700, exist_ok=True)
        self._local = threading.local()
        self._opened: list[Store] = []
        self._lock = threading.Lock()

    def store(self) -> Store:
        """This thread's connection to the SQLite file."""
        s = getattr(self._local, "store", None)
        if s is None:
            s = Store(self.db_file, clock=self.clock, migrate=False)
            self._local.store = s
            with self._lock:
                self._opened.append(s)
        return s

    def close(self) -> None:
        """Close every thread's connection (the server's threads have stopped)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for s in opened:
            s.close()


def site() -> Site:
    return bottle.request.app.config["siaran.site"]


def store() -> Store:
    return site().store()


def user() -> User | None:
    return bottle.request.environ.get("siaran.user")


def within() -> int | None:
    """The unit the logged-in user is limited to (None: an admin, every unit)."""
    u = user()
    return u.within if u is not None else None


def actor() -> str:
    u = user()
    return f"web:{u.username}" if u else "web:-"


def lang():
    """The request's :class:`~web.render.Lang` (``lang()("Bahasa", "English")``)."""
    return bottle.request.environ["siaran.lang"]


def shown_number(number: str | None) -> str:
    """A number as this user may see it: national form (``0812...``), masked for viewers (``0812****0000``)."""
    if not number:
        return "-"
    written = national(number)
    u = user()
    return written if u is not None and u.can("operator") else mask_number(written)


def error_text(exc: Exception) -> str:
    """A library error in the reader's language: ``pesan`` (Bahasa Indonesia; a general Bahasa sentence when the
    error has none, never its English text) or ``reason``/the message (English)."""
    reason = getattr(exc, "reason", None) or str(exc)
    return lang()(pesan_of(exc), reason)


def header(name: str) -> str | None:
    """A request header as text, or None when absent. Bytes that are not UTF-8 become U+FFFD instead of the
    UnicodeDecodeError (a 500) ``bottle.request.get_header`` raises on them."""
    raw = bottle.request.environ.get("HTTP_" + name.upper().replace("-", "_"))
    if raw is None:
        return None
    return raw.encode("latin-1", "replace").decode("utf-8", "replace")


def client() -> str:
    """The address the request came from (the TCP peer: never a client-supplied ``X-Forwarded-For``,
    which would let anyone pick the address their failed logins are counted against)."""
    return (bottle.request.environ.get("REMOTE_ADDR") or "-")[:64]


def require(role: str = "viewer") -> Callable:
    """Decorator: the route needs a logged-in user with ``role`` or above; else login page or 403."""
    def wrap(handler: Callable) -> Callable:
        @functools.wraps(handler)
        def inner(*args: Any, **kwargs: Any) -> Any:
            u = user()
            if u is None:
                target = bottle.request.fullpath
                if bottle.request.query_string and bottle.request.method == "GET":
                    target += "?" + bottle.request.query_string
                bottle.redirect("/login?next=" + bottle.urlquote(target) if bottle.request.method == "GET"
                                else "/login")
            if not u.can(role):
                bottle.abort(403, "role")
            return handler(*args, **kwargs)
        inner.siaran_role = role  # type: ignore[attr-defined]  # read by the route-coverage test
        return inner
    return wrap


def field(name: str, default: str = "", *, maxlen: int = FIELD_MAX) -> str:
    """A form field as text (UTF-8), stripped; NUL and other control characters except newline removed."""
    value = bottle.request.forms.getunicode(name, default=None)
    if value is None:
        value = bottle.request.query.getunicode(name, default=None) if bottle.request.method == "GET" else None
    if value is None:
        return default
    value = "".join(ch for ch in value if ch in "\n\t" or ch >= " ").replace("\r", "")
    return value.strip()[:maxlen]


def storable(text: str) -> bool:
    """True when ``text`` can be written as UTF-8 (SQLite, a page, a log): no lone surrogates.

    JSON ``"\\ud800"`` and a form part declared ``charset=utf-7`` both decode to such text; it fails only
    later, as a 500, when something encodes it.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_form_text() -> None:
    """Decode the query and form fields once, where they enter: a field that is not UTF-8 text is refused
    with 400 naming it (Bahasa Indonesia and English), instead of a 500 later or a value silently dropped."""
    req = bottle.request
    try:
        sources = [req.query] + ([req.forms] if req.method in ("POST", "PUT", "PATCH") else [])
        for source in sources:
            for key, raw in source.allitems():
                name, value = _recode(source, key), _recode(source, raw) if isinstance(raw, str) else ""
                if name is None or value is None or not storable(name) or not storable(value):
                    shown = "".join(ch if ch.isprintable() and storable(ch) else "?" for ch in name or key)[:60]
                    bottle.abort(400, lang()(f"Kolom formulir “{shown}” bukan teks UTF-8 yang sah. "
                                             "Ketik ulang isinya lalu kirim lagi.",
                                             f"Form field “{shown}” is not valid UTF-8 text. "
                                             "Type it again and resend."))
    except UnicodeError:
        # A multipart part that does not decode in its declared charset: bottle fails while parsing.
        bottle.abort(400, lang()("Formulir berisi teks yang bukan UTF-8 yang sah. Muat ulang halaman lalu "
                                 "coba lagi.", "The form holds text that is not valid UTF-8. Reload the page "
                                 "and try again."))


def _recode(source: bottle.FormsDict, text: str) -> str | None:
    """A raw query/form string as the text the browser sent (bottle keeps url-encoded values as Latin-1
    code points of the UTF-8 bytes), or None when those bytes are not UTF-8."""
    if not source.recode_unicode:
        return text  # multipart: already decoded by bottle
    try:
        return text.encode("latin-1").decode(source.input_encoding)
    except UnicodeError:
        return None


def fields(name: str, *, maxlen: int = 200) -> list[str]:
    """Every value of a repeated form field (checkboxes, multi-selects)."""
    out = []
    forms = bottle.request.forms
    for raw in forms.getall(name):
        text = "".join(ch for ch in _recode(forms, raw) or "" if ch >= " ").strip()[:maxlen]
        if text:
            out.append(text)
    return out


def int_field(name: str, default: int | None = None, *, low: int | None = None, high: int | None = None) -> int | None:
    raw = field(name)
    if not raw:
        return default
    try:
        n = int(raw)
    except ValueError:
        return default
    if low is not None and n < low or high is not None and n > high:
        return default
    return n


def flash(text: str, kind: str = "ok", *, link: tuple[str, str] | None = None) -> None:
    """A one-time message shown on the next page (signed cookie, so no one can plant text in it).

    ``link``: (local path, label) shown after the text, e.g. the rejected rows of an import just saved."""
    body = {"kind": kind, "text": text.encode()[:1200].decode("utf-8", "ignore")}  # a cookie holds ~4 KB
    if link is not None:
        body["link"] = list(link)
    raw = base64.urlsafe_b64encode(json.dumps(body, ensure_ascii=False).encode()).decode().rstrip("=")
    bottle.response.set_cookie(FLASH_COOKIE, auth.sign(site().key, raw), path="/", httponly=True, samesite="strict")


def take_flash() -> tuple[str, str] | tuple[str, str, tuple[str, str]] | None:
    """(kind, text) or (kind, text, (path, label)) from the cookie :func:`flash` set; None when absent or forged."""
    raw = auth.unsign(site().key, bottle.request.get_cookie(FLASH_COOKIE))
    if raw is None:
        return None
    bottle.response.delete_cookie(FLASH_COOKIE, path="/")
    try:
        body = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict):
        return None
    kind = body.get("kind") if body.get("kind") in ("ok", "error", "warn") else "ok"
    text = str(body.get("text", ""))
    link = body.get("link")
    if (isinstance(link, list) and len(link) == 2 and all(isinstance(x, str) for x in link)
            and link[0].startswith("/") and not link[0].startswith("//")):
        return kind, text, (link[0], link[1])
    return kind, text


def back(default: str = "/") -> str:
    """A safe place to return to: a local path from ``next``, never another site."""
    return local_path(field("next"), default)


def local_path(target: str | None, default: str = "/") -> str:
    """``target`` as a path on this site, or ``default`` when it could lead anywhere else.

    Checked after the normalisation the redirect itself applies (``bottle.redirect`` joins the value to the
    request's URL with :func:`urllib.parse.urljoin`, which drops tabs and newlines: ``/<TAB>/evil.example``
    becomes ``//evil.example``, another host), so what passes here is what the browser is sent to.
    Returns the normalised path, percent-encoded (a ``Location`` header is Latin-1 only).
    """
    if not target:
        return default
    try:
        parts = urlsplit(target)  # strips tab, CR and LF the way urljoin will
        final = urlsplit(urljoin("http://siaran.invalid/", target))
    except ValueError:  # "//[x": not even a URL ("Invalid IPv6 URL")
        return default
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or "\\" in target:
        return default
    if final.netloc != "siaran.invalid" or final.path.startswith("//"):
        return default
    return urlunsplit(("", "", quote(final.path, safe=_URL_SAFE), quote(final.query, safe=_URL_SAFE + "?"),
                       quote(final.fragment, safe=_URL_SAFE + "?")))
