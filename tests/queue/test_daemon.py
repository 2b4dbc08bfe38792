"""The daemon in-process against emulated modems on real pseudo-terminals.

Each test starts N :class:`PtyEmulator` s sharing one sent log, runs
:class:`~firmware.queue.daemon.Daemon` in a thread on them, queues through
:meth:`Store.enqueue` and polls the store and the emulators' logs with
deadlines.  The emulators' log (one JSON line per accepted SMS part) is the
ground truth of what went out.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import sqlite3
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from emutools import wait_until

from firmware.office.config import with_defaults
from firmware.queue.daemon import Daemon
from firmware.modem.emulator.modem import EmulatorConfig
from firmware.modem.emulator.pty import PtyEmulator
from firmware.people.numbers import normalise
from firmware.queue.store import EMERGENCY, Store
from firmware.queue.modem_worker import ModemWorker

LONG_REPLY = (
    "Pak, jalan di RT 03 sudah tertutup longsor sejak pagi, warga belum bisa lewat. Mohon dikirim alat berat dan "
    "bantuan logistik ke balai desa secepatnya, ada lansia dan anak kecil yang perlu dievakuasi."
)


def numbers(n: int, start: int = 1) -> list[str]:
    return [normalise(f"0812{i:08d}") for i in range(start, start + n)]


class Rig:
    """Emulators + a running daemon + a Store connection for the test."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.log_path = tmp_path / "sent.jsonl"
        self.emus: list[PtyEmulator] = []
        self.daemon: Daemon | None = None
        self.thread: threading.Thread | None = None
        self.store: Store | None = None
        self.run_result: list = []
        #: called at teardown before stopping (e.g. to power a dead emulator back on)
        self.before_stop: list = []

    def start(self, emulators: list[dict], *, unthrottled: bool = True, modem: dict | None = None,
              **config) -> Rig:
        for i, knobs in enumerate(emulators):
            knobs = {"report_delay": 0.05, "name": f"emu{i}", **knobs}
            powered = knobs.pop("powered", True)
            emu = PtyEmulator(EmulatorConfig(**knobs), log_path=str(self.log_path), seed=1000 + i,
                              power_on=powered)
            emu.start()
            self.emus.append(emu)
        # Let each modem finish booting before the daemon opens it (a modem that has been on for a while);
        # boot URCs read during the daemon's own initialisation make it initialise twice (see the report).
        for emu in self.emus:
            if emu.modem.state != "off":
                wait_until(lambda: emu.modem.state == "command" and emu.idle, 5, "the emulator to boot")
        cfg = with_defaults(str(self.tmp_path), [f"{e.port}:sim800" for e in self.emus],
                            unthrottled=unthrottled, **config)
        if modem:
            cfg = dataclasses.replace(cfg, modems=tuple(dataclasses.replace(m, **modem) for m in cfg.modems))
        self.store = Store.in_state_dir(self.tmp_path)
        self.cfg = cfg
        self._run_daemon()
        return self

    def _run_daemon(self) -> None:
        self.daemon = Daemon(self.cfg)
        self.thread = threading.Thread(target=lambda: self.run_result.append(self.daemon.run()),
                                       name="daemon", daemon=True)
        self.thread.start()

    def restart(self) -> None:
        """Stop the daemon and start a new one on the same emulators (they keep their state)."""
        self.stop()
        assert not self.thread.is_alive()
        self._run_daemon()

    def wait_ready(self, count: int | None = None, timeout: float = 15.0) -> None:
        """Wait until ``count`` (default all) workers report their modem ready."""
        count = len(self.emus) if count is None else count
        wait_until(lambda: len(self.daemon.workers) == len(self.emus)
                   and sum(w.state == "ready" for w in self.daemon.workers) >= count,
                   timeout, f"{count} ready modem(s)")

    def stop(self, timeout: float = 30.0) -> float:
        t0 = time.monotonic()
        if self.daemon is not None:
            self.daemon.stop()
            self.thread.join(timeout=timeout)
        took = time.monotonic() - t0
        return took

    # -- reading ---------------------------------------------------------------

    def sent_log(self) -> list[dict]:
        if not self.log_path.exists():
            return []
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line.strip()]

    def sent_numbers(self) -> collections.Counter:
        return collections.Counter(r["number"] for r in self.sent_log())

    def sent_parts(self) -> int:
        return sum(e.sent_count for e in self.emus)

    def counts(self) -> dict[str, int]:
        return self.store.queue_counts()

    def states_of(self, ids) -> dict[int, str]:
        marks = ",".join("?" for _ in ids)
        return {r[0]: r[1] for r in self.store.conn.execute(
            f"SELECT id, state FROM messages WHERE id IN ({marks})", list(ids))}

    def ids_for(self, number: str) -> list[int]:
        return [r[0] for r in self.store.conn.execute("SELECT id FROM messages WHERE number = ? ORDER BY id",
                                                       (number,))]

    def wait_drained(self, timeout: float) -> dict[str, int]:
        return wait_until(lambda: (c := self.counts()) and not (c.get("queued", 0) or c.get("sending", 0)) and c,
                          timeout, f"the queue to drain ({self.counts()})", interval=0.05)

    def modem_row(self, index: int) -> dict:
        return next(m for m in self.store.modems() if m["name"] == f"modem{index}")

    def inbox(self) -> list[dict]:
        return [dict(r) for r in self.store.conn.execute("SELECT * FROM inbox ORDER BY id")]


