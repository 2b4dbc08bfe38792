"""Units (dinas) on the LAN page and the API, over HTTP against the real waitress server.

A Damkar operator must not see or act on Diskominfo's campaigns by any route (list, page, live fragment,
report, actions, API); approval stays within the unit; the admin's Units page and the monthly report.
Users and contacts go into the store directly; numbers are fake (+6281200003xx).
"""

from __future__ import annotations

import csv
import io

import pytest

from firmware.campaigns import campaign as campaigns
from firmware.office import units, users
from firmware.people import audience
from firmware.people.audience import Audience
from firmware.queue.store import Store
from test_web_api import call
from test_web_campaigns import add_people
from webtools import PASSWORD


@pytest.fixture
def city(web, admin):
    """Diskominfo and Damkar with an operator and an approver each, 12 contacts, one campaign per unit queued."""
    with Store.in_state_dir(web.config.state_dir) as s:
        units.add_unit(s, "Diskominfo", actor="test", signature="-Diskominfo")
        units.add_unit(s, "Damkar", actor="test", signature="-Damkar", monthly_quota=100)
        for name, role, unit in (("dina", "operator", "Diskominfo"), ("dodi", "approver", "Diskominfo"),
                                 ("fajar", "operator", "Damkar"), ("feri", "approver", "Damkar")):
            users.add_user(s, name, role, PASSWORD, actor="test", unit=unit)
        add_people(s, 12)
        audience.save(s, "sukajadi", Audience.build(desa="Sukajadi"), "test")
        ids = {}
        for actor, name in (("web:dina", "Info Kominfo"), ("web:fajar", "Latihan Damkar")):
            ids[name] = campaigns.create(s, name, "Halo {nama}.", "sukajadi", actor=actor)
            campaigns.submit(s, ids[name], actor)
    return ids


def login(web, username: str):
    c = web.client()
    assert c.login(username, PASSWORD).status == 200
    return c


def test_a_damkar_operator_cannot_reach_diskominfo_campaigns(web, city):
    kominfo, damkar = city["Info Kominfo"], city["Latihan Damkar"]
    c = login(web, "fajar")
    page = c.get("/campaigns").text
    assert "Latihan Damkar" in page and "Info Kominfo" not in page
    assert c.get(f"/campaigns/{damkar}").status == 200
    for path in (f"/campaigns/{kominfo}", f"/campaigns/{kominfo}/live", f"/campaigns/{kominfo}/report.csv"):
        assert c.get(path).status == 404, path
    c.get(f"/campaigns/{damkar}")
    for action in ("pause", "cancel", "retry"):
        assert c.post(f"/campaigns/{kominfo}/{action}", {}).status == 404, action
    with Store.in_state_dir(web.config.state_dir) as s:
        assert campaigns.get(s, kominfo)["state"] == "running"
    # The dashboard shows only Damkar's running campaign.
    dash = c.get("/").text
    assert "Latihan Damkar" in dash and "Info Kominfo" not in dash


def test_an_admin_sees_every_unit(web, admin, city):
    page = admin.get("/campaigns").text
    assert "Latihan Damkar" in page and "Info Kominfo" in page
    assert admin.get(f"/campaigns/{city['Info Kominfo']}").status == 200


def test_approval_within_the_unit(web, city):
    with Store.in_state_dir(web.config.state_dir) as s:
        s.set_setting("approval_threshold", 5, by="test")
        big = campaigns.create(s, "Simulasi Damkar", "Simulasi {nama}.", "sukajadi", actor="web:fajar")
        campaigns.submit(s, big, "web:fajar")
    dodi = login(web, "dodi")  # Diskominfo's approver
    assert "Simulasi Damkar" not in dodi.get("/approvals").text
    assert dodi.post(f"/approvals/{big}/approve", {}).status == 404
    feri = login(web, "feri")
    assert "Simulasi Damkar" in feri.get("/approvals").text
    r = feri.post(f"/approvals/{big}/approve", {})
    assert r.status == 200 and "Disetujui" in r.text
    with Store.in_state_dir(web.config.state_dir) as s:
        assert campaigns.get(s, big)["approved_by"] == "feri"


