"""``siaran modem ...`` as a technician runs it: a real process, a real pty, JSON out."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from firmware.modem.emulator.modem import EmulatorConfig
from firmware.modem.emulator.pty import PtyEmulator


@pytest.fixture
def emu(tmp_path):
    with PtyEmulator(EmulatorConfig(model="sim800", report_delay=0.05), log_path=str(tmp_path / "log.jsonl")) as e:
        yield e


def siaran(*args: str, timeout: float = 60) -> tuple[int, dict, str]:
    proc = subprocess.run([sys.executable, "-m", "firmware.cli", *args], capture_output=True, text=True, timeout=timeout)
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def test_info(emu):
    code, out, _ = siaran("modem", "info", "--port", emu.port)
    assert code == 0
    assert out["identity"]["family"] == "sim800"
    assert out["status"]["sim"] == "READY" and out["status"]["registered"]
    assert out["status"]["signal"]["dbm"] == -73
    assert out["network_time"].endswith("+07:00")
    assert (out["indications"], out["report_memory"]) == ("buffered", None)


def test_send_with_report_masks_the_number(emu):
    code, out, err = siaran("modem", "send", "--port", emu.port, "--to", "081200000001", "--text", "Tes kirim",
                            "--report", "--wait", "5", "--trace")
    assert code == 0, err
    assert out["to"] == "0812****0001"
    assert out["segments"] == 1 and out["parts"][0]["message_ref"] is not None
    assert out["reports"][0]["class"] == "delivered" and out["reports"][0]["final"]
    assert "081200000001" not in err and "AT+CMGS" in err  # the trace is there, the number is not
    assert "Tes kirim" in (emu.log_path and open(emu.log_path).read())


def test_send_rejects_a_bad_number_before_touching_the_modem(emu):
    code, out, _ = siaran("modem", "send", "--port", emu.port, "--to", "", "--text", "x")
    assert code == 2
    assert out["pesan"]


def test_send_refuses_a_number_with_letters(emu):
    """0812ABCD would be sent as a sender name (an alphanumeric address): a typo, refused."""
    code, out, _ = siaran("modem", "send", "--port", emu.port, "--to", "0812ABCD", "--text", "x")
    assert code == 2 and "huruf" in out["pesan"]
    assert emu.sent_count == 0


def test_ussd(emu):
    code, out, _ = siaran("modem", "ussd", "--port", emu.port, "--code", "*888#")
    assert code == 0 and out["answered"] and "pulsa" in out["text"].lower()


def test_inbox_lists_and_deletes(emu):
    emu.inject_incoming("+6285700000002", "BERHENTI")
    code, out, _ = siaran("modem", "inbox", "--port", emu.port, "--delete")
    assert code == 0 and out["count"] == 1
    msg = out["messages"][0]["message"]
    assert msg["text"] == "BERHENTI" and msg["sender"]["number"] == "+6285****0002"
    assert out["messages"][0]["pdu"] is None  # the raw PDU holds the number
    code, out, _ = siaran("modem", "inbox", "--port", emu.port)
    assert out["count"] == 0


def test_unavailable_port_is_a_clear_error():
    code, out, _ = siaran("modem", "info", "--port", "/dev/does-not-exist-siaran")
    assert code == 3
    assert "Port serial" in out["pesan"]
