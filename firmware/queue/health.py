"""The daemon's word on why it is not running, in a small file beside the database.

When the daemon refuses to start (a corrupt database), nothing in the SQLite file can be trusted to
carry the news, so it writes ``health.json`` in the state folder: ``state``, ``reason`` (English),
``pesan`` (Bahasa Indonesia), ``fix`` and ``at``. The LAN page shows it on the dashboard; a daemon that
starts cleanly, and ``siaran restore``, remove it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

HEALTH_NAME = "health.json"


def health_path(state_dir: str | Path) -> Path:
    return Path(state_dir) / HEALTH_NAME


def write(state_dir: str | Path, state: str, reason: str, pesan: str, fix: str) -> None:
    """Record why the daemon is not running (atomically: a reader never sees half a file)."""
    path = health_path(state_dir)
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps({"state": state, "reason": reason, "pesan": pesan, "fix": fix, "at": time.time()},
                               ensure_ascii=False), encoding="utf-8")
    os.replace(part, path)


def read(state_dir: str | Path) -> dict | None:
    """The recorded problem, or None when there is none (or the file is unreadable)."""
    try:
        value = json.loads(health_path(state_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) and value.get("state") else None


def clear(state_dir: str | Path) -> None:
    health_path(state_dir).unlink(missing_ok=True)
