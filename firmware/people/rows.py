"""What the cells of one row of a contact list mean: the phone number, the header, text, RT/RW.

The row rules of the importer (:mod:`firmware.people.importer` reads the files and walks the rows;
its :class:`~firmware.people.importer.Sheet` applies these rules to each one): :func:`parse_number_cell` reads
a number as offices type it (separators, a lost leading zero, ``81200007890.0``, scientific notation
refused with the fix); :func:`find_header` and :func:`field_of` find the header row and name its
columns from Indonesian and English labels; :func:`canonical_unit` and :func:`split_rt_rw` write RT/RW
the one way the box stores them.  Pure functions: no file, no SQL.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time as dtime
from typing import Any, NamedTuple

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberType

from firmware.people.numbers import ForeignNumber, InvalidNumber, NumberHasLetters, normalise
from firmware.people.xlsx import SciNumber


#: Columns read per row (office lists use a dozen).
MAX_COLUMNS = 100
#: Rows searched for the header (title rows above it).
HEADER_SEARCH_ROWS = 30
# -- numbers -----------------------------------------------------------------------

# Same separators as firmware.people.numbers.normalise.
_SEPARATORS = re.compile(r"[\s\-\.\(\)/]")
# +62 / 62 / +620 / 0 / nothing, then a national number starting with 8.
_FAST = re.compile(r"(?:\+?620?|0)?(8[0-9]{8,11})")


def _desc(desc) -> tuple[frozenset[int], re.Pattern] | None:
    if desc is None or not desc.national_number_pattern:
        return None
    return frozenset(desc.possible_length), re.compile(desc.national_number_pattern)


def _mobile_check() -> Callable[[str], bool]:
    """libphonenumber's ``number_type(...) == MOBILE`` for an Indonesian national number, from the
    installed metadata, with the patterns compiled once (its own lookups cost most of the time)."""
    md = phonenumbers.PhoneMetadata.metadata_for_region("ID")
    general = _desc(md.general_desc)
    before = [d for d in (_desc(getattr(md, name)) for name in (
        "premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail",
        "fixed_line")) if d is not None]
    mobile = _desc(md.mobile)
    if general is None or mobile is None or md.same_mobile_and_fixed_line_pattern:
        return lambda nn: phonenumbers.number_type(
            PhoneNumber(country_code=62, national_number=int(nn))) == PhoneNumberType.MOBILE

    # Per length: the general and mobile patterns, and the patterns checked before mobile that
    # accept that length (libphonenumber skips a description whose lengths do not fit).
    by_length: dict[int, tuple[re.Pattern, re.Pattern, list[re.Pattern]]] = {}
    for length in range(1, 18):
        if all(not d[0] or length in d[0] for d in (general, mobile)):
            by_length[length] = (general[1], mobile[1], [d[1] for d in before if not d[0] or length in d[0]])

    def is_mobile(nn: str) -> bool:
        checks = by_length.get(len(nn))
        if checks is None:
            return False
        general_re, mobile_re, before_re = checks
        if general_re.fullmatch(nn) is None or mobile_re.fullmatch(nn) is None:
            return False
        for pattern in before_re:
            if pattern.fullmatch(nn) is not None:
                return False
        return True

    return is_mobile


_is_mobile = _mobile_check()


def to_e164(raw: str) -> str:
    """:func:`firmware.people.numbers.normalise`, with a fast path for the usual mobile forms.

    The fast path asks libphonenumber's metadata only whether the national number
    is mobile (about 2 us instead of 65 us: a 100,000-row import needs it);
    anything else, and every error, goes through ``normalise``.  The two agree on
    every input (``tests/people/test_importer.py`` checks it with hypothesis).
    """
    text = _SEPARATORS.sub("", str(raw or "").strip())
    m = _FAST.fullmatch(text)
    if m and _is_mobile(m.group(1)):
        return "+62" + m.group(1)
    return normalise(raw)


class NumberCell(NamedTuple):
    """What one phone cell holds: ``numbers`` (valid, E.164, in order) or the ``problem`` (code, en, id)."""

    typed: str
    numbers: tuple[str, ...] = ()
    problem: tuple[str, str, str] | None = None


_SCI_TEXT = re.compile(r"[+-]?(\d+)(?:[.,](\d*))?\s*[eE]\s*\+?(\d{1,3})")
_FLOAT_TEXT = re.compile(r"(\d{6,})[.,]0+")
_RUN = re.compile(r"\+?[0-9][0-9\s\-.()]*[0-9]")
_DASHES = re.compile(r"[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]")
_QUOTED_FORMULA = re.compile(r'="(.*)"', re.DOTALL)

_SCI_PROBLEM = (
    "scientific",
    "number in scientific notation ({typed}): Excel has dropped its last digits. "
    "Format the number column as Text, then type the numbers again",
    "nomor tertulis dalam notasi ilmiah ({typed}): Excel sudah menghapus digit terakhirnya. "
    "Format kolom nomor sebagai Teks, lalu ketik ulang nomornya",
)


def _sci(typed: str) -> tuple[str, str, str]:
    code, en, id_ = _SCI_PROBLEM
    return code, en.format(typed=typed), id_.format(typed=typed)


def _digits_of_number(value: float | int) -> str | None:
    """Digits of an integral numeric cell (None for fractions, negatives, huge values)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if value != value or value < 0 or value >= 1e16 or not value.is_integer():
            return None
        return str(int(value))
    if value < 0 or value >= 10**16:
        return None
    return str(value)


