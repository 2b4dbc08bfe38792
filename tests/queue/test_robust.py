"""Trust under real inputs (issue 9): signals, a worker that dies, a full disk, a corrupt file, exact counts.

Real parts throughout: the daemon in-process on emulated modems over real pseudo-terminals (the
:class:`Rig` of ``test_daemon``), real signals delivered to the worker threads, a real SQLite file
whose page limit makes writes fail with SQLITE_FULL, a real corrupted file.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from emutools import wait_until
from test_daemon import Rig, numbers
from test_sdnotify import NotifySocket

from firmware.queue import health
from firmware.queue.daemon import Daemon
from firmware.queue import worker as worker_mod  # the restart policy all workers share
from firmware.queue.limits import RateLimiter
from firmware.modem.at import AtSession
from firmware.box.panel import panel_state
from firmware.queue.store import Store, db_path, integrity_problems


@pytest.fixture
def rig(tmp_path):
    r = Rig(tmp_path)
    yield r
    r.stop()
    try:
        assert not r.thread or not r.thread.is_alive(), "daemon did not stop within 30 s"
    finally:
        for e in r.emus:
            e.stop()
        if r.store is not None:
            r.store.close()


# -- EINTR: a signal interrupting a system call is not a dead modem --------------------------------------------


class SignalStorm:
    """Sends ``sig`` to the given threads every ``interval`` s (pthread_kill: each thread's own system
    calls are interrupted, as when systemd or a monitoring tool signals the daemon mid-blast)."""

    def __init__(self, sig: int, interval: float):
        self.sig, self.interval = sig, interval
        self.targets: list[threading.Thread] = []
        self.sent = 0
        self.handled = 0
        self._stop = threading.Event()
        self._old = signal.signal(sig, self._handler)
        self._thread = threading.Thread(target=self._run, name="signal storm", daemon=True)

    def _handler(self, *_args) -> None:
        self.handled += 1

    def start(self, targets: list[threading.Thread]) -> SignalStorm:
        self.targets = targets
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            for t in self.targets:
                if t.ident is not None and t.is_alive():
                    signal.pthread_kill(t.ident, self.sig)
                    self.sent += 1
            time.sleep(self.interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        signal.signal(self.sig, self._old)


def test_a_blast_completes_while_signals_interrupt_the_workers_system_calls(rig):
    rig.start([{}]).wait_ready()
    worker = rig.daemon.workers[0]
    reader = worker.modem.channel._reader
    storm = SignalStorm(signal.SIGUSR1, 0.0)
    try:
        storm.start([worker, reader])
        targets = numbers(120)
        rig.store.enqueue(targets, "Uji sinyal: pesan tetap terkirim.")
        counts = rig.wait_drained(30)
    finally:
        storm.stop()
    print(f"{storm.sent} signals sent to the worker and reader threads during the blast")
    assert storm.sent > 1000
    assert worker.is_alive() and worker.crashed is None
    assert set(counts) <= {"sent", "delivered"} and sum(counts.values()) == 120
    assert set(rig.sent_numbers()) == set(targets)


# -- the per-SIM hourly limit holds exactly ----------------------------------------------------------------------

LONG = "Peringatan dini banjir: " + "air sungai naik, warga di bantaran diminta mengungsi ke balai desa. " * 3


def test_a_part_exactly_one_window_ago_still_counts():
    limiter = RateLimiter(per_minute=60, per_hour=2, per_day=100)
    limiter.record(1000.0)
    limiter.record(1000.5)
    assert limiter.sent_in(4600.0, 3600.0) == 2, "a closed window: the part sent 3600 s ago counts"
    assert limiter.wait_time(4600.0) > 0
    assert limiter.wait_time(4600.0 + limiter.wait_time(4600.0)) == 0


def test_a_long_message_waits_until_all_its_parts_fit():
    limiter = RateLimiter(per_minute=60, per_hour=5, per_day=100)
    for t in range(4):
        limiter.record(1000.0 + t)
    assert limiter.wait_time(1010.0, parts=1) == 0
    wait = limiter.wait_time(1010.0, parts=2)
    assert wait == pytest.approx(1000.0 + 3600.0 - 1010.0, abs=0.01)
    assert limiter.wait_time(1010.0 + wait, parts=2) == 0


@pytest.mark.parametrize("jitter", [0.0, 0.01], ids=["pipelined", "jitter"])
def test_hourly_limit_holds_exactly_with_a_multipart_message_at_the_edge(rig, jitter):
    """Four single parts, then a two-part message, with five parts an hour: the long message would make 6/5.
    It waits (in the queue, not claimed); the singles behind it wait too; nothing goes over the limit."""
    rig.start([{}], unthrottled=False, jitter_min=jitter, jitter_max=jitter, window_start="00:00",
              window_end="24:00", modem={"per_minute": 5, "per_hour": 5, "per_day": 100}).wait_ready()
    singles = numbers(4)
    long_to = numbers(1, start=50)
    rest = numbers(3, start=60)
    rig.store.enqueue(singles, "satu bagian")
    rig.store.enqueue(long_to, LONG)
    rig.store.enqueue(rest, "satu bagian lagi")
    wait_until(lambda: rig.sent_parts() >= 4, 10, "the first four parts")
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        assert rig.sent_parts() <= 5
        time.sleep(0.05)
    assert rig.sent_parts() == 4, "the two-part message does not fit the one part left this hour"
    assert set(rig.sent_numbers()) == set(singles)
    long_row = rig.store.message(rig.ids_for(long_to[0])[0])
    assert long_row["state"] == "queued" and long_row["attempts"] == 0, long_row


def test_a_two_part_message_that_fits_exactly_goes_and_then_nothing_more(rig):
    rig.start([{}], unthrottled=False, jitter_min=0.0, jitter_max=0.0, window_start="00:00",
              window_end="24:00", modem={"per_minute": 5, "per_hour": 5, "per_day": 100}).wait_ready()
    rig.store.enqueue(numbers(3), "satu bagian")
    rig.store.enqueue(numbers(1, start=50), LONG)
    rig.store.enqueue(numbers(2, start=60), "satu bagian lagi")
    wait_until(lambda: rig.sent_parts() >= 5, 10, "five parts")
    time.sleep(2.0)
    assert rig.sent_parts() == 5
    assert rig.counts().get("queued") == 2


# -- no silent worker death ----------------------------------------------------------------------------------------


def _fail_commits(monkeypatch, *, after: int, times: int | None, exc: Exception) -> list[int]:
    """Make Store.complete_and_claim raise ``exc`` from its ``after``-th call on, ``times`` times (None: always)."""
    calls = [0, 0]  # calls, failures
    real = Store.complete_and_claim

    def flaky(self, *args, **kwargs):
        calls[0] += 1
        if calls[0] > after and (times is None or calls[1] < times):
            calls[1] += 1
            raise exc
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "complete_and_claim", flaky)
    return calls


def test_a_worker_whose_loop_fails_restarts_and_the_blast_completes(rig, monkeypatch):
    monkeypatch.setattr(worker_mod, "RESTART_DELAYS", (0.1, 0.1, 0.1))
    rig.start([{}]).wait_ready()
    calls = _fail_commits(monkeypatch, after=15, times=1, exc=RuntimeError("injected: a bug in a store verb"))
    targets = numbers(60)
    rig.store.enqueue(targets, "Uji pemulihan pekerja.")
    counts = rig.wait_drained(30)
    worker = rig.daemon.workers[0]
    assert calls[1] == 1, "the failure was injected"
    assert worker.restarts == 1 and worker.is_alive() and worker.crashed is None
    assert set(counts) <= {"sent", "delivered"} and sum(counts.values()) == 60
    sent = rig.sent_numbers()
    assert set(sent) == set(targets) and max(sent.values()) == 1, "nothing lost, nothing sent twice"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the worker's last raise
def test_a_worker_that_keeps_failing_stops_the_watchdog_and_the_daemon_exits_non_zero(rig, monkeypatch, tmp_path):
    notify_socket = NotifySocket(tmp_path / "notify.sock")
    monkeypatch.setenv("NOTIFY_SOCKET", notify_socket.path)
    monkeypatch.setattr(worker_mod, "RESTART_DELAYS", (0.1, 0.1))
    try:
        rig.start([{}]).wait_ready()
        notify_socket.wait_for(lambda ls: ls.count("WATCHDOG=1") >= 2, 10, "pings while healthy")
        _fail_commits(monkeypatch, after=0, times=None, exc=RuntimeError("injected: always failing"))
        rig.store.enqueue(numbers(3), "Uji gagal terus.")
        wait_until(lambda: not rig.thread.is_alive(), 20, "the daemon to exit")
        assert rig.run_result == [1], "exit non-zero: systemd (Restart=on-failure) restarts the daemon"
        worker = rig.daemon.workers[0]
        assert worker.restarts == 2 and isinstance(worker.crashed, RuntimeError)
        assert rig.modem_row(0)["state"] == "failed"
        # the last ping came before the worker gave up; nothing after it
        with notify_socket.lock:
            last_ping = max(t for t, line in notify_socket.messages if line == "WATCHDOG=1")
            stopping = max(t for t, line in notify_socket.messages if line == "STOPPING=1")
        assert last_ping < stopping
    finally:
        notify_socket.close()
    assert rig.counts().get("queued") == 3, "nothing lost: the messages wait for the restarted daemon"


# -- a full disk pauses sending, shows "disk penuh", and resumes by itself -----------------------------------------


def test_a_full_disk_pauses_the_blast_shows_disk_penuh_and_it_resumes_when_space_is_freed(rig):
    rig.start([{}]).wait_ready()
    worker = rig.daemon.workers[0]
    targets = numbers(150)
    rig.store.enqueue(targets, "Uji disk penuh: pesan tidak hilang.")
    wait_until(lambda: rig.sent_parts() >= 20, 10, "the blast to start")
    # SQLite's own limit on the worker's connection: the file may not grow, writes fail with SQLITE_FULL.
    pages = worker.store.conn.execute("PRAGMA page_count").fetchone()[0]
    worker.store.conn.execute(f"PRAGMA max_page_count = {pages}")
    wait_until(lambda: rig.modem_row(0)["state"] == "disk_full", 20, "the modem row to say disk_full")
    row = rig.modem_row(0)
    assert "disk penuh" in row["state_reason"] and "disk is full" in row["state_reason"]
    assert panel_state(rig.store.modems(), rig.counts(), rig.store.hold(), None, None)["attention"] == "slow"
    stalled = rig.sent_parts()
    time.sleep(1.5)
    assert rig.sent_parts() <= stalled + 1, "sending pauses while nothing can be recorded"
    assert worker.is_alive() and worker.crashed is None
    worker.store.conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
    counts = rig.wait_drained(40)
    assert set(counts) <= {"sent", "delivered"} and sum(counts.values()) == 150
    sent = rig.sent_numbers()
    assert set(sent) == set(targets) and max(sent.values()) == 1, "nothing lost, nothing sent twice"
    assert rig.modem_row(0)["state"] == "ready"


# -- a corrupt database: refuse to start, say how to get back; siaran restore -------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def _corrupt(path: Path) -> None:
    """Write garbage over pages in the middle of a real database file (what a failing SD card does)."""
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.seek((size // 2) // 4096 * 4096)
        f.write(bytes(random.Random(9).randrange(256) for _ in range(3 * 4096)))


def _state_with_messages(state: Path, n: int = 500) -> None:
    with Store.in_state_dir(state) as store:
        store.enqueue(numbers(n), "Pesan uji untuk cadangan dan pemulihan.", created_by="test")
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _cli(*argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("NOTIFY_SOCKET", None)
    return subprocess.run([sys.executable, "-m", "firmware.cli", *argv], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def test_the_daemon_refuses_a_corrupt_database_with_a_bilingual_message_and_the_way_back(tmp_path):
    state = tmp_path / "state"
    _state_with_messages(state)
    _corrupt(db_path(state))
    proc = _cli("daemon", "--state-dir", str(state), "--modem", str(tmp_path / "no-such-port") + ":sim800")
    assert proc.returncode == 4, (proc.returncode, proc.stdout, proc.stderr[-2000:])
    answer = json.loads(proc.stdout)
    assert "corrupt" in answer["error"] and "siaran restore" in answer["error"]
    assert "rusak" in answer["pesan"] and "siaran restore" in answer["pesan"] and "--salvage" in answer["pesan"]
    shown = health.read(state)
    assert shown["state"] == "database_corrupt" and shown["pesan"] == answer["pesan"]


def test_restore_from_a_backup_brings_a_corrupt_database_back(tmp_path):
    state = tmp_path / "state"
    _state_with_messages(state)
    proc = _cli("backup", str(tmp_path / "cadangan.db"), "--state-dir", str(state))
    assert proc.returncode == 0, proc.stdout
    _corrupt(db_path(state))
    assert integrity_problems(db_path(state))
    health.write(state, "database_corrupt", "corrupt", "rusak", "siaran restore")

    proc = _cli("restore", str(tmp_path / "cadangan.db"), "--state-dir", str(state))
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert result["rows"]["messages"] == 500 and result["hold"] is True
    assert integrity_problems(db_path(state), full=True) == []
    assert Path(result["kept"]).exists(), "the corrupt file is kept beside the restored one"
    assert not Path(str(db_path(state)) + "-wal").exists()
    assert health.read(state) is None
    with Store.in_state_dir(state) as store:
        assert store.queue_counts() == {"queued": 500}
        assert store.hold().active, "held until someone has looked at the restored queue"


def test_restore_refuses_while_the_database_is_open_and_a_bad_backup_changes_nothing(tmp_path):
    state = tmp_path / "state"
    _state_with_messages(state, 20)
    holder = subprocess.Popen([sys.executable, "-c", "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1]);"
                               " c.execute('SELECT count(*) FROM messages').fetchone(); print('open', flush=True);"
                               " time.sleep(30)", str(db_path(state))], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        bad = tmp_path / "bad.db"
        bad.write_bytes(b"not a database at all " * 500)
        proc = _cli("restore", str(bad), "--state-dir", str(state))
        assert proc.returncode == 2 and "hentikan layanan" in json.loads(proc.stdout)["pesan"]
    finally:
        holder.kill()
        holder.wait()
    before = db_path(state).read_bytes()
    proc = _cli("restore", str(bad), "--state-dir", str(state))
    assert proc.returncode == 1 and "tidak ada yang diubah" in json.loads(proc.stdout)["pesan"]
    assert db_path(state).read_bytes() == before


def test_the_dashboard_says_why_the_daemon_is_not_running(web, admin):
    assert 'id="daemon-health"' not in admin.get("/").text
    health.write(web.config.state_dir, "database_corrupt", "the database is corrupt", "Basis data rusak",
                 "siaran restore X")
    page = admin.get("/").text
    assert 'id="daemon-health"' in page and "Layanan pengirim tidak berjalan" in page and "Basis data rusak" in page
    assert "siaran restore X" in admin.get("/dashboard/live").text


class ShiftedRig(Rig):
    """A Rig whose daemon's wall clock the test can move forward (``jump``): a minute passes at once."""

    def __init__(self, tmp_path):
        super().__init__(tmp_path)
        self.offset = 0.0

    def clock(self) -> float:
        return time.time() + self.offset

    def _run_daemon(self) -> None:
        self.daemon = Daemon(self.cfg, clock=self.clock)
        self.thread = threading.Thread(target=lambda: self.run_result.append(self.daemon.run()),
                                       name="daemon", daemon=True)
        self.thread.start()


