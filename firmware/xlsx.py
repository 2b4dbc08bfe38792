"""A bounded, streaming reader for the cells of an .xlsx workbook (values only, as cached by Excel).

:mod:`firmware.importer` reads contact lists through it.  An upload is
anyone's file, so every resource is capped *while* reading, never after::

    with Workbook(open("ketua_rt.xlsx", "rb")) as wb:
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
- **The XML**: parsed with :class:`xml.etree.ElementTree.XMLPullParser` fed 64 KiB
  at a time; a DTD (``<!DOCTYPE``: entity bombs, external entities) is refused
  before the parser sees it; no more than :data:`MAX_QUIET_BYTES` may pass without
  an element starting or ending (a giant text, attribute or comment); nesting deeper
  than :data:`MAX_DEPTH` is refused; finished elements are dropped from the tree at
  once, so the tree never holds more than one chunk's worth of elements.
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

import codecs
import posixpath
import re
import struct
import zipfile
from array import array
from collections.abc import Iterator
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

from firmware.errors import BilingualError

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
#: Unpacked XML read without an element starting or ending: a text, attribute or comment this long is hostile.
MAX_QUIET_BYTES = 512 * 1024
#: Deepest element nesting (a worksheet needs 7).
MAX_DEPTH = 32
#: Most elements inside one cell or shared string (rich text runs).
MAX_SUBTREE = 10_000
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


def _damaged(what: str) -> WorkbookError:
    return WorkbookError(f"the workbook is damaged ({what}): save it again as .xlsx or CSV",
                         f"workbook rusak ({what}): simpan ulang sebagai .xlsx atau CSV")


def _local(tag: str) -> str:
    """``{namespace}c`` -> ``c`` (transitional and strict OOXML use different namespaces)."""
    return tag.rpartition("}")[2]


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
        raise _damaged("no zip directory")
    _, _, _, _, entries, dir_size, _, _ = _EOCD.unpack_from(tail, at)
    # 0xFFFF / 0xFFFFFFFF mean "see the zip64 record": an .xlsx never needs that many.
    if entries > MAX_ZIP_ENTRIES or dir_size > MAX_DIRECTORY_BYTES:
        raise WorkbookError(
            f"the workbook lists too many parts ({entries}; at most {MAX_ZIP_ENTRIES}): save it again as .xlsx",
            f"workbook berisi terlalu banyak bagian ({entries}; paling banyak {MAX_ZIP_ENTRIES}): "
            "simpan ulang sebagai .xlsx")
    f.seek(0)


def _events(z: zipfile.ZipFile, name: str, cap: int, keep: int) -> Iterator[tuple[str, str, Element]]:
    """Events of one XML part, within every XML cap: (``"start"``/``"end"``, local tag, element).

    Only elements at most ``keep`` deep are reported: ``end`` for those, ``start``
    for those less deep (containers such as ``row``).  An element reported at its
    end still holds its whole subtree (read it then); right after, it is detached
    from its parent, so the tree never holds more than the open elements and one
    reported element's subtree (at most :data:`MAX_SUBTREE` elements).
    """
    try:
        info = z.getinfo(name)
    except KeyError:
        raise _damaged(f"part {name} missing") from None
    if info.file_size > cap:
        raise _too_big(name, info.file_size, cap)
    parser = XMLPullParser(("start", "end"))
    opened: list[Any] = [None] * (keep + 1)  # opened[d]: the open element at depth d (d <= keep)
    local: dict[str, str] = {}
    depth = below = 0  # ``below``: elements deeper than ``keep`` held since the last detach
    prolog: str | None = ""  # text fed before the root element (None once it has started)
    quiet = read = 0
    decoder = None
    with _open_part(z, info) as raw:
        while True:
            chunk = _read(raw, name)
            read += len(chunk)
            if read > cap:
                raise _too_big(name, read, cap)
            if decoder is None:
                decoder = _xml_decoder(chunk[:64])
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                raise _damaged(f"{name}: not {exc.encoding} text") from None
            if prolog is not None:
                prolog += text
                if "<!DOCTYPE" in prolog or "<!ENTITY" in prolog:
                    raise WorkbookError(
                        f"the workbook part {name} declares a DTD (entities): refused; save it again from Excel",
                        f"bagian workbook {name} memuat DTD (entitas): ditolak; simpan ulang dari Excel")
            batch = _feed(parser, text, final=not chunk, name=name)
            if batch:
                quiet, prolog = 0, None
            else:
                quiet += len(chunk)
                if quiet > MAX_QUIET_BYTES:
                    raise WorkbookError(
                        f"the workbook part {name} has over {MAX_QUIET_BYTES // 1024} KB in one cell, text or tag: "
                        "refused",
                        f"bagian workbook {name} berisi lebih dari {MAX_QUIET_BYTES // 1024} KB dalam satu sel, "
                        "teks atau tag: ditolak")
            for event, elem in batch:
                if event == "start":
                    depth += 1
                    if depth > keep:
                        below += 1
                        if below > MAX_SUBTREE or depth > MAX_DEPTH:
                            raise _damaged(f"{name}: elements nested too deep or too many in one cell")
                        continue
                    opened[depth] = elem
                    if depth < keep:
                        tag = local.get(elem.tag) or local.setdefault(elem.tag, _local(elem.tag))
                        yield event, tag, elem
                else:
                    if depth <= keep:
                        tag = local.get(elem.tag) or local.setdefault(elem.tag, _local(elem.tag))
                        yield event, tag, elem
                        if depth > 1:
                            del opened[depth - 1][:]  # detach it (and finished siblings): the tree stays small
                        below = 0
                    depth -= 1
            if not chunk:
                return


def _feed(parser: XMLPullParser, text: str, *, final: bool, name: str) -> list:
    """Feed ``text`` and take every event it produced.

    The queue is drained in one C call: ``read_events()`` is a Python generator,
    a tenth of the reading time of a big sheet.
    """
    try:
        if text:
            parser.feed(text)
        if final:
            parser.close()
    except ParseError as exc:
        raise _damaged(f"{name}: {exc}") from None
    queue = getattr(parser, "_events_queue", None)
    if queue is None:  # pragma: no cover - a Python without the attribute: the public, slower way
        try:
            return list(parser.read_events())
        except ParseError as exc:
            raise _damaged(f"{name}: {exc}") from None
    batch = list(queue)
    queue.clear()
    for item in batch[-1:]:
        if isinstance(item, Exception):
            raise _damaged(f"{name}: {item}")
    return batch


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


_XML_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")


def _xml_decoder(head: bytes) -> codecs.IncrementalDecoder:
    """A strict decoder for the part's encoding (BOM, UTF-16 without BOM, the XML declaration, else UTF-8).

    The parser is fed text, so the DTD check above sees characters whatever the encoding.
    """
    if head.startswith(codecs.BOM_UTF8):
        name = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        name = "utf-16"
    elif head.startswith(b"<\x00?\x00"):
        name = "utf-16-le"
    elif head.startswith(b"\x00<\x00?"):
        name = "utf-16-be"
    else:
        m = _XML_ENCODING.match(head)
        name = m.group(1).decode("ascii") if m else "utf-8"
    try:
        return codecs.getincrementaldecoder(name)("strict")
    except LookupError:
        raise _damaged(f"unknown text encoding {name!r}") from None


def _too_big(name: str, size: int, cap: int) -> WorkbookError:
    return WorkbookError(
        f"the workbook part {name} unpacks to more than {cap // _MIB} MB ({size // _MIB} MB or more): "
        "split the list or save it as CSV",
        f"bagian workbook {name} berukuran lebih dari {cap // _MIB} MB setelah dibuka ({size // _MIB} MB "
        "atau lebih): bagi daftar atau simpan sebagai CSV")


def _rich_text(elem: Element, where: str) -> str:
    """The text of ``<si>`` or ``<is>``: its ``<t>``, or the ``<t>`` of each run ``<r>``; ``<rPh>`` (a
    pronunciation guide) is not part of it."""
    pieces: list[str] = []
    size = 0
    for child in elem:
        tag = _local(child.tag)
        if tag == "t":
            texts = [child.text or ""]
        elif tag == "r":
            texts = [t.text or "" for t in child if _local(t.tag) == "t"]
        else:
            continue
        for text in texts:
            size += len(text)
            if size > MAX_CELL_CHARS:
                raise _cell_too_long(where)
            pieces.append(text)
    return pieces[0] if len(pieces) == 1 else "".join(pieces)


def _cell_too_long(where: str) -> WorkbookError:
    return WorkbookError(
        f"{where}: text longer than {MAX_CELL_CHARS:,} characters (more than Excel allows): refused",
        f"{where}: teks lebih dari {MAX_CELL_CHARS:,} karakter (melebihi batas Excel): ditolak")


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
        for event, tag, elem in _events(self._zip, rels_name, MAX_PART_BYTES, keep=2):
            if event == "end" and tag == "Relationship":
                target = elem.get("Target") or ""
                if elem.get("TargetMode") == "External":
                    continue
                path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
                out[elem.get("Id") or ""] = (elem.get("Type") or "", posixpath.normpath(path))
                if len(out) > MAX_ZIP_ENTRIES:
                    raise _damaged(f"{rels_name}: too many relationships")
        return out

    def _read_workbook(self, book: str, rels: dict[str, tuple[str, str]]) -> None:
        for event, tag, elem in _events(self._zip, book, MAX_PART_BYTES, keep=3):
            if event != "end":
                continue
            if tag == "workbookPr":
                self._date1904 = (elem.get("date1904") or "").lower() in ("1", "true")
            elif tag == "sheet":
                rid = next((v for k, v in elem.attrib.items() if k.startswith("{") and _local(k) == "id"), "")
                kind, part = rels.get(rid, ("", ""))
                if kind.endswith(_WORKSHEET) and part in self._zip.NameToInfo:
                    self._sheets.append(((elem.get("name") or "")[:200], part))
                if len(self._sheets) > MAX_SHEETS:
                    raise WorkbookError(f"the workbook has more than {MAX_SHEETS} sheets: keep only the list",
                                        f"workbook berisi lebih dari {MAX_SHEETS} sheet: simpan daftarnya saja")

    def _read_strings(self, part: str) -> _SharedStrings:
        table = _SharedStrings()
        for event, tag, elem in _events(self._zip, part, MAX_STRINGS_BYTES, keep=2):
            if event == "start":
                declared = elem.get("uniqueCount") or ""
                if tag == "sst" and declared.isdigit() and int(declared) > MAX_SHARED_STRINGS:
                    raise _too_many_strings(int(declared))
            elif tag == "si":
                if len(table) >= MAX_SHARED_STRINGS:
                    raise _too_many_strings(len(table) + 1)
                table.append(_rich_text(elem, f"shared text number {len(table) + 1}"))
        return table

    def _read_styles(self, part: str) -> list[int]:
        """The kind of number each cell style shows (plain, date, scientific), by style index."""
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

        formats: dict[int, str] = dict(BUILTIN_FORMATS)
        kinds: list[int] = []
        in_xfs = in_formats = False
        for event, tag, elem in _events(self._zip, part, MAX_PART_BYTES, keep=3):
            if tag == "cellXfs":
                in_xfs = event == "start"
            elif tag == "numFmts":
                in_formats = event == "start"
            elif event == "end" and tag == "numFmt" and in_formats:
                fid = elem.get("numFmtId") or ""
                if fid.isdigit() and len(formats) < MAX_STYLES:
                    formats[int(fid)] = (elem.get("formatCode") or "")[:255]
            elif event == "end" and tag == "xf" and in_xfs:
                if len(kinds) >= MAX_STYLES:
                    raise _damaged(f"more than {MAX_STYLES} cell styles")
                fid = elem.get("numFmtId") or "0"
                code = formats.get(int(fid), "") if fid.isdigit() else ""
                upper = code.upper()
                kinds.append(_SCI if ("E+" in upper or "E-" in upper) else _DATE if is_date_format(code) else _PLAIN)
        return kinds

    # -- cells
    def rows(self, sheet: str, *, max_columns: int) -> Iterator[tuple[int, tuple]]:
        """(row number, cell values) of every row that has a ``<row>`` element, trailing empty cells dropped.

        Close the iterator when stopping early (``contextlib.closing``) to release the zip stream.
        """
        part = dict(self._sheets)[sheet]
        row_no = cells = total = 0
        col = -1
        values: list[Any] = []
        for event, tag, elem in _events(self._zip, part, MAX_SHEET_BYTES, keep=4):
            if tag == "c":
                ref = elem.get("r")
                col = column_index(ref) if ref else col + 1
                cells += 1
                if not 0 <= col < MAX_COLUMN:
                    raise _damaged(f"row {row_no}: cell {str(ref)[:20]!r} beyond Excel's last column")
                if cells > MAX_ROW_CELLS:
                    raise WorkbookError(
                        f"row {row_no} has more than {MAX_ROW_CELLS:,} cells: delete the unused columns "
                        "(or save the list as CSV)",
                        f"baris {row_no} berisi lebih dari {MAX_ROW_CELLS:,} sel: hapus kolom yang tidak dipakai "
                        "(atau simpan daftar sebagai CSV)")
                if col < max_columns:
                    value = self._value(elem, row_no, col)
                    if value is not None:
                        if col >= len(values):
                            values.extend([None] * (col - len(values)))
                            values.append(value)
                        else:
                            values[col] = value
            elif tag == "row":
                if event == "start":
                    r = elem.get("r")
                    row_no = int(r) if r and r.isdigit() and len(r) < 9 and int(r) > row_no else row_no + 1
                    if row_no > MAX_ROW:
                        raise _damaged(f"row number {row_no} beyond Excel's last row")
                    values, col, cells = [], -1, 0
                else:
                    total += cells
                    if total > MAX_CELLS:
                        raise WorkbookError(
                            f"the sheet has more than {MAX_CELLS:,} cells (at row {row_no}): split the list",
                            f"sheet berisi lebih dari {MAX_CELLS:,} sel (di baris {row_no}): bagi daftar")
                    yield row_no, tuple(values)

    def _value(self, c: Element, row_no: int, col: int) -> Any:
        """The value of cell element ``c`` (with its children)."""
        t = c.get("t")
        v = None
        for child in c:
            tag = child.tag
            if tag.endswith("}v") or tag == "v":
                v = child.text or ""
                if len(v) > MAX_CELL_CHARS:
                    raise _cell_too_long(_where(row_no, col))
            elif t == "inlineStr" and (tag.endswith("}is") or tag == "is"):
                return _rich_text(child, _where(row_no, col)) or None
        if v is None:
            return None
        if t == "s":
            if not v.isdigit() or int(v) >= len(self._strings):
                raise _damaged(f"{_where(row_no, col)}: shared text {v[:20]!r} missing")
            return self._strings[int(v)]
        if t in ("str", "e", "inlineStr"):
            return v
        if t == "b":
            return v.strip() in ("1", "true")
        if t == "d":
            return _iso_date(v)
        return self._number(v, c.get("s"))

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


def _where(row_no: int, col: int) -> str:
    letters = ""
    n = col + 1
    while n > 0:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"row {row_no}, cell {letters}{row_no}"


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
        f"workbook berisi terlalu banyak teks berbeda ({n:,}; paling banyak {MAX_SHARED_STRINGS:,}): "
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