@pytest.fixture
def rig(tmp_path):
    r = Rig(tmp_path)
    yield r
    for hook in r.before_stop:
        hook()
    took = r.stop()
    try:
        assert not r.thread or not r.thread.is_alive(), "daemon did not stop within 30 s"
        if r.daemon is not None:
            crashed = [(w.mc.name, w.crashed) for w in r.daemon.workers if w.crashed is not None]
            assert not crashed, f"worker crashed: {crashed}"
        for e in r.emus:
            assert not e.errors, f"emulator internal errors: {e.errors}"
        print(f"daemon stopped in {took:.2f} s")
    finally:
        for e in r.emus:
            e.stop()
        if r.store is not None:
            r.store.close()


def local_hhmm(dt: datetime) -> str:
    return dt.strftime("%H:%M")


# -- throughput and correctness -----------------------------------------------------------------


def test_blast_drains_each_number_once(rig):
    rig.start([{}, {"model": "sim7600"}]).wait_ready()
    targets = numbers(200)
    t0 = time.monotonic()
    assert rig.store.enqueue(targets, "Peringatan dini: waspada banjir malam ini.") == (200, 0)
    counts = rig.wait_drained(30)
    took = time.monotonic() - t0
    print(f"200 messages through 2 modems in {took:.2f} s ({200 / took:.0f}/s)")
    assert set(counts) <= {"sent", "delivered"} and sum(counts.values()) == 200
    sent = rig.sent_numbers()
    assert set(sent) == set(targets)
    assert max(sent.values()) == 1, [n for n, c in sent.items() if c > 1]
    by_emu = collections.Counter(r["emulator"] for r in rig.sent_log())
    print(f"split between modems: {dict(by_emu)}")
    rows = rig.store.modems()
    assert sum(m["sent_total"] for m in rows) == 200


def test_a_message_is_marked_handed_before_its_pdu_reaches_the_modem(rig):
    """The bound on crash damage rests on this order: when a part reaches the network, its message
    is durably marked handed (so a crash puts it in doubt), and every other message the worker holds,
    claimed ahead, is not (so a crash puts it back in the queue untouched)."""
    rig.start([{}]).wait_ready()
    reader = sqlite3.connect(rig.tmp_path / "siaran.db", check_same_thread=False)
    seen: list[tuple[int, int]] = []  # (handed rows for the number, claimed-ahead rows marked handed)
    on_sent = rig.emus[0].modem._on_sent

    def spy(record: dict) -> None:
        rows = reader.execute("SELECT number, handed_at FROM messages WHERE state = 'sending'").fetchall()
        mine = [h for n, h in rows if n == record["number"]]
        others = [h for n, h in rows if n != record["number"]]
        seen.append((sum(h is not None for h in mine), sum(h is not None for h in others)))
        on_sent(record)

    rig.emus[0].modem._on_sent = spy
    targets = numbers(60)
    rig.store.enqueue(targets[:50], "Peringatan dini: waspada banjir malam ini.")
    rig.store.enqueue(targets[50:], LONG_REPLY * 2)  # multipart: later parts keep the mark
    counts = rig.wait_drained(30)
    reader.close()
    assert set(counts) <= {"sent", "delivered"}, counts
    assert len(seen) == rig.sent_parts() >= 60
    assert all(s == (1, 0) for s in seen), [s for s in seen if s != (1, 0)][:5]


