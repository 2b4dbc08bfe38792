"""``siaran backup DEST``: a consistent copy of the database while the daemon runs.

Uses SQLite's online backup (:meth:`sqlite3.Connection.backup`) in one step:
in WAL mode that is one read transaction, so the copy is a consistent
snapshot and the daemon's writers are never blocked.  DEST is a file, or a
folder (a USB stick's mount point) that receives ``siaran-YYYYMMDD-HHMM.db``.
The copy is written next to its final name as ``.part``, switched to a single
file (journal_mode DELETE, no -wal/-shm to forget), checked with ``PRAGMA
integrity_check``, fsynced and only then renamed into place (the copying, checking and salvaging
are :mod:`firmware.queue.backup`'s; this module is the command).

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
from datetime import datetime
from pathlib import Path

from firmware.queue import health
from firmware.commands.common import actor, add_state_options, load_config
from firmware.commands.output import EXIT_BAD_INPUT, EXIT_FAILED, config_failed, emit, fail
from firmware.errors import ConfigError
from firmware.queue.schema import SchemaTooNew
from firmware.queue.backup import backup_database, companions, restore_database, salvage_database
from firmware.queue.store import db_path

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


def open_by(db: Path) -> list[int]:
    """Other processes holding ``db`` (or its -wal) open, from /proc (Linux): the daemon, the page."""
    names = {str(p.resolve()) for p in (db, *companions(db))}
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
