"""``siaran smpp test`` and ``siaran campaign create --channel`` through the real command line parser,
against the test operator network on a real socket (the Jasmin path is in test_jasmin.py)."""

from __future__ import annotations

import json

import pytest

from firmware import cli
from firmware.office.config import SmppAccount
from firmware.queue.store import Store
from smpptools.network import OperatorNetwork


@pytest.fixture
def opnet():
    net = OperatorNetwork(system_id="siaran", password="rahasia1").start()
    yield net
    net.stop()


@pytest.fixture
def state(tmp_path, opnet):
    with Store(tmp_path / "siaran.db") as store:
        store.save_smpp_account(SmppAccount(name="op", host=opnet.host, port=opnet.port, system_id="siaran",
                                            password="rahasia1", source_addr="PEMKAB-BLTR"), by="test")
    return tmp_path


def siaran(capsys, *args: str) -> tuple[int, dict]:
    code = cli.main(list(args))
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_smpp_test_delivers_and_reports(capsys, state, opnet):
    code, out = siaran(capsys, "smpp", "test", "--state-dir", str(state), "--account", "op", "--to", "0812-0000-0001",
                       "--wait", "10")
    assert code == 0, out
    assert out["result"] == "delivered" and out["receipt"]["stat"] == "DELIVRD"
    assert out["to"] != "+6281200000001" and "0001" in out["to"]  # masked
    assert "rahasia1" not in json.dumps(out)
    [sub] = opnet.accepted()
    assert sub.destination_addr == "6281200000001" and sub.source_addr == "PEMKAB-BLTR"
    with Store(state / "siaran.db") as store:
        assert store.unmatched_smpp_receipts() == 0
        assert store.conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'smpp_test'").fetchone()[0] == 1


def test_smpp_test_undeliverable(capsys, state, opnet):
    opnet.undeliverable = ("62812000000",)
    code, out = siaran(capsys, "smpp", "test", "--state-dir", str(state), "--account", "op", "--to", "081200000002",
                       "--wait", "10")
    assert code == 1 and out["result"] == "receipt_failed" and out["receipt"]["stat"] == "UNDELIV"
    assert "UNDELIV" in out["pesan"]


def test_smpp_test_refused_bind_says_why(capsys, state, opnet):
    opnet.refuse_binds = True
    code, out = siaran(capsys, "smpp", "test", "--state-dir", str(state), "--account", "op", "--to", "081200000003")
    assert code == 1 and out["result"] == "bind_failed"
    assert "ESME_RBINDFAIL" in out["error"] and "ditolak" in out["pesan"]


def test_smpp_test_unknown_account_and_bad_number(capsys, state):
    code, out = siaran(capsys, "smpp", "test", "--state-dir", str(state), "--account", "nope", "--to", "081200000003")
    assert code == 2 and "op" in out["error"] and "Tidak ada akun" in out["pesan"]
    code, out = siaran(capsys, "smpp", "test", "--state-dir", str(state), "--account", "op", "--to", "12ab")
    assert code == 2


def test_smpp_test_refuses_an_opted_out_number(capsys, state, opnet):
    with Store(state / "siaran.db") as store:
        store.add_optout("+6281200000004", source="test")
    code, out = siaran(capsys, "smpp", "test", "--state-dir", str(state), "--account", "op", "--to", "081200000004")
    assert code == 1 and "berhenti langganan" in out["pesan"] and opnet.submits == []


def test_status_shows_the_operator_link(capsys, state, opnet):
    with Store(state / "siaran.db") as store:
        store.update_smpp_link("op", state="bound", window_used=3, last_error=None)
    code, out = siaran(capsys, "status", "--state-dir", str(state))
    assert code == 0 and out["smpp"][0]["name"] == "op" and out["smpp"][0]["state"] == "bound"
    assert out["smpp"][0]["window_used"] == 3


def test_send_chooses_the_route(capsys, state, tmp_path):
    code, out = siaran(capsys, "send", "--state-dir", str(state), "--to", "081200000005,081200000006", "--text",
                       "Info", "--channel", "smpp")
    assert code == 0 and out["queued"] == 2 and out["channel"] == "smpp", out
    code, out = siaran(capsys, "send", "--state-dir", str(state), "--to", "081200000007", "--text", "Info")
    assert code == 0 and out["channel"] == "auto"
    with Store(state / "siaran.db") as store:
        rows = store.conn.execute("SELECT number, channel FROM messages ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [("+6281200000005", "smpp"), ("+6281200000006", "smpp"),
                                        ("+6281200000007", None)]
    empty = tmp_path / "kosong"  # no operator account there: refused, nothing queued
    code, out = siaran(capsys, "send", "--state-dir", str(empty), "--to", "081200000008", "--text", "Info",
                       "--channel", "smpp")
    assert code != 0 and "akun operator" in out["pesan"]
    with Store(empty / "siaran.db") as store:
        assert store.queue_counts().get("queued", 0) == 0
