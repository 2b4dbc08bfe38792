"""The operator route on the LAN page, over real HTTP: the Settings form for SMPP accounts (the password
write-only, every field validated in Bahasa Indonesia and English, audited), the route choice and the
per-route preview on the compose page, queue-time routing, and the dashboard's card per account.

Accounts point at 127.0.0.1 ports nothing listens on: these tests check the page and the store, not a
link (the Chromium test in test_web_smpp_e2e.py sends through the real Jasmin).
"""

from __future__ import annotations

import json

import pytest
from webtools import PASSWORD, user_client

from firmware.campaigns import campaign as campaigns
from firmware.people import audience, contacts, importer
from firmware.people.audience import Audience
from firmware.queue.store import Store

SECRET = "Rh4s!a7q"  # 8 characters: the SMPP 3.4 maximum
ACCOUNT = {"name": "pemkab", "host": "127.0.0.1", "port": "2775", "system_id": "pemkab01", "password": SECRET,
           "system_type": "", "bind": "transceiver", "source_addr": "PEMKAB-BLTR", "source_ton": "",
           "source_npi": "", "rate": "100", "window": "10", "enquire_link": "30", "validity_minutes": "1440",
           "price_per_part": "Rp 275", "registered_delivery": "1"}


def open_store(web) -> Store:
    return Store.in_state_dir(web.config.state_dir)


def add_account(admin, **changes):
    admin.get("/settings/smpp")
    return admin.post("/settings/smpp", {**ACCOUNT, **changes})


def stored_password(web, name: str = "pemkab") -> str:
    with open_store(web) as s:
        return next(r["password"] for r in s.smpp_accounts(include_password=True) if r["name"] == name)


def audit_text(web) -> str:
    with open_store(web) as s:
        return "\n".join(f"{r[0]} {r[1]}" for r in s.conn.execute("SELECT action, detail FROM audit_log"))


# -- the Settings form -------------------------------------------------------------------------------------


def test_an_admin_adds_an_account_and_its_password_is_never_shown_again(web, admin):
    r = add_account(admin)
    assert r.status == 200 and "Akun operator pemkab ditambahkan" in r.text
    assert 'data-smpp-account="pemkab"' in r.text and "PEMKAB-BLTR" in r.text and "Rp 275" in r.text
    assert SECRET not in r.text
    with open_store(web) as s:
        row = next(r for r in s.smpp_accounts() if r["name"] == "pemkab")
    assert row["price_per_part"] == 275 and row["rate"] == 100 and row["registered_delivery"] and not row["tls"]
    assert stored_password(web) == SECRET
    edit = admin.get("/settings/smpp/pemkab")
    assert edit.status == 200 and SECRET not in edit.text
    assert 'name="password" value=""' in edit.text  # write-only: the field is always empty
    assert SECRET not in audit_text(web) and "smpp_account_add" in audit_text(web)
    assert SECRET not in admin.get("/audit").text
    log = admin.get("/audit").text
    assert "akun operator pemkab" in log.lower()  # a sentence, not a code


def test_an_edit_with_the_password_left_empty_keeps_it_and_a_new_one_replaces_it(web, admin):
    add_account(admin)
    admin.get("/settings/smpp/pemkab")
    r = admin.post("/settings/smpp/pemkab", {**ACCOUNT, "password": "", "rate": "50", "tls": "1"})
    assert r.status == 200 and "disimpan" in r.text and SECRET not in r.text
    assert stored_password(web) == SECRET
    with open_store(web) as s:
        row = next(r for r in s.smpp_accounts() if r["name"] == "pemkab")
    assert row["rate"] == 50 and row["tls"]
    admin.get("/settings/smpp/pemkab")
    r = admin.post("/settings/smpp/pemkab", {**ACCOUNT, "password": "baru1234"})
    assert r.status == 200 and "baru1234" not in r.text and stored_password(web) == "baru1234"
    assert "baru1234" not in audit_text(web) and SECRET not in audit_text(web)
    # The name is the account's key: an edit cannot rename it (or take another's).
    admin.get("/settings/smpp/pemkab")
    admin.post("/settings/smpp/pemkab", {**ACCOUNT, "name": "lain", "password": ""})
    with open_store(web) as s:
        assert [r["name"] for r in s.smpp_accounts()] == ["pemkab"]


