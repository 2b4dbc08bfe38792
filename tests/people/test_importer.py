"""The importer on real files in every encoding and quirk (tests/office_files.py), plus number
normalisation and byte-soup fuzzing with hypothesis.  No database here: see test_contacts.py.
"""

from __future__ import annotations

import io
import random
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware.people.importer import ImportFileError, from_records, read_rows
from firmware.people.rows import canonical_unit, field_of, parse_number_cell, split_rt_rw, to_e164
from firmware.people.xlsx import SciNumber
from firmware.people.numbers import InvalidNumber, normalise
import office_files as of

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def read_all(path, **kw):
    with read_rows(path, path.name, **kw) as sheet:
        contacts = list(sheet.rows())
        return sheet, contacts


def check_people(written, sheet, contacts):
    """Every person of PEOPLE came out as expected, on the row the spreadsheet shows."""
    assert sheet.header.row == written.header_row
    assert sheet.counts == {"rows": len(of.PEOPLE), "accepted": of.ACCEPTED, "invalid": of.INVALID,
                            "duplicate_in_file": of.DUPLICATE}
    assert [c["number"] for c in contacts] == [p.expect for p in of.PEOPLE if p.expect]
    assert [c["row"] for c in contacts] == [written.rows[p.name] for p in of.PEOPLE if p.expect]
    assert [(p.row, p.code) for p in sheet.rejected] == [
        (written.rows[p.name], p.code) for p in of.PEOPLE if not p.expect]
    by_number = {c["number"]: c for c in contacts}
    siti = by_number["+6281200000101"]
    assert siti["name"] == "Ibu Siti Nurhayati, S.Pd"
    assert (siti["rt"], siti["rw"], siti["desa"], siti["role"]) == ("03", "01", "Sukajadi", "Ketua RT")
    assert by_number["+6281200000104"]["rt"] == "05"  # "RT 5"
    assert by_number["+6281200000108"]["notes"] == "No. lain: +6281300000108"
    assert [(w.row, w.code) for w in sheet.warnings] == [(written.rows["Hadi"], "second_number")]


# -- files ----------------------------------------------------------------------------------------


def test_xlsx_title_rows_three_sheets_numbers_as_text_int_float_and_scientific(tmp_path):
    written = of.write_xlsx(tmp_path)
    sheet, contacts = read_all(written.path)
    assert sheet.format == "xlsx"
    assert sheet.sheet == "Data Ketua RT" and sheet.sheets == ("Rekap", "Data Ketua RT", "Cadangan")
    assert "Data Ketua RT" in sheet.notes[0]["pesan"] and "sheet=NAME" in sheet.notes[0]["note"]
    check_people(written, sheet, contacts)
    sci = next(p for p in sheet.rejected if p.code == "scientific")
    assert sci.number == "6.28120E+11"
    assert "Format kolom nomor sebagai Teks, lalu ketik ulang" in sci.alasan
    assert "Format the number column as Text" in sci.reason
    assert sheet.summary()["ignored_columns"] == ["No"]


def test_xlsx_sheet_by_name_and_unknown_sheet(tmp_path):
    written = of.write_xlsx(tmp_path)
    sheet, contacts = read_all(written.path, sheet="cadangan")
    assert sheet.sheet == "Cadangan"
    assert [c["number"] for c in contacts] == ["+6281200000190", "+6281200000191"]
    with pytest.raises(ImportFileError) as exc:
        read_rows(written.path, "x.xlsx", sheet="Tidak Ada")
    assert "Rekap, Data Ketua RT, Cadangan" in exc.value.pesan


def test_xlsx_exact_float_formatted_scientific_is_kept(tmp_path):
    """A float cell keeps every digit however it is displayed; only truncated ones are rejected."""
    assert parse_number_cell(SciNumber(6285700000011.0)).numbers == ("+6285700000011",)
    assert parse_number_cell(SciNumber(628120000000.0)).problem[0] == "scientific"
    assert parse_number_cell(628120000000.0).problem[0] == "scientific"  # General shows 12 digits as E+


