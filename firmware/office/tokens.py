"""API tokens for other systems (e.g. BPBD's early-warning system) calling ``/api/v1``.

A token is ``siaran_`` + 43 random URL-safe characters (256 bits), shown to
the admin ONCE; the table ``api_tokens`` keeps only its SHA-256, so a copy
of the SQLite file lets nobody call the API.  Each token belongs to a named
system and carries scopes:

- ``send``: queue one-off messages (``POST /api/v1/messages``);
- ``campaign``: create campaigns to saved audiences (``POST /api/v1/campaigns``);
- ``read``: read status, messages and campaigns;
- ``emergency``: additionally needed to send or create anything as an emergency.

Creating and revoking are audited (actor ``web:<admin>``); calls made with a
token are audited with actor ``api:<token name>``.  The rate limiter here
keeps per-token request times in the web process's memory (one process).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from firmware.errors import BilingualError
from firmware.queue.store import Store

PREFIX = "siaran_"
#: Scope -> (Bahasa Indonesia, English) description, in the order the page shows them.
SCOPES: dict[str, tuple[str, str]] = {
    "send": ("kirim pesan satuan ke nomor yang diberikan", "queue one-off messages to given numbers"),
    "campaign": ("buat kampanye ke audiens tersimpan", "create campaigns to saved audiences"),
    "read": ("baca status antrean, pesan dan kampanye", "read queue, message and campaign status"),
    "emergency": ("boleh menandai pesan/kampanye sebagai DARURAT (bersama send/campaign)",
                  "may mark messages/campaigns as EMERGENCY (together with send/campaign)"),
}
MAX_NAME = 64
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$")
#: ``last_used_at`` is written at most this often per token (a write per call would contend with the daemon).
LAST_USED_EVERY = 60.0
#: Requests a token may make per minute when the setting ``api_rate_per_minute`` is unset.
DEFAULT_RATE_PER_MINUTE = 60


class TokenError(BilingualError, ValueError):
    """A token could not be created or revoked; ``pesan`` says why in Bahasa Indonesia."""


@dataclass(frozen=True)
class Token:
    """An active token, as a request authenticated with it sees it."""

    id: int
    name: str
    scopes: frozenset[str]

    @property
    def actor(self) -> str:
        return f"api:{self.name}"

    def has(self, scope: str) -> bool:
        return scope in self.scopes


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def check_name(name: Any) -> str:
    """The system's name: 1..64 letters, digits, spaces, ``.``, ``_``, ``-``; inner spaces collapsed."""
    if not isinstance(name, str) or not name.strip():
        raise TokenError("token name is empty", "Nama sistem/token kosong.")
    name = " ".join(name.split())
    if len(name) > MAX_NAME:
        raise TokenError(f"token name longer than {MAX_NAME} characters",
                         f"Nama token lebih dari {MAX_NAME} karakter.")
    if not _NAME.match(name):
        raise TokenError("token name: use letters, digits, spaces, '.', '_' or '-'",
                         "Nama token: gunakan huruf, angka, spasi, '.', '_' atau '-'.")
    return name


def check_scopes(scopes: Iterable[str]) -> list[str]:
    """The known scopes among ``scopes``, in :data:`SCOPES` order; TokenError on unknown or none."""
    given = {str(s) for s in scopes}
    chosen = [s for s in SCOPES if s in given]
    unknown = sorted(given - set(SCOPES))
    if unknown:
        raise TokenError(f"unknown scope(s): {', '.join(unknown)}", f"Cakupan tidak dikenal: {', '.join(unknown)}.")
    if not chosen:
        raise TokenError("choose at least one scope", "Pilih minimal satu cakupan (scope).")
    if chosen == ["emergency"]:
        raise TokenError("the emergency scope only adds to send or campaign",
                         "Cakupan emergency hanya menambah send atau campaign.")
    return chosen


