"""Units (dinas) on one box: the verbs, what a campaign of a unit sends, visibility, approval, quota, report, CLI.

Real SQLite file (the ``store`` fixture), real campaign verbs; numbers are fake (+6281200002xx).
"""

from __future__ import annotations

import json

import pytest
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from firmware import cli
from firmware.campaigns import campaign as campaigns
from firmware.campaigns.campaign import NotAllowed, NotFound, QuotaExceeded
from firmware.office import units, users
from firmware.people import audience, contacts
from firmware.people.audience import Audience
from firmware.queue import schema
from firmware.queue.store import EMERGENCY, Store

from test_audience import add_contacts

from timetools import T0  # noqa: E402

PW = "rahasia-sekali-123"


def n(i: int) -> str:
    return f"+62812000002{i:02d}"


@pytest.fixture
def city(store):
    """Diskominfo and Damkar, each with an operator and an approver; 12 contacts in Sukajadi."""
    units.add_unit(store, "Diskominfo", actor="test", signature="-Diskominfo")
    units.add_unit(store, "Damkar", actor="test", signature="-Damkar Kota Bandung", sender_name="DAMKARBDG")
    for name, role, unit in (("dina", "operator", "Diskominfo"), ("dodi", "approver", "Diskominfo"),
                             ("fajar", "operator", "Damkar"), ("feri", "approver", "Damkar"),
                             ("ani", "admin", None)):
        users.add_user(store, name, role, PW, actor="test", unit=unit)
    add_contacts(store, [{"number": n(i), "name": f"Pak {i}", "desa": "Sukajadi", "rw": "01", "rt": f"{i:02d}",
                          "role": "Ketua RT"} for i in range(12)])
    audience.save(store, "sukajadi", Audience.build(desa="Sukajadi"), "test")
    return store


def unit_id(store, name: str) -> int:
    return units.get_unit(store, name)["id"]


def make(store, actor: str, text: str = "Kerja bakti Minggu pagi, {nama}.", **kw) -> int:
    return campaigns.create(store, kw.pop("name", "Kerja bakti"), text, "sukajadi", actor=actor, **kw)


# -- the unit itself ---------------------------------------------------------------------------------------------


def test_add_validates_and_audits(store):
    uid = units.add_unit(store, "  BPBD   Kota ", actor="cli:root", signature=" -BPBD ", sender_name="BPBDBDG",
                         monthly_quota="5000", cost_per_part="175,5")
    u = units.get_unit(store, "bpbd kota")
    assert (u["id"], u["name"], u["signature"], u["sender_name"], u["monthly_quota"], u["cost_per_part"]) == \
        (uid, "BPBD Kota", "-BPBD", "BPBDBDG", 5000, 175.5)
    row = store.conn.execute("SELECT actor, detail FROM audit_log WHERE action = 'unit_add'").fetchone()
    assert row["actor"] == "cli:root" and json.loads(row["detail"])["sender_name"] == "BPBDBDG"
    with pytest.raises(units.UnitError) as exc:
        units.add_unit(store, "bpbd kota", actor="t")
    assert "sudah ada" in exc.value.pesan


@pytest.mark.parametrize("sender", ["DAMKARKOTABDG", "12345", "Pemkot✓", "-DAMKAR", "DAMKAR!", "DAMKAR/BDG"])
def test_sender_name_is_what_sms_masking_allows(store, sender):
    """At most 11 letters, digits, spaces or - . _ &, one letter at least (an all-digit sender is a phone
    number): the operator route's rule for its own sender."""
    with pytest.raises(units.UnitError) as exc:
        units.add_unit(store, "Damkar", actor="t", sender_name=sender)
    assert "Nama pengirim" in exc.value.pesan and "11 huruf" in exc.value.pesan


@pytest.mark.parametrize("sender", ["DAMKAR BDG", "Damkar-1", "PEMKAB-BLTR", "BPBD.JATIM", "D"])
def test_sender_names_operators_register_are_taken(store, sender):
    uid = units.add_unit(store, "Damkar", actor="t", sender_name=sender)
    assert units.get_unit(store, uid)["sender_name"] == sender


@pytest.mark.parametrize("field,value", [("monthly_quota", "-1"), ("monthly_quota", "2.5"), ("monthly_quota", "banyak"),
                                         ("cost_per_part", "-3"), ("cost_per_part", "inf"), ("signature", "a\nb"),
                                         ("signature", "x" * 61), ("name", ""), ("name", "x" * 61)])
