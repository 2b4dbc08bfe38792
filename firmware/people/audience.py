"""Audiences: who a campaign goes to, by wilayah, role and tag, evaluated live.

An :class:`Audience` is a frozen filter: desa/kelurahan, dusun, RW, RT,
role and tag.  Fields combine with AND, values within a field with OR::

    Audience(desa=("Sukajadi",), rw=((1, 5),), role=("Ketua RT", "Ketua RW"))
    # "every Ketua RT or Ketua RW of RW 01-05 in Kelurahan Sukajadi"

Matching is forgiving of how offices type their lists, and never of what
the user types into a filter (everything reaches SQLite as a parameter):

- desa/dusun: case and surrounding spaces ignored; "Kelurahan X", "Kel. X",
  "Desa X", "Ds. X" (and "Dusun X") match "X", in the filter and in the data.
- RW/RT: compared as numbers, so "01", "1", "001" and "RW 01" are the same;
  a filter is a number, a list and/or a range: ``"01-05"``, ``"1,3,7-9"``.
- role: case-insensitive; "Ketua RT" also matches "Ketua RT 03" (the role
  followed by a space and more), not "Ketua RTX".
- tag: case-insensitive tag name.

An audience with no filter at all is refused unless ``everyone=True``: a
typo must not turn "RW 01-05" into the whole kecamatan.

An RW/RT filter without a desa/kelurahan matches that RW/RT in every
kelurahan (:func:`spans_every_desa`): pages show :func:`wilayah_warning`
with the count per kelurahan (:func:`per_desa`).

Counts (:func:`count`) split the matched contacts into ``reachable``,
``opted_out`` (in ``optouts``, whatever else) and ``dead`` (flagged after a
permanent delivery failure, not opted out), so matched = the sum of the three.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from firmware.errors import BilingualError

#: Highest RT/RW number accepted in a filter (real ones stay under 100).
MAX_UNIT = 999
#: Longest saved audience name.
MAX_NAME = 100
#: Most values in one filter field (a guard against pasted junk, not a real limit).
MAX_VALUES = 200

_KEYS = ("desa", "dusun", "rw", "rt", "role", "tag", "everyone")

# Words an office may write before a place name, in the data or in a filter.
_PLACE_PREFIXES = ("kelurahan ", "kel. ", "kel.", "kel ", "desa ", "ds. ", "ds.", "ds ", "dusun ", "dsn. ",
                   "dsn.", "dsn ")


class AudienceError(BilingualError, ValueError):
    """An audience definition, filter or name is invalid; ``pesan`` says why in Bahasa Indonesia."""


@dataclass(frozen=True)
class Audience:
    """A live selection of contacts (fields AND-ed, values within a field OR-ed).

    ``rw``/``rt`` hold inclusive ranges ``(low, high)``; a single RW 3 is ``(3, 3)``.
    """

    desa: tuple[str, ...] = ()
    dusun: tuple[str, ...] = ()
    rw: tuple[tuple[int, int], ...] = ()
    rt: tuple[tuple[int, int], ...] = ()
    role: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()
    everyone: bool = False

    def __post_init__(self) -> None:
        if not self.everyone and not any((self.desa, self.dusun, self.rw, self.rt, self.role, self.tag)):
            raise AudienceError(
                "an audience needs at least one filter (desa, dusun, rw, rt, role, tag) or everyone=true",
                "Audiens perlu minimal satu saringan (desa, dusun, RW, RT, jabatan, tag) atau 'semua kontak'.")

    @property
    def is_empty_filter(self) -> bool:
        return not any((self.desa, self.dusun, self.rw, self.rt, self.role, self.tag))

    @classmethod
    def build(cls, *, desa: Any = None, dusun: Any = None, rw: Any = None, rt: Any = None, role: Any = None,
              tag: Any = None, everyone: bool = False) -> Audience:
        """An audience from user input: strings (comma-separated) or lists of them; ranges like ``"01-05"``."""
        return cls(
            desa=_names(desa, "desa"), dusun=_names(dusun, "dusun"),
            rw=parse_units(rw, "rw"), rt=parse_units(rt, "rt"),
            role=_names(role, "role"), tag=_names(tag, "tag"), everyone=bool(everyone))

    @classmethod
    def from_dict(cls, data: Any) -> Audience:
        """From the JSON definition kept in ``audiences.definition`` (or typed by a user)."""
        if not isinstance(data, dict):
            raise AudienceError("audience definition must be a JSON object",
                                "Definisi audiens harus berupa objek JSON.")
        unknown = sorted(str(k) for k in data if k not in _KEYS)
        if unknown:
            raise AudienceError(f"unknown audience key(s): {', '.join(unknown)} (known: {', '.join(_KEYS)})",
                                f"Kunci audiens tidak dikenal: {', '.join(unknown)}.")
        everyone = data.get("everyone", False)
        if not isinstance(everyone, bool):
            raise AudienceError("everyone: expected true or false", "everyone: harus true atau false.")
        return cls.build(**{k: data.get(k) for k in _KEYS if k != "everyone"}, everyone=everyone)

    def to_dict(self) -> dict[str, Any]:
        """The JSON definition: only the filters in use; RW/RT as ``"01-05"`` / ``"03"`` strings."""
        out: dict[str, Any] = {}
        for key in ("desa", "dusun"):
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        for key in ("rw", "rt"):
            if getattr(self, key):
                out[key] = [format_unit(r) for r in getattr(self, key)]
        for key in ("role", "tag"):
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        if self.everyone:
            out["everyone"] = True
        return out

    def to_json(self) -> str:
        """The definition as stored (``audiences.definition``, ``campaigns.audience``): canonical JSON."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    def describe(self) -> str:
        """One line for people: ``desa Sukajadi; RW 01-05; role Ketua RT``."""
        if self.is_empty_filter:
            return "semua kontak / all contacts"
        bits = []
        for key, label in (("desa", "desa"), ("dusun", "dusun"), ("rw", "RW"), ("rt", "RT"),
                           ("role", "jabatan"), ("tag", "tag")):
            values = self.to_dict().get(key)
            if values:
                bits.append(f"{label} {', '.join(values)}")
        return "; ".join(bits)


