"""Docs that cannot drift: every table and column of the schema is described in docs/schema.md."""

from __future__ import annotations

import re
from pathlib import Path

from firmware.queue.store import Store

DOC = (Path(__file__).resolve().parents[2] / "docs" / "schema.md").read_text()


def test_every_column_is_documented(tmp_path):
    store = Store(tmp_path / "siaran.db")
    documented = set(re.findall(r"`([a-z_]+)`", DOC)) | set(re.findall(r"`[a-z_]+\.([a-z_]+)`", DOC))
    missing = []
    for table in store.db.table_names():
        if table.startswith("_sqlite"):
            continue
        if table not in documented:
            missing.append(table)
        for column in store.db[table].columns_dict:
            if column not in documented:
                missing.append(f"{table}.{column}")
    store.close()
    assert not missing, f"undocumented in docs/schema.md: {missing}"
