"""Settings, the global hold, templates, users, one's own password and the audit log, over real HTTP."""

from __future__ import annotations

import re

import pytest
from webtools import PASSWORD, add_user

from firmware.office import users
from firmware.queue.store import Store

XSS = "<script>alert('x')</script>"


def open_store(web) -> Store:
    return Store.in_state_dir(web.config.state_dir)


def login(web, username: str, password: str = PASSWORD):
    c = web.client()
    r = c.login(username, password)
    assert r.status == 200 and 'action="/login"' not in r.text, r.text[:300]
    return c


def as_user(web, admin, username: str, role: str):
    add_user(admin, username, role)
    return login(web, username)


def actions(web, action_like: str = "%") -> list[tuple[str, str]]:
    with open_store(web) as s:
        return [(r[0], r[1]) for r in s.conn.execute(
            "SELECT actor, action FROM audit_log WHERE action LIKE ? ORDER BY id", (action_like,))]


# -- roles -------------------------------------------------------------------------------------------------


def test_admin_pages_refuse_viewers_and_operators(web, admin):
    viewer = as_user(web, admin, "pemantau", "viewer")
    operator = as_user(web, admin, "operator1", "operator")
    approver = as_user(web, admin, "penyetuju", "approver")
    for c in (viewer, operator, approver):
        for path in ("/settings", "/users", "/settings/templates/1"):
            assert c.get(path).status == 403, path
        c.get("/account")
        for path, data in (("/settings", {"approval_threshold": "1"}), ("/hold", {"action": "on", "reason": "x"}),
                           ("/settings/templates", {"name": "a", "text": "b"}), ("/settings/templates/1/delete", {}),
                           ("/users", {"username": "evil", "role": "admin", "password": "x" * 12}),
                           ("/users/admin/disable", {}), ("/users/admin/reset", {}),
                           ("/users/admin/role", {"role": "viewer"})):
            assert c.post(path, data).status == 403, path
        assert c.get("/audit").status == 200 and c.get("/account").status == 200
    with open_store(web) as s:
        assert not s.hold().active and users.get_user(s, "evil") is None
        assert users.get_user(s, "admin")["role"] == "admin"
    r = viewer.get("/")
    assert 'href="/settings"' not in r.text and 'href="/users"' not in r.text


# -- settings and hold ---------------------------------------------------------------------------------------


def test_office_settings_saved_validated_and_audited(web, admin):
    r = admin.get("/settings")
    assert r.status == 200 and 'value="150"' in r.text and 'value="50"' in r.text
    assert "/etc/siaran/siaran.toml" in r.text and 'value="06:00"' in r.text and 'value="21:00"' in r.text
    assert "STOP, BERHENTI, UNREG" in r.text
    r = admin.post("/settings", {"cost_per_segment": "Rp 200", "approval_threshold": "10"})
    assert r.status == 200 and "Pengaturan disimpan" in r.text and "Diubah oleh admin," in r.text and "web:admin" not in r.text
    r = admin.post("/settings", {"cost_per_segment": "-5", "approval_threshold": "10"})
    assert r.status == 400 and "harus antara 0 dan 100000" in r.text and 'value="-5"' in r.text
    r = admin.post("/settings", {"cost_per_segment": "banyak", "approval_threshold": ""})
    assert r.status == 400 and "bukan angka" in r.text
    r = admin.post("/settings", {"cost_per_segment": "200", "approval_threshold": "10"})
    assert "Tidak ada yang berubah" in r.text
    with open_store(web) as s:
        assert s.get_setting("cost_per_segment") == 200 and s.get_setting("approval_threshold") == 10
        details = [r[0] for r in s.conn.execute("SELECT detail FROM audit_log WHERE action = 'setting'")]
    assert len(details) == 2 and actions(web, "setting") == [("web:admin", "setting")] * 2


