"""A 100,000-recipient campaign queued: approve -> every message rendered and inserted (target <= 3 s).

Run from the repository root:

    .venv/bin/python bench/bench_campaign.py [--contacts 100000]

Builds a fresh database in a temporary folder with N fake contacts
(+62812xxxxxxxx, 20 kelurahan x RW 01-10 x RT 01-10, a few opted out and
a few flagged dead), saves an audience, creates the landslide warning from
the ready template, submits it (it then awaits approval) and times:

- ``preview``: every recipient's text rendered and counted (segments, cost, time);
- ``approve``: the approval that renders and inserts all messages in one transaction.

Prints a table, then one JSON line (``{"bench": "campaign", ...}``) for scripts.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firmware.people import audience  # noqa: E402
from firmware.campaigns import campaign as campaigns
from firmware.office.config import Config, ModemConfig  # noqa: E402
from firmware.queue.store import Store  # noqa: E402

TARGET_SECONDS = 3.0
ROLES = ("Ketua RT", "Ketua RW", "Kader Posyandu", "Warga", "")


def populate(store: Store, n: int) -> None:
    """N contacts, 1 in 500 opted out, 1 in 700 dead; one approver."""
    now = store.clock()
    with store.tx() as c:
        c.executemany(
            "INSERT INTO contacts (number, name, desa, dusun, rw, rt, role, dead, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            ((f"+62812{i:08d}", f"Warga Nomor {i}" if i % 11 else None, f"Kelurahan {i % 20:02d}",
              f"Dusun {i % 3}", f"{i % 10 + 1:02d}", f"{i // 10 % 10 + 1:03d}", ROLES[i % 5], int(i % 700 == 3),
              now, now) for i in range(n)))
        c.executemany("INSERT INTO optouts (number, created_at, source) VALUES (?,?,'sms')",
                      ((f"+62812{i:08d}", now) for i in range(0, n, 500)))
        c.execute("INSERT INTO users (username, password_hash, role, created_at) VALUES ('ani', '-', 'approver', ?)",
                  (now,))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "siaran.db")
        t0 = time.perf_counter()
        populate(store, args.contacts)
        setup = time.perf_counter() - t0
        aud = audience.Audience(everyone=True)
        audience.save(store, "semua", aud, "bench")
        modems = tuple(ModemConfig(name=f"m{i}", port=f"/dev/ttyUSB{i}") for i in range(4))
        config = Config(state_dir=tmp, modems=modems)
        cid = campaigns.create(store, "Longsor (bench)", None, "semua", template="peringatan-longsor",
                               emergency=True, actor="cli:bench")
        t0 = time.perf_counter()
        pv = campaigns.preview_campaign(store, config, cid)
        preview_s = time.perf_counter() - t0
        submitted = campaigns.submit(store, cid, "cli:bench")
        t0 = time.perf_counter()
        result = campaigns.approve(store, cid, "ani", via="cli:bench")
        approve_s = time.perf_counter() - t0
        inserted = store.conn.execute("SELECT COUNT(*) FROM messages WHERE campaign_id = ?", (cid,)).fetchone()[0]
        db_mb = (Path(tmp) / "siaran.db").stat().st_size / 1e6
        store.close()
    out = {
        "bench": "campaign", "contacts": args.contacts, "recipients": pv["recipients"],
        "queued": result["queued"], "suppressed": result["suppressed"], "inserted": inserted,
        "segments_total": pv["segments"]["total"], "cost_rupiah": pv["cost"]["total_rupiah"],
        "estimate": pv["time"]["human_en"], "submit_state": submitted["state"],
        "setup_s": round(setup, 3), "preview_s": round(preview_s, 3), "approve_s": round(approve_s, 3),
        "approve_msgs_per_s": round(inserted / approve_s), "target_s": TARGET_SECONDS,
        "ok": approve_s <= TARGET_SECONDS, "db_mb": round(db_mb, 1),
    }
    print(f"contacts            {args.contacts:>10,}")
    print(f"reachable           {pv['recipients']:>10,}   (opted out {pv['audience']['opted_out']:,},"
          f" dead {pv['audience']['dead']:,})")
    print(f"preview             {preview_s:>10.3f} s  (segments {pv['segments']['total']:,},"
          f" Rp {pv['cost']['total_rupiah']:,.0f}, 4 modems: {pv['time']['human_en']})")
    print(f"approve -> queued   {approve_s:>10.3f} s  ({result['queued']:,} queued + {result['suppressed']:,}"
          f" suppressed; {out['approve_msgs_per_s']:,} msg/s; target <= {TARGET_SECONDS:g} s:"
          f" {'OK' if out['ok'] else 'MISSED'})")
    print(json.dumps(out))
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
