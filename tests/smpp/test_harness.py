"""The SMPP test harness itself, checked with a bare smpplib client through a real Jasmin.

Before Siaran's SMPP route is judged against Jasmin, these show that the scaffolding is sound: a bare
ESME binds, its submit_sm reaches the operator network, the receipt comes back with the id Jasmin gave,
MO messages reach the ESME, and each fault knob (throttling, undeliverable numbers, a dropped link,
a refused bind, a Jasmin restart) does what it says. Numbers are fake (0812-0000-xxxx in international
form); every test uses its own so a late receipt of one test cannot satisfy another.
"""

from __future__ import annotations

import time

import pytest
import smpplib.exceptions

from smpptools.network import ESME_RBINDFAIL, ESME_RTHROTTLED


def test_bare_esme_binds_through_jasmin(jasmin, network, esme):
    e = esme()
    assert e.closed is None
    assert jasmin.connector_states() == {"operator1": "BOUND_TRX"}
    assert network.bound_sessions() == 1


def test_submit_reaches_the_network_as_sent(network, esme):
    e = esme()
    r = e.submit("6281200000101", "Siaran: uji kirim satu", source="SIARAN")
    assert r.ok and r.message_id
    sub = network.wait_submit_to("6281200000101", timeout=20)
    assert sub.short_message == b"Siaran: uji kirim satu"
    assert (sub.source_addr, sub.source_addr_ton, sub.source_addr_npi) == ("SIARAN", 5, 0)
    assert sub.registered_delivery & 1 == 1
    assert sub.message_id != r.message_id  # Jasmin's id for the ESME is not the operator's id


def test_ucs2_text_passes_unchanged(network, esme):
    e = esme()
    text = "Banjir di RW 03 — segera mengungsi 🙏"
    r = e.submit("6281200000102", text)
    assert r.ok
    sub = network.wait_submit_to("6281200000102", timeout=20)
    assert sub.data_coding == 8
    assert sub.short_message.decode("utf-16-be") == text


def test_receipts_come_back_and_match_jasmins_ids(network, esme):
    e = esme()
    numbers = [f"62812000002{i:02d}" for i in range(5)]
    results = e.submit_many(numbers, "Posyandu besok jam 08.00")
    assert all(r.ok for r in results)
    ids = [r.message_id for r in results]
    assert len(set(ids)) == 5
    got = e.wait_receipts(ids, timeout=30)
    assert {g.stat for g in got.values()} == {"DELIVRD"}
    assert {g.message_state for g in got.values()} == {2}
    for mid, rec in got.items():
        assert f"id:{mid}" in rec.text  # the text's id: is Jasmin's id too, not the operator's
    operator_ids = {network.wait_submit_to(n, timeout=10).message_id for n in numbers}
    network.wait_for(lambda: operator_ids <= {r.message_id for r in network.receipts}, 10, "operator receipts")


def test_mo_message_reaches_the_esme(network, esme):
    e = esme()
    assert network.inject_mo("6281200000301", "SIARAN", "BERHENTI") == 0
    assert network.inject_mo("6281200000302", "SIARAN", "Terima kasih, Pak RT 🙏") == 0
    mo = e.wait_mo(2, timeout=20)
    assert (mo[0].source_addr, mo[0].destination_addr, mo[0].short_message) == ("6281200000301", "SIARAN",
                                                                                b"BERHENTI")
    assert mo[1].data_coding == 8
    assert mo[1].short_message.decode("utf-16-be") == "Terima kasih, Pak RT 🙏"


def test_jasmin_account_throughput_answers_throttled(jasmin, network, esme):
    jasmin.set_throughput(2)
    e = esme(window=20)
    results = e.submit_many([f"62812000004{i:02d}" for i in range(12)], "Uji batas kecepatan")
    statuses = [r.status for r in results]
    assert ESME_RTHROTTLED in statuses, statuses
    assert 0 in statuses
    jasmin.set_throughput(None)
    results = e.submit_many([f"62812000004{i:02d}" for i in range(50, 62)], "Uji tanpa batas")
    assert all(r.ok for r in results)


def test_network_throttling_is_retried_by_jasmin(network, esme):
    network.throttle = 2.0  # messages/s; above it the operator answers 0x58
    e = esme()
    results = e.submit_many([f"62812000005{i:02d}" for i in range(12)], "Uji throttle operator")
    assert all(r.ok for r in results)  # Jasmin queues; the throttling happens behind it
    for i in range(12):
        network.wait_submit_to(f"62812000005{i:02d}", timeout=40)
    assert any(s.status == ESME_RTHROTTLED and s.destination_addr.startswith("62812000005") for s in network.submits)
    got = e.wait_receipts([r.message_id for r in results], timeout=30)
    assert {g.stat for g in got.values()} == {"DELIVRD"}