def test_hold_needs_a_reason_shows_in_the_banner_and_the_audit_log(web, admin):
    r = admin.get("/settings")
    assert 'data-confirm="Aktifkan penahanan?' in r.text and "DARURAT" in r.text  # emergencies still go out
    r = admin.post("/hold", {"action": "on", "reason": "  "})
    assert r.status == 400 and "Tulis alasan penahanan" in r.text and 'id="hold-banner"' not in r.text
    r = admin.post("/hold", {"action": "on", "reason": "Masa tenang Pemilu"})
    assert r.status == 200
    banner = re.search(r'<div class="banner hold" id="hold-banner">(.*?)</div>', r.text, re.S).group(1)
    assert "Masa tenang Pemilu" in banner and "Ditahan oleh admin," in banner and "web:admin" not in banner
    viewer = as_user(web, admin, "pemantau", "viewer")
    assert "Masa tenang Pemilu" in viewer.get("/").text  # everyone sees the banner
    r = admin.get("/settings")
    assert "Cabut penahanan" in r.text and 'data-confirm="Cabut penahanan?' in r.text
    # one hold banner: the settings page points at it instead of repeating it in red
    assert r.text.count("PENGIRIMAN DITAHAN") == 1 and "PENAHANAN AKTIF" not in r.text
    r = admin.post("/hold", {"action": "off", "reason": ""})
    assert r.status == 200 and 'id="hold-banner"' not in r.text
    with open_store(web) as s:
        assert not s.hold().active
    assert actions(web, "hold%") == [("web:admin", "hold_on"), ("web:admin", "hold_off")]
    r = admin.get("/audit?action=hold_on")
    assert "Masa tenang Pemilu" in r.text and "hold_off" not in re.sub(r"<option.*?</option>", "", r.text)


def test_hold_with_a_hostile_reason_is_escaped(web, admin):
    admin.get("/settings")
    r = admin.post("/hold", {"action": "on", "reason": XSS})
    assert "<script>alert" not in r.text and "&lt;script&gt;" in r.text


# -- templates ----------------------------------------------------------------------------------------------


def test_templates_add_edit_delete_and_shipped_ones_protected(web, admin):
    r = admin.get("/settings")
    assert "peringatan-banjir" in r.text
    r = admin.post("/settings/templates", {"name": "rapat-rt", "category": "undangan",
                                           "text": "Yth. {nama}, rapat RT {rt} pada [[tanggal]] di balai desa."})
    assert r.status == 200 and "Template &#039;rapat-rt&#039; ditambahkan" in r.text
    with open_store(web) as s:
        tid, builtin_id = s.conn.execute("SELECT id FROM templates WHERE name = 'rapat-rt'").fetchone()[0], \
            s.conn.execute("SELECT id FROM templates WHERE builtin = 1 LIMIT 1").fetchone()[0]
    r = admin.post("/settings/templates", {"name": "salah", "text": "Halo {alamat}"})
    assert r.status == 400 and "Isian tidak dikenal" in r.text and "Halo {alamat}" in r.text
    r = admin.post("/settings/templates", {"name": "rapat-rt", "text": "lain"})
    assert r.status == 400 and "sudah ada" in r.text
    r = admin.get(f"/settings/templates/{tid}")
    assert r.status == 200 and "Ubah template" in r.text
    r = admin.post(f"/settings/templates/{tid}", {"name": "rapat-rw", "category": "undangan", "text": "Rapat RW {rw}."})
    assert r.status == 200 and "rapat-rw" in r.text
    # A shipped template: copied, never changed or deleted.
    r = admin.get(f"/settings/templates/{builtin_id}")
    assert "Salin template bawaan" in r.text
    with open_store(web) as s:
        before = s.conn.execute("SELECT name, text FROM templates WHERE id = ?", (builtin_id,)).fetchone()
    r = admin.post(f"/settings/templates/{builtin_id}", {"name": "salinan-saya", "text": "Teks saya."})
    assert r.status == 200
    r = admin.post(f"/settings/templates/{builtin_id}/delete")
    assert r.status == 400 and "Template bawaan tidak dapat dihapus" in r.text
    r = admin.post(f"/settings/templates/{tid}/delete")
    assert r.status == 200 and "dihapus" in r.text
    with open_store(web) as s:
        assert tuple(s.conn.execute("SELECT name, text FROM templates WHERE id = ?", (builtin_id,)).fetchone()) \
            == tuple(before)
        names = {r[0] for r in s.conn.execute("SELECT name FROM templates WHERE builtin = 0")}
    assert names == {"salinan-saya"}
    assert [a for _, a in actions(web, "template%")] == ["template_add", "template_edit", "template_add",
                                                          "template_delete"]


# -- users ----------------------------------------------------------------------------------------------------


def shown_password(r) -> str:
    return re.search(r'<code class="token" id="new-password">([^<]+)</code>', r.text).group(1)


