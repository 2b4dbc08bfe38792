"""Benchmark: the LAN page on a full office database (100k contacts, 1M messages), side by side in one run.

Run from the repository root:

    .venv/bin/python bench/bench_web.py [--quick] [--data DIR] [--rebuild] [--json FILE]

The database (100,000 contacts, 10 campaigns of 100,000 messages in mixed
states, message parts for the last three campaigns, four modems) is built once
with direct SQL in one transaction on a :class:`~firmware.queue.store.Store` and
cached in ``--data DIR`` (default ``/var/tmp/siaran-bench-web``); ``--rebuild``
builds it again. Fake numbers only (``+62812`` followed by ``00000000``...).

The page runs as the real thing: ``siaran web --state-dir DIR --port N`` in a
subprocess (waitress, 4 threads), so its resident memory is its own
(``/proc/<pid>/status`` VmRSS before and after the load, VmHWM peak). The
first admin is made through the ``/setup`` form (or logs in, when the cached
database already has one); each concurrent client has its own session and its
own keep-alive connection, as browsers in an office would.

For each route, at 1 and 4 concurrent clients: warm-up requests, then N
requests (``--requests``, 200; 30 with ``--quick``); p50/p95/p99 of the full
response (headers and body read). Routes:

- ``/`` and ``/dashboard/live`` (the fragment the page polls);
- ``/campaigns/<id>`` and ``/campaigns/<id>/live`` for the running campaign;
- ``/campaigns/<id>?page=1000`` (a deep page of the recipient table) and ``?state=failed``;
- ``/contacts`` and ``/contacts?q=Budi``;
- ``/campaigns/<id>/report.csv``: time to download all 100,000 rows, rows/s and MB/s.

A route answering 404 is skipped ("route not available yet"): some pages are
still being written. The bar: p95 <= 150 ms for the dashboard and the campaign
page (and their live fragments); every page row prints PASS/FAIL against it,
the exit code follows the gated rows only.

``--only campaign,report`` runs the routes whose label holds one of the words.
The load average before and after is printed: other work on the box skews the
4-client rows first.

Prints a table, then one JSON line (``{"bench": "web", ...}``); ``--json FILE``
writes the same JSON to a file.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from firmware.queue.store import Store, db_path  # noqa: E402
from webtools import ADMIN_PASSWORD, Client, WebProcess  # noqa: E402

BAR_MS = 150.0
DATA_VERSION = 1  # bump when the built database changes shape
DEFAULT_DATA = Path("/var/tmp/siaran-bench-web")

FIRST = ("Budi", "Siti", "Agus", "Dewi", "Joko", "Sri", "Bambang", "Wati", "Slamet", "Rina", "Eko", "Ani",
         "Hendra", "Yuni", "Dedi", "Nur", "Rudi", "Lestari", "Wahyu", "Ratna", "Asep", "Euis", "Made", "Ketut")
LAST = ("Santoso", "Wijaya", "Saputra", "Lestari", "Hidayat", "Kurniawan", "Rahayu", "Setiawan", "Susanti",
        "Pratama", "Nugroho", "Wulandari", "Siregar", "Nasution", "Hutapea", "Sembiring", "")
DESA = ("Sukamaju", "Sukamakmur", "Mekarsari", "Cibodas", "Cijambu", "Sindangsari", "Margamulya", "Karangsari",
        "Tanjungsari", "Sumberejo", "Sidomulyo", "Wonorejo", "Purwodadi", "Kedungrejo", "Banjarsari",
        "Mulyorejo", "Sukorejo", "Tegalrejo", "Gunungsari", "Pasirjaya")
ROLES = ("Warga", "Warga", "Warga", "Ketua RT", "Ketua RW", "Kader Posyandu", "Linmas", "")
ERRORS = (("bad_destination", 21, "nomor tidak aktif (+CMS ERROR: 21, short message transfer rejected)"),
          ("report", None, "laporan: gagal permanen (TP-Status 0x41, incompatible destination)"),
          ("network_fault", 38, "+CMS ERROR: 38 (network out of order), gave up after 3 attempts"),
          ("operator_blocking", 50, "+CMS ERROR: 50 (requested facility not subscribed)"),
          ("modem_fault", 500, "+CMS ERROR: 500 (unknown error) from the modem"))
MODEMS = (("m0", "telkomsel", -71), ("m1", "telkomsel", -85), ("m2", "xl", -79), ("m3", "indosat", -97))
TEXT = ("PERINGATAN BPBD: hujan lebat malam ini di Desa {desa}. Warga RW {rw} di lereng waspada longsor, siapkan "
        "jalur evakuasi. Balas BERHENTI utk berhenti.")  # one SMS part


# -- the database -------------------------------------------------------------------------------------------

def build(data: Path, contacts: int, campaigns: int, per_campaign: int) -> dict:
    """Build the office database in ``data/state``; return what was built (also saved as build.json)."""
    state = data / "state"
    state.mkdir(parents=True, exist_ok=True)
    for f in state.iterdir():
        if f.name.startswith("siaran.db") or f.name == "web.key" or f.name == "uploads":
            if f.is_dir():
                continue
            f.unlink()
    (data / "build.json").unlink(missing_ok=True)
    rnd = random.Random(20240611)
    t0 = time.perf_counter()
    store = Store(db_path(state))
    store.conn.execute("PRAGMA cache_size = -200000")  # 200 MB page cache for the build only
    now = time.time()
    per_campaign = min(per_campaign, contacts)
    counts: dict[str, int] = {}
    parts = 0
    with store.tx() as c:
        c.executemany(
            "INSERT INTO contacts (id, number, name, desa, dusun, rw, rt, role, basis, dead, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            ((i + 1, f"+62812{i:08d}", f"{FIRST[i % len(FIRST)]} {LAST[i // len(FIRST) % len(LAST)]}".strip(),
              DESA[i % len(DESA)], f"Dusun {i // 7 % 4 + 1}", f"{i // 20 % 10 + 1:02d}",
              f"{i // 200 % 10 + 1:03d}", ROLES[i % len(ROLES)], "public_service", int(i % 997 == 5),
              now - 90 * 86400, now - 90 * 86400) for i in range(contacts)))
        c.executemany("INSERT INTO optouts (number, created_at, source, keyword) VALUES (?,?,'sms','BERHENTI')",
                      ((f"+62812{i:08d}", now - 30 * 86400) for i in range(7, contacts, 100)))
        c.executemany(
            "INSERT INTO modems (name, port, model, state, operator, route, signal_dbm, registration, balance,"
            " balance_at, last_seen, sent_total, errors, started_at, updated_at)"
            " VALUES (?,?,'sim800','ready',?,?,?,'cs=home,ps=home','Rp 48.500',?,?,?,?,?,?)",
            ((name, f"/dev/ttyUSB{k}", op.title(), op, dbm, now - 3600, now, 250_000,
              json.dumps({"transient": 12, "bad_destination": 40}), now - 86400, now)
             for k, (name, op, dbm) in enumerate(MODEMS)))
        # Campaigns every 8 hours, the oldest first; the newest is running, the one before it paused.
        for k in range(campaigns):
            cid = k + 1
            start = now - (campaigns - k) * 8 * 3600 + 3600
            newest = k == campaigns - 1
            paused = k == campaigns - 2
            cstate = "running" if newest else "paused" if paused else "done"
            text = TEXT.format(desa="{desa}", rw="{rw}")
            c.execute(
                "INSERT INTO campaigns (id, name, text, state, priority, report, audience, send_at, created_by,"
                " created_at, approved_by, approved_at, updated_at, recipients)"
                " VALUES (?,?,?,?,?,1,?,?,'web:operator',?,'approver',?,?,?)",
                (cid, f"Peringatan cuaca #{cid}", text, cstate, 100 if cid % 4 == 0 else 0,
                 json.dumps({"everyone": True}), start, start - 1800, start - 600, start, per_campaign))
            span = 3 * 3600.0  # the sent ones went out over three hours
            # share of the list still outstanding: running 40 %, paused 50 %, done none
            outstanding = 0.4 if newest else 0.5 if paused else 0.0
            rows = []
            part_rows = []
            for i in range(per_campaign):
                number = f"+62812{i:08d}"
                r = rnd.random()
                err = (None, None, None)
                sent_at = done_at = claimed_at = modem = None
                attempts = 0
                if i % 100 == 7:
                    st = "suppressed"
                    done_at = start
                elif r < outstanding:
                    st = "paused" if paused else "queued"
                else:
                    x = (r - outstanding) / (1 - outstanding)
                    st = ("delivered" if x < 0.78 else "sent" if x < 0.88 else "failed" if x < 0.97
                          else "unknown" if x < 0.99 else "expired")
                    # sending order follows the id; ramp over the span
                    sent_at = start + span * (i / per_campaign) * (1 - outstanding) + rnd.random() * 2
                    claimed_at = sent_at - 1.5
                    modem = MODEMS[i % len(MODEMS)][0]
                    attempts = 1
                    if st in ("delivered", "failed", "unknown", "expired"):
                        done_at = sent_at + rnd.expovariate(1 / 40.0)
                    if st == "failed":
                        err = ERRORS[i % len(ERRORS)]
                        attempts = 3 if err[0] == "network_fault" else 1
                    if st == "expired":
                        sent_at = claimed_at = modem = None
                        attempts = 0
                rows.append((campaign_row_id(cid, i, per_campaign), cid, number,
                             TEXT.format(desa=DESA[i % len(DESA)], rw=f"{i // 20 % 10 + 1:02d}"),
                             100 if cid % 4 == 0 else 0, MODEMS[i % 3][1], st, modem, attempts, start,
                             None if st in ("queued", "paused", "suppressed") else 1, start - 600, claimed_at,
                             sent_at, done_at, *err))
                counts[st] = counts.get(st, 0) + 1
                if k >= campaigns - 3 and sent_at is not None:
                    part_rows.append((rows[-1][0], modem, (i * 7) % 256, sent_at,
                                      0 if st == "delivered" else 64 if st == "failed" else None,
                                      "delivered" if st == "delivered" else "permanent" if st == "failed" else None,
                                      done_at if st in ("delivered", "failed") else None,
                                      int(st in ("delivered", "failed"))))
            c.executemany(
                "INSERT INTO messages (id, campaign_id, number, text, priority, report, route, state, modem,"
                " attempts, not_before, parts_total, created_at, created_by, claimed_at, sent_at, done_at,"
                " error_class, error_code, error)"
                " VALUES (?,?,?,?,?,1,?,?,?,?,?,?,?,'web:operator',?,?,?,?,?,?)", rows)
            c.executemany(
                "INSERT INTO message_parts (message_id, seq, total, modem, mr, sent_at, report_status,"
                " report_class, report_at, final) VALUES (?,1,1,?,?,?,?,?,?,?)", part_rows)
            parts += len(part_rows)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    info = {"version": DATA_VERSION, "contacts": contacts, "campaigns": campaigns, "per_campaign": per_campaign,
            "messages": campaigns * per_campaign, "message_parts": parts, "states": counts, "built_at": now,
            "build_s": round(time.perf_counter() - t0, 1),
            "db_mb": round(db_path(state).stat().st_size / 1e6, 1)}
    (data / "build.json").write_text(json.dumps(info, indent=1))
    return info


def campaign_row_id(cid: int, i: int, per_campaign: int) -> int:
    return (cid - 1) * per_campaign + i + 1


def ensure_data(data: Path, args: argparse.Namespace) -> tuple[dict, bool]:
    """The cached database, built when missing, of another shape, or with --rebuild; (info, built now)."""
    meta = data / "build.json"
    want = {"version": DATA_VERSION, "contacts": args.contacts, "campaigns": args.campaigns,
            "per_campaign": min(args.per_campaign, args.contacts)}
    if not args.rebuild and meta.exists() and db_path(data / "state").exists():
        info = json.loads(meta.read_text())
        if all(info.get(k) == v for k, v in want.items()):
            return info, False
    print(f"building {args.contacts:,} contacts and {args.campaigns} x {want['per_campaign']:,} messages in"
          f" {data} ...", flush=True)
    return build(data, args.contacts, args.campaigns, args.per_campaign), True


# -- the server ---------------------------------------------------------------------------------------------

def sessions(port: int, n: int) -> list[str]:
    """``n`` logged-in sessions (Cookie header values): the admin via /setup on a fresh database, else /login."""
    out = []
    for _ in range(n):
        c = Client(port)
        r = c.get("/setup")  # the first-run form on a fresh database; else it sends us to /login
        if 'name="password2"' in r.text:
            r = c.post("/setup", {"username": "admin", "password": ADMIN_PASSWORD, "password2": ADMIN_PASSWORD})
        else:
            r = c.login("admin", ADMIN_PASSWORD)
        if r.status != 200 or 'action="/logout"' not in r.text:
            raise RuntimeError(f"could not log in (status {r.status}): {r.text[:300]}")
        out.append("; ".join(f"{k}={v}" for k, v in c.cookies.items()))
    return out


class Conn:
    """One browser: a keep-alive connection with its session cookie."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port, self.cookie = port, cookie
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str) -> tuple[int, int, float, bytes]:
        """(status, bytes, seconds to the last byte, body)."""
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            t0 = time.perf_counter()
            try:
                self.conn.request("GET", path, headers={"Cookie": self.cookie, "Accept-Encoding": "identity"})
                resp = self.conn.getresponse()
                body = resp.read()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
                continue
            dt = time.perf_counter() - t0
            if resp.will_close:
                self.conn.close()
                self.conn = None
            return resp.status, len(body), dt, body
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn:
            self.conn.close()


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    s = sorted(values)
    if not s:
        return float("nan")
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def load(port: int, cookies: list[str], path: str, clients: int, warmup: int, n: int) -> dict:
    """``n`` timed GETs of ``path`` shared among ``clients`` threads (after ``warmup`` each untimed)."""
    conns = [Conn(port, cookies[i]) for i in range(clients)]
    times: list[float] = []
    sizes: list[int] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    todo = iter(range(n))
    start = threading.Barrier(clients)

    def worker(conn: Conn) -> None:
        for _ in range(warmup):
            conn.get(path)
        start.wait()
        while True:
            with lock:
                if next(todo, None) is None:
                    return
            status, size, dt, _ = conn.get(path)
            with lock:
                times.append(dt)
                sizes.append(size)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker, args=(c,)) for c in conns]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    for c in conns:
        c.close()
    ms = [t * 1000 for t in times]
    return {"clients": clients, "requests": len(times), "p50_ms": round(percentile(ms, 50), 1),
            "p95_ms": round(percentile(ms, 95), 1), "p99_ms": round(percentile(ms, 99), 1),
            "max_ms": round(max(ms), 1), "mean_ms": round(statistics.fmean(ms), 1),
            "req_per_s": round(len(times) / wall, 1), "bytes": round(statistics.fmean(sizes)),
            "statuses": {str(k): v for k, v in sorted(statuses.items())}}