@pytest.mark.parametrize("changes, field, words", [
    ({"port": "abc"}, "port", "bukan bilangan bulat"),
    ({"port": "70000"}, "port", "antara 1 dan 65535"),
    ({"port": ""}, "port", "wajib diisi"),
    ({"host": "evil host; rm -rf /"}, "host", "tidak dapat dipakai"),
    ({"host": ""}, "host", "wajib diisi"),
    ({"system_id": "x" * 16}, "system_id", "1 sampai 15 karakter"),
    ({"password": "123456789"}, "password", "paling banyak 8"),
    ({"password": "sandi\u00e9"}, "password", "paling banyak 8"),
    ({"password": ""}, "password", "wajib diisi untuk akun baru"),
    ({"system_type": "x" * 13}, "system_type", "paling banyak 12"),
    ({"bind": "receiver"}, "bind", "transceiver atau transmitter+receiver"),
    ({"source_addr": "PEMERINTAH-KAB-BLITAR"}, "source_addr", "paling banyak 11"),
    ({"source_addr": ""}, "source_addr", "PEMKAB-BLTR"),
    ({"source_ton": "300"}, "source_ton", "0-255"),
    ({"rate": "0"}, "rate", "lebih dari 0"),
    ({"rate": "nan"}, "rate", "bukan angka"),
    ({"rate": "1e400"}, "rate", "bukan angka"),
    ({"window": "-1"}, "window", "bukan bilangan bulat"),
    ({"window": "5000"}, "window", "antara 1 dan 1.000"),
    ({"enquire_link": "1"}, "enquire_link", "antara 5 dan 3.600"),
    ({"validity_minutes": "99999"}, "validity_minutes", "7 hari"),
    ({"price_per_part": "gratis"}, "price_per_part", "bukan angka"),
    ({"name": "a b"}, "name", "1-32 huruf"),
    ({"name": "<script>"}, "name", "1-32 huruf"),
])
def test_every_field_is_checked_with_a_clear_message_and_nothing_is_saved(web, admin, changes, field, words):
    r = add_account(admin, **changes)
    assert r.status == 400, r.text[:300]
    assert f'data-error-field="{field}"' in r.text and words in r.text, r.text[r.text.find('role="alert"'):][:400]
    with open_store(web) as s:
        assert s.smpp_accounts() == []
    assert SECRET not in r.text  # not even after an error
    if field != "host":
        assert 'value="127.0.0.1"' in r.text  # what was typed is kept
    admin.get("/lang/en?next=/settings/smpp")
    r = add_account(admin, **changes)
    assert r.status == 400 and f'data-error-field="{field}"' in r.text
    admin.get("/lang/id?next=/settings/smpp")


def test_a_name_already_used_by_an_account_or_a_modem_is_refused(web, admin):
    assert add_account(admin).status == 200
    r = add_account(admin, system_id="lain")
    assert r.status == 400 and "sudah dipakai" in r.text
    with open_store(web) as s:
        assert len(s.smpp_accounts()) == 1


def test_hostile_input_is_escaped_and_other_roles_are_refused(web, admin):
    r = add_account(admin, source_addr="<b>X</b>", system_type="<i>")
    assert "<b>X</b>" not in r.text and "&lt;b&gt;" in r.text
    for role in ("viewer", "operator", "approver"):
        c = user_client(web, role)
        assert c.get("/settings/smpp").status == 403
        c.get("/")
        assert c.post("/settings/smpp", ACCOUNT).status == 403
        assert c.post("/settings/smpp/pemkab/delete", {}).status == 403
    # Without the CSRF token the post is refused before the handler runs.
    assert admin.post("/settings/smpp", ACCOUNT, csrf=False).status == 403
    assert admin.post("/settings/smpp", ACCOUNT, csrf="palsu").status == 403
    assert admin.get("/settings/smpp/tidak-ada").status == 404
    assert admin.get("/settings/smpp/" + "x" * 5000).status in (404, 414)


