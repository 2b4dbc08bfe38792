"""A bounded, streaming reader for the cells of an .xlsx workbook (values only, as cached by Excel).

:mod:`firmware.people.importer` reads contact lists through it.  An upload is
anyone's file, so every resource is capped *while* reading, never after::

    with open(path, "rb") as f, Workbook(f, os.path.getsize(path)) as wb:
        wb.sheet_names                      # ("Rekap", "Data Ketua RT")
        for row_no, cells in wb.rows("Data Ketua RT", max_columns=100):
            ...                             # (4, ("No", "Nama", "No HP")), row numbers as Excel shows

What is bounded, and how (each breach raises :class:`WorkbookError` naming it):

- **The zip**: the central directory is sized from its end record before
  :mod:`zipfile` parses it (:data:`MAX_ZIP_ENTRIES`, :data:`MAX_DIRECTORY_BYTES`);
  each part is read as a stream and may unpack to at most its own cap
  (:data:`MAX_SHEET_BYTES`, :data:`MAX_STRINGS_BYTES`, :data:`MAX_PART_BYTES`),
  checked against the declared size first (a zip bomb is refused before a byte is
  inflated) and counted again while inflating.
- **The XML**: pushed through :mod:`xml.parsers.expat` 64 KiB at a time, with
  handlers that keep only what they need (no tree is built); a DTD (``<!DOCTYPE``:
  entity bombs, external entities) is refused as it starts; no more than
  :data:`MAX_QUIET_BYTES` may pass without an element starting (a giant tag,
  attribute or comment, which expat buffers whole); nesting deeper than
  :data:`MAX_DEPTH` is refused.
- **Cells**: a text longer than :data:`MAX_CELL_CHARS` (Excel's own limit) is
  refused with its row and column; column refs past ``XFD`` and rows past
  1,048,576 are refused (Excel's grid); only the first ``max_columns`` cells of a
  row are kept; the ``<dimension>`` element is ignored.
- **Shared strings** are kept as one UTF-8 buffer plus offsets (4 bytes a string),
  at most :data:`MAX_SHARED_STRINGS` strings.

Values: numbers as ``int``/``float`` (:class:`SciNumber` when the cell's format
is scientific, ``datetime`` when it is a date format), text as ``str``, booleans,
error values as their text (``#N/A``).  Formulas give their cached value.
"""

from __future__ import annotations

import posixpath
import struct
import zipfile
from array import array
from collections.abc import Iterator
from typing import Any, BinaryIO
from xml.parsers import expat

from firmware.errors import BilingualError, group_digits

#: Most parts in the zip (a workbook has a few dozen).
MAX_ZIP_ENTRIES = 10_000
#: Largest central directory (the zip's table of contents).
MAX_DIRECTORY_BYTES = 2 * 1024 * 1024
#: Unpacked size of one worksheet (200,000 rows of a dozen columns is ~100 MB).
MAX_SHEET_BYTES = 160 * 1024 * 1024
#: Unpacked size of the shared strings table.
MAX_STRINGS_BYTES = 64 * 1024 * 1024
#: Unpacked size of any other part read (workbook, relationships, styles).
MAX_PART_BYTES = 8 * 1024 * 1024
#: Most shared strings (a 200,000-row list with five text columns has at most a million).
MAX_SHARED_STRINGS = 1_500_000
#: Most sheets in a workbook.
MAX_SHEETS = 200
#: Most cell styles (Excel allows 64,000).
MAX_STYLES = 65_536
#: Longest text in one cell, in characters (Excel's own limit).
MAX_CELL_CHARS = 32_767
#: Unpacked XML read without an element starting: a tag, attribute or comment this long is hostile.
MAX_QUIET_BYTES = 512 * 1024
#: Deepest element nesting (a worksheet needs 7).
MAX_DEPTH = 32
#: Most elements of the kinds read from a small part (relationships, sheets, styles).
MAX_ELEMENTS = 200_000
#: Most cells in one row, empty ones included (a contact list has a dozen columns).
MAX_ROW_CELLS = 1_024
#: Most cells in one sheet, empty ones included (200,000 rows of 20 columns).
MAX_CELLS = 4_000_000
#: Excel's grid.
MAX_ROW = 1_048_576
MAX_COLUMN = 16_384

