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

from firmware.errors import BilingualError
from firmware.office import units as units_mod

ROLES = ("admin", "approver", "operator", "viewer")
_N, _R, _P = 2**14, 8, 1  # scrypt cost: ~16 MB, ~50 ms on a Pi 4
_NAME = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")


class UserError(BilingualError, ValueError):
    """A user could not be created or changed; ``pesan`` says why in Bahasa Indonesia."""


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


def add_user(store, username: str, role: str, password: str, *, actor: str, unit: int | str | None = None) -> int:
    """Create an account in ``unit`` (id or name; default: the first unit, ``Kantor``); the password must have
    at least 10 characters."""
    if not _NAME.match(username or ""):
        raise UserError("username: 2-32 lowercase letters, digits, . _ -",
                        "Nama pengguna: 2-32 huruf kecil, angka, . _ -")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}", f"Peran harus salah satu dari {', '.join(ROLES)}")
    _check_password(password)
    unit_id = units_mod.get_unit(store, units_mod.DEFAULT_UNIT if unit is None else unit)["id"]
    with store.tx() as c:
        if c.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
            raise UserError(f"user {username!r} exists", f"Pengguna {username!r} sudah ada")
        cur = c.execute("INSERT INTO users (username, password_hash, role, created_at, unit_id) VALUES (?,?,?,?,?)",
                        (username, hash_password(password), role, store.clock(), unit_id))
        store._audit(c, actor, "user_add", {"username": username, "role": role, "unit": unit_id}, store.clock())
        return cur.lastrowid


def _check_password(password: str) -> None:
    if len(password) < 10:
        raise UserError("password: at least 10 characters", "Kata sandi minimal 10 karakter")
    if len(password) > 1024:
        raise UserError("password: at most 1024 characters", "Kata sandi maksimal 1024 karakter")


def _row(c, username: str):
    row = c.execute("SELECT username, role, disabled, password_hash FROM users WHERE username = ?",
                    (username,)).fetchone()
    if row is None:
        raise UserError(f"no user {username!r}", f"Tidak ada pengguna {username!r}")
    return row


def _keep_an_admin(c, row, *, disabling: bool = False, new_role: str | None = None) -> None:
    """Refuse to disable or demote the last active admin (nobody could manage the box any more)."""
    if row["role"] != "admin" or row["disabled"]:
        return
    if not disabling and (new_role is None or new_role == "admin"):
        return
    others = c.execute("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND username != ?",
                       (row["username"],)).fetchone()[0]
    if others == 0:
        raise UserError(f"{row['username']!r} is the last active admin",
                        f"{row['username']!r} adalah admin aktif terakhir; tambah admin lain dulu.")


def set_disabled(store, username: str, disabled: bool, *, actor: str) -> None:
    """Disable or enable an account (the last active admin cannot be disabled). Audited."""
    with store.tx() as c:
        row = _row(c, username)
        if disabled:
            _keep_an_admin(c, row, disabling=True)
        c.execute("UPDATE users SET disabled = ? WHERE username = ?", (int(disabled), username))
        store._audit(c, actor, "user_disable" if disabled else "user_enable", {"username": username}, store.clock())


def set_role(store, username: str, role: str, *, actor: str) -> None:
    """Change an account's role (the last active admin cannot be demoted). Audited."""
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}", f"Peran harus salah satu dari {', '.join(ROLES)}")
    with store.tx() as c:
        row = _row(c, username)
        if row["role"] == role:
            return
        _keep_an_admin(c, row, new_role=role)
        c.execute("UPDATE users SET role = ? WHERE username = ?", (role, username))
        store._audit(c, actor, "user_role", {"username": username, "from": row["role"], "to": role}, store.clock())


def set_unit(store, username: str, unit: int | str, *, actor: str) -> None:
    """Move an account to another unit (id or name): from then on it sees that unit's campaigns. Audited."""
    unit_id = units_mod.get_unit(store, unit)["id"]
    with store.tx() as c:
        row = _row(c, username)
        old = c.execute("SELECT unit_id FROM users WHERE username = ?", (username,)).fetchone()[0]
        if old == unit_id:
            return
        c.execute("UPDATE users SET unit_id = ? WHERE username = ?", (unit_id, row["username"]))
        names = units_mod.unit_names(store)
        store._audit(c, actor, "user_unit", {"username": username, "unit_id": unit_id, "unit": names.get(unit_id),
                                             "previous_unit": names.get(old)}, store.clock())


def set_password(store, username: str, password: str, *, actor: str) -> None:
    """Give ``username`` a new password (at least 10 characters). Audited (never the password).

    Sessions are the web page's business: a reset ends them (``web.auth.after_reset``)."""
    _check_password(password)
    hashed = hash_password(password)
    with store.tx() as c:
        _row(c, username)
        c.execute("UPDATE users SET password_hash = ? WHERE username = ?", (hashed, username))
        store._audit(c, actor, "user_password", {"username": username}, store.clock())


def check_password(store, username: str, password: str) -> bool:
    """True when ``password`` is ``username``'s current password (for changing it)."""
    row = store.conn.execute("SELECT password_hash FROM users WHERE username = ?", (username,)).fetchone()
    return row is not None and verify_password(password or "", row["password_hash"])


def get_user(store, username: str) -> dict | None:
    row = store.conn.execute(_SELECT + " WHERE s.username = ?", (username,)).fetchone()
    return dict(row) if row else None


def list_users(store) -> list[dict]:
    return [dict(r) for r in store.conn.execute(_SELECT + " ORDER BY s.username")]


_SELECT = ("SELECT s.username, s.role, s.disabled, s.created_at, s.unit_id, u.name AS unit FROM users s"
           " LEFT JOIN units u ON u.id = s.unit_id")


def new_password() -> str:
    """A random password people can type: five groups of four letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(5))
