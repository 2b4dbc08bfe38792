"""The one contact-list reader: CSV and XLSX as Indonesian offices write them.

The web page, the USB drop, the HTTP API and ``siaran import`` all call
:func:`read_rows`; :mod:`firmware.people.contacts` then plans and commits.  This
module only reads and validates (no SQL); what one cell or row means (numbers, the header,
RT/RW) is :mod:`firmware.people.rows`::

    with read_rows(Path("ketua_rt.xlsx"), "ketua_rt.xlsx") as sheet:
        for contact in sheet.rows():      # accepted rows, streamed
            ...
        sheet.counts, sheet.rejected      # filled while iterating

What it copes with:

- **Files**: XLSX (:mod:`firmware.people.xlsx`: streamed, every size capped while
  reading, DTDs refused; cached formula values) and
  CSV/TSV/"Unicode text": UTF-8 with or without BOM, UTF-16 (BOM, or none),
  Windows-1252 as the fallback; delimiter ``,`` ``;`` tab or ``|`` chosen by
  which one yields a recognisable header.  Legacy ``.xls``, ODS and HTML
  dressed as ``.xls`` get an error naming the fix (save as .xlsx).
- **Header**: found in the first 30 rows (title rows above it are fine),
  Indonesian and English synonyms, case/punctuation/accents ignored
  (``No. HP``, ``Nomor Telepon``, ``WA``, ``Désa``, ``RT/RW``...).  Columns it
  does not know (``No``, ``NIK``, ``Alamat``) are ignored and listed: the box
  keeps only what it needs (UU 27/2022 data minimisation).  A file without a
  header but with a column of numbers is read as numbers only.
- **Sheets**: the one whose header has a phone column and the most
  number-looking cells in its first 300 rows, unless ``sheet=NAME``.
- **Numbers** (:func:`parse_number_cell`): separators, ``+62``/``62``/``0``,
  a lost leading zero, ``81200007890.0``, int/float cells, ``="0812..."`` and
  ``'0812...``.  Scientific notation (``6.28123E+11``) has lost digits and is
  rejected with the fix; an XLSX numeric cell keeps every digit, so it is only
  rejected when its digits look truncated (12+ digits shown as ``E+`` or a
  scientific format, and at most 6 significant digits).  A letter in a number
  (``0812-ABCD-1234``, ``0812-0000-789O``) is a typo: the row is rejected, never
  read as a phone keypad would; a label before it (``HP 0812...``) is fine.
  Another country's number is rejected as not Indonesian.
- **Two numbers in one cell** (``0812... / 0813...``, ``,`` ``;`` ``/`` ``atau``):
  the first valid one is the contact's number; the others are appended to its
  ``notes`` as ``No. lain: +62...`` and listed in :attr:`Sheet.warnings`, so
  nobody gets two copies of every SMS and no number is thrown away.
- **RT/RW**: stored zero-padded to at least two digits (``RW 3``, ``003``,
  ``3.0`` -> ``"03"``; ``12`` -> ``"12"``); text that is not a number (``1A``)
  is kept as typed.  A combined ``RT/RW`` column (``003/005``) fills both.
- **Wilayah of the whole file**: a list without a Desa/Kelurahan (or
  Kecamatan) column usually names it in its title rows ("DAFTAR KETUA RT/RW
  KEL. SUKAMAJU") or its file name (``rt_rw_kel_sukamaju.xlsx``): that name
  fills every row whose cell is empty (:mod:`firmware.people.wilayah`), unless the
  caller gives one (:meth:`Sheet.use_wilayah`: the staffer confirmed or typed
  it).  A heading row inside the table ("KELURAHAN CIPAGANTI" alone on its
  row) applies to the rows below it.  :meth:`Sheet.summary` says where the
  wilayah came from and how many rows are left without a desa/kelurahan.
- **Duplicates** within the file: the first row is kept, later ones are
  counted and listed with the row they repeat.
- **Limits**: :data:`MAX_FILE_BYTES`, :data:`MAX_ROWS` and
  :data:`MAX_COLUMNS`; a CSV line at most :data:`MAX_LINE_CHARS`, a record at
  most :data:`MAX_RECORD_LINES` lines; the XLSX caps are in :mod:`firmware.people.xlsx`.
  Memory per row is the duplicate check only (a dict of numbers seen, ~100 bytes
  a row), every other cell is streamed.

Row numbers are as the spreadsheet shows them (1-based, title and header rows
included).  Anything unreadable raises :class:`ImportFileError` (English
``reason``, Bahasa Indonesia ``pesan``), never another exception.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
from contextlib import closing
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from firmware.people import wilayah
from firmware.people.audience import strip_place_prefix
from firmware.errors import BilingualError, group_digits
from firmware.people.privacy import mask_number
from firmware.people.xlsx import Workbook, WorkbookError
from firmware.people.rows import (CONTROL_CHARS, DIGIT, MAX_COLUMNS, Header, canonical_unit, cell_text, find_header,
                                  find_number_column, header_key, is_blank, numbers_below, parse_number_cell,
                                  split_rt_rw)

#: Largest file accepted (a 200,000-row CSV is about 15 MB).
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Most data rows accepted in one file (split bigger lists).
MAX_ROWS = 200_000
#: Longest CSV line, in characters (a row of a contact list is a few hundred).
MAX_LINE_CHARS = 64 * 1024
#: Most lines one CSV record may span (a quoted text with line breaks).
MAX_RECORD_LINES = 50
#: Rows sampled per sheet/delimiter to choose one.
SAMPLE_ROWS = 300
#: Longest text kept per field; longer is cut (and noted).
FIELD_MAX = {"name": 200, "desa": 100, "kecamatan": 100, "dusun": 100, "rw": 20, "rt": 20, "role": 100, "notes": 500}

#: Keys of an accepted contact (plus ``row``).
FIELDS = ("number", "name", "desa", "kecamatan", "dusun", "rw", "rt", "role", "notes")
_EMPTY_CONTACT = {"row": 0, **dict.fromkeys(FIELDS)}


class ImportFileError(BilingualError, ValueError):
    """The file cannot be read as a contact list; ``pesan`` says why in Bahasa Indonesia."""


@dataclass(frozen=True)
class Problem:
    """A row not imported (``code`` ``no_number``, ``scientific``, ``invalid``, ``duplicate``) or a
    warning about an imported one (``second_number``, ``truncated``).

    ``number`` is the cell as typed (for the office to fix), ``reason`` English, ``alasan`` Bahasa Indonesia.
    """

    row: int
    code: str
    number: str
    name: str
    reason: str
    alasan: str

    def as_dict(self, *, mask: bool = True) -> dict:
        return {"row": self.row, "code": self.code, "number": mask_number(self.number) if mask else self.number,
                "reason": self.reason, "alasan": self.alasan}


# -- the sheet -------------------------------------------------------------------------


class Sheet:
    """One table of a file, ready to stream: metadata now, rows on :meth:`rows` (any number of times).

    While :meth:`rows` runs it fills :attr:`counts` (``rows``, ``accepted``, ``invalid``,
    ``duplicate_in_file``), :attr:`rejected` and :attr:`warnings` (each a list of :class:`Problem`).
    """

    def __init__(self, *, file_name: str, fmt: str, header: Header, raw_rows: Callable[[], Iterator[tuple[int, tuple]]],
                 sheet: str | None = None, sheets: tuple[str, ...] = (), encoding: str | None = None,
                 delimiter: str | None = None, notes: list[dict] | None = None, file_hash: str = "", size: int = 0,
                 max_rows: int = MAX_ROWS, closer: Callable[[], None] | None = None,
                 check_unchanged: Callable[[], None] | None = None):
        self.file_name = file_name
        self.format = fmt
        self.header = header
        self.sheet = sheet
        self.sheets = sheets
        self.encoding = encoding
        self.delimiter = delimiter
        self.notes = notes or []
        self.file_hash = file_hash
        self.size = size
        self.max_rows = max_rows
        self._raw_rows = raw_rows
        self._closer = closer
        self._check_unchanged = check_unchanged
        self._value_columns = [(k, v, FIELD_MAX.get(k, 0)) for k, v in header.columns.items() if k != "number"]
        self.counts: dict[str, int] = {}
        self.rejected: list[Problem] = []
        self.warnings: list[Problem] = []
        self._given: dict[str, str | None] = {}  # desa/kecamatan -> the staffer's name, or None for "none"
        self._found: tuple[wilayah.Wilayah, str | None] | None = None
        self.wilayah_counts: dict[str, int] = {}
        self.headings: list[str] = []

    # -- life cycle
    def close(self) -> None:
        """Release the file (idempotent)."""
        if self._closer is not None:
            closer, self._closer = self._closer, None
            closer()

    def __enter__(self) -> Sheet:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def summary(self) -> dict:
        """What was read and how (JSON-ready)."""
        return {
            "file_name": self.file_name, "format": self.format, "encoding": self.encoding,
            "delimiter": {"\t": "tab"}.get(self.delimiter or "", self.delimiter),
            "sheet": self.sheet, "sheets": list(self.sheets), "header_row": self.header.row,
            "columns": dict(self.header.labels), "ignored_columns": list(self.header.ignored),
            "notes": list(self.notes), "file_hash": self.file_hash, "size": self.size,
            "wilayah": self.wilayah_summary(),
        }

    # -- the wilayah of the whole file
    def use_wilayah(self, desa: str | None = None, kecamatan: str | None = None) -> None:
        """The desa/kelurahan (and kecamatan) the staffer confirmed or typed for every row whose cell is
        empty; it replaces what the title or file name says.  Empty keeps what they say; ``"-"`` means
        none (a title naming a programme, "DESA SIAGA", not a place).  ImportFileError when unusable."""
        given: dict[str, str | None] = {}
        for key, label, value in (("desa", "Desa/Kelurahan", desa), ("kecamatan", "Kecamatan", kecamatan)):
            text = " ".join(str(value or "").split())
            if text in ("-", "–", "—"):
                given[key] = None
                continue
            text = wilayah.tidy_name(strip_place_prefix(text))
            if len(text) > FIELD_MAX[key] or CONTROL_CHARS.search(text):
                raise ImportFileError(f"{label}: at most {FIELD_MAX[key]} printable characters",
                                      f"{label}: paling banyak {FIELD_MAX[key]} karakter biasa")
            if text:
                given[key] = text
        self._given = given

    def found_wilayah(self) -> tuple[wilayah.Wilayah, str | None]:
        """(wilayah, where) named by the title rows (``"title"``) or else the file name (``"file_name"``)."""
        if self._found is None:
            title = none = wilayah.Wilayah()
            if self.header.row > 1:
                raw = self._raw_rows()
                try:
                    above = [cells for _, cells in islice(_guarded(raw), self.header.row - 1)]
                finally:
                    raw.close()  # release the file now, not when the generator is collected
                title = wilayah.find_in_rows(above)
            from_name = wilayah.find_in_file_name(self.file_name) if self.format != "records" else none
            if title:
                self._found = (title.merged(wilayah.Wilayah(from_name.desa, from_name.kecamatan)), "title")
            else:
                self._found = (from_name, "file_name" if from_name else None)
        return self._found

    def file_wilayah(self) -> tuple[wilayah.Wilayah, str | None]:
        """(wilayah, source) applied to rows with an empty cell: what the staffer gave over what was found."""
        found, where = self.found_wilayah()
        if not self._given:
            return found, where
        desa = self._given.get("desa", found.desa)
        kecamatan = self._given.get("kecamatan", found.kecamatan)
        return wilayah.Wilayah(desa, kecamatan), "given" if (desa or kecamatan) else "cleared"

    def wilayah_summary(self) -> dict:
        """JSON-ready: the file's wilayah, where it came from, whether a column holds it, and row counts
        (``from_file``: rows given the file's desa; ``from_heading``; ``without``: rows with no desa)."""
        wil, source = self.file_wilayah()
        found, where = self.found_wilayah()
        return {"desa": wil.desa, "kecamatan": wil.kecamatan, "source": source, "found_in": found.found_in,
                "found": {"desa": found.desa, "kecamatan": found.kecamatan, "where": where},
                "column": "desa" in self.header.columns, "kecamatan_column": "kecamatan" in self.header.columns,
                "headings": list(self.headings[:20]), **self.wilayah_counts}

    # -- rows
    def rows(self) -> Iterator[dict]:
        """Accepted contacts in file order: dicts with ``row`` and :data:`FIELDS` (None when empty)."""
        if self._check_unchanged is not None:
            self._check_unchanged()
        self.counts = {"rows": 0, "accepted": 0, "invalid": 0, "duplicate_in_file": 0}
        self.rejected, self.warnings = [], []
        seen: dict[int, int] = {}  # number (as int) -> first row: the only per-row memory
        phone_cols = self.header.columns["number"]
        phone_labels = {header_key(self.header.labels.get("number"))}
        header_row, max_rows, counts, rejected = self.header.row, self.max_rows, self.counts, self.rejected
        whole, _ = self.file_wilayah()
        section = wilayah.Wilayah()
        wc = self.wilayah_counts = {"from_file": 0, "from_heading": 0, "without": 0}
        self.headings = []
        for row_no, cells in _guarded(self._raw_rows()):
            if row_no <= header_row or is_blank(cells):
                continue
            phone_values = [cells[i] for i in phone_cols if i < len(cells)]
            if any(v.__class__ is str and v and not DIGIT.search(v) and header_key(v) in phone_labels
                   for v in phone_values):
                continue  # the header repeated (printed lists repeat it on every page)
            counts["rows"] += 1
            if counts["rows"] > max_rows:
                raise ImportFileError(
                    f"more than {max_rows} rows: split the file", f"lebih dari {max_rows} baris: bagi file")
            contact, typed, problem = self._contact(row_no, cells, phone_values)
            if problem is not None and problem.code == "no_number" and (found := wilayah.heading(cells)):
                # "KELURAHAN CIPAGANTI" alone on its row: a heading, and the rows below are Cipaganti's
                section = found.merged(wilayah.Wilayah(None, section.kecamatan))
                self.headings.append(found.describe())
                counts["rows"] -= 1
                continue
            if problem is not None:
                counts["invalid"] += 1
                rejected.append(problem)
                continue
            key = int(contact["number"][1:])
            first = seen.get(key)
            if first is not None:
                counts["duplicate_in_file"] += 1
                rejected.append(Problem(
                    row_no, "duplicate", typed, contact["name"] or "",
                    f"duplicate of row {first} (the first is kept)",
                    f"nomor sama dengan baris {first} (yang pertama dipakai)"))
                continue
            seen[key] = row_no
            counts["accepted"] += 1
            if contact["desa"] is None or (contact["kecamatan"] is None and (section.kecamatan or whole.kecamatan)):
                self._fill_wilayah(contact, section, whole, wc)
            yield contact

    @staticmethod
    def _fill_wilayah(contact: dict, section: wilayah.Wilayah, whole: wilayah.Wilayah,
                      wc: dict[str, int]) -> None:
        """An empty desa/kecamatan cell takes the heading's, else the file's; count where each came from."""
        if contact["desa"] is None:
            if section.desa:
                contact["desa"] = section.desa
                wc["from_heading"] += 1
            elif whole.desa:
                contact["desa"] = whole.desa
                wc["from_file"] += 1
            else:
                wc["without"] += 1
        if contact["kecamatan"] is None:
            contact["kecamatan"] = section.kecamatan or whole.kecamatan

    def _contact(self, row_no: int, cells: tuple, phone_values: list) -> tuple[dict | None, str, Problem | None]:
        """(contact, number as typed, None) or (None, typed, the problem)."""
        filled = [v for v in phone_values if v is not None and (v.__class__ is not str or v.strip())]
        if len(filled) == 1:
            parsed = [parse_number_cell(filled[0])]
            numbers = parsed[0].numbers
        else:
            parsed = [parse_number_cell(v) for v in filled] or [parse_number_cell(None)]
            numbers = tuple(dict.fromkeys(n for p in parsed for n in p.numbers))
        typed = parsed[0].typed
        width = len(cells)
        contact = dict(_EMPTY_CONTACT)
        combined = None
        for key, idxs, limit in self._value_columns:
            for i in idxs:
                if i >= width:
                    continue
                value = cells[i]
                if value is None:
                    continue
                if value.__class__ is str:
                    value = value.strip()
                    if not value:
                        continue
                if key == "rtrw":
                    combined = value
                    break
                text = canonical_unit(value) if key in ("rt", "rw") else cell_text(value)
                if len(text) > limit:
                    text = self._cut(row_no, key, text, typed)
                contact[key] = text or None
                break
        if not numbers:
            code, en, id_ = next(p.problem for p in parsed if p.problem)
            return None, typed, Problem(row_no, code, typed, contact["name"] or "", en, id_)
        contact["row"], contact["number"] = row_no, numbers[0]
        if combined is not None and not (contact["rt"] and contact["rw"]):
            crt, crw = split_rt_rw(combined)
            contact["rt"] = contact["rt"] or crt or None
            contact["rw"] = contact["rw"] or crw or None
        if len(numbers) > 1:
            extra = ", ".join(numbers[1:])
            notes = "; ".join(x for x in (contact["notes"], f"No. lain: {extra}") if x)
            contact["notes"] = self._cut(row_no, "notes", notes, typed) if len(notes) > FIELD_MAX["notes"] else notes
            self.warnings.append(Problem(
                row_no, "second_number", typed, contact["name"] or "",
                f"more than one number: the first valid one is used, the other kept in notes ({len(numbers) - 1})",
                f"lebih dari satu nomor: yang pertama yang valid dipakai, lainnya disimpan di keterangan "
                f"({len(numbers) - 1})"))
        return contact, typed, None

    def _cut(self, row_no: int, key: str, value: str, typed: str) -> str:
        limit = FIELD_MAX[key]
        if len(value) <= limit:
            return value
        self.warnings.append(Problem(row_no, "truncated", typed, "", f"{key} cut to {limit} characters",
                                     f"{key} dipotong menjadi {limit} karakter"))
        return value[:limit]


def _guarded(rows: Iterator[tuple[int, tuple]]) -> Iterator[tuple[int, tuple]]:
    """Reading errors (csv, the workbook reader, zip, I/O) become ImportFileError."""
    try:
        yield from rows
    except ImportFileError:
        raise
    except WorkbookError as exc:
        raise ImportFileError(exc.reason, exc.pesan) from None
    except csv.Error as exc:
        raise ImportFileError(f"the CSV file is damaged: {exc}", f"file CSV rusak: {exc}") from exc
    except Exception as exc:  # zipfile and the decoders raise many kinds
        raise ImportFileError(f"the file could not be read: {type(exc).__name__}: {exc}"[:300],
                              f"file tidak dapat dibaca: {type(exc).__name__}"[:300]) from exc


# -- opening ------------------------------------------------------------------------------

Source = bytes | bytearray | memoryview | str | os.PathLike


def _cannot_open(exc: OSError) -> ImportFileError:
    return ImportFileError(f"cannot open the file: {exc.strerror}", f"file tidak dapat dibuka: {exc.strerror}")


class _Input:
    """The file's bytes, from memory or from disk (streamed); size and SHA-256 taken up front."""

    def __init__(self, source: Source, max_bytes: int):
        self.path: Path | None = None
        self.data: bytes | None = None
        if isinstance(source, (bytes, bytearray, memoryview)):
            self.data = bytes(source) if not isinstance(source, bytes) else source
            self.size = len(self.data)
        elif isinstance(source, (str, os.PathLike)):
            self.path = Path(source)
            try:
                st = self.path.stat()
            except OSError as exc:
                raise _cannot_open(exc) from exc
            if not self.path.is_file():
                raise ImportFileError("not a file", "bukan file")
            self.size = st.st_size
            self._stamp = (st.st_size, st.st_mtime_ns)
        else:
            raise TypeError("source must be bytes or a path")
        if self.size > max_bytes:
            raise ImportFileError(
                f"file too large ({self.size // 1_000_000} MB; at most {max_bytes // 1_000_000} MB): split it",
                f"file terlalu besar ({self.size // 1_000_000} MB; paling besar {max_bytes // 1_000_000} MB): "
                "bagi file")
        digest = hashlib.sha256()
        for chunk in self.chunks():
            digest.update(chunk)
        self.sha256 = digest.hexdigest()

    def open(self) -> BinaryIO:
        if self.data is not None:
            return io.BytesIO(self.data)
        try:
            return open(self.path, "rb")  # noqa: SIM115 (closed by the caller)
        except OSError as exc:
            raise _cannot_open(exc) from exc

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        if self.data is not None:
            view = memoryview(self.data)
            for i in range(0, len(view), size):
                yield view[i:i + size]
            return
        with self.open() as f:
            while chunk := f.read(size):
                yield chunk

    def head(self, n: int = 8192) -> bytes:
        if self.data is not None:
            return self.data[:n]
        with self.open() as f:
            return f.read(n)

    def check_unchanged(self) -> None:
        if self.path is None:
            return
        try:
            st = self.path.stat()
        except OSError as exc:
            raise ImportFileError("the file disappeared", "file hilang") from exc
        if (st.st_size, st.st_mtime_ns) != self._stamp:
            raise ImportFileError("the file changed since it was previewed: import it again",
                                  "file berubah sejak pratinjau: impor ulang")


def read_rows(source: Source, file_name: str = "", *, sheet: str | None = None, max_rows: int = MAX_ROWS,
              max_bytes: int = MAX_FILE_BYTES) -> Sheet:
    """Open a contact list (bytes, or a path streamed from disk) and find its table.

    :param source: the file's bytes (web upload, API) or its path (CLI, USB drop).
    :param file_name: the name as given, for messages and the import record (never opened).
    :param sheet: the XLSX sheet to read (default: the one with the most numbers).
    :returns: a :class:`Sheet`; close it (or use ``with``) when done.
    :raises ImportFileError: unreadable, too large, no phone column, unknown sheet.
    """
    file_name = os.path.basename(str(file_name or (source if isinstance(source, (str, os.PathLike)) else "")))
    inp = _Input(source, max_bytes)
    if inp.size == 0:
        raise ImportFileError("the file is empty", "file kosong")
    head = inp.head()
    lower = os.path.basename(file_name).lower()
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _open_xlsx(inp, file_name, sheet, max_rows)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError("old Excel format (.xls): open it in Excel and save as .xlsx or CSV",
                              "format Excel lama (.xls): buka di Excel lalu simpan sebagai .xlsx atau CSV")
    if lower.endswith((".xlsx", ".xlsm", ".xls", ".ods")) and head.lstrip()[:1] == b"<":
        raise ImportFileError("this is a web page saved as Excel: open it in Excel and save as .xlsx",
                              "ini halaman web yang disimpan sebagai Excel: buka di Excel lalu simpan sebagai .xlsx")
    return _open_csv(inp, file_name, sheet, max_rows)


def _open_xlsx(inp: _Input, file_name: str, wanted: str | None, max_rows: int) -> Sheet:
    f = inp.open()
    try:
        wb = Workbook(f, inp.size)
    except WorkbookError as exc:
        f.close()
        raise ImportFileError(exc.reason, exc.pesan) from None
    except Exception as exc:  # noqa: BLE001 - whatever else a damaged file provokes: still the user's file
        f.close()
        raise ImportFileError(
            f"not a readable .xlsx workbook ({type(exc).__name__}): save it again as .xlsx or CSV",
            "bukan workbook .xlsx yang dapat dibaca: simpan ulang sebagai .xlsx atau CSV") from exc
    except BaseException:
        f.close()
        raise

    def close() -> None:
        try:
            wb.close()
        finally:
            f.close()

    try:
        names = wb.sheet_names
        if not names:
            raise ImportFileError("the workbook has no sheets", "workbook tidak berisi sheet")

        def raw(name: str) -> Callable[[], Iterator[tuple[int, tuple]]]:
            return lambda: wb.rows(name, max_columns=MAX_COLUMNS)

        if wanted is not None:
            match = [n for n in names if n.strip().lower() == wanted.strip().lower()]
            if not match:
                raise ImportFileError(f"no sheet named {wanted!r}; sheets: {', '.join(names)}",
                                      f"tidak ada sheet bernama {wanted!r}; sheet yang ada: {', '.join(names)}")
            candidates = match
        else:
            candidates = list(names)
        scored = []
        for name in candidates:
            with closing(raw(name)()) as rows:
                sample = list(islice(_guarded(rows), SAMPLE_ROWS))
            header = find_header(sample) or find_number_column(sample)
            score = (header is not None and header.row > 0, header is not None, numbers_below(sample, header))
            scored.append((score, name, header))
        score, chosen, header = max(scored, key=lambda s: s[0])
        if header is None:
            where = f"sheet {chosen!r}" if wanted else "any sheet"
            raise _no_phone_column(where)
        notes = []
        if len(names) > 1 and wanted is None:
            others = ", ".join(f"{s[1]!r} ({s[0][2]})" for s in scored if s[1] != chosen)
            notes.append({"note": f"sheet {chosen!r} chosen: {score[2]} numbers in its first rows; others: {others}. "
                                  "Pass sheet=NAME to choose another.",
                          "pesan": f"sheet {chosen!r} dipilih: {score[2]} nomor di baris awalnya; "
                                   f"sheet lain: {others}. "
                                   "Pilih sheet lain dengan sheet=NAMA."})
        notes += _header_notes(header)
        return Sheet(file_name=file_name, fmt="xlsx", header=header, raw_rows=raw(chosen), sheet=chosen, sheets=names,
                     notes=notes, file_hash=inp.sha256, size=inp.size, max_rows=max_rows, closer=close,
                     check_unchanged=inp.check_unchanged)
    except BaseException:
        close()
        raise


def _no_phone_column(where: str) -> ImportFileError:
    return ImportFileError(
        f"no phone number column found in {where}: name the column 'No HP' (or Nomor HP, Telp, WA, Phone)",
        "kolom nomor HP tidak ditemukan: beri judul kolom 'No HP' (atau Nomor HP, Telp, WA)")


def _header_notes(header: Header) -> list[dict]:
    notes = []
    if header.row == 0:
        notes.append({"note": "no header row: only the numbers are imported",
                      "pesan": "tidak ada baris judul kolom: hanya nomor yang diimpor"})
    elif header.row > 1:
        notes.append({"note": f"header found on row {header.row}", "pesan": f"judul kolom ada di baris {header.row}"})
    if header.ignored:
        notes.append({"note": "columns not imported: " + ", ".join(header.ignored),
                      "pesan": "kolom yang tidak diimpor: " + ", ".join(header.ignored)})
    if len(header.columns.get("number", ())) > 1:
        notes.append({"note": "several number columns: the first filled one is used, the others go to notes",
                      "pesan": "beberapa kolom nomor: yang pertama terisi dipakai, lainnya ke keterangan"})
    return notes


# -- CSV -------------------------------------------------------------------------------------

_DELIMITERS = (",", ";", "\t", "|")


def _texty(data: bytes) -> bool:
    """Mostly printable or line/tab characters (non-ASCII bytes count as text)."""
    controls = sum(1 for b in data if b < 32 and b not in (9, 10, 13))
    return controls < 0.05 * len(data)


def _detect_encoding(inp: _Input) -> str:
    head = inp.head(4096)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) >= 4:
        # UTF-16 without a BOM: every other byte zero, the others mostly text.
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.3 * len(odd) and _texty(even):
            return "utf-16-le"
        if even.count(0) > 0.3 * len(even) and _texty(odd):
            return "utf-16-be"
    if b"\x00" in head:
        raise ImportFileError("not a spreadsheet or text file (binary data)",
                              "bukan file spreadsheet atau teks (data biner)")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in inp.chunks():
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