_CHUNK = 64 * 1024
_MIB = 1024 * 1024


class WorkbookError(BilingualError, ValueError):
    """The workbook cannot be read within the caps; ``pesan`` says why in Bahasa Indonesia."""


class SciNumber(float):
    """A numeric cell shown in scientific format (``0.00E+00``): its digits may have been rounded."""


def _damaged(what: str, apa: str | None = None) -> WorkbookError:
    """The workbook's structure is broken: ``what`` in English, ``apa`` in Bahasa Indonesia (default: as
    ``what``, for technical details such as a zip or XML error)."""
    return WorkbookError(f"the workbook is damaged ({what}): save it again as .xlsx or CSV",
                         f"workbook rusak ({apa or what}): simpan ulang sebagai .xlsx atau CSV")


def column_index(ref: str) -> int:
    """``"B12"`` -> 1 (0-based column of a cell reference); -1 when ``ref`` has no valid column."""
    letters = ref.rstrip("0123456789")
    col = _COLUMNS.get(letters)
    if col is None:
        col = _column_index(ref)
        if col >= 0 and len(_COLUMNS) < 1024:
            _COLUMNS[letters] = col
    elif len(letters) == len(ref):
        return -1  # no row digits
    return col


_COLUMNS: dict[str, int] = {}  # letters -> column, for the columns met so far


def _column_index(ref: str) -> int:
    n = 0
    for i, ch in enumerate(ref):
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        elif "a" <= ch <= "z":
            n = n * 26 + ord(ch) - 96
        else:
            return n - 1 if 0 < i <= 3 and ref[i:].isdigit() else -1
    return -1


# -- the zip ------------------------------------------------------------------------------

_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")


def check_directory(f: BinaryIO, size: int) -> None:
    """Refuse a zip whose table of contents is too big to parse, before :mod:`zipfile` builds it.

    :mod:`zipfile` makes an object per entry (hundreds of bytes each); a small
    file can list millions.  The end record (the last 22 bytes plus a comment of
    up to 64 KiB) says how many entries and how many bytes the directory has.
    """
    tail_len = min(size, _EOCD.size + 0xFFFF)
    f.seek(size - tail_len)
    tail = f.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _EOCD.size > len(tail):
        raise _damaged("no zip directory", "daftar isi zip tidak ada")
    _, _, _, _, entries, dir_size, _, _ = _EOCD.unpack_from(tail, at)
    if (entries == 0xFFFF or dir_size == 0xFFFFFFFF) and at >= _ZIP64_LOCATOR.size:
        # "See the zip64 end record" (some writers always use it): its counts are the real ones.
        sig, _, offset, _ = _ZIP64_LOCATOR.unpack_from(tail, at - _ZIP64_LOCATOR.size)
        if sig == b"PK\x06\x07" and offset + _ZIP64_END.size <= size:
            f.seek(offset)
            record = f.read(_ZIP64_END.size)
            if len(record) == _ZIP64_END.size and record[:4] == b"PK\x06\x06":
                _, _, _, _, _, _, _, entries, dir_size, _ = _ZIP64_END.unpack(record)
    if entries > MAX_ZIP_ENTRIES or dir_size > MAX_DIRECTORY_BYTES:
        raise WorkbookError(
            f"the workbook lists too many parts ({entries}; at most {MAX_ZIP_ENTRIES}): save it again as .xlsx",
            f"workbook berisi terlalu banyak bagian ({entries}; paling banyak {MAX_ZIP_ENTRIES}): "
            "simpan ulang sebagai .xlsx")
    f.seek(0)


