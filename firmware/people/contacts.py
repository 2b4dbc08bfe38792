"""Contacts on a :class:`~firmware.queue.store.Store`: import (plan, then commit), consent, and a person's rights.

Import, the same for the web page, the USB drop, the HTTP API and the CLI::

    with importer.read_rows(path, path.name) as sheet:
        plan = plan_import(store, sheet, tag="banjir-timur")     # a dry run: counts, rejected rows
        import_id = commit_import(store, plan, source="cli", file_name=path.name,
                                  file_hash=sheet.file_hash, actor="cli:ani", tag="banjir-timur")

Rules of the merge (by number):

- A new number becomes a contact with basis ``public_service`` (the office's
  own list).  A known number gets the file's name, wilayah (desa, kecamatan,
  dusun, RW, RT), role and notes; an **empty cell never erases** a stored value (a thin
  sheet must not wipe a good list).  Basis, consent, ``dead`` and opt-outs
  are never touched by an import.
- Counts partition the file's rows: ``new``, ``updated``, ``unchanged``,
  ``opted_out`` (a number in ``optouts``: it is imported or updated like any
  other, counted here only, and stays suppressed: the import never writes
  ``optouts``), ``duplicate_in_file`` and ``invalid``.
- Every committed row (unchanged ones too) sets ``confirmed_at``: the office
  re-confirming its list is what keeps a contact past the retention period
  (:func:`purge_unconfirmed`).  Nothing else changes when the same file is
  imported again: its rows count as ``unchanged``.
- The commit re-reads the file inside ONE transaction (the plan holds counts,
  not rows, so memory stays bounded) and records the import and its audit
  entry in that same transaction.

A person's data (UU 27/2022): :func:`export_person` gathers everything
stored about one number; :func:`delete_person` deletes the contact, its tags
and its inbox rows; the messages sent to it stay as rows (campaign reports
keep their counts) with the number replaced by a random per-person token and
the text emptied (a personalised text holds the name).  The number stays in
``optouts`` (added, unless ``suppress=False``): enqueue and audiences match
opt-outs on the number (``optouts.match_number``), and a SHA-256 of a
13-digit mobile number is reversed by trying every number in minutes, so a
hash would protect nothing while silently ending the suppression.  The opt-out row holds only the
number, a date and the channel.  Audit entries never hold the number.
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from firmware.people import importer
from firmware.people.csvcells import cell_safe, number_cell
from firmware.errors import SiaranError
from firmware.people.audience import OPTED_OUT_SQL, Audience, like_contains, where_sql
from firmware.people.importer import Problem, Sheet
from firmware.people.rows import to_e164
from firmware.people.numbers import InvalidNumber, normalise
from firmware.queue.store import Store

#: Where an import came from (``imports.source``).
SOURCES = ("web", "usb", "api", "cli")
#: The counts of a plan, in display order.
COUNT_KEYS = ("new", "updated", "unchanged", "opted_out", "duplicate_in_file", "invalid")
#: Lawful bases (``contacts.basis``).
BASES = ("public_service", "consent")

_MERGED = ("name", "desa", "kecamatan", "dusun", "rw", "rt", "role", "notes")
_BATCH = 900  # numbers per IN (...) query, under SQLite's 999 variables


class ContactNotFound(SiaranError, LookupError):
    """No contact has that number."""


@dataclass
class ImportPlan:
    """What an import would do (a dry run), or did once committed (``import_id`` set).

    ``counts`` keys are :data:`COUNT_KEYS`; ``rejected`` holds invalid and duplicate rows
    (:class:`~firmware.people.importer.Problem`), ``warnings`` rows imported with a remark.
    """

    counts: dict[str, int]
    rows: int
    rejected: list[Problem]
    warnings: list[Problem]
    sheet: dict
    tag: str | None = None
    import_id: int | None = None
    reader: Sheet | None = field(default=None, repr=False, compare=False)  # re-read by the commit

    def report(self, *, limit: int = 50, mask: bool = True) -> dict:
        """JSON-ready: counts, the sheet read, the first ``limit`` rejected rows and warnings (numbers masked)."""
        return {
            "counts": dict(self.counts), "rows": self.rows, "tag": self.tag, "import_id": self.import_id,
            "sheet": self.sheet,
            "rejected_total": len(self.rejected),
            "rejected": [p.as_dict(mask=mask) for p in self.rejected[:limit]],
            "warnings_total": len(self.warnings),
            "warnings": [p.as_dict(mask=mask) for p in self.warnings[:limit]],
        }


# -- import ---------------------------------------------------------------------------------------


def check_tag(tag: str | None) -> str | None:
    """A tag name, trimmed; ValueError when unusable."""
    if tag is None:
        return None
    tag = " ".join(tag.split())
    if not tag or len(tag) > 64 or any(ord(ch) < 32 for ch in tag):
        raise ValueError("a tag is 1 to 64 printable characters")
    return tag


def _as_sheet(rows: Sheet | Iterable[Mapping[str, Any]]) -> Sheet:
    if isinstance(rows, Sheet):
        return rows
    return importer.from_records(rows)


def _batches(contacts: Iterator[dict]) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for contact in contacts:
        batch.append(contact)
        if len(batch) >= _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _classify(conn: sqlite3.Connection, batch: list[dict], tag_id: int | None) -> Iterator[tuple[dict, str, Any, bool]]:
    """Each contact of ``batch`` with its kind (new, updated, unchanged), the stored row and opted-out flag."""
    numbers = [c["number"] for c in batch]
    marks = ",".join("?" * len(numbers))
    stored = {r["number"]: r for r in conn.execute(
        f"SELECT id, number, {', '.join(_MERGED)} FROM contacts WHERE number IN ({marks})", numbers)}
    opted = {r[0] for r in conn.execute(
        f"SELECT match_number FROM optouts WHERE match_number IN ({marks})", numbers)}
    tagged: set[str] = set()
    if tag_id is not None and stored:
        tagged = {r[0] for r in conn.execute(
            f"SELECT c.number FROM contacts c JOIN contact_tags ct ON ct.contact_id = c.id"
            f" WHERE ct.tag_id = ? AND c.number IN ({marks})", [tag_id, *numbers])}
    for contact in batch:
        row = stored.get(contact["number"])
        if row is None:
            kind = "new"
        else:
            changed = any(contact.get(k) is not None and contact.get(k) != row[k] for k in _MERGED)
            kind = "updated" if changed or (tag_id is not None and contact["number"] not in tagged) else "unchanged"
        yield contact, kind, row, contact["number"] in opted


def _tag_id(conn: sqlite3.Connection, tag: str | None, *, create: bool) -> int | None:
    if tag is None:
        return None
    if create:
        conn.execute("INSERT OR IGNORE INTO tags (name) VALUES (?)", (tag,))
    row = conn.execute("SELECT id FROM tags WHERE name = ?", (tag,)).fetchone()
    return row[0] if row else None


def _empty_counts() -> dict[str, int]:
    return dict.fromkeys(COUNT_KEYS, 0)


def _finish_counts(counts: dict[str, int], sheet: Sheet) -> None:
    counts["invalid"] = sheet.counts.get("invalid", 0)
    counts["duplicate_in_file"] = sheet.counts.get("duplicate_in_file", 0)


def plan_import(store: Store, rows: Sheet | Iterable[Mapping[str, Any]], *, tag: str | None = None) -> ImportPlan:
    """Read every row and compare it with the store; change nothing.

    :param rows: a :class:`~firmware.people.importer.Sheet` (from :func:`~firmware.people.importer.read_rows`) or
        mappings (``{"number": ..., "name": ...}``, header-style keys accepted).
    :param tag: the tag the commit will give every row (a row lacking it counts as ``updated``).
    :raises ImportFileError: the file turned out unreadable while streaming it.
    """
    tag = check_tag(tag)
    sheet = _as_sheet(rows)
    counts = _empty_counts()
    tag_id = _tag_id(store.conn, tag, create=False)
    for batch in _batches(sheet.rows()):
        for _, kind, _, opted in _classify(store.conn, batch, tag_id):
            counts["opted_out" if opted else kind] += 1
    _finish_counts(counts, sheet)
    return ImportPlan(counts, sheet.counts.get("rows", 0), list(sheet.rejected), list(sheet.warnings),
                      sheet.summary(), tag, reader=sheet)


def commit_import(store: Store, plan: ImportPlan, *, source: str, file_name: str | None, file_hash: str | None,
                  actor: str, tag: str | None = None) -> int:
    """Apply ``plan`` in ONE transaction (re-reading its rows); record the import and audit it; return its id.

    ``plan.counts``/``rejected``/``warnings`` are refreshed with what the commit did (the store may have
    changed since the plan).  ``tag`` defaults to the plan's.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}")
    if plan.reader is None:
        raise ValueError("this plan has no rows to commit")
    tag = check_tag(tag) if tag is not None else plan.tag
    sheet = plan.reader
    counts = _empty_counts()
    with store.tx() as c:
        now = store.clock()
        tag_id = _tag_id(c, tag, create=True)
        for batch in _batches(sheet.rows()):
            inserts, updates, confirms = [], [], []
            for contact, kind, row, opted in _classify(c, batch, tag_id):
                counts["opted_out" if opted else kind] += 1
                if kind == "new":
                    inserts.append((contact["number"], *(contact.get(k) for k in _MERGED), now, now, now))
                elif kind == "updated":
                    merged = [contact.get(k) if contact.get(k) is not None else row[k] for k in _MERGED]
                    updates.append((*merged, now, now, row["id"]))
                else:
                    confirms.append((now, row["id"]))
            c.executemany(
                f"INSERT INTO contacts (number, {', '.join(_MERGED)}, confirmed_at, created_at, updated_at)"
                f" VALUES ({','.join('?' * (len(_MERGED) + 4))})", inserts)
            c.executemany(
                f"UPDATE contacts SET {', '.join(k + ' = ?' for k in _MERGED)}, confirmed_at = ?, updated_at = ?"
                " WHERE id = ?", updates)
            c.executemany("UPDATE contacts SET confirmed_at = ? WHERE id = ?", confirms)
            if tag_id is not None:
                numbers = [x["number"] for x in batch]
                c.execute(f"INSERT OR IGNORE INTO contact_tags (contact_id, tag_id) SELECT id, ? FROM contacts"
                          f" WHERE number IN ({','.join('?' * len(numbers))})", [tag_id, *numbers])
        _finish_counts(counts, sheet)
        plan.counts, plan.rows, plan.tag = counts, sheet.counts.get("rows", 0), tag
        plan.rejected, plan.warnings = list(sheet.rejected), list(sheet.warnings)
        plan.import_id = _record(store, c, source=source, file_name=file_name, file_hash=file_hash, actor=actor,
                                 counts=counts, dry_run=False, tag=tag, started_at=now)
    return plan.import_id


