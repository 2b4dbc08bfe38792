"""Campaigns: templates, preview (segments, cost, time, warnings), maker-checker, queueing, the CLI.

Contacts and users are inserted with SQL; numbers are fake (+62812000...).
The Bandung job at the end runs the real ``siaran`` parser in-process.
"""

from __future__ import annotations

import getpass
import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware import cli
from firmware.people import audience
from firmware.campaigns import campaign as campaigns
from firmware.campaigns import templates_builtin
from firmware.people.audience import Audience, AudienceError
from firmware.campaigns.campaign import CampaignError, NotAllowed, TemplateError
from firmware.office.config import Config, ModemConfig
from firmware.modem.segments import analyse
from firmware.queue.store import EMERGENCY, Store

from test_audience import add_contacts

from timetools import T0  # noqa: E402  (shared fixtures: clock, store)
LONGSOR = next(t.text for t in templates_builtin.BUILTIN if t.name == "peringatan-longsor")


def n(i: int) -> str:
    return f"+62812000001{i:02d}"




def add_user(store: Store, username: str, role: str, disabled: bool = False) -> None:
    with store.tx() as c:
        c.execute("INSERT INTO users (username, password_hash, role, disabled, created_at) VALUES (?, '-', ?, ?, ?)",
                  (username, role, int(disabled), T0))


def set_setting(store: Store, key: str, value) -> None:
    with store.tx() as c:
        c.execute("INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?,?,?)",
                  (key, json.dumps(value), T0))


def village(store: Store, count: int = 10) -> None:
    """``count`` Ketua RT in RW 01.. of Sukajadi, plus one warga with an empty name."""
    add_contacts(store, [{"number": n(i), "name": f"Pak {i}", "desa": "Sukajadi", "rw": f"{i % 10 + 1:02d}",
                          "rt": "01", "role": "Ketua RT"} for i in range(count)]
                 + [{"number": n(90), "name": "", "desa": "Sukajadi", "rw": "01", "rt": "02", "role": ""}])


def messages(store: Store, campaign_id: int) -> list[dict]:
    return [dict(r) for r in store.conn.execute("SELECT * FROM messages WHERE campaign_id = ? ORDER BY number",
                                                (campaign_id,))]


# -- templates -------------------------------------------------------------------


def test_render_with_fallbacks():
    tpl = campaigns.compile_template("Yth. {nama} ({Jabatan}) RT { rt }/RW {rw} {desa}, {{kode}}")
    contact = {"name": "Siti", "role": None, "rt": "03", "rw": "  ", "desa": "Sukajadi", "dusun": None}
    assert campaigns.render(tpl, contact) == "Yth. Siti (Warga) RT 03/RW setempat Sukajadi, {kode}"
    assert campaigns.render(tpl, {**contact, "name": ""}, {"nama": "Pak Ketua"}).startswith("Yth. Pak Ketua (")
    assert tpl.placeholders == ("nama", "jabatan", "rt", "rw", "desa")


@pytest.mark.parametrize("text", ["Halo {name}", "Halo {nama} {alamat}", "Rp {0}", "{__class__}", "x {nama.__class__}",
                                  "{}"])
def test_unknown_placeholders_are_refused(text):
    with pytest.raises(TemplateError) as exc:
        campaigns.compile_template(text)
    assert "{nama}" in exc.value.reason and exc.value.pesan


def test_fallback_for_unknown_placeholder_is_refused():
    with pytest.raises(TemplateError):
        campaigns.check_fallbacks({"alamat": "x"})


def test_blanks_must_be_filled():
    text = "Posyandu [[tempat]], [[tanggal]]."
    with pytest.raises(TemplateError) as exc:
        campaigns.compile_template(text)
    assert "tempat" in exc.value.reason
    filled = campaigns.fill_blanks(text, {"tempat": "Mawar", "TANGGAL": "Sabtu, 12 Juli"})
    assert filled == "Posyandu Mawar, Sabtu, 12 Juli."
    with pytest.raises(TemplateError):
        campaigns.fill_blanks(text, {"jam": "08.00"})