class _Handler:
    """What a part's parse calls back: ``start``/``end``/``data`` (expat's handlers) and ``out`` (results
    since the last chunk).  ``started`` is set by every ``start`` (the quiet-bytes check reads it)."""

    out: list
    started: bool


def _parse(z: zipfile.ZipFile, name: str, cap: int, handler: _Handler) -> Iterator[list]:
    """Push one XML part through expat 64 KiB at a time, within every cap; yield ``handler.out`` after
    each chunk that filled it.

    No tree is built: the handler keeps what it needs, each text capped as it arrives.
    A DTD is refused when it starts (before any entity is declared, so no entity
    bomb and no external entity); an unknown encoding is a parse error; more than
    :data:`MAX_QUIET_BYTES` without an element starting (a giant tag, attribute or
    comment, which expat would buffer whole) is refused.
    """
    try:
        info = z.getinfo(name)
    except KeyError:
        raise _damaged(f"part {name} missing", f"bagian {name} tidak ada") from None
    if info.file_size > cap:
        raise _too_big(name, info.file_size, cap)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.data

    def refuse_dtd(*_args: Any) -> None:
        raise WorkbookError(
            f"the workbook part {name} declares a DTD (entities): refused; save it again from Excel",
            f"bagian workbook {name} memuat DTD (entitas): ditolak; simpan ulang dari Excel")

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    quiet = read = 0
    with _open_part(z, info) as raw:
        while True:
            chunk = _read(raw, name)
            read += len(chunk)
            if read > cap:
                raise _too_big(name, read, cap)
            handler.started = False
            try:
                parser.Parse(chunk, not chunk)
            except expat.ExpatError as exc:
                raise _damaged(f"{name}: {expat.ErrorString(exc.code)}, line {exc.lineno}",
                               f"{name}: {expat.ErrorString(exc.code)}, baris {exc.lineno}") from None
            if handler.started:
                quiet = 0
            else:
                quiet += len(chunk)
                if quiet > MAX_QUIET_BYTES:
                    raise WorkbookError(
                        f"the workbook part {name} has over {MAX_QUIET_BYTES // 1024} KB in one tag, text or "
                        "comment: refused",
                        f"bagian workbook {name} berisi lebih dari {MAX_QUIET_BYTES // 1024} KB dalam satu tag, "
                        "teks atau komentar: ditolak")
            if handler.out:
                out, handler.out = handler.out, []
                yield out
            if not chunk:
                return


_LOCAL: dict[str, str] = {}


def _local(name: str) -> str:
    """``"<namespace> c"`` (expat's name with namespaces) -> ``"c"``; transitional and strict OOXML differ."""
    tag = _LOCAL.get(name)
    if tag is None:
        tag = name.rpartition(" ")[2]
        if len(_LOCAL) < 4096:
            _LOCAL[name] = tag
    return tag


class _Elements(_Handler):
    """Collect (tag, attributes, parent tag) of the elements named ``wanted`` (small parts)."""

    def __init__(self, name: str, wanted: frozenset[str]):
        self.name, self.wanted = name, wanted
        self.out, self.started = [], False
        self.path: list[str] = []
        self.count = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.started = True
        tag = _local(name)
        if tag in self.wanted:
            self.count += 1
            if self.count > MAX_ELEMENTS:
                raise _damaged(f"{self.name}: more than {MAX_ELEMENTS:,} elements",
                               f"{self.name}: lebih dari {group_digits(MAX_ELEMENTS)} elemen")
            self.out.append((tag, attrs, self.path[-1] if self.path else ""))
        self.path.append(tag)
        if len(self.path) > MAX_DEPTH:
            raise _too_deep(self.name)

    def end(self, name: str) -> None:
        self.path.pop()

    def data(self, text: str) -> None:
        pass


def _elements(z: zipfile.ZipFile, name: str, *wanted: str) -> Iterator[tuple[str, dict[str, str], str]]:
    for batch in _parse(z, name, MAX_PART_BYTES, _Elements(name, frozenset(wanted))):
        yield from batch


