"""The desa/kelurahan and kecamatan a contact list names in its title rows or its file name.

An RT/RW list from a kelurahan office rarely has a Desa/Kelurahan column: the
kelurahan is written once, above the table ("DAFTAR KETUA RT / RW KELURAHAN
SUKAMAJU") or in the file name (``rt_rw_kel_sukamaju_2026.xlsx``).  Imported
without it, "RW 01-02" later matches RW 01-02 of every kelurahan.  This module
only reads text (no file, no SQL)::

    find_in_text("DAFTAR NAMA KETUA RT/RW KEL. SUKAMAJU KEC. CIBEUNYING KALER")
    # Wilayah(desa="Sukamaju", kecamatan="Cibeunying Kaler")
    find_in_file_name("rt_rw_kel_sukamaju_2026.xlsx")
    # Wilayah(desa="Sukamaju", kecamatan=None)

A place name runs from its keyword (``Desa``, ``Ds.``, ``Kelurahan``, ``Kel.``,
``Kalurahan``, ``Nagari``, ``Gampong``; ``Kecamatan``, ``Kec.``) to the next
keyword, a number, punctuation that ends a phrase, or a word that is not part
of a name (``tahun``, ``periode``, a month ...).  Names in capitals are written
in title case ("CIBEUNYING KALER" -> "Cibeunying Kaler"); mixed case is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DESA_WORDS = r"desa|ds|kelurahan|kel|kalurahan|nagari|gampong"
_KEC_WORDS = r"kecamatan|kec|distrik"
# A keyword as a word of its own, e.g. "KEL.", "Kelurahan:", "Desa/Kelurahan :", "se-Kelurahan".
_KEYWORD = re.compile(
    rf"(?<![a-z0-9])(?:(?P<kec>{_KEC_WORDS})|(?P<desa>(?:{_DESA_WORDS})(?:\s*/\s*(?:{_DESA_WORDS}))?))"
    r"(?![a-z0-9])\s*[.:]*\s*",
    re.IGNORECASE)
# Words that end a place name (other places, dates, what the list is).
_STOP = frozenset("""
kecamatan kec distrik desa ds kelurahan kel kalurahan nagari gampong kabupaten kab kota kodya provinsi prov
dusun dsn rt rw tahun thn th periode masa bakti bulan tanggal tgl per update updated data daftar ketua nama
no nomor hp telp wa dan untuk yang di se final revisi rev fix copy salinan new versi ver
januari februari pebruari maret april mei juni juli agustus september oktober november desember
jan feb mar apr jun jul agu agt ags sep okt nov des
""".split())
_WORD = re.compile(r"[A-Za-z][A-Za-z'`’]*")
_NAME_MAX_WORDS = 4


@dataclass(frozen=True)
class Wilayah:
    """A desa/kelurahan and kecamatan (either may be None); ``found_in`` is the text they came from."""

    desa: str | None = None
    kecamatan: str | None = None
    found_in: str = ""

    def __bool__(self) -> bool:
        return bool(self.desa or self.kecamatan)

    def merged(self, other: Wilayah) -> Wilayah:
        """This wilayah with the parts it lacks taken from ``other``."""
        return Wilayah(self.desa or other.desa, self.kecamatan or other.kecamatan,
                       self.found_in or other.found_in)

    def describe(self) -> str:
        """``"Sukamaju, Kec. Cibeunying Kaler"`` (Bahasa Indonesia, as an office writes it)."""
        bits = [self.desa or ""] + ([f"Kec. {self.kecamatan}"] if self.kecamatan else [])
        return ", ".join(b for b in bits if b)


def tidy_name(name: str) -> str:
    """A place name as stored: spaces collapsed; ALL CAPS (or all lower) written in title case."""
    name = " ".join(name.split()).strip(" .,:;-/")
    if name and (name.isupper() or name.islower()):
        name = " ".join(w[:1].upper() + w[1:].lower() for w in name.split())
    return name


def _name_after(text: str, start: int) -> str | None:
    """The place name starting at ``text[start:]``: name-like words up to a stop."""
    words: list[str] = []
    pos = start
    while len(words) < _NAME_MAX_WORDS:
        gap = re.match(r"[ \t]*", text[pos:])
        pos += gap.end()
        m = _WORD.match(text, pos)
        if m is None or m.group(0).lower().rstrip(".") in _STOP:
            break
        end = m.end()
        if end < len(text) and text[end].isdigit():
            break
        words.append(m.group(0))
        pos = end
        if pos < len(text) and text[pos] not in " \t":
            if text[pos] == "-" and pos + 1 < len(text) and text[pos + 1].isalpha():
                words[-1] += "-"  # "Tanjung-Priok" stays one word
                pos += 1
                continue
            break
    name = tidy_name(" ".join(words).replace("- ", "-"))
    return name or None


def find_in_text(text: str) -> Wilayah:
    """The desa/kelurahan and kecamatan named in one line of text (a title row)."""
    text = " ".join(str(text or "").split())
    desa = kec = None
    for m in _KEYWORD.finditer(text):
        name = _name_after(text, m.end())
        if name is None:
            continue
        if m.group("kec"):
            kec = kec or name
        else:
            desa = desa or name
    return Wilayah(desa, kec, text if (desa or kec) else "")


def find_in_file_name(file_name: str) -> Wilayah:
    """The wilayah in a file name (``rt_rw_kel_sukamaju_2026.xlsx``): ``_`` ``-`` ``.`` read as spaces."""
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", str(file_name or "").rsplit("/", 1)[-1])
    found = find_in_text(re.sub(r"[_.+]+|(?<=[A-Za-z0-9])-(?=[A-Za-z])|(?<=[A-Za-z])-(?=[0-9])", " ", stem))
    return Wilayah(found.desa, found.kecamatan, file_name if found else "")


def find_in_rows(rows: list[tuple]) -> Wilayah:
    """The wilayah named in a sheet's title rows (each a tuple of cells, joined with spaces)."""
    found = Wilayah()
    for cells in rows:
        line = " ".join(str(c) for c in cells if c is not None and str(c).strip())
        if line:
            found = found.merged(find_in_text(line)) if found else find_in_text(line)
        if found.desa and found.kecamatan:
            break
    return found


