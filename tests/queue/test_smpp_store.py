"""The operator route's store verbs (firmware.queue.smpp_store) on a real SQLite file.

Claims by channel (a modem never takes an operator-only message and the reverse), batch claims marked
handed in the same commit, receipts matched on the SMSC's id whichever session brings them (also
before the part's id is written), accounts kept without ever showing the password.
"""

from __future__ import annotations

import pytest

from firmware.errors import ConfigError
from firmware.office.config import SmppAccount
from firmware.queue.smpp_store import SmppReceipt
from firmware.queue.store import EMERGENCY, Outcome, Store

A = "+6281200000001"
B = "+6281200000002"
C = "+6281200000003"


def account(**kw) -> SmppAccount:
    base = dict(name="op", host="127.0.0.1", port=2775, system_id="pemkab", password="rahasia1",
                source_addr="PEMKAB")
    return SmppAccount(**{**base, **kw})


def test_modem_and_smpp_claim_only_their_channel(store: Store):
    store.enqueue([A], "modem only", channel="modem")
    store.enqueue([B], "operator only", channel="smpp")
    store.enqueue([C], "either")
    claimed = store.smpp_claim("op", 10)
    assert sorted(m.number for m in claimed) == [B, C]
    assert store.claim("modem0") .number == A
    assert store.claim("modem0") is None
    assert store.smpp_claim("op", 10) == []


def test_smpp_claim_is_handed_and_a_crash_puts_it_in_doubt(store: Store):
    store.enqueue([A, B], "hello")
    claimed = store.smpp_claim("op", 1)
    row = store.message(claimed[0].id)
    assert row["state"] == "sending" and row["handed_at"] is not None and row["modem"] == "op"
    requeued, unknown = store.recover_in_flight("resend")
    assert (requeued, unknown) == (1, 0)
    assert store.message(claimed[0].id)["in_doubt"] == 1


def test_hold_stops_the_operator_route_but_not_emergencies(store: Store):
    store.enqueue([A], "blast")
    store.enqueue([B], "banjir", priority=EMERGENCY)
    store.set_hold(True, reason="masa tenang", by="test")
    assert [m.number for m in store.smpp_claim("op", 10)] == [B]


def test_outcome_receipt_and_settle(store: Store, clock):
    store.enqueue([A], "x" * 200)  # two parts
    [m] = store.smpp_claim("op", 5)
    parts = ((1, 2, None, clock[0], "id-1"), (2, 2, None, clock[0], "id-2"))
    store.smpp_commit("op", [Outcome(m.id, "sent", parts=parts, parts_total=2)], sent_delta=2,
                      link={"state": "bound"})
    assert store.message(m.id)["state"] == "sent"
    first = store.apply_smpp_receipts([SmppReceipt("op", "id-1", "DELIVRD")])
    assert first[0].message_state is None  # one part still open
    second = store.apply_smpp_receipts([SmppReceipt("op", "id-2", "DELIVRD")])
    assert second[0].message_state == "delivered"
    assert store.message(m.id)["state"] == "delivered"
    assert store.smpp_links()[0]["sent_total"] == 2 and store.smpp_links()[0]["state"] == "bound"


def test_receipt_before_its_part_is_matched_later_and_flags_dead(store: Store, clock):
    store.conn.execute("INSERT INTO contacts (number, created_at, updated_at) VALUES (?, 0, 0)", (A,))
    store.enqueue([A], "halo")
    [m] = store.smpp_claim("op", 5)
    assert store.apply_smpp_receipts([SmppReceipt("op", "early", "UNDELIV", "001")]) == [None]
    assert store.unmatched_smpp_receipts() == 1
    store.smpp_commit("op", [Outcome(m.id, "sent", parts=((1, 1, None, clock[0], "early"),), parts_total=1)])
    assert store.unmatched_smpp_receipts() == 0
    assert store.message(m.id)["state"] == "failed"
    assert store.conn.execute("SELECT dead FROM contacts WHERE number = ?", (A,)).fetchone()[0] == 1