@pytest.mark.parametrize("name,encoding,delimiter,label", of.CSV_VARIANTS)
def test_csv_encodings_and_delimiters(tmp_path, name, encoding, delimiter, label):
    written = of.write_csv(tmp_path, name, encoding=encoding, delimiter=delimiter, desa_label=label)
    sheet, contacts = read_all(written.path)
    assert sheet.delimiter == delimiter
    assert sheet.encoding == {"utf-16": "utf-16", "utf-8-sig": "utf-8-sig", "cp1252": "cp1252"}.get(encoding, "utf-8")
    assert sheet.header.labels["desa"] == label
    check_people(written, sheet, contacts)


def test_bytes_and_path_read_alike(tmp_path):
    written = of.write_csv(tmp_path, "a.csv", encoding="cp1252", delimiter=";", desa_label="Désa")
    with read_rows(written.path.read_bytes(), "a.csv") as sheet:
        from_bytes = list(sheet.rows())
        file_hash = sheet.file_hash
    sheet, from_path = read_all(written.path)
    assert from_bytes == from_path and file_hash == sheet.file_hash


def test_utf16_without_bom_and_no_title(tmp_path):
    written = of.write_csv(tmp_path, "a.txt", encoding="utf-16-le", delimiter="\t", title=False, empty_column=False)
    sheet, contacts = read_all(written.path)
    assert sheet.encoding == "utf-16-le" and sheet.header.row == 1
    check_people(written, sheet, contacts)


def test_headerless_list_of_numbers(tmp_path):
    path = tmp_path / "nomor.csv"
    path.write_text("0812-0000-0101\n081200000102\n\n+62 812 0000 0103\n")
    sheet, contacts = read_all(path)
    assert sheet.header.row == 0 and "only the numbers" in sheet.notes[0]["note"]
    assert [(c["row"], c["number"]) for c in contacts] == [(1, "+6281200000101"), (2, "+6281200000102"),
                                                           (4, "+6281200000103")]


def test_a_row_whose_number_has_letters_is_rejected_naming_the_row(tmp_path):
    path = tmp_path / "warga.csv"
    path.write_text("Nama,No HP\nSiti,0812-0000-0101\nBudi,0812-ABCD-1234\nAni,HP 0812-0000-0103 (WA)\n")
    sheet, contacts = read_all(path)
    assert [(c["row"], c["number"]) for c in contacts] == [(2, "+6281200000101"), (4, "+6281200000103")]
    [problem] = sheet.rejected
    assert (problem.row, problem.code, problem.number) == (3, "invalid", "0812-ABCD-1234")
    assert "huruf" in problem.alasan and "letters" in problem.reason


