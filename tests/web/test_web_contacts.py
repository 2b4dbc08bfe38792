"""The Contacts area of the LAN page over real HTTP: list, one contact, and the import wizard.

Numbers are fakes (0812-0000-0xxx).  Users other than the first admin are
created straight in the store (the users page is another area).
"""

from __future__ import annotations

import io
import json
import os
import re
import time

import openpyxl
import pytest
from webtools import user_client

from firmware.people import contacts as contacts_mod
from firmware.queue.store import Store

import hostile_files as hf
import office_files


def _store(web) -> Store:
    return Store.in_state_dir(web.config.state_dir)


def _seed(web, records: list[dict], tag: str | None = None) -> None:
    with _store(web) as s:
        plan = contacts_mod.plan_import(s, records, tag=tag)
        contacts_mod.commit_import(s, plan, source="cli", file_name="seed", file_hash=None, actor="test", tag=tag)


def _cid(web, number: str) -> int:
    with _store(web) as s:
        return s.conn.execute("SELECT id FROM contacts WHERE number = ?", (number,)).fetchone()[0]


PEOPLE = [
    {"number": "081200000001", "name": "Siti Aminah", "desa": "Sukajadi", "dusun": "Krajan", "rw": "01", "rt": "01",
     "role": "Ketua RT"},
    {"number": "081200000002", "name": "Budi Santoso", "desa": "Sukajadi", "rw": "02", "rt": "03", "role": "Ketua RW"},
    {"number": "081200000003", "name": "Dewi", "desa": "Cipaganti", "rw": "05", "rt": "01", "role": "Kader Posyandu"},
    {"number": "081200000004", "name": "<script>alert(1)</script>", "desa": "Cipaganti", "rw": "01", "rt": "02",
     "role": "Ketua RT"},
]


def _audit(web, action: str) -> list[dict]:
    with _store(web) as s:
        return [json.loads(r[0]) | {"_actor": r[1]} for r in s.conn.execute(
            "SELECT detail, actor FROM audit_log WHERE action = ? ORDER BY id", (action,))]


# -- the list ---------------------------------------------------------------------------------------


def test_list_filters_search_masking_and_escaping(web, admin):
    _seed(web, PEOPLE[:3], tag="banjir")
    _seed(web, PEOPLE[3:])
    with _store(web) as s:
        s.add_optout("+6281200000002", source="sms")
        s.conn.execute("UPDATE contacts SET dead = 1 WHERE number = '+6281200000003'")
        s.conn.commit()

    r = admin.get("/contacts")
    assert r.status == 200
    assert 'data-total="all">4<' in r.text and 'data-total="optout">1<' in r.text and 'data-total="dead">1<' in r.text
    # Operators and admins see numbers as the office writes them; the XSS name is escaped.
    assert "081200000001" in r.text and "+6281200000001" not in r.text
    assert "<script>alert(1)</script>" not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    # datalists offer the values already in the contacts
    assert '<option value="Cipaganti">' in r.text and '<option value="Ketua RW">' in r.text
    assert '<option value="banjir">' in r.text

    def names(path):
        page = admin.get(path)
        assert page.status == 200, page.text[:400]
        return re.findall(r'<tr data-contact="\d+">\s*<td><a href="/contacts/\d+">([^<]*)</a>', page.text)

    assert names("/contacts?q=siti") == ["Siti Aminah"]
    assert names("/contacts?q=0812-0000-0002") == ["Budi Santoso"]
    assert names("/contacts?q=%2B6281200000003") == ["Dewi"]
    assert names("/contacts?desa=Kelurahan+Sukajadi") == ["Siti Aminah", "Budi Santoso"]
    assert names("/contacts?rw=1") == ["Siti Aminah", "&lt;script&gt;alert(1)&lt;/script&gt;"]
    assert names("/contacts?rw=1-2&rt=3") == ["Budi Santoso"]
    assert names("/contacts?role=ketua+rt") == ["Siti Aminah", "&lt;script&gt;alert(1)&lt;/script&gt;"]
    assert names("/contacts?tag=BANJIR") == ["Siti Aminah", "Budi Santoso", "Dewi"]
    assert names("/contacts?dusun=krajan") == ["Siti Aminah"]
    assert names("/contacts?status=optout") == ["Budi Santoso"]
    assert names("/contacts?status=dead") == ["Dewi"]
    assert len(names("/contacts?status=reachable")) == 2
    assert names("/contacts?q=100%25_") == []  # LIKE wildcards are literal
    r = admin.get("/contacts?rw=abc")
    assert r.status == 400 and "bukan angka atau rentang" in r.text

    viewer = user_client(web, "viewer")
    r = viewer.get("/contacts")
    assert r.status == 200 and "0812****0001" in r.text and "081200000001" not in r.text
    assert "Impor daftar kontak" not in r.text
    # A viewer finds a number only by typing all of it (fragments would unmask numbers digit by digit).
    assert 'data-contact' not in viewer.get("/contacts?q=0812000000").text
    assert viewer.get("/contacts?q=0812-0000-0001").text.count('data-contact="') == 1