@pytest.mark.parametrize("sent_id, receipt_id", [
    ("1a2b3c", "1715004"),  # submit_sm_resp in hex, the receipt's text in decimal
    ("1715004", "1a2b3c"),  # the reverse
    ("ABCDEF12", "abcdef12"),  # letter case
    ("42", "0000000042"),  # a receipt text padding the id to ten digits
])
def test_receipt_matches_another_form_of_the_id(store: Store, clock, sent_id, receipt_id):
    """SMSCs known to give the id in one base in submit_sm_resp and the other in the receipt text still match,
    at once and when the receipt came before the part was written."""
    store.enqueue([A], "halo")
    [m] = store.smpp_claim("op", 5)
    store.smpp_commit("op", [Outcome(m.id, "sent", parts=((1, 1, None, clock[0], sent_id),), parts_total=1)])
    assert store.apply_smpp_receipts([SmppReceipt("op", receipt_id + "7", "DELIVRD")]) == [None]  # not a form of it
    assert store.message(m.id)["state"] == "sent"
    assert store.apply_smpp_receipts([SmppReceipt("op", receipt_id, "DELIVRD")])[0].message_state == "delivered"
    store.enqueue([B], "halo")
    [n] = store.smpp_claim("op2", 5)
    assert store.apply_smpp_receipts([SmppReceipt("op2", receipt_id, "UNDELIV")]) == [None]  # early: kept
    store.smpp_commit("op2", [Outcome(n.id, "sent", parts=((1, 1, None, clock[0], sent_id),), parts_total=1)])
    assert store.message(n.id)["state"] == "failed"


def test_exact_id_wins_over_another_form(store: Store, clock):
    store.enqueue([A, B], "halo")
    m, n = store.smpp_claim("op", 5)
    store.smpp_commit("op", [Outcome(m.id, "sent", parts=((1, 1, None, clock[0], "10"),), parts_total=1),
                             Outcome(n.id, "sent", parts=((1, 1, None, clock[0], "a"),), parts_total=1)])
    store.apply_smpp_receipts([SmppReceipt("op", "10", "DELIVRD")])
    assert store.message(m.id)["state"] == "delivered" and store.message(n.id)["state"] == "sent"


def test_receipt_of_another_account_does_not_match(store: Store, clock):
    store.enqueue([A], "halo")
    [m] = store.smpp_claim("op", 5)
    store.smpp_commit("op", [Outcome(m.id, "sent", parts=((1, 1, None, clock[0], "42"),), parts_total=1)])
    assert store.apply_smpp_receipts([SmppReceipt("other", "42", "DELIVRD")]) == [None]
    assert store.message(m.id)["state"] == "sent"


def test_repeated_receipt_changes_nothing(store: Store, clock):
    store.enqueue([A], "halo")
    [m] = store.smpp_claim("op", 5)
    store.smpp_commit("op", [Outcome(m.id, "sent", parts=((1, 1, None, clock[0], "7"),), parts_total=1)])
    store.apply_smpp_receipts([SmppReceipt("op", "7", "DELIVRD")])
    again = store.apply_smpp_receipts([SmppReceipt("op", "7", "UNDELIV")])
    assert again[0].message_state is None and store.message(m.id)["state"] == "delivered"


def test_accounts_are_saved_validated_and_never_show_the_password(store: Store):
    assert store.save_smpp_account(account(), by="admin") is True
    rows = store.smpp_accounts()
    assert rows[0]["has_password"] is True and "password" not in rows[0]
    assert store.save_smpp_account(account(password="", rate=100.0), by="admin", keep_password=True) is False
    [row] = store.smpp_accounts(include_password=True)
    assert row["password"] == "rahasia1" and row["rate"] == 100.0 and row["enabled"] is True
    audit = " ".join(r[0] for r in store.conn.execute("SELECT detail FROM audit_log"))
    assert "rahasia1" not in audit
    with pytest.raises(ConfigError, match="window"):
        store.save_smpp_account(account(window=0), by="admin")
    assert store.delete_smpp_account("op", by="admin") is True
    assert store.smpp_accounts() == []