def record_import(store: Store, *, source: str, file_name: str | None, file_hash: str | None, actor: str,
                  counts: Mapping[str, Any], dry_run: bool, tag: str | None = None,
                  started_at: float | None = None) -> int:
    """Record an import that committed nothing (a dry run, or a file that could not be read); audit it."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}")
    with store.tx() as c:
        return _record(store, c, source=source, file_name=file_name, file_hash=file_hash, actor=actor,
                       counts=counts, dry_run=dry_run, tag=tag, started_at=started_at)


def _record(store: Store, c: sqlite3.Connection, *, source, file_name, file_hash, actor, counts, dry_run, tag,
            started_at) -> int:
    now = store.clock()
    body = json.dumps(dict(counts), ensure_ascii=False, sort_keys=True)
    cur = c.execute(
        "INSERT INTO imports (source, file_name, file_hash, actor, dry_run, started_at, finished_at, counts, tag)"
        " VALUES (?,?,?,?,?,?,?,?,?)",
        (source, file_name, file_hash, actor, int(dry_run), started_at if started_at is not None else now, now,
         body, tag))
    import_id = cur.lastrowid
    # Store._audit joins this transaction: the import and its audit entry commit together.
    store._audit(c, actor, "import.dry_run" if dry_run else "import",
                 {"import_id": import_id, "source": source, "file_name": file_name, "file_hash": file_hash,
                  "counts": dict(counts), "tag": tag}, now)
    return import_id


def imports(store: Store, limit: int = 50) -> list[dict]:
    """The latest import records, newest first (counts decoded)."""
    out = []
    for r in store.conn.execute("SELECT * FROM imports ORDER BY id DESC LIMIT ?", (limit,)):
        d = dict(r)
        d["counts"] = json.loads(d["counts"] or "{}")
        out.append(d)
    return out


def rejected_csv(report: ImportPlan | Sheet | Iterable[Problem], *, delimiter: str = ";") -> bytes:
    """The rejected rows as a CSV for the office to fix: UTF-8 with BOM (Excel reads it as UTF-8).

    Columns: row, kind, number as typed, name, alasan (id), reason (en).  The number is written as
    ``="..."`` so Excel shows it as typed (no lost zero, no ``(0812)`` read as negative); the importer
    reads that form back.  ``;`` by default: the list separator of Excel with Indonesian regional
    settings (``delimiter=","`` for others; LibreOffice and Google Sheets ask or detect).
    """
    problems = report.rejected if isinstance(report, (ImportPlan, Sheet)) else list(report)
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(["Baris (Row)", "Jenis (Kind)", "Nomor seperti tertulis (Number as typed)", "Nama (Name)",
                "Alasan", "Reason"])
    kinds = {"duplicate": "duplikat / duplicate"}
    for p in problems:
        w.writerow([p.row, kinds.get(p.code, "ditolak / rejected"), number_cell(p.number), cell_safe(p.name),
                    p.alasan, p.reason])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


# -- consent and retention ------------------------------------------------------------------------


def set_consent(store: Store, number: str, *, basis: str, source: str | None = None, at: float | None = None,
                actor: str) -> dict:
    """Record a contact's lawful basis (UU 27/2022): ``public_service``, or ``consent`` with its source and date.

    Also confirms the contact (``confirmed_at`` now).  Earlier consent fields are kept when the basis
    becomes ``public_service``.  Returns the contact.
    """
    if basis not in BASES:
        raise ValueError(f"basis must be one of {', '.join(BASES)}")
    if basis == "consent" and not (source and source.strip()):
        raise ValueError("consent needs its source (where it was given)")
    e164 = to_e164(number)
    with store.tx() as c:
        now = store.clock()
        row = c.execute("SELECT id FROM contacts WHERE number = ?", (e164,)).fetchone()
        if row is None:
            raise ContactNotFound("no contact with that number")
        if basis == "consent":
            c.execute("UPDATE contacts SET basis = ?, consent_source = ?, consent_at = ?, confirmed_at = ?,"
                      " updated_at = ? WHERE id = ?", (basis, source.strip(), at if at is not None else now, now, now,
                                                      row["id"]))
        else:
            c.execute("UPDATE contacts SET basis = ?, confirmed_at = ?, updated_at = ? WHERE id = ?",
                      (basis, now, now, row["id"]))
        store._audit(c, actor, "contact.consent", {"contact_id": row["id"], "basis": basis,
                                                   "source": source if basis == "consent" else None}, now)
        return dict(c.execute("SELECT * FROM contacts WHERE id = ?", (row["id"],)).fetchone())


def purge_unconfirmed(store: Store, older_than_days: float, actor: str) -> int:
    """Delete contacts not confirmed (nor created) within ``older_than_days``; return how many.

    Only contact rows (and their tags) go: opt-outs stay, and messages stay for campaign reports.
    """
    if not older_than_days > 0:
        raise ValueError("older_than_days must be positive")
    with store.tx() as c:
        now = store.clock()
        cutoff = now - older_than_days * 86400
        deleted = c.execute("DELETE FROM contacts WHERE COALESCE(confirmed_at, created_at) < ?", (cutoff,)).rowcount
        store._audit(c, actor, "contact.purge", {"older_than_days": older_than_days, "deleted": deleted}, now)
    return deleted


# -- one person's data ------------------------------------------------------------------------------


def export_person(store: Store, number: str, *, actor: str | None = None) -> dict:
    """Everything stored about one number: contact, tags, opt-out, messages sent to it, inbox rows.

    ``number`` in any written form; raises :class:`~firmware.people.numbers.InvalidNumber`.  With ``actor``
    the export is audited (without the number).
    """
    e164 = to_e164(number)
    conn = store.conn
    contact = conn.execute("SELECT * FROM contacts WHERE number = ?", (e164,)).fetchone()
    tags = [r[0] for r in conn.execute(
        "SELECT t.name FROM tags t JOIN contact_tags ct ON ct.tag_id = t.id JOIN contacts c ON c.id = ct.contact_id"
        " WHERE c.number = ? ORDER BY t.name", (e164,))]
    optout = conn.execute("SELECT * FROM optouts WHERE match_number = ?", (e164,)).fetchone()
    messages = [dict(r) for r in conn.execute(
        "SELECT m.id, m.campaign_id, c.name AS campaign, m.text, m.state, m.created_at, m.sent_at, m.done_at,"
        " m.parts_total, m.error_class, m.error FROM messages m LEFT JOIN campaigns c ON c.id = m.campaign_id"
        " WHERE m.number = ? ORDER BY m.id", (e164,))]
    inbox = [dict(r) for r in conn.execute("SELECT * FROM inbox WHERE number = ? ORDER BY id", (e164,))]
    fragments = [dict(r) for r in conn.execute("SELECT * FROM inbox_fragments WHERE number = ? ORDER BY id",
                                               (e164,))]
    consents = [dict(r) for r in conn.execute("SELECT * FROM consents WHERE number = ? ORDER BY id", (e164,))]
    changes = [dict(r) for r in conn.execute("SELECT * FROM number_changes WHERE old_number = ? OR new_number = ?"
                                             " ORDER BY id", (e164, e164))]
    result = {
        "number": e164, "exported_at": store.clock(),
        "found": bool(contact or optout or messages or inbox or fragments or consents or changes),
        "contact": dict(contact) if contact else None, "tags": tags, "optout": dict(optout) if optout else None,
        "messages": messages, "inbox": inbox, "inbox_fragments": fragments, "consents": consents,
        "number_changes": changes,
    }
    if actor is not None:
        store.audit(actor, "contact.export", {"found": result["found"], "messages": len(messages),
                                              "inbox": len(inbox)})
    return result


def delete_person(store: Store, number: str, actor: str, *, suppress: bool = True, optout_source: str = "cli") -> dict:
    """Erase one person on request, in one transaction; return what was done (counts).

    Deletes the contact (and its tags), its inbox rows and fragments, its consents, number changes and
    automatic replies' rows; cancels messages still waiting
    for it; keeps its sent messages for campaign reports with the number replaced by a random token
    (the same for all of them) and the text emptied.  Keeps an existing opt-out and, with ``suppress``,
    adds one so a later import cannot bring the number back into a campaign.  The audit entry holds
    counts only.
    """
    e164 = to_e164(number)
    with store.tx() as c:
        now = store.clock()
        contact = c.execute("SELECT id FROM contacts WHERE number = ?", (e164,)).fetchone()
        tags = 0
        if contact is not None:
            tags = c.execute("DELETE FROM contact_tags WHERE contact_id = ?", (contact["id"],)).rowcount
            c.execute("DELETE FROM contacts WHERE id = ?", (contact["id"],))
        # What residents did by SMS keyword goes with them (their replies' rows stay, anonymised below).
        keyword_rows = sum(c.execute(sql, args).rowcount for sql, args in (
            ("DELETE FROM consents WHERE number = ?", (e164,)),
            ("DELETE FROM number_changes WHERE old_number = ? OR new_number = ?", (e164, e164)),
            ("DELETE FROM keyword_replies WHERE number = ?", (e164,))))
        inbox = c.execute("DELETE FROM inbox WHERE number = ?", (e164,)).rowcount
        fragments = c.execute("DELETE FROM inbox_fragments WHERE number = ?", (e164,)).rowcount
        cancelled = c.execute(
            "UPDATE messages SET state = 'cancelled', done_at = ?, error = 'deleted on request'"
            " WHERE number = ? AND state IN ('queued', 'paused')", (now, e164)).rowcount
        token = "deleted:" + secrets.token_hex(8)
        anonymised = c.execute("UPDATE messages SET number = ?, text = '' WHERE number = ?", (token, e164)).rowcount
        had_optout = c.execute("SELECT 1 FROM optouts WHERE match_number = ?", (e164,)).fetchone() is not None
        optout = "kept" if had_optout else "none"
        if not had_optout and suppress:
            store._insert_optout(c, e164, source=optout_source, keyword=None, now=now)
            optout = "added"
        counts = {"contact": int(contact is not None), "tags": tags, "inbox": inbox, "inbox_fragments": fragments,
                  "keyword_rows": keyword_rows,
                  "messages_cancelled": cancelled, "messages_anonymised": anonymised, "optout": optout}
        store._audit(c, actor, "contact.delete", counts, now)
    return counts


# -- the Contacts page: the list, one contact -----------------------------------------------------------

def list_where(f: Mapping[str, str], *, can_see_numbers: bool, within: int | None = None) -> tuple[str, list[Any]]:
    """WHERE (over ``contacts c``) for the list's filters; wilayah/role/tag as an audience matches them.

    Raises AudienceError for an unreadable RW/RT filter.  A viewer's search matches a number only when
    the whole number is typed (fragments would let a viewer rebuild masked numbers digit by digit).
    ``within`` a unit: contacts private to other units are left out.
    """
    has_filter = any(f[k] for k in ("desa", "dusun", "rw", "rt", "role", "tag"))
    aud = Audience.build(desa=f["desa"] or None, dusun=f["dusun"] or None, rw=f["rw"] or None,
                         rt=f["rt"] or None, role=f["role"] or None, tag=f["tag"] or None,
                         everyone=not has_filter, unit=within)
    where, params = where_sql(aud)
    clauses, out = [f"({where})"], list(params)
    q = f["q"]
    if q:
        ors, ors_params = ["c.name LIKE ? ESCAPE '\\'"], [like_contains(q)]
        digits = re.sub(r"\D", "", q)
        if digits and re.fullmatch(r"[\d\s+\-.()/]+", q):
            if can_see_numbers and len(digits) >= 3:
                if digits.startswith("0"):
                    digits = "62" + digits[1:]
                ors.append("c.number LIKE ?")
                ors_params.append(like_contains(digits))
            else:
                try:
                    ors_params.append(normalise(q))
                    ors.append("c.number = ?")
                except InvalidNumber:
                    pass
        clauses.append("(" + " OR ".join(ors) + ")")
        out.extend(ors_params)
    status = f["status"]
    if status == "optout":
        clauses.append(OPTED_OUT_SQL)
    elif status == "reachable":
        clauses.append(f"NOT {OPTED_OUT_SQL} AND c.dead = 0")
    elif status == "dead":
        clauses.append("c.dead <> 0")
    return " AND ".join(clauses), out


def count_listed(store: Store, f: Mapping[str, str], *, can_see_numbers: bool, within: int | None = None) -> int:
    """How many contacts the list's filters ``f`` match (AudienceError for an unreadable RW/RT filter)."""
    where, params = list_where(f, can_see_numbers=can_see_numbers, within=within)
    return store.conn.execute(f"SELECT COUNT(*) FROM contacts c WHERE {where}", params).fetchone()[0]