def _looks_truncated(digits: str, sci_format: bool) -> bool:
    """Digits Excel rounded away: shown as E+ (a scientific format, or General with 12+ digits)
    and no more than General's 6 significant digits left."""
    return len(digits) >= 10 and (sci_format or len(digits) >= 12) and len(digits.rstrip("0")) <= 6


def parse_number_cell(value: Any) -> NumberCell:
    """Read one phone cell as typed or stored: every valid number in it, or why there is none."""
    if value is None:
        return NumberCell("", problem=_NO_NUMBER)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        digits = _digits_of_number(value)
        sci = isinstance(value, SciNumber)
        typed = f"{value:.5E}" if sci else (digits if digits is not None else repr(value))
        if digits is None:
            return NumberCell(typed, problem=_invalid(typed, None))
        if _looks_truncated(digits, sci):
            return NumberCell(f"{float(value):.5E}", problem=_sci(f"{float(value):.5E}"))
        return _from_text(digits, typed)
    if isinstance(value, (datetime, date, dtime)):
        typed = value.isoformat()
        return NumberCell(typed, problem=_invalid(typed, None))
    text = str(value)
    typed = _clean_text(text)
    if not typed:
        return NumberCell("", problem=_NO_NUMBER)
    return _from_text(typed, typed)


_PLAIN = re.compile(r"\+?[0-9][0-9 \-.()]*[0-9]")


def _from_text(text: str, typed: str) -> NumberCell:
    if _PLAIN.fullmatch(text) and "." not in text[-3:]:
        # The usual cell (0812-0000-7890, +62 812 ..., 0812.0000.7890): one number, no quirks.
        try:
            return NumberCell(typed, (to_e164(text),))
        except InvalidNumber:
            pass  # the slow path finds the best reason (and a second number)
    text = _DASHES.sub("-", unicodedata.normalize("NFKC", text)).strip()
    m = _QUOTED_FORMULA.fullmatch(text)  # ="0812..." (Excel's keep-as-text trick, our rejected CSV)
    if m:
        text = m.group(1).strip()
    text = text.lstrip("'").strip()
    sci = _SCI_TEXT.fullmatch(text)
    if sci:
        whole, frac, exp = sci.group(1), sci.group(2) or "", int(sci.group(3))
        if len(frac) < exp:
            return NumberCell(typed, problem=_sci(typed))
        text = (whole + frac)[: len(whole) + exp]  # every digit is there: exact (Excel never writes that)
    fl = _FLOAT_TEXT.fullmatch(text)
    if fl:
        text = fl.group(1)  # 81200007890.0: a number Excel stored as a float
    found = [m for m in _RUN.finditer(text) if sum(ch.isdigit() for ch in m.group(0)) >= 7]
    runs = [m.group(0) for m in found]
    if any(_glued_letter(text, m) for m in found):
        runs = [text]  # 0812-0000-789O: the letter is part of the number, and normalise says so
    if not runs:
        if not any(ch.isdigit() for ch in text):
            return NumberCell(typed, problem=_NO_NUMBER)
        runs = [text]
    numbers: list[str] = []
    first_error: InvalidNumber | None = None
    first_run = runs[0]
    for run in runs[:5]:
        try:
            number = to_e164(run)
        except InvalidNumber as exc:
            if first_error is None:
                first_error, first_run = exc, run
            continue
        if number not in numbers:
            numbers.append(number)
    if numbers:
        return NumberCell(typed, tuple(numbers))
    return NumberCell(typed, problem=_invalid(first_run, first_error))


def _glued_letter(text: str, run: re.Match) -> bool:
    """A letter typed inside a number: right after its digits (``...789O``), or a lone letter right
    before them (``O812...``).  A word before them is a label (``HP0812...``)."""
    after = text[run.end():run.end() + 1]
    before = text[max(run.start() - 2, 0):run.start()]
    return after.isalpha() or (before[-1:].isalpha() and not before[:-1].isalpha())


_NO_NUMBER = ("no_number", "no phone number in this row", "baris ini tidak berisi nomor HP")