def test_list_pages_50_at_a_time(web, admin):
    _seed(web, [{"number": f"0812{i:08d}", "name": f"Warga {i:03d}", "desa": "Sukajadi"} for i in range(120)])
    r = admin.get("/contacts")
    assert r.text.count('data-contact="') == 50 and "1 / 3" in r.text and 'rel="next"' in r.text
    r = admin.get("/contacts?desa=Sukajadi&page=3")
    assert r.text.count('data-contact="') == 20 and "Warga 119" in r.text and 'rel="prev"' in r.text
    assert "desa=Sukajadi&amp;page=2" in r.text  # the filter stays in the pager's links
    assert admin.get("/contacts?page=999").text.count('data-contact="') == 20  # clamped to the last page
    assert admin.get("/contacts?page=abc").status == 200


def test_list_needs_login(web, admin):
    c = web.client()
    r = c.get("/contacts", follow=False)
    assert r.status in (302, 303) and "/login" in r.location


# -- one contact ------------------------------------------------------------------------------------


def test_contact_edit_validates_and_audits_without_the_number(web, admin):
    _seed(web, PEOPLE[:1])
    cid = _cid(web, "+6281200000001")
    r = admin.get(f"/contacts/{cid}")
    assert r.status == 200 and "081200000001" in r.text and 'action="/contacts/%d"' % cid in r.text
    r = admin.post(f"/contacts/{cid}", {"name": "Siti A.", "desa": "Sukajadi", "dusun": "", "rw": "RW 3",
                                        "rt": "7", "role": "Ketua  RT", "notes": "baru\ndilantik",
                                        "number": "081299999999"})
    assert r.status == 200 and "Kontak disimpan" in r.text
    with _store(web) as s:
        row = dict(s.conn.execute("SELECT * FROM contacts WHERE id = ?", (cid,)).fetchone())
    assert (row["name"], row["rw"], row["rt"], row["role"], row["dusun"], row["number"]) == \
        ("Siti A.", "03", "07", "Ketua RT", None, "+6281200000001")
    assert row["notes"] == "baru\ndilantik"
    entry = _audit(web, "contact.edit")[-1]
    assert entry["contact_id"] == cid and "name" in entry["fields"] and entry["_actor"] == "web:admin"
    assert "0812" not in json.dumps(entry)
    # Too long: refused with the field named, what was typed kept.
    r = admin.post(f"/contacts/{cid}", {"name": "x" * 201, "desa": "Typed-Desa"})
    assert r.status == 400 and "Nama terlalu panjang" in r.text and 'value="Typed-Desa"' in r.text
    r = admin.post(f"/contacts/{cid}", {"name": "Siti A.", "desa": "Sukajadi", "rw": "03", "rt": "07",
                                        "role": "Ketua RT", "notes": "baru\ndilantik"})
    assert "Tidak ada perubahan" in r.text
    assert admin.get("/contacts/99999").status == 404


