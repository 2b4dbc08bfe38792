"""Phone numbers: the one normaliser, the canonical form of network addresses, and opt-outs that match
whatever form they were stored in (firmware/people/numbers.py, the store's opt-out verbs, migration m006)."""

from __future__ import annotations

import json

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from firmware.queue import schema
from firmware.people.audience import Audience, count
from firmware.cli import main
from firmware.modem.pdu import TON_ALPHANUMERIC, TON_INTERNATIONAL, TON_NATIONAL
from firmware.people.numbers import InvalidNumber, NumberHasLetters, canonical_sender, normalise, optout_match
from firmware.queue.store import Store

E164 = "+6281200007890"
TON_UNKNOWN = 0


# -- normalise: letters and foreign numbers ----------------------------------------------------------------


@pytest.mark.parametrize("raw", [
    "0812-ABCD-1234",  # libphonenumber's keypad reads it as 0812-2223-1234, a real stranger's number
    "0812 0000 789O",  # letter O for a zero
    "O812-0000-7890",
    "+62 812 CALL ME",
    "0812 0000 7890 ext 5",
    "tel:+6281200007890",
])
def test_a_number_with_letters_is_a_typo_not_a_vanity_number(raw):
    with pytest.raises(NumberHasLetters) as err:
        normalise(raw)
    assert "huruf" in err.value.pesan and "letters" in err.value.reason


@pytest.mark.parametrize("raw", ["081200007890#12", "0812*0000*7890", "0812_0000_7890"])
def test_other_characters_are_refused_not_dropped(raw):
    with pytest.raises(InvalidNumber) as err:
        normalise(raw)
    assert "selain angka" in err.value.pesan


@settings(max_examples=200, deadline=None)
@given(position=st.integers(0, 12), letter=st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
       replace=st.booleans())
def test_no_letter_anywhere_makes_a_valid_number(position, letter, replace):
    typed = "081200007890"
    position = min(position, len(typed))
    typed = typed[:position] + letter + typed[position + int(replace):]
    with pytest.raises(NumberHasLetters):
        normalise(typed)


@pytest.mark.parametrize("raw,code", [
    ("+1 202 555 0100", "+1"),
    ("+60 12-345 6789", "+60"),
    ("+65 9123 4567", "+65"),
    ("0065 9123 4567", "+65"),
    ("0060123456789", "+60"),
])
def test_a_foreign_number_is_not_indonesian_rather_than_not_mobile(raw, code):
    with pytest.raises(InvalidNumber) as err:
        normalise(raw)
    assert "bukan nomor Indonesia" in err.value.pesan and code in err.value.pesan
    assert "not an Indonesian number" in err.value.reason


@pytest.mark.parametrize("raw", ["0812-0000-7890", "+62 812 0000 7890", "62812 0000 7890", "812 0000 7890",
                                 "0062 812 0000 7890", "+62 (0) 812-0000-7890"])
def test_indonesian_forms_still_normalise(raw):
    assert normalise(raw) == E164


def test_a_landline_is_still_not_a_mobile():
    with pytest.raises(InvalidNumber) as err:
        normalise("022-2000-0110")
    assert "bukan nomor HP" in err.value.pesan


# -- canonical_sender: what the network gives us -----------------------------------------------------------


@pytest.mark.parametrize("address,ton,stored", [
    ("081200007890", TON_NATIONAL, E164),
    ("81200007890", TON_NATIONAL, E164),  # national number without its trunk 0
    ("6281200007890", TON_UNKNOWN, E164),
    ("081200007890", TON_UNKNOWN, E164),
    ("+6281200007890", TON_INTERNATIONAL, E164),
    ("0222000110", TON_NATIONAL, "+62222000110"),  # a landline: still one canonical form
    ("+6591234567", TON_INTERNATIONAL, "+6591234567"),  # foreign: E.164 too
    ("3636", TON_UNKNOWN, "3636"),  # an operator's short code: as given
    ("3636", TON_NATIONAL, "3636"),
    ("TELKOMSEL", TON_ALPHANUMERIC, "TELKOMSEL"),
    ("62812", TON_UNKNOWN, "62812"),
    ("", TON_UNKNOWN, ""),
])
def test_canonical_sender(address, ton, stored):
    assert canonical_sender(address, ton) == stored
    assert canonical_sender(stored) == stored  # idempotent: the store may canonicalise again


