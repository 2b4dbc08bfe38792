"""How long the daemon's start-up integrity check takes on a full queue (``PRAGMA quick_check``).

Run from the repository root:

    .venv/bin/python bench/bench_integrity.py [--messages 100000]

Builds a fresh database with N queued messages (plus their sent parts for half of them), then times
:func:`firmware.queue.store.integrity_problems` (quick_check: what the daemon runs at every start) and the full
``integrity_check`` (what ``siaran restore`` runs on a backup). Prints a table, then one JSON line
(``{"bench": "integrity", ...}``) for scripts. Figures only, no assertion.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firmware.queue.store import Outcome, Store, integrity_problems  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "siaran.db"
        with Store(path) as store:
            store.enqueue([f"+62812{i:08d}" for i in range(args.messages)], "Peringatan dini: waspada banjir.")
            for _ in range(args.messages // 2 // 500):
                claimed = [store.claim("modem0") for _ in range(500)]
                store.complete_and_claim([Outcome(m.id, "sent", parts=((1, 1, m.id % 256),), parts_total=1)
                                          for m in claimed if m is not None], "modem0", claim=False)
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = path.stat().st_size
        figures = {"bench": "integrity", "messages": args.messages, "mb": round(size / 1e6, 1)}
        for name, full in (("quick_check_s", False), ("integrity_check_s", True)):
            t0 = time.perf_counter()
            problems = integrity_problems(path, full=full)
            figures[name] = round(time.perf_counter() - t0, 3)
            assert problems == [], problems
    print(f"{figures['messages']:>9} messages, {figures['mb']} MB: quick_check {figures['quick_check_s']} s,"
          f" integrity_check {figures['integrity_check_s']} s")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
