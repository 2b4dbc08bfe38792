"""Resident keywords on a full office database: the cost of acting on one incoming SMS.

Run from the repository root:

    .venv/bin/python bench/bench_keywords.py [--contacts 100000] [--sms 300]

Builds a fresh database with N fake contacts (+62812xxxxxxxx, 200 kelurahan in 20 kecamatan, RW/RT 01-10) and
times :func:`firmware.queue.inbox.file_incoming` (store the SMS, opt-out check, keyword handling in one more
commit) for each kind of SMS a resident sends: an ordinary reply, ``YA`` from a contact, ``GANTI``, ``DAFTAR``
(reads every kelurahan in the contacts) and ``INFO`` from strangers. The modem worker files incoming SMS between
sends, so this is time the SIM is not sending. Prints a table, then one JSON line (``{"bench": "keywords", ...}``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firmware.office.config import with_defaults  # noqa: E402
from firmware.queue.inbox import file_incoming  # noqa: E402
from firmware.queue.store import Store  # noqa: E402


def populate(store: Store, n: int) -> None:
    now = store.clock()
    rows = [(f"+62812{i:08d}", f"Warga {i}", f"Kelurahan {i % 200:03d}", f"Kecamatan {i % 20:02d}",
             f"{i % 10 + 1:02d}", f"{i // 10 % 10 + 1:02d}", now, now) for i in range(n)]
    with store.tx() as c:
        c.executemany("INSERT INTO contacts (number, name, desa, kecamatan, rt, rw, created_at, updated_at)"
                      " VALUES (?,?,?,?,?,?,?,?)", rows)


def run(store: Store, config, kind: str, count: int, n: int) -> list[float]:
    times = []
    for i in range(count):
        contact, stranger = f"+62812{(i * 7919) % n:08d}", f"+62813{i:08d}"
        sender, text = {
            "reply": (contact, f"Terima kasih infonya, pesan {i}"),
            "YA": (contact, "Ya."),
            "GANTI": (contact, f"GANTI 0814{i:08d}"),
            "DAFTAR": (stranger, f"DAFTAR Kelurahan {i % 200:03d} RT 01/RW 02 Budi {i}"),
            "INFO": (stranger, "INFO"),
        }[kind]
        t0 = time.perf_counter()
        file_incoming(store, config, "modem0", sender, text, sc_timestamp=f"{kind}{i}")
        times.append(time.perf_counter() - t0)
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--contacts", type=int, default=100_000)
    ap.add_argument("--sms", type=int, default=300, help="SMS of each kind")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "siaran.db")
        populate(store, args.contacts)
        config = with_defaults(tmp, [])
        result = {"bench": "keywords", "contacts": args.contacts, "sms": args.sms}
        print(f"{args.contacts:,} contacts, {args.sms} SMS of each kind; ms per incoming SMS")
        print(f"{'kind':<8}{'p50':>8}{'p95':>8}{'max':>8}")
        for kind in ("reply", "YA", "GANTI", "DAFTAR", "INFO"):
            ms = sorted(t * 1000 for t in run(store, config, kind, args.sms, args.contacts))
            p50, p95 = statistics.median(ms), ms[int(len(ms) * 0.95) - 1]
            print(f"{kind:<8}{p50:8.2f}{p95:8.2f}{ms[-1]:8.2f}")
            result[kind] = {"p50_ms": round(p50, 2), "p95_ms": round(p95, 2), "max_ms": round(ms[-1], 2)}
        store.close()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