def list_page(store: Store, f: Mapping[str, str], *, can_see_numbers: bool, limit: int, offset: int,
              within: int | None = None) -> list[dict]:
    """One page of the contacts the filters ``f`` match, in id order, each with ``opted_out``."""
    where, params = list_where(f, can_see_numbers=can_see_numbers, within=within)
    return [dict(r) for r in store.conn.execute(
        "SELECT c.id, c.number, c.name, c.desa, c.dusun, c.rw, c.rt, c.role, c.dead,"
        f" {OPTED_OUT_SQL} AS opted_out FROM contacts c WHERE {where} ORDER BY c.id LIMIT ? OFFSET ?",
        [*params, limit, offset])]


def totals(store: Store) -> dict[str, int]:
    conn = store.conn
    return {
        "all": conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0],
        "optout": conn.execute(f"SELECT COUNT(*) FROM contacts c WHERE {OPTED_OUT_SQL}").fetchone()[0],
        "dead": conn.execute("SELECT COUNT(*) FROM contacts WHERE dead <> 0").fetchone()[0],
    }


def tags_of(store: Store, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if not ids:
        return out
    marks = ",".join("?" * len(ids))
    for r in store.conn.execute(
            f"SELECT ct.contact_id, t.name FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id"
            f" WHERE ct.contact_id IN ({marks}) ORDER BY t.name", ids):
        out.setdefault(r[0], []).append(r[1])
    return out


def tag_exists(store: Store, tag: str) -> bool:
    return store.conn.execute("SELECT 1 FROM tags WHERE name = ?", (tag,)).fetchone() is not None


def numbers_tagged(store: Store, tag: str) -> list[str]:
    """The numbers of the contacts tagged ``tag`` that are not marked dead (opted-out ones included: the
    queue suppresses and counts those)."""
    return [r[0] for r in store.conn.execute(
        "SELECT c.number FROM contacts c JOIN contact_tags ct ON ct.contact_id = c.id"
        " JOIN tags t ON t.id = ct.tag_id WHERE t.name = ? AND c.dead = 0", (tag,))]


def count_contacts(store: Store) -> int:
    return store.conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0]