def test_builtin_templates_install_idempotently_and_need_no_warning(store):
    assert templates_builtin.install(store) == {"installed": len(templates_builtin.BUILTIN), "updated": 0}
    assert templates_builtin.install(store) == {"installed": 0, "updated": 0}
    with store.tx() as c:
        c.execute("UPDATE templates SET text = 'lama' WHERE name = 'imunisasi'")
    assert templates_builtin.install(store) == {"installed": 0, "updated": 1}
    names = {t["name"] for t in campaigns.list_templates(store)}
    assert {"peringatan-banjir", "peringatan-longsor", "imunisasi", "covid19-3m", "pengingat-pbb",
            "undangan-acara", "minta-persetujuan"} <= names
    for t in templates_builtin.BUILTIN:
        text = campaigns.fill_blanks(t.text, {b: "Sabtu" for b in campaigns.unfilled(t.text)})
        tpl = campaigns.compile_template(text)
        assert "nama" in tpl.placeholders or "jabatan" in tpl.placeholders
        assert campaigns.filter_warnings(tpl.literal_text()) == [], t.name
        if t.category == "bencana":
            assert not campaigns.unfilled(t.text)
            sample = {"name": "Asep", "role": "Ketua RW", "rt": "03", "rw": "05", "desa": "Sukajadi", "dusun": ""}
            assert campaigns.count_segments(campaigns.render(tpl, sample))[1] == 1


# -- segments --------------------------------------------------------------------