# -- parsing -------------------------------------------------------------------

_RANGE = re.compile(r"^(\d{1,4})(?:\s*(?:-|–|—|\.\.|s/d|sd|sampai)\s*(\d{1,4}))?$", re.IGNORECASE)
_UNIT_PREFIX = re.compile(r"^(?:rw|rt)\s*[.:]?\s*", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _values(raw: Any, key: str) -> list[str]:
    """``"a, b"`` or ``["a", "b,c"]`` -> ``["a", "b", "c"]`` (stripped, empty dropped)."""
    if raw is None:
        return []
    items: Iterable[Any] = [raw] if isinstance(raw, (str, int)) else raw
    if not isinstance(items, (list, tuple)):
        raise AudienceError(f"{key}: expected a string or a list of strings",
                            f"{key}: harus teks atau daftar teks.")
    out: list[str] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise AudienceError(f"{key}: expected a string or a list of strings, got {type(item).__name__}",
                                f"{key}: harus teks atau daftar teks.")
        for part in str(item).split(","):
            if _CONTROL.search(part.strip()):
                raise AudienceError(f"{key}: value with control characters", f"{key}: nilai berisi karakter kontrol.")
            part = " ".join(part.split())
            if part:
                if len(part) > 100:
                    raise AudienceError(f"{key}: value longer than 100 characters",
                                        f"{key}: nilai lebih dari 100 karakter.")
                out.append(part)
    if len(out) > MAX_VALUES:
        raise AudienceError(f"{key}: more than {MAX_VALUES} values", f"{key}: lebih dari {MAX_VALUES} nilai.")
    return out


def _names(raw: Any, key: str) -> tuple[str, ...]:
    """Distinct names in the order given (case-insensitive duplicates dropped)."""
    seen: dict[str, str] = {}
    for value in _values(raw, key):
        if key in ("desa", "dusun"):
            value = strip_place_prefix(value)
        seen.setdefault(value.lower(), value)
    return tuple(seen.values())


def strip_place_prefix(name: str) -> str:
    """``"Kelurahan Sukajadi"`` -> ``"Sukajadi"``; ``"Kel. Sukajadi"`` -> ``"Sukajadi"``."""
    lowered = name.lower()
    for prefix in _PLACE_PREFIXES:
        if lowered.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix):].strip()
    return name