def test_bad_values_are_refused_in_bahasa(store, field, value):
    kw = {"name": "Dinkes", field: value}
    name = kw.pop("name")
    with pytest.raises(units.UnitError) as exc:
        units.add_unit(store, name, actor="t", **kw)
    assert exc.value.pesan and exc.value.pesan != exc.value.reason
    assert [u["name"] for u in units.list_units(store)] == ["Kantor"]


def test_update_clears_and_audits_the_change(store):
    uid = units.add_unit(store, "Dinkes", actor="t", sender_name="DINKES", monthly_quota=100)
    u = units.update_unit(store, uid, actor="web:ani", sender_name="", monthly_quota="", signature="-Dinkes")
    assert (u["sender_name"], u["monthly_quota"], u["signature"]) == (None, None, "-Dinkes")
    detail = json.loads(store.conn.execute("SELECT detail FROM audit_log WHERE action = 'unit_change'").fetchone()[0])
    assert detail["from"] == {"signature": "", "sender_name": "DINKES", "monthly_quota": 100}
    with pytest.raises(units.UnitError):
        units.update_unit(store, uid, actor="t", name="Kantor")
    with pytest.raises(units.UnitError):
        units.update_unit(store, uid, actor="t", colour="red")


def test_an_older_install_gets_one_unit_holding_everything(tmp_path):
    """m013 on a database an older Siaran wrote: unit 1 'Kantor' holds its users, campaigns and office
    templates; shipped templates, contacts and audiences stay shared."""
    path = tmp_path / "siaran.db"
    before = Migrations("siaran")
    for m in schema.MIGRATIONS._migrations:
        if m.name != "m013_units":
            before._migrations.append(m)
    db = Database(path)
    before.apply(db)
    db.execute("INSERT INTO users (username, password_hash, role, created_at) VALUES ('lama', '-', 'operator', 1)")
    db.execute("INSERT INTO campaigns (name, text, created_at) VALUES ('Lama', 'Halo', 1)")
    db.execute("INSERT INTO templates (name, text, builtin, created_at) VALUES ('punya-kantor', 'Halo', 0, 1)")
    db.execute("INSERT INTO templates (name, text, builtin, created_at) VALUES ('bawaan', 'Halo', 1, 1)")
    db.execute("INSERT INTO contacts (number, created_at, updated_at) VALUES ('+6281200000299', 1, 1)")
    db.conn.commit()
    db.close()
    with Store(path) as s:
        assert [(u["id"], u["name"]) for u in units.list_units(s)] == [(1, "Kantor")]
        assert s.conn.execute("SELECT unit_id FROM users").fetchone()[0] == 1
        assert s.conn.execute("SELECT unit_id FROM campaigns").fetchone()[0] == 1
        assert dict(s.conn.execute("SELECT name, unit_id FROM templates").fetchall()) == \
            {"punya-kantor": 1, "bawaan": None}
        assert s.conn.execute("SELECT unit_id FROM contacts").fetchone()[0] is None
        assert units.scope_of(s, "web:lama") == 1


# -- signature: appended, counted, sent ----------------------------------------------------------------------------


def test_signature_is_appended_counted_and_sent(city):
    """A text of exactly 150 characters fits one SMS; Damkar's signature pushes it to two, in the preview's
    count and cost and in what is queued."""
    text = "A" * 150
    p_kantor = campaigns.preview(city, None, text, "sukajadi")
    p_damkar = campaigns.preview(city, None, text, "sukajadi", unit=unit_id(city, "Damkar"))
    assert p_kantor["segments"]["per_message_max"] == 1
    assert p_damkar["segments"]["per_message_max"] == 2
    assert p_damkar["cost"]["total_rupiah"] == 2 * p_kantor["cost"]["total_rupiah"]
    assert p_damkar["sample"]["text"] == text + " -Damkar Kota Bandung"
    assert p_damkar["unit"] == {"id": unit_id(city, "Damkar"), "name": "Damkar", "signature": "-Damkar Kota Bandung"}
    cid = make(city, "web:fajar", text)
    campaigns.submit(city, cid, "web:fajar")
    texts = {r[0] for r in city.conn.execute("SELECT text FROM messages WHERE campaign_id = ?", (cid,))}
    parts = {r[0] for r in city.conn.execute("SELECT parts FROM messages WHERE campaign_id = ?", (cid,))}
    assert texts == {text + " -Damkar Kota Bandung"} and parts == {2}


