"""Trust under real inputs (issue 9): signals, a worker that dies, a full disk, a corrupt file, exact counts.

Real parts throughout: the daemon in-process on emulated modems over real pseudo-terminals (the
:class:`Rig` of ``test_daemon``), real signals delivered to the worker threads, a real SQLite file
whose page limit makes writes fail with SQLITE_FULL, a real corrupted file.
"""

from __future__ import annotations

import signal
import threading
import time

import pytest

from emutools import wait_until
from test_daemon import Rig, numbers


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
