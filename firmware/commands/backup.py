"""``siaran backup DEST``: a consistent copy of the database while the daemon runs.

Uses SQLite's online backup (:meth:`sqlite3.Connection.backup`) in one step:
in WAL mode that is one read transaction, so the copy is a consistent
snapshot and the daemon's writers are never blocked.  DEST is a file, or a
folder (a USB stick's mount point) that receives ``siaran-YYYYMMDD-HHMM.db``.
The copy is written next to its final name as ``.part``, switched to a single
file (journal_mode DELETE, no -wal/-shm to forget), checked with ``PRAGMA
integrity_check``, fsynced and only then renamed into place.  Restore:
``docs/backup.md``.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import time
from datetime import datetime
from pathlib import Path

from firmware.commands.common import add_state_options, load_config
from firmware.commands.output import EXIT_BAD_INPUT, EXIT_FAILED, config_failed, emit, fail
from firmware.errors import ConfigError
from firmware.store import db_path

#: Tables whose row counts the JSON result shows (those that exist).
COUNTED = ("messages", "contacts", "campaigns", "inbox")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="copy the database (online, consistent) to a file or a folder/USB stick")
    add_state_options(p)
    p.add_argument("dest", metavar="DEST", help="a file, or a folder that gets siaran-YYYYMMDD-HHMM.db")
    p.add_argument("--force", action="store_true", help="overwrite DEST when it is an existing file")
    p.set_defaults(func=cmd_backup)


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


def backup_database(source: Path, target: Path) -> dict:
    """Copy ``source`` to ``target`` (atomically), verify it and return what the command prints."""
    t0 = time.monotonic()
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True, timeout=30)  # never create an empty one
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
    try:  # the rename itself must reach the stick before it is pulled out
        dfd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass  # some filesystems (vfat on older kernels) refuse fsync on a directory
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