def parse_units(raw: Any, key: str = "rw") -> tuple[tuple[int, int], ...]:
    """RW/RT filter text -> sorted, merged inclusive ranges.

    ``"01-05"`` -> ``((1, 5),)``; ``"RW 01-05, 7"`` -> ``((1, 5), (7, 7))``;
    also ``"1..5"``, ``"1 s/d 5"``, ``[3, "08-09"]``.  Raises AudienceError
    on anything else (letters, a reversed range, a number above 999).
    """
    ranges: list[tuple[int, int]] = []
    for value in _values(raw, key):
        text = _UNIT_PREFIX.sub("", value).strip()
        m = _RANGE.match(text)
        if not m:
            raise AudienceError(
                f"{key}: {value!r} is not a number or a range like 01-05",
                f"{key.upper()}: {value!r} bukan angka atau rentang seperti 01-05.")
        low = int(m.group(1))
        high = int(m.group(2)) if m.group(2) is not None else low
        if low > high:
            raise AudienceError(f"{key}: range {value!r} runs backwards", f"{key.upper()}: rentang {value!r} terbalik.")
        if high > MAX_UNIT:
            raise AudienceError(f"{key}: {value!r} is above {MAX_UNIT}",
                                f"{key.upper()}: {value!r} melebihi {MAX_UNIT}.")
        ranges.append((low, high))
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return tuple(merged)


def format_unit(r: tuple[int, int]) -> str:
    """``(1, 5)`` -> ``"01-05"``, ``(3, 3)`` -> ``"03"``."""
    low, high = r
    return f"{low:02d}" if low == high else f"{low:02d}-{high:02d}"


# -- SQL -------------------------------------------------------------------------

# A stored RT/RW as a number: spaces and an "RW"/"RT" prefix trimmed; only
# all-digit values count (so "1A" never matches RT 1).  The CAST needs the
# GLOB guard because CAST('1A' AS INTEGER) is 1.
_UNIT_TEXT = "TRIM(LTRIM(TRIM(COALESCE(c.{col}, '')), 'RrWwTt.: '))"
_UNIT_SQL = ("(" + _UNIT_TEXT + " <> '' AND " + _UNIT_TEXT + " NOT GLOB '*[^0-9]*' AND CAST("
             + _UNIT_TEXT + " AS INTEGER) BETWEEN ? AND ?)")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_contains(text: str) -> str:
    """A ``LIKE ? ESCAPE '\\'`` pattern matching ``text`` anywhere (its ``%``, ``_`` and ``\\`` taken literally)."""
    return "%" + _like_escape(text) + "%"


def where_sql(aud: Audience) -> tuple[str, list[Any]]:
    """The WHERE clause (over ``contacts c``) and its parameters; values are never spliced into SQL."""
    clauses: list[str] = []
    params: list[Any] = []
    for col, values in (("desa", aud.desa), ("dusun", aud.dusun)):
        if values:
            variants = []
            for value in values:
                v = value.lower()
                variants.extend([v] + [prefix + v for prefix in _PLACE_PREFIXES])
            clauses.append(f"LOWER(TRIM(c.{col})) IN ({','.join('?' * len(variants))})")
            params.extend(variants)
    for col, ranges in (("rw", aud.rw), ("rt", aud.rt)):
        if ranges:
            one = _UNIT_SQL.format(col=col)
            clauses.append("(" + " OR ".join([one] * len(ranges)) + ")")
            for low, high in ranges:
                params.extend([low, high])
    if aud.role:
        ors = []
        for role in aud.role:
            ors.append("LOWER(TRIM(c.role)) = ? OR LOWER(TRIM(c.role)) LIKE ? ESCAPE '\\'")
            params.extend([role.lower(), _like_escape(role.lower()) + " %"])
        clauses.append("(" + " OR ".join(ors) + ")")
    if aud.tag:
        clauses.append(
            "EXISTS (SELECT 1 FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.contact_id = c.id"
            f" AND LOWER(t.name) IN ({','.join('?' * len(aud.tag))}))")
        params.extend(t.lower() for t in aud.tag)
    return (" AND ".join(clauses) if clauses else "1"), params


#: Whether contact ``c`` is opted out (an EXISTS: two opt-outs may match one number).
OPTED_OUT_SQL = "EXISTS (SELECT 1 FROM optouts o WHERE o.match_number = c.number)"