def test_reports_the_modem_stores_are_filed_live_and_after_a_restart(rig):
    """A modem that only stores reports (CNMI <ds>=2, +CDSI "SR"): each is read, filed and deleted
    as it comes; those stored while the daemon was stopped are swept when it starts again."""
    rig.start([{"model": "sim7600", "cds_direct": False, "report_delay": 0.05}]).wait_ready()
    emu = rig.emus[0]
    rig.store.enqueue(numbers(20), "laporan tersimpan")
    wait_until(lambda: rig.counts().get("delivered", 0) == 20, 15, f"20 delivered ({rig.counts()})")
    wait_until(lambda: not emu.modem.stored("SR"), 5, "the SR storage to be emptied")
    # Reports that arrive while nobody listens stay in "SR" ...
    emu.modem.config = dataclasses.replace(emu.modem.config, report_delay=1.5)
    rig.store.enqueue(numbers(5, start=100), "laporan saat daemon berhenti")
    wait_until(lambda: rig.counts().get("sent", 0) == 5, 10, "5 sent")
    rig.stop()
    wait_until(lambda: len(emu.modem.stored("SR")) == 5, 5, "5 reports stored while stopped")
    assert rig.counts().get("sent", 0) == 5
    # ... and are filed when the daemon starts again.
    rig.restart()
    wait_until(lambda: rig.counts().get("delivered", 0) == 25, 15, f"25 delivered ({rig.counts()})")
    wait_until(lambda: not emu.modem.stored("SR"), 5, "the SR storage to be emptied (filed first, then deleted)")
    assert emu.modem.dropped_reports == 0


def test_reports_reach_the_store_on_a_modem_that_drops_indications_while_busy(rig):
    """CNMI mode 1 only (no buffering): during a blast most +CDSI are dropped, but the reports are
    stored in "SR", and the sweep at each status refresh files them all (without it 11 of 12 stay there)."""
    # each report falls due while the modem transmits the next message: its +CDSI is dropped
    rig.start([{"model": "sim7600", "cnmi_buffering": False, "send_latency": 0.3, "report_delay": 0.15}],
              status_interval=0.3)
    rig.wait_ready()
    rig.store.enqueue(numbers(12), "indikasi hilang saat sibuk")
    wait_until(lambda: rig.counts().get("delivered", 0) == 12, 20, f"12 delivered ({rig.counts()})")
    wait_until(lambda: not rig.emus[0].modem.stored("SR"), 5, "the SR storage to be emptied")
    assert rig.emus[0].modem.dropped_reports == 0


def test_delivery_reports(rig):
    targets = numbers(40)
    dead = targets[7]
    rig.start([{"report_delay": 0.05, "report_status_numbers": {dead: 0x41}}])
    with rig.store.tx() as c:
        c.execute("INSERT INTO contacts (number, created_at, updated_at) VALUES (?, 0, 0)", (dead,))
    rig.wait_ready()
    rig.store.enqueue(targets, "Uji laporan")
    wait_until(lambda: rig.counts() == {"delivered": 39, "failed": 1}, 20,
               f"reports for every message ({rig.counts()})", interval=0.05)
    failed = rig.store.message(rig.ids_for(dead)[0])
    assert failed["state"] == "failed" and failed["error_class"] == "report"
    assert rig.store.conn.execute("SELECT dead FROM contacts WHERE number = ?", (dead,)).fetchone()[0] == 1
    assert rig.store.conn.execute("SELECT COUNT(*) FROM message_parts WHERE final = 0").fetchone()[0] == 0


