"""Issue 10, lists know their wilayah, over real HTTP: the import wizard shows the kelurahan its title names
and takes the staffer's; an RW-only audience warns with counts per kelurahan; compose sends to every
contact, a tag or a new filter without saving an audience.  Numbers are fakes (0812-0000-7xxx).
"""

from __future__ import annotations

import re

import pytest

from firmware.people import contacts
from firmware.people import importer
from firmware.queue.store import Store

FETCH = {"X-Requested-With": "fetch"}

TITLED = ("DAFTAR KETUA RT / RW KELURAHAN SUKAMAJU\r\nKEC. CIBEUNYING KALER\r\n\r\n"
          "No;Nama;No HP;RW;RT\r\n1;Ani;0812-0000-7801;01;01\r\n2;Budi;0812-0000-7802;02;03\r\n").encode()
BARE = "Nama;No HP;RW\r\nAni;0812-0000-7801;01\r\nBudi;0812-0000-7802;02\r\n".encode()


@pytest.fixture
def db(web):
    s = Store.in_state_dir(web.config.state_dir)
    yield s
    s.close()


def _upload(admin, name: str, data: bytes) -> tuple[str, str]:
    admin.get("/import")
    r = admin.upload("/import", {}, {"file": (name, data)})
    assert r.status == 200, r.text[:500]
    return re.search(r'name="token" value="([0-9a-f]{32})"', r.text).group(1), r.text


def _section(html: str) -> str:
    return re.search(r'<section class="card" id="import-wilayah".*?</section>', html, re.S).group(0)


def test_wizard_shows_the_title_kelurahan_and_commits_it(web, admin, db):
    token, page = _upload(admin, "ketua rt.csv", TITLED)
    box = _section(page)
    assert 'data-wilayah="desa">Sukamaju<' in box and 'data-wilayah="kecamatan">Cibeunying Kaler<' in box
    assert "Diambil dari judul file" in box and "DAFTAR KETUA RT / RW KELURAHAN SUKAMAJU" in box
    assert 'id="import-no-wilayah"' not in page
    r = admin.post("/import/commit", {"token": token})
    assert r.status == 200 and "Impor selesai" in r.text
    rows = db.conn.execute("SELECT DISTINCT desa, kecamatan FROM contacts").fetchall()
    assert [tuple(x) for x in rows] == [("Sukamaju", "Cibeunying Kaler")]


def test_wizard_flags_a_list_without_wilayah_and_takes_the_typed_one(web, admin, db):
    token, page = _upload(admin, "kontak.csv", BARE)
    box = _section(page)
    assert 'id="import-no-wilayah"' in box and "tidak menyebut desa/kelurahan" in box
    assert 'data-wilayah="without">2 ' in box
    r = admin.post("/import/wilayah", {"token": token, "desa": "Kel. Cipaganti", "kecamatan": ""})
    assert r.status == 200
    box = _section(r.text)
    assert 'data-wilayah="desa">Cipaganti<' in box and "Diisi oleh Anda" in box and 'data-wilayah="without"' not in box
    # the rejected-rows CSV and the commit read the file as the preview showed it
    assert admin.get(f"/import/{token}/rejected").status == 200
    admin.post("/import/commit", {"token": token})
    assert {r[0] for r in db.conn.execute("SELECT desa FROM contacts")} == {"Cipaganti"}
    # a name too long is refused in both languages and changes nothing
    token, _ = _upload(admin, "kontak.csv", BARE)
    r = admin.post("/import/wilayah", {"token": token, "desa": "x" * 150})
    assert "paling banyak 100 karakter" in r.text


def _people(db, rows: list[tuple[str | None, str]], tag: str | None = None, start: int = 0) -> None:
    records = [{"number": f"0812-0000-7{i:03d}", "name": f"P{i}", "desa": desa, "rw": rw}
               for i, (desa, rw) in enumerate(rows, start=start)]
    plan = contacts.plan_import(db, importer.from_records(records), tag=tag)
    contacts.commit_import(db, plan, source="cli", file_name=None, file_hash=None, actor="t", tag=tag)


