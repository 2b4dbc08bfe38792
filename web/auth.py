"""Who is asking: sessions, login throttling, CSRF tokens and roles for the LAN page.

Sessions are server-side rows (``web_sessions``, read and written by :mod:`firmware.office.sessions`): the cookie holds a random
token signed with the box's key (so a forged cookie is refused without a
database lookup); the row keeps only the token's SHA-256, so a copy of the
database lets nobody in. Logging out or disabling a user deletes the rows.
Every state-changing request carries the session's CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from firmware.office import sessions
from firmware.office import users as users_mod

ROLE_RANK = {"viewer": 0, "operator": 1, "approver": 2, "admin": 3}
SESSION_IDLE = 12 * 3600.0  # an office day; then log in again
SESSION_MAX = 7 * 86400.0
THROTTLE_WINDOW = 15 * 60.0
THROTTLE_FREE = 5  # failed logins per (user name, address) before that pair waits
THROTTLE_CLIENT = 30  # failed logins from one address (any names) in the window before the address waits
THROTTLE_MAX_WAIT = 15 * 60.0


@dataclass(frozen=True)
class User:
    username: str
    role: str
    csrf: str

    def can(self, role: str) -> bool:
        """True when this user's role is ``role`` or above it (admin > approver > operator > viewer)."""
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK[role]


