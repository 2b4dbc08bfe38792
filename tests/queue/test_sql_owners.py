"""No SQL outside the store verbs: web handlers and CLI commands call verbs, never write statements.

Each area owns its SQL in its own module under ``firmware/`` (``firmware/queue/store.py`` for messages,
``firmware/people/`` for contacts and audiences, ``firmware/campaigns/``, ``firmware/office/`` for users,
sessions and tokens); the schema stays in ``firmware/queue/schema.py``.  This test walks every Python
file of ``web/``, ``firmware/commands/``, ``firmware/cli.py`` and ``firmware/box/`` with :mod:`ast` and
fails on any string constant that reads as an SQL statement (or a clause of one).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Where no SQL may stand: the page, the CLI commands and the CLI entry point, and the Pi's hardware
#: (the USB drop imports through the people verbs like every other route).
GUARDED = [ROOT / "web", ROOT / "firmware" / "commands", ROOT / "firmware" / "cli.py", ROOT / "firmware" / "box"]

#: A statement's opening words (an SQL string starts with one of these, after white space).
_STATEMENT = re.compile(
    r"""^\s*(?:
        SELECT\s+(?:\*|DISTINCT\b|COUNT\s*\(|[\w."]+(?:\s*;?\s*$|\s*,|\s+FROM\b|\s+AS\b))
      | INSERT\s+(?:OR\s+\w+\s+)?INTO\b
      | REPLACE\s+INTO\b
      | UPDATE\s+[\w"]+\s+SET\b
      | DELETE\s+FROM\b
      | CREATE\s+(?:UNIQUE\s+|TEMP\s+|TEMPORARY\s+)?(?:TABLE|INDEX|VIEW|TRIGGER)\b
      | DROP\s+(?:TABLE|INDEX|VIEW|TRIGGER)\b
      | ALTER\s+TABLE\b
      | PRAGMA\s+\w+
      | WITH\s+(?:RECURSIVE\s+)?\w+\s+AS\s*\(
      | BEGIN(?:\s+(?:IMMEDIATE|DEFERRED|EXCLUSIVE))?\s*(?:TRANSACTION)?\s*;?\s*$
      | COMMIT\s*;?\s*$
      | ROLLBACK\b
      | VACUUM\b
      | ATTACH\s+DATABASE\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
#: Fragments that only make sense inside a statement (a WHERE clause built in pieces).
#: Upper case only: "Where in a JSON value ..." is prose, "WHERE rowid > ?" is not.
_FRAGMENT = re.compile(r"^\s*(?:WHERE\s+[\w.(]+|AND\s+[\w.]+\s*(?:=|<|>|IN\b|LIKE\b|IS\b)|ORDER\s+BY\s+[\w.]+"
                       r"|(?:LEFT\s+)?JOIN\s+\w+\b.*\bON\b|GROUP\s+BY\s+[\w.]+)")


def sql_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant in ``source`` that reads as SQL (a statement or a clause)."""
    found: dict[int, str] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "?"
                           for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if _STATEMENT.search(text) or _FRAGMENT.search(text):
            found.setdefault(node.lineno, " ".join(text.split())[:80])
    return sorted(found.items())


def guarded_files() -> list[Path]:
    files = []
    for place in GUARDED:
        files.extend(sorted(place.rglob("*.py")) if place.is_dir() else [place])
    return files


def test_no_sql_in_web_or_commands():
    offenders = [f"{path.relative_to(ROOT)}:{line}: {text}"
                 for path in guarded_files() for line, text in sql_strings(path.read_text(encoding="utf-8"))]
    assert not offenders, "SQL outside the store verbs (move it into the area's store module):\n" + "\n".join(offenders)


def test_the_walk_covers_the_page_and_the_cli():
    names = {p.relative_to(ROOT).as_posix() for p in guarded_files()}
    assert "firmware/cli.py" in names
    assert any(n.startswith("web/pages/") for n in names)
    assert any(n.startswith("firmware/commands/") for n in names)
    assert "firmware/box/usbdrop.py" in names


def test_the_check_finds_sql():
    """Self-test: the check fires on the shapes SQL takes in this code base, and not on prose."""
    snippet = '''
def handler(db, q, ids):
    db.execute("SELECT id, name FROM contacts WHERE name LIKE ?", (q,))
    db.execute("""
        INSERT OR IGNORE INTO audiences (name) VALUES (?)""", (q,))
    db.execute(f"UPDATE messages SET state = 'held' WHERE id IN ({ids})")
    db.execute("delete from sessions")
    db.execute("PRAGMA user_version")
    where = " WHERE c.deleted = 0"
    db.execute("SELECT COUNT(*) FROM messages")
    db.execute("select * from t")
    db.execute("SELECT 1")
    return "Pilih kontak yang akan dihapus / Select the contacts to delete"
'''
    hits = [line for line, _ in sql_strings(snippet)]
    assert hits == [3, 4, 6, 7, 8, 9, 10, 11, 12]
    assert sql_strings('x = "Update the contact" + "delete it from the list" + "select a group"') == []
