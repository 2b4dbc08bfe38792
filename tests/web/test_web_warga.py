"""The SMS Warga page and the keyword settings over real HTTP: help, consents, never-answered list, pending
number changes (approve/reject: roles and CSRF), masking for viewers, the Settings form and the daemon's
use of it."""

from __future__ import annotations

from webtools import PASSWORD, add_user

from firmware.office import settings as office_settings
from firmware.office.config import with_defaults
from firmware.people import keyword_store as ks
from firmware.queue.inbox import file_incoming
from firmware.queue.store import Store

ANI, BUDI, NEW, CICI = "+6281200000011", "+6281200000012", "+6281200000013", "+6281200000014"


def _store(web) -> Store:
    return Store.in_state_dir(web.config.state_dir)


def _as(web, admin, username, role):
    add_user(admin, username, role)
    c = web.client()
    assert c.login(username, PASSWORD).status == 200
    return c


def _setup(web):
    """Ani asked GANTI to NEW (pending); Cici said YA to a consent campaign; Budi never answered it."""
    config = with_defaults(web.config.state_dir, [])
    with _store(web) as s:
        now = s.clock()
        with s.tx() as c:
            for n, name in ((ANI, "Ibu Ani"), (BUDI, "Pak Budi"), (CICI, "Bu Cici <b>")):
                c.execute("INSERT INTO contacts (number, name, desa, rt, rw, created_at, updated_at)"
                          " VALUES (?,?,?,?,?,?,?)", (n, name, "Sukajadi", "03", "05", now, now))
            camp = c.execute("INSERT INTO campaigns (name, text, state, created_at) VALUES (?,?,?,?)",
                             ("Minta setuju RW 05", "Balas YA bila bersedia", "running", now)).lastrowid
        s.enqueue([BUDI, CICI], "Balas YA bila bersedia", campaign_id=camp)
        with s.tx() as c:
            c.execute("UPDATE messages SET state = 'delivered', sent_at = ? WHERE campaign_id = ?", (now - 60, camp))
        file_incoming(s, config, "modem0", CICI, "Ya!", sc_timestamp="a")
        file_incoming(s, config, "modem0", ANI, "GANTI 0812 0000 0013", sc_timestamp="b")
        [change] = ks.changes(s, pending=True)
    return camp, change["id"]


def test_page_shows_help_changes_consents_and_the_never_answered(web, admin):
    camp, change_id = _setup(web)
    r = admin.get("/warga")
    assert r.status == 200
    assert "Yang bisa dikirim warga lewat SMS" in r.text and "DAFTAR" in r.text and "GANTI 08…" in r.text
    assert f'data-change="{change_id}"' in r.text and "081200000011" in r.text and "081200000013" in r.text
    assert "Bu Cici &lt;b&gt;" in r.text and "Minta setuju RW 05" in r.text  # the consent, escaped, its campaign
    silent = r.text[r.text.index('id="silent"'):]
    assert "Pak Budi" in silent and "Bu Cici" not in silent and "1 kontak" in silent
    audit = admin.get("/audit").text
    assert "Siaran (otomatis) menjawab SMS YA seorang warga (kesediaan dicatat)." in audit
    assert "Kontak #1 minta ganti nomor lewat SMS: menunggu balasan YA dari nomor baru." in audit
    assert "Siaran (otomatis) mengirim SMS ke nomor baru seorang warga (minta konfirmasi nomor baru)." in audit
    assert "0812000000" not in audit
    viewer = _as(web, admin, "pemantau", "viewer")
    r = viewer.get("/warga")
    assert r.status == 200 and "0812****0011" in r.text and "081200000011" not in r.text
    assert "/approve" not in r.text  # viewers read only


def test_approve_and_reject_need_the_approver_role_and_csrf(web, admin):
    _, change_id = _setup(web)
    operator = _as(web, admin, "staf", "operator")
    operator.get("/warga")
    assert operator.post(f"/warga/changes/{change_id}/approve").status == 403
    approver = _as(web, admin, "lurah", "approver")
    approver.get("/warga")
    assert approver.post(f"/warga/changes/{change_id}/approve", csrf=False).status == 403
    r = approver.post(f"/warga/changes/{change_id}/approve")
    assert r.status == 200 and "Ganti nomor disetujui" in r.text
    with _store(web) as s:
        assert s.conn.execute("SELECT name FROM contacts WHERE number = ?", (NEW,)).fetchone()[0] == "Ibu Ani"
        assert [x["state"] for x in ks.changes(s, pending=False)] == ["approved"]
        notice = s.conn.execute("SELECT text FROM messages WHERE number = ? ORDER BY id DESC", (NEW,)).fetchone()[0]
        assert "kini menerima info" in notice
        assert s.conn.execute("SELECT actor FROM audit_log WHERE action = 'number_change'").fetchone()[0] == \
            "web:lurah"
    r = approver.post(f"/warga/changes/{change_id}/reject")
    assert "sudah disetujui" in r.text  # decided already: said, nothing changes
    assert approver.post("/warga/changes/999999/reject").status == 200


def test_keyword_settings_are_validated_saved_and_used_by_the_daemon(web, admin):
    admin.get("/settings")
    r = admin.post("/settings/keywords", {"consent": "ya, oke", "change": "GANTI", "subscribe": "DAFTAR",
                                          "info": "INFO, BANTUAN", "office_contact": "Kel. Sukajadi 022-0000000",
                                          "replies_per_hour": "2", "change_hours": "24"})
    assert r.status == 200 and "Kata kunci SMS warga disimpan" in r.text
    with _store(web) as s:
        config = office_settings.effective(s, with_defaults(web.config.state_dir, []))
        assert config.consent_keywords == ("YA", "OKE") and config.keyword_replies_per_hour == 2
        assert config.office_contact == "Kel. Sukajadi 022-0000000" and config.number_change_hours == 24
    admin.get("/settings")
    r = admin.post("/settings/keywords", {"consent": "YA, STOP"})
    assert r.status == 400 and "dua daftar" in r.text
    r = admin.post("/settings/keywords", {"consent": "YA", "replies_per_hour": "1000"})
    assert r.status == 400
    # saving the sending rules keeps the keywords
    admin.post("/settings/rules", {"window_start": "06:00", "window_end": "21:00"})
    with _store(web) as s:
        assert s.get_setting("sms_keywords")["consent"] == ["YA", "OKE"]
    operator = _as(web, admin, "staf", "operator")
    operator.get("/warga")
    assert operator.post("/settings/keywords", {"consent": "YA"}).status == 403


def test_the_audit_log_says_what_the_box_did_with_a_keyword():
    from web.auditlog import sentence
    from web.render import Formats, Lang

    fmt = Formats(Lang("id"))
    rows = [("contact.subscribe", {"contact_id": 7, "desa": "Sukajadi", "rt": "03", "rw": "05"}),
            ("keyword_reply_held", {"keyword": "INFO", "outcome": "info", "why": "rate_limited"}),
            ("number_change", {"change": 4, "state": "approved"}),
            ("number_change_expired", {"changes": [1, 2]})]
    assert [sentence({"actor": "daemon", "action": a, "detail": d}, fmt) for a, d in rows] == [
        "Seorang warga mendaftar lewat SMS ke Sukajadi RT 03 RW 05: kontak #7.",
        "Siaran (otomatis) tidak menjawab SMS INFO seorang warga (batas balasan per jam tercapai).",
        "Siaran (otomatis): ganti nomor #4 disetujui.",
        "2 permintaan ganti nomor kedaluwarsa (tidak dijawab YA)."]