def test_users_add_with_generated_password_disable_enable_reset(web, admin):
    admin.get("/users")
    r = admin.post("/users", {"username": "budi", "role": "operator", "password": ""})
    assert r.status == 200 and "hanya ditampilkan sekali" in r.text
    first = shown_password(r)
    assert len(first) >= 20 and admin.get("/users").text.count(first) == 0  # shown once
    budi = login(web, "budi", first)
    assert budi.get("/inbox").status == 200
    # Refused inputs keep what was typed.
    r = admin.post("/users", {"username": "Budi Santoso", "role": "operator", "password": ""})
    assert r.status == 400 and "Nama pengguna" in r.text and 'value="budi santoso"' in r.text
    r = admin.post("/users", {"username": "budi", "role": "operator", "password": "x" * 12})
    assert r.status == 400 and "sudah ada" in r.text
    r = admin.post("/users", {"username": "siti", "role": "admin", "password": "pendek"})
    assert r.status == 400 and "minimal 10 karakter" in r.text
    # Disabling ends budi's session at once.
    r = admin.post("/users/budi/disable")
    assert r.status == 200 and "dinonaktifkan" in r.text
    r = budi.get("/inbox", follow=False)
    assert r.status == 303 and "/login" in r.location
    assert 'action="/login"' in web.client().login("budi", first).text  # cannot log in either
    admin.get("/users")
    admin.post("/users/budi/enable")
    budi = login(web, "budi", first)
    # A reset makes a new password, shown once; the old one stops working and budi's sessions end.
    admin.get("/users")
    r = admin.post("/users/budi/reset")
    second = shown_password(r)
    assert second != first
    assert budi.get("/inbox", follow=False).status == 303
    assert 'action="/login"' in web.client().login("budi", first).text
    login(web, "budi", second)
    admin.get("/users")
    r = admin.post("/users/budi/role", {"role": "approver"})
    assert "sekarang approver" in r.text
    with open_store(web) as s:
        assert users.get_user(s, "budi")["role"] == "approver"
        details = " ".join(r[0] for r in s.conn.execute("SELECT detail FROM audit_log"))
    assert first not in details and second not in details
    assert [a for _, a in actions(web, "user%")] == ["user_add", "user_add", "user_disable", "user_enable",
                                                      "user_password", "user_role"]


def test_the_last_active_admin_cannot_be_disabled_or_demoted(web, admin):
    admin.get("/users")
    r = admin.post("/users/admin/disable")
    assert r.status == 400 and "akun Anda sendiri" in r.text
    r = admin.post("/users/admin/role", {"role": "operator"})
    assert r.status == 400 and "admin aktif terakhir" in r.text
    add_user(admin, "kasi", "admin")
    kasi = login(web, "kasi")
    kasi.get("/users")
    assert kasi.post("/users/admin/disable").status == 200
    r = kasi.post("/users/kasi/role", {"role": "viewer"})  # kasi is now the last active admin
    assert r.status == 400 and "admin aktif terakhir" in r.text
    with open_store(web) as s:
        assert users.get_user(s, "kasi")["role"] == "admin" and users.get_user(s, "admin")["disabled"] == 1


# -- one's own password ----------------------------------------------------------------------------------------


def test_change_own_password_needs_the_current_one_and_ends_other_sessions(web, admin):
    add_user(admin, "budi", "viewer")
    budi = login(web, "budi")
    budi_phone = login(web, "budi")
    r = budi.get("/account")
    assert r.status == 200 and "Ganti kata sandi" in r.text
    r = budi.post("/account/password", {"current": "salah-sekali-123", "password": "baru-sekali-123",
                                        "password2": "baru-sekali-123"})
    assert r.status == 400 and "Kata sandi sekarang salah" in r.text
    r = budi.post("/account/password", {"current": PASSWORD, "password": "baru-sekali-123",
                                        "password2": "beda-sekali-123"})
    assert r.status == 400 and "tidak sama" in r.text
    r = budi.post("/account/password", {"current": PASSWORD, "password": "pendek", "password2": "pendek"})
    assert r.status == 400 and "minimal 10 karakter" in r.text
    r = budi.post("/account/password", {"current": PASSWORD, "password": "baru-sekali-123",
                                        "password2": "baru-sekali-123"})
    assert r.status == 200 and "Kata sandi diganti" in r.text
    assert budi.get("/inbox").status == 200  # this browser stays logged in
    assert budi_phone.get("/inbox", follow=False).status == 303  # the other one is logged out
    assert 'action="/login"' in web.client().login("budi", PASSWORD).text
    login(web, "budi", "baru-sekali-123")
    assert ("web:budi", "user_password") in actions(web)