def test_optout_is_one_way_and_delete_and_export(web, admin):
    _seed(web, PEOPLE[:2])
    cid = _cid(web, "+6281200000001")
    r = admin.get(f"/contacts/{cid}")
    assert f'action="/contacts/{cid}/optout"' in r.text and "data-confirm" in r.text
    r = admin.post(f"/contacts/{cid}/optout", {})
    assert r.status == 200 and 'id="optout-state"' in r.text and "halaman web" in r.text
    assert f'action="/contacts/{cid}/optout"' not in r.text  # no way back from the page
    with _store(web) as s:
        assert s.is_opted_out("+6281200000001")
        assert s.conn.execute("SELECT source FROM optouts").fetchone()[0] == "web"
    assert _audit(web, "contact.optout")[-1]["contact_id"] == cid
    assert "Nomor ini sudah berhenti" in admin.post(f"/contacts/{cid}/optout", {}).text

    # export (admin): a JSON attachment with everything, audited without the number
    admin.get(f"/contacts/{cid}")
    r = admin.post(f"/contacts/{cid}/export", {})
    assert r.status == 200 and "attachment" in r.headers["content-disposition"]
    assert r.headers["content-type"].startswith("application/json")
    data = r.json()
    assert data["number"] == "+6281200000001" and data["contact"]["name"] == "Siti Aminah" and data["optout"]
    assert "0812" not in json.dumps(_audit(web, "contact.export"))

    other = _cid(web, "+6281200000002")
    admin.get(f"/contacts/{other}")
    r = admin.post(f"/contacts/{other}/delete", {"suppress": "1"})
    assert r.status == 200 and "Kontak dihapus" in r.text and "Budi" not in r.text
    with _store(web) as s:
        assert s.conn.execute("SELECT COUNT(*) FROM contacts WHERE id = ?", (other,)).fetchone()[0] == 0
        assert s.is_opted_out("+6281200000002")
    assert "0812" not in json.dumps(_audit(web, "contact.delete"))
    # Without the box ticked, the number is not blocked.
    _seed(web, PEOPLE[2:3])
    third = _cid(web, "+6281200000003")
    admin.get(f"/contacts/{third}")
    admin.post(f"/contacts/{third}/delete", {})
    with _store(web) as s:
        assert not s.is_opted_out("+6281200000003")


def test_roles_on_contacts(web, admin):
    _seed(web, PEOPLE[:1])
    cid = _cid(web, "+6281200000001")
    viewer = user_client(web, "viewer")
    r = viewer.get(f"/contacts/{cid}")
    assert r.status == 200 and "0812****0001" in r.text and "081200000001" not in r.text
    assert 'id="contact-edit"' not in r.text
    for path in (f"/contacts/{cid}", f"/contacts/{cid}/optout", f"/contacts/{cid}/delete", f"/contacts/{cid}/export",
                 "/import", "/import/commit", "/import/cancel"):
        assert viewer.post(path, {"name": "x"}).status == 403, path
    assert viewer.get("/import").status == 403
    operator = user_client(web, "operator")
    r = operator.get(f"/contacts/{cid}")
    assert "081200000001" in r.text and 'id="contact-edit"' in r.text and "/export" not in r.text
    assert operator.post(f"/contacts/{cid}/export", {}).status == 403
    with _store(web) as s:
        assert s.conn.execute("SELECT name FROM contacts").fetchone()[0] == "Siti Aminah"
        assert not s.is_opted_out("+6281200000001")
    # no CSRF token: refused before the handler
    assert operator.post(f"/contacts/{cid}/delete", {}, csrf=False).status == 403


# -- import ---------------------------------------------------------------------------------------------