def select_sql(aud: Audience, *, reachable_only: bool = False, include_dead: bool = True) -> tuple[str, list[Any]]:
    """``SELECT`` of the matching contacts (all ``contacts`` columns plus ``opted_out`` 0/1), ordered by id.

    ``reachable_only``: drop opted-out and dead contacts; ``include_dead=False``: drop dead ones only.
    """
    where, params = where_sql(aud)
    extra = ""
    if reachable_only:
        extra = f" AND NOT {OPTED_OUT_SQL} AND c.dead = 0"
    elif not include_dead:
        extra = " AND c.dead = 0"
    sql = f"SELECT c.*, {OPTED_OUT_SQL} AS opted_out FROM contacts c WHERE ({where}){extra} ORDER BY c.id"
    return sql, params


def count(store, aud: Audience) -> dict[str, int]:
    """Live counts: ``matched`` = ``reachable`` + ``opted_out`` + ``dead``."""
    where, params = where_sql(aud)
    row = store.conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(opted), 0), COALESCE(SUM(NOT opted AND dead <> 0), 0)"
        f" FROM (SELECT {OPTED_OUT_SQL} AS opted, c.dead FROM contacts c WHERE {where})", params).fetchone()
    matched, opted_out, dead = row[0], row[1], row[2]
    return {"matched": matched, "reachable": matched - opted_out - dead, "opted_out": opted_out, "dead": dead}


def spans_every_desa(aud: Audience) -> bool:
    """An RW/RT filter without a desa/kelurahan: it matches that RW/RT in every kelurahan, now and in
    any list imported later (RW numbers repeat in every kelurahan)."""
    return bool((aud.rw or aud.rt) and not aud.desa)


def per_desa(store, aud: Audience) -> list[dict[str, Any]]:
    """The matched contacts counted per desa/kelurahan (``"Kel. X"`` and ``"x"`` together), by name;
    contacts without one last (``desa`` None).  Each: ``desa``, ``matched``, ``reachable``."""
    where, params = where_sql(aud)
    groups: dict[str, dict[str, Any]] = {}
    for name, matched, reachable in store.conn.execute(
            f"SELECT MIN(TRIM(c.desa)), COUNT(*), SUM(NOT {OPTED_OUT_SQL} AND c.dead = 0) FROM contacts c"
            f" WHERE {where} GROUP BY LOWER(TRIM(COALESCE(c.desa, '')))", params):
        shown = strip_place_prefix(name) if name else None
        g = groups.setdefault((shown or "").lower(), {"desa": shown, "matched": 0, "reachable": 0})
        g["matched"] += matched
        g["reachable"] += reachable or 0
    return sorted(groups.values(), key=lambda g: (g["desa"] is None, (g["desa"] or "").lower()))


def wilayah_warning(store, aud: Audience) -> dict[str, Any] | None:
    """The warning for an audience that :func:`spans_every_desa`, with its counts per desa; or None."""
    if not spans_every_desa(aud):
        return None
    groups = per_desa(store, aud)
    named = [g for g in groups if g["desa"]]
    what = " and ".join(k for k, v in (("RW", aud.rw), ("RT", aud.rt)) if v)
    apa = " dan ".join(k for k, v in (("RW", aud.rw), ("RT", aud.rt)) if v)
    return {
        "code": "spans_desa",
        "message": f"This {what} filter names no desa/kelurahan: it reaches that {what} in every kelurahan "
                   f"({len(named)} now), and grows when another kelurahan's list is imported. "
                   "Add the desa/kelurahan to the filter.",
        "pesan": f"Saringan {apa} ini tanpa desa/kelurahan: menjangkau {apa} itu di SEMUA kelurahan "
                 f"({len(named)} sekarang), dan bertambah bila daftar kelurahan lain diimpor. "
                 "Tambahkan desa/kelurahan ke saringan.",
        "per_desa": groups,
    }


def recipients(store, aud: Audience, *, reachable_only: bool = True,
               conn: sqlite3.Connection | None = None) -> Iterator[sqlite3.Row]:
    """The matching contact rows (with ``opted_out``), streamed in id order.

    ``reachable_only=False`` keeps opted-out contacts (a campaign records them
    as ``suppressed``) but still drops dead ones.
    """
    sql, params = select_sql(aud, reachable_only=reachable_only, include_dead=False)
    yield from (conn or store.conn).execute(sql, params)


# -- saved audiences -------------------------------------------------------------