def test_a_limit_counts_each_part_from_when_the_network_took_it(tmp_path):
    """A SIM800 takes 1-5 s to answer AT+CMGS, varying. Counted from before the PDU was written, a slow
    first part and a fast later one come less than a window apart on the network: per_minute 2 became
    3 parts within 60 s. Counted from +CMGS (and recorded so in message_parts.sent_at), they never do."""
    rig = ShiftedRig(tmp_path)
    try:
        rig.start([{"send_latency": 0.6}], unthrottled=False, jitter_min=0.0, jitter_max=0.0,
                  window_start="00:00", window_end="24:00",
                  modem={"per_minute": 2, "per_hour": 1000, "per_day": 10000}).wait_ready()
        emu = rig.emus[0]
        rig.store.enqueue(numbers(1), "pertama, lambat")
        wait_until(lambda: emu.sent_count >= 1, 10, "the slow first part")
        emu.modem.config = dataclasses.replace(emu.modem.config, send_latency=0.0)  # then the network is quick
        rig.store.enqueue(numbers(1, start=10), "kedua, cepat")
        wait_until(lambda: emu.sent_count >= 2, 10, "the second part")
        handed = rig.store.conn.execute("SELECT MIN(handed_at) FROM messages").fetchone()[0]
        # A minute after the first part was written to the modem, but not yet after the network took it.
        rig.offset = handed + 60.05 - time.time()
        rig.store.enqueue(numbers(1, start=20), "ketiga, cepat")
        wait_until(lambda: emu.sent_count >= 3, 10, "the third part")
        wall = [datetime.fromisoformat(r["time"].replace("Z", "+00:00")).timestamp() for r in rig.sent_log()]
        span = (wall[2] + rig.offset) - wall[0]
        assert span > 60.0, f"3 parts on the network within {span:.2f} s with 2 a minute allowed"
        # The emulator logs a part before it answers +CMGS; the worker records it after: wait for the record.
        sent_at = wait_until(lambda: (rows := [r[0] for r in rig.store.conn.execute(
            "SELECT sent_at FROM message_parts ORDER BY sent_at")]) and len(rows) >= 3 and rows, 10,
            "the third part recorded")
        assert sent_at[0] >= wall[0] and sent_at[2] - sent_at[0] > 60.0, "sent_at says when each part went"
    finally:
        rig.stop()
        for e in rig.emus:
            e.stop()
        rig.store.close()


