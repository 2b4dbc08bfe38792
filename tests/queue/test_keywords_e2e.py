"""Resident keywords end to end: an SMS injected on the emulated modem (real pty) -> the daemon -> the store ->
the automatic reply on the wire (the emulator's sent log), including the hostile cases: an unknown sender,
GANTI to a number that opted out, GANTI to an existing contact's number, a loop with an auto-responder,
keywords in mixed case with punctuation, a multipart keyword SMS.
"""

from __future__ import annotations

from emutools import wait_until
from test_daemon import LONG_REPLY, numbers, rig  # noqa: F401 - rig is the fixture

from firmware.modem.segments import analyse
from firmware.people import contacts
from firmware.people import keyword_store as ks

# The office list: Ibu Ani (RT head) and Pak Budi, both of Kelurahan Sukajadi; two more kelurahan known.
ANI, BUDI, NEW, STRANGER, QUITTER, BOT = numbers(6, 900)


def _office_list(store) -> None:
    rows = [{"No HP": n, "Nama": name, "Kelurahan": desa, "Kecamatan": kec, "RT": rt, "RW": "05",
             "Jabatan": "Ketua RT"}
            for n, name, desa, kec, rt in ((ANI, "Ibu Ani", "Sukajadi", "Sukajadi", "03"),
                                           (BUDI, "Pak Budi", "Sukajadi", "Sukajadi", "04"),
                                           (numbers(1, 950)[0], "Bu Cici", "Sukamaju", "Coblong", "01"),
                                           (numbers(1, 951)[0], "Pak Dedi", "Cipedes", "Sukajadi", "02"))]
    plan = contacts.plan_import(store, rows)
    contacts.commit_import(store, plan, source="cli", file_name=None, file_hash=None, actor="cli:test")


def _wire(rig, number) -> list[str]:
    return [r["text"] for r in rig.sent_log() if r["number"] == number]


def _reply_on_wire(rig, number, n=1, timeout=10.0) -> list[str]:
    return wait_until(lambda: len(t := _wire(rig, number)) >= n and t, timeout, f"{n} SMS to the wire for {number}")


def test_each_keyword_through_the_modem(rig):
    rig.start([{}]).wait_ready()
    _office_list(rig.store)
    # consent, in mixed case with punctuation
    rig.emus[0].inject_incoming(ANI, "  Ya. ")
    [text] = _reply_on_wire(rig, ANI)
    assert "persetujuan Anda" in text and analyse(text).segments == 1
    row = rig.store.conn.execute("SELECT basis, consent_source FROM contacts WHERE number = ?", (ANI,)).fetchone()
    assert tuple(row) == ("consent", "sms")
    # INFO / BANTUAN
    rig.emus[0].inject_incoming(STRANGER, "bantuan?")
    [text] = _reply_on_wire(rig, STRANGER)
    assert "DAFTAR" in text and "GANTI" in text and "BERHENTI" in text
    # DAFTAR: a new resident joins Sukajadi RT 07 RW 02
    rig.emus[0].inject_incoming(STRANGER, "DAFTAR: kel. sukajadi rt 7/rw 2, Siti Aminah")
    texts = _reply_on_wire(rig, STRANGER, 2)
    assert "terdaftar untuk info warga Sukajadi RT 07 RW 02" in texts[1]
    joined = rig.store.conn.execute("SELECT name, rt, rw, basis FROM contacts WHERE number = ?",
                                    (STRANGER,)).fetchone()
    assert tuple(joined) == ("Siti Aminah", "07", "02", "consent")
    # GANTI with double opt-in: the new number is asked, answers "SETUJU!", the contact moves
    rig.emus[0].inject_incoming(BUDI, "Ganti 0812-0000-0902")  # NEW
    [ask] = _reply_on_wire(rig, NEW)
    assert "Balas YA" in ask and "****" in ask
    assert "Nomor baru harus membalas YA" in _reply_on_wire(rig, BUDI)[0]
    rig.emus[0].inject_incoming(NEW, "SETUJU!")
    texts = _reply_on_wire(rig, NEW, 2)
    assert "menggantikan nomor lama" in texts[1]
    assert rig.store.conn.execute("SELECT name FROM contacts WHERE number = ?", (NEW,)).fetchone()[0] == "Pak Budi"
    assert rig.store.conn.execute("SELECT COUNT(*) FROM contacts WHERE number = ?", (BUDI,)).fetchone()[0] == 0
    kinds = {r["kind"] for r in rig.inbox()}
    assert kinds == {"keyword"}
    assert all(r["handled_by"] == "daemon" for r in rig.inbox())
    rig.wait_drained(10)
    assert all(analyse(r["text"]).segments == 1 for r in rig.sent_log())