def test_a_ucs2_signature_turns_every_text_ucs2_and_says_so(city):
    units.update_unit(city, "Damkar", actor="t", signature="—Damkar")  # an em dash: not GSM-7
    p = campaigns.preview(city, None, "Latihan evakuasi Sabtu.", "sukajadi", unit=unit_id(city, "Damkar"))
    assert p["encoding"] == "ucs2" and p["ucs2_recipients"] == 12
    assert "signature_ucs2" in [w["code"] for w in p["warnings"]]


def test_the_signature_is_kept_from_creation(city):
    """What the approver saw is what is sent: changing the unit's signature later does not change a campaign."""
    cid = make(city, "web:fajar")
    units.update_unit(city, "Damkar", actor="t", signature="-DAMKAR BARU")
    assert campaigns.preview_campaign(city, None, cid)["sample"]["text"].endswith(" -Damkar Kota Bandung")
    campaigns.submit(city, cid, "web:fajar")
    assert city.conn.execute("SELECT text FROM messages WHERE campaign_id = ? LIMIT 1",
                             (cid,)).fetchone()[0].endswith(" -Damkar Kota Bandung")


def test_sender_name_for_campaign(city):
    cid = make(city, "web:fajar")
    assert units.sender_name_for_campaign(city, cid) == "DAMKARBDG"
    assert units.sender_name_for_campaign(city, make(city, "web:dina")) is None
    assert units.sender_name_for_campaign(city, 999) is None


# -- visibility ----------------------------------------------------------------------------------------------------


def test_a_unit_sees_only_its_campaigns(city):
    mine, theirs = make(city, "web:fajar", name="Damkar"), make(city, "web:dina", name="Kominfo")
    damkar = units.scope_of(city, "web:fajar")
    assert damkar == unit_id(city, "Damkar") and units.scope_of(city, "web:ani") is None
    assert units.scope_of(city, "cli:root") is None  # the box's console
    assert [c["id"] for c in campaigns.list_campaigns(city, within=damkar)] == [mine]
    assert {c["id"] for c in campaigns.list_campaigns(city)} == {mine, theirs}
    assert campaigns.get(city, mine, within=damkar)["unit"] == "Damkar"
    with pytest.raises(NotFound):
        campaigns.get(city, theirs, within=damkar)
    with pytest.raises(NotFound):  # acting on it: the verb does not find it either
        campaigns.submit(city, theirs, "web:fajar")
    assert city.conn.execute("SELECT state FROM campaigns WHERE id = ?", (theirs,)).fetchone()[0] == "draft"


def test_only_an_admin_creates_for_another_unit(city):
    with pytest.raises(NotAllowed) as exc:
        make(city, "web:fajar", unit="Diskominfo")
    assert "unit Anda sendiri" in exc.value.pesan
    cid = make(city, "web:ani", unit="Damkar")
    assert campaigns.get(city, cid)["unit"] == "Damkar"


def test_templates_per_unit_and_shared_builtins(city):
    city.save_template("damkar-latihan", "Latihan evakuasi {nama}.", by="t", unit_id=unit_id(city, "Damkar"))
    city.save_template("kominfo-info", "Info {nama}.", by="t", unit_id=unit_id(city, "Diskominfo"))
    damkar = [t["name"] for t in campaigns.list_templates(city, within=unit_id(city, "Damkar"))]
    assert "damkar-latihan" in damkar and "kominfo-info" not in damkar and "peringatan-banjir" in damkar
    assert {"damkar-latihan", "kominfo-info"} <= {t["name"] for t in campaigns.list_templates(city)}
    with pytest.raises(NotFound):
        campaigns.create(city, "x", None, "sukajadi", actor="web:fajar", template="kominfo-info")
    cid = campaigns.create(city, "x", None, "sukajadi", actor="web:fajar", template="damkar-latihan")
    assert campaigns.get(city, cid)["text"] == "Latihan evakuasi {nama}."


# -- approval within the unit ------------------------------------------------------------------------------------


def test_approval_stays_within_the_unit(city):
    campaigns_threshold(city, 5)
    cid = make(city, "web:fajar")
    assert campaigns.submit(city, cid, "web:fajar")["state"] == "awaiting_approval"
    assert campaigns.awaiting_approval(city, within=unit_id(city, "Diskominfo")) == []
    assert campaigns.awaiting_approval(city, within=unit_id(city, "Damkar")) == [cid]
    with pytest.raises(NotAllowed) as exc:
        campaigns.approve(city, cid, "web:dodi")  # Diskominfo's approver
    assert "unit Damkar" in exc.value.pesan
    assert city.conn.execute("SELECT state FROM campaigns WHERE id = ?", (cid,)).fetchone()[0] == "awaiting_approval"
    assert campaigns.approve(city, cid, "web:feri")["state"] == "running"