def get_contact(store: Store, contact_id: int) -> dict | None:
    row = store.conn.execute("SELECT * FROM contacts WHERE id = ?", (contact_id,)).fetchone()
    return dict(row) if row is not None else None


def optout_of(store: Store, number: str) -> dict | None:
    """When, how and with which keyword ``number`` opted out, or None."""
    row = store.conn.execute("SELECT created_at, source, keyword FROM optouts WHERE match_number = ?",
                             (number,)).fetchone()
    return dict(row) if row else None


def messages_to(store: Store, number: str) -> int:
    """How many messages were ever queued to ``number``."""
    return store.conn.execute("SELECT COUNT(*) FROM messages WHERE number = ?", (number,)).fetchone()[0]


def edit_contact(store: Store, contact_id: int, values: Mapping[str, str | None], changed: list[str], *,
                 actor: str) -> None:
    """Set the contact's fields ``values`` (column -> value), audited as the fields ``changed``."""
    columns = list(values)
    with store.tx() as c:
        now = store.clock()
        c.execute(f"UPDATE contacts SET {', '.join(k + ' = ?' for k in columns)}, updated_at = ? WHERE id = ?",
                  (*(values[k] for k in columns), now, contact_id))
        # The audit entry commits with the change; it names the fields, never the number.
        store._audit(c, actor, "contact.edit", {"contact_id": contact_id, "fields": changed}, now)


