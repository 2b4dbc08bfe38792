"""Throughput of the PDU codec: encode_submit and decode, in messages/s and parts/s.

Run from the repository root:

    .venv/bin/python bench/bench_codec.py

Three messages: a 1-part GSM-7, a 3-part GSM-7 and a 2-part UCS-2 one.  Each
case runs for about one second per direction.  Prints a table, then one JSON
line (``{"bench": "codec", "results": [...]}``) for scripts to collect.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firmware.modem import pdu  # noqa: E402

NUMBER = "+6281299990000"  # fake
ALERT = "Peringatan dini: potensi longsor di RW 03, Desa Sukamaju. Segera mengungsi!"
CASES = {
    "gsm7-1part": ALERT,
    "gsm7-3part": (ALERT + " ") * 5,
    "ucs2-2part": "Warga yth, waspada – hujan deras “ekstrem” malam ini. Mohon siaga, jauhi lereng & sungai.",
}
TARGET_SECONDS = 1.0


def _rate(func, target: float = TARGET_SECONDS) -> float:
    """Calls per second of ``func``, timed over at least ``target`` seconds."""
    calls = 0
    batch = 16
    start = time.perf_counter()
    while True:
        for _ in range(batch):
            func()
        calls += batch
        elapsed = time.perf_counter() - start
        if elapsed >= target:
            return calls / elapsed
        batch *= 2 if elapsed < target / 4 else 1


def bench_case(name: str, text: str) -> dict:
    parts = pdu.encode_submit(NUMBER, text, concat_ref=0x2A)
    hexes = [part.pdu for part in parts]
    encode_rate = _rate(lambda: pdu.encode_submit(NUMBER, text, concat_ref=0x2A))

    def decode_all() -> None:
        for hex_pdu in hexes:
            pdu.decode(hex_pdu)

    decode_rate = _rate(decode_all)
    return {
        "case": name,
        "parts": len(parts),
        "encoding": pdu.choose_encoding(text).value,
        "encode_msgs_per_s": round(encode_rate),
        "encode_parts_per_s": round(encode_rate * len(parts)),
        "decode_msgs_per_s": round(decode_rate),
        "decode_parts_per_s": round(decode_rate * len(parts)),
    }


def main() -> int:
    results = [bench_case(name, text) for name, text in CASES.items()]
    header = f"{'case':<12} {'parts':>5} {'enc msg/s':>10} {'enc part/s':>11} {'dec msg/s':>10} {'dec part/s':>11}"
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['case']:<12} {r['parts']:>5} {r['encode_msgs_per_s']:>10} {r['encode_parts_per_s']:>11}"
            f" {r['decode_msgs_per_s']:>10} {r['decode_parts_per_s']:>11}"
        )
    print(json.dumps({"bench": "codec", "python": sys.version.split()[0], "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