# National numbers libphonenumber calls mobile: 8, an operator digit, 7..10 more.
mobile_nn = st.builds(lambda op, rest: "8" + op + rest, st.sampled_from("1235789"),
                      st.text("0123456789", min_size=7, max_size=10)).filter(
    lambda nn: phonenumbers.is_valid_number(phonenumbers.parse("0" + nn, "ID")))


@settings(max_examples=200, deadline=None)
@given(nn=mobile_nn, sep=st.sampled_from(["", " ", "-", "."]), cut=st.integers(1, 6))
def test_every_form_of_a_sender_is_one_resident(nn, sep, cut):
    """Whatever form the network (or an old row) wrote a resident's number in, it is one number,
    and an opt-out stored in that form stops the E.164 number the queue holds."""
    e164 = "+62" + nn
    grouped = nn[:cut] + sep + nn[cut:]
    for address, ton in [("0" + grouped, TON_NATIONAL), (grouped, TON_NATIONAL), ("62" + grouped, TON_UNKNOWN),
                         ("0" + grouped, TON_UNKNOWN), ("+62" + grouped, TON_INTERNATIONAL)]:
        assert canonical_sender(address, ton) == e164, (address, ton)
        assert optout_match(address) == e164, address


@pytest.mark.parametrize("stored,match", [
    (E164, E164),
    ("081200007890", E164),
    ("6281200007890", E164),
    ("tel:+6281200007890", E164),  # kept as received, matched on its digits
    ("0812.0000.7890 (Pak RT)", E164),
    ("0062812000078", "+62812000078"),
    ("TELKOMSEL", "TELKOMSEL"),
])
def test_optout_match(stored, match):
    assert optout_match(stored) == match


# -- opt-outs in the store --------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["081200007890", "6281200007890", "+6281200007890", "0812-0000-7890"])
def test_an_optout_in_any_form_stops_the_e164_number(store, form):
    store.enqueue([E164], "sebelum")
    assert store.add_optout(form, source="sms", keyword="STOP") == 1  # the queued message is suppressed
    assert [tuple(r) for r in store.conn.execute("SELECT number, match_number FROM optouts")] == [(E164, E164)]
    assert store.enqueue([E164], "sesudah") == (0, 1)
    assert store.is_opted_out(E164) and store.is_opted_out("0812 0000 7890")


def test_enqueue_of_a_national_form_is_stored_e164_and_honours_optouts(store):
    store.add_optout(E164, source="web")
    assert store.enqueue(["081200007890"], "x") == (0, 1)
    assert store.conn.execute("SELECT number FROM messages").fetchone()[0] == E164


def test_incoming_senders_are_stored_canonical(store):
    store.save_incoming("m0", "6281200007890", "halo", sc_timestamp="t1")
    store.save_incoming("m0", "081200007890", "ba", sc_timestamp="t2", concat=(7, 2, 1))
    store.save_incoming("m0", "+6281200007890", "gi", sc_timestamp="t2", concat=(7, 2, 2))
    store.save_incoming("m0", "TELKOMSEL", "promo", sc_timestamp="t3")
    assert [tuple(r) for r in store.conn.execute("SELECT number, text FROM inbox ORDER BY id")] == [
        (E164, "halo"), (E164, "bagi"), ("TELKOMSEL", "promo")]


# -- migration m006 on a database from before it ---------------------------------------------------------------


