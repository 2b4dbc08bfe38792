"""Contacts on a real SQLite store: import plan/commit counts and merge rules, a person's data
(export, delete), retention, and the ``siaran import`` / ``siaran contact`` commands in-process.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

import hostile_files as hf
import office_files as of
from firmware.people import contacts
from firmware.cli import main
from firmware.people.contacts import COUNT_KEYS, ContactNotFound
from firmware.people.importer import ImportFileError, from_records, read_rows
from firmware.queue.store import Store

T0 = 1_800_000_000.0
DAY = 86400.0
SITI = "+6281200000101"


@pytest.fixture
def clock():
    return [T0]


@pytest.fixture
def store(tmp_path, clock):
    s = Store(tmp_path / "state" / "siaran.db", clock=lambda: clock[0])
    yield s
    s.close()


def counts(**kw) -> dict:
    return {k: kw.get(k, 0) for k in COUNT_KEYS}


def run_import(store, path, *, tag=None, dry_run=False, actor="cli:test"):
    with read_rows(path, path.name) as sheet:
        plan = contacts.plan_import(store, sheet, tag=tag)
        if dry_run:
            contacts.record_import(store, source="cli", file_name=path.name, file_hash=sheet.file_hash, actor=actor,
                                   counts=plan.counts, dry_run=True, tag=tag)
        else:
            contacts.commit_import(store, plan, source="cli", file_name=path.name, file_hash=sheet.file_hash,
                                   actor=actor, tag=tag)
    return plan


def table(store) -> list[dict]:
    """Contacts without the retention clock (which every import refreshes)."""
    return [{k: v for k, v in dict(r).items() if k != "confirmed_at"}
            for r in store.conn.execute("SELECT * FROM contacts ORDER BY number")]


FIRST = counts(new=of.ACCEPTED, invalid=of.INVALID, duplicate_in_file=of.DUPLICATE)


# -- import -----------------------------------------------------------------------------------------


def test_dry_run_counts_and_changes_nothing(store, tmp_path):
    written = of.write_xlsx(tmp_path)
    plan = run_import(store, written.path, dry_run=True)
    assert plan.counts == FIRST and plan.rows == len(of.PEOPLE)
    assert store.conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 0
    rec = contacts.imports(store)[0]
    assert rec["dry_run"] == 1 and rec["counts"] == FIRST and rec["source"] == "cli"
    assert rec["file_name"] == "ketua_rt.xlsx" and len(rec["file_hash"]) == 64


def test_commit_then_reimport_changes_nothing(store, tmp_path, clock):
    written = of.write_csv(tmp_path, "a.csv", encoding="cp1252", delimiter=";", desa_label="Désa")
    plan = run_import(store, written.path)
    assert plan.counts == FIRST and plan.import_id == 1
    before = table(store)
    assert len(before) == of.ACCEPTED
    siti = next(c for c in before if c["number"] == SITI)
    assert (siti["name"], siti["rt"], siti["rw"], siti["desa"], siti["basis"]) == (
        "Ibu Siti Nurhayati, S.Pd", "03", "01", "Sukajadi", "public_service")
    clock[0] += DAY
    again = run_import(store, written.path)
    assert again.counts == counts(unchanged=of.ACCEPTED, invalid=of.INVALID, duplicate_in_file=of.DUPLICATE)
    assert table(store) == before
    # ... except that the office re-confirmed its list
    assert {r[0] for r in store.conn.execute("SELECT confirmed_at FROM contacts")} == {T0 + DAY}


def test_same_people_from_xlsx_and_csv_are_unchanged(store, tmp_path):
    run_import(store, of.write_xlsx(tmp_path).path)
    plan = run_import(store, of.write_csv(tmp_path, "u16.txt", encoding="utf-16", delimiter="\t").path)
    assert plan.counts["unchanged"] == of.ACCEPTED and plan.counts["new"] == 0


def test_merge_updates_wilayah_and_role_keeps_consent_and_empty_cells_never_erase(store, tmp_path, clock):
    path = tmp_path / "a.csv"
    path.write_text("Nama,No HP,RT,RW,Desa,Jabatan,Keterangan\nSiti,0812-0000-0101,3,1,Sukajadi,Ketua RT,lama\n")
    run_import(store, path)
    contacts.set_consent(store, SITI, basis="consent", source="formulir posyandu", at=T0 - DAY, actor="web:ani")
    store.conn.execute("UPDATE contacts SET dead = 1, dead_reason = 'x' WHERE number = ?", (SITI,))
    clock[0] += DAY
    path.write_text("Nama,No HP,RT,RW,Desa,Jabatan,Keterangan\nIbu Siti,0812-0000-0101,4,,Sukajadi,Ketua RW,\n")
    plan = run_import(store, path)
    assert plan.counts["updated"] == 1
    row = dict(store.conn.execute("SELECT * FROM contacts WHERE number = ?", (SITI,)).fetchone())
    assert (row["name"], row["rt"], row["rw"], row["role"], row["notes"]) == (
        "Ibu Siti", "04", "01", "Ketua RW", "lama")
    assert (row["basis"], row["consent_source"], row["consent_at"]) == ("consent", "formulir posyandu", T0 - DAY)
    assert (row["dead"], row["created_at"], row["updated_at"]) == (1, T0, T0 + DAY)


def test_opted_out_number_stays_suppressed(store, tmp_path):
    store.add_optout(SITI, source="sms", keyword="STOP")
    written = of.write_xlsx(tmp_path)
    plan = run_import(store, written.path)
    assert plan.counts == counts(new=of.ACCEPTED - 1, opted_out=1, invalid=of.INVALID,
                                 duplicate_in_file=of.DUPLICATE)
    assert store.conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == of.ACCEPTED
    assert store.is_opted_out(SITI)
    optout = dict(store.conn.execute("SELECT * FROM optouts").fetchone())
    assert (optout["source"], optout["keyword"]) == ("sms", "STOP")
    queued, suppressed = store.enqueue([r[0] for r in store.conn.execute("SELECT number FROM contacts")], "Tes")
    assert (queued, suppressed) == (of.ACCEPTED - 1, 1)
    assert run_import(store, written.path).counts["opted_out"] == 1


def test_tag_given_to_every_row_and_counted(store, tmp_path):
    written = of.write_xlsx(tmp_path)
    run_import(store, written.path)
    plan = run_import(store, written.path, tag="banjir-timur")
    assert plan.counts["updated"] == of.ACCEPTED  # each gains the tag
    tagged = store.conn.execute(
        "SELECT COUNT(*) FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id WHERE t.name = 'banjir-timur'")
    assert tagged.fetchone()[0] == of.ACCEPTED
    assert run_import(store, written.path, tag="banjir-timur").counts["unchanged"] == of.ACCEPTED
    with pytest.raises(ValueError):
        contacts.check_tag("  ")


def test_import_audited_in_the_same_transaction_without_numbers(store, tmp_path):
    run_import(store, of.write_xlsx(tmp_path).path, actor="cli:ani")
    row = store.conn.execute("SELECT actor, action, detail FROM audit_log ORDER BY id DESC").fetchone()
    assert (row["actor"], row["action"]) == ("cli:ani", "import")
    detail = json.loads(row["detail"])
    assert detail["counts"] == FIRST and detail["import_id"] == 1
    assert "0812" not in row["detail"] and "62812" not in row["detail"]
    assert store.verify_audit() is None


def test_a_file_failing_midway_commits_nothing(store, tmp_path):
    path = of.write_big_csv(tmp_path / "a.csv", 30)
    with read_rows(path, "a.csv", max_rows=40) as sheet:
        plan = contacts.plan_import(store, sheet)
        sheet.max_rows = 10  # as if the file grew between preview and commit
        with pytest.raises(ImportFileError):
            contacts.commit_import(store, plan, source="usb", file_name="a.csv", file_hash=sheet.file_hash,
                                   actor="usb")
    assert store.conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 0
    assert store.conn.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 0


def test_records_and_batches(store):
    rows = [{"No HP": f"0812-0000-{i:04d}", "Nama": f"Warga {i}", "RT": i % 7} for i in range(2000)]
    plan = contacts.plan_import(store, rows)  # a list, not a Sheet: wrapped
    assert plan.counts["new"] == 2000
    contacts.commit_import(store, plan, source="api", file_name=None, file_hash=None, actor="api:x")
    assert store.conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 2000
    plan = contacts.plan_import(store, from_records(rows))
    assert plan.counts["unchanged"] == 2000
    with pytest.raises(ValueError):
        contacts.commit_import(store, plan, source="email", file_name=None, file_hash=None, actor="x")


def test_rejected_csv_opens_in_excel_and_keeps_numbers_as_typed(store, tmp_path):
    plan = run_import(store, of.write_xlsx(tmp_path).path, dry_run=True)
    data = contacts.rejected_csv(plan)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Baris (Row)" and len(rows) == 1 + of.INVALID + of.DUPLICATE
    assert rows[1][:3] == ["14", "ditolak / rejected", '="6.28120E+11"']
    assert "notasi ilmiah" in rows[1][4] and "scientific" in rows[1][5]
    assert rows[2][1] == "duplikat / duplicate" and rows[2][2] == '="0812-0000-0101"' and "baris 5" in rows[2][4]
    assert plan.report()["rejected"][1]["number"] == "0812-****-0101"  # masked on screens and in JSON


def test_rejected_csv_defuses_formulas():
    from firmware.people.importer import Problem

    data = contacts.rejected_csv([Problem(2, "invalid", '=1+1"', "=HYPERLINK(\"x\")", "r", "a")], delimiter=",")
    row = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1]
    assert row[2] == '="=1+1"""' and row[3].startswith("'=")