def test_bad_number_fails_alone(rig):
    targets = numbers(30)
    bad = targets[5]
    rig.start([{"cms_error_numbers": {bad: 1}}]).wait_ready()
    rig.store.enqueue(targets, "halo")
    counts = rig.wait_drained(20)
    assert counts.get("failed") == 1 and counts.get("sent", 0) + counts.get("delivered", 0) == 29
    row = rig.store.message(rig.ids_for(bad)[0])
    assert row["state"] == "failed" and row["error_class"] == "bad_destination" and row["error_code"] == 1
    assert row["attempts"] == 1, "a bad destination must not be retried"
    assert set(rig.sent_numbers()) == set(targets) - {bad}
    assert json.loads(rig.modem_row(0)["errors"]).get("bad_destination") == 1


def test_error_storm_transient_eventually_sent(rig, monkeypatch):
    # The retry backoff (30 s * 2**n) is hard-coded in ModemWorker._failed_send; shrink it here.
    original = ModemWorker._failed_send

    def quick_retry(self, msg, exc, total):
        outcome = original(self, msg, exc, total)
        if outcome.state == "queued" and outcome.not_before > self.clock():
            outcome = dataclasses.replace(outcome, not_before=self.clock() + 0.05)
        return outcome

    monkeypatch.setattr(ModemWorker, "_failed_send", quick_retry)
    targets = numbers(100)
    rig.start([{"cms_error_rate": 0.3, "cms_error_code": 42},
               {"cms_error_rate": 0.3, "cms_error_code": 42}], max_attempts=40).wait_ready()
    rig.store.enqueue(targets, "badai")
    counts = rig.wait_drained(40)
    assert set(counts) <= {"sent", "delivered"}, counts
    sent = rig.sent_numbers()
    assert set(sent) == set(targets) and max(sent.values()) == 1
    retried = rig.store.conn.execute("SELECT COUNT(*) FROM messages WHERE attempts > 1").fetchone()[0]
    errors = [json.loads(m["errors"]) for m in rig.store.modems()]
    print(f"error storm: {retried} messages retried; errors by modem {errors}")
    assert retried > 0 and all(e.get("transient", 0) > 0 for e in errors)
    assert all(m["state"] == "ready" for m in rig.store.modems()), "transient errors must not park a modem"


# -- modem faults ---------------------------------------------------------------------------------


def test_hung_modem_among_two(rig):
    targets = numbers(80)
    rig.start([{}, {"hang_after": 3}], modem={"send_timeout": 1.5}).wait_ready()
    rig.store.enqueue(targets, "satu modem macet")
    counts = rig.wait_drained(30)
    assert set(counts) <= {"sent", "delivered"}, counts
    sent = rig.sent_numbers()
    assert set(sent) == set(targets) and max(sent.values()) == 1
    assert rig.emus[1].sent_count == 3
    assert rig.modem_row(1)["state"] != "ready"
    assert rig.modem_row(0)["state"] == "ready"
    in_doubt = rig.store.conn.execute("SELECT COUNT(*) FROM messages WHERE in_doubt > 0").fetchone()[0]
    assert in_doubt == 1
    rig.before_stop.append(rig.emus[1].reboot)


def test_powered_off_modem_among_two(rig):
    targets = numbers(50)
    rig.start([{}, {"powered": False}])
    rig.wait_ready(count=1)
    rig.store.enqueue(targets, "satu modem mati")
    counts = rig.wait_drained(20)
    assert set(counts) <= {"sent", "delivered"}, counts
    assert rig.emus[1].sent_count == 0
    assert set(rig.sent_numbers()) == set(targets) and max(rig.sent_numbers().values()) == 1
    assert rig.modem_row(1)["state"] != "ready"
    # (a worker climbing the recovery ladder cannot be stopped: see test_stop_during_startup_with_dead_modem)
    rig.before_stop.append(rig.emus[1].power_on)


def test_modem_reboot_mid_blast(rig):
    targets = numbers(60)
    rig.start([{"reboot_after": 20}]).wait_ready()
    rig.store.enqueue(targets, "modem reboot")
    counts = rig.wait_drained(40)
    assert set(counts) <= {"sent", "delivered"}, counts
    sent = rig.sent_numbers()
    assert set(sent) == set(targets) and max(sent.values()) == 1
    assert rig.store.conn.execute("SELECT COUNT(*) FROM messages WHERE in_doubt > 0").fetchone()[0] >= 2