def _old_database(path) -> Database:
    db = Database(path)
    schema.MIGRATIONS.apply(db, stop_before="m006_numbers_normalised")
    return db


def test_migration_normalises_stored_optouts_and_keeps_what_it_cannot(tmp_path):
    path = tmp_path / "siaran.db"
    db = _old_database(path)
    rows = [("081200007890", 100.0, "sms", "STOP"), ("6281200007890", 50.0, "sms", "BERHENTI"),
            ("+6281300007890", 60.0, "web", None), ("6281400007890", 70.0, "sms", "UNREG"),
            ("tel:+6281500007890", 80.0, "cli", None), ("0812-ABCD-1234", 90.0, "cli", None)]
    db.conn.executemany("INSERT INTO optouts (number, created_at, source, keyword) VALUES (?,?,?,?)", rows)
    now = 1_800_000_000.0
    db.conn.executemany("INSERT INTO contacts (number, name, created_at, updated_at) VALUES (?,?,?,?)",
                   [(n, f"warga {n[-4:]}", now, now) for n in
                    ("+6281200007890", "+6281300007890", "+6281400007890", "+6281500007890", "+6281600007890")])
    db.conn.executemany("INSERT INTO inbox (modem, number, text, received_at, dedupe) VALUES (?,?,?,?,?)",
                   [("m0", "081200007890", "STOP", now, "a"), ("m0", "3636", "Sisa pulsa", now, "b")])
    db.conn.execute("INSERT INTO messages (number, text, created_at) VALUES ('081200007890', 'konfirmasi', ?)", (now,))
    db.conn.commit()
    db.close()

    with Store(path) as store:
        optouts = {r["number"]: dict(r) for r in store.conn.execute("SELECT * FROM optouts")}
        assert set(optouts) == {E164, "+6281300007890", "+6281400007890", "tel:+6281500007890", "0812-ABCD-1234"}
        assert optouts[E164]["created_at"] == 50.0  # two forms of one number: one opt-out, the earliest
        assert optouts["tel:+6281500007890"]["match_number"] == "+6281500007890"
        assert all(o["match_number"] for o in optouts.values())
        # every contact that opted out, in whatever form, is out of reach; the one that did not is not
        assert count(store, Audience(everyone=True)) == {"matched": 5, "reachable": 1, "opted_out": 4, "dead": 0}
        numbers = ["+6281200007890", "+6281300007890", "+6281400007890", "+6281500007890", "+6281600007890"]
        assert store.enqueue(numbers, "kabar") == (1, 4)
        assert [r[0] for r in store.conn.execute("SELECT number FROM inbox ORDER BY id")] == [E164, "3636"]
        assert store.conn.execute("SELECT number FROM messages WHERE id = 1").fetchone()[0] == E164
        # a row written by a tool that does not know the column still matches on its number
        store.conn.execute("INSERT INTO optouts (number, created_at, source) VALUES ('+6281600007890', 1, 'cli')")
        assert store.enqueue(["+6281600007890"], "lagi") == (0, 1)


# -- the CLI ----------------------------------------------------------------------------------------------------


def test_cli_send_refuses_letters_and_foreign_numbers_and_queues_nothing(tmp_path, capsys):
    state = str(tmp_path / "state")
    code = main(["send", "--to", "081200000001,0812-ABCD-1234,+65 9123 4567", "--text", "Siaga banjir",
                 "--state-dir", state])
    out = json.loads(capsys.readouterr().out)
    assert code == 2 and [r["position"] for r in out["rejected"]] == [2, 3]
    assert "huruf" in out["rejected"][0]["alasan"] and "bukan nomor Indonesia" in out["rejected"][1]["alasan"]
    with Store.in_state_dir(state) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0
    code = main(["contact", "export", "0812-ABCD-1234", "--state-dir", state])
    out = json.loads(capsys.readouterr().out)
    assert code == 2 and "huruf" in out["pesan"]
