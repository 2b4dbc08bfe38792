"""Example contact lists for the demo and the end-to-end tests: shaped like real office files, with fake numbers.

``bandung.xlsx``: the RT/RW heads of four kelurahan of a Bandung kecamatan, as
a kelurahan clerk keeps them (title rows above the header, ``RT/RW`` in one
column, numbers typed every which way) with five bad rows the import must
reject with a reason: a duplicate, a landline, an empty number, one Excel
turned into ``6.28E+11``, and one too short. The two northern kelurahan
(Ciumbuleuit and Hegarmanah, on the slopes) are the landslide target.

``blitar.csv``: residents of a Blitar desa for a Covid-19 notice to
everyone, semicolon-separated as Indonesian Excel saves CSV.

Every number is a fake from the 0812-0000-xxxx / 0813-0000-xxxx ranges.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl

#: (kelurahan, number of RWs, is it on the northern slopes)
BANDUNG_KELURAHAN = (("Ciumbuleuit", 4, True), ("Hegarmanah", 3, True), ("Cipaganti", 3, False),
                     ("Pasteur", 3, False))
BANDUNG_NORTH = tuple(name for name, _, north in BANDUNG_KELURAHAN if north)
RT_PER_RW = 8
FIRST_NAMES = ("Asep", "Dedi", "Euis", "Yayat", "Neneng", "Ujang", "Iis", "Cecep", "Enok", "Dadang", "Tati",
               "Jajang", "Lilis", "Ade", "Rina", "Agus", "Wawan", "Nining", "Ujang", "Entin")
LAST_NAMES = ("Suryana", "Hidayat", "Rohmat", "Sumarna", "Kurniasih", "Saepudin", "Komariah", "Permana")
#: Rows the Bandung import must reject: (name, typed number, reason code)
BANDUNG_BAD = (("Pak Ruslan (dobel)", "0812-0000-1001", "duplicate"),
               ("Bu Imas", "022-2000-1234", "invalid"),
               ("Pak Oman", "", "no_number"),
               ("Bu Cucu", 6.2812e11, "scientific"),
               ("Pak Endang", "0812-000", "invalid"))


def _name(i: int) -> str:
    return f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]}"


def bandung_rows() -> list[dict]:
    """The good rows: a Ketua RW and eight Ketua RT per RW, numbered 0812-0000-1001 upwards."""
    rows = []
    n = 0
    for kel, rws, _ in BANDUNG_KELURAHAN:
        for rw in range(1, rws + 1):
            for rt in range(0, RT_PER_RW + 1):
                n += 1
                typed = f"0812-0000-{1000 + n:04d}" if n % 3 else f"+62 812 0000 {1000 + n:04d}"
                rows.append({"nama": _name(n), "no_hp": typed, "kelurahan": kel,
                             "rt_rw": f"{rt:03d}/{rw:03d}" if rt else f"-/{rw:03d}",
                             "jabatan": "Ketua RW" if rt == 0 else "Ketua RT"})
    return rows


def bandung_north_count() -> int:
    return sum(1 for r in bandung_rows() if r["kelurahan"] in BANDUNG_NORTH)


def write_bandung_xlsx(path: str | Path) -> Path:
    """The Bandung list as an .xlsx with title rows, five bad rows among the good ones."""
    path = Path(path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data RT RW"
    ws.append(["DAFTAR KETUA RT/RW KECAMATAN CIDADAP (CONTOH)"])
    ws.append(["Pemutakhiran: Januari 2027"])
    ws.append([])
    ws.append(["No", "Nama", "No. HP", "Kelurahan", "RT/RW", "Jabatan"])
    good = bandung_rows()
    bad_at = {7: 0, 29: 1, 53: 2, 81: 3, 104: 4}
    i = 0
    for k, row in enumerate(good):
        if k in bad_at:
            name, typed, _ = BANDUNG_BAD[bad_at[k]]
            i += 1
            ws.append([i, name, typed, row["kelurahan"], row["rt_rw"], row["jabatan"]])
            if isinstance(typed, float):
                ws.cell(ws.max_row, 3).number_format = "0.00E+00"
        i += 1
        ws.append([i, row["nama"], row["no_hp"], row["kelurahan"], row["rt_rw"], row["jabatan"]])
    wb.save(path)
    return path


def blitar_rows(n: int = 60) -> list[dict]:
    return [{"Nama": _name(i + 7), "Nomor HP": f"0813-0000-{2000 + i:04d}", "Desa": "Sumberagung",
             "Dusun": ("Krajan", "Sumberejo", "Ngasem")[i % 3], "RT": f"{i % 5 + 1:02d}", "RW": f"{i % 3 + 1:02d}"}
            for i in range(n)]


def write_blitar_csv(path: str | Path, n: int = 60) -> Path:
    """Residents of Desa Sumberagung as a semicolon CSV with a BOM (Excel's "CSV UTF-8")."""
    path = Path(path)
    rows = blitar_rows(n)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter=";", lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    return path