def test_a_reader_thread_that_fails_is_replaced_and_the_blast_completes(rig, monkeypatch):
    """Not only the worker: the channel's reader thread must not die silently either (a modem no one reads
    looks hung and is retried every ten minutes). It marks the channel lost; the worker opens the port again."""
    rig.start([{}]).wait_ready()
    real, calls = AtSession.feed, [0]

    def flaky(self, data):
        calls[0] += 1
        if calls[0] == 40:
            raise RuntimeError("injected: a bug in the AT parser")
        return real(self, data)

    monkeypatch.setattr(AtSession, "feed", flaky)
    targets = numbers(40)
    rig.store.enqueue(targets, "Uji pembaca port.")
    counts = rig.wait_drained(40)
    assert calls[0] > 40
    assert set(counts) <= {"sent", "delivered", "unknown"} and sum(counts.values()) == 40
    assert set(rig.sent_numbers()) == set(targets), "every number reached"
    assert rig.daemon.workers[0].crashed is None


def test_restore_salvage_copies_what_is_readable_from_a_corrupt_database(tmp_path):
    """No backup: ``siaran restore --salvage`` copies every row still readable into a fresh file and restores
    it (the Debian sqlite3 tool cannot ``.recover``: it lacks the dbpage table)."""
    state = tmp_path / "state"
    _state_with_messages(state)
    conn = sqlite3.connect(db_path(state))  # a leaf page of the messages table itself
    leaves = [r[0] for r in conn.execute("SELECT pageno FROM dbstat WHERE name = 'messages'"
                                         " AND pagetype = 'leaf' ORDER BY pageno")]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(db_path(state), "r+b") as f:
        f.seek((leaves[len(leaves) // 2] - 1) * page_size)
        f.write(b"\xff" * page_size)
    assert integrity_problems(db_path(state))
    proc = _cli("restore", "--salvage", "--state-dir", str(state))
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    rows = result["salvaged"]["messages"]["rows"]
    assert 400 < rows < 500, "only the rows on the damaged page are lost"
    assert result["salvaged"]["messages"]["skipped"] >= 1 and result["hold"] is True
    assert integrity_problems(db_path(state), full=True) == []
    with Store.in_state_dir(state) as store:
        assert store.queue_counts() == {"queued": rows}, "the counts follow the rows saved (kept by triggers)"
        assert store.hold().active
    assert Path(result["kept"]).exists()