# -- consent and retention ---------------------------------------------------------------------------


def test_set_consent_and_errors(store, tmp_path):
    run_import(store, of.write_xlsx(tmp_path).path)
    row = contacts.set_consent(store, "0812-0000-0101", basis="consent", source="rapat RW", actor="cli:ani")
    assert (row["basis"], row["consent_source"], row["consent_at"], row["confirmed_at"]) == (
        "consent", "rapat RW", T0, T0)
    row = contacts.set_consent(store, SITI, basis="public_service", actor="cli:ani")
    assert (row["basis"], row["consent_source"]) == ("public_service", "rapat RW")  # history kept
    with pytest.raises(ValueError):
        contacts.set_consent(store, SITI, basis="consent", actor="x")
    with pytest.raises(ContactNotFound):
        contacts.set_consent(store, "0812-0000-0199", basis="public_service", actor="x")


def test_purge_unconfirmed(store, tmp_path, clock):
    path = tmp_path / "a.csv"
    path.write_text("No HP\n0812-0000-0101\n0812-0000-0102\n")
    run_import(store, path)
    clock[0] += 200 * DAY
    path.write_text("No HP\n0812-0000-0102\n")
    run_import(store, path)  # re-confirms only 0102
    clock[0] += 200 * DAY
    store.add_optout(SITI, source="sms")
    assert contacts.purge_unconfirmed(store, 365, "cli:ani") == 1
    assert [r[0] for r in store.conn.execute("SELECT number FROM contacts")] == ["+6281200000102"]
    assert store.is_opted_out(SITI)
    with pytest.raises(ValueError):
        contacts.purge_unconfirmed(store, 0, "x")