def _uploads(web) -> list[str]:
    return sorted(os.listdir(os.path.join(web.config.state_dir, "uploads")))


def test_import_csv_preview_rejected_csv_and_commit(web, admin, tmp_path):
    written = office_files.write_csv(tmp_path, "ketua_rt.csv", delimiter=";")
    _seed(web, [{"number": "081200000102", "name": "Bapak Budi Santoso", "desa": "Sukajadi", "rw": "01", "rt": "03",
                 "role": "Warga"}])
    with _store(web) as s:
        s.add_optout("+6281200000103", source="sms")
    admin.get("/import")
    r = admin.upload("/import", {"tag": "ketua-rt"}, {"file": ("../../Data Ketua RT.csv", written.path.read_bytes())})
    assert r.status == 200, r.text[:500]
    token = re.search(r'name="token" value="([0-9a-f]{32})"', r.text).group(1)
    counts = {k: int(v.replace(".", "")) for k, v in re.findall(r'data-count="(\w+)">([\d.]+)<', r.text)}
    assert counts["new"] == office_files.ACCEPTED - 2 and counts["opted_out"] == 1
    assert counts["duplicate_in_file"] == office_files.DUPLICATE and counts["invalid"] == office_files.INVALID
    assert counts["updated"] == 1  # Budi was listed already, as "Warga"
    assert "Data Ketua RT.csv" in r.text and "../" not in r.text
    assert "nomor sama dengan baris" in r.text  # the reason in Bahasa Indonesia, with its row
    assert f"<td class=\"num\">{written.rows['Joko']}</td>" in r.text
    assert "No. HP" in r.text  # the header mapping
    # Nothing imported yet; the upload is under uploads/ with a random name only.
    with _store(web) as s:
        assert s.conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 1
        assert s.conn.execute("SELECT COUNT(*) FROM imports WHERE dry_run = 1").fetchone()[0] == 1
    assert _uploads(web) == [f"import-{token}.bin", f"import-{token}.json"]
    assert not (tmp_path / "etc").exists()

    rej = admin.get(f"/import/{token}/rejected")
    assert rej.status == 200 and rej.body.startswith(b"\xef\xbb\xbf")
    assert re.match(r'attachment; filename="penolakan-\d{8}\.csv"', rej.headers["content-disposition"])
    lines = rej.body.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + office_files.INVALID + office_files.DUPLICATE
    assert any("Kiki" in ln for ln in lines)

    admin.get(f"/import/{token}")
    r = admin.post("/import/commit", {"token": token})
    assert r.status == 200 and "Impor selesai" in r.text and "/contacts" in r.text
    with _store(web) as s:
        assert s.conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == office_files.ACCEPTED
        imp = s.conn.execute("SELECT * FROM imports WHERE dry_run = 0 AND source = 'web'").fetchone()
        assert (imp["source"], imp["file_name"], imp["actor"], imp["tag"]) == \
            ("web", "Data Ketua RT.csv", "web:admin", "ketua-rt")
        assert len(imp["file_hash"]) == 64
        tagged = s.conn.execute("SELECT COUNT(*) FROM contact_tags").fetchone()[0]
        assert tagged == office_files.ACCEPTED
    # The upload is gone after the commit; only its rejected rows are kept.
    assert _uploads(web) == [f"rejected-{imp['id']}.csv"]
    # The preview of a finished upload sends the user back to the upload page.
    r = admin.get(f"/import/{token}")
    assert r.status == 200 and "tidak ditemukan" in r.text


