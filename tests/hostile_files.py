"""Workbooks written part by part, streamed into the zip: normal big lists and hostile ones.

Used by tests/people/test_xlsx.py (small sizes) and bench/bench_import.py (full sizes).
Each writer streams its XML into the zip (deflate level 9), so even a gigabyte
of XML never sits in memory.  Numbers are fakes (0812-xxxx-xxxx).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from firmware.people.xlsx import column_letters

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER = ("No", "Nama", "No HP", "RT", "RW", "Kelurahan", "Jabatan")

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<workbook xmlns="{NS}" xmlns:r="{REL}"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    '</Relationships>')


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_xlsx(path: Path, sheet: Iterable[str], strings: Iterable[str] = (), *, workbook: str = WORKBOOK,
               extra: dict[str, Iterable[str]] | None = None) -> Path:
    """A workbook whose sheet1.xml and sharedStrings.xml are the concatenated pieces given (streamed)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", PACKAGE_RELS)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        parts = {"xl/worksheets/sheet1.xml": sheet, "xl/sharedStrings.xml": strings, **(extra or {})}
        for name, pieces in parts.items():
            if not pieces:
                continue  # no shared strings: the relationship points nowhere, as some writers leave it
            with z.open(name, "w", force_zip64=True) as f:
                for piece in pieces:
                    f.write(piece.encode("utf-8"))
    return path


def sheet_xml(rows: Iterable[Iterable[str]], *, dimension: str = "", newline: str = "") -> Iterator[str]:
    """A worksheet of ``rows``, each a list of ``<c>`` elements (strings) in order."""
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS}">'
    if dimension:
        yield f'<dimension ref="{dimension}"/>'
    yield "<sheetData>"
    for r, cells in enumerate(rows, start=1):
        yield f'<row r="{r}">' + "".join(cells) + "</row>" + newline
    yield "</sheetData></worksheet>"


def inline(col: int, row: int, text: str) -> str:
    return f'<c r="{column_letters(col)}{row}" t="inlineStr"><is><t>{_esc(text)}</t></is></c>'


def shared(col: int, row: int, index: int) -> str:
    return f'<c r="{column_letters(col)}{row}" t="s"><v>{index}</v></c>'


def strings_xml(texts: Iterable[str], count: int | None = None) -> Iterator[str]:
    unique = f' uniqueCount="{count}"' if count is not None else ""
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{NS}"{unique}>'
    for text in texts:
        yield f"<si><t>{_esc(text)}</t></si>"
    yield "</sst>"


def _person(i: int) -> list[str]:
    n = f"{i:08d}"
    roles = ("Ketua RT", "Ketua RW", "Kader Posyandu", "Warga")
    return [str(i + 1), f"Warga {i}", f"0812-{n[:4]}-{n[4:]}", str(i % 10 + 1), str(i // 10 % 10 + 1),
            f"Kelurahan {i % 20:02d}", roles[i % 4]]


def big_list(path: Path, rows: int) -> Path:
    """``rows`` distinct contacts as Excel writes them: every text in the shared strings table."""
    index: dict[str, int] = {}

    def ref(text: str) -> int:
        return index.setdefault(text, len(index))

    def table() -> Iterator[list[str]]:
        yield [shared(c, 1, ref(h)) for c, h in enumerate(HEADER)]
        for i in range(rows):
            values = _person(i)
            yield [f'<c r="A{i + 2}"><v>{values[0]}</v></c>'] + [
                shared(c, i + 2, ref(v)) for c, v in enumerate(values) if c]

    sheet = list(sheet_xml(table(), dimension=f"A1:G{rows + 1}"))  # fills ``index`` before the strings are written
    return write_xlsx(path, sheet, strings_xml(index, len(index)))


def header_row() -> list[str]:
    return [inline(0, 1, "Nama"), inline(1, 1, "No HP")]


def huge_cell(path: Path, chars: int) -> Path:
    """One inline text of ``chars`` characters on row 2."""
    def rows():
        yield header_row()
        yield [inline(0, 2, "A" * chars), inline(1, 2, "0812-0000-7890")]
    return write_xlsx(path, sheet_xml(rows()))


def _around(head: str, chars: int, tail: str) -> Iterator[str]:
    """``head``, ``chars`` x's (1 MB at a time), ``tail``."""
    yield head
    for start in range(0, chars, 1 << 20):
        yield "x" * min(1 << 20, chars - start)
    yield tail


def huge_attribute(path: Path, chars: int) -> Path:
    """A cell with an attribute of ``chars`` characters (expat holds a whole tag before reporting it)."""
    return write_xlsx(path, _around(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>'
                                    '<row r="1"><c r="A1" x="', chars, '"/></row></sheetData></worksheet>'))


def huge_shared_string(path: Path, chars: int) -> Path:
    """A shared strings table whose first string has ``chars`` characters (streamed in pieces)."""
    rows = [header_row(), [shared(0, 2, 0), inline(1, 2, "0812-0000-7890")]]
    return write_xlsx(path, sheet_xml(rows), _around(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}"><si><t>',
                                                     chars, "</t></si></sst>"))


def many_shared_strings(path: Path, count: int, *, declare: bool = True) -> Path:
    """``count`` distinct short shared strings (declared in ``uniqueCount`` or not)."""
    rows = [header_row(), [shared(0, 2, 0), inline(1, 2, "0812-0000-7890")]]
    return write_xlsx(path, sheet_xml(rows), strings_xml((f"s{i}" for i in range(count)),
                                                          count if declare else None))


