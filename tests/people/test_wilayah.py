"""A list's desa/kelurahan and kecamatan from its title rows, file name or section headings (firmware.people.wilayah),
applied by the importer to every row without one, and the audiences that span every kelurahan.

Numbers are fakes (0812-0000-7xxx).
"""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware import cli
from firmware.people import audience
from firmware.people import contacts
from firmware.people import importer
from firmware.people.audience import Audience
from firmware.people.importer import ImportFileError, read_rows
from firmware.people.wilayah import Wilayah, find_in_file_name, find_in_text, heading, summary_sentence, tidy_name

# -- titles and file names ---------------------------------------------------------------------------

TITLES = [
    ("DAFTAR NAMA KETUA RT/RW KEL. SUKAMAJU KEC. CIBEUNYING KALER", "Sukamaju", "Cibeunying Kaler"),
    ("DAFTAR KETUA RT / RW KELURAHAN SUKAMAJU", "Sukamaju", None),
    ("Desa Sumberrejo", "Sumberrejo", None),
    ("KELURAHAN: SUKAMAJU", "Sukamaju", None),
    ("KELURAHAN : SUKAMAJU", "Sukamaju", None),
    ("Kelurahan/Desa : Cipaganti", "Cipaganti", None),
    ("Desa/Kel.: Tanjung-Priok Baru", "Tanjung-Priok Baru", None),
    ("DATA KETUA RT DESA SUMBERREJO KECAMATAN WONOASRI KABUPATEN BLITAR TAHUN 2026", "Sumberrejo", "Wonoasri"),
    ("DESA SUKAMAJU, KECAMATAN CIBEUNYING", "Sukamaju", "Cibeunying"),
    ("Daftar Ketua RT Kel. Sukamaju 2026", "Sukamaju", None),
    ("Daftar RT se-Kelurahan Sukaluyu periode 2024-2029", "Sukaluyu", None),
    ("DAFTAR KETUA RW DS. KARANGREJO JANUARI 2026", "Karangrejo", None),
    ("Nomor HP Ketua RT Kalurahan Wonokromo", "Wonokromo", None),
    ("KELURAHAN KEBAYORAN BARU", "Kebayoran Baru", None),
    ("Kecamatan Coblong", None, "Coblong"),
    ("Kelurahan Mekar Sari (update)", "Mekar Sari", None),
]

NO_WILAYAH = ["Nomor HP Ketua RT", "Kelurahan", "Kelurahan (Village)", "DAFTAR KETUA RT/RW TAHUN 2026", "Desa: -",
              "", "Kader Posyandu Melati", "Kelurahan 2026"]


@pytest.mark.parametrize("title,desa,kecamatan", TITLES)
def test_title_rows_name_the_wilayah(title, desa, kecamatan):
    found = find_in_text(title)
    assert (found.desa, found.kecamatan) == (desa, kecamatan)
    assert found.found_in == title


@pytest.mark.parametrize("title", NO_WILAYAH)
def test_titles_without_a_wilayah(title):
    assert not find_in_text(title)


@pytest.mark.parametrize("name,desa,kecamatan", [
    ("rt_rw_kel_sukamaju_2026.xlsx", "Sukamaju", None),
    ("rt_rw_kel_sukamaju_kec_coblong_2026_rev2.xlsx", "Sukamaju", "Coblong"),
    ("ketua-rt-desa-sumberrejo.csv", "Sumberrejo", None),
    ("Daftar RT Kelurahan Cipaganti (final).xlsx", "Cipaganti", None),
    ("kelurahan-sukamaju.xlsx", "Sukamaju", None),
    ("DATA RT DESA KARANG ANYAR 2025.csv", "Karang Anyar", None),
    ("kontak.xlsx", None, None),
    ("data_rw_2026.xlsx", None, None),
])
def test_file_names_name_the_wilayah(name, desa, kecamatan):
    found = find_in_file_name(name)
    assert (found.desa, found.kecamatan) == (desa, kecamatan)