def heading(cells: tuple) -> Wilayah:
    """A section row inside a table ("KELURAHAN CIPAGANTI" alone on its row), or an empty Wilayah.

    Only a row whose text starts with a keyword and is nothing but the wilayah counts, so a
    person's row is never taken for a heading.
    """
    line = " ".join(str(c) for c in cells if c is not None and str(c).strip())
    if not line or len(line) > 120 or any(ch.isdigit() for ch in line):
        return Wilayah()
    m = _KEYWORD.match(line)
    if m is None:
        return Wilayah()
    return find_in_text(line)


def summary_sentence(summary: dict) -> tuple[str, str]:
    """(Bahasa Indonesia, English) sentence for a sheet's wilayah summary
    (:meth:`firmware.people.importer.Sheet.wilayah_summary`): where the rows' desa/kelurahan came from and how
    many rows have none.  For reports that have no wizard (USB drop, CLI)."""
    wil = Wilayah(summary.get("desa"), summary.get("kecamatan"))
    where_id, where_en = {
        "title": ("dari judul file", "from the file's title"),
        "file_name": ("dari nama file", "from the file name"),
        "given": ("diisi petugas", "given by the staff"),
    }.get(summary.get("source") or "", ("", ""))
    without = int(summary.get("without") or 0)
    if summary.get("column"):
        pesan, note = "Desa/Kelurahan dari kolom file", "Desa/Kelurahan from the file's column"
        if wil.desa:
            pesan += f"; sel kosong diisi {wil.describe()} ({where_id})"
            note += f"; empty cells filled with {wil.describe()} ({where_en})"
    elif wil:
        pesan, note = f"Wilayah: {wil.describe()} ({where_id})", f"Wilayah: {wil.describe()} ({where_en})"
    elif summary.get("source") == "cleared":
        pesan, note = "Tanpa desa/kelurahan (dipilih petugas)", "No desa/kelurahan (as the staff chose)"
    else:
        pesan = "Daftar ini tidak menyebut desa/kelurahan (tidak ada kolom, judul, atau nama file yang menyebutnya)"
        note = "This list names no desa/kelurahan (no column, title or file name names one)"
    if without:
        pesan += f"; {without} kontak tanpa desa/kelurahan"
        note += f"; {without} contacts without a desa/kelurahan"
    return pesan, note