def test_hostile_senders_and_numbers(rig):
    rig.start([{}]).wait_ready()
    _office_list(rig.store)
    # an unknown sender's YA: no consent, no contact, a hint how to register
    rig.emus[0].inject_incoming(STRANGER, "YA")
    [text] = _reply_on_wire(rig, STRANGER)
    assert "belum terdaftar" in text
    assert rig.store.conn.execute("SELECT COUNT(*) FROM consents").fetchone()[0] == 0
    # GANTI to a number that opted out: refused, nothing ever reaches that number
    rig.emus[0].inject_incoming(QUITTER, "STOP")
    _reply_on_wire(rig, QUITTER)  # the opt-out confirmation only
    rig.emus[0].inject_incoming(ANI, "GANTI " + "0" + QUITTER[3:])
    [text] = _reply_on_wire(rig, ANI)
    assert "berhenti langganan" in text
    # GANTI to an existing contact's number: refused, the other contact gets nothing
    rig.emus[0].inject_incoming(ANI, "ganti " + BUDI)
    texts = _reply_on_wire(rig, ANI, 2)
    assert "terdaftar untuk orang lain" in texts[1]
    # a keyword from the opted-out number: nothing done, nothing sent
    rig.emus[0].inject_incoming(QUITTER, "DAFTAR Sukajadi 01/01 Bot")
    wait_until(lambda: sum(r["number"] == QUITTER for r in rig.inbox()) == 2, 5, "the opted-out number's SMS")
    rig.wait_drained(10)
    assert len(_wire(rig, QUITTER)) == 1 and _wire(rig, BUDI) == []
    states = [r["reason"] for r in ks.changes(rig.store, pending=False)]
    assert sorted(states) == ["new_is_contact", "new_opted_out"]
    assert rig.store.conn.execute("SELECT number FROM contacts WHERE name = 'Ibu Ani'").fetchone()[0] == ANI


def test_a_loop_with_an_auto_responder_is_cut_by_the_rate_limit(rig):
    """Another system answers every SMS with one that starts a keyword: the box answers three times in the
    hour, then stays silent; the SMS keep being filed."""
    rig.start([{}]).wait_ready()
    # distinct texts: the same text with the same SMS-centre second is one SMS read twice (deduplicated)
    for text in ("Ya!", "INFO", "ya.", "Info?", "YA", "info", "Ya", "INFO!"):
        rig.emus[0].inject_incoming(BOT, text)
    wait_until(lambda: sum(r["number"] == BOT for r in rig.inbox()) == 8, 10, "eight SMS from the responder")
    rig.wait_drained(10)
    assert len(_wire(rig, BOT)) == 3
    held = rig.store.conn.execute("SELECT COUNT(*) FROM keyword_replies WHERE number = ? AND message_id IS NULL",
                                  (BOT,)).fetchone()[0]
    assert held == 5


def test_a_multipart_keyword_sms_is_read_once_whole(rig):
    rig.start([{}]).wait_ready()
    _office_list(rig.store)
    name = "Raden Ajeng " + "Ayu " * 30 + "Kusumawardhani"
    text = f"DAFTAR Cipedes RT 02 RW 05 {name}"
    assert analyse(text).segments >= 2
    rig.emus[0].inject_incoming(STRANGER, text)
    [reply] = _reply_on_wire(rig, STRANGER)
    assert "Cipedes RT 02 RW 05" in reply
    row = rig.store.conn.execute("SELECT desa, name FROM contacts WHERE number = ?", (STRANGER,)).fetchone()
    assert row["desa"] == "Cipedes" and row["name"].startswith("Raden Ajeng Ayu")
    # a long multipart reply that merely starts with "Ya" is a conversation: kept for a person, no answer
    rig.emus[0].inject_incoming(ANI, "Ya, " + LONG_REPLY)
    wait_until(lambda: any(r["number"] == ANI for r in rig.inbox()), 5, "the long reply")
    rig.wait_drained(10)
    [long] = [r for r in rig.inbox() if r["number"] == ANI]
    assert (long["kind"], long["handled"]) == ("reply", 0) and _wire(rig, ANI) == []


def test_keywords_set_on_the_page_are_the_ones_the_daemon_answers(rig, tmp_path):
    """The Settings page's ``sms_keywords`` (here "OKE" for consent, a contact for INFO) reach the daemon."""
    from firmware.queue.store import Store

    with Store.in_state_dir(tmp_path) as s:
        s.set_setting("sms_keywords", {"consent": ["OKE"], "office_contact": "Kel. Sukajadi 022-0000000"},
                      by="web:admin", audit=True)
    rig.start([{}]).wait_ready()
    _office_list(rig.store)
    # the worker looks at the office settings every few seconds (SETTINGS_EVERY), the first time once it is up
    wait_until(lambda: rig.daemon.workers[0].config.consent_keywords == ("OKE",), 10, "the page's keywords applied")
    rig.emus[0].inject_incoming(ANI, "Oke!")
    assert "persetujuan Anda" in _reply_on_wire(rig, ANI)[0]
    rig.emus[0].inject_incoming(STRANGER, "INFO")
    text = _reply_on_wire(rig, STRANGER)[0]
    assert "OKE=setuju" in text and "022-0000000" in text
    rig.emus[0].inject_incoming(BUDI, "YA")  # no longer a keyword: left for a person
    wait_until(lambda: any(r["number"] == BUDI for r in rig.inbox()), 5, "Budi's SMS")
    rig.wait_drained(10)
    assert _wire(rig, BUDI) == [] and [r["kind"] for r in rig.inbox() if r["number"] == BUDI] == ["reply"]