def test_headings_and_names():
    assert heading(("KELURAHAN CIPAGANTI", None, "")).desa == "Cipaganti"
    assert heading(("Desa Sumberrejo",)).desa == "Sumberrejo"
    assert not heading(("Siti", "Kel. Sukamaju"))  # a person's row: the keyword is not first
    assert not heading(("Desa Sumber 1",))  # digits: not a heading
    assert tidy_name("  CIBEUNYING   KALER ") == "Cibeunying Kaler"
    assert tidy_name("McKinley") == "McKinley"
    assert Wilayah("Sukamaju", "Coblong").describe() == "Sukamaju, Kec. Coblong"


_NAME_WORD = st.sampled_from(["Suka", "Maju", "Mekar", "Sari", "Cipaganti", "Sumber", "Rejo", "Jaya", "Karang",
                              "Anyar", "Tengah", "Wetan"])


@settings(max_examples=200, deadline=None)
@given(words=st.lists(_NAME_WORD, min_size=1, max_size=3), upper=st.booleans(),
       keyword=st.sampled_from(["Kelurahan", "Kel.", "KEL", "Desa", "DS.", "Kelurahan:", "Desa/Kelurahan :"]),
       before=st.sampled_from(["", "DAFTAR KETUA RT/RW ", "Data Ketua RW ", "No HP Kader "]),
       after=st.sampled_from(["", " TAHUN 2026", " Kec. Coblong", ", periode 2024-2029", " (update)"]))
def test_any_kelurahan_title_is_found(words, upper, keyword, before, after):
    name = " ".join(words)
    title = before + keyword + " " + (name.upper() if upper else name) + after
    assert find_in_text(title).desa == name


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_detection_never_raises(text):
    found = find_in_text(text)
    assert found.desa is None or (0 < len(found.desa) <= 200)
    find_in_file_name(text)
    heading((text,))


# -- the importer applies it -------------------------------------------------------------------------

