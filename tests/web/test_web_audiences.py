"""The Audiences area of the LAN page over real HTTP: saved audiences, the builder's live count, one audience."""

from __future__ import annotations

import json
import re

from webtools import user_client

from firmware.people import audience as aud_mod
from firmware.people import contacts as contacts_mod
from firmware.queue.store import Store

FETCH = {"X-Requested-With": "fetch"}


def _store(web) -> Store:
    return Store.in_state_dir(web.config.state_dir)


def _seed(web) -> None:
    """Sukajadi RW 01-03 (Ketua RT each, one opted out, one dead), Cipaganti RW 01 (a Kader)."""
    records = [
        {"number": "081200000011", "name": "Asep", "desa": "Kelurahan Sukajadi", "rw": "01", "rt": "01",
         "role": "Ketua RT"},
        {"number": "081200000012", "name": "Dedi", "desa": "Sukajadi", "rw": "02", "rt": "01", "role": "Ketua RT 02"},
        {"number": "081200000013", "name": "Euis", "desa": "sukajadi", "rw": "03", "rt": "02", "role": "Ketua RT"},
        {"number": "081200000014", "name": "Yayat", "desa": "Sukajadi", "rw": "05", "rt": "01", "role": "Ketua RT"},
        {"number": "081200000015", "name": "<b>Neneng</b>", "desa": "Cipaganti", "rw": "01", "rt": "01",
         "role": "Kader Posyandu"},
    ]
    with _store(web) as s:
        plan = contacts_mod.plan_import(s, records, tag="siaga")
        contacts_mod.commit_import(s, plan, source="cli", file_name="seed", file_hash=None, actor="test", tag="siaga")
        s.add_optout("+6281200000012", source="sms")
        s.conn.execute("UPDATE contacts SET dead = 1 WHERE number = '+6281200000013'")
        s.conn.commit()


def _counts(html: str) -> dict[str, int]:
    return {k: int(v.replace(".", "")) for k, v in re.findall(r'data-count="(\w+)">([\d.]+)<', html)}


def test_builder_live_count_fragment(web, admin):
    _seed(web)
    r = admin.get("/audiences")
    assert r.status == 200
    assert 'data-fragment-url="/audiences/count"' in r.text and 'data-fragment-target="#audience-count"' in r.text
    assert 'id="audience-count"' in r.text
    # the values already in the contacts are offered
    for value in ("Sukajadi", "Cipaganti", "Ketua RT", "Kader Posyandu", "siaga"):
        assert f'<option value="{value}">' in r.text, value

    r = admin.post("/audiences/count", {"desa": "Kel. Sukajadi", "rw": "1-3,5", "role": "ketua rt"}, headers=FETCH)
    assert r.status == 200 and "<html" not in r.text  # a fragment, not a page
    assert _counts(r.text) == {"matched": 4, "reachable": 2, "opted_out": 1, "dead": 1}
    assert "desa Sukajadi; RW 01-03, 05; jabatan ketua rt" in r.text
    r = admin.post("/audiences/count", {"rw": "2-3"}, headers=FETCH)
    assert _counts(r.text)["matched"] == 2
    r = admin.post("/audiences/count", {"tag": "SIAGA", "everyone": "1"}, headers=FETCH)
    assert _counts(r.text)["matched"] == 5
    r = admin.post("/audiences/count", {"everyone": "1"}, headers=FETCH)
    assert _counts(r.text)["matched"] == 5 and "semua kontak" in r.text
    # nothing filled: a hint, not an error; a bad range: the library's Bahasa message
    r = admin.post("/audiences/count", {}, headers=FETCH)
    assert r.status == 200 and "Isi minimal satu saringan" in r.text and 'class="error"' not in r.text
    r = admin.post("/audiences/count", {"rw": "5-1"}, headers=FETCH)
    assert r.status == 200 and "terbalik" in r.text and 'class="error"' in r.text
    # The same form without the script ("count" button) gets the whole page with the count in place.
    r = admin.post("/audiences/count", {"desa": "Cipaganti"})
    assert "<html" in r.text and 'value="Cipaganti"' in r.text and _counts(r.text)["matched"] == 1
    # The fragment also takes the CSRF token as a header (as siaran.js sends it), and needs one.
    token = admin.csrf_token
    r = admin.post("/audiences/count", {"desa": "Sukajadi"}, csrf=False, headers={**FETCH, "X-CSRF-Token": token})
    assert r.status == 200 and _counts(r.text)["matched"] == 4
    assert admin.post("/audiences/count", {"desa": "Sukajadi"}, csrf=False, headers=FETCH).status == 403