def zip_bomb(path: Path, megabytes: int, *, declared: bool = True) -> Path:
    """A sheet of ``megabytes`` MB of blank cells in one row, compressed ~1000:1.

    ``declared=False`` makes the zip's directory claim a tiny size (a lying bomb).
    """
    block = "<c/>" * (1 << 18)  # 1 MiB

    def sheet():
        yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData><row r="1">'
        for _ in range(megabytes):
            yield block
        yield "</row></sheetData></worksheet>"
    write_xlsx(path, sheet())
    if not declared:
        _lie_about_size(path, "xl/worksheets/sheet1.xml", 4096)
    return path


def _lie_about_size(path: Path, member: str, size: int) -> None:
    """Rewrite the uncompressed size of ``member`` in the central directory (zip64 extra field too)."""
    import struct

    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x05\x06")
    cd = struct.unpack_from("<L", data, at + 16)[0]
    while data[cd:cd + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<3H", data, cd + 28)
        name = bytes(data[cd + 46:cd + 46 + name_len]).decode()
        if name == member:
            if struct.unpack_from("<L", data, cd + 24)[0] == 0xFFFFFFFF:
                extra = cd + 46 + name_len
                struct.pack_into("<Q", data, extra + 4, size)  # zip64: uncompressed size first
            else:
                struct.pack_into("<L", data, cd + 24, size)
        cd += 46 + name_len + extra_len + comment_len
    path.write_bytes(bytes(data))


def many_columns(path: Path, columns: int, rows: int = 20) -> Path:
    """``rows`` rows of ``columns`` numeric cells each (a sheet as wide as Excel allows)."""
    def table():
        yield header_row()
        for r in range(2, rows + 2):
            yield [f'<c r="{column_letters(c)}{r}"><v>{c}</v></c>' for c in range(columns)]
    return write_xlsx(path, sheet_xml(table(), dimension=f"A1:{column_letters(columns - 1)}{rows + 1}"))


def huge_dimension(path: Path) -> Path:
    """A two-row list that claims to fill the whole grid (A1:XFD1048576)."""
    rows = [header_row(), [inline(0, 2, "Ani"), inline(1, 2, "0812-0000-7890")]]
    return write_xlsx(path, sheet_xml(rows, dimension="A1:XFD1048576"))


def deep_xml(path: Path, depth: int) -> Path:
    """A cell nested ``depth`` elements deep."""
    def sheet():
        yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData><row r="1">'
        yield "<x>" * depth
        yield "</x>" * depth
        yield "</row></sheetData></worksheet>"
    return write_xlsx(path, sheet())


def entity_bomb(path: Path, *, external: bool = False) -> Path:
    """Billion laughs in the sheet (or an external entity reading /etc/passwd)."""
    if external:
        dtd = '<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        body = "&x;"
    else:
        dtd = "<!DOCTYPE worksheet [<!ENTITY a0 \"lollollollol\">" + "".join(
            f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)) + "]>"
        body = "&a9;"
    sheet = [f'<?xml version="1.0" encoding="UTF-8"?>{dtd}<worksheet xmlns="{NS}"><sheetData><row r="1">'
             f'<c r="A1" t="inlineStr"><is><t>No HP {body}</t></is></c></row></sheetData></worksheet>']
    return write_xlsx(path, sheet)


def one_line(path: Path, rows: int) -> Path:
    """``rows`` contacts with inline strings and not one newline in the whole sheet."""
    def table():
        yield header_row()
        for i in range(rows):
            yield [inline(0, i + 2, f"Warga {i}"), inline(1, i + 2, _person(i)[2])]
    return write_xlsx(path, sheet_xml(table()))


#: The hostile workbooks the bench measures: name -> writer(path) at full size.
HOSTILE: dict[str, Callable[[Path], Path]] = {
    "huge cell (50 MB inline text)": lambda p: huge_cell(p, 50_000_000),
    "huge attribute (50 MB)": lambda p: huge_attribute(p, 50_000_000),
    "huge shared string (200 MB)": lambda p: huge_shared_string(p, 200_000_000),
    "millions of shared strings (5 M, declared)": lambda p: many_shared_strings(p, 5_000_000),
    "millions of shared strings (3 M, undeclared)": lambda p: many_shared_strings(p, 3_000_000, declare=False),
    "1.6 M shared strings (undeclared, < 64 MB)": lambda p: many_shared_strings(p, 1_600_000, declare=False),
    "1.4 M shared strings (within every cap)": lambda p: many_shared_strings(p, 1_400_000, declare=False),
    "zip bomb (1 GB of cells)": lambda p: zip_bomb(p, 1024),
    "zip bomb lying about its size": lambda p: zip_bomb(p, 1024, declared=False),
    "16,384 columns x 200 rows": lambda p: many_columns(p, 16_384, 200),
    "1,024 columns x 3,900 rows (at the cell caps)": lambda p: many_columns(p, 1_024, 3_900),
    "dimension A1:XFD1048576": huge_dimension,
    "deep XML (1 M levels)": lambda p: deep_xml(p, 1_000_000),
    "billion laughs": entity_bomb,
    "external entity (XXE)": lambda p: entity_bomb(p, external=True),
    "100,000 rows, no newline": lambda p: one_line(p, 100_000),
}