def test_network_loss_on_one_of_two(rig):
    targets = numbers(80)
    rig.start([{"network_loss_after": 10}, {}]).wait_ready()
    rig.store.enqueue(targets, "jaringan hilang")
    counts = rig.wait_drained(30)
    assert set(counts) <= {"sent", "delivered"}, counts
    sent = rig.sent_numbers()
    assert set(sent) == set(targets) and max(sent.values()) == 1
    assert rig.emus[0].sent_count == 10
    assert rig.modem_row(0)["state"] != "ready"
    assert json.loads(rig.modem_row(0)["errors"]).get("network_fault", 0) >= 1


# -- hold, window, limits -----------------------------------------------------------------------------


def test_hold_lets_only_emergencies_through(rig):
    rig.start([{}]).wait_ready()
    rig.store.set_hold(True, reason="masa tenang", by="test")
    normal = numbers(10)
    rig.store.enqueue(normal, "biasa")
    urgent = numbers(2, 500)
    t0 = time.monotonic()
    rig.store.enqueue([urgent[0]], "DARURAT", priority=EMERGENCY)
    wait_until(lambda: rig.sent_numbers().get(urgent[0]), 1.5, "the emergency under hold")
    print(f"emergency under hold on the wire after {time.monotonic() - t0:.3f} s")
    rig.store.enqueue([urgent[1]], "DARURAT 2", priority=EMERGENCY)
    wait_until(lambda: rig.sent_numbers().get(urgent[1]), 1.5, "the second emergency under hold")
    assert rig.counts().get("queued") == 10
    assert not set(rig.sent_numbers()) & set(normal)
    rig.store.set_hold(False, reason=None, by="test")
    rig.wait_drained(10)
    assert set(rig.sent_numbers()) == set(normal) | set(urgent)


def test_window_excludes_now_only_emergencies(rig):
    tz = timezone(timedelta(hours=7))
    now = datetime.now(tz)
    start, end = local_hhmm(now + timedelta(hours=2)), local_hhmm(now + timedelta(hours=3))
    rig.start([{}], unthrottled=False, jitter_min=0.0, jitter_max=0.0, window_start=start, window_end=end,
              modem={"per_minute": 1000, "per_hour": 10000, "per_day": 100000}).wait_ready()
    normal = numbers(5)
    rig.store.enqueue(normal, "di luar jam kirim")
    urgent = numbers(2, 500)
    for n in urgent:
        rig.store.enqueue([n], "DARURAT", priority=EMERGENCY)
        wait_until(lambda: rig.sent_numbers().get(n), 2.0, "an emergency outside the window")
    assert rig.counts().get("queued") == 5
    assert not set(rig.sent_numbers()) & set(normal)


def _limit_test(rig, jitter: float) -> None:
    rig.start([{}], unthrottled=False, jitter_min=jitter, jitter_max=jitter, window_start="00:00",
              window_end="24:00", modem={"per_minute": 5}).wait_ready()
    rig.store.enqueue(numbers(12), "dibatasi")
    wait_until(lambda: rig.sent_parts() >= 5, 5, "the first 5 parts")
    # watch for 2 s: nothing more may go this minute
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        assert rig.sent_parts() == 5
        time.sleep(0.05)
    assert rig.counts().get("queued") == 7


def test_per_sim_limit_per_minute_with_jitter(rig):
    _limit_test(rig, jitter=0.01)


def test_per_sim_limit_per_minute_no_jitter(rig):
    _limit_test(rig, jitter=0.0)


# -- incoming ---------------------------------------------------------------------------------------------


