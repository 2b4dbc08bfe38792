"""Resident keywords on a real SQLite file: parsing, each outcome, the reply rules (queue, one part, rate
limit, never to an opted-out number), number changes and their expiry, consent policy at queue time.

The same keywords through the emulated modem and the daemon: tests/queue/test_keywords_e2e.py.
"""

from __future__ import annotations

import dataclasses

import pytest

from firmware.campaigns import campaign as camp_mod
from firmware.modem.segments import analyse
from firmware.office.config import with_defaults
from firmware.people import keyword_store as ks
from firmware.people import keywords
from firmware.people.audience import Audience, count
from firmware.people.contacts import delete_person, export_person
from firmware.people.keywords import Change, Consent, Info, Place, Subscribe, parse
from firmware.people.numbers import normalise
from firmware.queue.inbox import file_incoming

A, B, C, D = (normalise(f"0812{i:08d}") for i in (1, 2, 3, 4))
CONFIG = with_defaults("/nonexistent", [])
PLACES = [Place("Sukamaju", "Coblong"), Place("Sukamaju", "Sukasari"), Place("Sukajadi", "Sukajadi"),
          Place("Cipedes Tengah", "Cibeunying")]


def _contact(store, number, *, name="Ibu Ani", desa="Sukajadi", kecamatan="Sukajadi", rt="03", rw="05",
             role="Ketua RT", basis="public_service"):
    now = store.clock()
    with store.tx() as c:
        return c.execute("INSERT INTO contacts (number, name, desa, kecamatan, rt, rw, role, basis, created_at,"
                         " updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                         (number, name, desa, kecamatan, rt, rw, role, basis, now, now)).lastrowid


def sms(store, number, text, config=CONFIG):
    """File an incoming SMS as a modem worker would; the inbox row."""
    inbox_id = file_incoming(store, config, "modem0", number, text, sc_timestamp=f"{store.clock()}:{text}")
    return dict(store.conn.execute("SELECT * FROM inbox WHERE id = ?", (inbox_id,)).fetchone())


def queued(store, number=None):
    sql = "SELECT number, text, state, priority, created_by FROM messages"
    rows = store.conn.execute(sql + (" WHERE number = ?" if number else "") + " ORDER BY id",
                              (number,) if number else ()).fetchall()
    return [dict(r) for r in rows]


# -- parsing ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["YA", "ya.", " Ya ", "SETUJU!", "ya, setuju", "Ya!!!", "\tya\n", "YA YA"])
def test_consent_in_any_case_spacing_and_punctuation(text):
    assert isinstance(parse(text, CONFIG), Consent)


@pytest.mark.parametrize("text", ["Ya pak, nanti saya sampaikan ke warga", "yakin?", "ya tidak", "", "   ", "!!!"])
def test_a_conversation_that_starts_with_ya_is_no_consent(text):
    assert parse(text, CONFIG) is None


@pytest.mark.parametrize("text, number", [
    ("GANTI 081200000002", B), ("ganti 0812-0000-0002", B), ("Ganti: +62 812 0000 0002", B),
    ("GANTI08120000 0002", B), ("ganti ke 0812 0000 0002.", B), ("GANTI", None), ("GANTI nomor saya", None),
    ("GANTI 0221234567", None)])
def test_change_reads_the_number_however_written(text, number):
    assert parse(text, CONFIG) == Change("GANTI", number)


def test_subscribe_finds_the_place_rt_rw_and_name():
    got = parse("Daftar: Kel. Sukajadi RT 3/RW 5, Budi Santoso", CONFIG, PLACES)
    assert got == Subscribe("DAFTAR", (Place("Sukajadi", "Sukajadi"),), "Sukajadi", "03", "05", "Budi Santoso")
    got = parse("DAFTAR cipedes tengah 03/07 Siti", CONFIG, PLACES)
    assert (got.places, got.rt, got.rw, got.name) == ((Place("Cipedes Tengah", "Cibeunying"),), "03", "07", "Siti")
    got = parse("daftar SUKAJADI", CONFIG, PLACES)
    assert (got.places, got.rt, got.rw, got.name) == ((Place("Sukajadi", "Sukajadi"),), None, None, None)


def test_subscribe_ambiguous_unknown_and_empty():
    two = parse("DAFTAR Sukamaju 03/05 Budi", CONFIG, PLACES)
    assert len(two.places) == 2 and two.exact
    one = parse("DAFTAR Sukamaju Coblong 03/05 Budi", CONFIG, PLACES)
    assert one.places == (Place("Sukamaju", "Coblong"),) and (one.rt, one.rw, one.name) == ("03", "05", "Budi")
    near = parse("DAFTAR Suka RT 1", CONFIG, PLACES)
    assert not near.exact and {p.desa for p in near.places} == {"Sukamaju", "Sukajadi"}
    assert parse("DAFTAR Antah Berantah", CONFIG, PLACES).places == ()
    assert parse("DAFTAR", CONFIG, PLACES).query == ""


@pytest.mark.parametrize("text", ["INFO", "info?", "Bantuan", "BANTUAN dong"])
def test_info(text):
    assert isinstance(parse(text, CONFIG), Info)


def test_configured_keywords_replace_the_defaults():
    config = dataclasses.replace(CONFIG, consent_keywords=("OKE",), info_keywords=("TOLONG",))
    assert isinstance(parse("oke!", config), Consent)
    assert parse("ya", config) is None
    assert isinstance(parse("Tolong", config), Info)


def test_every_fixed_reply_is_one_gsm7_part():
    config = dataclasses.replace(CONFIG, office_contact="Kantor Kelurahan Sukamaju 022-0000000")
    for outcome, text in keywords.texts(config).items():
        assert keywords.one_part(text), (outcome, text, analyse(text))
    assert "022-0000000" in keywords.info_text(config) and keywords.one_part(keywords.info_text(config))
    assert keywords.one_part(keywords.change_confirmation_text(config, A))
    assert keywords.one_part(keywords.unknown_place_text("Antah", [Place(f"Kelurahan Nomor {i}") for i in range(40)]))
    assert keywords.one_part(keywords.subscribed_text(Place("Cipedes Tengah Sebelah Utara Jauh Sekali"), "03", "05"))


# -- outcomes on the store ---------------------------------------------------------------------------------


def test_consent_from_a_contact_records_basis_source_time_and_the_message_it_answered(store, clock):
    contact_id = _contact(store, A)
    camp_id = _sent_campaign(store, [A], "Balas YA bila bersedia menerima informasi dari Pemkot.")
    clock[0] += 60
    row = sms(store, A, "Ya.")
    consent = dict(store.conn.execute("SELECT * FROM consents").fetchone())
    assert consent["contact_id"] == contact_id and consent["source"] == "sms" and consent["keyword"] == "YA"
    assert consent["inbox_id"] == row["id"] and consent["campaign_id"] == camp_id and consent["at"] == clock[0]
    assert consent["message_id"] == store.conn.execute("SELECT id FROM messages WHERE campaign_id = ?",
                                                       (camp_id,)).fetchone()[0]
    contact = store.conn.execute("SELECT * FROM contacts WHERE id = ?", (contact_id,)).fetchone()
    assert (contact["basis"], contact["consent_source"], contact["consent_at"]) == ("consent", "sms", clock[0])
    assert (row["kind"], row["handled"], row["handled_by"]) == ("keyword", 1, "daemon")
    [reply] = queued(store, A)[1:]
    assert reply["state"] == "queued" and "persetujuan" in reply["text"] and reply["created_by"] == "daemon"
    assert row["reply_id"] is not None
    actions = [r[0] for r in store.conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert "contact.consent" in actions and "keyword_reply" in actions
    assert not any("0812" in r[0] or "+62" in r[0] for r in store.conn.execute("SELECT detail FROM audit_log"))


def _sent_campaign(store, numbers, text):
    now = store.clock()
    with store.tx() as c:
        camp_id = c.execute("INSERT INTO campaigns (name, text, state, created_at) VALUES ('minta', ?, 'running', ?)",
                            (text, now)).lastrowid
    store.enqueue(numbers, text, campaign_id=camp_id)
    with store.tx() as c:
        c.execute("UPDATE messages SET state = 'sent', sent_at = ? WHERE campaign_id = ?", (now, camp_id))
    return camp_id


def test_ya_from_an_unknown_sender_records_nothing_and_says_how_to_register(store):
    row = sms(store, C, "YA")
    assert store.conn.execute("SELECT COUNT(*) FROM consents").fetchone()[0] == 0
    assert store.conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 0
    [reply] = queued(store, C)
    assert "belum terdaftar" in reply["text"] and "DAFTAR" in reply["text"]
    assert row["kind"] == "keyword"


def test_a_plain_reply_stays_for_a_person(store):
    _contact(store, A)
    row = sms(store, A, "Ya pak, nanti saya sampaikan ke warga RT 03")
    assert (row["kind"], row["handled"]) == ("reply", 0)
    assert queued(store) == []


def test_keyword_from_an_opted_out_number_changes_nothing_and_gets_no_answer(store):
    _contact(store, A)
    sms(store, A, "BERHENTI")
    before = queued(store, A)
    row = sms(store, A, "YA")
    assert queued(store, A) == before  # only the opt-out confirmation
    assert store.conn.execute("SELECT COUNT(*) FROM consents").fetchone()[0] == 0
    assert (row["kind"], row["handled"]) == ("reply", 0)


def test_replies_are_rate_limited_per_number(store, clock):
    """An auto-responder answering every reply with INFO gets three replies an hour, not a loop."""
    for _ in range(6):
        sms(store, C, "INFO")
        clock[0] += 60
    assert len(queued(store, C)) == 3
    held = store.conn.execute("SELECT COUNT(*) FROM keyword_replies WHERE number = ? AND message_id IS NULL",
                              (C,)).fetchone()[0]
    assert held == 3
    assert store.conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'keyword_reply_held'").fetchone()[0] == 3
    clock[0] += 3600
    sms(store, C, "INFO")
    assert len(queued(store, C)) == 4


def test_change_double_opt_in_moves_the_contact_and_keeps_the_old_history(store, clock):
    contact_id = _contact(store, A)
    store.enqueue([A], "kabar lama")
    sms(store, A, "GANTI 0812-0000-0002")
    [change] = ks.changes(store, pending=True)
    assert (change["old_number"], change["new_number"], change["state"]) == (A, B, "pending")
    to_new = queued(store, B)
    assert len(to_new) == 1 and "Balas YA" in to_new[0]["text"] and "0812****0001" in to_new[0]["text"]
    assert "dicatat" in queued(store, A)[-1]["text"]
    assert store.conn.execute("SELECT number FROM contacts WHERE id = ?", (contact_id,)).fetchone()[0] == A
    clock[0] += 600
    sms(store, B, "ya")
    assert store.conn.execute("SELECT number, basis FROM contacts WHERE id = ?", (contact_id,)).fetchone()[:] == \
        (B, "consent")
    assert ks.changes(store, pending=True) == []
    assert ks.changes(store, pending=False)[0]["state"] == "confirmed"
    assert [m["text"] for m in queued(store, A)][0] == "kabar lama"  # the old number's history stays
    assert "menggantikan" in queued(store, B)[-1]["text"]


def test_change_to_an_opted_out_number_is_refused_and_nothing_goes_to_it(store):
    _contact(store, A)
    store.add_optout(B, source="sms", keyword="STOP")
    sms(store, A, "GANTI 081200000002")
    assert queued(store, B) == []
    assert "berhenti langganan" in queued(store, A)[-1]["text"]
    [change] = ks.changes(store, pending=False)
    assert (change["state"], change["reason"]) == ("rejected", "new_opted_out")


def test_change_to_an_existing_contacts_number_is_refused(store):
    _contact(store, A)
    _contact(store, B, name="Pak Budi")
    sms(store, A, "GANTI 081200000002")
    assert queued(store, B) == []
    assert "terdaftar untuk orang lain" in queued(store, A)[-1]["text"]
    assert ks.changes(store, pending=False)[0]["reason"] == "new_is_contact"


def test_change_from_an_unknown_sender_and_without_a_number(store):
    sms(store, C, "GANTI 081200000002")
    assert queued(store, B) == [] and "belum terdaftar" in queued(store, C)[-1]["text"]
    _contact(store, A)
    sms(store, A, "ganti nomor")
    assert "Format: GANTI" in queued(store, A)[-1]["text"]
    sms(store, A, "GANTI 081200000001")
    assert "sama dengan" in queued(store, A)[-1]["text"]
    assert store.conn.execute("SELECT COUNT(*) FROM number_changes").fetchone()[0] == 0


def test_an_unconfirmed_change_expires_and_a_late_ya_is_an_ordinary_one(store, clock):
    contact_id = _contact(store, A)
    sms(store, A, "GANTI 081200000002")
    clock[0] += CONFIG.number_change_hours * 3600 + 1
    sms(store, B, "YA")
    assert store.conn.execute("SELECT number FROM contacts WHERE id = ?", (contact_id,)).fetchone()[0] == A
    assert ks.changes(store, pending=False)[0]["state"] == "expired"
    assert "belum terdaftar" in queued(store, B)[-1]["text"]


def test_office_approves_or_rejects_a_pending_change(store):
    first = _contact(store, A)
    _contact(store, C, name="Pak Cecep")
    sms(store, A, "GANTI 081200000002")
    sms(store, C, "GANTI 081200000004")
    by_old = {r["old_number"]: r["id"] for r in ks.changes(store, pending=True)}
    assert ks.decide_change(store, by_old[A], approve=True, by="web:lurah") == "approved"
    assert store.conn.execute("SELECT number FROM contacts WHERE id = ?", (first,)).fetchone()[0] == B
    assert "kini menerima info" in queued(store, B)[-1]["text"]
    assert ks.decide_change(store, by_old[C], approve=False, by="web:lurah") == "rejected"
    assert store.conn.execute("SELECT COUNT(*) FROM contacts WHERE number = ?", (D,)).fetchone()[0] == 0
    with pytest.raises(ks.KeywordError) as err:
        ks.decide_change(store, by_old[C], approve=True, by="web:lurah")
    assert "ditolak" in err.value.pesan
    settled = {r["id"]: (r["state"], r["decided_by"]) for r in ks.changes(store, pending=False)}
    assert settled[by_old[A]] == ("approved", "web:lurah") and settled[by_old[C]] == ("rejected", "web:lurah")


def test_subscribe_joins_the_wilayah_with_consent(store):
    _contact(store, A, desa="Kel. Sukajadi")
    row = sms(store, C, "daftar sukajadi rt 7 rw 2 Budi Santoso")
    new = dict(store.conn.execute("SELECT * FROM contacts WHERE number = ?", (C,)).fetchone())
    assert (new["desa"], new["rt"], new["rw"], new["name"], new["basis"], new["consent_source"]) == \
        ("Sukajadi", "07", "02", "Budi Santoso", "consent", "sms")
    assert store.conn.execute("SELECT source, keyword, inbox_id FROM consents WHERE number = ?",
                              (C,)).fetchone()[:] == ("sms", "DAFTAR", row["id"])
    assert "terdaftar untuk info warga Sukajadi RT 07 RW 02" in queued(store, C)[-1]["text"]
    assert count(store, Audience.build(desa="Sukajadi", rw="02"))["reachable"] == 1


def test_subscribe_unknown_or_ambiguous_place_lists_valid_names(store):
    _contact(store, A, desa="Sukamaju", kecamatan="Coblong")
    _contact(store, B, desa="Sukamaju", kecamatan="Sukasari")
    _contact(store, D, desa="Cipedes")
    sms(store, C, "DAFTAR Antah 03/05 Budi")
    assert queued(store, C)[-1]["text"] == "Kelurahan Antah tidak dikenal. Pilihan: Cipedes, Sukamaju."
    sms(store, C, "DAFTAR Sukamaju 03/05 Budi")
    assert "Coblong, Sukasari" in queued(store, C)[-1]["text"]
    sms(store, C, "DAFTAR Sukamaju Sukasari 03/05 Budi")
    assert store.conn.execute("SELECT kecamatan FROM contacts WHERE number = ?", (C,)).fetchone()[0] == "Sukasari"


def test_a_multipart_keyword_is_read_once_whole(store):
    _contact(store, A, desa="Sukajadi")
    name = "Raden " + "Ayu " * 30 + "Kusumawardhani"
    text = f"DAFTAR Sukajadi RT 01/RW 02 {name}"
    assert analyse(text).segments == 2
    number = C
    first = file_incoming(store, CONFIG, "modem0", number, text[:153], sc_timestamp="t", concat=(7, 2, 1))
    assert first is None and queued(store) == []
    file_incoming(store, CONFIG, "modem0", number, text[153:], sc_timestamp="t", concat=(7, 2, 2))
    contact = store.conn.execute("SELECT name, rt FROM contacts WHERE number = ?", (C,)).fetchone()
    assert contact["rt"] == "01" and len(contact["name"]) <= keywords.MAX_NAME
    assert len(queued(store, C)) == 1


def test_info_names_the_office_and_keywords(store):
    config = dataclasses.replace(CONFIG, office_contact="Kel. Sukajadi 022-0000000")
    sms(store, C, "info", config)
    text = queued(store, C)[-1]["text"]
    assert all(k in text for k in ("YA", "DAFTAR", "GANTI", "BERHENTI", "022-0000000")) and keywords.one_part(text)


def test_a_person_deleted_on_request_takes_their_consents_and_changes(store):
    _contact(store, A)
    sms(store, A, "YA")
    sms(store, A, "GANTI 081200000002")
    assert export_person(store, A)["consents"]
    delete_person(store, A, "cli:root")
    for table in ("consents", "keyword_replies"):
        assert store.conn.execute(f"SELECT COUNT(*) FROM {table} WHERE number = ?", (A,)).fetchone()[0] == 0
    assert store.conn.execute("SELECT COUNT(*) FROM number_changes WHERE old_number = ?", (A,)).fetchone()[0] == 0


# -- consent policy at queue time -----------------------------------------------------------------------


def test_consent_only_audience_queues_only_consented_numbers(store):
    _contact(store, A)
    _contact(store, B, name="Pak Budi")
    sms(store, A, "YA")
    aud = Audience.build(desa="Sukajadi", consent_only=True)
    assert count(store, aud)["reachable"] == 1
    assert Audience.from_dict(aud.to_dict()) == aud and "setuju" in aud.describe()
    camp_id = camp_mod.create(store, "info", "Info posyandu Sabtu.", aud, actor="cli:root")
    result = camp_mod.submit(store, camp_id, "cli:root")
    assert result["queued"] == 1
    assert [r["number"] for r in store.conn.execute("SELECT number FROM messages WHERE campaign_id = ?",
                                                    (camp_id,))] == [A]


def test_never_answered_lists_who_got_the_request_and_said_nothing(store, clock):
    for n in (A, B, C):
        _contact(store, n, name=f"Warga {n[-1]}")
    camp_id = _sent_campaign(store, [A, B, C], "Balas YA bila bersedia.")
    clock[0] += 60
    sms(store, A, "YA")
    sms(store, B, "STOP")
    rows, total = ks.never_answered(store, camp_id)
    assert total == 1 and [r["number"] for r in rows] == [C]
    assert [k["id"] for k in ks.consent_campaigns(store)] == [camp_id]  # its text asks "Balas YA"


def test_the_command_line_knows_the_consent_policy(capsys, tmp_path):
    import json

    from firmware import cli
    from firmware.queue.store import Store

    state = tmp_path / "state"
    with Store.in_state_dir(state) as s:
        _contact(s, A)
        _contact(s, B, name="Pak Budi")
        sms(s, A, "Setuju")
    args = ["audience", "count", "--desa", "Sukajadi", "--consent-only", "--state-dir", str(state)]
    assert cli.main(args) == 0
    assert json.loads(capsys.readouterr().out)["reachable"] == 1
    assert cli.main(args[:-3] + args[-2:]) == 0
    assert json.loads(capsys.readouterr().out)["reachable"] == 2


def test_ganti_cannot_be_used_to_flood_a_strangers_number(store):
    """Five contacts each ask to move to one victim's number: the victim gets three confirmations an hour."""
    victim = normalise("081200000099")
    for i in range(5):
        number = normalise(f"08120000005{i}")
        _contact(store, number, name=f"Warga {i}")
        sms(store, number, "GANTI 081200000099")
    assert len(queued(store, victim)) == CONFIG.keyword_replies_per_hour
    # one YA moves one contact (the latest request); the others cannot be done any more
    sms(store, victim, "YA")
    assert store.conn.execute("SELECT name FROM contacts WHERE number = ?", (victim,)).fetchone()[0] == "Warga 4"
    assert sorted(c["state"] for c in ks.changes(store, pending=False)) == ["confirmed"] + ["rejected"] * 4


def test_daftar_before_any_list_with_a_kelurahan_says_whom_to_ask(store):
    sms(store, C, "DAFTAR Sukajadi 01/02 Budi")
    assert queued(store, C)[-1]["text"] == "Kelurahan Sukajadi tidak dikenal. Hubungi kantor kelurahan."
    assert store.conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 0


def test_approving_a_change_whose_number_became_a_contact_rejects_it(store):
    first = _contact(store, A)
    sms(store, A, "GANTI 081200000002")
    [change] = ks.changes(store, pending=True)
    _contact(store, B, name="Pak Budi")  # imported meanwhile
    with pytest.raises(ks.KeywordError) as err:
        ks.decide_change(store, change["id"], approve=True, by="web:lurah")
    assert "kontak lain" in err.value.pesan
    assert store.conn.execute("SELECT number FROM contacts WHERE id = ?", (first,)).fetchone()[0] == A
    [settled] = ks.changes(store, pending=False)
    assert (settled["state"], settled["reason"]) == ("rejected", "new_is_contact")
