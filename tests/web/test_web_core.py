"""The LAN page's core over real HTTP: first-run setup, login, sessions, throttling, CSRF, headers, limits."""

from __future__ import annotations

import sqlite3

from webtools import ADMIN_PASSWORD, PASSWORD, WebServer, first_admin

from firmware.office import users
from firmware.queue.store import Store


def test_first_run_asks_for_the_admin_and_there_is_no_default_password(web):
    c = web.client()
    r = c.get("/")
    assert r.status == 200 and 'action="/setup"' in r.text
    assert c.get("/login").text.count('action="/setup"') == 1  # login redirects to setup too
    with Store.in_state_dir(web.config.state_dir) as s:
        assert s.conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0
    # Mismatched and short passwords are refused in Bahasa Indonesia, keeping the name typed.
    r = c.post("/setup", {"username": "kasi", "password": "panjang-sekali-1", "password2": "lain-lagi-123"})
    assert "Kedua kata sandi tidak sama" in r.text and 'value="kasi"' in r.text
    r = c.post("/setup", {"username": "kasi", "password": "pendek", "password2": "pendek"})
    assert "minimal 10 karakter" in r.text
    r = c.post("/setup", {"username": "kasi", "password": ADMIN_PASSWORD, "password2": ADMIN_PASSWORD})
    assert r.status == 200 and "Dasbor" in r.text and "kasi" in r.text
    # Once an admin exists the setup page is closed, even to a forged form.
    other = web.client()
    assert 'action="/login"' in other.get("/setup").text
    other.get("/login")
    assert other.post("/setup", {"username": "evil", "password": "x" * 12, "password2": "x" * 12}).status == 403
    with Store.in_state_dir(web.config.state_dir) as s:
        assert [u["username"] for u in users.list_users(s)] == ["kasi"]
        row = s.conn.execute("SELECT password_hash FROM users").fetchone()[0]
        assert row.startswith("scrypt$") and ADMIN_PASSWORD not in row


def test_session_cookie_is_signed_httponly_samesite_and_only_a_hash_is_stored(web):
    c = web.client()
    c.get("/setup")
    r = c.post("/setup", {"username": "admin", "password": ADMIN_PASSWORD, "password2": ADMIN_PASSWORD},
               follow=False)
    cookie = next(v for v in r.cookies_set if v.startswith("siaran_session="))
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/" in cookie
    token = cookie.split("=", 1)[1].split(";")[0]
    raw, _, mac = token.rpartition(".")
    assert raw and mac
    with Store.in_state_dir(web.config.state_dir) as s:
        stored = [r[0] for r in s.conn.execute("SELECT token_hash FROM web_sessions")]
    assert stored and raw not in stored and token not in stored
    # A forged signature is not a session.
    forged = web.client()
    forged.cookies["siaran_session"] = raw + "." + "0" * len(mac)
    assert 'action="/login"' in forged.get("/").text