class _BoundedLines:
    """The lines of a text stream for :class:`csv.reader`, bounded: a line of at most
    :data:`MAX_LINE_CHARS` characters, a record of at most :data:`MAX_RECORD_LINES` lines.

    Without them one line with no newline (or a quote never closed) is read whole
    into memory before the CSV reader sees any of it.  ``row`` is the record being read.
    """

    def __init__(self, text: io.TextIOBase):
        self._readline = text.readline
        self.row = 1
        self._lines = 0

    def __iter__(self) -> _BoundedLines:
        return self

    def __next__(self) -> str:
        line = self._readline(MAX_LINE_CHARS + 1)
        if not line:
            raise StopIteration
        if len(line) > MAX_LINE_CHARS:
            raise ImportFileError(
                f"row {self.row}: a line longer than {MAX_LINE_CHARS:,} characters: is this a contact list?",
                f"baris {self.row}: satu baris lebih dari {group_digits(MAX_LINE_CHARS)} karakter: apakah ini daftar kontak?")
        self._lines += 1
        if self._lines > MAX_RECORD_LINES:
            raise ImportFileError(
                f"row {self.row}: a quoted text runs over more than {MAX_RECORD_LINES} lines: "
                "a quote (\") is not closed",
                f"baris {self.row}: teks dalam tanda kutip melewati lebih dari {MAX_RECORD_LINES} baris: "
                "ada tanda kutip (\") yang tidak ditutup")
        return line

    def next_row(self) -> None:
        self.row += 1
        self._lines = 0


