"""``siaran backup DEST``: a consistent copy of the database while the daemon runs.

Uses SQLite's online backup (:meth:`sqlite3.Connection.backup`) in one step:
in WAL mode that is one read transaction, so the copy is a consistent
snapshot and the daemon's writers are never blocked.  DEST is a file, or a
folder (a USB stick's mount point) that receives ``siaran-YYYYMMDD-HHMM.db``.
The copy is written next to its final name as ``.part``, switched to a single
file (journal_mode DELETE, no -wal/-shm to forget), checked with ``PRAGMA
integrity_check``, fsynced and only then renamed into place.

``siaran restore BACKUP``: the way back from a lost or corrupt database (the
daemon refuses to start on one).  The services must be stopped.  The backup
is copied the same way (checked, single file), migrated to this Siaran's
schema and put on hold (a restored queue may list messages that went out
after the backup); the database it replaces is kept beside it as
``siaran.db.before-restore-YYYYMMDD-HHMMSS`` with its -wal/-shm.  Details:
``docs/backup.md``.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import time
from datetime import datetime
from pathlib import Path

from firmware.queue import health
from firmware.commands.common import actor, add_state_options, load_config
from firmware.commands.output import EXIT_BAD_INPUT, EXIT_FAILED, config_failed, emit, fail
from firmware.errors import ConfigError
from firmware.queue.schema import SchemaTooNew
from firmware.queue.store import Store, db_path

#: Tables whose row counts the JSON result shows (those that exist).
COUNTED = ("messages", "contacts", "campaigns", "inbox")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup")
    add_state_options(p)
    p.add_argument("dest", metavar="DEST", help="a file, or a folder that gets siaran-YYYYMMDD-HHMM.db")
    p.add_argument("--force", action="store_true", help="overwrite DEST when it is an existing file")
    p.set_defaults(func=cmd_backup)
    r = sub.add_parser("restore")
    add_state_options(r)
    r.add_argument("source", metavar="BACKUP", nargs="?",
                   help="a file written by siaran backup; with --salvage, the damaged file (default: the live one)")
    r.add_argument("--salvage", action="store_true",
                   help="copy every row still readable from a damaged database into a fresh one, and restore that")
    r.add_argument("--no-hold", action="store_true", help="do not turn the hold on after the restore")
    r.add_argument("--force", action="store_true", help="restore although another program has the database open")
    r.set_defaults(func=cmd_restore)


def backup_name(now: datetime) -> str:
    return f"siaran-{now:%Y%m%d-%H%M}.db"


def target_path(dest: str | Path, now: datetime) -> Path:
    """The file to write: DEST itself, or a dated name inside DEST when it is a folder (never clobbering one)."""
    dest = Path(dest)
    if not dest.is_dir():
        return dest
    path = dest / backup_name(now)
    n = 2
    while path.exists():
        path = dest / f"{backup_name(now)[:-3]}-{n}.db"
        n += 1
    return path


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


def cmd_backup(args: argparse.Namespace) -> int:
    try:
        cfg = load_config(args)
    except ConfigError as exc:
        return config_failed(exc)
    source = db_path(cfg.state_dir)
    if not source.is_file():
        return fail(f"no database at {source}", f"Tidak ada basis data di {source}", EXIT_BAD_INPUT)
    now = datetime.now(cfg.tz)  # the office's local time, as on the stick's reports
    target = target_path(args.dest, now)
    if not target.parent.is_dir():
        return fail(f"folder {target.parent} does not exist", f"Folder {target.parent} tidak ada", EXIT_BAD_INPUT)
    if target.exists() and not args.force:
        return fail(f"{target} exists (use --force to overwrite)",
                    f"{target} sudah ada (pakai --force untuk menimpa)", EXIT_BAD_INPUT)
    if target.resolve() == source.resolve():
        return fail("DEST is the live database", "Tujuan adalah basis data yang sedang dipakai", EXIT_BAD_INPUT)
    try:
        result = backup_database(source, target)
    except (sqlite3.Error, OSError) as exc:
        return fail(f"backup failed: {exc}", f"Cadangan gagal: {exc}", EXIT_FAILED)
    emit(result)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    live = db_path(load_config(args).state_dir)  # a ConfigError is answered by firmware.cli.main
    source = Path(args.source) if args.source else live if args.salvage else None
    if source is None:
        return fail("name the BACKUP to restore (or use --salvage)",
                    "Sebutkan berkas CADANGAN yang dipulihkan (atau pakai --salvage)", EXIT_BAD_INPUT)
    if not source.is_file():
        return fail(f"no backup file at {source}", f"Tidak ada berkas cadangan di {source}", EXIT_BAD_INPUT)
    if live.exists() and source.resolve() == live.resolve() and not args.salvage:
        return fail("BACKUP is the live database", "Cadangan adalah basis data yang sedang dipakai", EXIT_BAD_INPUT)
    holders = open_by(live)
    if holders and not args.force:
        return fail(f"the database is open in process(es) {holders}: stop the services first"
                    " (systemctl stop siaran-web.service siaran.service)",
                    f"Basis data sedang dibuka oleh proses {holders}: hentikan layanan dulu"
                    " (systemctl stop siaran-web.service siaran.service)", EXIT_BAD_INPUT)
    salvaged = live.with_name(live.name + ".salvaged")
    try:
        report = salvage_database(source, salvaged) if args.salvage else None
        result = restore_database(salvaged if report else source, live, hold=not args.no_hold, by=actor())
        if report:
            result["salvaged"] = report
    except (sqlite3.Error, SchemaTooNew) as exc:
        return fail(f"restore failed, nothing changed: {exc}",
                    f"Pemulihan gagal, tidak ada yang diubah: {exc}", EXIT_FAILED)
    except OSError as exc:
        return fail(f"restore failed: {exc}", f"Pemulihan gagal: {exc}", EXIT_FAILED)
    finally:
        salvaged.unlink(missing_ok=True)
    health.clear(live.parent)
    emit(result)
    return 0


def restore_database(source: Path, live: Path, *, hold: bool, by: str) -> dict:
    """Put a checked, migrated copy of ``source`` in place of ``live``, keeping ``live`` beside it.

    Everything that can fail (the copy, its integrity check, the migration) happens on a staging file
    first: a bad backup leaves the current database untouched.
    """
    staging = live.with_name(live.name + ".restoring")
    for leftover in (staging, *_companions(staging)):
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
        for companion, moved in zip(_companions(live), _companions(kept)):
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
    for leftover in (target, *_companions(target)):
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


def _companions(db: Path) -> tuple[Path, Path]:
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


def open_by(db: Path) -> list[int]:
    """Other processes holding ``db`` (or its -wal) open, from /proc (Linux): the daemon, the page."""
    names = {str(p.resolve()) for p in (db, *_companions(db))}
    holders = []
    for proc in Path("/proc").glob("[0-9]*"):
        if proc.name == str(os.getpid()):
            continue
        try:
            if any(os.readlink(fd) in names for fd in (proc / "fd").iterdir()):
                holders.append(int(proc.name))
        except OSError:
            continue  # gone, or not ours to look at
    return sorted(holders)
