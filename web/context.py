"""What every page handler needs from the request: the store, the user, form fields, flash and redirects.

One :class:`Site` per web process holds the configuration and the signing
key; each server thread opens its own :class:`~firmware.store.Store` on the
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

import bottle

from firmware.config import Config
from firmware.numbers import national
from firmware.privacy import mask_number
from firmware.store import Store, db_path
from web import auth
from web.auth import User

SESSION_COOKIE = "siaran_session"
PRE_COOKIE = "siaran_pre"  # CSRF for the login and first-run forms, before there is a session
FLASH_COOKIE = "siaran_flash"
LANG_COOKIE = "siaran_lang"
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
    """A library error in the reader's language: ``pesan`` (Bahasa Indonesia) or ``reason``/the message (English)."""
    pesan = getattr(exc, "pesan", None) or str(exc)
    reason = getattr(exc, "reason", None) or str(exc)
    return lang()(pesan, reason)


def client() -> str:
    return (bottle.request.remote_addr or "-")[:64]


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


def fields(name: str, *, maxlen: int = 200) -> list[str]:
    """Every value of a repeated form field (checkboxes, multi-selects)."""
    out = []
    for raw in bottle.request.forms.getall(name):
        try:
            text = raw.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            text = raw
        text = "".join(ch for ch in text if ch >= " ").strip()[:maxlen]
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
    target = field("next") or default
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