def test_optout_by_sms(rig):
    rig.start([{}]).wait_ready()
    rig.store.set_hold(True, reason="keep the queue still", by="test")
    quitter, other = numbers(2, 700)
    rig.store.enqueue([quitter, other], "kabar 1")
    rig.store.enqueue([quitter], "kabar 2")
    rig.emus[0].inject_incoming(quitter, "Berhenti")
    wait_until(lambda: rig.store.is_opted_out(quitter), 5, "the opt-out to be filed")
    states = {r["text"]: r["state"] for r in rig.store.conn.execute(
        "SELECT text, state FROM messages WHERE number = ?", (quitter,))}
    assert states["kabar 1"] == states["kabar 2"] == "suppressed"
    assert rig.store.message(rig.ids_for(other)[0])["state"] == "queued"
    [row] = rig.inbox()
    assert row["kind"] == "optout" and row["number"] == quitter
    assert rig.store.conn.execute("SELECT keyword FROM optouts WHERE number = ?", (quitter,)).fetchone()[0] == \
        "BERHENTI"
    # The confirmation (priority 90) is not an emergency: it waits for the hold like everything else.
    rig.store.set_hold(False, reason=None, by="test")
    rig.wait_drained(10)
    sent = [r for r in rig.sent_log() if r["number"] == quitter]
    assert len(sent) == 1, sent
    assert "tidak akan menerima" in sent[0]["text"]
    assert rig.sent_numbers()[other] == 1
    # and nothing more reaches the number afterwards
    assert rig.store.enqueue([quitter], "kabar 3") == (0, 1)


def test_an_optout_from_any_form_of_the_number_stops_later_blasts(rig):
    """Networks write the sender as 0812... (TON national, or unknown), 62812... or +62812...: each is the
    resident whose contact is +62812..., so the opt-out covers every later blast to that contact."""
    rig.start([{}]).wait_ready()
    rig.store.set_hold(True, reason="keep the first blast waiting", by="test")
    quitters = numbers(5, 720)
    control = numbers(1, 730)[0]
    rig.store.enqueue([*quitters, control], "kabar siaga")
    forms = [("0" + quitters[0][3:], 0xA1), (quitters[1][3:], 0xA1),  # national, with and without its 0
             (quitters[2][1:], None), ("0" + quitters[3][3:], None), (quitters[4], None)]  # TON unknown / intl
    for sender, toa in forms:
        rig.emus[0].inject_incoming(sender, "STOP", toa=toa)
    wait_until(lambda: sum(r["kind"] == "optout" for r in rig.inbox()) == 5, 5, "five opt-outs filed")
    assert sorted(r["number"] for r in rig.inbox()) == sorted(quitters)
    # an operator's short code and a sender name are no phone numbers: stored as the network gave them
    rig.emus[0].inject_incoming("3636", "Sisa pulsa Rp5.000")
    rig.emus[0].inject_incoming("TELKOMSEL", "STOP")
    wait_until(lambda: len(rig.inbox()) == 7, 5, "the short code's and the sender name's messages")
    assert [(r["number"], r["kind"]) for r in rig.inbox()[5:]] == [("3636", "reply"), ("TELKOMSEL", "reply")]
    waiting = dict(rig.store.conn.execute("SELECT number, state FROM messages WHERE text = 'kabar siaga'").fetchall())
    assert waiting == {**dict.fromkeys(quitters, "suppressed"), control: "queued"}  # already queued: stopped too
    rig.store.set_hold(False, reason=None, by="test")
    rig.wait_drained(10)  # the five confirmations and the control's first message
    assert rig.store.enqueue([*quitters, control], "kabar banjir") == (1, 5)
    rig.wait_drained(10)
    sent = rig.sent_numbers()
    assert all(sent[q] == 1 for q in quitters), sent  # the confirmation only, in the canonical form
    assert sent[control] == 2
    blast = [r["number"] for r in rig.sent_log() if r["text"] in ("kabar siaga", "kabar banjir")]
    assert blast == [control, control], blast