def test_login_logout_and_next(admin, web):
    c = web.client()
    r = c.get("/card")
    assert 'action="/login"' in r.text and 'name="next" value="/card"' in r.text
    r = c.post("/login", {"username": "admin", "password": ADMIN_PASSWORD, "next": "/card"})
    assert r.status == 200 and "unsafe-inline" in r.headers["content-security-policy"]
    # An off-site "next" is ignored.
    c2 = web.client()
    c2.get("/login")
    r = c2.post("/login", {"username": "admin", "password": ADMIN_PASSWORD, "next": "//evil.example/x"},
                follow=False)
    assert r.status == 303 and r.location.endswith("/") and "evil" not in r.location
    c.get("/")
    c.post("/logout")
    assert 'action="/login"' in c.get("/").text
    with Store.in_state_dir(web.config.state_dir) as s:
        actions = [r[0] for r in s.conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert "login" in actions and "logout" in actions


def test_wrong_password_is_throttled_after_five_tries(admin, web):
    c = web.client()
    c.get("/login")
    for _ in range(5):
        r = c.post("/login", {"username": "admin", "password": "salah-salah-1"})
        assert r.status == 401 and "Nama pengguna atau kata sandi salah" in r.text
    assert "tunggu" in r.text  # the fifth failure says a wait starts now
    r = c.post("/login", {"username": "admin", "password": "salah-salah-1"})
    assert r.status == 429 and "Terlalu banyak percobaan" in r.text
    # Even the right password waits now; the page says how long.
    r = c.post("/login", {"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status == 429 and "menit" in r.text
    with Store.in_state_dir(web.config.state_dir) as s:
        failed = s.conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed'").fetchone()[0]
    assert failed == 5  # a throttled attempt is refused before the password is checked


def test_unknown_user_and_disabled_user_cannot_log_in(admin, web):
    with Store.in_state_dir(web.config.state_dir) as s:
        users.add_user(s, "staf", "operator", PASSWORD, actor="test")
    c = web.client()
    assert c.login("tidakada", PASSWORD).status == 401
    staf = web.client()
    assert staf.login("staf", PASSWORD).status == 200
    with Store.in_state_dir(web.config.state_dir) as s:
        users.set_disabled(s, "staf", True, actor="test")
    # The live session stops working at once.
    assert 'action="/login"' in staf.get("/").text
    assert web.client().login("staf", PASSWORD).status == 401


def test_post_without_or_with_a_wrong_csrf_token_is_refused(admin):
    r = admin.post("/logout", csrf=False)
    assert r.status == 403 and "Formulir kedaluwarsa" in r.text
    assert admin.post("/logout", csrf="not-the-token").status == 403
    # Still logged in: the forged logout did nothing.
    assert "/logout" in admin.get("/").text
    # The login form has its own token (double-submit cookie).
    c = admin.__class__(admin.port)
    c.get("/login")
    assert c.post("/login", {"username": "admin", "password": ADMIN_PASSWORD}, csrf="x").status == 403


def test_security_headers_on_pages_errors_and_static(admin):
    for path in ("/", "/tidak-ada", "/static/siaran.css"):
        r = admin.get(path)
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
    assert admin.get("/").headers["cache-control"] == "no-store"
    r = admin.get("/tidak-ada")
    assert r.status == 404 and "Halaman tidak ditemukan" in r.text


def test_static_files_cannot_escape_their_folder(admin):
    for path in ("/static/../app.py", "/static/..%2fapp.py", "/static/%2e%2e/%2e%2e/pyproject.toml",
                 "/static//etc/passwd"):
        r = admin.get(path)
        assert r.status in (403, 404), path
        assert "import" not in r.text


def test_oversized_body_is_refused_before_it_is_read(admin):
    big = b"x" * (20 * 1024 * 1024 + 10)
    r = admin.request("POST", "/logout", big, {"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 413 and "terlalu besar" in r.text


def test_language_switch_keeps_the_page(admin):
    r = admin.get("/lang/en?next=/")
    assert "Dashboard" in r.text and "Log out" in r.text
    r = admin.get("/lang/id?next=https://evil.example/")
    assert "Dasbor" in r.text


def test_panel_card_is_served_to_users(admin, web):
    r = admin.get("/card")
    assert r.status == 200 and "<html" in r.text.lower()
    assert "unsafe-inline" in r.headers["content-security-policy"]  # its own print stylesheet
    assert 'action="/login"' in web.client().get("/card").text


def test_healthz_answers_without_data(web):
    r = web.client().get("/healthz")
    assert r.status == 200 and r.json() == {"ok": True}


def test_dashboard_shows_modems_queue_hold_and_the_panel_mirror(admin, web):
    with Store.in_state_dir(web.config.state_dir) as s:
        s.upsert_modem("sim800", port="/dev/ttyS0", state="ready", operator="TELKOMSEL", signal_dbm=-71,
                       registration="cs=home")
        s.enqueue(["+6281200000001", "+6281200000002"], "Uji", created_by="test")
        s.set_hold(True, reason="Masa tenang <b>Pemilu</b>", by="test")
    r = admin.get("/")
    assert "TELKOMSEL" in r.text and "▮▮▮▮▮" in r.text
    assert 'data-count="queued">2<' in r.text
    assert "PENGIRIMAN DITAHAN" in r.text and "Masa tenang &lt;b&gt;Pemilu&lt;/b&gt;" in r.text
    assert 'data-led="attention" data-pattern="on"' in r.text  # hold on: attention steady, as on the box
    assert 'data-led="sending" data-pattern="on"' in r.text  # messages wait
    live = admin.get("/dashboard/live")
    assert live.status == 200 and "<html" not in live.text and "TELKOMSEL" in live.text


def test_two_processes_share_only_the_file(tmp_path):
    """The page started on a folder the daemon already uses sees its data, and vice versa."""
    state = tmp_path / "state"
    with Store.in_state_dir(state) as s:
        s.upsert_modem("sim7600", port="/dev/ttyUSB2", state="ready", operator="XL", signal_dbm=-95)
    server = WebServer(state)
    try:
        a = first_admin(server)
        assert "XL" in a.get("/").text
    finally:
        server.close()
    con = sqlite3.connect(state / "siaran.db")
    assert con.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 1
    con.close()


def test_under_voltage_and_the_usb_stick_show_on_the_page(admin, web):
    """What the daemon's monitors write (throttled flags, USB state) reaches the dashboard and its LED mirror."""
    from firmware.box.undervoltage import ThrottleMonitor

    with Store.in_state_dir(web.config.state_dir) as s:
        s.upsert_modem("sim800", port="/dev/ttyS0", state="ready", registration="cs=home")
        ThrottleMonitor(reader=lambda: 0x50005).poll(s)  # under-voltage now and since boot
    r = admin.get("/")
    assert "under-voltage" in r.text.lower() and "0x50005" in r.text
    assert 'data-led="attention" data-pattern="slow"' in r.text  # "look at the page", as on the box
    with Store.in_state_dir(web.config.state_dir) as s:
        s.set_setting("usb_state", {"state": "busy"}, by="usb")
    r = admin.get("/dashboard/live")
    assert 'data-led="attention" data-pattern="fast"' in r.text and "JANGAN dicabut" in r.text


def test_templates_are_compiled_once_not_per_request(admin):
    """Bottle caches templates by the lookup list's identity; a new list per render leaked ~50 KB a page."""
    import bottle

    for _ in range(3):
        admin.get("/")
        admin.get("/dashboard/live")
    cached = len(bottle.TEMPLATES)
    for _ in range(20):
        admin.get("/")
        admin.get("/dashboard/live")
    assert len(bottle.TEMPLATES) == cached


def test_siaran_web_says_when_its_port_is_taken(web, tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    siaran = Path(sys.executable).parent / "siaran"
    proc = subprocess.run([str(siaran), "web", "--state-dir", str(tmp_path / "other"), "--host", "127.0.0.1",
                           "--port", str(web.port)], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    err = json.loads(proc.stdout or proc.stderr)
    assert "port" in err["pesan"] and str(web.port) in err["pesan"]


def test_a_strangers_wrong_passwords_do_not_lock_the_owner_out_of_their_own_pc(admin, web):
    """Issue 9: five wrong passwords from anywhere locked the account everywhere, and ~7 requests per 15 minutes
    kept any account (admin included) locked. Now the lock is per (account, address) and per address."""
    stranger = web.client(source="127.0.0.2")  # another computer on the LAN
    stranger.get("/login")
    for _ in range(6):
        r = stranger.post("/login", {"username": "admin", "password": "tebak-tebakan-1"})
    # The owner, on their own PC, still gets in with the right password.
    owner = web.client()
    assert owner.login("admin", ADMIN_PASSWORD).status == 200 and "/logout" in owner.get("/").text
    assert r.status == 429 and "dari komputer ini" in r.text
    assert stranger.post("/login", {"username": "admin", "password": ADMIN_PASSWORD}).status == 429
    # The Users page shows the lock (which account, from which address) and lifts it.
    r = admin.get("/users")
    assert 'data-locked="127.0.0.2"' in r.text and "terkunci" in r.text
    r = admin.post("/users/admin/unlock")
    assert r.status == 200 and 'data-locked="127.0.0.2"' not in r.text and "Kunci masuk admin dibuka" in r.text
    assert stranger.login("admin", ADMIN_PASSWORD).status == 200
    with Store.in_state_dir(web.config.state_dir) as s:
        assert s.conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'user_unlock'").fetchone()[0] == 1


def test_login_throttle_by_pair_and_by_address(tmp_path):
    """The rules on the store's clock: five free tries per (name, address), then 30 s doubling to 15 min; 30
    failures from one address lock that address for every name; the right password from another address and
    the console reset still work; a success forgets only its own address's failures."""
    from web import auth

    now = [1_800_000_000.0]
    with Store(tmp_path / "siaran.db", clock=lambda: now[0]) as s:
        users.add_user(s, "admin", "admin", ADMIN_PASSWORD, actor="test")
        users.add_user(s, "staf", "operator", PASSWORD, actor="test")
        for i in range(5):
            assert auth.check_login(s, "admin", "salah-salah-1", "192.0.2.66").throttled is False
        assert 29 < auth.login_wait(s, "admin", "192.0.2.66") <= 30
        assert auth.login_wait(s, "admin", "192.0.2.10") == 0 and auth.login_wait(s, "staf", "192.0.2.66") == 0
        # A stranger keeping the pair locked (one try each time the wait ends) never touches the owner.
        for _ in range(20):
            now[0] += auth.login_wait(s, "admin", "192.0.2.66") + 1
            auth.check_login(s, "admin", "salah-salah-1", "192.0.2.66")
            assert auth.check_login(s, "admin", ADMIN_PASSWORD, "192.0.2.10").username == "admin"
        assert auth.login_wait(s, "admin", "192.0.2.66") > 0
        assert list(auth.locks(s)["accounts"]) == ["admin"]
        assert [x["client"] for x in auth.locks(s)["accounts"]["admin"]] == ["192.0.2.66"]
        # Spraying many names from one address locks the address for every name, right password included.
        now[0] += 3600
        for i in range(auth.THROTTLE_CLIENT):
            auth.check_login(s, f"nama{i}", "salah-salah-1", "192.0.2.77")
        r = auth.check_login(s, "staf", PASSWORD, "192.0.2.77")
        assert r.throttled and r.username is None and r.wait > 800
        assert [a["client"] for a in auth.locks(s)["addresses"]] == ["192.0.2.77"]
        assert auth.check_login(s, "staf", PASSWORD, "192.0.2.10").username == "staf"
        # A success forgets its own address's failures only; the console reset forgets the account's.
        now[0] += 3600
        for _ in range(3):
            auth.check_login(s, "staf", "salah-salah-1", "192.0.2.10")
        for _ in range(5):
            auth.check_login(s, "staf", "salah-salah-1", "192.0.2.66")
        assert auth.check_login(s, "staf", PASSWORD, "192.0.2.10").username == "staf"
        assert auth.login_wait(s, "staf", "192.0.2.66") > 0
        auth.after_reset(s, "staf")
        assert auth.login_wait(s, "staf", "192.0.2.66") == 0 and auth.locks(s)["accounts"] == {}
        # One computer may take any IPv6 address in its /64: they all count as one address.
        for i in range(5):
            auth.check_login(s, "staf", "salah-salah-1", f"2001:db8:0:7::{i + 1:x}")
        assert auth.login_wait(s, "staf", "2001:db8:0:7:ffff::99") > 0
        assert auth.login_wait(s, "staf", "2001:db8:0:8::1") == 0

