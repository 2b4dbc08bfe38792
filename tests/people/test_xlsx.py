"""Hostile and odd workbooks (tests/hostile_files.py) through the one reader: each refused with a clear
bilingual reason, memory bounded, or read right.  Sizes here are small; bench/bench_import.py --xlsx
measures the full-size ones (time and peak RSS)."""

from __future__ import annotations

import tracemalloc
import zipfile

import pytest

import hostile_files as hf
from firmware.people import xlsx
from firmware.people.importer import ImportFileError, read_rows


def read_all(path):
    with read_rows(path, path.name) as sheet:
        return sheet, list(sheet.rows())


def refused(path, *words) -> ImportFileError:
    """Reading ``path`` raises ImportFileError whose English reason has every word; the pesan is there."""
    with pytest.raises(ImportFileError) as exc:
        read_all(path)
    for word in words:
        assert word in exc.value.reason, exc.value.reason
    assert exc.value.pesan and exc.value.pesan != exc.value.reason
    return exc.value


def peak_bytes(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_huge_texts_and_tags_are_refused_while_streaming(tmp_path):
    path = hf.huge_cell(tmp_path / "a.xlsx", 3_000_000)
    assert peak_bytes(lambda: refused(path, "row 2, cell A2", "32,767")) < 8 * 1024 * 1024  # never the whole text
    path = hf.huge_attribute(tmp_path / "b.xlsx", 3_000_000)
    assert peak_bytes(lambda: refused(path, "sheet1.xml", "in one tag")) < 8 * 1024 * 1024


def test_a_cell_longer_than_excel_allows_names_its_row_and_cell(tmp_path):
    err = refused(hf.huge_cell(tmp_path / "a.xlsx", xlsx.MAX_CELL_CHARS + 1), "row 2, cell A2", "32,767")
    assert "baris 2, sel A2" in err.pesan and "karakter" in err.pesan
    sheet, contacts = read_all(hf.huge_cell(tmp_path / "b.xlsx", 30_000))  # long, but within Excel's limit
    assert [c["number"] for c in contacts] == ["+6281200007890"]
    assert contacts[0]["name"] == "A" * 200 and [w.code for w in sheet.warnings] == ["truncated"]


def test_shared_strings_are_capped_in_size_length_and_number(tmp_path, monkeypatch):
    refused(hf.huge_shared_string(tmp_path / "a.xlsx", xlsx.MAX_CELL_CHARS + 1), "shared text number 1")
    # Bigger than the part cap: refused from the zip's directory, before anything is inflated.
    path = hf.huge_shared_string(tmp_path / "b.xlsx", xlsx.MAX_STRINGS_BYTES + 1024)
    assert peak_bytes(lambda: refused(path, "sharedStrings.xml", "unpacks to more than 64 MB")) < 4 * 1024 * 1024
    declared = hf.write_xlsx(tmp_path / "c.xlsx", hf.sheet_xml([hf.header_row()]),
                             hf.strings_xml(["a"], count=xlsx.MAX_SHARED_STRINGS + 1))
    refused(declared, "too many different texts")  # from uniqueCount, before reading a string
    monkeypatch.setattr(xlsx, "MAX_SHARED_STRINGS", 100)
    refused(hf.many_shared_strings(tmp_path / "d.xlsx", 101, declare=False), "too many different texts (101")
    sheet, contacts = read_all(hf.many_shared_strings(tmp_path / "e.xlsx", 100, declare=False))
    assert [c["name"] for c in contacts] == ["s0"]


def test_zip_bombs_are_refused_before_inflating(tmp_path):
    path = hf.zip_bomb(tmp_path / "a.xlsx", 170)  # 170 MB of cells in a 170 KB file
    assert path.stat().st_size < 1024 * 1024
    assert peak_bytes(lambda: refused(path, "sheet1.xml", "unpacks to more than 160 MB")) < 4 * 1024 * 1024
    # The directory lies (says 4 KB): zipfile stops at the declared size and the CRC fails.
    path = hf.zip_bomb(tmp_path / "b.xlsx", 170, declared=False)
    assert peak_bytes(lambda: refused(path, "damaged", "sheet1.xml")) < 4 * 1024 * 1024


def test_a_zip_listing_too_many_parts_is_refused_from_its_end_record(tmp_path):
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(xlsx.MAX_ZIP_ENTRIES + 1):
            z.writestr(f"x/{i}", b"")
    refused(path, "too many parts (10001")


def test_wide_rows_deep_xml_and_entity_bombs_are_refused(tmp_path):
    refused(hf.many_columns(tmp_path / "a.xlsx", 2_000, rows=3), "row 2 has more than 1,024 cells")
    err = refused(hf.deep_xml(tmp_path / "b.xlsx", 100_000), "nested more than 32 deep")
    assert "workbook rusak" in err.pesan
    for external in (False, True):
        err = refused(hf.entity_bomb(tmp_path / f"c{external}.xlsx", external=external), "DTD")
        assert "root:" not in err.reason and "lollol" not in err.reason


def test_sheets_that_claim_the_whole_grid_or_have_no_newline_read_normally(tmp_path):
    sheet, contacts = read_all(hf.huge_dimension(tmp_path / "a.xlsx"))
    assert [(c["row"], c["name"]) for c in contacts] == [(2, "Ani")]
    sheet, contacts = read_all(hf.one_line(tmp_path / "b.xlsx", 2_000))
    assert sheet.counts["accepted"] == 2_000 and contacts[-1]["row"] == 2_001
    sheet, contacts = read_all(hf.many_columns(tmp_path / "c.xlsx", 1_000, rows=3))  # wide, within the cap
    assert sheet.counts["rows"] == 3


def test_a_big_list_as_excel_writes_it(tmp_path):
    sheet, contacts = read_all(hf.big_list(tmp_path / "a.xlsx", 3_000))
    assert sheet.counts == {"rows": 3_000, "accepted": 3_000, "invalid": 0, "duplicate_in_file": 0}
    assert contacts[0] == {"row": 2, "number": "+6281200000000", "name": "Warga 0", "desa": "Kelurahan 00",
                           "dusun": None, "rw": "01", "rt": "01", "role": "Ketua RT", "notes": None, "kecamatan": None}


def test_utf16_parts_are_read_and_their_dtd_still_refused(tmp_path):
    text = "".join(hf.sheet_xml([hf.header_row(), [hf.inline(0, 2, "Éva"), hf.inline(1, 2, "0812-0000-7890")]]))
    text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in (("[Content_Types].xml", hf.CONTENT_TYPES), ("_rels/.rels", hf.PACKAGE_RELS),
                           ("xl/workbook.xml", hf.WORKBOOK), ("xl/_rels/workbook.xml.rels", hf.WORKBOOK_RELS)):
            z.writestr(name, data)
        z.writestr("xl/worksheets/sheet1.xml", text.encode("utf-16"))
    sheet, contacts = read_all(path)
    assert contacts[0]["name"] == "Éva"
    bomb = text.replace("<worksheet", '<!DOCTYPE worksheet [<!ENTITY a "b">]><worksheet', 1)
    with zipfile.ZipFile(path, "a") as z, pytest.warns(UserWarning):  # a second sheet1.xml replaces the first
        z.writestr("xl/worksheets/sheet1.xml", bomb.encode("utf-16"))
    refused(path, "DTD")


def test_column_references():
    assert [xlsx.column_index(r) for r in ("A1", "b2", "Z9", "AA10", "XFD1048576")] == [0, 1, 25, 26, 16383]
    assert [xlsx.column_index(r) for r in ("", "12", "A", "ABCD1", "A1B")] == [-1, -1, -1, -1, -1]
    assert [xlsx.column_letters(c) for c in (0, 25, 26, 16383)] == ["A", "Z", "AA", "XFD"]


def test_a_zip64_directory_is_sized_from_its_zip64_record(tmp_path):
    """Some writers always end the zip with zip64 records (counts 0xFFFF in the classic one)."""
    import struct

    path = hf.huge_dimension(tmp_path / "a.xlsx")
    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x05\x06")
    entries, dir_size, dir_offset = struct.unpack_from("<HLL", data, at + 10)
    zip64_end = bytearray(struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, dir_size,
                                      dir_offset))
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, at, 1)
    classic = bytearray(data[at:at + 22])
    struct.pack_into("<HH", classic, 8, 0xFFFF, 0xFFFF)
    path.write_bytes(bytes(data[:at]) + bytes(zip64_end) + locator + bytes(classic))
    sheet, contacts = read_all(path)
    assert [c["name"] for c in contacts] == ["Ani"]
    # The same with a zip64 record claiming a million parts: refused before zipfile reads the directory.
    struct.pack_into("<QQ", zip64_end, 24, 1_000_000, 1_000_000)
    path.write_bytes(bytes(data[:at]) + bytes(zip64_end) + locator + bytes(classic))
    refused(path, "too many parts (1000000")