def test_an_sms_stored_without_an_indication_is_swept_up_while_running(rig, monkeypatch):
    """An opt-out whose +CMTI went to nobody (it came while the host was away or the line ate it)
    is filed by the periodic sweep of the SIM, not only at the next restart."""
    monkeypatch.setattr("firmware.queue.modem_worker.SWEEP_EVERY_REFRESHES", 2)
    rig.start([{}], status_interval=0.3).wait_ready()
    # past the sweep at bring-up: the first status refresh wrote its sample
    wait_until(lambda: rig.store.modem_samples("modem0", 0), 5, "the first status refresh")
    quitter = numbers(1, 710)[0]
    rig.emus[0].inject_stored(quitter, "STOP")
    rig.emus[0].inject_stored(numbers(1, 711)[0], LONG_REPLY)
    wait_until(lambda: rig.store.is_opted_out(quitter), 5, "the silently stored opt-out to be filed")
    wait_until(lambda: len(rig.inbox()) == 2 and not rig.emus[0].modem.stored("SM"), 5, "the SIM swept")
    assert sorted(r["kind"] for r in rig.inbox()) == ["optout", "reply"]
    assert any(r["text"] == LONG_REPLY for r in rig.inbox()), "the two parts joined"


def test_reply_and_multipart_reply_to_inbox(rig):
    rig.start([{}]).wait_ready()
    sender = numbers(1, 800)[0]
    rig.emus[0].inject_incoming(sender, "Terima kasih infonya")
    wait_until(lambda: len(rig.inbox()) == 1, 5, "the reply")
    rig.emus[0].inject_incoming(sender, LONG_REPLY)
    wait_until(lambda: len(rig.inbox()) == 2, 5, "the multipart reply")
    short, long = rig.inbox()
    assert (short["kind"], short["number"], short["text"]) == ("reply", sender, "Terima kasih infonya")
    assert (long["kind"], long["number"], long["text"]) == ("reply", sender, LONG_REPLY)
    assert rig.store.stale_fragments(older_than=float("inf")) == []
    assert rig.store.conn.execute("SELECT COUNT(*) FROM optouts").fetchone()[0] == 0


# -- latency and stopping ------------------------------------------------------------------------------------


def test_queued_to_wire_latency_idle(rig):
    rig.start([{}]).wait_ready()
    # let the worker settle into its idle wait
    rig.store.enqueue(numbers(1, 900), "pemanasan")
    rig.wait_drained(5)
    samples = []
    for i, n in enumerate(numbers(5, 901)):
        before = rig.sent_parts()
        t0 = time.monotonic()
        rig.store.enqueue([n], "cepat", priority=EMERGENCY if i % 2 else 0)
        assert rig.emus[0].wait_sent(before + 1, timeout=2.0)
        samples.append(time.monotonic() - t0)
        rig.wait_drained(5)
    print("queued-to-wire latency (ms): " + ", ".join(f"{s * 1000:.0f}" for s in samples))
    assert max(samples) < 0.5


def test_daemon_stops_promptly(rig):
    rig.start([{}, {}]).wait_ready()
    rig.store.enqueue(numbers(300), "dihentikan")
    wait_until(lambda: rig.sent_parts() >= 20, 10, "the blast to start")
    took = rig.stop()
    print(f"stop() mid-blast -> run() returned in {took:.2f} s")
    assert not rig.thread.is_alive() and rig.run_result == [0]
    assert took < 3.0
    # what went out is exactly what the store says went out
    sent = rig.sent_numbers()
    assert max(sent.values()) == 1
    assert sum(sent.values()) == rig.store.conn.execute(
        "SELECT COUNT(*) FROM messages WHERE state IN ('sent', 'delivered')").fetchone()[0]


def test_clean_stop_leaves_nothing_in_flight(rig):
    rig.start([{}]).wait_ready()
    rig.store.enqueue(numbers(300), "dihentikan")
    wait_until(lambda: rig.sent_parts() >= 20, 10, "the blast to start")
    rig.stop()
    assert rig.counts().get("sending", 0) == 0, rig.counts()


def test_worker_stops_promptly_on_a_silent_modem(tmp_path):
    emu = PtyEmulator(EmulatorConfig(), seed=1, power_on=False).start()
    Store.in_state_dir(tmp_path).close()
    config = with_defaults(str(tmp_path), [f"{emu.port}:sim800"], unthrottled=True)
    stop = threading.Event()
    worker = ModemWorker(config.modems[0], config, str(tmp_path / "siaran.db"), stop=stop)
    worker.start()
    try:
        # the modem object exists once the port is open: the worker is then in the first ladder step (AT sync)
        wait_until(lambda: worker.modem is not None and emu.host_connected, 5, "the worker to open the port")
        t0 = time.monotonic()
        stop.set()
        worker.join(3.0)
        print(f"worker on a silent modem stopped in {time.monotonic() - t0:.2f} s")
        assert not worker.is_alive()
    finally:
        stop.set()
        emu.power_on()  # lets the ladder step finish so the thread ends
        worker.join(15)
        emu.stop()
        assert not worker.is_alive()