# -- one person's data --------------------------------------------------------------------------------


@pytest.fixture
def person(store, tmp_path):
    """Siti imported with a tag, sent two messages (one still queued), who replied twice."""
    run_import(store, of.write_xlsx(tmp_path).path, tag="rt-sukajadi")
    store.conn.execute("INSERT INTO campaigns (id, name, text, created_at) VALUES (1, 'Longsor', 'x', ?)", (T0,))
    store.enqueue([SITI, "+6281200000102"], "Yth. Ibu Siti, waspada longsor", campaign_id=1)
    with store.tx() as c:
        c.execute("UPDATE messages SET state = 'delivered' WHERE number = ?", (SITI,))
    store.enqueue([SITI], "Pengingat", campaign_id=1)
    store.save_incoming("m1", SITI, "Terima kasih", sc_timestamp="24/01/01,10:00:00+28")
    store.save_incoming("m1", SITI, "Bagian 1", sc_timestamp="x", concat=(7, 2, 1))
    return SITI


def test_export_person(store, person):
    data = contacts.export_person(store, "0812 0000 0101", actor="cli:ani")
    assert data["found"] and data["number"] == SITI
    assert data["contact"]["name"] == "Ibu Siti Nurhayati, S.Pd" and data["tags"] == ["rt-sukajadi"]
    assert [(m["campaign"], m["state"]) for m in data["messages"]] == [("Longsor", "delivered"), ("Longsor", "queued")]
    assert [m["text"] for m in data["inbox"]] == ["Terima kasih"] and len(data["inbox_fragments"]) == 1
    assert data["optout"] is None
    json.dumps(data)  # JSON-ready
    last = store.conn.execute("SELECT action, detail FROM audit_log ORDER BY id DESC").fetchone()
    assert last["action"] == "contact.export" and "0812" not in last["detail"]
    assert contacts.export_person(store, "0812-0000-0199")["found"] is False


