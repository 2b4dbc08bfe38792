"""Contact lists as Indonesian offices really save them, written into a test's tmp dir.

One table of people (:data:`PEOPLE`) is written in every format and quirk
the importer must take: an .xlsx with title rows above the header, an empty
first column, an empty row, three sheets (a summary without numbers, the
list, a short spare list), numbers as text, int, float and a float formatted
scientific; CSVs in UTF-8, UTF-8 with BOM, UTF-16 with BOM ("Unicode text",
tab-separated) and Windows-1252 (``Désa``), with ``,`` ``;`` and tab.

All numbers are fakes (0812-0000-01xx, 0813-0000-01xx, +62857000000xx).
Each writer returns a :class:`Written`: the path and the row number every
person lands on, as the spreadsheet shows it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl


@dataclass(frozen=True)
class Person:
    """One row: what is typed (text form), what an .xlsx stores (``cell``), and what must come out."""

    name: str
    typed: str
    rt: str
    rw: str
    role: str
    expect: str | None  # E.164 when accepted; None when rejected
    code: str | None = None  # rejection code (``duplicate``, ``scientific``, ``invalid``, ``no_number``)
    cell: object = None  # the .xlsx value (default: ``typed``)
    sci_format: bool = False  # .xlsx: number format 0.00E+00


PEOPLE: tuple[Person, ...] = (
    Person("Ibu Siti Nurhayati, S.Pd", "0812-0000-0101", "003", "RW 01", "Ketua RT", "+6281200000101"),
    Person("Bapak Budi Santoso", "+62 812 0000 0102", "3", "1", "Ketua RT", "+6281200000102"),
    Person("Andi", "6281200000103", "04", "01", "Ketua RW", "+6281200000103", cell=6281200000103),
    Person("Dewi Lestari", "(0812) 0000-0104", "RT 5", "1", "Kader Posyandu", "+6281200000104"),
    Person("Eko", "0812.0000.0105", "6", "2", "Ketua RT", "+6281200000105"),
    Person("Fajar", "81200000106", "7", "2", "Ketua RT", "+6281200000106", cell=81200000106),
    Person("Gita", "81200000107.0", "8", "2", "Ketua RT", "+6281200000107", cell=81200000107.0),
    Person("Hadi", "0812-0000-0108 / 0813-0000-0108", "9", "2", "Ketua RT", "+6281200000108"),
    Person("Indah", "6.28120E+11", "10", "3", "Ketua RT", None, "scientific", cell=628120000000.0, sci_format=True),
    Person("Joko", "0812-0000-0101", "11", "3", "Ketua RT", None, "duplicate"),
    Person("Kiki", "022-2000-0110", "12", "3", "Ketua RT", None, "invalid"),
    Person("Lina", "", "13", "3", "Ketua RT", None, "no_number"),
    Person("Made", "+62857000000 11", "14", "3", "Ketua RT", "+6285700000011", cell=6285700000011.0,
           sci_format=True),
)

#: What every full writer must produce.
ACCEPTED = sum(1 for p in PEOPLE if p.expect)
INVALID = sum(1 for p in PEOPLE if p.code in ("scientific", "invalid", "no_number"))
DUPLICATE = sum(1 for p in PEOPLE if p.code == "duplicate")
DESA = "Sukajadi"
HEADER = ["No", "Nama", "No. HP", "RT", "RW", "Kelurahan", "Jabatan", "Keterangan"]


@dataclass
class Written:
    path: Path
    header_row: int
    rows: dict[str, int] = field(default_factory=dict)  # person name -> row number


def _table(desa_label: str = "Kelurahan") -> list[list]:
    header = [desa_label if h == "Kelurahan" else h for h in HEADER]
    return [header] + [[i, p.name, p.typed, p.rt, p.rw, DESA, p.role, ""] for i, p in enumerate(PEOPLE, start=1)]


def write_xlsx(folder: Path, name: str = "ketua_rt.xlsx") -> Written:
    """Three sheets; the list on "Data Ketua RT" below two title rows and an empty row, from column B;
    an empty row after the sixth person; numbers as text, int, float and scientific-formatted floats."""
    wb = openpyxl.Workbook()
    summary = wb.active
    summary.title = "Rekap"
    summary.append(["Kelurahan", "Jumlah RT", "Jumlah RW"])
    summary.append([DESA, 14, 3])

    ws = wb.create_sheet("Data Ketua RT")
    ws.append([None, "DAFTAR KETUA RT/RW KELURAHAN SUKAJADI"])
    ws.append([None, "Tahun 2024"])
    ws.append([])
    ws.append([None, *HEADER])
    out = Written(Path(folder) / name, header_row=4)
    row = 4
    for i, p in enumerate(PEOPLE, start=1):
        if i == 7:
            ws.append([])
            row += 1
        row += 1
        value = p.cell if p.cell is not None else (p.typed or None)
        ws.append([None, i, p.name, value, p.rt, p.rw, DESA, p.role, None])
        if p.sci_format:
            ws.cell(row=row, column=4).number_format = "0.00E+00"
        out.rows[p.name] = row

    spare = wb.create_sheet("Cadangan")
    spare.append(["Nama", "Nomor HP"])
    spare.append(["Nina", "0812-0000-0190"])
    spare.append(["Oki", "0812-0000-0191"])
    wb.save(out.path)
    return out


def write_csv(folder: Path, name: str, *, encoding: str = "utf-8", delimiter: str = ",", title: bool = True,
              empty_rows: bool = True, empty_column: bool = True, desa_label: str = "Kelurahan") -> Written:
    """The list as CSV: optional title row and blank line above the header, an empty first column,
    an empty row in the middle.  ``encoding`` as Python names it (``utf-16`` writes a BOM)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    row = 0
    if title:
        w.writerow(["DAFTAR KETUA RT/RW KELURAHAN SUKAJADI"])
        w.writerow([])
        row = 2
    lead = [""] if empty_column else []
    table = _table(desa_label)
    w.writerow(lead + table[0])
    row += 1
    out = Written(Path(folder) / name, header_row=row)
    for i, values in enumerate(table[1:], start=1):
        if empty_rows and i == 7:
            w.writerow([""] * (len(values) + len(lead)))
            row += 1
        w.writerow(lead + values)
        row += 1
        out.rows[PEOPLE[i - 1].name] = row
    out.path.write_bytes(buf.getvalue().encode(encoding))
    return out