class _Strings(_Handler):
    """The shared strings table: the text of each ``<si>`` (its ``<t>``, or its runs' ``<t>``; not the
    ``<rPh>`` pronunciation guide), capped per string and in number."""

    def __init__(self, table: _SharedStrings):
        self.table = table
        self.out, self.started = [], False
        self.depth = self.phonetic = self.size = 0
        self.pieces: list[str] | None = None  # collecting a <t>

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.started = True
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _too_deep("xl/sharedStrings.xml")
        tag = _local(name)
        if tag == "t":
            self.collecting = not self.phonetic and self.pieces is not None
        elif tag == "si":
            self.pieces, self.size, self.collecting = [], 0, False
        elif tag == "rPh":
            self.phonetic += 1
        elif tag == "sst":
            declared = attrs.get("uniqueCount") or ""
            if declared.isdigit() and len(declared) < 12 and int(declared) > MAX_SHARED_STRINGS:
                raise _too_many_strings(int(declared))

    def data(self, text: str) -> None:
        if self.pieces is not None and self.collecting:
            self.size += len(text)
            if self.size > MAX_CELL_CHARS:
                raise _cell_too_long(f"shared text number {len(self.table) + 1}",
                                     f"teks bersama nomor {len(self.table) + 1}")
            self.pieces.append(text)

    def end(self, name: str) -> None:
        self.depth -= 1
        tag = _local(name)
        if tag == "t":
            self.collecting = False
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag == "si":
            if len(self.table) >= MAX_SHARED_STRINGS:
                raise _too_many_strings(len(self.table) + 1)
            pieces = self.pieces or []
            self.table.append(pieces[0] if len(pieces) == 1 else "".join(pieces))
            self.pieces = None

    collecting = False


class _Rows(_Handler):
    """The rows of a worksheet: (row number, values of the first ``max_columns`` cells) at each ``</row>``.

    The hot path of a big import (a few handler calls per cell): text is kept as one string
    (``None`` when not inside a ``<v>`` or an inline ``<t>``), shared-string cells are looked up here.
    """

    def __init__(self, book: Workbook, max_columns: int):
        self.book, self.max_columns, self.strings = book, max_columns, book._strings
        self.out, self.started = [], False
        self.depth = self.row_no = self.cells = self.total = self.phonetic = 0
        self.col = -1
        self.values: list[Any] = []
        self.t: str | None = None
        self.s: str | None = None
        self.v: str | None = None
        self.text: str | None = None  # the <v> or inline <t> being read
        self.inline: str | None = None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.started = True
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _too_deep("sheet")
        tag = _LOCAL.get(name) or _local(name)
        if tag == "c":
            ref = attrs.get("r")
            col = column_index(ref) if ref else self.col + 1
            self.cells += 1
            if not 0 <= col < MAX_COLUMN:
                raise _damaged(f"row {self.row_no}: cell {str(ref)[:20]!r} beyond Excel's last column",
                               f"baris {self.row_no}: sel {str(ref)[:20]!r} di luar kolom terakhir Excel")
            if self.cells > MAX_ROW_CELLS:
                raise WorkbookError(
                    f"row {self.row_no} has more than {MAX_ROW_CELLS:,} cells: delete the unused columns "
                    "(or save the list as CSV)",
                    f"baris {self.row_no} berisi lebih dari {group_digits(MAX_ROW_CELLS)} sel: hapus kolom yang tidak dipakai "
                    "(atau simpan daftar sebagai CSV)")
            self.col, self.t, self.s, self.v, self.inline = col, attrs.get("t"), attrs.get("s"), None, None
        elif tag == "v":
            if self.col < self.max_columns:  # a cell past the columns read: its text is not kept
                self.text = ""
        elif tag == "t":
            if not self.phonetic and self.t == "inlineStr" and self.col < self.max_columns:
                self.text = ""
        elif tag == "row":
            r = attrs.get("r")
            self.row_no = int(r) if r and r.isdigit() and len(r) < 9 and int(r) > self.row_no else self.row_no + 1
            if self.row_no > MAX_ROW:
                raise _damaged(f"row number {self.row_no} beyond Excel's last row",
                               f"nomor baris {self.row_no} melewati baris terakhir Excel")
            self.values, self.col, self.cells = [], -1, 0
        elif tag == "rPh":
            self.phonetic += 1

    def data(self, text: str) -> None:
        if self.text is not None:
            text = self.text + text
            if len(text) + len(self.inline or "") > MAX_CELL_CHARS:
                raise _cell_too_long(*_where(self.row_no, self.col))
            self.text = text

    def end(self, name: str) -> None:
        self.depth -= 1
        tag = _LOCAL.get(name) or _local(name)
        if tag == "c":
            col = self.col
            if col >= self.max_columns:
                return
            t, v = self.t, self.v
            if t == "s" and v is not None and v.isdigit() and len(v) < 12 and int(v) < len(self.strings):
                value = self.strings[int(v)]
            else:
                value = self.book._value(t, self.s, v, self.inline, self.row_no, col)
                if value is None:
                    return
            values = self.values
            if col >= len(values):
                if col > len(values):
                    values.extend([None] * (col - len(values)))
                values.append(value)
            else:
                values[col] = value
        elif tag == "v":
            self.v, self.text = self.text, None
        elif tag == "t":
            if self.text is not None:
                self.inline, self.text = (self.inline or "") + self.text, None
        elif tag == "row":
            self.total += self.cells
            if self.total > MAX_CELLS:
                raise WorkbookError(
                    f"the sheet has more than {MAX_CELLS:,} cells (at row {self.row_no}): split the list",
                    f"sheet berisi lebih dari {group_digits(MAX_CELLS)} sel (di baris {self.row_no}): bagi daftar")
            self.out.append((self.row_no, tuple(self.values)))
        elif tag == "rPh":
            self.phonetic -= 1