def test_repeated_header_and_footer_rows(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("Nama,No HP\nA,0812-0000-0101\nNama,No HP\nB,0812-0000-0102\nMengetahui Lurah,\n")
    sheet, contacts = read_all(path)
    assert [c["number"] for c in contacts] == ["+6281200000101", "+6281200000102"]
    assert [(p.row, p.code) for p in sheet.rejected] == [(5, "no_number")]


def test_several_number_columns_and_combined_rt_rw(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("Nama;No HP;No WA;RT/RW\nA;;0812-0000-0101;003/005\nB;0812-0000-0102;0813-0000-0102;RT 1 RW 2\n")
    sheet, contacts = read_all(path)
    assert [(c["number"], c["rt"], c["rw"]) for c in contacts] == [
        ("+6281200000101", "03", "05"), ("+6281200000102", "01", "02")]
    assert contacts[1]["notes"] == "No. lain: +6281300000102"


def test_english_header(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("Name,Phone,Role,Village,Notes\nAni,0812-0000-0101,Head,Sukajadi,x\n")
    _, contacts = read_all(path)
    assert contacts == [{"row": 2, "number": "+6281200000101", "name": "Ani", "desa": "Sukajadi", "kecamatan": None, "dusun": None,
                         "rw": None, "rt": None, "role": "Head", "notes": "x"}]


def test_records_from_an_api():
    sheet = from_records([{"number": "0812-0000-0101", "name": "Ani", "rt": 3},
                          {"No HP": "bukan nomor", "Nama": "Budi"}])
    contacts = list(sheet.rows())
    assert [(c["row"], c["number"], c["rt"]) for c in contacts] == [(2, "+6281200000101", "03")]
    assert [(p.row, p.code) for p in sheet.rejected] == [(3, "no_number")]


# -- what cannot be read --------------------------------------------------------------------------


@pytest.mark.parametrize("data,name,words", [
    (b"", "a.csv", "empty"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "lama.xls", ".xls"),
    (b"<html><table><tr><td>No HP</td></tr></table></html>", "export.xls", "web page"),
    (b"Nama,Alamat\nAni,Jl. Merdeka\n", "a.csv", "no phone number column"),
    (b"PK\x03\x04garbage", "a.xlsx", "xlsx"),
    (b"\x00\x01\x02\x03" * 50, "a.csv", "binary"),
])
def test_unreadable_files_say_why(data, name, words):
    with pytest.raises(ImportFileError) as exc:
        with read_rows(data, name) as sheet:
            list(sheet.rows())
    assert words in exc.value.reason and exc.value.pesan


def test_ods_named_as_such():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(ImportFileError, match="OpenDocument"):
        read_rows(buf.getvalue(), "a.ods")


def test_row_and_size_caps(tmp_path):
    path = of.write_big_csv(tmp_path / "big.csv", 50)
    with read_rows(path, "big.csv", max_rows=20) as sheet, pytest.raises(ImportFileError, match="more than 20 rows"):
        list(sheet.rows())
    with pytest.raises(ImportFileError, match="too large"):
        read_rows(path, "big.csv", max_bytes=100)


def test_csv_lines_and_records_are_bounded(tmp_path):
    """A line without an end, a quote never closed and a field over csv's limit are refused with their row,
    read line by bounded line (the old reader took a whole 10 MB line into memory, then a 5-million-field row)."""
    import tracemalloc

    path = tmp_path / "a.csv"
    path.write_bytes(b"Nama,No HP\r\nAni,0812-0000-7890\r\n" + b"a," * 5_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError, match="row 3: a line longer than 65,536 characters") as exc:
            read_all(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024 and "baris 3" in exc.value.pesan
    path.write_text('Nama,No HP\r\nAni,0812-0000-7890\r\nBudi,"0812-0000-7891\r\n' + "x\r\n" * 100)
    with pytest.raises(ImportFileError, match="row 3: a quoted text runs over more than 50 lines") as exc:
        read_all(path)
    assert "tanda kutip" in exc.value.pesan
    path.write_text('Nama,No HP\r\nAni,0812-0000-7890\r\nBudi,"' + ("x" * 4000 + "\r\n") * 40 + '"\r\n')
    with pytest.raises(ImportFileError, match="row 3: the CSV text cannot be read .field larger than field limit"):
        read_all(path)
    # Long, but within the bounds: read.
    path.write_text('Nama,No HP,Alamat\r\nAni,0812-0000-7890,"' + ("Jl. Merdeka\r\n" * 40) + '"\r\n')
    sheet, contacts = read_all(path)
    assert [c["row"] for c in contacts] == [2]


def test_a_file_changed_between_preview_and_commit(tmp_path):
    path = of.write_big_csv(tmp_path / "a.csv", 5)
    with read_rows(path, "a.csv") as sheet:
        assert len(list(sheet.rows())) == 5
        of.write_big_csv(path, 6)
        with pytest.raises(ImportFileError, match="changed"):
            list(sheet.rows())


# -- numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell,expect", [
    ("0812-0000-0101", "+6281200000101"),
    ("+62 812 0000 0101", "+6281200000101"),
    ("6281200000101", "+6281200000101"),
    ("(0812) 0000-0101", "+6281200000101"),
    ("0812.0000.0101", "+6281200000101"),
    ("0812 0000 0101", "+6281200000101"),
    ("81200000101", "+6281200000101"),  # leading zero lost
    ("81200000101.0", "+6281200000101"),  # stored as a float
    (81200000101, "+6281200000101"),
    (81200000101.0, "+6281200000101"),
    (6281200000101.0, "+6281200000101"),
    ("+62 (0) 812-0000-0101", "+6281200000101"),
    ('="081200000101"', "+6281200000101"),  # our rejected CSV, Excel's keep-as-text
    ("'081200000101", "+6281200000101"),
    ("0812\u20110000\u20110101", "+6281200000101"),  # non-breaking hyphens
    ("\uff10\uff18\uff11\uff12\uff10\uff10\uff10\uff10\uff10\uff11\uff10\uff11", "+6281200000101"),  # full width
    ("HP: 0812-0000-0101 (WA)", "+6281200000101"),
    ("+62857000000 11", "+6285700000011"),
])
def test_number_forms(cell, expect):
    assert parse_number_cell(cell).numbers == (expect,)


@pytest.mark.parametrize("cell,numbers", [
    ("0812-0000-0101 / 0813-0000-0102", ("+6281200000101", "+6281300000102")),
    ("0812-0000-0101, 0813-0000-0102", ("+6281200000101", "+6281300000102")),
    ("0812-0000-0101; 0813-0000-0102", ("+6281200000101", "+6281300000102")),
    ("0812-0000-0101 atau 0813-0000-0102", ("+6281200000101", "+6281300000102")),
    ("022-2000-0110 / 0813-0000-0102", ("+6281300000102",)),  # first is a landline: the mobile one is used
    ("0812-0000-0101 / 0812-0000-0101", ("+6281200000101",)),
])
def test_two_numbers_in_one_cell(cell, numbers):
    assert parse_number_cell(cell).numbers == numbers


@pytest.mark.parametrize("cell,code,alasan", [
    ("6.28123E+11", "scientific", "notasi ilmiah"),
    ("6,28123E+11", "scientific", "notasi ilmiah"),
    ("8.12E10", "scientific", "notasi ilmiah"),
    ("022-2000-0110", "invalid", "bukan nomor HP"),
    ("0812-000", "invalid", "digit kurang"),
    ("0812 0000 0101 0813 0000 0102", "invalid", "dua nomor tanpa pemisah"),
    ("", "no_number", "tidak berisi nomor"),
    (None, "no_number", "tidak berisi nomor"),
    ("-", "no_number", "tidak berisi nomor"),
    ("belum ada", "no_number", "tidak berisi nomor"),
    # libphonenumber reads letters as a keypad does: 0812-ABCD-1234 would become 0812-2223-1234, a stranger
    ("0812-ABCD-1234", "invalid", "berisi huruf"),
    ("0812 ABCD 1234", "invalid", "berisi huruf"),
    ("0812-0000-789O", "invalid", "berisi huruf"),  # letter O for a zero: not 0812-0000-789
    ("O812-0000-7890", "invalid", "berisi huruf"),
    ("+1 202 555 0100", "invalid", "bukan nomor Indonesia"),
    ("+65 9123 4567", "invalid", "bukan nomor Indonesia"),
    ("0065 9123 4567", "invalid", "bukan nomor Indonesia"),
    ("+86 138 0013 8000", "invalid", "bukan nomor Indonesia"),  # 13 digits: foreign, not "two numbers"
])
def test_number_rejections(cell, code, alasan):
    problem = parse_number_cell(cell).problem
    assert problem[0] == code and alasan in problem[2] and problem[1]


def test_scientific_notation_with_every_digit_is_exact():
    assert parse_number_cell("6.281200000101E+12").numbers == ("+6281200000101",)


# National numbers libphonenumber calls mobile: 8, an operator digit, 7..10 more.
mobile_nn = st.builds(lambda op, rest: "8" + op + rest, st.sampled_from("1235789"),
                      st.text("0123456789", min_size=7, max_size=10)).filter(
    lambda nn: _valid("0" + nn))


def _valid(number: str) -> bool:
    try:
        normalise(number)
        return True
    except InvalidNumber:
        return False


def _group(digits: str, sizes: list[int], sep: str) -> str:
    out, i = [], 0
    for size in sizes:
        if i >= len(digits):
            break
        out.append(digits[i:i + size])
        i += size
    if i < len(digits):
        out.append(digits[i:])
    return sep.join(out)


@FAST
@given(nn=mobile_nn, form=st.integers(0, 11), sep=st.sampled_from(["-", " ", ".", "", " - "]),
       sizes=st.lists(st.integers(2, 5), min_size=1, max_size=4))
def test_any_written_form_gives_the_same_e164(nn, form, sep, sizes):
    """A valid mobile number in any form people or Excel write it normalises to the one E.164."""
    grouped = _group(nn, sizes, sep)
    forms = [
        "0" + grouped, "+62 " + grouped, "62" + grouped, grouped,  # grouped, lost zero
        f"(0{nn[:3]}) {nn[3:]}", "+62 (0)" + grouped, int(nn), float(nn), nn + ".0", int("62" + nn),
        float("62" + nn), f'="0{nn}"',
    ]
    assert parse_number_cell(forms[form]).numbers == ("+62" + nn,)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="0123456789+-. ()/86", max_size=20) | st.from_regex(r"\+?(62|0)?8[0-9 \-]{6,14}",
                                                                          fullmatch=True))