def test_an_account_is_deleted_and_the_deletion_audited(web, admin):
    add_account(admin)
    admin.get("/settings/smpp")
    r = admin.post("/settings/smpp/pemkab/delete", {})
    assert r.status == 200 and "dihapus" in r.text
    with open_store(web) as s:
        assert s.smpp_accounts() == []
    assert "smpp_account_delete" in audit_text(web)


# -- the route choice, the preview per route, queue-time routing ----------------------------------------


def people(store: Store, count: int) -> str:
    records = [{"number": f"+628120000{i:04d}", "name": f"Warga {i}", "desa": "Sumberagung", "rw": "01", "rt": "01"}
               for i in range(count)]
    plan = contacts.plan_import(store, importer.from_records(records))
    contacts.commit_import(store, plan, source="cli", file_name=None, file_hash=None, actor="test")
    audience.save(store, "semua", Audience(everyone=True), "test")
    return "semua"


def compose(admin, **fields):
    admin.get("/compose")
    return admin.post("/compose", {"audience": "semua", "text": "Vaksinasi di balai desa Sabtu 08.00.",
                                   "name": "Vaksin", "action": "send", **fields})


def test_without_an_account_compose_offers_no_route_and_sends_by_modem(web, admin):
    with open_store(web) as s:
        people(s, 3)
    page = admin.get("/compose").text
    assert 'name="channel" value="auto"' in page and 'type="radio" name="channel"' not in page
    assert compose(admin).status == 200
    with open_store(web) as s:
        assert {r[0] for r in s.conn.execute("SELECT channel FROM messages")} == {"modem"}


def test_the_preview_shows_cost_and_time_per_route(web, admin):
    with open_store(web) as s:
        people(s, 40)
    add_account(admin)  # Rp 275 per part, 100 SMS a second
    page = admin.get("/compose").text
    assert 'type="radio" name="channel" value="smpp"' in page and "Operator (SMPP)" in page
    admin.get("/compose")
    r = admin.post("/compose/preview", {"audience": "semua", "text": "Vaksinasi di balai desa.", "channel": "smpp"})
    assert 'data-route="modem"' in r.text and 'data-route="smpp"' in r.text
    assert "Rp 11.000" in r.text  # 40 parts x Rp 275 by the operator
    assert "Rp 6.000" in r.text  # 40 parts x Rp 150 by the modems
    assert 'data-route-channel="smpp"' in r.text and 'data-smpp-minutes="1"' in r.text
    r = admin.post("/compose/preview", {"audience": "semua", "text": "Vaksinasi.", "channel": "satelit"})
    assert "Jalur" in r.text and "tidak dikenal" in r.text


def test_queue_time_applies_the_route_rule(web, admin):
    with open_store(web) as s:
        people(s, 12)
        s.set_setting("smpp_auto_threshold", 10, by="test")
        s.set_setting("approval_threshold", 1000, by="test")
    add_account(admin)

    def channels(campaign_name: str) -> set:
        with open_store(web) as s:
            return {r[0] for r in s.conn.execute(
                "SELECT m.channel FROM messages m JOIN campaigns c ON c.id = m.campaign_id WHERE c.name = ?",
                (campaign_name,))}

    assert compose(admin, channel="auto", name="Besar").status == 200
    assert channels("Besar") == {"smpp"}  # 12 recipients > 10: the operator
    assert compose(admin, channel="modem", name="Modem").status == 200
    assert channels("Modem") == {"modem"}
    with open_store(web) as s:
        s.set_setting("smpp_auto_threshold", 50, by="test")
    # Small and automatic: no modem can send it here (none is configured), so it overflows to either route.
    assert compose(admin, channel="auto", name="Kecil").status == 200
    assert channels("Kecil") == {None}
    with open_store(web) as s:
        camp = s.conn.execute("SELECT channel FROM campaigns WHERE name = 'Kecil'").fetchone()
        assert camp["channel"] is None
        detail = json.loads(s.conn.execute("SELECT detail FROM audit_log WHERE action = 'campaign_submit'"
                                           " ORDER BY id DESC").fetchone()[0])
    assert "channel" in detail