def _open_part(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> BinaryIO:
    try:
        return z.open(info)
    except Exception as exc:  # noqa: BLE001 - encrypted, unknown compression, bad local header...
        raise _damaged(f"{info.filename}: {type(exc).__name__}: {exc}"[:200]) from None


def _read(raw: BinaryIO, name: str) -> bytes:
    """The next unpacked chunk of a part; damage (bad CRC, broken deflate stream) as WorkbookError."""
    try:
        return raw.read(_CHUNK)
    except Exception as exc:  # noqa: BLE001 - bad CRC, broken deflate stream, truncated file...
        raise _damaged(f"{name}: {type(exc).__name__}: {exc}"[:200]) from None


def _too_big(name: str, size: int, cap: int) -> WorkbookError:
    return WorkbookError(
        f"the workbook part {name} unpacks to more than {cap // _MIB} MB ({size // _MIB} MB or more): "
        "split the list or save it as CSV",
        f"bagian workbook {name} berukuran lebih dari {cap // _MIB} MB setelah dibuka ({size // _MIB} MB "
        "atau lebih): bagi daftar atau simpan sebagai CSV")


def _cell_too_long(where: str, di: str) -> WorkbookError:
    """``where`` names the cell in English, ``di`` in Bahasa Indonesia."""
    return WorkbookError(
        f"{where}: text longer than {MAX_CELL_CHARS:,} characters (more than Excel allows): refused",
        f"{di}: teks lebih dari {group_digits(MAX_CELL_CHARS)} karakter (melebihi batas Excel): ditolak")


def _too_deep(name: str) -> WorkbookError:
    return _damaged(f"{name}: elements nested more than {MAX_DEPTH} deep",
                    f"{name}: elemen bertingkat lebih dari {MAX_DEPTH} lapis")


# -- the workbook -------------------------------------------------------------------------

_SHARED_STRINGS = "/sharedStrings"
_STYLES = "/styles"
_WORKSHEET = "/worksheet"
_OFFICE_DOCUMENT = "/officeDocument"
_PLAIN, _DATE, _SCI = 0, 1, 2


class Workbook:
    """The sheets of an .xlsx file object (kept open by the caller), read lazily within the caps."""

    def __init__(self, f: BinaryIO, size: int):
        check_directory(f, size)
        try:
            self._zip = zipfile.ZipFile(f)
        except Exception as exc:  # noqa: BLE001 - zipfile raises many kinds on a damaged directory
            raise _damaged(f"zip: {type(exc).__name__}: {exc}"[:200]) from None
        try:
            names = set(self._zip.namelist())
            if "mimetype" in names:
                with self._zip.open("mimetype") as m:
                    if b"opendocument" in m.read(100):
                        raise WorkbookError("OpenDocument spreadsheet (.ods): save it as .xlsx or CSV",
                                            "file OpenDocument (.ods): simpan sebagai .xlsx atau CSV")
            book = self._main_part(names)
            rels = self._relationships(book)
            self._sheets: list[tuple[str, str]] = []  # (name, part)
            self._date1904 = False
            self._read_workbook(book, rels)
            strings = next((t for k, t in rels.values() if k.endswith(_SHARED_STRINGS)), None)
            styles = next((t for k, t in rels.values() if k.endswith(_STYLES)), None)
            self._strings = self._read_strings(strings) if strings in names else _SharedStrings()
            self._kinds = self._read_styles(styles) if styles in names else []
        except BaseException:
            self._zip.close()
            raise

    @property
    def sheet_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self._sheets)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- structure
    def _main_part(self, names: set[str]) -> str:
        if "_rels/.rels" in names:
            for kind, target in self._relationships("").values():
                if kind.endswith(_OFFICE_DOCUMENT) and target in names:
                    return target
        return "xl/workbook.xml"

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """Id -> (type, part path) of ``part``'s relationships ("" = the package's own)."""
        folder, base = posixpath.split(part)
        rels_name = posixpath.join(folder, "_rels", base + ".rels")
        out: dict[str, tuple[str, str]] = {}
        if rels_name not in self._zip.NameToInfo:
            return out
        for _, attrs, _ in _elements(self._zip, rels_name, "Relationship"):
            target = attrs.get("Target") or ""
            if attrs.get("TargetMode") == "External":
                continue
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            out[attrs.get("Id") or ""] = (attrs.get("Type") or "", posixpath.normpath(path))
        return out

    def _read_workbook(self, book: str, rels: dict[str, tuple[str, str]]) -> None:
        for tag, attrs, _ in _elements(self._zip, book, "workbookPr", "sheet"):
            if tag == "workbookPr":
                self._date1904 = (attrs.get("date1904") or "").lower() in ("1", "true")
                continue
            rid = next((v for k, v in attrs.items() if " " in k and _local(k) == "id"), "")
            kind, part = rels.get(rid, ("", ""))
            if kind.endswith(_WORKSHEET) and part in self._zip.NameToInfo:
                self._sheets.append(((attrs.get("name") or "")[:200], part))
            if len(self._sheets) > MAX_SHEETS:
                raise WorkbookError(f"the workbook has more than {MAX_SHEETS} sheets: keep only the list",
                                    f"workbook berisi lebih dari {MAX_SHEETS} sheet: simpan daftarnya saja")

    def _read_strings(self, part: str) -> _SharedStrings:
        table = _SharedStrings()
        for _ in _parse(self._zip, part, MAX_STRINGS_BYTES, _Strings(table)):
            pass
        return table

    def _read_styles(self, part: str) -> list[int]:
        """The kind of number each cell style shows (plain, date, scientific), by style index."""
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

        formats: dict[int, str] = dict(BUILTIN_FORMATS)
        kinds: list[int] = []
        for tag, attrs, parent in _elements(self._zip, part, "numFmt", "xf"):
            fid = attrs.get("numFmtId") or "0"
            fid_n = int(fid) if fid.isdigit() and len(fid) < 9 else -1
            if tag == "numFmt" and parent == "numFmts":
                formats[fid_n] = (attrs.get("formatCode") or "")[:255]
            elif tag == "xf" and parent == "cellXfs":
                if len(kinds) >= MAX_STYLES:
                    raise _damaged(f"more than {MAX_STYLES} cell styles", f"lebih dari {MAX_STYLES} gaya sel")
                code = formats.get(fid_n, "")
                upper = code.upper()
                kinds.append(_SCI if ("E+" in upper or "E-" in upper) else _DATE if is_date_format(code) else _PLAIN)
        return kinds

    # -- cells
    def rows(self, sheet: str, *, max_columns: int) -> Iterator[tuple[int, tuple]]:
        """(row number, cell values) of every row that has a ``<row>`` element, trailing empty cells dropped.

        Close the iterator when stopping early (``contextlib.closing``) to release the zip stream.
        """
        for batch in _parse(self._zip, dict(self._sheets)[sheet], MAX_SHEET_BYTES, _Rows(self, max_columns)):
            yield from batch

    def _value(self, t: str | None, style: str | None, v: str | None, inline: str | None, row_no: int,
               col: int) -> Any:
        """A cell's value from its type ``t``, style, ``<v>`` text and inline text."""
        if t == "inlineStr":
            return inline or None
        if v is None:
            return None
        if t == "s":
            v = v.strip()
            if not v.isdigit() or len(v) > 12 or int(v) >= len(self._strings):
                where, di = _where(row_no, col)
                raise _damaged(f"{where}: shared text {v[:20]!r} missing", f"{di}: teks bersama {v[:20]!r} tidak ada")
            return self._strings[int(v)]
        if t in ("str", "e"):
            return v
        if t == "b":
            return v.strip() in ("1", "true")
        if t == "d":
            return _iso_date(v)
        return self._number(v, style)

    def _number(self, v: str, style: str | None) -> Any:
        text = v.strip()
        try:
            value: Any = float(text) if any(ch in text for ch in ".eE") else int(text)
        except ValueError:
            return v
        kind = self._kinds[int(style)] if style and style.isdigit() and int(style) < len(self._kinds) else _PLAIN
        if kind == _SCI:
            return SciNumber(value)
        if kind == _DATE:
            from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel
            try:
                return from_excel(value, CALENDAR_MAC_1904 if self._date1904 else CALENDAR_WINDOWS_1900)
            except (ValueError, OverflowError, TypeError):
                return value
        return value