def test_rw_only_audience_warns_with_counts_per_kelurahan(web, admin, db):
    _people(db, [("Sukamaju", "01"), ("Sukamaju", "02"), ("Kelurahan Cipaganti", "01"), ("Cipaganti", "07")])
    admin.get("/audiences")
    frag = admin.post("/audiences/count", {"rw": "01-02"}, headers=FETCH).text
    assert 'id="wilayah-warning"' in frag and "SEMUA kelurahan" in frag
    assert re.search(r'data-desa="Cipaganti">.*?data-count="matched">1<', frag, re.S)
    assert re.search(r'data-desa="Sukamaju">.*?data-count="matched">2<', frag, re.S)
    frag = admin.post("/audiences/count", {"rw": "01-02", "desa": "Sukamaju"}, headers=FETCH).text
    assert 'id="wilayah-warning"' not in frag
    # the saved audience's page says it too
    r = admin.post("/audiences", {"name": "RW 1-2", "rw": "1-2"})
    assert r.status == 200 and 'id="wilayah-warning"' in r.text
    admin.post("/audiences", {"name": "Sukamaju RW 1", "rw": "1", "desa": "Sukamaju"})
    listing = admin.get("/audiences").text
    assert listing.count('data-spans-desa="1"') == 1  # the list marks the RW-only one


@pytest.mark.parametrize("choice,fields,expected", [
    ("@semua", {}, 3),
    ("@tag:banjir", {}, 2),
    ("@saringan", {"f_desa": "Sukamaju", "f_rw": "1"}, 1),
    ("", {"f_rw": "01"}, 2),  # only the filter typed: it is used
])
def test_compose_without_a_saved_audience(web, admin, db, choice, fields, expected):
    _people(db, [("Sukamaju", "01"), ("Cipaganti", "01")], tag="banjir")
    _people(db, [("Sukamaju", "05")], start=10)
    admin.get("/compose")
    form = {"audience": choice, "text": "Kerja bakti Minggu pagi[ di RW {rw}].", **fields}
    frag = admin.post("/compose/preview", form).text
    assert f'data-recipients="{expected}"' in frag, frag[:400]
    if fields.get("f_rw") and not fields.get("f_desa"):
        assert 'id="wilayah-warning"' in frag
    r = admin.post("/compose", {**form, "name": "Kerja bakti", "action": "send"})
    assert r.status == 200, r.text[:300]
    camp = db.conn.execute("SELECT state, audience_id, recipients FROM campaigns").fetchone()
    assert (camp["state"], camp["audience_id"], camp["recipients"]) == ("running", None, expected)
    assert db.conn.execute("SELECT COUNT(*) FROM audiences").fetchone()[0] == 0


def test_compose_lists_every_contact_and_tags(web, admin, db):
    _people(db, [("Sukamaju", "01")], tag="siaga-banjir")
    page = admin.get("/compose").text
    assert 'value="@semua"' in page and 'value="@tag:siaga-banjir"' in page and 'name="f_rw"' in page
    frag = admin.post("/compose/preview", {"audience": "@saringan", "text": "Halo", "f_rw": "abc"}).text
    assert "bukan angka" in frag and 'data-preview="message"' in frag


def test_compose_and_approval_show_the_worst_case_text(web, admin, db):
    _people(db, [("Sukamaju", "01"), (None, None)])
    db.set_setting("approval_threshold", 1, by="test")
    admin.get("/compose")
    form = {"audience": "@semua", "text": "Yth. {nama}, warga RW {rw} {desa}: rapat Minggu."}
    frag = admin.post("/compose/preview", form).text
    assert 'data-example="first"' in frag and re.search(r'data-example="[a-z_ ]*least_data"', frag)
    assert "warga RW setempat setempat" in frag and 'data-warning="fallback"' in frag  # seen, and explained
    admin.post("/compose", {**form, "name": "Rapat", "action": "send"})
    page = admin.get("/approvals").text
    assert re.search(r'data-example="[a-z_ ]*least_data"', page) and "warga RW setempat setempat" in page


def test_a_contacts_kecamatan_is_shown_and_editable(web, admin, db):
    token, _ = _upload(admin, "ketua rt.csv", TITLED)
    admin.post("/import/commit", {"token": token})
    cid = db.conn.execute("SELECT id FROM contacts WHERE name = 'Ani'").fetchone()[0]
    page = admin.get(f"/contacts/{cid}").text
    assert 'name="kecamatan"' in page and 'value="Cibeunying Kaler"' in page
    r = admin.post(f"/contacts/{cid}", {"name": "Ani", "desa": "Sukamaju", "kecamatan": "Coblong", "rw": "01",
                                        "rt": "01"})
    assert r.status == 200 and "Kontak disimpan" in r.text
    assert db.conn.execute("SELECT kecamatan FROM contacts WHERE id = ?", (cid,)).fetchone()[0] == "Coblong"