def test_fast_path_agrees_with_normalise(raw):
    def outcome(f):
        try:
            return f(raw)
        except InvalidNumber as exc:
            return ("invalid", exc.reason)
    assert outcome(to_e164) == outcome(normalise)


# -- header and wilayah ----------------------------------------------------------------------------


@pytest.mark.parametrize("label,field", [
    ("Nama", "name"), ("NAMA LENGKAP", "name"), ("No HP", "number"), ("No. HP", "number"), ("Nomor HP", "number"),
    ("Nomor Telepon", "number"), ("Telp", "number"), ("WA", "number"), ("No. WA", "number"),
    ("Handphone", "number"), ("No HP/WA", "number"), ("Phone", "number"), ("Mobile number", "number"),
    ("RT", "rt"), ("R.T.", "rt"), ("RW", "rw"), ("RT/RW", "rtrw"), ("Desa", "desa"), ("Kelurahan", "desa"),
    ("Désa", "desa"), ("Desa/Kelurahan", "desa"), ("Village", "desa"), ("Dusun", "dusun"), ("Jabatan", "role"),
    ("Peran", "role"), ("Role", "role"), ("Keterangan", "notes"), ("Notes", "notes"), ("Name", "name"),
    ("No", None), ("No.", None), ("NIK", None), ("Alamat", None), ("Wali", None), ("", None),
    ("DAFTAR NOMOR HP KETUA RT KELURAHAN SUKAJADI", None),
])
def test_header_synonyms(label, field):
    assert field_of(label) == field


