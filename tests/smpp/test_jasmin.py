"""Siaran's operator route through a real Jasmin 0.11.0 gateway (tests/smpptools/stack.py) to the test
operator network, with the faults the issue names: Jasmin restarted mid-blast, the downstream dropping
its link, throttling, a refused bind, receipts after a restart and after a rebind, and SIGKILL of the
daemon mid-blast. After each: nothing lost, at most the in-doubt window sent twice, every receipt matched.

Numbers: fake 0812-0000-xxxx, a block of its own per test (a late receipt of one test cannot satisfy
another's). The stack fixtures fail (never skip) when Jasmin cannot start.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from firmware.office.config import SmppAccount
from firmware.queue import smpp_worker
from firmware.queue.store import Store
from test_worker import Rig

FINAL = ("delivered", "failed", "unknown")


def nums(n: int, block: int) -> list[str]:
    return [f"+628120{block:03d}{i:04d}" for i in range(n)]


class Route(Rig):
    """A store on a real file and SmppWorkers bound to Jasmin's account (test_worker's rig, through Jasmin)."""

    def __init__(self, tmp_path: Path, jasmin) -> None:
        super().__init__(tmp_path, None)
        self.jasmin = jasmin

    def account(self, **kw) -> SmppAccount:
        base = dict(name="jasmin", host=self.jasmin.host, port=self.jasmin.smpp_port,
                    system_id=self.jasmin.system_id, password=self.jasmin.password, source_addr="PEMKAB-BLTR",
                    rate=500.0, window=10, enquire_link=10.0)
        return SmppAccount(**{**base, **kw})

    def final(self, n: int, timeout: float = 90.0) -> dict[str, int]:
        return super().final(n, timeout)

    def parts_without_receipt(self) -> int:
        return self.store.conn.execute("SELECT COUNT(*) FROM message_parts p JOIN messages m ON m.id = p.message_id"
                                       " WHERE p.final = 0 AND m.state IN ('sent', 'delivered')").fetchone()[0]


@pytest.fixture
def route(tmp_path, jasmin, network):
    r = Route(tmp_path, jasmin)
    yield r
    r.close()


def _sent_to(network, numbers: list[str]) -> dict[str, int]:
    """How many parts the operator network accepted per number."""
    want = {n.lstrip("+") for n in numbers}
    out: dict[str, int] = {}
    for s in network.accepted():
        if s.destination_addr in want:
            out[s.destination_addr] = out.get(s.destination_addr, 0) + 1
    return out


def test_blast_through_jasmin_is_delivered_with_every_receipt_matched(route, network):
    numbers = nums(60, 101)
    route.store.enqueue(numbers[:40], "Posyandu besok pukul 08.00 di balai RW.")
    route.store.enqueue(numbers[40:], "Pemberitahuan: " + "perbaikan jalan desa, mohon berhati-hati. " * 5)
    route.start()
    assert route.final(60) == {"delivered": 60}
    assert route.parts_without_receipt() == 0 and route.store.unmatched_smpp_receipts() == 0
    per_number = _sent_to(network, numbers)
    assert sum(per_number.values()) == 40 + 20 * 2 and set(per_number.values()) <= {1, 2}
    link = route.store.smpp_links()[0]
    assert link["state"] == "bound" and link["sent_total"] == 80


def test_jasmin_restart_mid_blast_loses_nothing(route, jasmin, network, monkeypatch):
    monkeypatch.setattr(smpp_worker, "REBIND_DELAYS", (0.5, 1.0, 2.0))
    numbers = nums(300, 102)
    route.store.enqueue(numbers, "Info desa")
    route.start(route.account(rate=200.0))
    network.wait_submits(60, timeout=30)
    jasmin.restart()
    counts = route.final(300, timeout=120)
    assert counts.get("failed", 0) == 0
    assert counts.get("delivered", 0) + counts.get("unknown", 0) == 300
    per_number = _sent_to(network, numbers)
    assert {n.lstrip("+") for n in numbers} == set(per_number), "a recipient was never sent"
    twice = sum(v - 1 for v in per_number.values())
    assert twice <= 25, f"{twice} messages sent twice: more than the in-doubt window (2.5 x window 10)"
    # every receipt matched: no delivered-or-sent part left without one
    route.wait(lambda: route.parts_without_receipt() == 0 and route.counts().get("sent", 0) == 0, 60, "receipts")


def test_downstream_link_drop_mid_blast(route, jasmin, network):
    numbers = nums(200, 103)
    route.store.enqueue(numbers, "Info desa")
    route.start(route.account(rate=200.0))
    network.wait_submits(50, timeout=30)
    assert network.drop_link() >= 1
    assert route.final(200, timeout=120) == {"delivered": 200}
    route.wait(lambda: route.parts_without_receipt() == 0, 30, "receipts")


def test_throttled_by_jasmin_slows_down_and_loses_nothing(route, jasmin, network):
    jasmin.set_throughput(20)
    numbers = nums(80, 104)
    route.store.enqueue(numbers, "Info desa")
    route.start(route.account(rate=500.0, window=10))
    assert route.final(80, timeout=90) == {"delivered": 80}
    assert route.store.conn.execute("SELECT MAX(attempts) FROM messages").fetchone()[0] <= 6
    assert sum(_sent_to(network, numbers).values()) == 80


def test_refused_bind_is_shown_plainly(route, jasmin, monkeypatch):
    monkeypatch.setattr(smpp_worker, "REFUSED_DELAYS", (1.0,))
    route.store.enqueue(nums(1, 105), "Info")
    route.start(route.account(password="salah1"))
    link = route.wait(lambda: [r for r in route.store.smpp_links() if r["state"] == "refused"], 30, "refused")[0]
    assert "bind refused" in link["last_error"] and "ESME_R" in link["last_error"]
    assert "salah1" not in link["last_error"]
    assert route.counts() == {"queued": 1}


def test_receipts_after_a_rebind_still_match(route, jasmin, network, monkeypatch):
    monkeypatch.setattr(smpp_worker, "REBIND_DELAYS", (0.5,))
    network.receipt_delay = 3.0
    numbers = nums(20, 106)
    route.store.enqueue(numbers, "Info desa")
    worker = route.start()
    route.wait(lambda: route.counts().get("sent") == 20, 30, "20 sent")
    first_bind = route.store.smpp_links()[0]["bound_at"]
    worker.abort()  # Siaran's own link dies; the receipts come after it bound again
    assert route.final(20, timeout=60) == {"delivered": 20}
    assert route.store.smpp_links()[0]["bound_at"] > first_bind
    assert route.parts_without_receipt() == 0


def test_mo_reply_and_optout_through_jasmin(route, network):
    resident = "+6281201070001"
    route.store.enqueue([resident], "Info", not_before=time.time() + 3600)
    route.start()
    route.wait(lambda: route.store.smpp_links() and route.store.smpp_links()[0]["state"] == "bound", 30, "bound")
    network.inject_mo("6281201070001", "PEMKAB-BLTR", "BERHENTI")
    route.wait(lambda: route.store.is_opted_out(resident), 30, "opt-out")
    assert route.store.conn.execute("SELECT state FROM messages WHERE text = 'Info'").fetchone()[0] == "suppressed"


# -- SIGKILL of the daemon ------------------------------------------------------------------------


def _daemon(state: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "firmware.cli", "daemon", "--state-dir", str(state),
                             "--unthrottled"], stdout=subprocess.DEVNULL, stderr=log.open("ab"),
                            env={**os.environ, "NOTIFY_SOCKET": ""})


def test_sigkill_of_the_daemon_mid_blast(tmp_path, jasmin, network):
    """The real daemon process, killed with SIGKILL mid-blast and started again: nothing lost, at most
    the window sent twice, every receipt matched."""
    state = tmp_path / "state"
    log = tmp_path / "daemon.log"
    numbers = nums(400, 108)
    with Store.in_state_dir(state) as store:
        store.save_smpp_account(SmppAccount(name="jasmin", host=jasmin.host, port=jasmin.smpp_port,
                                            system_id=jasmin.system_id, password=jasmin.password,
                                            source_addr="PEMKAB-BLTR", rate=150.0, window=10), by="test")
        store.enqueue(numbers, "Info desa")
    first = _daemon(state, log)
    try:
        network.wait_submits(100, timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    second = _daemon(state, log)
    try:
        with Store.in_state_dir(state) as store:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                counts = store.queue_counts()
                if sum(counts.get(s, 0) for s in FINAL) >= 400:
                    break
                time.sleep(0.2)
            assert sum(counts.get(s, 0) for s in FINAL) == 400, (counts, log.read_text()[-3000:])
            assert counts.get("failed", 0) == 0
            per_number = _sent_to(network, numbers)
            assert len(per_number) == 400
            twice = sum(v - 1 for v in per_number.values())
            assert twice <= 25, f"{twice} sent twice after SIGKILL (in-doubt window: 2.5 x window 10)"
            unknown = counts.get("unknown", 0)
            assert unknown <= 25
            left = store.conn.execute("SELECT COUNT(*) FROM message_parts p JOIN messages m ON m.id = p.message_id"
                                      " WHERE p.final = 0 AND m.state = 'delivered'").fetchone()[0]
            assert left == 0
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)
    assert second.returncode == 0, log.read_text()[-3000:]
