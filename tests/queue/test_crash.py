"""SIGKILL the daemon at random points during a blast; nothing may be lost.

The daemon runs as a real process (``siaran daemon``) on emulated modems that
live in the test process, so they survive the kills and their logs say what
really went out.  After each kill the daemon is started again; at the end
every recipient must have the message, and duplicates are bounded: each kill
can leave at most one message per modem sent-but-unrecorded (it is re-sent
once, the policy: a missed warning is worse than a duplicate).
"""

from __future__ import annotations

import collections
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from firmware.modem.emulator.modem import EmulatorConfig
from firmware.modem.emulator.pty import PtyEmulator
from firmware.queue.store import Store

ROOT = Path(__file__).resolve().parents[2]


def _numbers(n: int) -> list[str]:
    return [f"+62812{7000000 + i:08d}" for i in range(n)]


def _start_daemon(state_dir: Path, emus: list[PtyEmulator]) -> subprocess.Popen:
    args = [sys.executable, "-m", "firmware.cli", "daemon", "--state-dir", str(state_dir), "--unthrottled"]
    for emu in emus:
        args += ["--modem", f"{emu.port}:sim800"]
    log = open(state_dir / "daemon.log", "a")
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)


def _received(emus: list[PtyEmulator]) -> collections.Counter:
    got: collections.Counter = collections.Counter()
    for emu in emus:
        path = Path(emu.log_path)
        if path.exists():
            for line in path.read_text().splitlines():
                got[json.loads(line)["number"]] += 1
    return got


def _blast_with_kills(tmp_path: Path, modems: int, messages: int, kills: int, seed: int) -> tuple[collections.Counter, dict]:
    rng = random.Random(seed)
    emus = [
        PtyEmulator(EmulatorConfig(model="sim800", send_latency=0.01, report_delay=0.05, name=f"e{i}"),
                    log_path=str(tmp_path / f"emu{i}.jsonl"), seed=seed + i).start()
        for i in range(modems)
    ]
    store = Store(tmp_path / "siaran.db")
    numbers = _numbers(messages)
    store.enqueue(numbers, "Peringatan dini: uji ketahanan daemon.")
    proc = _start_daemon(tmp_path, emus)
    try:
        for _ in range(kills):
            time.sleep(rng.uniform(0.4, 1.2))  # start-up takes ~0.3 s: some kills land mid-init
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            proc = _start_daemon(tmp_path, emus)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            counts = store.queue_counts()
            if not counts.get("queued") and not counts.get("sending"):
                break
            time.sleep(0.1)
        got = _received(emus)
        return got, store.queue_counts()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        store.close()
        for emu in emus:
            emu.stop()


def _explain(tmp_path: Path, missing: list[str]) -> str:
    """The store's rows for the missing numbers and the daemon's warnings: what a CI failure needs."""
    store = Store(tmp_path / "siaran.db")
    try:
        marks = ",".join("?" for _ in missing)
        rows = [dict(r) for r in store.conn.execute(
            f"SELECT id, state, in_doubt, attempts, parts_sent, handed_at, error FROM messages"
            f" WHERE number IN ({marks})", missing)]
    finally:
        store.close()
    log = (tmp_path / "daemon.log").read_text(errors="replace").splitlines()
    warnings = [line for line in log if "WARNING" in line or "ERROR" in line]
    return f"rows: {rows}\ndaemon warnings:\n" + "\n".join(warnings[-40:])


@pytest.mark.parametrize("modems,seed", [(1, 11), (2, 23)])
def test_sigkill_mid_blast_loses_nothing(tmp_path, modems, seed):
    kills = 4
    messages = 300
    got, counts = _blast_with_kills(tmp_path, modems, messages, kills, seed)
    missing = [n for n in _numbers(messages) if got[n] == 0]
    duplicates = sum(c - 1 for c in got.values() if c > 1)
    assert not missing, f"{len(missing)} recipients never got the message; queue: {counts}\n" + _explain(
        tmp_path, missing)
    assert duplicates <= kills * modems, f"{duplicates} duplicates after {kills} kills on {modems} modem(s)"
    assert counts.get("sending", 0) == 0 and counts.get("queued", 0) == 0
    assert set(counts) <= {"sent", "delivered", "unknown"}, counts


@pytest.mark.soak
def test_sigkill_soak(tmp_path):
    kills = 25
    got, counts = _blast_with_kills(tmp_path, 2, 3000, kills, seed=99)
    missing = [n for n in _numbers(3000) if got[n] == 0]
    assert not missing
    assert sum(c - 1 for c in got.values() if c > 1) <= 2 * kills