def test_save_list_detail_edit_delete(web, admin):
    _seed(web)
    admin.get("/audiences")
    r = admin.post("/audiences", {"name": "  Ketua RT  Sukajadi ", "desa": "Sukajadi", "rw": "01-03, 5",
                                  "role": "Ketua RT"})
    assert r.status == 200 and "disimpan" in r.text
    with _store(web) as s:
        aid, aud = aud_mod.load_row(s, "Ketua RT Sukajadi")
    assert aud.to_dict() == {"desa": ["Sukajadi"], "rw": ["01-03", "05"], "role": ["Ketua RT"]}
    entry = json.loads(_one(web, "SELECT detail FROM audit_log WHERE action = 'audience_save'"))
    assert entry["audience"] == aid and "0812" not in json.dumps(entry)
    # the detail page: definition, counts, first recipients (reachable only), numbers for operators
    assert f"/audiences/{aid}" in r.text
    assert _counts(r.text) == {"matched": 4, "reachable": 2, "opted_out": 1, "dead": 1}
    assert "081200000011" in r.text and "081200000014" in r.text and "081200000012" not in r.text
    assert "desa Sukajadi; RW 01-03, 05; jabatan Ketua RT" in r.text

    # the list: live counts
    r = admin.get("/audiences")
    row = re.search(rf'<tr data-audience="{aid}">(.*?)</tr>', r.text, re.S).group(1)
    assert [int(x) for x in re.findall(r'<td class="num">(?:<strong>)?(\d+)', row)] == [4, 2, 1, 1]
    # Counts are live: a new contact shows at once.
    with _store(web) as s:
        plan = contacts_mod.plan_import(s, [{"number": "081200000016", "name": "Ujang", "desa": "Sukajadi",
                                             "rw": "3", "role": "Ketua RT"}])
        contacts_mod.commit_import(s, plan, source="cli", file_name="x", file_hash=None, actor="test")
    assert _counts(admin.get(f"/audiences/{aid}").text)["reachable"] == 3

    # edit: the builder comes back filled in; saving under the same name replaces it
    r = admin.get(f"/audiences?edit={aid}")
    assert f'name="id" value="{aid}"' in r.text and 'value="01-03, 05"' in r.text
    r = admin.post("/audiences", {"id": str(aid), "name": "Ketua RT Sukajadi", "desa": "Sukajadi", "rw": "1"})
    assert r.status == 200
    assert _counts(r.text)["matched"] == 1
    assert _one(web, "SELECT COUNT(*) FROM audiences") == 1
    # another audience may not silently take an existing name
    admin.get("/audiences")
    r = admin.post("/audiences", {"name": "Ketua RT Sukajadi", "desa": "Cipaganti"})
    assert r.status == 400 and "sudah ada" in r.text and 'value="Cipaganti"' in r.text

    # delete
    admin.get(f"/audiences/{aid}")
    r = admin.post(f"/audiences/{aid}/delete", {})
    assert r.status == 200 and "dihapus" in r.text
    assert _one(web, "SELECT COUNT(*) FROM audiences") == 0
    assert _one(web, "SELECT COUNT(*) FROM audit_log WHERE action = 'audience_delete'") == 1
    assert admin.get(f"/audiences/{aid}").status == 404


def _one(web, sql: str):
    with _store(web) as s:
        return s.conn.execute(sql).fetchone()[0]