_ALPHABET = st.sampled_from(list("abc XYZ019.,") + list("[]{}€^|~\\")
                            + ["é", "–", "“", "😀", "ñ", "Ω", "\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=500).map("".join))
def test_fast_segment_count_agrees_with_analyse(text):
    info = analyse(text)
    assert campaigns.count_segments(text) == (info.encoding, info.segments)


# -- operator filter warnings ----------------------------------------------------


@pytest.mark.parametrize("text, code, found", [
    ("Info lengkap di http://contoh.go.id/banjir", "link", "http://contoh.go.id/banjir"),
    ("buka www.contoh.org", "link", "www.contoh.org"),
    ("cek bit.ly/abc", "link", "bit.ly/abc"),
    ("lihat desa-sukajadi.id", "link", "desa-sukajadi.id"),
    ("iuran Rp 100.000 per KK", "digits", "100.000"),
    ("pada 12/03/2025", "digits", "12/03/2025"),
    ("hubungi 081200007890", "digits", "081200007890"),
    ("kode 4821", "digits", "4821"),
    ("Masukkan KODE", "words", "kode"),
    ("PIN anda", "words", "pin"),
    ("password", "words", "password"),
    ("OTP", "words", "otp"),
    ("verifikasi akun", "words", "verifikasi"),
    ("dana bantuan", "words", "dana"),
    ("Selamat! Anda menang", "words", "selamat"),
    ("nomornya", "words", "nomor"),
    ("hadiah 5 juta", "words", "juta"),
])
def test_filter_warnings(text, code, found):
    warnings = {w["code"]: w for w in campaigns.filter_warnings(text)}
    assert found in warnings[code]["found"]
    assert warnings[code]["pesan"] and warnings[code]["message"]


@pytest.mark.parametrize("text", ["pukul 08.00-10.00 WIB", "tahun 2025", "tahun ajaran 2024/2025", "RT 003 RW 12",
                                  "Darurat 112", "pinjam buku", "akuntan", "kodepos", "tanggal 12 Maret"])
def test_no_warning_for_ordinary_text(text):
    assert campaigns.filter_warnings(text) == []


def _modems(k: int, **limits) -> list[ModemConfig]:
    return [ModemConfig(name=f"m{i}", port=f"/dev/ttyUSB{i}", **limits) for i in range(k)]


# -- preview -----------------------------------------------------------------------


def test_preview_counts_every_recipient_and_prices_it(store):
    village(store, 4)
    add_contacts(store, [{"number": n(50), "name": "Raden " + "Panjang" * 15, "desa": "Sukajadi", "rw": "01",
                          "role": "Ketua RT"},
                         {"number": n(51), "name": "Dewi “Ayu”", "desa": "Sukajadi", "rw": "01",
                          "role": "Ketua RT"},
                         {"number": n(52), "name": "Mati", "desa": "Sukajadi", "rw": "01", "dead": 1}])
    store.add_optout(n(1), source="sms")
    set_setting(store, "cost_per_segment", 200)
    config = Config(modems=tuple(_modems(2)))
    text = "Yth. {nama}, RW {rw}: kerja bakti Minggu pukul 07.00. Info www.sukajadi.id"
    p = campaigns.preview(store, config, text, Audience.build(desa="Sukajadi"), sample_contact=n(2))
    assert p["audience"]["matched"] == 8 and p["audience"]["opted_out"] == 1 and p["audience"]["dead"] == 1
    assert p["recipients"] == 6
    assert p["segments"]["per_message_max"] == 2 and p["segments"]["per_message_min"] == 1
    assert p["segments"]["total"] == 8  # the long name and the UCS-2 quote each need two
    assert p["cost"] == {"per_segment_rupiah": 200, "total_rupiah": 1600, "setting": "cost_per_segment"}
    assert p["encoding"] == "ucs2" and p["gsm7_fix"]["ucs2_chars_from_contacts"] == ["“", "”"]
    codes = {w["code"] for w in p["warnings"]}
    assert {"link", "ucs2", "segments"} <= codes and "digits" not in codes
    assert p["time"]["modems"] == 2 and p["time"]["elapsed_minutes"] >= 1 and p["time"]["human"]
    assert p["sample"]["text"] == "Yth. Pak 2, RW 03: kerja bakti Minggu pukul 07.00. Info www.sukajadi.id"
    assert p["sample"]["number"] == "+6281****0102"
    assert p["sample"]["status"] == "reachable"
    opted_out = campaigns.preview(store, config, text, Audience.build(desa="Sukajadi"), sample_contact=n(1))
    assert opted_out["sample"]["status"] == "opted_out" and opted_out["sample"]["text"].startswith("Yth. Pak 1,")
    with pytest.raises(campaigns.NotFound):
        campaigns.preview(store, config, text, Audience.build(desa="Sukajadi"), sample_contact=n(77))


def test_preview_suggests_the_gsm7_fix_and_uses_the_modems_table(store):
    village(store, 2)
    store.upsert_modem("m0", port="/dev/ttyUSB0", state="ready")
    p = campaigns.preview(store, None, "Hujan deras – waspada, {nama}!", Audience.build(rw="1-2"))
    assert p["gsm7_fix"]["ucs2_chars"] == ["–"]
    assert p["gsm7_fix"]["suggested_text"] == "Hujan deras - waspada, {nama}!"
    assert p["time"]["modems"] == 1 and p["time"]["limits_from"].startswith("modems table")


# -- create, submit, approve --------------------------------------------------------


def test_small_campaign_queues_on_submit(store):
    village(store, 3)
    audience.save(store, "rw", Audience.build(rw="01-05"), "cli:budi")
    cid = campaigns.create(store, "Kerja bakti", "Yth. {nama} RW {rw}", "rw", actor="cli:budi")
    assert campaigns.get(store, cid)["state"] == "draft"
    assert messages(store, cid) == []
    result = campaigns.submit(store, cid, "cli:budi")
    assert result["state"] == "running" and result["queued"] == 4
    texts = {m["number"]: m["text"] for m in messages(store, cid)}
    assert texts[n(0)] == "Yth. Pak 0 RW 01" and texts[n(90)] == "Yth. Bapak/Ibu RW 01"
    with pytest.raises(NotAllowed):
        campaigns.submit(store, cid, "cli:budi")


def test_large_campaign_needs_a_second_approver(store, clock):
    village(store, 10)
    store.add_optout(n(3), source="sms")
    with store.tx() as c:
        c.execute("UPDATE contacts SET dead = 1 WHERE number = ?", (n(4),))
    set_setting(store, "approval_threshold", 5)
    add_user(store, "budi", "operator")
    add_user(store, "ani", "approver")
    add_user(store, "dodi", "approver", disabled=True)
    add_user(store, "root", "admin")
    send_at, expires_at = T0 + 3600, T0 + 86400
    cid = campaigns.create(store, "Longsor", LONGSOR, Audience.build(desa="Sukajadi"), actor="budi", emergency=True,
                           send_at=send_at, expires_at=expires_at, fallbacks={"jabatan": "Bapak/Ibu"})
    with pytest.raises(NotAllowed, match="submit it first"):
        campaigns.approve(store, cid, "ani")
    assert campaigns.submit(store, cid, "budi")["state"] == "awaiting_approval"
    for who, match in [("budi", "other than its creator"), ("cli:budi", "other than its creator"),
                       ("dodi", "no active user"), ("eve", "no active user"), ("cli:nobody", "no active user")]:
        with pytest.raises(NotAllowed, match=match):
            campaigns.approve(store, cid, who)
    add_user(store, "opr", "operator")
    with pytest.raises(NotAllowed, match="needs approver or admin"):
        campaigns.approve(store, cid, "opr")
    assert messages(store, cid) == []
    clock[0] += 60
    result = campaigns.approve(store, cid, "ani", via="cli:root")
    assert result == {"id": cid, "state": "running", "queued": 9, "suppressed": 1, "approved_by": "ani",
                      "send_at": send_at, "expires_at": expires_at, "parts": 9, "over_quota": False,
                      "channel": "modem"}  # no operator account
    rows = messages(store, cid)
    assert [m["number"] for m in rows if m["state"] == "suppressed"] == [n(3)]
    assert n(4) not in {m["number"] for m in rows}  # dead: not queued at all
    by_number = {m["number"]: m for m in rows}
    m0 = by_number[n(0)]
    assert m0["text"] == campaigns.render(LONGSOR, {"name": "Pak 0", "role": "Ketua RT", "rt": "01", "rw": "01",
                                                    "desa": "Sukajadi", "dusun": None})
    assert m0["text"].startswith("AWAS LONGSOR di RW 01 Sukajadi! Yth. Ketua RT:")
    assert by_number[n(90)]["text"].startswith("AWAS LONGSOR di RW 01 Sukajadi! Yth. Bapak/Ibu:")
    assert {(m["priority"], m["not_before"], m["expires_at"], m["route"], m["created_by"]) for m in rows} == \
        {(EMERGENCY, send_at, expires_at, "telkomsel", "budi")}
    assert by_number[n(3)]["error"] == "opted out" and by_number[n(3)]["done_at"] == T0 + 60
    camp = campaigns.get(store, cid)
    assert (camp["state"], camp["approved_by"], camp["approved_at"], camp["recipients"]) == \
        ("running", "ani", T0 + 60, 9)
    with pytest.raises(NotAllowed):
        campaigns.approve(store, cid, "root")
    # audited, chained, and never a phone number
    audit = list(store.conn.execute("SELECT actor, action, detail FROM audit_log ORDER BY id"))
    assert [(a["actor"], a["action"]) for a in audit][-3:] == [("budi", "campaign_create"), ("budi", "campaign_submit"),
                                                              ("ani", "campaign_approve")]
    assert json.loads(audit[-1]["detail"])["via"] == "cli:root"
    assert not any("+628" in a["detail"] or "0812" in a["detail"] for a in audit)
    assert store.verify_audit() is None
    listed = campaigns.list_campaigns(store)[0]
    assert listed["messages"] == {"queued": 9, "suppressed": 1} and listed["emergency"]
    # cancel: queued messages are not sent
    assert campaigns.cancel(store, cid, "ani")["messages_cancelled"] == 9
    assert campaigns.list_campaigns(store)[0]["messages"] == {"cancelled": 9, "suppressed": 1}
    with pytest.raises(NotAllowed):
        campaigns.cancel(store, cid, "ani")


def test_the_audience_is_fixed_when_the_campaign_is_created(store):
    village(store, 10)
    audience.save(store, "rw1", Audience.build(rw="1"), "cli:budi")
    cid = campaigns.create(store, "x", "Halo {nama}", "rw1", actor="cli:budi")
    audience.save(store, "rw1", Audience.build(rw="1-10"), "cli:budi")  # edited afterwards
    assert campaigns.submit(store, cid, "cli:budi")["queued"] == 2  # n(0) and n(90), as previewed


def test_an_expired_campaign_is_not_queued(store, clock):
    village(store, 2)
    set_setting(store, "approval_threshold", 0)
    add_user(store, "ani", "approver")
    cid = campaigns.create(store, "x", "Halo {nama}", Audience.build(rw="1-2"), actor="cli:budi",
                           expires_at=T0 + 600)
    campaigns.submit(store, cid, "cli:budi")
    clock[0] += 601
    with pytest.raises(NotAllowed, match="expired"):
        campaigns.approve(store, cid, "ani")
    assert messages(store, cid) == []


@pytest.mark.parametrize("kwargs, error", [
    ({"text": "Halo {alamat}"}, TemplateError),
    ({"text": ""}, TemplateError),
    ({"text": "x" * 2000}, TemplateError),
    ({"text": "Posyandu [[tempat]]"}, TemplateError),
    ({"audience_or_name": Audience.build(rw="99")}, CampaignError),  # reaches nobody
    ({"audience_or_name": "no such audience"}, AudienceError),
    ({"send_at": "2020-01-01T08:00"}, CampaignError),
    ({"send_at": "besok pagi"}, CampaignError),
    ({"expires_at": T0 - 1}, CampaignError),
    ({"send_at": T0 + 7200, "expires_at": T0 + 3600}, CampaignError),
    ({"name": ""}, AudienceError),
    ({"fallbacks": {"alamat": "x"}}, TemplateError),
])
def test_create_refuses_bad_input(store, kwargs, error):
    village(store, 2)
    args = {"name": "x", "text": "Halo {nama}", "audience_or_name": Audience.build(rw="1-5"), **kwargs}
    with pytest.raises(error) as exc:
        campaigns.create(store, args.pop("name"), args.pop("text"), args.pop("audience_or_name"), actor="cli:budi",
                         **args)
    assert exc.value.pesan
    assert store.conn.execute("SELECT COUNT(*) FROM campaigns").fetchone()[0] == 0


@pytest.mark.parametrize("name", ["x'); DROP TABLE messages; --", "Robert'); DELETE FROM campaigns;--", "%_%"])
def test_hostile_campaign_names_are_just_names(store, name):
    village(store, 2)
    cid = campaigns.create(store, name, "Halo {nama}; DROP TABLE x", Audience.build(rw="1-5"), actor="cli:budi")
    assert campaigns.get(store, cid)["name"] == name
    campaigns.submit(store, cid, "cli:budi")
    assert {m["text"] for m in messages(store, cid)} >= {"Halo Pak 0; DROP TABLE x"}
    assert {"messages", "campaigns"} <= set(store.db.table_names())


# -- the Bandung job, from the CLI ---------------------------------------------------


def siaran(capsys, *args: str) -> tuple[int, dict]:
    code = cli.main(list(args))
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def bandung(tmp_path):
    """Two kelurahan with RW 01..10, RT 01..03 each: a Ketua RW per RW, a Ketua RT per RT, two warga per RW."""
    state = tmp_path / "state"
    conf = tmp_path / "siaran.toml"
    conf.write_text(f'state_dir = "{state}"\n'
                    '[[modem]]\nname = "tsel"\nport = "/dev/ttyUSB0"\n'
                    '[[modem]]\nname = "isat"\nport = "/dev/ttyUSB1"\n')
    with Store.in_state_dir(state) as store:
        rows, i = [], 0
        for desa in ("Kelurahan Ledeng", "Isola"):
            for rw in range(1, 11):
                people = [("Ketua RW", None)] + [("Ketua RT", f"{rt:02d}") for rt in (1, 2, 3)] + [("warga", "01")] * 2
                for role, rt in people:
                    prefix = "857" if i % 4 == 0 else "812"
                    rows.append({"number": f"+62{prefix}00001{i:03d}",
                                 "name": None if i % 7 == 0 else f"Warga {i}", "desa": desa, "rw": f"{rw:02d}",
                                 "rt": rt, "role": role})
                    i += 1
        add_contacts(store, rows)
        add_user(store, "budi", "operator")
        add_user(store, "ani", "approver")
        add_user(store, getpass.getuser(), "approver")  # the person at the console is an approver too
    return {"conf": str(conf), "state": str(state), "rows": rows}


def test_the_bandung_job(capsys, bandung):
    conf = ["--config", bandung["conf"]]
    code, out = siaran(capsys, "audience", "save", "rw-utara", "--desa", "Kel. Ledeng", "--rw", "01-05",
                       "--role", "Ketua RT,Ketua RW", *conf)
    assert code == 0 and out["counts"] == {"matched": 20, "reachable": 20, "opted_out": 0, "dead": 0}
    target = [r for r in bandung["rows"] if r["desa"] == "Kelurahan Ledeng" and int(r["rw"]) <= 5
              and r["role"] in ("Ketua RT", "Ketua RW")]
    with Store.in_state_dir(bandung["state"]) as store:
        store.add_optout(target[0]["number"], source="sms")
    code, out = siaran(capsys, "audience", "count", "rw-utara", *conf)
    assert (code, out["reachable"], out["opted_out"]) == (0, 19, 1)
    code, out = siaran(capsys, "audience", "list", *conf)
    assert [a["name"] for a in out["audiences"]] == ["rw-utara"]

    code, out = siaran(capsys, "campaign", "create", "--name", "Peringatan longsor utara", "--template",
                       "peringatan-longsor", "--audience", "rw-utara", "--emergency", *conf)
    assert code == 0 and out["state"] == "draft"
    cid, pv = out["id"], out["preview"]
    assert pv["recipients"] == 19 and pv["approval_needed"] is False  # threshold 50
    assert pv["segments"]["per_message_max"] == 1 and pv["segments"]["total"] == 19
    assert pv["cost"]["total_rupiah"] == 19 * campaigns.DEFAULT_COST_PER_SEGMENT
    assert pv["time"]["modems"] == 2 and pv["time"]["human"] and pv["time"]["limits_from"] == "config"
    assert pv["warnings"] == [] and pv["emergency"]
    assert pv["sample"]["text"].startswith("AWAS LONGSOR di RW 01 Kelurahan Ledeng! Yth. Ketua RT:")

    # a text with filter bait shows warnings in both languages
    code, out = siaran(capsys, "campaign", "preview", "--text", "Selamat {nama}, klik bit.ly/x Rp 100.000",
                       "--audience", "rw-utara", *conf)
    assert code == 0 and {w["code"] for w in out["warnings"]} >= {"link", "digits", "words"}
    assert all(w["pesan"] and w["message"] for w in out["warnings"])

    # a large campaign: the creator cannot approve it
    with Store.in_state_dir(bandung["state"]) as store:
        set_setting(store, "approval_threshold", 10)
    code, out = siaran(capsys, "campaign", "submit", str(cid), *conf)
    assert (code, out["state"]) == (0, "awaiting_approval")
    code, out = siaran(capsys, "campaign", "approve", str(cid), *conf)  # the system user made it
    assert code == 1 and "creator" in out["error"] and out["pesan"]
    code, out = siaran(capsys, "campaign", "approve", str(cid), "--as", "budi", *conf)  # not an approver
    assert code == 1 and "approver" in out["error"]
    code, out = siaran(capsys, "campaign", "approve", str(cid), "--as", "ani", *conf)
    assert code == 0 and out["state"] == "running" and (out["queued"], out["suppressed"]) == (19, 1)

    with Store.in_state_dir(bandung["state"]) as store:
        got = {m["number"]: m for m in messages(store, cid)}
    assert set(got) == {r["number"] for r in target}
    for r in target:
        m = got[r["number"]]
        assert m["text"] == campaigns.render(LONGSOR, r)
        assert m["priority"] == EMERGENCY
        assert m["state"] == ("suppressed" if r is target[0] else "queued")
        assert m["route"] == ("indosat" if r["number"].startswith("+62857") else "telkomsel")
    code, out = siaran(capsys, "campaign", "list", *conf)
    assert out["campaigns"][0]["messages"] == {"queued": 19, "suppressed": 1}
    assert out["campaigns"][0]["approved_by"] == "ani"
    code, out = siaran(capsys, "campaign", "cancel", str(cid), *conf)
    assert (code, out["messages_cancelled"]) == (0, 19)


def test_cli_creator_named_with_as_cannot_approve(capsys, bandung):
    conf = ["--config", bandung["conf"]]
    siaran(capsys, "audience", "save", "semua", "--all", *conf)
    code, out = siaran(capsys, "campaign", "create", "--name", "Undangan", "--template", "undangan-acara",
                       "--fill", "acara=Musrenbang", "--fill", "tanggal=Sabtu, 12 Juli", "--fill", "jam=09.00 WIB",
                       "--fill", "tempat=Aula Kelurahan", "--fill", "pengundang=Lurah Ledeng",
                       "--fallback", "jabatan=Bapak/Ibu", "--audience", "semua", "--as", "budi", "--submit", *conf)
    assert code == 0 and out["created_by"] == "budi" and out["state"] == "awaiting_approval"
    assert "Musrenbang, Sabtu, 12 Juli pukul 09.00 WIB di Aula Kelurahan" in out["preview"]["sample"]["text"]
    code, out2 = siaran(capsys, "campaign", "approve", str(out["id"]), "--as", "budi", *conf)
    assert code == 1 and "creator" in out2["error"]
    code, _ = siaran(capsys, "campaign", "approve", str(out["id"]), *conf)  # the system user is another person
    assert code == 0


@pytest.mark.parametrize("args", [
    ["campaign", "create", "--name", "x", "--template", "imunisasi", "--audience", "semua"],  # blanks unfilled
    ["campaign", "create", "--name", "x", "--text", "Halo {alamat}", "--audience", "semua"],
    ["campaign", "create", "--name", "x", "--text", "Halo", "--audience", "x'; DROP TABLE audiences;--"],
    ["campaign", "create", "--name", "x", "--text", "Halo", "--audience", "semua", "--fallback", "nama"],
    ["campaign", "create", "--name", "x", "--text", "Halo", "--audience", "semua", "--send-at", "kemarin"],
    ["campaign", "create", "--name", "x", "--text", "Halo", "--audience", "semua", "--as", "nobody"],
    ["campaign", "approve", "999"],
    ["campaign", "preview"],
    ["audience", "count", "--rw", "1 OR 1=1"],
    ["audience", "save", "x", "--desa", "a\x00b"],
    ["audience", "count"],
])
def test_cli_errors_are_json(capsys, bandung, args):
    siaran(capsys, "audience", "save", "semua", "--all", "--config", bandung["conf"])
    code, out = siaran(capsys, *args, "--config", bandung["conf"])
    assert code in (1, 2) and out["error"] and out["pesan"]
    with Store.in_state_dir(bandung["state"]) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 120
        assert store.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0


def test_the_console_command_runs(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "firmware.cli", "campaign", "list", "--state-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and json.loads(proc.stdout) == {"campaigns": []}