def test_any_approver_lets_an_emergency_out(city):
    campaigns_threshold(city, 5)
    cid = make(city, "web:fajar", emergency=True)
    campaigns.submit(city, cid, "web:fajar")
    assert campaigns.awaiting_approval(city, within=unit_id(city, "Diskominfo")) == [cid]
    r = campaigns.approve(city, cid, "web:dodi")
    assert r["state"] == "running" and r["approved_by"] == "dodi"


def test_an_admin_approves_any_unit(city):
    campaigns_threshold(city, 5)
    cid = make(city, "web:dina")
    campaigns.submit(city, cid, "web:dina")
    assert campaigns.approve(city, cid, "web:ani")["state"] == "running"


def campaigns_threshold(store, value: int) -> None:
    store.set_setting("approval_threshold", value, by="test")


# -- quota -------------------------------------------------------------------------------------------------------


def test_quota_refuses_what_does_not_fit_and_loses_nothing(city, clock):
    units.update_unit(city, "Damkar", actor="t", monthly_quota=20)
    first = make(city, "web:fajar")  # 12 recipients, one part each
    assert campaigns.submit(city, first, "web:fajar")["parts"] == 12
    status = units.quota_status(city, unit_id(city, "Damkar"))
    assert (status["used"], status["left"]) == (12, 8)
    p = campaigns.preview_campaign(city, None, second := make(city, "web:fajar"))
    assert p["quota"]["left"] == 8 and "quota" in [w["code"] for w in p["warnings"]]
    with pytest.raises(QuotaExceeded) as exc:
        campaigns.submit(city, second, "web:fajar")
    assert "Kuota bulanan unit Damkar tidak cukup" in exc.value.pesan and "tinggal 8 dari 20" in exc.value.pesan
    assert city.conn.execute("SELECT state FROM campaigns WHERE id = ?", (second,)).fetchone()[0] == "draft"
    assert city.conn.execute("SELECT COUNT(*) FROM messages WHERE campaign_id = ?", (second,)).fetchone()[0] == 0
    # Another unit is not touched by Damkar's quota.
    assert campaigns.submit(city, make(city, "web:dina"), "web:dina")["state"] == "running"
    # A cancelled campaign's unsent messages give their parts back.
    campaigns.cancel(city, first, "web:fajar")
    assert units.quota_status(city, unit_id(city, "Damkar"))["used"] == 0
    assert campaigns.submit(city, second, "web:fajar")["state"] == "running"


def test_quota_starts_again_next_month(city, clock):
    units.update_unit(city, "Damkar", actor="t", monthly_quota=12)
    campaigns.submit(city, make(city, "web:fajar"), "web:fajar")
    second = make(city, "web:fajar")
    with pytest.raises(QuotaExceeded):
        campaigns.submit(city, second, "web:fajar")
    clock[0] += 31 * 86400  # 2027-02-15
    assert campaigns.submit(city, second, "web:fajar")["state"] == "running"
    # Made in January, queued in February: February's (the queueing month's), counted once.
    assert units.quota_status(city, unit_id(city, "Damkar"))["used"] == 12
    months = {m: {r["unit"]: r for r in units.monthly_report(city, m)}["Damkar"] for m in ("2027-01", "2027-02")}
    assert [(r["kampanye"], r["pesan"], r["kuota_terpakai"]) for r in months.values()] == [(1, 12, 12), (1, 12, 12)]


def test_an_emergency_beyond_the_quota_goes_out_flagged_and_audited(city):
    units.update_unit(city, "Damkar", actor="t", monthly_quota=5)
    cid = make(city, "web:fajar", "AWAS KEBAKARAN di RT {rt}!", emergency=True)
    p = campaigns.preview_campaign(city, None, cid)
    quota_warning = next(w for w in p["warnings"] if w["code"] == "quota")
    assert "tetap dikirim" in quota_warning["pesan"]
    r = campaigns.submit(city, cid, "web:fajar")
    assert r["state"] == "running" and r["over_quota"] is True
    row = city.conn.execute("SELECT over_quota, priority FROM campaigns WHERE id = ?", (cid,)).fetchone()
    assert tuple(row) == (1, EMERGENCY)
    detail = json.loads(city.conn.execute("SELECT detail FROM audit_log WHERE action = 'campaign_over_quota'")
                        .fetchone()[0])
    assert detail == {"campaign": cid, "unit": unit_id(city, "Damkar"), "unit_name": "Damkar", "month": "2027-01",
                      "quota": 5, "used_before": 0, "needed": 12}
    report = {r["unit"]: r for r in units.monthly_report(city, "2027-01")}
    assert report["Damkar"]["darurat_melebihi_kuota"] == 1