# -- audit log -----------------------------------------------------------------------------------------------


def audit_rows(html: str) -> list[tuple[str, str]]:
    """(stored actor, action code) of each entry, from its details."""
    return re.findall(r'<li data-audit="\d+".*?<span class="muted">\(([^<]*)\)</span></dd>.*?<code>([^<]*)</code>',
                      html, re.S)


def test_audit_verify_intact_then_broken_after_tampering(web, admin):
    admin.get("/settings")
    admin.post("/hold", {"action": "on", "reason": "Masa tenang Pemilu"})
    admin.post("/hold", {"action": "off"})
    viewer = as_user(web, admin, "pemantau", "viewer")
    r = viewer.get("/audit/verify")
    assert r.status == 200 and 'data-intact="1"' in r.text and "UTUH" in r.text
    with open_store(web) as s:
        row = s.conn.execute("SELECT id FROM audit_log WHERE action = 'hold_on'").fetchone()[0]
        s.conn.execute("UPDATE audit_log SET detail = ? WHERE id = ?", ('{"reason": "tidak ada"}', row))
    r = viewer.get("/audit/verify")
    assert 'data-intact="0"' in r.text and f'data-broken="{row}"' in r.text and "RUSAK" in r.text
    assert f"rantai putus pada catatan #{row}" in r.text and "hold_on" in r.text


def test_audit_list_filters_pages_and_hides_account_entries_from_non_admins(web, admin):
    with open_store(web) as s:
        for i in range(60):
            s.audit("cli:root", "contact_edit", {"contact_id": i, "note": "0812-0000-0009"})
    r = admin.get("/audit")
    assert r.status == 200 and "halaman 1/" in r.text and "contact_id=59" in r.text and "contact_id=0 " not in r.text
    assert "0812-****-0009" in r.text and "0812-0000-0009" not in r.text  # a stray number is masked on display
    digest = "6636482917871dd8e0a1b2c3d4e5f60718293a4b5c6d7e8f9012345678901234"
    with open_store(web) as s:
        s.audit("cli:root", "contacts_import", {"file_hash": digest, "rows": 3})
    assert f"file_hash={digest}" in admin.get("/audit?action=contacts_import").text  # a hash is not a number
    r = admin.get("/audit?action=contact_edit&page=2")
    assert "contact_id=9 " in r.text and "contact_id=59" not in r.text
    viewer = as_user(web, admin, "pemantau", "viewer")  # user_add by web:admin, login by web:pemantau
    rows = audit_rows(admin.get("/audit?actor=web:").text)
    assert ("web:admin", "user_add") in rows and ("web:pemantau", "login") in rows
    assert all(actor.startswith("web:") for actor, _ in rows)
    r = viewer.get("/audit?actor=web:")
    assert audit_rows(r.text) == [] and "hanya terlihat oleh admin" in r.text
    assert len(audit_rows(viewer.get("/audit").text)) == 50
    r = admin.get(f"/audit?actor={'%25'}&action={XSS}")
    assert r.status == 200 and "<script>alert" not in r.text


@pytest.mark.parametrize("path", ["/inbox", "/modems", "/settings", "/users", "/audit", "/audit/verify", "/account"])
def test_pages_render_in_english_too(web, admin, path):
    admin.get("/lang/en")
    r = admin.get(path)
    assert r.status == 200 and 'lang="en"' in r.text and "style=" not in r.text
    admin.get("/lang/id")


