"""Benchmark: a Blitar-style campaign through the operator route (SMPP, via a real Jasmin), beside the bare
smpplib baseline through the same Jasmin in the same run, with the modems sending at the same time.

Run: ``.venv/bin/python bench/bench_smpp.py [--n 100000] [--bare-n N] [--window 10] [--connectors 4]
[--modems 2] [--modem-n 300] [--modem-latency 0.1]`` (needs ``scripts/jasmin-setup``).

One private Jasmin stack (``tests/smpptools``) routes to the test operator network. Then:

1. ``bare``: a bare smpplib ESME (``BareEsme``, the same window) sends ``--bare-n`` messages: its
   submit_sm/s is the yardstick (Siaran's target: >= 80 % of it, and >= 500/s);
2. ``modems alone``: the real daemon (``siaran daemon --unthrottled``, a separate process) with
   ``--modems`` emulated SIM800s (``--modem-latency`` s per send) sends ``--modem-n`` modem-only
   messages: the modems' own rate;
3. ``campaign``: N contacts (1 in 500 opted out), an audience, a campaign with route ``smpp`` created,
   submitted (it then awaits approval) and approved by another user; the hold is on when the daemon
   starts (nothing may go), then lifted; meanwhile ``--modem-n`` more modem-only messages are queued.
   Measured: submit_sm/s of the operator route (first to last part the SMSC accepted), receipts
   matched (parts with their final receipt / parts sent, must be 100 %), the daemon's peak RSS
   (VmHWM), its CPU seconds per 1,000 messages, the modems' rate while the route runs (no
   head-of-line blocking either way), and the campaign report (rows, states).

Prints one line per figure and a JSON line at the end; never asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from bench.bench_campaign import populate  # noqa: E402
from bench.others._common import proc_status_kb  # noqa: E402
from firmware.campaigns import campaign as campaigns  # noqa: E402
from firmware.modem.emulator.config import EmulatorConfig  # noqa: E402
from firmware.modem.emulator.pty import PtyEmulator  # noqa: E402
from firmware.office.config import SmppAccount  # noqa: E402
from firmware.people import audience  # noqa: E402
from firmware.queue.store import Store  # noqa: E402
from smpptools.esme import BareEsme  # noqa: E402
from smpptools.network import OperatorNetwork  # noqa: E402
from smpptools.stack import Downstream, JasminStack  # noqa: E402
from firmware.campaigns.report import report_rows  # noqa: E402

SIARAN = [sys.executable, "-m", "firmware.cli"]
TEXT = "Info Pemkab Blitar: vaksinasi gratis di puskesmas Sabtu 08.00-12.00. Bawa KTP dan KK. {nama}"


class Results(dict):
    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        print(f"{key:<44} {value}", flush=True)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bare(host: str, port: int, system_id: str, password: str, n: int, window: int, base: int,
         receipt_timeout: float) -> dict:
    """The yardstick: a bare smpplib client (its own account), submit_sm/s and its receipts."""
    esme = BareEsme(host, port, system_id, password, window=window).bind()
    numbers = [f"62812{base + i:08d}" for i in range(n)]
    t0 = time.monotonic()
    results = esme.submit_many(numbers, "Info Pemkab Blitar: vaksinasi gratis di puskesmas Sabtu 08.00-12.00.",
                               timeout=max(120.0, n / 50))
    elapsed = time.monotonic() - t0
    ids = [r.message_id for r in results if r.ok]
    out = {"submit_per_s": round(len(ids) / elapsed, 1), "accepted": len(ids), "seconds": round(elapsed, 1)}
    if receipt_timeout > 0:
        try:
            esme.wait_receipts(ids, timeout=receipt_timeout)
        except Exception as exc:  # noqa: BLE001 — a figure, not a verdict
            out["receipts_error"] = str(exc)[:200]
        out["receipts_matched"] = len(set(ids) & esme.receipts.keys())
        out["receipts_per_s"] = round(out["receipts_matched"] / (time.monotonic() - t0), 1)
    esme.close()
    return out


def direct(net: OperatorNetwork, tmp: Path, n: int, window: int) -> dict:
    """Siaran's own ceiling: an SmppWorker straight to the operator network (no Jasmin), beside a bare
    client on the same network."""
    import threading

    from firmware.office.config import Config
    from firmware.queue.smpp_worker import SmppWorker

    bare_direct = bare(net.host, net.port, net.system_id, net.password, n, window, 70_000_000, 0)
    db = tmp / "direct.db"
    store = Store(db)
    store.enqueue([f"+62814{i:08d}" for i in range(n)], "Info Pemkab Blitar: vaksinasi gratis.")
    stop = threading.Event()
    worker = SmppWorker(SmppAccount(name="direct", host=net.host, port=net.port, system_id=net.system_id,
                                    password=net.password, source_addr="PEMKAB-BLTR", rate=100_000.0,
                                    window=window), Config(state_dir=str(tmp), unthrottled=True), str(db), stop=stop)
    worker.start()
    wait(lambda: store.queue_counts().get("queued", 0) == 0 and store.queue_counts().get("sending", 0) == 0,
         600, "direct blast sent", every=0.2)
    stop.set()
    worker.join(10)
    parts, per_s = rate(store, "modem = 'direct'")
    store.close()
    return {"bare_submit_per_s": bare_direct["submit_per_s"], "siaran_submit_per_s": round(per_s, 1),
            "siaran_vs_bare_pct": round(100 * per_s / bare_direct["submit_per_s"], 1), "messages": parts}


class Daemon:
    """``siaran daemon --unthrottled`` on ``state`` with emulated modems (a separate process)."""

    def __init__(self, state: Path, emus: list[PtyEmulator]) -> None:
        args = [*SIARAN, "daemon", "--state-dir", str(state), "--unthrottled"]
        for emu in emus:
            args += ["--modem", f"{emu.port}:sim800"]
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL,
                                     stderr=open(state / "daemon.log", "a"), env={**os.environ, "NOTIFY_SOCKET": ""})

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def rate(store: Store, where: str, args: tuple = ()) -> tuple[int, float]:
    """(parts, parts/s between the first and the last) of message_parts matching ``where``."""
    n, first, last = store.conn.execute(
        f"SELECT COUNT(*), MIN(sent_at), MAX(sent_at) FROM message_parts WHERE {where}", args).fetchone()
    return n, (n / (last - first) if n and last > first else 0.0)


def wait(predicate, timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = predicate()
        if got:
            return got
        time.sleep(every)
    raise RuntimeError(f"timed out: {what}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="campaign recipients (contacts)")
    ap.add_argument("--bare-n", type=int, default=2000, help="messages for the bare baseline through Jasmin")
    ap.add_argument("--direct-n", type=int, default=20000,
                    help="messages straight to the operator network (no Jasmin): Siaran's own ceiling; 0 skips")
    ap.add_argument("--window", type=int, default=10)
    ap.add_argument("--rate", type=float, default=5000.0, help="the account's rate limit (msg/s)")
    ap.add_argument("--connectors", type=int, default=4, help="Jasmin's connectors to the network (receipts/s)")
    ap.add_argument("--receipt-delay", type=float, default=0.2)
    ap.add_argument("--modems", type=int, default=2)
    ap.add_argument("--modem-n", type=int, default=300)
    ap.add_argument("--modem-latency", type=float, default=0.1)
    ap.add_argument("--receipt-timeout", type=float, default=3600.0)
    args = ap.parse_args(argv)
    bare_n = args.bare_n
    res = Results()
    net = OperatorNetwork().start()
    net.receipt_delay = args.receipt_delay
    tmp = Path(tempfile.mkdtemp(prefix="siaran-bench-smpp-"))
    (tmp / "jasmin").mkdir()
    stack = JasminStack(Downstream(net.host, net.port, net.system_id, net.password), workdir=tmp / "jasmin",
                        connectors=args.connectors, log_level="WARNING")
    emus: list[PtyEmulator] = []
    daemon: Daemon | None = None
    try:
        if args.direct_n:
            res["direct_no_jasmin"] = direct(net, tmp, args.direct_n, args.window)
        stack.start()
        stack.add_user("bare", "bare1")
        res["bare_smpplib"] = bare(stack.host, stack.smpp_port, "bare", "bare1", bare_n, args.window, 60_000_000,
                                   args.receipt_timeout)
        state = tmp / "state"
        state.mkdir()
        emus = [PtyEmulator(EmulatorConfig(model="sim800", send_latency=args.modem_latency, report_delay=0.5,
                                           name=f"emu{i}"), log_path=str(tmp / f"emu{i}.jsonl")).start()
                for i in range(args.modems)]
        store = Store(state / "siaran.db")
        # 2. the modems alone
        modem_numbers = [f"+62813{i:08d}" for i in range(2 * args.modem_n)]
        store.enqueue(modem_numbers[:args.modem_n], "Tes modem saja", channel="modem")
        daemon = Daemon(state, emus)
        wait(lambda: store.queue_counts().get("queued", 0) == 0 and store.queue_counts().get("sending", 0) == 0,
             600, "modem-only messages")
        daemon.close()
        n_alone, modems_alone = rate(store, "modem LIKE 'modem%'")
        res["modems_alone_parts_per_s"] = round(modems_alone, 1)
        # 3. the campaign
        t0 = time.perf_counter()
        populate(store, args.n)
        audience.save(store, "semua-blitar", audience.Audience(everyone=True), "bench")
        cid = campaigns.create(store, "Vaksinasi Blitar (bench)", TEXT, "semua-blitar", actor="cli:bench",
                               channel="smpp")
        submitted = campaigns.submit(store, cid, "cli:bench")
        approved = campaigns.approve(store, cid, "ani", via="cli:bench")
        res["campaign_setup_s"] = round(time.perf_counter() - t0, 1)
        res["campaign"] = {"submitted": submitted["state"], "queued": approved["queued"],
                           "suppressed_optouts": approved["suppressed"]}
        store.save_smpp_account(SmppAccount(name="jasmin", host=stack.host, port=stack.smpp_port,
                                            system_id=stack.system_id, password=stack.password,
                                            source_addr="PEMKAB-BLTR", rate=args.rate, window=args.window,
                                            price_per_part=250.0), by="bench")
        store.set_hold(True, reason="bench: nothing may go before the hold is lifted", by="bench")
        daemon = Daemon(state, emus)
        wait(lambda: any(r["state"] == "bound" for r in store.smpp_links()), 60, "the operator link bound")
        time.sleep(2.0)
        res["sent_during_hold"] = rate(store, "modem = 'jasmin'")[0]
        store.enqueue(modem_numbers[args.modem_n:], "Tes modem bersama SMPP", channel="modem")
        cpu0, t_start = cpu_seconds(daemon.proc.pid), time.monotonic()
        store.set_hold(False, reason=None, by="bench")
        queued = approved["queued"]

        def sent_all() -> bool:
            c = store.campaign_counts(cid)
            return c.get("queued", 0) == 0 and c.get("sending", 0) == 0

        wait(sent_all, args.receipt_timeout, "the campaign sent", every=0.5)
        t_sent = time.monotonic() - t_start
        cpu_send = cpu_seconds(daemon.proc.pid) - cpu0
        parts, smpp_rate = rate(store, "modem = 'jasmin'")
        res["smpp_submit_per_s"] = round(smpp_rate, 1)
        res["smpp_vs_bare_pct"] = round(100 * smpp_rate / res["bare_smpplib"]["submit_per_s"], 1)
        res["smpp_wall_s_to_all_sent"] = round(t_sent, 1)
        n_with, modems_with = rate(store, "modem LIKE 'modem%' AND sent_at >= ?", (time.time() - t_sent - 5,))
        res["modems_with_smpp_parts_per_s"] = round(modems_with, 1)
        res["daemon_cpu_s_per_1000_sent"] = round(1000 * cpu_send / max(1, parts), 2)

        def receipts_done() -> bool:
            c = store.campaign_counts(cid)
            return c.get("sent", 0) == 0

        try:
            wait(receipts_done, args.receipt_timeout, "every receipt", every=1.0)
        except RuntimeError:
            pass
        t_receipts = time.monotonic() - t_start
        cpu_all = cpu_seconds(daemon.proc.pid) - cpu0
        final_parts = store.conn.execute("SELECT COUNT(*) FROM message_parts WHERE modem = 'jasmin' AND final = 1"
                                         ).fetchone()[0]
        res["receipts_matched_pct"] = round(100 * final_parts / max(1, parts), 2)
        res["receipts_unmatched_kept"] = store.unmatched_smpp_receipts()
        res["receipts_wall_s"] = round(t_receipts, 1)
        res["daemon_cpu_s_per_1000_incl_receipts"] = round(1000 * cpu_all / max(1, parts), 2)
        res["daemon_peak_rss_mb"] = round(proc_status_kb(daemon.proc.pid, "VmHWM") / 1024, 1)
        res["campaign_counts"] = store.campaign_counts(cid)
        t0 = time.perf_counter()
        rows = sum(len(batch) for batch in report_rows(store, cid))
        res["report_rows"] = rows
        res["report_s"] = round(time.perf_counter() - t0, 2)
        res["jasmin_cpu_ms_per_msg"] = {k: round(1000 * v / max(1, parts + bare_n), 2)
                                        for k, v in stack.cpu_seconds().items()}
        store.close()
    finally:
        if daemon is not None:
            daemon.close()
        for emu in emus:
            emu.stop()
        stack.stop()
        net.stop()
    print(json.dumps({"bench": "smpp", "n": args.n, "window": args.window, "connectors": args.connectors, **res}))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