def download(port: int, cookies: list[str], path: str, clients: int, repeats: int) -> dict:
    """Each of ``clients`` downloads ``path`` ``repeats`` times at once; seconds to the last byte, rows, rate."""
    results: list[tuple[int, int, float, int]] = []
    lock = threading.Lock()

    def worker(cookie: str) -> None:
        conn = Conn(port, cookie)
        for _ in range(repeats):
            status, size, dt, body = conn.get(path)
            rows = body.count(b"\n") - 1 if status == 200 else 0  # minus the header line
            with lock:
                results.append((status, size, dt, rows))
        conn.close()

    threads = [threading.Thread(target=worker, args=(cookies[i],)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    secs = [r[2] for r in results]
    total_bytes = sum(r[1] for r in results)
    total_rows = sum(r[3] for r in results)
    statuses: dict[str, int] = {}
    for r in results:
        statuses[str(r[0])] = statuses.get(str(r[0]), 0) + 1
    return {"clients": clients, "requests": len(results), "p50_ms": round(percentile(secs, 50) * 1000, 1),
            "p95_ms": round(percentile(secs, 95) * 1000, 1), "p99_ms": round(percentile(secs, 99) * 1000, 1),
            "max_ms": round(max(secs) * 1000, 1), "rows": results[-1][3], "mb": round(results[-1][1] / 1e6, 2),
            "rows_per_s": round(total_rows / wall), "mb_per_s": round(total_bytes / 1e6 / wall, 1),
            "statuses": statuses}


# -- the run ------------------------------------------------------------------------------------------------

def routes(cid: int) -> list[tuple[str, str, bool]]:
    """(label, path, gated by the bar)."""
    return [
        ("dashboard", "/", True),
        ("dashboard live", "/dashboard/live", True),
        ("campaign page", f"/campaigns/{cid}", True),
        ("campaign live", f"/campaigns/{cid}/live", True),
        ("campaign page=1000", f"/campaigns/{cid}?page=1000", False),
        ("campaign state=failed", f"/campaigns/{cid}?state=failed", False),
        ("contacts", "/contacts", False),
        ("contacts q=Budi", "/contacts?q=Budi", False),
    ]


def probe(port: int, cookie: str, path: str) -> tuple[str | None, float]:
    """None when the route answers 200, else why it is skipped; and the seconds of this first (cold) request."""
    conn = Conn(port, cookie)
    try:
        status, _, dt, body = conn.get(path)
    finally:
        conn.close()
    if status == 404:
        return "route not available yet", dt
    if status != 200:
        m = re.search(r"<h1[^>]*>(.*?)</h1>", body.decode("utf-8", "replace"), re.S)
        return f"answers {status}" + (f" ({m.group(1).strip()[:80]})" if m else "") + "; see web.log", dt
    if b'name="password"' in body and b"/login" in body and path != "/login":
        return "answers the login page (session not accepted)", dt
    return None, dt


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer requests (30 per page, 3 warm-up; 2 downloads)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"cache folder (default {DEFAULT_DATA})")
    ap.add_argument("--rebuild", action="store_true", help="build the database again")
    ap.add_argument("--json", type=Path, help="also write the JSON result to this file")
    ap.add_argument("--requests", type=int, help="timed requests per page and concurrency (default 200)")
    ap.add_argument("--warmup", type=int, help="untimed requests per client first (default 10)")
    ap.add_argument("--downloads", type=int, help="report downloads per client (default 5)")
    ap.add_argument("--clients", default="1,4", help="concurrency levels (default 1,4)")
    ap.add_argument("--contacts", type=int, default=100_000)
    ap.add_argument("--campaigns", type=int, default=10)
    ap.add_argument("--per-campaign", type=int, default=100_000)
    ap.add_argument("--campaign", type=int, help="campaign id for the campaign pages (default: the running one)")
    ap.add_argument("--only", help="comma-separated words: run only the routes whose label holds one"
                                   " (e.g. campaign,report)")
    args = ap.parse_args(argv)
    n = args.requests or (30 if args.quick else 200)
    warmup = args.warmup if args.warmup is not None else (3 if args.quick else 10)
    downloads = args.downloads or (2 if args.quick else 5)
    levels = [int(x) for x in args.clients.split(",") if x.strip()]
    only = [w.strip() for w in (args.only or "").split(",") if w.strip()]

    def wanted(label: str) -> bool:
        return not only or any(w in label for w in only)

    info, built = ensure_data(args.data, args)
    state = args.data / "state"
    cid = args.campaign or info["campaigns"]
    print(f"database: {info['contacts']:,} contacts, {info['messages']:,} messages, {info['message_parts']:,}"
          f" parts, {db_path(state).stat().st_size / 1e6:,.0f} MB"
          f" ({'built now in' if built else 'cached, built in'} {info['build_s']} s)")

    load_before = os.getloadavg()[0]
    web = WebProcess(state)
    rss: dict[str, int] = {"start_kb": web.status_kb("VmRSS")}
    results = []
    try:
        cookies = sessions(web.port, max(levels))
        rss["logged_in_kb"] = web.status_kb("VmRSS")
        for label, path, gated in routes(cid):
            if not wanted(label):
                continue
            skip, cold = probe(web.port, cookies[0], path)
            row = {"route": label, "path": path, "gated": gated, "cold_ms": round(cold * 1000, 1)}
            if skip:
                row["skipped"] = skip
                results.append(row)
                print(f"  {label:<24} skipped: {skip}", flush=True)
                continue
            row["runs"] = []
            for c in levels:
                r = load(web.port, cookies, path, c, warmup, n)
                r["verdict"] = "PASS" if r["p95_ms"] <= BAR_MS else "FAIL"
                row["runs"].append(r)
                print(f"  {label:<24} c={c}  p50 {r['p50_ms']:7.1f}  p95 {r['p95_ms']:7.1f}  p99 {r['p99_ms']:7.1f}"
                      f" ms  {r['verdict']}", flush=True)
            results.append(row)
        # the report: 100k rows to the last byte
        path = f"/campaigns/{cid}/report.csv"
        skip, cold = probe(web.port, cookies[0], path) if wanted("report.csv") else ("not selected (--only)", 0.0)
        row = {"route": "report.csv", "path": path, "gated": False, "cold_ms": round(cold * 1000, 1)}
        if skip:
            row["skipped"] = skip
            print(f"  {'report.csv':<24} skipped: {skip}", flush=True)
        else:
            row["runs"] = [download(web.port, cookies, path, c, downloads) for c in levels]
            for r in row["runs"]:
                print(f"  {'report.csv':<24} c={r['clients']}  p50 {r['p50_ms']:7.0f} ms  {r['rows']:,} rows"
                      f"  {r['rows_per_s']:,} rows/s", flush=True)
        results.append(row)
        rss["after_kb"] = web.status_kb("VmRSS")
        rss["peak_kb"] = web.status_kb("VmHWM")
    finally:
        web.close()

    # -- the table
    print()
    print(f"LAN page on {info['messages']:,} messages / {info['contacts']:,} contacts; campaign {cid};"
          f" {n} requests per row after {warmup} warm-up per client; bar p95 <= {BAR_MS:.0f} ms"
          f" (* = gated)")
    print(f"{'route':<26}{'clients':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>8}{'KB':>8}  verdict")
    gate_ok = True
    for row in results:
        name = row["route"] + (" *" if row["gated"] else "")
        if "skipped" in row:
            print(f"{name:<26}{'':>7}  skipped: {row['skipped']}")
            continue
        for r in row["runs"]:
            if row["route"] == "report.csv":
                print(f"{name:<26}{r['clients']:>7}{r['p50_ms']:>9.0f}{r['p95_ms']:>9.0f}{r['p99_ms']:>9.0f}"
                      f"{'':>8}{r['mb'] * 1000:>8.0f}  {r['rows']:,} rows; {r['rows_per_s']:,} rows/s,"
                      f" {r['mb_per_s']} MB/s")
                continue
            bad = {k: v for k, v in r["statuses"].items() if k != "200"}
            note = f"  (non-200: {bad})" if bad else ""
            print(f"{name:<26}{r['clients']:>7}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['p99_ms']:>9.1f}"
                  f"{r['req_per_s']:>8.1f}{r['bytes'] / 1000:>8.1f}  {r['verdict']}{note}")
            if row["gated"] and (r["verdict"] != "PASS" or bad):
                gate_ok = False
    print(f"web process RSS: {rss['start_kb'] / 1024:.1f} MB at start, {rss['logged_in_kb'] / 1024:.1f} MB"
          f" logged in, {rss['after_kb'] / 1024:.1f} MB after the load (peak VmHWM {rss['peak_kb'] / 1024:.1f} MB)")
    load_after = os.getloadavg()[0]
    print(f"box: {os.cpu_count()} CPUs, load average {load_before:.1f} before, {load_after:.1f} after")
    out = {"bench": "web", "quick": args.quick, "requests": n, "warmup": warmup, "clients": levels,
           "bar_p95_ms": BAR_MS, "campaign": cid, "cpus": os.cpu_count(),
           "loadavg": [round(load_before, 2), round(load_after, 2)],
           "data": {k: info[k] for k in ("contacts", "messages", "message_parts", "db_mb", "build_s")},
           "rss_kb": rss, "routes": results, "ok": gate_ok}
    line = json.dumps(out)
    print(line)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")
    return 0 if gate_ok else 1


if __name__ == "__main__":
    sys.exit(main())