def check_name(name: Any, what: str = "audience") -> str:
    """A name for an audience or campaign: stripped, 1..100 characters, no control characters."""
    if not isinstance(name, str) or not name.strip():
        raise AudienceError(f"{what} name is empty", f"Nama {_WHAT.get(what, what)} kosong.")
    if _CONTROL.search(name.strip()):
        raise AudienceError(f"{what} name has control characters (line breaks, tabs ...)",
                            f"Nama {_WHAT.get(what, what)} berisi karakter kontrol (baris baru, tab ...).")
    name = " ".join(name.split())
    if len(name) > MAX_NAME:
        raise AudienceError(f"{what} name too long (max {MAX_NAME} characters)",
                            f"Nama {_WHAT.get(what, what)} terlalu panjang (maks. {MAX_NAME} karakter).")
    return name


_WHAT = {"audience": "audiens", "campaign": "kampanye"}


def save(store, name: str, aud: Audience, actor: str) -> int:
    """Save (or replace) the audience ``name``; return its id.  Audited."""
    name = check_name(name)
    definition = aud.to_json()
    now = store.clock()
    with store.tx() as c:
        row = c.execute("SELECT id FROM audiences WHERE name = ?", (name,)).fetchone()
        if row is None:
            audience_id = c.execute(
                "INSERT INTO audiences (name, definition, created_by, created_at, updated_at) VALUES (?,?,?,?,?)",
                (name, definition, actor, now, now)).lastrowid
            action = "audience_save"
        else:
            audience_id = row[0]
            c.execute("UPDATE audiences SET definition = ?, updated_at = ? WHERE id = ?",
                      (definition, now, audience_id))
            action = "audience_update"
        # NOTE: Store._audit writes the audit row inside this transaction, so the
        # audience and its record commit together (Store.audit would open a second).
        store._audit(c, actor, action, {"audience": audience_id, "name": name, "definition": aud.to_dict()}, now)
    return audience_id


def load(store, name: str) -> Audience:
    """The saved audience ``name``; AudienceError if there is none."""
    return load_row(store, name)[1]


def load_row(store, name: str) -> tuple[int, Audience]:
    """(id, audience) of the saved audience ``name``."""
    row = store.conn.execute("SELECT id, definition FROM audiences WHERE name = ?",
                             (" ".join(str(name).split()),)).fetchone()
    if row is None:
        raise AudienceError(f"no saved audience named {name!r}", f"Tidak ada audiens bernama {name!r}.")
    try:
        definition = json.loads(row["definition"])
    except ValueError as exc:
        raise AudienceError(f"audience {name!r}: stored definition is not JSON",
                            f"Audiens {name!r}: definisi tersimpan rusak.") from exc
    return row["id"], Audience.from_dict(definition)


def get_saved(store, audience_id: int) -> dict[str, Any] | None:
    """The saved audience's row (``id, name, definition, created_by, ...``), or None."""
    row = store.conn.execute("SELECT * FROM audiences WHERE id = ?", (audience_id,)).fetchone()
    return dict(row) if row is not None else None


def saved_id(store, name: str) -> int | None:
    """The id of the saved audience named exactly ``name``, or None."""
    row = store.conn.execute("SELECT id FROM audiences WHERE name = ?", (name,)).fetchone()
    return row[0] if row is not None else None


def campaigns_using(store, audience_id: int) -> int:
    """How many campaigns were made for the saved audience (one that is used cannot be deleted)."""
    return store.conn.execute("SELECT COUNT(*) FROM campaigns WHERE audience_id = ?", (audience_id,)).fetchone()[0]


def delete_saved(store, audience_id: int, name: str, actor: str) -> None:
    """Delete the saved audience, audited (the caller checked :func:`campaigns_using` first)."""
    with store.tx() as c:
        c.execute("DELETE FROM audiences WHERE id = ?", (audience_id,))
        store._audit(c, actor, "audience_delete", {"audience": audience_id, "name": name}, store.clock())


def list_saved(store, *, with_counts: bool = True) -> list[dict[str, Any]]:
    """Every saved audience with its definition, description and (live) counts, by name."""
    out = []
    for row in store.conn.execute("SELECT * FROM audiences ORDER BY name"):
        item: dict[str, Any] = {"id": row["id"], "name": row["name"], "created_by": row["created_by"],
                                "created_at": row["created_at"], "updated_at": row["updated_at"]}
        try:
            aud = Audience.from_dict(json.loads(row["definition"]))
        except (ValueError, AudienceError) as exc:
            item["error"] = str(exc)
        else:
            item["definition"] = aud.to_dict()
            item["description"] = aud.describe()
            item["spans_desa"] = spans_every_desa(aud)
            if with_counts:
                item["counts"] = count(store, aud)
        out.append(item)
    return out
