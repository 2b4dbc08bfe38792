"""Copies of the SQLite file: an online backup, a restore from one, and a salvage of a damaged file.

:func:`backup_database` uses SQLite's online backup in one step (in WAL mode one read transaction: a
consistent snapshot that never blocks the daemon's writers), switches the copy to a single file and
checks it before it is renamed into place.  :func:`restore_database` puts a checked, migrated copy in
place of the live file, keeping the old one beside it.  :func:`salvage_database` copies every row still
readable from a damaged file into a fresh one.  The commands ``siaran backup`` and ``siaran restore``
(:mod:`firmware.commands.backup`) and the USB drop call these.
"""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import datetime
from pathlib import Path

from firmware.queue.store import Store

#: Tables whose row counts the JSON result shows (those that exist).
COUNTED = ("messages", "contacts", "campaigns", "inbox")


def backup_database(source: Path, target: Path, *, source_mode: str = "rw") -> dict:
    """Copy ``source`` to ``target`` (atomically), verify it and return what the command prints.

    ``source_mode`` ``ro`` reads a backup on a write-protected stick (restore)."""
    t0 = time.monotonic()
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    # mode=rw/ro: never create an empty one
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode={source_mode}", uri=True, timeout=30)
    try:
        src.execute("PRAGMA busy_timeout = 30000")
        dst = sqlite3.connect(str(part))
        try:
            src.backup(dst)  # pages=-1: one step, one snapshot
            dst.execute("PRAGMA journal_mode = DELETE")
            integrity = [row[0] for row in dst.execute("PRAGMA integrity_check")]
            tables = {r[0] for r in dst.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            counts = {t: dst.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in COUNTED if t in tables}
            user_version = dst.execute("PRAGMA user_version").fetchone()[0]
        finally:
            dst.close()
    finally:
        src.close()
    if integrity != ["ok"]:
        part.unlink(missing_ok=True)
        raise sqlite3.DatabaseError("integrity_check of the copy failed: " + "; ".join(integrity[:5]))
    fd = os.open(part, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(part, target)
    _fsync_dir(target.parent)  # the rename itself must reach the stick before it is pulled out
    return {"backup": str(target), "source": str(source), "bytes": target.stat().st_size, "integrity": "ok",
            "schema_version": user_version, "rows": counts, "took_s": round(time.monotonic() - t0, 3)}


def restore_database(source: Path, live: Path, *, hold: bool, by: str) -> dict:
    """Put a checked, migrated copy of ``source`` in place of ``live``, keeping ``live`` beside it.

    Everything that can fail (the copy, its integrity check, the migration) happens on a staging file
    first: a bad backup leaves the current database untouched.
    """
    staging = live.with_name(live.name + ".restoring")
    for leftover in (staging, *companions(staging)):
        leftover.unlink(missing_ok=True)
    result = backup_database(source, staging, source_mode="ro")
    with Store(staging) as store:  # migrates an older backup; refuses one from a newer Siaran
        if hold:
            store.set_hold(True, reason="restored from a backup: check the queue", by=by)
        store.audit(by, "restore", {"source": source.name, "rows": result["rows"]})
    single = sqlite3.connect(str(staging))
    try:
        single.execute("PRAGMA journal_mode = DELETE")  # one file again: nothing to leave behind
    finally:
        single.close()
    kept = None
    if live.exists():
        kept = live.with_name(f"{live.name}.before-restore-{datetime.now():%Y%m%d-%H%M%S}")
        os.replace(live, kept)
        for companion, moved in zip(companions(live), companions(kept)):
            if companion.exists():  # an old WAL would be replayed onto the restored file
                os.replace(companion, moved)
    os.replace(staging, live)
    _fsync_dir(live.parent)
    return {"restored": str(live), "source": str(source), "kept": str(kept) if kept else None,
            "integrity": result["integrity"], "schema_version": result["schema_version"], "rows": result["rows"],
            "hold": hold}


#: Tables kept by triggers from the rows copied: a salvage leaves them to the triggers (copying would count twice).
DERIVED = ("message_counts", "campaign_counts")
#: Rows read per query while salvaging; a failing query skips ahead from the last row read.
SALVAGE_BATCH = 500


def salvage_database(source: Path, target: Path) -> dict:
    """Copy every row still readable from a damaged ``source`` into a fresh database at ``target``.

    What SQLite's ``.recover`` does, without the sqlite3 tool (whose Debian build cannot ``.recover``):
    each table is read in rowid order without its indexes (a damaged index loses nothing); where a page
    cannot be read, the reading skips ahead, so only the rows on damaged pages are lost. Returns, per
    table, the rows copied and the places skipped.
    """
    for leftover in (target, *companions(target)):
        leftover.unlink(missing_ok=True)
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    report: dict[str, dict] = {}
    try:
        with Store(target) as fresh:
            fresh.conn.execute("PRAGMA foreign_keys = OFF")  # a row may point at one on a lost page
            for table in fresh.db.table_names():
                if table.startswith(("_sqlite", "sqlite_")) or table in DERIVED:
                    continue
                try:
                    have = {r[1] for r in src.execute(f'PRAGMA table_info("{table}")')}
                except sqlite3.DatabaseError:
                    have = set()
                cols = [c for c in fresh.db[table].columns_dict if c in have]
                if not cols:
                    report[table] = {"rows": 0, "skipped": "unreadable"}
                    continue
                rows, skipped = _salvage_rows(src, table, cols)
                names = ",".join(f'"{c}"' for c in cols)
                if rows:  # else the fresh defaults stay (the hold row, shipped templates)
                    with fresh.tx() as c:
                        # Plain INSERT: an OR clause here would override the count triggers' own.
                        c.execute(f'DELETE FROM "{table}"')
                        c.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({",".join("?" * len(cols))})', rows)
                report[table] = {"rows": len(rows), "skipped": skipped}
    finally:
        src.close()
    return report


def _salvage_rows(src: sqlite3.Connection, table: str, cols: list[str]) -> tuple[list[tuple], int]:
    """The readable rows of ``table`` (rowid order, no index) and how many times a damaged page was skipped."""
    names = ",".join(f'"{c}"' for c in cols)
    try:
        src.execute(f'SELECT rowid FROM "{table}" LIMIT 0')
    except sqlite3.OperationalError:  # WITHOUT ROWID: one pass, keep what came before the damage
        rows: list[tuple] = []
        try:
            for row in src.execute(f'SELECT {names} FROM "{table}"'):
                rows.append(tuple(row))
        except sqlite3.DatabaseError:
            return rows, 1
        return rows, 0
    select = f'SELECT rowid, {names} FROM "{table}" NOT INDEXED'
    found: dict[int, tuple] = {}
    last, skipped = 0, 0  # rowids of Siaran's tables start at 1
    while skipped < 1000:
        try:
            got = 0
            for row in src.execute(f"{select} WHERE rowid > ? ORDER BY rowid LIMIT {SALVAGE_BATCH}", (last,)):
                found[row[0]], last, got = tuple(row[1:]), row[0], got + 1
            if not got:
                break
            continue
        except sqlite3.DatabaseError:
            skipped += 1
        last = _past_damage(src, select, last, found)
        if last is None:
            break
    return [found[k] for k in sorted(found)], skipped


def _past_damage(src: sqlite3.Connection, select: str, last: int, found: dict[int, tuple]) -> int | None:
    """A rowid after ``last`` from which reading works again (None: nothing readable follows). Probes
    further each time (1, 2, 4 ... rows on); the rows between the last failing and the first working
    probe are looked up one by one, so no readable row is skipped with the damaged page."""
    step = 1
    while step < 2**40:
        try:
            nxt = src.execute(f"{select} WHERE rowid > ? ORDER BY rowid LIMIT 1", (last + step,)).fetchone()
        except sqlite3.DatabaseError:
            step *= 2
            continue
        for rowid in range(last + step // 2 + 1, last + step + 1):
            try:
                row = src.execute(f"{select} WHERE rowid = ?", (rowid,)).fetchone()
            except sqlite3.DatabaseError:
                continue
            if row is not None:
                found[row[0]] = tuple(row[1:])
        return None if nxt is None else last + step
    return None


def companions(db: Path) -> tuple[Path, Path]:
    """The -wal and -shm files beside the database ``db``."""
    return db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")


def _fsync_dir(folder: Path) -> None:
    try:
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass  # some filesystems (vfat on older kernels) refuse fsync on a directory