# -- the monthly report ------------------------------------------------------------------------------------------


def deliver(store, campaign_id: int, *, delivered: int, failed: int, parts_each: int = 1) -> None:
    """Mark the campaign's first messages delivered / failed with their parts sent, as the daemon would."""
    ids = [r[0] for r in store.conn.execute("SELECT id FROM messages WHERE campaign_id = ? AND state = 'queued'"
                                            " ORDER BY id", (campaign_id,))]
    with store.tx() as c:
        for i, mid in enumerate(ids[:delivered + failed]):
            state = "delivered" if i < delivered else "failed"
            c.execute("UPDATE messages SET state = ?, done_at = ? WHERE id = ?", (state, store.clock(), mid))
            for seq in range(1, parts_each + 1):
                c.execute("INSERT INTO message_parts (message_id, seq, total, modem, mr, sent_at) VALUES (?,?,?,?,?,?)",
                          (mid, seq, parts_each, "sim800", seq, store.clock()))


def test_monthly_report_per_unit(city, clock):
    units.update_unit(city, "Damkar", actor="t", cost_per_part=200, monthly_quota=1000)
    city.set_setting("cost_per_segment", 150, by="t")
    damkar = make(city, "web:fajar")
    campaigns.submit(city, damkar, "web:fajar")
    deliver(city, damkar, delivered=9, failed=3)
    kominfo = make(city, "web:dina", "A" * 150)  # 150 + " -Diskominfo": two parts
    campaigns.submit(city, kominfo, "web:dina")
    deliver(city, kominfo, delivered=4, failed=0, parts_each=2)
    rows = {r["unit"]: r for r in units.monthly_report(city, "2027-01", default_cost=150)}
    assert rows["Damkar"] == {
        "bulan": "2027-01", "unit": "Damkar", "kampanye": 1, "pesan": 12, "bagian_sms": 12, "biaya_per_sms": 200,
        "biaya_rp": 2400, "diterima": 9, "gagal": 3, "tingkat_terkirim_persen": 75.0, "kuota": 1000,
        "kuota_terpakai": 12, "darurat_melebihi_kuota": 0}
    assert (rows["Diskominfo"]["bagian_sms"], rows["Diskominfo"]["biaya_rp"], rows["Diskominfo"]["diterima"],
            rows["Diskominfo"]["tingkat_terkirim_persen"]) == (8, 1200, 4, 33.3)
    assert rows["Kantor"]["pesan"] == 0 and rows["Kantor"]["tingkat_terkirim_persen"] is None
    assert [r["unit"] for r in units.monthly_report(city, "2027-01", within=unit_id(city, "Damkar"))] == ["Damkar"]
    assert all(r["pesan"] == 0 for r in units.monthly_report(city, "2026-12"))
    with pytest.raises(units.UnitError) as exc:
        units.monthly_report(city, "2027-13")
    assert "TTTT-BB" in exc.value.pesan


# -- the command line --------------------------------------------------------------------------------------------


def run(capsys, *argv) -> tuple[int, dict | str]:
    code = cli.main(list(argv))
    out = capsys.readouterr().out
    try:
        return code, json.loads(out)
    except ValueError:
        return code, out


