"""``siaran backup``: an online copy taken while another connection writes opens, checks and has the rows."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from datetime import datetime

from firmware import cli
from firmware.commands.backup import backup_name, target_path
from firmware.queue.store import Store, db_path


def run_cli(capsys, *argv) -> tuple[int, dict]:
    code = cli.main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_backup_while_writing(tmp_path, capsys):
    state = tmp_path / "state"
    state.mkdir()
    store = Store.in_state_dir(state)
    store.enqueue([f"+62812{i:08d}" for i in range(200)], "Halo warga", created_by="test")
    store.close()

    stop = threading.Event()
    written = []

    def writer():  # another connection (like the daemon) keeps committing during the backup
        conn = sqlite3.connect(str(db_path(state)), timeout=30, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 30000")
        i = 0
        while not stop.is_set():
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE messages SET attempts = attempts + 1 WHERE id = ?", (i % 200 + 1,))
            conn.execute("COMMIT")
            written.append(i)
            i += 1
        conn.close()

    t = threading.Thread(target=writer)
    t.start()
    try:
        time.sleep(0.05)
        sticks = tmp_path / "stick"
        sticks.mkdir()
        code, result = run_cli(capsys, "backup", str(sticks), "--state-dir", str(state))
        before = len(written)
        time.sleep(0.05)
    finally:
        stop.set()
        t.join()
    assert code == 0, result
    assert len(written) > before, "the writer kept committing (backup did not block it)"
    copy = result["backup"]
    assert copy.startswith(str(sticks)) and copy.endswith(".db")
    assert result["integrity"] == "ok" and result["rows"]["messages"] == 200
    files = sorted(p.name for p in sticks.iterdir())
    assert files == [copy.rsplit("/", 1)[1]], "one file, no .part, -wal or -shm left on the stick"
    conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 200
    conn.close()

    # A second backup in the same minute gets its own name; an explicit file needs --force to be overwritten.
    code, again = run_cli(capsys, "backup", str(sticks), "--state-dir", str(state))
    assert code == 0 and again["backup"] != copy
    code, err = run_cli(capsys, "backup", copy, "--state-dir", str(state))
    assert code == 2 and "--force" in err["error"]
    code, forced = run_cli(capsys, "backup", copy, "--state-dir", str(state), "--force")
    assert code == 0 and forced["backup"] == copy


def test_backup_names_and_missing_database(tmp_path, capsys):
    now = datetime(2025, 3, 7, 9, 5)
    assert backup_name(now) == "siaran-20250307-0905.db"
    assert target_path(tmp_path, now) == tmp_path / "siaran-20250307-0905.db"
    assert target_path(tmp_path / "x.db", now) == tmp_path / "x.db"
    empty = tmp_path / "empty"
    empty.mkdir()
    code, err = run_cli(capsys, "backup", str(tmp_path / "out.db"), "--state-dir", str(empty))
    assert code == 2 and "no database" in err["error"]
    assert not (empty / "siaran.db").exists(), "a missing database is not created by the backup"