def test_a_title_naming_the_phone_loses_to_the_real_header(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("No HP Ketua RT\nNama,No HP,RT\nAni,0812-0000-0101,1\n")
    sheet, contacts = read_all(path)
    assert sheet.header.row == 2 and contacts[0]["name"] == "Ani"


@pytest.mark.parametrize("value,canonical", [
    ("RW 03", "03"), ("03", "03"), ("3", "03"), ("003", "03"), ("RT.3", "03"), (3, "03"), (3.0, "03"),
    ("3.0", "03"), ("12", "12"), ("100", "100"), ("1A", "1A"), (" RW  5 ", "05"), ("nomor 5", "05"),
])
def test_rt_rw_canonical(value, canonical):
    assert canonical_unit(value) == canonical


def test_rt_rw_combined():
    assert split_rt_rw("003/005") == ("03", "05")
    assert split_rt_rw("RT 3 RW 5") == ("03", "05")
    assert split_rt_rw("entah") == ("", "")


# -- fuzz -----------------------------------------------------------------------------------------

NAMES = st.sampled_from(["a.csv", "a.xlsx", "a.txt", "a.xls", "a.ods", "", "noext", "../../etc/passwd", "ä.CSV"])


def _read_everything(data: bytes, name: str) -> None:
    try:
        with read_rows(data, name) as sheet:
            sheet.summary()
            for _ in sheet.rows():
                pass
    except ImportFileError as exc:
        assert exc.reason and exc.pesan


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=600), name=NAMES)
def test_fuzz_byte_soup(data, name):
    """Any bytes with any name: a sheet or ImportFileError, never another exception."""
    _read_everything(data, name)


