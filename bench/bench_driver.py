"""Benchmark: sends per second through driver + pseudo-terminal + emulator at zero latency.

Run: ``.venv/bin/python bench/bench_driver.py [--seconds 5]``

Measured side by side in one run, on one emulated SIM800 with no send latency:
- bare ``AT``/``OK`` round trips per second (the floor set by the pty and threads),
- single-part GSM-7 sends per second (``AT+CMGS`` with prompt and PDU),
- three-part UCS-2 messages per second (and parts per second),
each with ``command_gap=0`` (what a benchmark of the software alone needs) and
with the 20 ms default gap a real modem gets.  The modem is the physical limit
in the field (seconds per SMS); these figures show how far the software is
from being what the modem waits for.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firmware.modem import at  # noqa: E402
from firmware.modem.driver import Modem  # noqa: E402
from firmware.modem.emulator.modem import EmulatorConfig  # noqa: E402
from firmware.modem.emulator.pty import PtyEmulator  # noqa: E402

NUMBER = "+6281200000001"
UCS2_TEXT = "Pemberitahuan imunisasi 🙏 " * 6


def _rate(fn, seconds: float) -> tuple[float, int]:
    count = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        fn(count)
        count += 1
    return count / (time.perf_counter() - t0), count


def run(seconds: float) -> dict:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        emu = PtyEmulator(EmulatorConfig(model="sim800"), log_path=Path(tmp) / "bench.jsonl")
        emu.start()
        try:
            for gap in (0.0, 0.02):
                with Modem.open(emu.port, command_gap=gap) as modem:
                    modem.initialise()
                    ping = at.Command("AT")
                    label = f"gap={gap * 1000:g}ms"
                    results[f"at_roundtrips_per_s[{label}]"], _ = _rate(
                        lambda i: modem.channel.command(ping), seconds)
                    results[f"gsm7_sends_per_s[{label}]"], _ = _rate(
                        lambda i: modem.send(NUMBER, f"Tes {i}"), seconds)
                    parts = len(modem.send(NUMBER, UCS2_TEXT).parts)
                    rate, _ = _rate(lambda i: modem.send(NUMBER, UCS2_TEXT), seconds)
                    results[f"ucs2_{parts}part_messages_per_s[{label}]"] = rate
                    results[f"ucs2_parts_per_s[{label}]"] = rate * parts
        finally:
            emu.stop()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per measurement")
    args = parser.parse_args()
    results = run(args.seconds)
    width = max(len(k) for k in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value:10.1f}")
    print(json.dumps({k: round(v, 1) for k, v in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
