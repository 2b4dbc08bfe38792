"""A modem that loses the network: the daemon resumes as soon as it registers again.

The daemon in-process against emulated modems on real pseudo-terminals (the
``rig`` of ``test_daemon``); drops are scaled down (2 s for the field's 10 s).
Times come from one clock: the emulator's ``registration_log`` (monotonic, when
it registered again) and the moment the test saw the next part accepted.
"""

from __future__ import annotations

import json
import time

from emutools import wait_until
from test_daemon import numbers, rig  # noqa: F401 — rig is the fixture

from firmware.queue.store import EMERGENCY

DROP = 2.0  # seconds without network (the field's 10 s, scaled)
#: Longest allowed from the network's return to the next accepted part (the old park was 300 s).
RESUME_WITHIN = 1.5


def registered_again_at(emu) -> float:
    """When (monotonic) the emulator last registered after being off the network."""
    stats = emu.modem.registration_log
    assert any(stat != 1 for _, stat in stats), f"the network never dropped: {stats}"
    return [t for t, stat in stats if stat == 1][-1]


def parts_after(emu, count: int, timeout: float) -> tuple[float, dict]:
    """Wait for part number ``count``; return when the test saw it and its log record."""
    assert emu.wait_sent(count, timeout), f"part {count} not accepted within {timeout} s ({emu.sent_count} were)"
    return time.monotonic(), emu.sent[count - 1]


def attempts_of(rig, number: str) -> int:
    return rig.store.conn.execute("SELECT attempts FROM messages WHERE number = ?", (number,)).fetchone()[0]


def test_network_drop_mid_blast_sends_the_emergency_first_as_soon_as_it_returns(rig):
    """The field case: a blast going out, the cell gone for a while, an alarm queued meanwhile."""
    blast = numbers(40)
    rig.start([{"send_latency": 0.03}]).wait_ready()
    emu = rig.emus[0]
    rig.store.enqueue(blast, "Kerja bakti Minggu pagi di balai desa.")
    parts_after(emu, 10, 10)
    emu.drop_network(DROP)
    urgent = numbers(1, 500)[0]
    rig.store.enqueue([urgent], "DARURAT: banjir, segera mengungsi", priority=EMERGENCY)
    seen, first = parts_after(emu, emu.sent_count + 1, DROP + 5)
    back = registered_again_at(emu)
    print(f"network back -> next part accepted: {seen - back:.3f} s ({first['number'][-4:]})")
    assert first["number"] == urgent, "the emergency must be the first thing sent when the network returns"
    assert seen - back < RESUME_WITHIN
    seen, second = parts_after(emu, emu.sent_count + 1, 5)
    assert second["number"] in blast and seen - back < RESUME_WITHIN + 0.5, "the blast resumes right after"
    counts = rig.wait_drained(15)
    assert set(counts) <= {"sent", "delivered"}, counts
    sent = rig.sent_numbers()
    assert set(sent) == set(blast) | {urgent} and max(sent.values()) == 1, "nothing lost, nothing twice"
    assert max(attempts_of(rig, n) for n in blast) == 1, "a failure for want of network is not the message's"
    assert rig.modem_row(0)["state"] == "ready"


def test_network_lost_between_sends_resumes_normal_messages_within_a_second(rig):
    """+CMS ERROR: 331 on the next send (network_loss_after), the network back DROP s later."""
    blast = numbers(30)
    rig.start([{"network_loss_after": 10, "network_loss_for": DROP}]).wait_ready()
    emu = rig.emus[0]
    rig.store.enqueue(blast, "Posyandu Sabtu 08.00.")
    parts_after(emu, 10, 10)
    wait_until(lambda: rig.modem_row(0)["state"] == "parked", 3, "the modem parked for the network")
    assert "waiting for the network" in rig.modem_row(0)["state_reason"]
    seen, _ = parts_after(emu, 11, DROP + 5)
    back = registered_again_at(emu)
    print(f"network back -> next part accepted: {seen - back:.3f} s")
    assert seen - back < RESUME_WITHIN
    counts = rig.wait_drained(10)
    assert set(counts) <= {"sent", "delivered"}, counts
    assert set(rig.sent_numbers()) == set(blast) and max(rig.sent_numbers().values()) == 1


def test_a_send_the_drop_cut_off_is_retried_when_the_network_returns_not_after_a_backoff(rig):
    """+CMS ERROR: 332 (network timeout) is transient, but with the modem off the network it is the
    network's fault: no 30 s retry back-off, no attempt counted."""
    rig.start([{"send_latency": 0.5}]).wait_ready()
    emu = rig.emus[0]
    urgent = numbers(1, 530)[0]
    rig.store.enqueue([urgent], "DARURAT: gempa, keluar rumah", priority=EMERGENCY)
    wait_until(lambda: emu.modem.state == "sending", 3, "the emulator to be sending")
    emu.drop_network(DROP)
    wait_until(lambda: rig.store.message(rig.ids_for(urgent)[0])["error_code"] == 332, 3, "the 332")
    seen, record = parts_after(emu, 1, DROP + 5)
    print(f"network back -> the cut-off emergency accepted: {seen - registered_again_at(emu):.3f} s")
    assert record["number"] == urgent and seen - registered_again_at(emu) < RESUME_WITHIN + 0.5  # + latency
    assert attempts_of(rig, urgent) == 1