def test_stop_during_startup_with_dead_modem(rig):
    rig.start([{}, {"powered": False}])
    rig.before_stop.append(rig.emus[1].power_on)
    rig.wait_ready(count=1)
    took = rig.stop(timeout=3.0)
    print(f"stop() during start-up with a dead modem -> {took:.2f} s")
    assert not rig.thread.is_alive()


# -- signal history and requests from the page ---------------------------------------------------------------


def test_status_refresh_writes_signal_samples_and_purges_old_ones(rig):
    with Store.in_state_dir(rig.tmp_path) as s:
        s.record_modem_status("modem0", at=time.time() - 8 * 86400, state="ready")  # a week and a day old
    rig.start([{}], status_interval=0.2).wait_ready()
    samples = wait_until(lambda: len(s := rig.store.modem_samples("modem0", time.time() - 60)) >= 3 and s, 10,
                         "three signal samples")
    assert all(x["state"] == "ready" and isinstance(x["signal_dbm"], int) for x in samples)
    assert rig.store.modem_samples("modem0", 0) == rig.store.modem_samples("modem0", time.time() - 86400)
    assert rig.modem_row(0)["signal_dbm"] == samples[-1]["signal_dbm"]


def test_balance_request_answered_at_an_idle_moment_without_holding_up_sending(rig):
    rig.start([{"ussd_delay": 0.05}]).wait_ready()
    wait_until(lambda: rig.modem_row(0).get("balance"), 10, "the first periodic balance check")
    rig.store.upsert_modem("modem0", balance=None, balance_at=None)
    rid, _ = rig.store.request_modem("modem0", "balance", by="web:admin")
    rig.store.enqueue(numbers(20), "uji antrean")
    done = wait_until(lambda: (r := rig.store.modem_requests("modem0")[0])["done_at"] and r, 10,
                      "the balance request to be answered")
    assert done["id"] == rid and "Rp 25.000" in done["result"]
    assert "Rp 25.000" in rig.modem_row(0)["balance"] and rig.modem_row(0)["balance_at"] is not None
    counts = rig.wait_drained(15)
    assert counts.get("sent", 0) + counts.get("delivered", 0) == 20, counts


def test_balance_request_for_an_operator_without_a_code(rig):
    rig.start([{"operator": "SMARTFREN", "operator_short": "SF", "mccmnc": "51009"}]).wait_ready()
    assert rig.modem_row(0)["route"] == "smartfren"
    rig.store.request_modem("modem0", "balance", by="web:admin")
    done = wait_until(lambda: (r := rig.store.modem_requests("modem0")[0])["done_at"] and r, 10,
                      "the balance request to be answered")
    assert done["result"] == "no balance code for this operator" and rig.modem_row(0)["balance"] is None


def test_balance_request_for_an_absent_modem_is_answered_not_left_waiting(tmp_path):
    with Store.in_state_dir(tmp_path) as s:
        s.request_modem("modem0", "balance", by="web:admin")
    config = with_defaults(str(tmp_path), [f"{tmp_path}/no-such-port:sim800"], unthrottled=True)
    stop = threading.Event()
    worker = ModemWorker(config.modems[0], config, str(tmp_path / "siaran.db"), stop=stop)
    worker.start()
    try:
        with Store.in_state_dir(tmp_path) as s:
            done = wait_until(lambda: (r := s.modem_requests("modem0")[0])["done_at"] and r, 10,
                              "the request to be answered")
            assert done["result"].startswith("modem absent") and worker.state == "absent"
            assert [x["state"] for x in s.modem_samples("modem0", 0)] == ["absent"]  # the gap is marked
            assert s.modems()[0]["state"] == "absent" and s.modems()[0]["state_reason"]
    finally:
        stop.set()
        worker.join(15)
    assert not worker.is_alive() and worker.crashed is None