def contact_choices(store: Store, limit: int = 300) -> dict[str, list[str]]:
    """The desa/kelurahan, dusun, roles and tags already in the contacts, for filter pick-lists.

    Each list is a skip-scan over the column's index (one seek per distinct value), so it costs
    well under a millisecond at 100,000 contacts; values are trimmed and de-duplicated here.
    At most ``limit`` values each.
    """
    return {"desa": _distinct(store, "desa", limit), "dusun": _distinct(store, "dusun", limit),
            "role": _distinct(store, "role", limit),
            "tag": [r[0] for r in store.conn.execute("SELECT name FROM tags ORDER BY name COLLATE NOCASE LIMIT ?",
                                                     (limit,))]}


_CHOICE_COLUMNS = ("desa", "dusun", "role")  # each has an index whose first column it is


def _distinct(store: Store, col: str, limit: int) -> list[str]:
    assert col in _CHOICE_COLUMNS
    rows = store.conn.execute(
        f"WITH RECURSIVE d(v) AS (SELECT MIN({col}) FROM contacts WHERE {col} > ''"
        f" UNION ALL SELECT (SELECT MIN({col}) FROM contacts WHERE {col} > d.v) FROM d"
        f" WHERE d.v IS NOT NULL LIMIT ?) SELECT v FROM d WHERE v IS NOT NULL", (limit * 2,))
    seen: dict[str, str] = {}
    for (v,) in rows:
        text = v.strip()
        if text and text.lower() not in seen:
            seen[text.lower()] = text
    return sorted(seen.values(), key=str.lower)[:limit]
