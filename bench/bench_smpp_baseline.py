"""Benchmark: what a bare smpplib client reaches through Jasmin on loopback -- the SMPP route's yardstick.

Run: ``.venv/bin/python bench/bench_smpp_baseline.py [--sizes 2000,10000] [--connections 1,4]
[--connectors 1] [--window 10] [--receipt-delay 0.2] [--receipt-timeout 900]``
(needs ``scripts/jasmin-setup``; ``scripts/test`` runs it).

One private Jasmin stack (``tests/smpptools``: Redis, RabbitMQ, jasmind) routes to the test operator
network. For each size and number of ESME connections, fresh ``BareEsme`` sessions (transceivers,
``--window`` submit_sm outstanding each) share the recipients (unique fake numbers) and send one
GSM-7 message each with a receipt requested. Figures:

* ``submit/s``: submit_sm accepted by Jasmin per second (first send to last submit_sm_resp) -- what
  Siaran's route must reach 80 % of;
* ``to network/s``: messages Jasmin handed to the operator network per second over the same window
  until the last one arrived (Jasmin queues, so this can lag);
* ``receipts/s``: receipts reaching the ESMEs per second (first send to last receipt), ``matched``:
  receipts whose id is one Jasmin returned (must be all of them), ``dup``: receipts seen twice;
* ``ms/msg``: CPU milliseconds per message of jasmind and of RabbitMQ over the row (Jasmin is one
  Python process: on 2 cores its CPU per message bounds the rate).

``--connectors N`` gives Jasmin N SMPP client connectors to the network (a round-robin MT route):
Jasmin handles one downstream PDU at a time per connector, so receipts scale with connectors.
Prints a table and one JSON line; never asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from smpptools.esme import BareEsme  # noqa: E402
from smpptools.network import OperatorNetwork  # noqa: E402
from smpptools.stack import Downstream, JasminStack  # noqa: E402

TEXT = "Info Pemkab: vaksinasi gratis di puskesmas Sabtu 08.00-12.00. Bawa KTP dan KK."


def run_one(stack: JasminStack, net: OperatorNetwork, size: int, connections: int, window: int,
            base: int, receipt_timeout: float) -> dict:
    """Send ``size`` messages over ``connections`` sessions; return the figures."""
    esmes = [BareEsme(stack.host, stack.smpp_port, stack.system_id, stack.password, window=window).bind()
             for _ in range(connections)]
    net_before = len(net.accepted())
    numbers = [f"628120{base + i:07d}" for i in range(size)]
    shares = [numbers[i::connections] for i in range(connections)]
    results: list[list] = [[] for _ in esmes]
    errors: list[BaseException] = []

    def send(k: int) -> None:
        try:
            results[k] = esmes[k].submit_many(shares[k], TEXT, timeout=max(120.0, size / 50))
        except BaseException as e:
            errors.append(e)

    cpu0 = stack.cpu_seconds()
    t0 = time.monotonic()
    threads = [threading.Thread(target=send, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    t_submit = time.monotonic() - t0
    if errors:
        raise errors[0]
    ids = [r.message_id for rs in results for r in rs if r.ok]
    refused = sum(1 for rs in results for r in rs if not r.ok)
    net.wait_for(lambda: len(net.accepted()) - net_before >= len(ids), receipt_timeout, "all messages at the network")
    t_network = time.monotonic() - t0
    want = set(ids)
    deadline = time.monotonic() + receipt_timeout
    while time.monotonic() < deadline:
        seen = set().union(*(e.receipts.keys() for e in esmes))
        if want <= seen:
            break
        time.sleep(0.2)
    t_receipts = time.monotonic() - t0
    cpu = {k: v - cpu0.get(k, 0.0) for k, v in stack.cpu_seconds().items()}
    seen = set().union(*(e.receipts.keys() for e in esmes))
    matched = len(want & seen)
    dup = sum(e.receipt_count for e in esmes) - sum(len(e.receipts) for e in esmes)
    for e in esmes:
        e.close()
    return {
        "size": size, "connections": connections, "window": window, "refused": refused,
        "submit_s": round(t_submit, 2), "submit_per_s": round(len(ids) / t_submit, 1),
        "network_s": round(t_network, 2), "network_per_s": round(len(ids) / t_network, 1),
        "receipts_s": round(t_receipts, 2), "receipts_per_s": round(matched / t_receipts, 1),
        "matched": matched, "expected": len(ids), "dup": dup,
        "cpu_ms_per_msg": {k: round(1000 * v / max(1, len(ids)), 2) for k, v in cpu.items()},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="2000,10000")
    ap.add_argument("--connections", default="1,4")
    ap.add_argument("--connectors", type=int, default=1)
    ap.add_argument("--window", type=int, default=10)
    ap.add_argument("--receipt-delay", type=float, default=0.2, help="operator's delay before each receipt (s)")
    ap.add_argument("--receipt-timeout", type=float, default=900.0)
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",")]
    conns = [int(x) for x in args.connections.split(",")]

    net = OperatorNetwork().start()
    net.receipt_delay = args.receipt_delay
    rows = []
    with tempfile.TemporaryDirectory(prefix="siaran-bench-smpp-") as tmp:
        stack = JasminStack(Downstream(net.host, net.port, net.system_id, net.password), workdir=Path(tmp),
                            connectors=args.connectors, log_level="WARNING")
        try:
            t = time.monotonic()
            stack.start()
            cold = time.monotonic() - t
            print(f"stack up in {cold:.1f} s ({args.connectors} connector(s) to the operator network)", flush=True)
            base = 0
            for size in sizes:
                for c in conns:
                    row = run_one(stack, net, size, c, args.window, base, args.receipt_timeout)
                    base += size
                    rows.append(row)
                    print(json.dumps(row), flush=True)
        finally:
            stack.stop()
            net.stop()
    hdr = (f"{'msgs':>6} {'conns':>5} {'submit/s':>9} {'to network/s':>12} {'receipts/s':>10} "
           f"{'matched':>13} {'dup':>4} {'refused':>7} {'jasmind ms/msg':>14} {'rabbitmq ms/msg':>15}")
    print(f"\nJasmin 0.11.0, {args.connectors} connector(s), window {args.window}, receipt delay "
          f"{args.receipt_delay} s\n" + hdr)
    for r in rows:
        print(f"{r['size']:>6} {r['connections']:>5} {r['submit_per_s']:>9} {r['network_per_s']:>12} "
              f"{r['receipts_per_s']:>10} {r['matched']:>6}/{r['expected']:<6} {r['dup']:>4} {r['refused']:>7} "
              f"{r['cpu_ms_per_msg'].get('jasmind', 0):>14} {r['cpu_ms_per_msg'].get('rabbitmq', 0):>15}")
    print(json.dumps({"bench": "smpp_baseline", "connectors": args.connectors, "window": args.window,
                      "cold_start_s": round(cold, 1), "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
