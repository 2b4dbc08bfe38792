"""The emulator on a real pseudo-terminal, driven through real pyserial.

A raw AT conversation (no driver): what a host sees on the port, what the
JSON sent-log records, several emulators at once, a host closing and
reopening the port, and the ``siaran emulator`` command as a subprocess.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import serial

from firmware.commands import emulator as emulator_command
from firmware.modem import pdu
from firmware.modem.emulator.modem import EmulatorConfig
from firmware.modem.emulator.pty import PtyEmulator

RECIPIENT = "+6281200000001"
SENDER = "+6281200000077"
REPO = Path(__file__).resolve().parents[2]
FINAL = re.compile(rb"\r\n(OK|ERROR|\+CM[SE] ERROR: [^\r]*)\r\n")


class Host:
    """One end of a raw AT conversation over a serial port."""

    def __init__(self, port: str):
        self.serial = serial.Serial(port, 115200, timeout=0.02)
        self.buffer = b""

    def close(self) -> None:
        self.serial.close()

    def read_until(self, pattern: bytes | re.Pattern, timeout: float = 3.0) -> bytes:
        """Read until ``pattern`` appears; return everything up to its end and keep the rest."""
        regex = pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self.buffer)
            if match:
                head, self.buffer = self.buffer[: match.end()], self.buffer[match.end() :]
                return head
            if time.monotonic() > deadline:
                raise AssertionError(f"no {regex.pattern!r} within {timeout} s; got {self.buffer!r}")
            self.buffer += self.serial.read(256)

    def command(self, line: str, timeout: float = 3.0) -> bytes:
        """Write one command line and return the bytes up to its final result code."""
        self.serial.write(line.encode() + b"\r")
        return self.read_until(FINAL, timeout)

    def sync(self, timeout: float = 5.0) -> None:
        """AT until OK, echo off, then wait until the SMS service answers."""
        deadline = time.monotonic() + timeout
        for line in ("AT", "ATE0", "AT+CMGF=0"):
            while not self._try(line):
                assert time.monotonic() < deadline, f"{line} never succeeded"
        self.buffer = b""

    def _try(self, line: str) -> bool:
        """One attempt: a modem still booting ignores input, so give up quickly."""
        try:
            return self.command(line, timeout=0.2).endswith(b"\r\nOK\r\n")
        except AssertionError:
            return False

    def send_pdu(self, part: pdu.SubmitPart) -> bytes:
        self.serial.write(f"AT+CMGS={part.tpdu_length}\r".encode())
        self.read_until(b"\r\n> ")
        self.serial.write(part.pdu.encode() + b"\x1a")
        return self.read_until(FINAL)


@pytest.fixture
def emulators():
    """Start PtyEmulators through ``start(**kwargs)``; all are stopped afterwards."""
    started: list[PtyEmulator] = []

    def start(config: EmulatorConfig | None = None, **kwargs) -> PtyEmulator:
        emulator = PtyEmulator(config or EmulatorConfig(), seed=1, **kwargs).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()
        assert emulator.errors == []


@pytest.fixture
def hosts():
    opened: list[Host] = []

    def open_(port: str) -> Host:
        host = Host(port)
        opened.append(host)
        return host

    yield open_
    for host in opened:
        host.close()


def log_lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_each_part_is_logged_before_cmgs_reaches_the_host(emulators, hosts, tmp_path):
    log = tmp_path / "sent.jsonl"
    emu = emulators(EmulatorConfig(send_latency=0.05, name="modem0"), log_path=str(log))
    host = hosts(emu.port)
    host.sync()
    parts = pdu.encode_submit(RECIPIENT, "Informasi posyandu bulan ini. " * 6, concat_ref=7, report=True)
    assert len(parts) == 2
    for count, part in enumerate(parts, start=1):
        result = host.send_pdu(part)
        assert re.fullmatch(rb"\r\n\+CMGS: \d+\r\n\r\nOK\r\n", result)
        assert len(log_lines(log)) == count  # already on disk when +CMGS arrived
    records = log_lines(log)
    assert [r["concat"] for r in records] == [{"ref": 7, "total": 2, "seq": 1}, {"ref": 7, "total": 2, "seq": 2}]
    first = records[0]
    assert first["number"] == RECIPIENT and first["encoding"] == "gsm7" and first["report_requested"] is True
    assert first["model"] == "sim800" and first["port"] == emu.port and first["emulator"] == "modem0"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["time"])
    assert [r["message_ref"] for r in records] == [0, 1]
    assert emu.sent == records


def test_two_emulators_at_once_sharing_one_log(emulators, hosts, tmp_path):
    log = tmp_path / "shared.jsonl"
    emu_a = emulators(EmulatorConfig(model="sim800"), log_path=str(log))
    emu_b = emulators(EmulatorConfig(model="sim7600"), log_path=str(log))
    host_a, host_b = hosts(emu_a.port), hosts(emu_b.port)
    host_a.sync()
    host_b.sync()
    for host in (host_a, host_b, host_a):
        assert host.send_pdu(pdu.encode_submit(RECIPIENT, "Halo")[0]).endswith(b"\r\nOK\r\n")
    records = log_lines(log)
    assert [(r["port"], r["model"]) for r in records] == [
        (emu_a.port, "sim800"),
        (emu_b.port, "sim7600"),
        (emu_a.port, "sim800"),
    ]
    assert (emu_a.sent_count, emu_b.sent_count) == (2, 1)
    assert host_b.command("AT+CGMM") == b"\r\nSIMCOM_SIM7600E-H\r\n\r\nOK\r\n"


def test_incoming_sms_over_the_port(emulators, hosts):
    emu = emulators()
    host = hosts(emu.port)
    host.sync()
    emu.inject_incoming(SENDER, "STOP")
    assert host.read_until(b'+CMTI: "SM",1\r\n') == b'\r\n+CMTI: "SM",1\r\n'
    header, body = host.command("AT+CMGR=1").split(b"\r\n")[1:3]
    assert header.startswith(b'+CMGR: 0,"",')
    assert pdu.decode(body.decode()).text == "STOP"


def wait_for(condition, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.005)


def test_host_closing_and_reopening_the_port(emulators, hosts):
    emu = emulators()
    host = hosts(emu.port)
    host.sync()
    host.close()
    wait_for(lambda: not emu.host_connected)
    emu.inject_incoming(SENDER, "Halo")  # its +CMTI goes to a closed port: lost, like on a UART
    wait_for(lambda: emu.idle)
    host = hosts(emu.port)
    assert host.command("AT") == b"\r\nOK\r\n"  # nothing stale before the answer
    assert host.command("AT+CMGL=4").startswith(b'\r\n+CMGL: 1,0,"",')


def test_reboot_from_outside_resets_echo(emulators, hosts):
    emu = emulators()
    host = hosts(emu.port)
    host.sync()
    emu.reboot()
    host.read_until(b"SMS Ready\r\n")
    assert host.command("AT") == b"AT\r\r\nOK\r\n"


def test_link_is_a_symlink_removed_on_stop(emulators, tmp_path, hosts):
    link = tmp_path / "modem0"
    emu = emulators(link=str(link))
    assert os.readlink(link) == emu.port
    host = hosts(str(link))
    host.sync()
    emu.stop()
    assert not link.exists()


def test_register_adds_the_emulator_subcommand():
    parser = argparse.ArgumentParser(prog="siaran")
    emulator_command.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["emulator", "--model", "sim7600", "--fail-number", "081299990000:21", "--fail-number", "+6281200000002",
         "--cms-error-code", "42", "--reboot-after", "5", "--slow-prompt", "0.5", "--pin", "1234",
         "--stored-reports"]
    )  # fmt: skip
    assert args.func is emulator_command.handler
    config = emulator_command.config_from_args(args)
    assert config.model == "sim7600" and config.reboot_after == 5 and config.prompt_delay == 0.5
    assert config.cms_error_numbers == {"081299990000": 21, "+6281200000002": 42}
    assert config.sim_pin == "1234" and config.cds_direct is False
    default = emulator_command.config_from_args(parser.parse_args(["emulator"]))
    assert default.cds_direct is True and default.network_loss_for is None and default.registration_delay == 0
    lossy = emulator_command.config_from_args(parser.parse_args(
        ["emulator", "--network-loss-after", "3", "--network-loss-for", "10", "--registration-delay", "2.5"]))
    assert (lossy.network_loss_after, lossy.network_loss_for, lossy.registration_delay) == (3, 10.0, 2.5)


@pytest.mark.parametrize("bad", ["10", "x:5", "5:-1", "nan:2", "1:inf"])
def test_a_malformed_network_drop_is_refused_with_exit_2(bad, capsys):
    parser = argparse.ArgumentParser(prog="siaran")
    emulator_command.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["emulator", "--network-drop", bad])
    assert emulator_command.handler(args) == 2
    answer = json.loads(capsys.readouterr().out)
    assert "--network-drop" in answer["error"] and bad in answer["error"] and answer["pesan"].startswith("Pilihan")


def test_cli_runs_until_sigterm(tmp_path):
    link = tmp_path / "modem1"
    log = tmp_path / "cli.jsonl"
    code = "import sys; from firmware.commands.emulator import _cli_main; sys.exit(_cli_main())"
    argv = [sys.executable, "-c", code, "--model", "sim7600", "--link", str(link), "--log", str(log),
            "--incoming", f"{SENDER}:Halo dari warga", "--network-drop", "3:0.5"]  # fmt: skip
    process = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, text=True)
    host = None
    try:
        ready, _, _ = select.select([process.stdout], [], [], 10)
        assert ready, "the emulator printed nothing"
        info = json.loads(process.stdout.readline())
        assert info == {"port": os.readlink(link), "link": str(link), "model": "sim7600", "log": str(log)}
        host = Host(str(link))
        host.sync()
        host.command("AT+CNMI=2,1,0,0,0")
        host.command("AT+CREG=1")
        host.read_until(b'+CMTI: "SM",1\r\n', timeout=5)
        assert host.send_pdu(pdu.encode_submit(RECIPIENT, "Terima kasih")[0]).endswith(b"OK\r\n")
        assert log_lines(log)[0]["text"] == "Terima kasih"
        host.read_until(b"+CREG: 2\r\n", timeout=5)  # --network-drop 3:0.5
        host.read_until(b"+CREG: 1\r\n", timeout=3)
    finally:
        if host:
            host.close()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
    assert not link.exists()
