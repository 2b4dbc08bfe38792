"""Cost of the one time estimate (firmware/queue/estimate.py) with a big queue: enqueue, snapshot, simulation.

Run from the repository root:

    .venv/bin/python bench/bench_estimate.py [--messages 1000000] [--sims 2]

Queues ``--messages`` one-part messages through :meth:`Store.enqueue` (the ``queue_load`` triggers run for
each), then times :func:`estimate.take_snapshot` (the few rows the pages read) and the simulation of a
5-recipient campaign behind them, at the default SIM limits.  Prints figures, then one JSON line
(``{"bench": "estimate", ...}``) for scripts to collect; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firmware.queue import estimate  # noqa: E402
from firmware.office.config import Config, ModemConfig  # noqa: E402
from firmware.queue.store import Store  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--sims", type=int, default=2)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "siaran.db")
        numbers = [f"+62812{i:07d}" for i in range(args.messages)]
        t = time.perf_counter()
        for start in range(0, len(numbers), 100_000):
            store.enqueue(numbers[start:start + 100_000], "Pengumuman kelurahan: kerja bakti hari Minggu pukul 07.00.")
        enqueue_s = time.perf_counter() - t
        config = Config(modems=tuple(ModemConfig(name=f"m{i}", port=f"/dev/ttyUSB{i}") for i in range(args.sims)))
        snaps, sims = [], []
        for _ in range(5):
            t = time.perf_counter()
            snap = estimate.take_snapshot(store, config)
            snaps.append(time.perf_counter() - t)
            t = time.perf_counter()
            result = estimate.for_new(snap, 5, 5)
            sims.append(time.perf_counter() - t)
        store.close()
    figures = {"messages": args.messages, "sims": args.sims, "enqueue_s": round(enqueue_s, 2),
               "enqueue_per_s": round(args.messages / enqueue_s), "snapshot_ms": round(min(snaps) * 1000, 2),
               "simulate_ms": round(min(sims) * 1000, 1), "estimate": result["human_en"], "reason": result["reason"]}
    print(f"{args.messages:,} queued in {enqueue_s:.1f} s ({figures['enqueue_per_s']:,}/s); snapshot "
          f"{figures['snapshot_ms']} ms; simulation {figures['simulate_ms']} ms on {args.sims} SIM(s): "
          f"a 5-recipient campaign behind them: {result['human_en']} ({result['note_en']})")
    print(json.dumps({"bench": "estimate", **figures}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