def _invalid(run: str, exc: InvalidNumber | None) -> tuple[str, str, str]:
    if isinstance(exc, (NumberHasLetters, ForeignNumber)):  # the reason itself, whatever the digit count
        return ("invalid", exc.reason, exc.pesan)
    digits = "".join(ch for ch in run if ch.isdigit())
    national = digits[2:] if digits.startswith("62") else digits.lstrip("0")
    if len(national) > 12:
        return ("invalid", "too many digits (two numbers without a separator?)",
                "digit terlalu banyak (dua nomor tanpa pemisah?)")
    if exc is None:
        return ("invalid", "not a phone number", "bukan nomor telepon")
    if len(national) < 9 and national.startswith("8"):
        return ("invalid", f"too few digits ({exc.reason})", f"digit kurang ({exc.pesan})")
    return ("invalid", exc.reason, exc.pesan)


# -- header -------------------------------------------------------------------------

_NUM_PREFIX = r"(?:no|nomor|nomer|nmr|nmor)?"
_PHONE = re.compile(
    _NUM_PREFIX + r"(?:hp|handphone|hape|telp|telpon|telepon|tlp|tilp|ponsel|seluler|selular|whatsapp|wa(?:$|hp|aktif))"
    r"|(?:mobile|cell|cellphone|tel|telephone|phone|msisdn|contact|kontak)(?:no|number|nr|phone)?"
    r"|phonenumber|mobilenumber|number|nohpwa|nowa.*|nomorwa.*|hpwa.*")
_PHONE_PREFIX = re.compile(_NUM_PREFIX + r"(?:hp|telp|telepon|tlp|ponsel|whatsapp|handphone)")
_EXACT = {
    "name": {"nama", "name", "namalengkap", "fullname", "namakontak", "namapenerima", "namawarga", "namapejabat",
             "namaketua", "namapetugas", "namakader", "nm", "nama/name"},
    "desa": {"desa", "kelurahan", "kel", "desakelurahan", "kelurahandesa", "desakel", "keldesa", "namadesa",
             "namakelurahan", "village", "ds", "kalurahan", "nagari", "gampong"},
    "kecamatan": {"kecamatan", "kec", "namakecamatan", "district", "distrik"},
    "dusun": {"dusun", "dsn", "namadusun", "lingkungan", "dukuh", "banjar", "kampung", "jorong", "hamlet",
              "padukuhan", "dusunlingkungan"},
    "rt": {"rt", "nort", "nomorrt", "rtno", "rukuntetangga"},
    "rw": {"rw", "norw", "nomorrw", "rwno", "rukunwarga"},
    "rtrw": {"rtrw", "rtdanrw", "nortrw", "rtrwno"},
    "role": {"jabatan", "peran", "role", "position", "title", "jabatanperan", "perananjabatan", "kedudukan",
             "posisi", "tugas", "jabatandinas", "jabatan/peran"},
    "notes": {"keterangan", "ket", "catatan", "notes", "note", "remarks", "remark", "comment", "comments",
              "informasi", "info", "ketcatatan"},
}


def header_key(label: Any) -> str:
    """``"No. HP"`` -> ``"nohp"``: lower case, accents and everything but letters and digits dropped."""
    text = unicodedata.normalize("NFKD", str(label or "")).lower()
    return "".join(ch for ch in text if "a" <= ch <= "z" or "0" <= ch <= "9")


def field_of(label: Any) -> str | None:
    """The contact field a header cell names (``number``, ``name``, ``desa``, ... ``rtrw``), or None."""
    key = header_key(label)
    if not key or len(key) > 40:
        return None
    for name, keys in _EXACT.items():
        if key in keys:
            return name
    if _PHONE.fullmatch(key):
        return "number"
    if len(key) > 20:  # prefixes only for short labels: a title row is longer
        return None
    if _PHONE_PREFIX.match(key):
        return "number"
    for prefix, name in (("namadesa", "desa"), ("namakel", "desa"), ("namadusun", "dusun"), ("desa", "desa"),
                         ("kelurahan", "desa"), ("namakec", "kecamatan"), ("kecamatan", "kecamatan"), ("dusun", "dusun"),
                         ("jabatan", "role"), ("keterangan", "notes"), ("nama", "name")):
        if key.startswith(prefix):
            return name
    return None


@dataclass(frozen=True)
class Header:
    """Where the header is and which columns hold which field (``number`` may name several)."""

    row: int  # 1-based; 0 = no header row (numbers only)
    columns: dict[str, tuple[int, ...]]
    labels: dict[str, str]
    ignored: tuple[str, ...] = ()