@settings(max_examples=120, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("No HP,;\t\"\n\r0812-+62 Nama RT=E.'") + ["\x00", "é", "\ufeff"]),
                    max_size=300),
       encoding=st.sampled_from(["utf-8", "utf-16", "cp1252", "utf-8-sig"]), name=NAMES)
def test_fuzz_csv_like_text(text, encoding, name):
    _read_everything(text.encode(encoding, errors="replace"), name)


@pytest.fixture(scope="module")
def xlsx_bytes(tmp_path_factory):
    return of.write_xlsx(tmp_path_factory.mktemp("x")).path.read_bytes()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), flips=st.integers(1, 40))
def test_fuzz_damaged_xlsx(xlsx_bytes, seed, flips):
    """A real workbook with random bytes changed (zip and XML damage)."""
    rnd = random.Random(seed)
    data = bytearray(xlsx_bytes)
    for _ in range(flips):
        data[rnd.randrange(len(data))] = rnd.randrange(256)
    _read_everything(bytes(data), "a.xlsx")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), flips=st.integers(1, 20))
def test_fuzz_damaged_xml_inside_a_valid_zip(xlsx_bytes, seed, flips):
    """The zip is intact; one part of the workbook (sheet, shared strings, styles...) is damaged."""
    rnd = random.Random(seed)
    src = zipfile.ZipFile(io.BytesIO(xlsx_bytes))
    victim = rnd.choice(src.namelist())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.namelist():
            data = bytearray(src.read(item))
            if item == victim and data:
                for _ in range(flips):
                    data[rnd.randrange(len(data))] = rnd.choice(b"<>/\"=&;0123456789 \x00\xff")
            dst.writestr(item, bytes(data))
    _read_everything(out.getvalue(), "a.xlsx")


def test_xlsx_with_odd_cells(tmp_path):
    """Dates, booleans, formulas without cached values and huge rows in the number column."""
    import datetime

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Nama", "No HP", "RT"])
    ws.append(["A", datetime.datetime(2024, 1, 3), datetime.datetime(2024, 1, 3)])
    ws.append(["B", True, None])
    ws.append(["C", "=A1", 1])
    ws.append(["D", -81200000101, 2])
    ws.append(["E", 1e300, 3])
    ws.cell(row=7, column=200, value="far away")  # beyond MAX_COLUMNS: a blank row
    ws.append(["F", "0812-0000-0101", 4])
    path = tmp_path / "odd.xlsx"
    wb.save(path)
    sheet, contacts = read_all(path)
    assert [c["number"] for c in contacts] == ["+6281200000101"]
    assert [(p.row, p.code) for p in sheet.rejected] == [
        (2, "invalid"), (3, "no_number"), (4, "no_number"), (5, "invalid"), (6, "invalid")]
    assert contacts[0]["row"] == 8


def test_rt_rw_cell_of_a_ketua_rw_has_only_the_rw():
    from firmware.people.rows import split_rt_rw

    for cell in ("-/005", "/005", "- / 5", "RT - RW 5", "000/005"):
        assert split_rt_rw(cell) == ("", "05"), cell
    assert split_rt_rw("003/005") == ("03", "05")
    assert split_rt_rw("10/5") == ("10", "05")
    assert split_rt_rw("01/05") == ("01", "05")