def test_a_lost_registration_urc_is_made_up_for_by_polling(rig, monkeypatch):
    """URCs can be lost on the line: with none at all, the worker's poll still finds the network back."""
    monkeypatch.setattr("firmware.queue.modem_recovery.NETWORK_POLL_SECONDS", 0.5)
    monkeypatch.setattr("firmware.modem.driver.Modem._report_registration", lambda self: None)
    rig.start([{}]).wait_ready()
    emu = rig.emus[0]
    emu.drop_network(DROP)
    urgent = numbers(1, 510)[0]
    rig.store.enqueue([urgent], "DARURAT: tanah longsor", priority=EMERGENCY)
    wait_until(lambda: rig.modem_row(0)["state"] == "parked", 3, "the failed send to park the modem")
    seen, record = parts_after(emu, 1, DROP + 5)
    back = registered_again_at(emu)
    print(f"network back -> emergency accepted (no URC, 0.5 s poll): {seen - back:.3f} s")
    assert record["number"] == urgent and seen - back < 0.5 + RESUME_WITHIN
    assert attempts_of(rig, urgent) == 1


def test_after_a_reboot_the_worker_waits_for_registration_instead_of_parking(rig):
    """A modem that reboots is SMS-ready before it has found the network (here 1 s later)."""
    blast = numbers(20)
    rig.start([{"reboot_after": 5, "registration_delay": 1.0}]).wait_ready(timeout=20)
    emu = rig.emus[0]
    rig.store.enqueue(blast, "Vaksinasi anak Kamis.")
    parts_after(emu, 5, 10)
    seen, _ = parts_after(emu, 6, 15)
    back = registered_again_at(emu)
    print(f"rebooted modem registered -> next part accepted: {seen - back:.3f} s")
    assert seen - back < RESUME_WITHIN
    counts = rig.wait_drained(10)
    assert set(counts) <= {"sent", "delivered"}, counts
    assert set(rig.sent_numbers()) == set(blast)


def test_hold_still_applies_when_the_network_returns(rig):
    """Back on the network, an emergency goes at once and held messages stay held."""
    rig.start([{}]).wait_ready()
    emu = rig.emus[0]
    rig.store.set_hold(True, reason="masa tenang", by="test")
    normal = numbers(5)
    rig.store.enqueue(normal, "biasa")
    emu.drop_network(DROP)
    wait_until(lambda: rig.modem_row(0)["state"] == "parked", 3, "the registration URC to park the modem")
    urgent = numbers(1, 520)[0]
    rig.store.enqueue([urgent], "DARURAT", priority=EMERGENCY)
    seen, record = parts_after(emu, 1, DROP + 5)
    assert record["number"] == urgent and seen - registered_again_at(emu) < RESUME_WITHIN
    time.sleep(0.5)
    assert emu.sent_count == 1 and rig.counts().get("queued") == 5
    assert attempts_of(rig, urgent) == 1, "parked by the URC: the emergency was never tried on a dead network"


def test_status_refreshes_without_network_do_not_reinitialise_the_modem(rig, caplog):
    """The balance check (USSD) needs the network: without it, it waits; a refusal is no modem fault."""
    rig.start([{}], status_interval=0.3, balance_interval=0.3).wait_ready()
    emu = rig.emus[0]
    wait_until(lambda: rig.modem_row(0)["balance"], 5, "the first balance check")
    caplog.clear()
    emu.drop_network(DROP)
    wait_until(lambda: rig.modem_row(0)["state"] == "parked", 3, "the registration URC to park the modem")
    time.sleep(DROP + 0.5)
    assert rig.modem_row(0)["state"] == "ready"
    problems = [r.getMessage() for r in caplog.records if "modem problem" in r.getMessage()]
    assert not problems, "a refresh without network must not re-initialise the modem"
    before = rig.modem_row(0)["balance_at"]
    wait_until(lambda: rig.modem_row(0)["balance_at"] > before, 3, "the balance checked again once back")


def test_a_network_fault_while_registered_backs_off_doubling_not_parking_for_minutes(rig, monkeypatch):
    """+CMS ERROR: 38 (network out of order) with the modem registered: nothing to wait for but time.
    Tried again after the poll interval, doubling while it recurs; the attempt is not the message's."""
    monkeypatch.setattr("firmware.queue.modem_recovery.NETWORK_POLL_SECONDS", 0.2)
    rig.start([{"cms_error_rate": 1.0, "cms_error_code": 38}]).wait_ready()
    urgent = numbers(1, 540)[0]
    rig.store.enqueue([urgent], "DARURAT", priority=EMERGENCY)
    faults = lambda: json.loads(rig.modem_row(0)["errors"] or "{}").get("network_fault", 0)  # noqa: E731
    wait_until(lambda: faults() >= 2, 3, "a second try after the first back-off")
    time.sleep(2.0)
    tries = faults()
    print(f"network fault while registered: {tries} tries in ~2.5 s (0.2 s doubling)")
    assert 3 <= tries <= 6, "0.2, 0.4, 0.8, 1.6 s apart: a handful of tries, neither one nor a storm"
    assert "network fault while registered" in rig.modem_row(0)["state_reason"]
    assert rig.store.message(rig.ids_for(urgent)[0])["attempts"] == 0, "no attempt counted against the message"