# -- units (dinas) ---------------------------------------------------------------------------------


def set_private(store: Store, *, unit_id: int | None, actor: str, numbers: Iterable[str] = (),
                tag: str | None = None) -> int:
    """Make contacts private to the unit ``unit_id`` (only its campaigns reach them and only its people and
    admins see them), or shared by every unit again (None): the given ``numbers``, and every contact with
    ``tag``. Returns how many contacts were changed. Audited (ids and counts, never a number)."""
    e164 = [to_e164(n) for n in numbers]
    now = store.clock()
    with store.tx() as c:
        ids: set[int] = set()
        for number in e164:
            row = c.execute("SELECT id FROM contacts WHERE number = ?", (number,)).fetchone()
            if row is None:
                raise ContactNotFound("no contact with that number")
            ids.add(row["id"])
        if tag:
            ids.update(r[0] for r in c.execute(
                "SELECT ct.contact_id FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id WHERE LOWER(t.name) = ?",
                (tag.strip().lower(),)))
        changed = 0
        for contact_id in sorted(ids):
            changed += c.execute("UPDATE contacts SET unit_id = ?, updated_at = ? WHERE id = ? AND unit_id IS NOT ?",
                                 (unit_id, now, contact_id, unit_id)).rowcount
        store._audit(c, actor, "contact.private", {"unit": unit_id, "tag": tag, "contacts": len(ids),
                                                   "changed": changed}, now)
    return changed