def _open_csv(inp: _Input, file_name: str, wanted: str | None, max_rows: int) -> Sheet:
    encoding = _detect_encoding(inp)

    def text_stream() -> io.TextIOWrapper:
        return io.TextIOWrapper(inp.open(), encoding=encoding, errors="replace", newline="")

    with text_stream() as t:
        try:
            sample = t.read(64 * 1024)
        except Exception as exc:
            raise ImportFileError(f"the text could not be decoded: {exc}", "teks tidak dapat dibaca") from exc
    if "\x00" in sample:
        raise ImportFileError("not a spreadsheet or text file (binary data)",
                              "bukan file spreadsheet atau teks (data biner)")

    def sample_rows(delimiter: str) -> list[tuple[int, tuple]]:
        reader = csv.reader(io.StringIO(sample), delimiter=delimiter, strict=False)
        try:
            return [(i, tuple(r[:MAX_COLUMNS])) for i, r in enumerate(islice(reader, SAMPLE_ROWS), start=1)]
        except csv.Error:
            return []

    # The delimiter under which a header is recognised with the most fields, then the most numbers;
    # without any header, the one giving a number column and the most columns (a bare list of numbers).
    scored = []
    for rank, d in enumerate(_DELIMITERS):
        rows = sample_rows(d)
        header = find_header(rows)
        if header is not None:
            scored.append(((2, len(header.columns), numbers_below(rows, header), -rank), d, header))
            continue
        header = find_number_column(rows)
        if header is not None:
            width = max(len(cells) for _, cells in rows)
            scored.append(((1, width, numbers_below(rows, header), -rank), d, header))
    if not scored:
        raise _no_phone_column("the file")
    _, delimiter, header = max(scored, key=lambda s: s[0])

    def raw() -> Iterator[tuple[int, tuple]]:
        with text_stream() as t:
            lines = _BoundedLines(t)
            reader = csv.reader(lines, delimiter=delimiter, strict=False)
            try:
                for r in reader:
                    yield lines.row, tuple(r[:MAX_COLUMNS])
                    lines.next_row()
            except csv.Error as exc:  # a field over csv.field_size_limit(), a NUL character
                raise ImportFileError(f"row {lines.row}: the CSV text cannot be read ({exc})",
                                      f"baris {lines.row}: teks CSV tidak dapat dibaca ({exc})") from None

    if wanted is not None:
        notes = [{"note": "a CSV file has one table: sheet ignored",
                  "pesan": "file CSV hanya satu tabel: sheet diabaikan"}]
    else:
        notes = []
    notes += _header_notes(header)
    return Sheet(file_name=file_name, fmt="csv", header=header, raw_rows=raw, encoding=encoding, delimiter=delimiter,
                 notes=notes, file_hash=inp.sha256, size=inp.size, max_rows=max_rows,
                 check_unchanged=inp.check_unchanged)


