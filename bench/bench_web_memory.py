"""Resident memory of the web process (``siaran web``) after logins: the Pi Zero 2 W's budget.

Run from the repository root:

    .venv/bin/python bench/bench_web_memory.py [--logins 15] [--clients 4]

Starts ``siaran web`` on a fresh state folder, creates the admin (first-run setup), then logs in
``--logins`` times from ``--clients`` concurrent clients, so that every waitress thread hashes
passwords (scrypt: a 16 MiB buffer per login).  Prints VmRSS at start, after the setup, after the
logins (and its peak, VmHWM), then one JSON line (``{"bench": "web_memory", ...}``).  Target (issue
11 §5): <= 64 MB after 15 logins.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from webtools import login_memory  # noqa: E402

TARGET_MB = 64.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--logins", type=int, default=15)
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args()
    mb = login_memory(args.logins, args.clients)
    verdict = "met" if mb["after_logins"] <= TARGET_MB else "MISSED"
    print(f"siaran web RSS: {mb['start']} MB at start, {mb['after_setup']} MB after the setup, "
          f"{mb['after_logins']} MB after {args.logins} logins ({args.clients} clients; peak {mb['peak']} MB); "
          f"target <= {TARGET_MB:g} MB: {verdict}")
    print(json.dumps({"bench": "web_memory", "logins": args.logins, "clients": args.clients, "rss_mb": mb,
                      "target_mb": TARGET_MB, "met": verdict == "met"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