def test_delete_person(store, person, tmp_path):
    by_state = store.conn.execute("SELECT campaign_id, COUNT(*) FROM messages GROUP BY campaign_id").fetchall()
    result = contacts.delete_person(store, "0812-0000-0101", "cli:ani")
    assert result == {"contact": 1, "tags": 1, "inbox": 1, "inbox_fragments": 1, "messages_cancelled": 1,
                      "messages_anonymised": 2, "optout": "added", "keyword_rows": 0}
    assert store.conn.execute("SELECT campaign_id, COUNT(*) FROM messages GROUP BY campaign_id").fetchall() == by_state
    left = [dict(r) for r in store.conn.execute("SELECT number, text, state FROM messages WHERE number <> ?",
                                                ("+6281200000102",))]
    assert {m["state"] for m in left} == {"delivered", "cancelled"} and {m["text"] for m in left} == {""}
    assert len({m["number"] for m in left}) == 1 and left[0]["number"].startswith("deleted:")
    dump = json.dumps(contacts.export_person(store, SITI))
    assert "Siti" not in dump and "Terima kasih" not in dump
    assert store.is_opted_out(SITI)
    audit = store.conn.execute("SELECT action, detail FROM audit_log WHERE action = 'contact.delete'").fetchone()
    assert "0812" not in audit["detail"] and "62812" not in audit["detail"]
    assert store.verify_audit() is None
    # The office imports its old list again: the number comes back as a contact, but suppressed.
    plan = run_import(store, of.write_xlsx(tmp_path).path)
    assert plan.counts["opted_out"] == 1 and store.is_opted_out(SITI)


def test_delete_person_keeps_an_existing_optout_and_can_skip_adding_one(store, person):
    store.add_optout(SITI, source="sms", keyword="BERHENTI")
    assert contacts.delete_person(store, SITI, "x")["optout"] == "kept"
    assert store.conn.execute("SELECT keyword FROM optouts WHERE number = ?", (SITI,)).fetchone()[0] == "BERHENTI"
    result = contacts.delete_person(store, "+6281200000102", "x", suppress=False)
    assert result["optout"] == "none" and not store.is_opted_out("+6281200000102")


# -- CLI ---------------------------------------------------------------------------------------------


def cli(capsys, *argv) -> tuple[int, dict]:
    code = main(list(argv))
    return code, json.loads(capsys.readouterr().out)


def test_cli_import_dry_run_commit_and_rejected_csv(tmp_path, capsys):
    state = str(tmp_path / "state")
    written = of.write_xlsx(tmp_path)
    out_csv = tmp_path / "ditolak.csv"
    code, out = cli(capsys, "import", str(written.path), "--state-dir", state, "--dry-run",
                    "--rejected-csv", str(out_csv))
    assert code == 0 and out["dry_run"] is True and out["counts"] == FIRST
    assert out["sheet"]["sheet"] == "Data Ketua RT" and out["rejected_total"] == of.INVALID + of.DUPLICATE
    assert out_csv.read_bytes().startswith(b"\xef\xbb\xbf")
    code, out = cli(capsys, "import", str(written.path), "--state-dir", state, "--tag", "rt", "--sheet",
                    "Data Ketua RT")
    assert code == 0 and out["dry_run"] is False and out["counts"] == FIRST
    with Store.in_state_dir(state) as s:
        recs = contacts.imports(s)
        assert [(r["dry_run"], r["tag"]) for r in recs] == [(0, "rt"), (1, None)]
        assert recs[0]["actor"].startswith("cli:")
        assert s.conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == of.ACCEPTED


