"""How fast ``siaran`` starts: ``--help``, ``status`` and ``send`` (one number) beside a bare ``python -c pass``.

Run from the repository root:

    .venv/bin/python bench/bench_startup.py [--runs 15]

Each command runs as the ``siaran`` console script does (this interpreter, ``from firmware.cli import
main``), against a fresh test database in a temporary folder.  The runs of every command and of the bare
start are interleaved, so that a busy machine slows them alike; the figure is the median wall time of
``--runs`` runs and its ratio to the bare start.  Targets (issue 11): ``--help`` <= 3x, ``status`` and
``send`` <= 5x.  Prints a table, then one JSON line (``{"bench": "startup", ...}``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSOLE = "import sys; from firmware.cli import main; sys.exit(main())"
TARGETS = {"--help": 3.0, "status": 5.0, "send": 5.0}


def commands(state_dir: str) -> dict[str, list[str]]:
    """The timed command lines, by name; ``bare`` is the interpreter doing nothing."""
    siaran = [sys.executable, "-c", CONSOLE]
    return {
        "bare": [sys.executable, "-c", "pass"],
        "--help": [*siaran, "--help"],
        "status": [*siaran, "status", "--state-dir", state_dir],
        "send": [*siaran, "send", "--state-dir", state_dir, "--to", "081200000001", "--text", "Uji coba"],
    }


#: As installed: byte code is written on the first run and read after (PYTHONDONTWRITEBYTECODE would
#: compile every module from source on every start and measure the compiler).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def wall(argv: list[str]) -> float:
    """Seconds one run of ``argv`` takes (it must succeed)."""
    t0 = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def measure(runs: int) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="siaran-startup-") as state_dir:
        lines = commands(state_dir)
        for argv in lines.values():  # warm: byte-code compiled, the database created at this version
            wall(argv)
        times: dict[str, list[float]] = {name: [] for name in lines}
        for _ in range(runs):
            for name, argv in lines.items():
                times[name].append(wall(argv))
    bare = statistics.median(times["bare"])
    return {name: {"median_ms": round(statistics.median(t) * 1000, 1),
                   "ratio": round(statistics.median(t) / bare, 2)} for name, t in times.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    results = measure(args.runs)
    print(f"{'command':<10} {'median ms':>10} {'x bare':>7} {'target':>7}")
    for name, r in results.items():
        target = TARGETS.get(name)
        verdict = "" if target is None else (f"<= {target:g}x " + ("met" if r["ratio"] <= target else "MISSED"))
        print(f"{name:<10} {r['median_ms']:>10} {r['ratio']:>7} {verdict}")
    print(json.dumps({"bench": "startup", "runs": args.runs, "python": sys.version.split()[0],
                      "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