def _csv(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


TITLED = _csv("DAFTAR NAMA KETUA RT/RW KEL. SUKAMAJU KEC. CIBEUNYING KALER", "",
              "No,Nama,No HP,RW,RT,Jabatan",
              "1,Ani,0812-0000-7801,01,01,Ketua RT",
              "2,Budi,0812-0000-7802,01,02,Ketua RT",
              "3,Citra,0812-0000-7803,02,,Ketua RW")


def _read(data: bytes, name: str = "daftar.csv", **given) -> tuple[list[dict], dict]:
    with read_rows(data, name) as sheet:
        if given:
            sheet.use_wilayah(**given)
        rows = list(sheet.rows())
        return rows, sheet.summary()["wilayah"]


def test_title_kelurahan_fills_every_row():
    rows, w = _read(TITLED)
    assert {(r["desa"], r["kecamatan"]) for r in rows} == {("Sukamaju", "Cibeunying Kaler")}
    assert (w["desa"], w["kecamatan"], w["source"], w["column"]) == ("Sukamaju", "Cibeunying Kaler", "title", False)
    assert w["found_in"].startswith("DAFTAR NAMA KETUA") and (w["from_file"], w["without"]) == (3, 0)


def test_title_in_an_xlsx_above_the_header():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([None, "DAFTAR KETUA RT", None])
    ws.append([None, "Kelurahan", ":", "Sukamaju"])
    ws.append([])
    ws.append([None, "Nama", "No HP", "RW"])
    ws.append([None, "Ani", "0812-0000-7801", 1])
    buf = io.BytesIO()
    wb.save(buf)
    rows, w = _read(buf.getvalue(), "Book1.xlsx")
    assert rows[0]["desa"] == "Sukamaju" and w["source"] == "title"


def test_file_name_when_the_title_says_nothing():
    data = _csv("Nama,No HP,RW", "Ani,0812-0000-7801,01")
    rows, w = _read(data, "rt_rw_kel_sukamaju_2026.xlsx.csv")
    assert rows[0]["desa"] == "Sukamaju" and w["source"] == "file_name"
    assert w["found_in"] == "rt_rw_kel_sukamaju_2026.xlsx.csv"


def test_the_staffer_overrides_and_types():
    rows, w = _read(TITLED, desa="kel. sukamaju lor")
    assert {r["desa"] for r in rows} == {"Sukamaju Lor"}
    # the kecamatan the title names is kept when only the desa is typed
    assert (w["source"], w["kecamatan"], w["found"]["desa"]) == ("given", "Cibeunying Kaler", "Sukamaju")
    with pytest.raises(ImportFileError) as err:
        _read(TITLED, desa="x" * 101)
    assert "Desa/Kelurahan" in err.value.pesan


def test_a_list_without_wilayah_is_flagged():
    rows, w = _read(_csv("Nama,No HP,RW", "Ani,0812-0000-7801,01", "Budi,0812-0000-7802,02"), "kontak.csv")
    assert {r["desa"] for r in rows} == {None}
    assert (w["desa"], w["source"], w["without"]) == (None, None, 2)
    pesan, note = summary_sentence(w)
    assert "tidak menyebut desa/kelurahan" in pesan and "2 kontak" in pesan and "names no desa" in note


def test_a_column_wins_and_the_title_fills_its_empty_cells():
    data = _csv("DAFTAR KETUA RT KELURAHAN SUKAMAJU", "Nama,No HP,Kelurahan,RW",
                "Ani,0812-0000-7801,Cipaganti,01", "Budi,0812-0000-7802,,02")
    rows, w = _read(data)
    assert [r["desa"] for r in rows] == ["Cipaganti", "Sukamaju"]
    assert w["column"] is True and w["from_file"] == 1


def test_section_headings_inside_the_table():
    data = _csv("DAFTAR KETUA RT SE-KECAMATAN COBLONG", "Nama,No HP,RW",
                "KELURAHAN SUKAMAJU,,", "Ani,0812-0000-7801,01",
                "KELURAHAN CIPAGANTI,,", "Budi,0812-0000-7802,01")
    with read_rows(data, "x.csv") as sheet:
        rows = list(sheet.rows())
        assert sheet.counts["invalid"] == 0  # a heading is not a rejected row
        w = sheet.summary()["wilayah"]
    assert [(r["desa"], r["kecamatan"]) for r in rows] == [("Sukamaju", "Coblong"), ("Cipaganti", "Coblong")]
    assert w["headings"] == ["Sukamaju", "Cipaganti"] and w["from_heading"] == 2


def test_import_stores_kecamatan_and_desa(store):
    with read_rows(TITLED, "x.csv") as sheet:
        plan = contacts.plan_import(store, sheet)
        contacts.commit_import(store, plan, source="cli", file_name="x.csv", file_hash=None, actor="t")
    assert plan.sheet["wilayah"]["desa"] == "Sukamaju"
    got = store.conn.execute("SELECT DISTINCT desa, kecamatan FROM contacts").fetchall()
    assert [tuple(r) for r in got] == [("Sukamaju", "Cibeunying Kaler")]
    # A Kecamatan column is read as such.
    with read_rows(_csv("Nama,No HP,Kec.,Desa", "Ani,0812-0000-7809,Coblong,Dago"), "y.csv") as sheet:
        assert [(r["desa"], r["kecamatan"]) for r in sheet.rows()] == [("Dago", "Coblong")]


def test_cli_import_desa_override(tmp_path, capsys):
    path = tmp_path / "kontak.csv"
    path.write_bytes(_csv("Nama,No HP,RW", "Ani,0812-0000-7801,01"))
    state = tmp_path / "state"
    assert cli.main(["import", str(path), "--state-dir", str(state), "--desa", "Sukamaju",
                     "--kecamatan", "Coblong"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["wilayah"]["desa"] == "Sukamaju" and out["wilayah"]["source"] == "given"
    assert "Sukamaju, Kec. Coblong" in out["wilayah"]["pesan"]
    from firmware.queue.store import Store
    with Store.in_state_dir(state) as s:
        assert tuple(s.conn.execute("SELECT desa, kecamatan FROM contacts").fetchone()) == ("Sukamaju", "Coblong")


# -- audiences that span every kelurahan -------------------------------------------------------------

def _people(store, rows: list[tuple[str, str | None, str]]) -> None:
    records = [{"number": f"0812-0000-7{i:03d}", "name": f"P{i}", "desa": desa, "rw": rw}
               for i, (_, desa, rw) in enumerate(rows)]
    plan = contacts.plan_import(store, importer.from_records(records))
    contacts.commit_import(store, plan, source="cli", file_name=None, file_hash=None, actor="t")


def test_rw_only_audience_warns_with_counts_per_kelurahan(store):
    _people(store, [("a", "Sukamaju", "01"), ("b", "Kel. Sukamaju", "02"), ("c", "SUKAMAJU", "01"),
                    ("d", "Cipaganti", "01"), ("e", None, "02"), ("f", "Cipaganti", "05")])
    aud = Audience.build(rw="01-02")
    assert audience.spans_every_desa(aud)
    warning = audience.wilayah_warning(store, aud)
    assert warning["code"] == "spans_desa" and "SEMUA kelurahan" in warning["pesan"]
    assert "(2 sekarang)" in warning["pesan"] and "every kelurahan" in warning["message"]
    assert [(g["desa"], g["matched"]) for g in warning["per_desa"]] == [("Cipaganti", 1), ("Sukamaju", 3), (None, 1)]
    assert sum(g["matched"] for g in warning["per_desa"]) == audience.count(store, aud)["matched"]
    # With a desa, or without any RW/RT, there is nothing to warn about.
    assert audience.wilayah_warning(store, Audience.build(desa="Sukamaju", rw="01")) is None
    assert audience.wilayah_warning(store, Audience.build(role="Ketua RT")) is None
    assert audience.spans_every_desa(Audience.build(rt="03"))


def test_usb_drop_uses_the_title_kelurahan_and_reports_it(tmp_path, clock):
    from firmware.office import config as config_mod
    from firmware.box import usbdrop
    from firmware.queue.store import Store

    state = tmp_path / "state"
    state.mkdir()
    cfg = config_mod.with_defaults(str(state), [])
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "daftar_rt_kel_sukamaju.csv").write_bytes(
        _csv("DAFTAR KETUA RT DESA SUMBERREJO KECAMATAN WONOASRI", "Nama;No HP;RW", "Ani;0812-0000-7801;01"))
    with Store.in_state_dir(cfg.state_dir, clock=lambda: clock[0]) as s:
        r = usbdrop.run_folder(s, cfg, stick)
        assert r.state == "safe_to_remove"
        assert tuple(s.conn.execute("SELECT desa, kecamatan FROM contacts").fetchone()) == ("Sumberrejo", "Wonoasri")
    assert (r.wilayah["desa"], r.wilayah["source"]) == ("Sumberrejo", "title")  # the title wins over the file name
    report = next(stick.glob("laporan-*.csv")).read_bytes().decode("utf-8-sig")
    assert "Wilayah: Sumberrejo, Kec. Wonoasri (dari judul file)" in report


def test_the_staffer_can_say_none():
    """A title naming a programme ("DESA SIAGA") is not a place: "-" keeps every row without a desa."""
    data = _csv("DAFTAR KADER DESA SIAGA", "Nama,No HP,RW", "Ani,0812-0000-7801,01")
    rows, w = _read(data)
    assert rows[0]["desa"] == "Siaga"  # what the title seems to say ...
    rows, w = _read(data, desa="-")
    assert rows[0]["desa"] is None and (w["source"], w["desa"], w["without"]) == ("cleared", None, 1)
    assert summary_sentence(w)[0].startswith("Tanpa desa/kelurahan (dipilih petugas)")
    rows, w = _read(TITLED, desa="", kecamatan="-")  # empty keeps the title's desa; "-" drops the kecamatan
    assert {(r["desa"], r["kecamatan"]) for r in rows} == {("Sukamaju", None)}