def test_cli_units_users_and_report(tmp_path, capsys):
    s = ["--state-dir", str(tmp_path)]
    code, out = run(capsys, "unit", "add", "Damkar", "--signature=-Damkar", "--sender-name", "DAMKARBDG",
                    "--monthly-quota", "500", *s)
    assert code == 0 and out["sender_name"] == "DAMKARBDG"
    code, out = run(capsys, "unit", "add", "BPBD", "--sender-name", "BPBD KOTA BANDUNG", *s)
    assert code == 2 and "Nama pengirim" in out["pesan"]
    code, out = run(capsys, "unit", "set", "damkar", "--monthly-quota", "", "--cost-per-part", "200", *s)
    assert code == 0 and (out["monthly_quota"], out["cost_per_part"]) == (None, 200)
    code, out = run(capsys, "user", "add", "fajar", "--role", "operator", "--unit", "Damkar", *s)
    assert code == 0
    code, out = run(capsys, "user", "add", "xena", "--role", "operator", "--unit", "Pemadam", *s)
    assert code == 2 and "Tidak ada unit" in out["pesan"]
    code, out = run(capsys, "user", "set-unit", "fajar", "--unit", "Kantor", *s)
    assert code == 0
    code, out = run(capsys, "user", "list", *s)
    assert [(u["username"], u["unit"]) for u in out["users"]] == [("fajar", "Kantor")]
    code, out = run(capsys, "unit", "list", *s)
    assert [(u["name"], u["users"]) for u in out["units"]] == [("Damkar", 0), ("Kantor", 1)]
    code, out = run(capsys, "unit", "report", "--csv", "--month", "2026-07", *s)
    assert code == 0 and out.splitlines()[0].startswith("bulan;unit;kampanye;pesan;bagian_sms;biaya_per_sms")
    assert "2026-07;Damkar;0;0;0;200;0;0;0;;;0;0" in out.splitlines()
    code, out = run(capsys, "unit", "report", "--month", "Juli", *s)
    assert code == 2 and "TTTT-BB" in out["pesan"]


# -- contacts and audiences private to a unit --------------------------------------------------------------------


def test_private_contacts_reach_only_their_unit(city):
    """Two contacts private to Damkar: Diskominfo's campaigns and counts leave them out, Damkar's include them."""
    assert contacts.set_private(city, unit_id=unit_id(city, "Damkar"), actor="cli:root",
                                numbers=[n(0), "0812-0000-0201"]) == 2
    kominfo = campaigns.preview(city, None, "Halo {nama}.", "sukajadi", unit=unit_id(city, "Diskominfo"))
    damkar = campaigns.preview(city, None, "Halo {nama}.", "sukajadi", unit=unit_id(city, "Damkar"))
    assert (kominfo["recipients"], damkar["recipients"]) == (10, 12)
    cid = make(city, "web:dina")
    campaigns.submit(city, cid, "web:dina")
    sent_to = {r[0] for r in city.conn.execute("SELECT number FROM messages WHERE campaign_id = ?", (cid,))}
    assert len(sent_to) == 10 and n(0) not in sent_to and n(1) not in sent_to
    # Shared again: everyone reaches them.
    assert contacts.set_private(city, unit_id=None, actor="cli:root", numbers=[n(0)]) == 1
    assert campaigns.preview(city, None, "Halo.", "sukajadi", unit=unit_id(city, "Diskominfo"))["recipients"] == 11
    detail = json.loads(city.conn.execute("SELECT detail FROM audit_log WHERE action = 'contact.private'"
                                          " ORDER BY id LIMIT 1").fetchone()[0])
    assert detail == {"unit": unit_id(city, "Damkar"), "tag": None, "contacts": 2, "changed": 2}


def test_a_private_audience_is_only_its_units(city):
    audience.set_private(city, "sukajadi", unit_id(city, "Damkar"), "cli:root")
    assert [a["name"] for a in audience.list_saved(city, within=unit_id(city, "Diskominfo"))] == []
    assert [a["name"] for a in audience.list_saved(city, within=unit_id(city, "Damkar"))] == ["sukajadi"]
    with pytest.raises(audience.AudienceError):
        make(city, "web:dina")
    assert campaigns.get(city, make(city, "web:fajar"))["audience_id"] is not None
    audience.save(city, "sukajadi", Audience.build(desa="Sukajadi", rw="01"), "web:fajar")  # saving keeps it private
    assert audience.list_saved(city, within=unit_id(city, "Diskominfo")) == []


def test_cli_private(city, tmp_path, capsys):
    path = city.conn.execute("PRAGMA database_list").fetchone()["file"]
    s = ["--state-dir", str(tmp_path)]
    assert path == str(tmp_path / "siaran.db")
    code, out = run(capsys, "unit", "private", "--unit", "Damkar", "--number", "081200000203", "--audience",
                    "sukajadi", *s)
    assert code == 0 and out == {"unit": unit_id(city, "Damkar"), "contacts_changed": 1, "audience": "sukajadi"}
    code, out = run(capsys, "unit", "private", "--shared", "--audience", "tidak-ada", *s)
    assert code == 2 and "Tidak ada audiens" in out["pesan"]
    code, out = run(capsys, "unit", "private", "--unit", "Damkar", *s)
    assert code == 2 and "--number" in out["pesan"]