def load_key(state_dir: str | Path) -> bytes:
    """The box's signing key (``web.key`` in the state folder, 0600), made on first use."""
    path = Path(state_dir) / "web.key"
    try:
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(32)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, path)  # first writer wins when two processes start together
    except FileExistsError:
        key = path.read_bytes()
    finally:
        tmp.unlink(missing_ok=True)
    return key


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign(key: bytes, token: str) -> str:
    mac = hmac.new(key, token.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{token}.{mac}"


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time check that a secret from the request (token, MAC) equals ours.

    Compares UTF-8 bytes: ``hmac.compare_digest`` raises TypeError on text with non-ASCII characters, which
    anyone can send (a form field, a header), and that was a 500.
    """
    if not given:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def unsign(key: bytes, value: str | None) -> str | None:
    """The token inside a signed cookie value, or None when it is missing or forged."""
    if not value or value.count(".") != 1:
        return None
    token, mac = value.split(".")
    good = hmac.new(key, token.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]
    return token if same_secret(mac, good) else None


def needs_setup(store) -> bool:
    """True until the first admin account exists (there is no default password)."""
    return not sessions.admin_exists(store)


def start_session(store, username: str, client: str) -> str:
    """A new session for ``username``; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    sessions.add_session(store, _hash(token), username, secrets.token_urlsafe(24), client, idle=SESSION_IDLE,
                         lifetime=SESSION_MAX)
    return token


def session_user(store, token: str | None) -> User | None:
    """The logged-in user behind ``token``, or None (expired, idle, logged out or disabled)."""
    if not token:
        return None
    now = store.clock()
    row = sessions.get_session(store, _hash(token))
    if row is None or row["disabled"] or row["expires_at"] < now or row["last_seen"] < now - SESSION_IDLE:
        return None
    if now - row["last_seen"] > 60:  # keep writes rare: the page polls every few seconds
        sessions.touch_session(store, _hash(token), now)
    return User(row["username"], row["role"], row["csrf"])


def end_session(store, token: str | None) -> None:
    if token:
        sessions.delete_session(store, _hash(token))


def end_sessions_of(store, username: str) -> None:
    """Log ``username`` out everywhere (disabled, password changed)."""
    sessions.delete_sessions_of(store, username)


def after_reset(store, username: str) -> None:
    """After an administrator's password reset: log ``username`` out everywhere and forget
    their failed logins, so a locked-out person can log in with the new password at once."""
    sessions.delete_sessions_of(store, username, failures=True)


def unlock(store, username: str, actor: str) -> int:
    """Forget ``username``'s failed logins from every address (the Users page's "unlock"); audited.
    Returns how many failures were forgotten."""
    return sessions.forget_failures(store, username, actor)


def throttle_address(client: str) -> str:
    """The address failures are counted against: an IPv4 address as is, an IPv6 one as its /64 (one
    computer may take any address in its /64 at will, so counting each one would be no limit)."""
    try:
        ip = ipaddress.ip_address(client.split("%", 1)[0])
    except ValueError:
        return client
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


def _pair_wait(failures: int, last: float) -> float:
    """When a (name, address) pair with ``failures`` in the window, the latest at ``last``, may try again:
    free for the first few, then 30 s doubling up to 15 minutes."""
    if failures < THROTTLE_FREE:
        return 0.0
    return last + min(30.0 * 2 ** (failures - THROTTLE_FREE), THROTTLE_MAX_WAIT)


def login_wait(store, username: str, client: str) -> float:
    """Seconds ``username`` must wait before trying again from ``client`` (0: may try now).

    Failures count against the pair (name, address) and against the address alone, never against the
    name from everywhere: a stranger's wrong passwords lock the stranger's own PC, not the account, so no
    one on the LAN can keep the owner (an admin included) locked out of their account from their own PC.
    Five free tries per pair in 15 minutes, then the wait doubles from 30 s up to 15 minutes; an address
    with 30 failures in 15 minutes, whatever the names, waits the window out. A guesser gets a few dozen
    tries an hour per address; a person who mistyped is not locked out for long.
    """
    client = throttle_address(client)
    now = store.clock()
    since = now - THROTTLE_WINDOW
    n_pair, last_pair = sessions.failures_of_pair(store, username, client, since)
    n_client, last_client = sessions.failures_of_client(store, client, since)
    wait = _pair_wait(n_pair, last_pair) - now if n_pair else 0.0
    if n_client >= THROTTLE_CLIENT:
        wait = max(wait, last_client + THROTTLE_WINDOW - now)
    return max(wait, 0.0)


def locks(store) -> dict[str, Any]:
    """Who is locked out right now, for the Users page.

    ``{"accounts": {username: [{"client", "until", "failures"}, ...]}, "addresses": [{"client", "until",
    "failures"}, ...]}``: the (name, address) pairs waiting, and the addresses waiting for every name.
    """
    now = store.clock()
    since = now - THROTTLE_WINDOW
    accounts: dict[str, list[dict[str, Any]]] = {}
    for username, client, n, last in sessions.pairs_failing(store, since, THROTTLE_FREE):
        until = _pair_wait(n, last)
        if until > now:
            accounts.setdefault(username, []).append({"client": client, "until": until, "failures": n})
    addresses = [{"client": client, "until": last + THROTTLE_WINDOW, "failures": n}
                 for client, n, last in sessions.clients_failing(store, since, THROTTLE_CLIENT)]
    return {"accounts": accounts, "addresses": addresses}


@dataclass(frozen=True)
class LoginResult:
    username: str | None  # set when the password was right
    wait: float  # seconds before the next try is allowed
    throttled: bool  # refused without checking the password


def check_login(store, username: str, password: str, client: str) -> LoginResult:
    """Check a login, recording a failure; a throttled attempt is refused before the password is checked."""
    username = (username or "").strip().lower()[:64]
    wait = login_wait(store, username, client)
    if wait > 0:
        return LoginResult(None, wait, True)
    row = sessions.login_row(store, username)
    # Hash even for an unknown name, so the answer's timing does not tell which names exist.
    stored = row["password_hash"] if row else _DUMMY_HASH
    ok = users_mod.verify_password(password or "", stored) and row is not None and not row["disabled"]
    sessions.record_login(store, username, throttle_address(client), ok, audit_client=client)
    if ok:
        return LoginResult(username, 0.0, False)
    return LoginResult(None, login_wait(store, username, client), False)


_DUMMY_HASH = users_mod.hash_password(secrets.token_urlsafe(16))


def check_csrf(user: User | None, given: str | None) -> bool:
    return bool(user and same_secret(given, user.csrf))