def test_rejected_rows_stay_downloadable_after_commit(web, admin, tmp_path):
    """After "Simpan" the rejected-rows CSV is linked from the flash and the Import page, for 7 days only."""
    written = office_files.write_csv(tmp_path, "ketua_rt.csv", delimiter=";")
    admin.get("/import")
    r = admin.upload("/import", {}, {"file": ("Data Ketua RT.csv", written.path.read_bytes())})
    token = re.search(r'name="token" value="([0-9a-f]{32})"', r.text).group(1)
    before = admin.get(f"/import/{token}/rejected").body
    r = admin.post("/import/commit", {"token": token})
    with _store(web) as s:
        import_id = s.conn.execute("SELECT id FROM imports WHERE dry_run = 0").fetchone()[0]
    link = f"/import/saved/{import_id}/rejected"
    assert f'href="{link}"' in r.text and "baris yang ditolak" in r.text  # in the flash after the commit
    assert f'href="{link}"' in admin.get("/import").text  # and on the Import page
    rej = admin.get(link)
    assert rej.status == 200 and rej.body == before  # the same CSV the preview offered
    assert rej.headers["content-disposition"] == f'attachment; filename="penolakan-impor-{import_id}.csv"'
    lines = rej.body.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + office_files.INVALID + office_files.DUPLICATE and any("Kiki" in ln for ln in lines)
    assert _audit(web, "import.rejected_download")[-1]["import_id"] == import_id
    # only operators: a viewer may not have the rows
    assert user_client(web, "viewer").get(link).status == 403
    # kept 7 days, then gone (removed at the next visit), with a plain word instead of a 404
    path = os.path.join(web.config.state_dir, "uploads", f"rejected-{import_id}.csv")
    old = time.time() - 7 * 86400 - 60
    os.utime(path, (old, old))
    r = admin.get(link)
    assert r.status == 200 and "tidak ada lagi" in r.text and not os.path.exists(path)
    assert f'href="{link}"' not in admin.get("/import").text
    assert admin.get("/import/saved/999999/rejected").status == 200  # unknown id: the same plain message


