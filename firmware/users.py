"""Accounts of the people who use the box (web page and maker-checker approvals).

Passwords are hashed with scrypt (stdlib ``hashlib.scrypt``, memory-hard), a
random salt per password; there is no default password anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from firmware.errors import SiaranError

ROLES = ("admin", "approver", "operator", "viewer")
_N, _R, _P = 2**14, 8, 1  # scrypt cost: ~16 MB, ~50 ms on a Pi 4
_NAME = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")


class UserError(SiaranError, ValueError):
    """A user could not be created or changed; ``pesan`` says why in Bahasa Indonesia."""

    def __init__(self, reason: str, pesan: str):
        self.reason = reason
        self.pesan = pesan
        super().__init__(reason)


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64) for ``password``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return f"scrypt${_N}${_R}${_P}${b64(salt)}${b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored`` (constant-time compare)."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(base64.b64decode(digest)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def add_user(store, username: str, role: str, password: str, *, actor: str) -> int:
    """Create an account; the password must have at least 10 characters."""
    if not _NAME.match(username or ""):
        raise UserError("username: 2-32 lowercase letters, digits, . _ -",
                        "Nama pengguna: 2-32 huruf kecil, angka, . _ -")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}", f"Peran harus salah satu dari {', '.join(ROLES)}")
    if len(password) < 10:
        raise UserError("password: at least 10 characters", "Kata sandi minimal 10 karakter")
    with store.tx() as c:
        if c.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
            raise UserError(f"user {username!r} exists", f"Pengguna {username!r} sudah ada")
        cur = c.execute("INSERT INTO users (username, password_hash, role, created_at) VALUES (?,?,?,?)",
                        (username, hash_password(password), role, store.clock()))
        store._audit(c, actor, "user_add", {"username": username, "role": role}, store.clock())
        return cur.lastrowid


def set_disabled(store, username: str, disabled: bool, *, actor: str) -> None:
    with store.tx() as c:
        if c.execute("UPDATE users SET disabled = ? WHERE username = ?", (int(disabled), username)).rowcount == 0:
            raise UserError(f"no user {username!r}", f"Tidak ada pengguna {username!r}")
        store._audit(c, actor, "user_disable" if disabled else "user_enable", {"username": username}, store.clock())


def list_users(store) -> list[dict]:
    return [dict(r) for r in store.conn.execute(
        "SELECT username, role, disabled, created_at FROM users ORDER BY username")]


def new_password() -> str:
    """A random password people can type: five groups of four letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(5))