def test_sending_rules_are_changed_on_the_page_and_reach_the_estimates(admin, web):
    from firmware.office import settings as office_settings
    from firmware.queue.store import Store

    with Store.in_state_dir(web.config.state_dir) as s:
        s.upsert_modem("sim800", port="/dev/ttyS0", state="ready")
    r = admin.get("/settings")
    assert 'name="window_start" value="06:00"' in r.text and 'max="50000" value="3000"' in r.text
    # A bad value is refused next to the form, keeping what was typed; nothing is stored.
    r = admin.post("/settings/rules", {"window_start": "06:00", "window_end": "21:00", "per_minute": "90",
                                       "per_hour": "300", "per_day": "3000", "optout_keywords": "STOP"})
    assert r.status == 400 and "per menit" in r.text and 'name="per_minute" min="1" max="60" value="90"' in r.text
    with Store.in_state_dir(web.config.state_dir) as s:
        assert office_settings.read(s) == {}
    admin.get("/settings")
    r = admin.post("/settings/rules", {"window_start": "07:00", "window_end": "17:00", "per_minute": "10",
                                       "per_hour": "200", "per_day": "1500", "optout_keywords": "stop, keluar"})
    assert r.status == 200 and "Aturan kirim disimpan" in r.text
    with Store.in_state_dir(web.config.state_dir) as s:
        assert office_settings.read(s) == {"send_window": {"start": "07:00", "end": "17:00"},
                                           "sim_limits": {"per_minute": 10, "per_hour": 200, "per_day": 1500},
                                           "optout_keywords": ["STOP", "KELUAR"]}
        audited = [r[0] for r in s.conn.execute("SELECT detail FROM audit_log WHERE action = 'setting'")]
    assert len(audited) == 3
    assert "/ 1.500" in admin.get("/").text  # the dashboard's daily limit follows
    # Emptying the fields goes back to the file's values.
    admin.get("/settings")
    admin.post("/settings/rules", {k: "" for k in ("window_start", "window_end", "per_minute", "per_hour",
                                                   "per_day", "optout_keywords")})
    with Store.in_state_dir(web.config.state_dir) as s:
        assert office_settings.read(s) == {}


def test_an_error_without_bahasa_text_never_leaks_english_into_the_bahasa_page(web, admin):
    """A broken setting used to show "setting approval_threshold: expected a non-negative number..." on the
    Bahasa page; every error now carries Bahasa text, and one that does not gets a Bahasa sentence."""
    from firmware.errors import ConfigError, pesan_of

    with open_store(web) as s:
        s.set_setting("approval_threshold", "banyak", by="test")
    r = admin.get("/compose")
    assert r.status == 400 and "Pengaturan approval_threshold tidak sah" in r.text and "expected" not in r.text
    admin.get("/lang/en")
    r = admin.get("/compose")
    assert r.status == 400 and "expected a non-negative number" in r.text and "tidak sah" not in r.text
    assert pesan_of(ConfigError("web_port: must be between 1 and 65535")) == "Permintaan tidak dapat diproses."


def test_audit_reads_as_sentences_with_names_and_the_record_on_demand(web, admin):
    """Issue 10: "Ani mengimpor 61 kontak dari …", not ``web:ani import counts={...}``; the record stays one click away."""
    from firmware.people import contacts as contacts_mod
    from firmware.people.importer import from_records

    as_user(web, admin, "pemantau", "viewer")
    with open_store(web) as s:
        rows = [{"nama": f"Warga {i}", "no_hp": f"0812-0000-{7000 + i:04d}"} for i in range(1234)]
        plan = contacts_mod.plan_import(s, from_records(rows))
        contacts_mod.commit_import(s, plan, source="web", file_name="warga-rw01.xlsx", file_hash=None,
                                   actor="web:ani")
        s.set_hold(True, reason="Pilkada", by="panel")
        s.audit("daemon", "modem_dead", {"modem": "sim800"})
    html = admin.get("/audit").text
    assert "Ani mengimpor 1.234 kontak baru dari warga-rw01.xlsx (0 diperbarui, 0 baris ditolak)." in html
    assert "Admin menambah pengguna pemantau sebagai pemantau." in html
    assert "Tombol di kotak Siaran menahan semua pengiriman. Alasan: Pilkada." in html
    assert "Modem sim800 tidak menjawab lagi dan dianggap mati." in html
    assert "<summary>Rincian</summary>" in html and "file_name=warga-rw01.xlsx" in html  # the record on demand
    assert "<td>web:ani</td>" not in html and '<option value="import">impor kontak</option>' in html
    admin.get("/lang/en")
    html = admin.get("/audit").text
    admin.get("/lang/id")
    assert "Ani imported 1,234 new contacts from warga-rw01.xlsx (0 updated, 0 rows rejected)." in html
    assert "<summary>Details</summary>" in html