def test_undeliverable_prefix_gets_undeliv_receipt(network, esme):
    network.undeliverable = ("6281299",)
    e = esme()
    good = e.submit("6281200000601", "Uji terkirim")
    bad = e.submit("6281299000602", "Uji tidak terkirim")
    got = e.wait_receipts([good.message_id, bad.message_id], timeout=30)
    assert got[good.message_id].stat == "DELIVRD"
    assert got[bad.message_id].stat == "UNDELIV"
    assert got[bad.message_id].message_state == 5


def test_link_drop_jasmin_rebinds_and_late_receipt_arrives(jasmin, network, esme):
    e = esme()
    network.receipt_delay = 1.5
    r = e.submit("6281200000701", "Sebelum link putus")
    network.wait_submit_to("6281200000701", timeout=20)
    binds_before = len(network.binds)
    assert network.drop_link() >= 1  # the receipt is still pending inside the operator
    network.wait_for(lambda: len(network.binds) > binds_before and network.bound_sessions() >= 1, 20, "rebind")
    jasmin.wait_connectors_bound(timeout=20)
    got = e.wait_receipts([r.message_id], timeout=30)  # sent again on the new session
    assert got[r.message_id].stat == "DELIVRD"
    r2 = e.submit("6281200000702", "Sesudah link pulih")
    assert e.wait_receipts([r2.message_id], timeout=30)[r2.message_id].stat == "DELIVRD"


def test_refused_bind_then_recovery(jasmin, network, esme):
    network.refuse_binds = True
    network.drop_link()
    network.wait_for(lambda: any(b.status == ESME_RBINDFAIL for b in network.binds), 20, "a refused bind")
    assert "BOUND" not in "".join(jasmin.connector_states().values())
    e = esme()
    r = e.submit("6281200000801", "Menunggu operator")
    assert r.ok  # Jasmin holds it while its connector cannot bind
    time.sleep(1.0)
    assert not any(s.destination_addr == "6281200000801" for s in network.accepted())
    network.refuse_binds = False
    jasmin.wait_connectors_bound(timeout=20)
    network.wait_submit_to("6281200000801", timeout=30)
    assert e.wait_receipts([r.message_id], timeout=30)[r.message_id].stat == "DELIVRD"


def test_wrong_password_is_refused_by_jasmin(jasmin, network, esme):
    e = esme(password="salah123", connect=False)
    with pytest.raises(smpplib.exceptions.PDUError) as err:
        e.bind()
    assert err.value.args[1] in (0x0E, 0x0D)  # ESME_RINVPASWD or ESME_RBINDFAIL


@pytest.mark.parametrize("hard", [False, True], ids=["sigterm", "sigkill"])
def test_jasmin_restart_keeps_receipt_mapping(jasmin, network, esme, hard):
    e = esme()
    network.receipt_delay = 6.0  # the receipt comes after Jasmin is back
    r = e.submit("6281200000901", "Sebelum Jasmin restart")
    network.wait_submit_to("6281200000901", timeout=20)
    jasmin.restart(hard=hard)
    deadline = time.monotonic() + 10
    while e.closed is None and time.monotonic() < deadline:  # the old session died with jasmind
        time.sleep(0.1)
    assert e.closed is not None
    e2 = esme()
    got = e2.wait_receipts([r.message_id], timeout=40)
    assert got[r.message_id].stat == "DELIVRD"
    r2 = e2.submit("6281200000902", "Sesudah Jasmin restart")
    network.receipt_delay = 0.0
    assert e2.wait_receipts([r2.message_id], timeout=30)[r2.message_id].stat == "DELIVRD"


def test_operator_failure_is_retried_then_dropped_without_receipt(network, esme):
    """What Jasmin 0.11.0 does with a message the operator keeps refusing: it retries ESME_RSYSERR once
    (``submit_error_retrial`` count 2) and gives up without sending the ESME any receipt, so a route
    must time such a message out itself. ESME_RINVDSTADR is not retried at all."""
    network.failure_rate = 1.0
    e = esme()
    r = e.submit("6281200001001", "Ditolak operator")
    assert r.ok  # Jasmin accepted it into its queue
    network.wait_for(lambda: sum(s.destination_addr == "6281200001001" for s in network.submits) >= 2, 20,
                     "two refused attempts")
    network.failure_status = 0x0B  # ESME_RINVDSTADR
    r2 = e.submit("6281200001002", "Nomor salah")
    network.wait_for(lambda: any(s.destination_addr == "6281200001002" for s in network.submits), 20, "attempt")
    time.sleep(3.0)
    attempts = [s for s in network.submits if s.destination_addr.startswith("628120000100")]
    assert [(s.destination_addr, s.status) for s in attempts] == [
        ("6281200001001", 0x08), ("6281200001001", 0x08), ("6281200001002", 0x0B)]
    assert r.message_id not in e.receipts and r2.message_id not in e.receipts