#: (file name, encoding, delimiter, header for the desa column) of every CSV variant.
CSV_VARIANTS = (
    ("utf8_comma.csv", "utf-8", ",", "Kelurahan"),
    ("utf8_bom_semicolon.csv", "utf-8-sig", ";", "Kelurahan"),
    ("unicode_text.txt", "utf-16", "\t", "Kelurahan"),
    ("windows1252_semicolon.csv", "cp1252", ";", "Désa"),
    ("windows1252_comma.csv", "cp1252", ",", "Désa"),
    ("utf8_tab.tsv", "utf-8", "\t", "Desa/Kelurahan"),
)


def write_all_csv(folder: Path) -> list[tuple[Written, str, str]]:
    """Every CSV variant: (written, encoding, delimiter)."""
    return [(write_csv(folder, name, encoding=enc, delimiter=d, desa_label=label), enc, d)
            for name, enc, d, label in CSV_VARIANTS]


def write_big_csv(path: Path, rows: int, *, start: int = 0) -> Path:
    """``rows`` distinct fake contacts (0812-xxxx-xxxx from ``start``), 20 kelurahan, RW 1-10, RT 1-10."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(["No", "Nama", "No HP", "RT", "RW", "Kelurahan", "Jabatan"])
        roles = ("Ketua RT", "Ketua RW", "Kader Posyandu", "Warga")
        for i in range(start, start + rows):
            n = f"{i:08d}"
            w.writerow([i + 1, f"Warga {i}", f"0812-{n[:4]}-{n[4:]}", i % 10 + 1, i // 10 % 10 + 1,
                        f"Kelurahan {i % 20:02d}", roles[i % 4]])
    return path
