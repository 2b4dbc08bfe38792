"""A 100,000-row CSV imported: read, plan (the dry run) and commit (target <= 5 s); memory bounded.

Run from the repository root:

    .venv/bin/python bench/bench_import.py [--rows 100000] [--small 10000]

Writes a CSV of N distinct fake contacts (0812-xxxx-xxxx, 20 kelurahan,
RW/RT 1-10, roles) into a temporary folder, then on a fresh database:

- ``plan``: :func:`firmware.people.contacts.plan_import` streaming the file from disk (the dry run);
- ``commit``: :func:`firmware.people.contacts.commit_import` (re-reads the file, one transaction);
- ``reimport``: plan + commit of the same file again (every row ``unchanged``).

Memory: peak Python allocations (tracemalloc) during plan + commit of the small and
the large file, measured in separate untimed runs (tracemalloc slows Python down).
The file is streamed; what grows with the rows is the duplicate check (one dict
entry per distinct number), not the rows' cells.

XLSX (``--xlsx``): a normal 100,000-row workbook (shared strings, as Excel writes it)
and the hostile ones of ``tests/hostile_files.py`` (huge cell, huge shared string,
millions of shared strings, zip bombs, 16,384 columns, a whole-grid dimension, deep
XML, entity bombs, no newlines).  Each is read (the dry run's reading: every row) in
a fresh child process; the table gives wall time, the child's peak RSS (``VmHWM``,
interpreter included; the bare interpreter's is printed first) and the outcome: rows
accepted, or the start of the refusal.

Prints a table, then one JSON line (``{"bench": "import", ...}``) for scripts.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from firmware.people import contacts  # noqa: E402
from firmware.people.importer import ImportFileError, read_rows  # noqa: E402
from firmware.queue.store import Store  # noqa: E402
from hostile_files import HOSTILE, big_list  # noqa: E402
from office_files import write_big_csv  # noqa: E402

TARGET_SECONDS = 5.0


def import_once(store: Store, path: Path) -> tuple[dict, float, float]:
    """Plan + commit ``path``; return (counts, plan seconds, commit seconds)."""
    t0 = time.perf_counter()
    with read_rows(path, path.name) as sheet:
        plan = contacts.plan_import(store, sheet)
        t1 = time.perf_counter()
        contacts.commit_import(store, plan, source="cli", file_name=path.name, file_hash=sheet.file_hash,
                               actor="bench")
        t2 = time.perf_counter()
    return plan.counts, t1 - t0, t2 - t1


def peak_memory(folder: Path, path: Path) -> int:
    """Peak bytes allocated by Python while importing ``path`` into a fresh database."""
    with Store(folder / f"mem-{path.stem}.db") as store:
        gc.collect()
        tracemalloc.start()
        try:
            import_once(store, path)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def read_one(path: str) -> dict:
    """Read every row of ``path`` as the dry run does; time, peak RSS of this process and the outcome."""
    t0 = time.perf_counter()
    try:
        with read_rows(Path(path), Path(path).name) as sheet:
            for _ in sheet.rows():
                pass
            outcome = f"read: {sheet.counts['accepted']:,} accepted"
    except ImportFileError as exc:
        outcome = f"refused: {exc.reason}"
    seconds = time.perf_counter() - t0
    return {"s": round(seconds, 3), "peak_rss_mb": peak_rss_mb(), "outcome": outcome[:110]}


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss it is not inherited across exec)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def in_child(path: Path | None) -> dict:
    """:func:`read_one` in a fresh interpreter (``None``: just the imports, for the baseline)."""
    out = subprocess.run([sys.executable, __file__, "--read-one", str(path or "")], capture_output=True, text=True,
                         timeout=600, check=False)
    if out.returncode:
        return {"s": None, "peak_rss_mb": None, "outcome": f"CRASHED: {out.stderr.strip()[-200:]}"}
    return json.loads(out.stdout)


def bench_xlsx(rows: int) -> dict:
    """The normal and the hostile workbooks, each read in a child process."""
    results = {"interpreter + imports": in_child(None)}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases = {f"normal list, {rows:,} rows": lambda p: big_list(p, rows), **HOSTILE}
        for i, (label, write) in enumerate(cases.items()):
            path = write(folder / f"case{i}.xlsx")
            results[label] = in_child(path) | {"file_kb": round(path.stat().st_size / 1024)}
            path.unlink()
    print("xlsx reading (child process each; peak RSS includes the interpreter)")
    for label, r in results.items():
        size = f"{r['file_kb']:>8,} KB" if "file_kb" in r else " " * 11
        secs = f"{r['s']:6.2f} s" if r["s"] is not None else "     - "
        rss = f"{r['peak_rss_mb']:6.1f} MB" if r["peak_rss_mb"] is not None else "     -   "
        print(f"  {label:<44} {size} {secs} {rss}  {r['outcome']}")
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--xlsx", action="store_true", help="also measure reading normal and hostile .xlsx files")
    ap.add_argument("--read-one", metavar="PATH", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.read_one is not None:
        result = read_one(args.read_one) if args.read_one else {
            "s": 0.0, "peak_rss_mb": peak_rss_mb(),
            "outcome": "baseline"}
        print(json.dumps(result))
        return 0
    xlsx = bench_xlsx(args.rows) if args.xlsx else None

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        big = write_big_csv(folder / f"kontak_{args.rows}.csv", args.rows)
        small = write_big_csv(folder / f"kontak_{args.small}.csv", args.small)
        size_mb = big.stat().st_size / 1e6

        with Store(folder / "bench.db") as store:
            counts, plan_s, commit_s = import_once(store, big)
            again, replan_s, recommit_s = import_once(store, big)
        assert counts["new"] == args.rows, counts
        assert again["unchanged"] == args.rows, again

        peak_small = peak_memory(folder, small)
        peak_big = peak_memory(folder, big)

    total = plan_s + commit_s
    print(f"import of {args.rows:,} rows ({size_mb:.1f} MB CSV, streamed from disk)")
    print(f"  plan (dry run)        {plan_s:6.2f} s")
    print(f"  commit                {commit_s:6.2f} s")
    print(f"  plan + commit         {total:6.2f} s   (target <= {TARGET_SECONDS:.0f} s: "
          f"{'OK' if total <= TARGET_SECONDS else 'MISSED'})")
    print(f"  re-import (unchanged) {replan_s + recommit_s:6.2f} s")
    print(f"peak Python memory while importing (tracemalloc)")
    print(f"  {args.small:>7,} rows       {peak_small / 1e6:6.1f} MB")
    print(f"  {args.rows:>7,} rows       {peak_big / 1e6:6.1f} MB   "
          f"({(peak_big - peak_small) / max(args.rows - args.small, 1):.0f} bytes per extra row)")
    print(json.dumps({
        "bench": "import", "rows": args.rows, "plan_s": round(plan_s, 3), "commit_s": round(commit_s, 3),
        "total_s": round(total, 3), "reimport_s": round(replan_s + recommit_s, 3), "target_s": TARGET_SECONDS,
        "ok": total <= TARGET_SECONDS, "peak_bytes": {str(args.small): peak_small, str(args.rows): peak_big},
        "file_mb": round(size_mb, 2), **({"xlsx": xlsx} if xlsx else {}),
    }))
    return 0 if total <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
