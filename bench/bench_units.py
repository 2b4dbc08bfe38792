"""What units (dinas) cost on a busy box: the quota read, the quota check at queueing, the monthly report.

Run from the repository root:

    .venv/bin/python bench/bench_units.py [--contacts 100000] [--campaigns 10]

Builds a fresh database (the contacts of ``bench_campaign.py``), a unit Damkar with a monthly quota and a
signature, and queues ``--campaigns`` campaigns of the unit to every contact (a million messages by
default), a tenth of them marked delivered with their parts. Then times:

- ``quota_status``: what the compose preview reads on every change (used and left this month);
- ``room``: the quota check approving adds (inside its transaction);
- ``approve``: one more campaign queued, with the quota checked inside its transaction;
- ``monthly_report``: the report for every unit (what the finance CSV holds).

Prints a table, then one JSON line (``{"bench": "units", ...}``) for scripts.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_campaign import populate  # noqa: E402

from firmware.campaigns import campaign as campaigns  # noqa: E402
from firmware.office import units, users  # noqa: E402
from firmware.people import audience  # noqa: E402
from firmware.queue.store import Store  # noqa: E402


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--campaigns", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "siaran.db")
        populate(store, args.contacts)
        audience.save(store, "semua", audience.Audience(everyone=True), "bench")
        damkar = units.add_unit(store, "Damkar", actor="bench", signature="-Damkar",
                                monthly_quota=args.contacts * (args.campaigns + 2) * 2)
        users.add_user(store, "fajar", "operator", "bench-rahasia-123", actor="bench", unit=damkar)
        users.set_unit(store, "ani", damkar, actor="bench")
        for i in range(args.campaigns + 1):
            cid = campaigns.create(store, f"Latihan {i}", "Latihan evakuasi {nama} RT {rt}.", "semua",
                                   actor="web:fajar")
            campaigns.submit(store, cid, "web:fajar")
            if i == args.campaigns:
                break
            _, seconds = timed(lambda: campaigns.approve(store, cid, "ani"))
        with store.tx() as c:  # a tenth delivered, each with its part handed to a modem
            c.execute("INSERT INTO message_parts (message_id, seq, total, modem, mr, sent_at)"
                      " SELECT id, 1, 1, 'm0', id % 256, created_at FROM messages WHERE id % 10 = 0")
            c.execute("UPDATE messages SET state = 'delivered', done_at = created_at WHERE id % 10 = 0")
        messages = store.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
        status, quota_s = timed(lambda: units.quota_status(store, damkar))
        _, room_s = timed(lambda: units.room(store, store.conn, damkar, 100_000))
        result, approve_s = timed(lambda: campaigns.approve(store, cid, "ani"))
        report, report_s = timed(lambda: units.monthly_report(store))
        store.close()
    row = next(r for r in report if r["unit"] == "Damkar")
    out = {"bench": "units", "contacts": args.contacts, "messages": messages + result["queued"],
           "quota_used": status["used"], "quota_status_s": round(quota_s, 3), "approve_queued": result["queued"],
           "room_s": round(room_s, 3), "approve_s": round(approve_s, 3), "previous_approve_s": round(seconds, 3),
           "report_s": round(report_s, 3), "report_parts": row["bagian_sms"],
           "report_rate": row["tingkat_terkirim_persen"]}
    lines = (("messages in the month", f"{out['messages']:,}", ""),
             ("quota_status", f"{quota_s:.3f} s", f"used {status['used']:,} of {status['quota']:,}"),
             ("quota check (room)", f"{room_s:.3f} s", "what approving adds, inside its transaction"),
             ("approve", f"{approve_s:.3f} s", f"{result['queued']:,} queued after {messages:,};"
              f" the approve before took {seconds:.3f} s"),
             ("monthly_report", f"{report_s:.3f} s", f"Damkar: {row['bagian_sms']:,} parts,"
              f" delivery rate {row['tingkat_terkirim_persen']} %"))
    for label, value, note in lines:
        print(f"{label:<22} {value:>12}  {note}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
