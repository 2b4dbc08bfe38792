"""Benchmark: the whole daemon (queue claim, durable commits, driver, pty, emulator), side by side in one run.

Run: ``.venv/bin/python bench/bench_daemon.py [--quick] [--skip-others]``

Each figure is measured in this one run, on emulated modems (``firmware.modem.emulator.pty``)
in this process and ``siaran daemon --unthrottled`` as a separate process (its
memory is its own):

1. full-path throughput at zero modem latency, 1 and 2 modems (target >= 500/s);
2. queued-to-wire latency: ``siaran send`` returning -> the PDU accepted by the
   emulator, daemon idle (target <= 100 ms);
3. modem utilisation at 100 ms emulated latency per send (target >= 98 %):
   busy time / wall time between the first and the last accepted part;
4. scaling with 1, 2 and 4 modems at 100 ms (target: 4 modems >= 3.8x one);
5. claim cost with 1 thousand vs 1 million queued messages (target ratio <= 1.5);
6. daemon resident memory (VmHWM) during a 100k-message blast (target <= 50 MB);
7. the same blast through gammu-smsd and smstools3 (``bench/others``), if installed.

``--quick`` shrinks every size (for a smoke run); the figures in the issue
notes come from a full run.
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
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from firmware.modem.emulator.modem import EmulatorConfig  # noqa: E402
from firmware.modem.emulator.pty import PtyEmulator  # noqa: E402
from firmware.queue.store import Store  # noqa: E402
from bench.others._common import proc_status_kb  # noqa: E402
from webtools import end_process  # noqa: E402

SIARAN = [sys.executable, "-m", "firmware.cli"]


def numbers(n: int, offset: int = 0) -> list[str]:
    return [f"+62812{offset + i:08d}" for i in range(n)]


class Rig:
    """Emulators + a daemon subprocess on a fresh state dir."""

    def __init__(self, modems: int, latency: float, report_delay: float = 1.0) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="siaran-bench-"))
        self.emus = [
            PtyEmulator(EmulatorConfig(model="sim800", send_latency=latency, report_delay=report_delay,
                                       name=f"emu{i}"), log_path=str(self.dir / f"emu{i}.jsonl")).start()
            for i in range(modems)
        ]
        args = [*SIARAN, "daemon", "--state-dir", str(self.dir), "--unthrottled"]
        for emu in self.emus:
            args += ["--modem", f"{emu.port}:sim800"]
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(self.dir / "daemon.log", "w"))
        self.store = Store(self.dir / "siaran.db")
        self._wait_ready()

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = [m["state"] for m in self.store.modems()]
            if len(states) == len(self.emus) and all(s == "ready" for s in states):
                return
            time.sleep(0.05)
        raise RuntimeError(f"daemon not ready: {self.store.modems()}")

    def sent(self) -> int:
        return sum(e.sent_count for e in self.emus)

    def wait_sent(self, n: int, timeout: float) -> float:
        t0 = time.monotonic()
        while self.sent() < n:
            if time.monotonic() - t0 > timeout:
                raise RuntimeError(f"only {self.sent()} of {n} sent in {timeout} s")
            time.sleep(0.005)
        return time.monotonic() - t0

    def log_times(self) -> list[float]:
        times = []
        for emu in self.emus:
            for line in Path(emu.log_path).read_text().splitlines():
                times.append(datetime.fromisoformat(json.loads(line)["time"]).timestamp())
        return sorted(times)

    def rss_peak_kb(self) -> int:
        return proc_status_kb(self.proc.pid, "VmHWM")

    def close(self) -> None:
        end_process(self.proc)
        self.store.close()
        for emu in self.emus:
            emu.stop()


def throughput(n: int, modems: int) -> float:
    rig = Rig(modems, latency=0.0)
    try:
        rig.store.enqueue(numbers(n), "Tes kecepatan Siaran")
        elapsed = rig.wait_sent(n, timeout=600)
        return n / elapsed
    finally:
        rig.close()


def latency(samples: int) -> list[float]:
    rig = Rig(1, latency=0.0)
    try:
        out = []
        for i in range(samples):
            time.sleep(1.2)  # let the daemon go idle
            before = rig.sent()
            done = subprocess.run([*SIARAN, "send", "--state-dir", str(rig.dir), "--to", numbers(1, i)[0],
                                   "--text", "Tes latensi"], cwd=ROOT, check=True, capture_output=True, text=True)
            returned = json.loads(done.stdout)["queued_at"]  # printed right after the commit
            rig.wait_sent(before + 1, timeout=10)
            accepted = rig.log_times()[-1]
            out.append((accepted - returned) * 1000)
        return out
    finally:
        rig.close()


def utilisation(n_per_modem: int, modems: int, lat: float = 0.1) -> tuple[float, float]:
    """(utilisation %, messages/s) at ``lat`` seconds per send."""
    rig = Rig(modems, latency=lat)
    try:
        rig.store.enqueue(numbers(n_per_modem * modems), "Tes utilisasi")
        rig.wait_sent(n_per_modem * modems, timeout=600)
        times = rig.log_times()
        span = times[-1] - times[0] + lat  # the first part's own latency precedes its log line
        busy = n_per_modem * lat  # per modem
        return 100.0 * busy / span, len(times) / span
    finally:
        rig.close()


def claim_cost(sizes: tuple[int, ...], rounds: int = 900) -> dict[int, float]:
    """Microseconds per claim + complete with ``size`` messages queued."""
    from firmware.queue.store import Outcome

    out = {}
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(Path(tmp) / "siaran.db")
            batch = 100_000
            for start in range(0, size, batch):
                store.enqueue(numbers(min(batch, size - start), start), "Tes klaim")
            msg = store.claim("m")
            t0 = time.perf_counter()
            for _ in range(rounds):
                msg = store.complete_and_claim(Outcome(msg.id, "sent", parts=((1, 1, 7),), parts_total=1), "m")
            out[size] = (time.perf_counter() - t0) / rounds * 1e6
            store.close()
    return out


def memory(n: int) -> tuple[int, float]:
    """(peak RSS kB of the daemon, messages/s) during an ``n``-message blast on 2 modems."""
    rig = Rig(2, latency=0.0, report_delay=0.2)
    try:
        for start in range(0, n, 50_000):
            rig.store.enqueue(numbers(min(50_000, n - start), start), "Tes memori")
        elapsed = rig.wait_sent(n, timeout=3600)
        return rig.rss_peak_kb(), n / elapsed
    finally:
        rig.close()


def others(n: int) -> list[dict]:
    """The same blast through gammu-smsd and smstools3, each on a fresh emulator (bench/compare_daemons.py)."""
    try:
        from bench.compare_daemons import RUNNERS, ensure_packages, fresh_emulator, run_other_daemons
    except ImportError as exc:
        return [{"daemon": "gammu-smsd/smstools3", "error": f"bench/compare_daemons.py not usable: {exc}"}]
    ensure_packages()
    out: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in RUNNERS:
            with fresh_emulator(Path(tmp), name) as emu:
                for r in run_other_daemons(emu, Path(tmp), n, daemons=(name,)):
                    out.append({k: r.get(k) for k in ("daemon", "version", "messages", "seconds", "per_second",
                                                      "steady_per_second", "ok", "error")})
    return out


class Results(dict):
    """A dict that prints each figure as it is measured (a long run shows progress)."""

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        print(f"{key:<40} {value}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--skip-others", action="store_true", help="do not run gammu-smsd and smstools3")
    args = parser.parse_args()
    q = args.quick
    res = Results()

    n = 1000 if q else 5000
    res["throughput_1_modem_per_s"] = round(throughput(n, 1), 1)
    res["throughput_2_modems_per_s"] = round(throughput(n, 2), 1)
    lat = latency(5 if q else 20)
    res["queued_to_wire_ms_median"] = round(statistics.median(lat), 1)
    res["queued_to_wire_ms_max"] = round(max(lat), 1)
    per = 30 if q else 100
    scale = {}
    for m in (1, 2, 4):
        util, rate = utilisation(per, m)
        scale[m] = rate
        res[f"utilisation_{m}_modem_pct"] = round(util, 2)
        res[f"rate_{m}_modem_at_100ms_per_s"] = round(rate, 2)
    res["scaling_4_vs_1"] = round(scale[4] / scale[1], 2)
    sizes = (1_000, 100_000) if q else (1_000, 1_000_000)
    cost = claim_cost(sizes)
    res["claim_us"] = {str(k): round(v, 1) for k, v in cost.items()}
    res["claim_ratio_large_vs_small"] = round(cost[sizes[1]] / cost[sizes[0]], 2)
    blast = 10_000 if q else 100_000
    rss, rate = memory(blast)
    res[f"daemon_peak_rss_mb_{blast}_blast"] = round(rss / 1024, 1)
    res[f"blast_{blast}_per_s"] = round(rate, 1)
    if not args.skip_others:
        n_others = 200 if q else 500
        res["others"] = others(n_others)
        rig_rate = throughput(n_others, 1)
        res[f"siaran_same_{n_others}_blast_per_s"] = round(rig_rate, 1)

    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