@pytest.mark.parametrize("make", [
    lambda p: p / "missing.csv",
    lambda p: (p / "soup.csv").write_bytes(bytes(range(256)) * 4) and p / "soup.csv",
    lambda p: (p / "x.xlsx").write_bytes(b"PK\x03\x04 not really") and p / "x.xlsx",
    lambda p: hf.entity_bomb(p / "bom.xlsx"),  # the same bounded reader as the page and the USB drop
    lambda p: hf.zip_bomb(p / "bom2.xlsx", 170),
])
def test_cli_import_exits_nonzero_only_when_nothing_could_be_read(tmp_path, capsys, make):
    code, out = cli(capsys, "import", str(make(tmp_path)), "--state-dir", str(tmp_path / "state"))
    assert code == 2 and out["error"] and out["pesan"]
    with Store.in_state_dir(tmp_path / "state") as s:
        assert "error" in contacts.imports(s)[0]["counts"]


def test_cli_import_with_every_row_rejected_still_exits_zero(tmp_path, capsys):
    path = tmp_path / "a.csv"
    path.write_text("Nama,No HP\nA,12345\nB,6.28123E+11\n")
    code, out = cli(capsys, "import", str(path), "--state-dir", str(tmp_path / "state"))
    assert code == 0 and out["counts"]["invalid"] == 2


def test_cli_contact_export_delete_consent_purge(tmp_path, capsys):
    state = str(tmp_path / "state")
    cli(capsys, "import", str(of.write_xlsx(tmp_path).path), "--state-dir", state)
    code, out = cli(capsys, "contact", "consent", "0812-0000-0101", "--basis", "consent", "--source", "formulir",
                    "--date", "2026-01-02", "--state-dir", state)
    assert code == 0 and out["contact"]["consent_source"] == "formulir"
    code, out = cli(capsys, "contact", "export", "0812-0000-0101", "--state-dir", state)
    assert code == 0 and out["contact"]["basis"] == "consent"
    code, out = cli(capsys, "contact", "delete", "0812-0000-0101", "--state-dir", state)
    assert code == 0 and out["deleted"]["contact"] == 1 and out["deleted"]["optout"] == "added"
    code, out = cli(capsys, "contact", "export", "bukan nomor", "--state-dir", state)
    assert code == 2 and out["pesan"]
    code, out = cli(capsys, "contact", "purge", "--older-than", "3650", "--state-dir", state)
    assert code == 0 and out["purged"] == 0
    code, out = cli(capsys, "contact", "consent", "0812-0000-0101", "--basis", "public_service", "--state-dir", state)
    assert code == 2  # deleted: no such contact


def test_cli_refuses_arguments_and_input_that_are_not_utf8(tmp_path, capsys, monkeypatch):
    """A file name in another encoding (or a stray byte) is a clear bilingual error with exit 2, not a
    traceback from SQLite or JSON; a number in it is masked; text piped in is checked the same way."""
    import os

    state = tmp_path / "state"
    name = os.fsdecode(b"daftar\xff.csv")
    (tmp_path / name).write_bytes(b"Nama,No HP\nA,081200007890\n")
    code, out = cli(capsys, "import", str(tmp_path / name), "--state-dir", str(state))
    assert code == 2 and "not UTF-8 text" in out["error"] and "bukan teks UTF-8" in out["pesan"]
    assert "daftar\\xff.csv" in out["error"]
    code, out = cli(capsys, "import", str(tmp_path / "a.csv"), "--state-dir", str(state), "--tag",
                    os.fsdecode(b"banjir\xe9"))
    assert code == 2 and "banjir\\xe9" in out["pesan"]
    code, out = cli(capsys, "contact", "export", os.fsdecode(b"081200007890\xff"), "--state-dir", str(state))
    assert code == 2 and "0812****7890" in out["error"] and "081200007890" not in json.dumps(out)
    assert not state.exists()  # refused before anything was opened

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"Halo \xff warga"), encoding="utf-8",
                                                      errors="surrogateescape"))
    code, out = cli(capsys, "send", "--state-dir", str(state), "--to", "081200007890", "--text", "-")
    assert code == 2 and "not UTF-8" in out["error"] and "bukan teks UTF-8" in out["pesan"]
    with Store.in_state_dir(state) as s:
        assert s.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0