def test_import_xlsx_with_bad_rows(web, admin, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DAFTAR KADER POSYANDU"])
    ws.append([])
    ws.append(["No", "Nama", "Nomor HP", "Desa", "RW", "RT", "Jabatan"])
    ws.append([1, "Ani", "0812-0000-0201", "Sukajadi", 1, 2, "Kader"])
    ws.append([2, "Bea", 81200000202, "Sukajadi", 1, 3, "Kader"])
    ws.append([3, "Cici", "022-2000-0110", "Sukajadi", 1, 3, "Kader"])  # landline
    ws.append([4, "Dodi", "", "Sukajadi", 1, 3, "Kader"])  # empty
    ws.append([5, "Ani lagi", "081200000201", "Sukajadi", 1, 2, "Kader"])  # duplicate of row 4
    buf = io.BytesIO()
    wb.save(buf)
    admin.get("/import")
    r = admin.upload("/import", {}, {"file": ("kader.xlsx", buf.getvalue())})
    assert r.status == 200
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', r.text))
    assert counts == {"new": "2", "updated": "0", "unchanged": "0", "opted_out": "0", "duplicate_in_file": "1",
                      "invalid": "2"}
    # the two "Ditolak" tiles add up to the list of rejected rows below them (issue 10)
    assert "Ditolak: nomor salah" in r.text and "Ditolak: dobel di file" in r.text
    assert "Baris yang ditolak (3: 2 nomor salah, 1 dobel di file)" in r.text and r.text.count("<tr><td class=\"num\">") >= 3
    assert "XLSX" in r.text and "judul kolom di baris" in r.text
    token = re.search(r'name="token" value="([0-9a-f]{32})"', r.text).group(1)
    r = admin.post("/import/commit", {"token": token})
    assert "Impor selesai: 2 baru" in r.text
    with _store(web) as s:
        rows = s.conn.execute("SELECT name, number, rt FROM contacts ORDER BY number").fetchall()
    assert [tuple(x) for x in rows] == [("Ani", "+6281200000201", "02"), ("Bea", "+6281200000202", "03")]


def _in_memory(write) -> bytes:
    buf = io.BytesIO()
    write(buf)
    return buf.getvalue()


@pytest.mark.parametrize("name,content,words", [
    ("daftar.xlsx", b"\x00\x01garbage\xff" * 50, None),
    ("bom.xlsx", _in_memory(hf.entity_bomb), "memuat DTD"),  # the same bounded reader as the CLI and USB drop
    ("sel.xlsx", _in_memory(lambda f: hf.huge_cell(f, 40_000)), "baris 2, sel A2"),
    ("kosong.csv", b"", "file kosong"),
    ("../../etc/passwd.csv", b"root:x:0:0:root:/root:/bin/bash\n", None),
    ("rusak.xlsx", b"PK\x03\x04" + b"\x00" * 200, None),
    ("lama.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 200, "format Excel lama"),
])
def test_broken_uploads_show_the_reason_and_write_nothing(web, admin, tmp_path, name, content, words):
    admin.get("/import")
    r = admin.upload("/import", {}, {"file": (name, content)})
    assert r.status == 400, r.text[:400]
    assert 'id="import-error"' in r.text and 'action="/import"' in r.text
    if words:
        assert words in r.text
    assert _uploads(web) == []
    state = web.config.state_dir
    assert not os.path.exists(os.path.join(state, "etc")) and not (tmp_path / "etc").exists()
    with _store(web) as s:
        assert s.conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 0
        rec = s.conn.execute("SELECT counts, dry_run FROM imports").fetchone()
        assert "error" in json.loads(rec["counts"]) and rec["dry_run"] == 1


def test_import_form_errors_and_cancel_and_old_uploads(web, admin, tmp_path):
    admin.get("/import")
    r = admin.upload("/import", {"tag": "x"}, {})
    assert r.status == 400 and "Pilih file" in r.text
    r = admin.upload("/import", {"tag": "t" * 65}, {"file": ("a.csv", b"Nama,No HP\nA,081200000001\n")})
    assert r.status == 400 and "Tag harus 1 sampai 64" in r.text
    # An upload older than a day is removed when the next upload comes; other files are left alone.
    up = os.path.join(web.config.state_dir, "uploads")
    stale = os.path.join(up, "import-" + "a" * 32 + ".bin")
    keep = os.path.join(up, "other-area.bin")
    for p in (stale, keep):
        with open(p, "wb") as f:
            f.write(b"x")
        os.utime(p, (1_000_000, 1_000_000))
    r = admin.upload("/import", {}, {"file": ("a.csv", b"Nama,No HP\nA,081200000001\n")})
    token = re.search(r'name="token" value="([0-9a-f]{32})"', r.text).group(1)
    assert not os.path.exists(stale) and os.path.exists(keep)
    r = admin.post("/import/cancel", {"token": token})
    assert "Impor dibatalkan" in r.text and not any(n.startswith("import-") for n in _uploads(web))
    # tokens are only 32 hex digits: nothing else reaches the file system
    assert admin.get("/import/..%2F..%2Fsiaran.db").status == 404
    assert admin.get("/import/" + "g" * 32).status == 404
    admin.get("/import")
    r = admin.post("/import/commit", {"token": "../../siaran"})
    assert r.status == 404
    r = admin.post("/import/commit", {"token": "b" * 32})
    assert "tidak ditemukan" in r.text


def test_file_changed_between_preview_and_commit(web, admin):
    admin.get("/import")
    r = admin.upload("/import", {}, {"file": ("a.csv", b"Nama,No HP\nA,081200000001\n")})
    token = re.search(r'name="token" value="([0-9a-f]{32})"', r.text).group(1)
    path = os.path.join(web.config.state_dir, "uploads", f"import-{token}.bin")
    with open(path, "wb") as f:
        f.write(b"garbage")
    r = admin.post("/import/commit", {"token": token})
    assert r.status == 400 and 'id="import-error"' in r.text
    with _store(web) as s:
        assert s.conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 0


def test_xlsx_sheet_choice(web, admin, tmp_path):
    written = office_files.write_xlsx(tmp_path)
    admin.get("/import")
    r = admin.upload("/import", {}, {"file": ("ketua_rt.xlsx", written.path.read_bytes())})
    token = re.search(r'name="token" value="([0-9a-f]{32})"', r.text).group(1)
    assert 'id="import-sheet-choice"' in r.text and '<option value="Data Ketua RT" selected>' in r.text
    assert dict(re.findall(r'data-count="(\w+)">(\d+)<', r.text))["new"] == str(office_files.ACCEPTED)
    r = admin.post("/import/sheet", {"token": token, "sheet": "Rekap"})
    assert "tidak dapat dipakai" in r.text and '<option value="Data Ketua RT" selected>' in r.text
    r = admin.post("/import/sheet", {"token": token, "sheet": "Cadangan"})
    assert dict(re.findall(r'data-count="(\w+)">(\d+)<', r.text))["new"] == "2"
    assert admin.post("/import/sheet", {"token": token, "sheet": "../x"}).status == 400
    admin.get(f"/import/{token}")
    r = admin.post("/import/commit", {"token": token})
    assert "Impor selesai: 2 baru" in r.text
    with _store(web) as s:
        assert sorted(x[0] for x in s.conn.execute("SELECT name FROM contacts")) == ["Nina", "Oki"]


def test_import_of_100000_rows_through_the_page(web, admin):
    """A 2.4 MB list with CRLF line ends (as Excel saves CSV) spills to disk and imports.

    Bottle's own multipart parse refused it ("Memory limit reached"): MEMFILE_MAX was both the size at
    which the file part spills and the memory for all parts, so a part growing by lines shorter than
    the other fields reached the total just before spilling."""
    lines = ["Nama;No HP"] + [f"W{i};0812{i:08d}" for i in range(100_000)]
    data = ("\r\n".join(lines) + "\r\n").encode()
    assert 2_000_000 < len(data) < 3_000_000
    admin.get("/import")
    r = admin.upload("/import", {"tag": "banjir-timur-2026"}, {"file": ("besar.csv", data)})
    assert r.status == 200, r.text[:800]
    assert dict(re.findall(r'data-count="(\w+)">([\d.]+)<', r.text))["new"] == "100.000"
    token = re.search(r'name="token" value="([0-9a-f]{32})"', r.text).group(1)
    r = admin.post("/import/commit", {"token": token})
    assert "Impor selesai: 100000 baru" in r.text
    with _store(web) as s:
        assert s.conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 100_000


def test_a_form_too_long_is_said_in_bahasa_not_in_bottles_english(web, admin):
    """A url-encoded form over the 1 MB text limit: the page said "Berkas terlalu besar (maksimal 20 MB)" above
    Bottle's English "Request entity too large"."""
    body = b"csrf=" + admin.csrf_token.encode() + b"&q=" + b"a" * (1024 * 1024 + 10)
    r = admin.request("POST", "/contacts/1", body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 413
    assert "Isian formulir terlalu panjang" in r.text and "Request entity too large" not in r.text


def test_upload_limits_are_said_in_bahasa(web, admin):
    from web.app import MAX_BODY

    assert "maksimal 20 MB" in admin.get("/import").text  # said before anyone uploads
    csrf = admin.csrf_token
    boundary = "b0undary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="besar.csv"\r\n\r\n').encode()
    body = head + b"0812-0000-7890\r\n" * ((MAX_BODY - len(head)) // 16 + 1) + f"\r\n--{boundary}--\r\n".encode()
    r = admin.request("POST", "/import", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status == 413 and "maksimal 20 MB" in r.text and "at most 20 MB" not in r.text
    # A form cut off in the middle: the reason in Bahasa Indonesia, not Bottle's English.
    r = admin.request("POST", "/import", head + b"Nama,No HP\r\nAni,0812",
                      {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status == 400 and "Formulir unggahan rusak" in r.text and "MultipartError" not in r.text
    assert _uploads(web) == []