def test_any_approver_approves_an_emergency(web, city):
    with Store.in_state_dir(web.config.state_dir) as s:
        s.set_setting("approval_threshold", 5, by="test")
        alarm = campaigns.create(s, "Kebakaran", "AWAS API {nama}!", "sukajadi", actor="web:fajar", emergency=True)
        campaigns.submit(s, alarm, "web:fajar")
    dodi = login(web, "dodi")
    assert "Kebakaran" in dodi.get("/approvals").text
    r = dodi.post(f"/approvals/{alarm}/approve", {})
    assert r.status == 200 and "Disetujui: 12 pesan" in r.text and "<h1>Persetujuan</h1>" in r.text
    with Store.in_state_dir(web.config.state_dir) as s:
        assert campaigns.get(s, alarm)["state"] == "running"
    assert dodi.get(f"/campaigns/{alarm}").status == 404  # approving it does not open Damkar's campaigns


def test_compose_preview_counts_the_signature_and_shows_the_quota(web, city):
    c = login(web, "fajar")
    c.get("/compose")
    r = c.post("/compose/preview", {"audience": "sukajadi", "text": "A" * 155})
    assert 'data-segments="24"' in r.text  # 12 recipients x 2 parts: " -Damkar" pushes 155 characters over 160
    assert "-Damkar" in r.text and "data-signature" in r.text
    assert 'data-quota-left="88"' in r.text  # 100 - the 12 parts queued by the fixture


def test_compose_refuses_beyond_the_quota(web, city):
    with Store.in_state_dir(web.config.state_dir) as s:
        units.update_unit(s, "Damkar", actor="test", monthly_quota=15)
    c = login(web, "fajar")
    c.get("/compose")
    r = c.post("/compose", {"audience": "sukajadi", "text": "Halo {nama}.", "name": "Kedua", "action": "send"})
    assert "Kuota bulanan unit Damkar tidak cukup" in r.text
    with Store.in_state_dir(web.config.state_dir) as s:
        assert s.conn.execute("SELECT COUNT(*) FROM messages m JOIN campaigns c ON c.id = m.campaign_id"
                              " WHERE c.name = 'Kedua'").fetchone()[0] == 0


def test_api_token_for_one_unit(web, admin, city):
    admin.get("/tokens")
    with Store.in_state_dir(web.config.state_dir) as s:
        damkar = units.get_unit(s, "Damkar")["id"]
    r = admin.post("/tokens", [("name", "damkar-ews"), ("scope", "read"), ("scope", "campaign"), ("unit", str(damkar))])
    token = r.text.split("siaran_", 1)[1].split("<", 1)[0].split('"', 1)[0]
    token = "siaran_" + token
    status, _, body = call(web, "GET", f"/api/v1/campaigns/{city['Info Kominfo']}", token)
    assert status == 404 and body["pesan"]
    status, _, body = call(web, "GET", f"/api/v1/campaigns/{city['Latihan Damkar']}", token)
    assert status == 200 and body["unit"] == "Damkar" and body["signature"] == "-Damkar"
    status, _, body = call(web, "POST", "/api/v1/campaigns", token, {"name": "Dari EWS", "audience": "sukajadi",
                                                                     "text": "Latihan {nama}."})
    assert status == 201, body
    with Store.in_state_dir(web.config.state_dir) as s:
        assert campaigns.get(s, body["id"])["unit"] == "Damkar"
    status, _, body = call(web, "GET", "/api/v1/status", token)
    assert {c["name"] for c in body["campaigns"]} == {"Latihan Damkar", "Dari EWS"}


def test_units_page_is_for_admins(web, admin, city):
    assert login(web, "fajar").get("/units").status == 403
    page = admin.get("/units").text
    assert 'data-unit="Damkar"' in page and "Tanda tangan" in page
    r = admin.post("/units", {"name": "BPBD", "signature": "-BPBD", "sender_name": "BPBD KOTA!"})
    assert r.status == 400 and "Nama pengirim" in r.text
    r = admin.post("/units", {"name": "BPBD", "signature": "-BPBD", "sender_name": "BPBDBDG", "monthly_quota": "2000"})
    assert r.status == 200 and 'data-unit="BPBD"' in r.text
    with Store.in_state_dir(web.config.state_dir) as s:
        bpbd = units.get_unit(s, "BPBD")
        assert (bpbd["sender_name"], bpbd["monthly_quota"]) == ("BPBDBDG", 2000)
    r = admin.post(f"/units/{bpbd['id']}", {"name": "BPBD", "signature": "-BPBD Kota", "sender_name": "",
                                           "monthly_quota": "", "cost_per_part": "200"})
    assert r.status == 200
    with Store.in_state_dir(web.config.state_dir) as s:
        bpbd = units.get_unit(s, "BPBD")
        assert (bpbd["signature"], bpbd["sender_name"], bpbd["monthly_quota"], bpbd["cost_per_part"]) == \
            ("-BPBD Kota", None, None, 200)
    assert admin.post("/units/999", {"name": "X"}).status == 404