def test_save_shows_library_errors_inline_and_keeps_input(web, admin):
    _seed(web)
    admin.get("/audiences")
    cases = [
        ({"name": "", "desa": "Sukajadi"}, "Nama audiens kosong"),
        ({"name": "x" * 101, "desa": "Sukajadi"}, "terlalu panjang"),
        ({"name": "Tanpa saringan"}, "minimal satu saringan"),
        ({"name": "RW salah", "rw": "satu", "desa": "Sukajadi"}, "bukan angka atau rentang"),
        ({"name": "RT besar", "rt": "1000", "desa": "Sukajadi"}, "melebihi 999"),
    ]
    for form, words in cases:
        r = admin.post("/audiences", form)
        assert r.status == 400 and words in r.text and 'id="audience-error"' in r.text, (form, r.text[:300])
        if form.get("desa"):
            assert 'value="Sukajadi"' in r.text
    assert _one(web, "SELECT COUNT(*) FROM audiences") == 0
    # a name with markup is stored as text and shown escaped
    r = admin.post("/audiences", {"name": "<script>alert(1)</script>", "desa": "Cipaganti"})
    assert r.status == 200 and "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert "&lt;b&gt;Neneng&lt;/b&gt;" in r.text  # the contact's name too


def test_roles_on_audiences(web, admin):
    _seed(web)
    admin.get("/audiences")
    admin.post("/audiences", {"name": "Sukajadi", "desa": "Sukajadi"})
    aid = _one(web, "SELECT id FROM audiences")
    viewer = user_client(web, "viewer")
    r = viewer.get("/audiences")
    assert r.status == 200 and f'href="/audiences/{aid}"' in r.text and 'name="name"' not in r.text
    r = viewer.post("/audiences/count", {"desa": "Sukajadi"}, headers=FETCH)
    assert r.status == 200 and _counts(r.text)["matched"] == 4
    r = viewer.get(f"/audiences/{aid}")
    assert r.status == 200 and "0812****0011" in r.text and "081200000011" not in r.text
    assert f"/audiences/{aid}/delete" not in r.text
    assert viewer.post("/audiences", {"name": "x", "desa": "Sukajadi"}).status == 403
    assert viewer.post(f"/audiences/{aid}/delete", {}).status == 403
    assert _one(web, "SELECT COUNT(*) FROM audiences") == 1
    anonymous = web.client()
    r = anonymous.get("/audiences", follow=False)
    assert r.status in (302, 303) and "/login" in r.location


def test_an_audience_used_by_a_campaign_is_kept(web, admin):
    _seed(web)
    admin.get("/audiences")
    admin.post("/audiences", {"name": "Sukajadi", "desa": "Sukajadi"})
    aid = _one(web, "SELECT id FROM audiences")
    with _store(web) as s:
        s.conn.execute("INSERT INTO campaigns (name, text, created_at, audience_id) VALUES ('Banjir', 'Awas', 1, ?)",
                       (aid,))
        s.conn.commit()
    r = admin.get(f"/audiences/{aid}")
    assert "dipakai 1 kampanye" in r.text
    r = admin.post(f"/audiences/{aid}/delete", {})
    assert r.status == 200 and "tidak dapat dihapus" in r.text
    assert _one(web, "SELECT COUNT(*) FROM audiences") == 1


def test_pages_in_english(web, admin):
    _seed(web)
    admin.get("/lang/en")
    admin.get("/audiences")
    r = admin.post("/audiences", {"name": "North", "desa": "Sukajadi"})
    assert r.status == 200 and "Reachable" in r.text and "Audience “North” saved." in r.text
    r = admin.post("/audiences/count", {"rw": "x"}, headers=FETCH)
    assert "is not a number or a range" in r.text
    r = admin.get("/contacts")
    assert r.status == 200 and "All contacts" in r.text
    r = admin.get("/contacts/1")
    assert r.status == 200 and "Record opt-out" in r.text
    r = admin.get("/import")
    assert r.status == 200 and "Upload and check" in r.text
    r = admin.upload("/import", {}, {"file": ("x.csv", b"")})
    assert r.status == 400 and "the file is empty" in r.text
    r = admin.upload("/import", {}, {"file": ("x.csv", b"Nama,No HP\nA,081200000091\nB,0222000011\n")})
    assert r.status == 200 and "New contacts" in r.text and "Rejected rows" in r.text