def find_header(rows: list[tuple[int, tuple]]) -> Header | None:
    """The row (of the first 30 of ``rows``: (row number, cells)) naming a phone column and the most
    other fields; the earliest on a tie (a title like "No HP Ketua RT" above the real header loses)."""
    best: Header | None = None
    for row_no, cells in rows[:HEADER_SEARCH_ROWS]:
        columns: dict[str, list[int]] = {}
        labels: dict[str, str] = {}
        ignored: list[str] = []
        for i, cell in enumerate(cells):
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                continue
            name = field_of(cell)
            if name is None:
                ignored.append(_clean_text(str(cell))[:40])
                continue
            if name != "number" and name in columns:
                continue  # the first column of a field wins
            columns.setdefault(name, []).append(i)
            labels.setdefault(name, _clean_text(str(cell))[:40])
        if "number" in columns and (best is None or len(columns) > len(best.columns)):
            best = Header(row_no, {k: tuple(v) for k, v in columns.items()}, labels, tuple(ignored))
    return best


def _looks_like_number(value: Any) -> bool:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value >= 1e7
    if isinstance(value, str):
        return sum(ch.isdigit() for ch in value) >= 8 and len(value) < 60
    return False


def find_number_column(rows: list[tuple[int, tuple]]) -> Header | None:
    """A file without a header: the column where most non-empty rows hold a number."""
    filled = [cells for _, cells in rows if any(_filled(c) for c in cells)]
    if not filled:
        return None
    width = max(len(c) for c in filled)
    best, best_count = None, 0
    for i in range(min(width, MAX_COLUMNS)):
        count = sum(1 for cells in filled if i < len(cells) and _looks_like_number(cells[i]))
        if count > best_count:
            best, best_count = i, count
    if best is None or best_count * 2 < len(filled):
        return None
    return Header(0, {"number": (best,)}, {"number": f"(kolom {best + 1})"})


def numbers_below(rows: list[tuple[int, tuple]], header: Header | None) -> int:
    """Number-looking cells under the header's phone column(s)."""
    if header is None:
        return 0
    cols = header.columns["number"]
    return sum(1 for row_no, cells in rows if row_no > header.row
               and any(i < len(cells) and _looks_like_number(cells[i]) for i in cols))


# -- cells ----------------------------------------------------------------------------

DIGIT = re.compile(r"[0-9]")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")
_SPACES = re.compile(r"\s+")


def _clean_text(text: str) -> str:
    if text.isprintable() and "  " not in text:
        return text.strip()
    return _SPACES.sub(" ", CONTROL_CHARS.sub(" ", text)).strip()


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def is_blank(cells: tuple) -> bool:
    """No cell holds anything but blanks."""
    try:
        return not "".join(cells).strip()  # a CSV row: all strings
    except TypeError:
        return not any(_filled(c) for c in cells)


def cell_text(value: Any) -> str:
    if value.__class__ is str:
        return _clean_text(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == dtime(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, dtime)):
        return value.isoformat()
    return _clean_text(str(value))


_UNIT_PREFIX = re.compile(r"^(?:rt|rw|nomor|no)\s*[.:]?\s*", re.IGNORECASE)
_UNIT_FLOAT = re.compile(r"(\d+)[.,]0+")
_RTRW = re.compile(r"\D*?(\d+)\s*\D+?\s*(\d+)\D*")
# A Ketua RW has no RT: offices write "-/005", "/005" or "RT - RW 5".
_RW_ONLY = re.compile(r"\s*(?:RT\.?)?\s*[-–—.0]*\s*(?:/|RW\.?)\s*(?:RW\.?)?\s*(\d+)\s*", re.I)


def canonical_unit(value: Any) -> str:
    """An RT or RW as stored: ``RW 3``, ``003``, ``3.0``, 3 -> ``"03"``; ``12`` -> ``"12"``; ``1A`` kept."""
    if isinstance(value, str) and value.isdigit() and value.isascii() and len(value) <= 6:
        return f"{int(value):02d}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            return cell_text(value)
        return f"{int(value):02d}" if 0 <= value < 10**6 else cell_text(value)
    text = cell_text(value)
    while True:
        stripped = _UNIT_PREFIX.sub("", text)
        if stripped == text:
            break
        text = stripped
    m = _UNIT_FLOAT.fullmatch(text)
    if m:
        text = m.group(1)
    if text.isascii() and text.isdigit() and len(text) <= 6:
        return f"{int(text):02d}"
    return text


def split_rt_rw(value: Any) -> tuple[str, str]:
    """A combined RT/RW cell (``003/005``, ``RT 3 RW 5``) -> (rt, rw), canonical; ("", "") if unreadable.

    A cell with only the RW (``-/005``, ``/005``: a Ketua RW) gives ("", rw).
    """
    text = cell_text(value)
    m = _RW_ONLY.fullmatch(text)
    if m:
        return "", canonical_unit(m.group(1))
    m = _RTRW.fullmatch(text)
    if not m:
        return "", ""
    return canonical_unit(m.group(1)), canonical_unit(m.group(2))