# -- records (HTTP API, web form) -----------------------------------------------------------------


def from_records(records: Iterable[Mapping[str, Any]], *, name: str = "records", max_rows: int = MAX_ROWS) -> Sheet:
    """Rows given as mappings (keys as in a header: ``number``/``No HP``, ``name``/``Nama``, ...).

    Row numbers count from 2, as if the keys were a header row.
    """
    items = []
    for i, record in enumerate(records):
        if i >= max_rows:
            raise ImportFileError(f"more than {max_rows} rows: split the list",
                                  f"lebih dari {max_rows} baris: bagi daftar")
        if not isinstance(record, Mapping):
            raise ImportFileError(f"row {i + 1} is not a record", f"baris {i + 1} bukan rekaman")
        items.append(record)
    keys: list[str] = []
    for record in items:
        for key in record:
            if key not in keys and len(keys) < MAX_COLUMNS:
                keys.append(key)
    header = find_header([(1, tuple(keys))])
    if header is None:
        raise _no_phone_column("the records")

    def raw() -> Iterator[tuple[int, tuple]]:
        yield 1, tuple(keys)
        for i, record in enumerate(items, start=2):
            yield i, tuple(record.get(k) for k in keys)

    return Sheet(file_name=name, fmt="records", header=header, raw_rows=raw, notes=_header_notes(header),
                 max_rows=max_rows)