def test_users_page_puts_people_in_units(web, admin, city):
    page = admin.get("/users").text
    assert 'action="/users/fajar/unit"' in page
    with Store.in_state_dir(web.config.state_dir) as s:
        kominfo = units.get_unit(s, "Diskominfo")["id"]
    admin.get("/users")
    r = admin.post("/users/fajar/unit", {"unit": str(kominfo)})
    assert r.status == 200 and "fajar sekarang di unit Diskominfo" in r.text
    admin.get("/users")
    r = admin.post("/users", {"username": "rina", "role": "operator", "password": PASSWORD, "unit": str(kominfo)})
    assert r.status == 200
    with Store.in_state_dir(web.config.state_dir) as s:
        assert users.get_user(s, "rina")["unit"] == "Diskominfo"
    audit = admin.get("/audit").text
    assert "memindahkan fajar ke unit Diskominfo" in audit and "menambah pengguna rina" in audit
    # fajar now sees Diskominfo's campaigns, not Damkar's.
    page = login(web, "fajar").get("/campaigns").text
    assert "Info Kominfo" in page and "Latihan Damkar" not in page


def test_monthly_report_page_and_csv(web, admin, city):
    page = admin.get("/units/report").text
    assert 'data-unit="Damkar"' in page and 'data-unit="Diskominfo"' in page
    r = admin.get("/units/report.csv")
    assert r.status == 200 and r.body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(r.body.decode("utf-8-sig")), delimiter=";"))
    by_unit = {row["unit"]: row for row in rows}
    assert by_unit["Damkar"]["pesan"] == "12" and by_unit["Damkar"]["kuota"] == "100"
    assert by_unit["Damkar"]["kuota_terpakai"] == "12"
    # A unit's own people get only their unit's row.
    own = login(web, "fajar").get("/units/report.csv")
    assert [row["unit"] for row in csv.DictReader(io.StringIO(own.body.decode("utf-8-sig")), delimiter=";")] == \
        ["Damkar"]
    r = admin.get("/units/report?month=2026-13")
    assert r.status == 400 and "TTTT-BB" in r.text


def test_private_contacts_and_audiences_on_the_page(web, admin, city):
    with Store.in_state_dir(web.config.state_dir) as s:
        damkar = units.get_unit(s, "Damkar")["id"]
        private = s.conn.execute("SELECT id FROM contacts WHERE number = '+6281200000000'").fetchone()[0]
        audience.save(s, "damkar-saja", Audience.build(desa="Sukajadi", rw="01"), "test")
        aid = s.conn.execute("SELECT id FROM audiences WHERE name = 'damkar-saja'").fetchone()[0]
    # The admin makes one contact and one audience private to Damkar on their pages.
    admin.get(f"/contacts/{private}")
    r = admin.post(f"/contacts/{private}/unit", {"unit": str(damkar)})
    assert r.status == 200 and "khusus unit Damkar" in r.text
    admin.get(f"/audiences/{aid}")
    r = admin.post(f"/audiences/{aid}/unit", {"unit": str(damkar)})
    assert r.status == 200 and "khusus unit Damkar" in r.text
    dina, fajar = login(web, "dina"), login(web, "fajar")
    assert dina.get(f"/contacts/{private}").status == 404
    assert fajar.get(f"/contacts/{private}").status == 200
    assert "Pak 0<" not in dina.get("/contacts").text and "Pak 0<" in fajar.get("/contacts").text
    assert dina.get(f"/audiences/{aid}").status == 404
    assert "damkar-saja" not in dina.get("/audiences").text and "damkar-saja" in fajar.get("/audiences").text
    assert "damkar-saja" not in dina.get("/compose").text
    # A viewer or operator cannot change who a contact belongs to.
    fajar.get(f"/contacts/{private}")
    assert fajar.post(f"/contacts/{private}/unit", {"unit": ""}).status == 403