def create(store: Store, name: Any, scopes: Iterable[str], actor: str) -> tuple[int, str]:
    """A new token for the system ``name``; return (id, the token itself: show it once, it is not kept)."""
    name = check_name(name)
    chosen = check_scopes(scopes)
    token = PREFIX + secrets.token_urlsafe(32)
    now = store.clock()
    with store.tx() as c:
        clash = c.execute("SELECT 1 FROM api_tokens WHERE LOWER(name) = LOWER(?) AND revoked_at IS NULL",
                          (name,)).fetchone()
        if clash:
            raise TokenError(f"an active token named {name!r} exists; revoke it first",
                             f"Sudah ada token aktif bernama {name!r}; cabut dulu.")
        token_id = c.execute(
            "INSERT INTO api_tokens (name, token_hash, scopes, created_by, created_at) VALUES (?,?,?,?,?)",
            (name, hash_token(token), json.dumps(chosen), actor, now)).lastrowid
        store._audit(c, actor, "api_token_create", {"token": token_id, "name": name, "scopes": chosen}, now)
    return token_id, token


def revoke(store: Store, token_id: int, actor: str) -> str:
    """Revoke the token ``token_id`` at once; return its name."""
    now = store.clock()
    with store.tx() as c:
        row = c.execute("SELECT name, revoked_at FROM api_tokens WHERE id = ?", (token_id,)).fetchone()
        if row is None:
            raise TokenError(f"no token {token_id}", f"Tidak ada token {token_id}.")
        if row["revoked_at"] is not None:
            raise TokenError(f"token {row['name']!r} is already revoked",
                             f"Token {row['name']!r} sudah dicabut.")
        c.execute("UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ?", (now, actor, token_id))
        store._audit(c, actor, "api_token_revoke", {"token": token_id, "name": row["name"]}, now)
    return row["name"]


def list_tokens(store: Store) -> list[dict[str, Any]]:
    """Every token (never the secret), active ones first, newest first."""
    out = []
    for r in store.conn.execute("SELECT id, name, scopes, created_by, created_at, revoked_at, revoked_by,"
                                " last_used_at FROM api_tokens ORDER BY revoked_at IS NOT NULL, id DESC"):
        item = dict(r)
        try:
            item["scopes"] = [s for s in json.loads(r["scopes"]) if isinstance(s, str)]
        except (ValueError, TypeError):
            item["scopes"] = []
        out.append(item)
    return out


def verify(store: Store, presented: str | None) -> tuple[Token | None, str]:
    """The token for an ``Authorization`` header's value; (None, why) when missing, unknown or revoked.

    ``why``: ``missing``, ``invalid`` or ``revoked``.
    """
    if not presented:
        return None, "missing"
    scheme, _, value = presented.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value.startswith(PREFIX) or len(value) > 200:
        return None, "invalid"
    digest = hash_token(value)
    row = store.conn.execute("SELECT id, name, token_hash, scopes, revoked_at, last_used_at FROM api_tokens"
                             " WHERE token_hash = ?", (digest,)).fetchone()
    if row is None or not hmac.compare_digest(row["token_hash"], digest):
        return None, "invalid"
    if row["revoked_at"] is not None:
        return None, "revoked"
    try:
        scopes = frozenset(s for s in json.loads(row["scopes"]) if isinstance(s, str))
    except (ValueError, TypeError):
        scopes = frozenset()
    now = store.clock()
    if row["last_used_at"] is None or now - row["last_used_at"] >= LAST_USED_EVERY:
        with store.tx() as c:
            c.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (now, row["id"]))
    return Token(row["id"], row["name"], scopes), ""


def rate_per_minute(store: Store) -> int:
    """The setting ``api_rate_per_minute`` (requests per token per minute), default 60."""
    value = store.get_setting("api_rate_per_minute", DEFAULT_RATE_PER_MINUTE)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 1:
        return DEFAULT_RATE_PER_MINUTE
    return int(value)


class RateLimiter:
    """A sliding one-minute window of request times per token (in memory: the web is one process)."""

    WINDOW = 60.0

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, token_id: int, limit: int) -> float:
        """Count one request; 0 when allowed, else the seconds to wait before the next one is."""
        now = self.clock()
        with self._lock:
            times = self._seen.setdefault(token_id, deque())
            while times and times[0] <= now - self.WINDOW:
                times.popleft()
            if len(times) >= limit:
                return max(0.001, times[len(times) - limit] + self.WINDOW - now)
            times.append(now)
            return 0.0