def column_letters(col: int) -> str:
    """0 -> ``A``, 25 -> ``Z``, 26 -> ``AA`` (the inverse of :func:`column_index`)."""
    letters = ""
    n = col + 1
    while n > 0:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _where(row_no: int, col: int) -> tuple[str, str]:
    """A cell named for a person: ("row 2, cell A2", "baris 2, sel A2")."""
    ref = f"{column_letters(col)}{row_no}"
    return f"row {row_no}, cell {ref}", f"baris {row_no}, sel {ref}"


def _iso_date(v: str) -> Any:
    from datetime import datetime

    try:
        return datetime.fromisoformat(v.strip().rstrip("Z"))
    except ValueError:
        return v


def _too_many_strings(n: int) -> WorkbookError:
    return WorkbookError(
        f"the workbook holds too many different texts ({n:,}; at most {MAX_SHARED_STRINGS:,}): "
        "split the list or save it as CSV",
        f"workbook berisi terlalu banyak teks berbeda ({group_digits(n)}; paling banyak {group_digits(MAX_SHARED_STRINGS)}): "
        "bagi daftar atau simpan sebagai CSV")


class _SharedStrings:
    """The shared strings table in compact form: one UTF-8 buffer and the end offset of each string."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._ends = array("I")  # 4 bytes each: offsets stay below MAX_STRINGS_BYTES

    def append(self, text: str) -> None:
        self._buf += text.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._buf))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> str:
        start = self._ends[i - 1] if i else 0
        return self._buf[start:self._ends[i]].decode("utf-8", "surrogatepass")