def test_the_operator_route_without_an_account_is_refused_at_queue_time(web, admin):
    with open_store(web) as s:
        people(s, 2)
        cid = campaigns.create(s, "Tanpa akun", "Rapat RT.", "semua", actor="test", channel="smpp")
        with pytest.raises(campaigns.NotAllowed) as exc:
            campaigns.submit(s, cid, "test")
    assert "belum ada akun operator" in exc.value.pesan


# -- the dashboard -----------------------------------------------------------------------------------------


def test_the_dashboard_shows_a_card_per_account_beside_the_modems(web, admin, monkeypatch):
    add_account(admin)
    r = admin.get("/")
    assert 'data-smpp="pemkab"' in r.text and 'data-state="not_seen"' in r.text
    with open_store(web) as s:
        s.update_smpp_link("pemkab", state="bound", rate_now=87.5, window_used=7, sent_total=1234,
                           last_error="throttled by the SMSC (0x58): slowing down")
    r = admin.get("/dashboard/live")
    assert 'data-smpp="pemkab"' in r.text and 'data-state="bound"' in r.text and "tersambung" in r.text
    assert 'data-smpp-window="7"' in r.text and "/ 10" in r.text and "1.234" in r.text
    assert "0x58" in r.text
    viewer = user_client(web, "viewer")
    assert 'data-smpp="pemkab"' in viewer.get("/").text
    with open_store(web) as s:  # a row nobody updated for minutes: the daemon is not running
        s.conn.execute("UPDATE smpp_links SET updated_at = updated_at - 600")
        s.conn.commit()
    r = admin.get("/dashboard/live")
    assert 'data-state="stale"' in r.text and "tidak ada kabar" in r.text


def test_the_automatic_rule_thresholds_are_office_settings_shown_once_there_is_an_account(web, admin):
    assert 'name="smpp_auto_threshold"' not in admin.get("/settings").text  # no operator account: not shown
    add_account(admin)
    page = admin.get("/settings").text
    assert 'name="smpp_auto_threshold"' in page and 'name="smpp_overflow_minutes"' in page
    r = admin.post("/settings", {"smpp_auto_threshold": "2000", "smpp_overflow_minutes": "30"})
    assert r.status == 200 and "Pengaturan disimpan" in r.text
    r = admin.post("/settings", {"smpp_overflow_minutes": "-5"})
    assert r.status == 400 and "smpp_overflow_minutes harus antara 0 dan 100000" in r.text
    with open_store(web) as s:
        assert campaigns.route_thresholds(s) == (2000, 30)
    assert "smpp_auto_threshold" in audit_text(web)


def test_a_campaign_on_the_operator_route_shows_its_own_time_left(web, admin):
    with open_store(web) as s:
        people(s, 30)
    add_account(admin)  # 100 SMS a second
    assert compose(admin, channel="smpp", name="Lewat operator").status == 200
    with open_store(web) as s:
        cid = s.conn.execute("SELECT id FROM campaigns WHERE name = 'Lewat operator'").fetchone()[0]
    r = admin.get(f"/campaigns/{cid}")
    assert 'data-eta="sending"' in r.text and "1 menit lagi" in r.text  # 30 parts / 100 a second, rounded up
    assert 'data-channel="smpp"' in r.text and "Operator (SMPP)" in r.text
    with open_store(web) as s:
        s.set_hold(True, reason="Masa tenang", by="test")
    r = admin.get(f"/campaigns/{cid}")
    assert 'data-eta="hold"' in r.text and "Ditahan: Masa tenang" in r.text
