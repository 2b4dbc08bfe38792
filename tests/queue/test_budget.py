"""A Pi's budget (issue 11 §5): an idle daemon sleeps, and a message writes few pages.

Counted, not timed: what the idle daemon does in a few seconds (looks at the database, reader
ticks) and the WAL frames a blast appends, so a busy machine cannot make these pass or fail.
Figures in CPU and bytes: ``bench/bench_budget.py``.
"""

from __future__ import annotations

import struct
import time

import pytest

import firmware.queue.store as store_mod
from emutools import wait_until
from test_daemon import Rig, numbers, rig  # noqa: F401 — the daemon rig and its fixture


def _count_calls(obj, name: str) -> list[int]:
    """Wrap ``obj.name`` so each call adds one to the returned counter."""
    calls = [0]
    inner = getattr(obj, name)

    def counted(*args, **kwargs):
        calls[0] += 1
        return inner(*args, **kwargs)

    setattr(obj, name, counted)
    return calls


def test_an_idle_daemon_sleeps_between_wakes(rig):
    rig.start([{}]).wait_ready()
    rig.store.enqueue(numbers(1), "pemanasan")
    rig.wait_drained(5)
    worker = rig.daemon.workers[0]
    time.sleep(1.5)  # settled into its idle wait
    looks = _count_calls(worker.store, "data_version")
    ticks = _count_calls(worker.modem.channel._session, "check_timeout")
    time.sleep(3.0)
    # Before: the worker looked at the database every 20 ms (150 looks in 3 s) and the serial reader
    # woke every 50 ms (60 ticks): about 1 % of a core doing nothing.
    assert looks[0] <= 12, f"{looks[0]} looks at the database in 3 s of idling"
    assert ticks[0] <= 2, f"the serial reader woke {ticks[0]} times in 3 s with nothing to read"
    # ... and still answers at once: a message queued elsewhere goes out without waiting for a look.
    before = rig.sent_parts()
    rig.store.enqueue(numbers(1, 50), "cepat")
    assert rig.emus[0].wait_sent(before + 1, timeout=0.5)


@pytest.fixture
def no_checkpoints(monkeypatch):
    """Every connection keeps its WAL (no automatic checkpoint), so the frames a blast appends can be read."""
    connect = store_mod._connect

    def keeping_the_wal(path, *, readonly=False):
        conn = connect(path, readonly=readonly)
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        return conn

    monkeypatch.setattr(store_mod, "_connect", keeping_the_wal)


def _wal_frames(wal_path, page_size: int, start: int) -> list[int]:
    """The size field of each frame appended from byte ``start``: non-zero marks a commit's last frame."""
    data = wal_path.read_bytes()
    return [struct.unpack(">II", data[off:off + 8])[1] for off in range(start, len(data) - 23, page_size + 24)]


def test_a_message_costs_one_commit_and_under_20_kb_of_wal(no_checkpoints, rig):
    rig.start([{}]).wait_ready()
    n = 60
    assert rig.store.conn.execute("PRAGMA page_size").fetchone()[0] == store_mod.PAGE_SIZE == 1024
    wal = rig.tmp_path / "siaran.db-wal"
    start = wal.stat().st_size
    rig.store.enqueue(numbers(n), "Tes anggaran")
    wait_until(lambda: rig.counts().get("delivered", 0) == n, 30, "every message delivered")
    frames = _wal_frames(wal, store_mod.PAGE_SIZE, start)
    commits = sum(1 for size in frames if size)
    per_message = len(frames) * (store_mod.PAGE_SIZE + 24) / n
    print(f"{len(frames) / n:.1f} WAL frames and {commits / n:.2f} commits per message: {per_message:,.0f} bytes")
    assert commits <= n * 1.25, f"{commits} commits for {n} messages (one each, with its report riding along)"
    assert per_message <= 20_000
