"""sd_notify on a real NOTIFY_SOCKET: READY, STATUS, WATCHDOG, and no WATCHDOG once a worker hangs.

The test binds an AF_UNIX datagram socket (as systemd does for Type=notify)
and points NOTIFY_SOCKET at it; the daemon talks to it through
systemd-python's ``sd_notify`` exactly as under systemd.  First the real
command (``python -m firmware.cli daemon``) in a subprocess on an emulated
modem; then the daemon in-process with a modem that stops answering in the
middle of a send, to show that the watchdog pings stop (so systemd would
SIGABRT and restart it) while STATUS keeps coming.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from emutools import booted_emulator

from firmware.office.config import with_defaults
from firmware.queue.daemon import Daemon
from firmware.queue.store import Store

ROOT = Path(__file__).resolve().parents[2]


class NotifySocket:
    """A datagram socket collecting sd_notify messages (each datagram: newline-separated KEY=VALUE)."""

    def __init__(self, path: Path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.1)
        self.lock = threading.Lock()
        self.messages: list[tuple[float, str]] = []  # (monotonic time, one KEY=VALUE line)
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            now = time.monotonic()
            with self.lock:
                self.messages.extend((now, line) for line in data.decode().splitlines() if line)

    def lines(self, since: float = 0.0) -> list[str]:
        with self.lock:
            return [line for t, line in self.messages if t >= since]

    def wait_for(self, predicate, timeout: float, what: str) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.lines()
            if predicate(lines):
                return lines
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; got {self.lines()[-10:]}")

    def close(self) -> None:
        self._stop.set()
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def notify_socket(tmp_path):
    ns = NotifySocket(tmp_path / "notify.sock")
    yield ns
    ns.close()


def count(lines: list[str], prefix: str) -> int:
    return sum(line.startswith(prefix) for line in lines)


def test_daemon_subprocess_ready_status_watchdog(tmp_path, notify_socket):
    emu = booted_emulator(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("JOURNAL_STREAM", "INVOCATION_ID")}
    env.update(NOTIFY_SOCKET=notify_socket.path, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "firmware.cli", "daemon", "--state-dir", str(tmp_path),
         "--modem", f"{emu.port}:sim800", "--unthrottled"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = notify_socket.wait_for(lambda ls: "READY=1" in ls, 30, "READY=1")
        ready_at = lines.index("READY=1")
        assert not any(line.startswith("WATCHDOG=") for line in lines[:ready_at]), "no ping before READY"
        lines = notify_socket.wait_for(lambda ls: count(ls, "WATCHDOG=1") >= 3, 10, "three WATCHDOG=1")
        status = [line for line in lines if line.startswith("STATUS=")]
        assert status and "queued=0" in status[-1] and "modem0=ready" in status[-1], status[-1:]
        # Periodic, at well under half of WatchdogSec=30 (the main loop pings about every second).
        with notify_socket.lock:
            pings = [t for t, line in notify_socket.messages if line == "WATCHDOG=1"]
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        assert gaps and max(gaps) < 5.0, gaps
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        assert proc.returncode == 0, proc.stderr.read()
        assert "STOPPING=1" in notify_socket.lines()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
        emu.stop()


def test_watchdog_stops_when_a_worker_hangs(tmp_path, notify_socket, monkeypatch):
    monkeypatch.setenv("NOTIFY_SOCKET", notify_socket.path)
    # The modem accepts one SMS and then answers nothing (wedged until a reboot); the worker blocks
    # inside AT+CMGS (no beat() while the driver waits), long send/prompt timeouts keep it there.
    emu = booted_emulator(tmp_path, hang_after=1)
    cfg = with_defaults(str(tmp_path), [f"{emu.port}:sim800"], unthrottled=True)
    cfg = dataclasses.replace(cfg, modems=tuple(dataclasses.replace(m, send_timeout=60.0, command_gap=0.0)
                                                for m in cfg.modems))
    daemon = Daemon(cfg, hung_after=1.0)
    thread = threading.Thread(target=daemon.run, name="daemon", daemon=True)
    thread.start()
    store = Store.in_state_dir(tmp_path)
    try:
        notify_socket.wait_for(lambda ls: "READY=1" in ls and count(ls, "WATCHDOG=1") >= 2, 30,
                               "READY and pings while healthy")
        store.enqueue(["081200007801", "081200007802", "081200007803"], "uji watchdog", created_by="test")
        deadline = time.monotonic() + 15
        while not emu.modem.hung:
            assert time.monotonic() < deadline, "the emulated modem never hung"
            time.sleep(0.02)
        assert emu.sent_count == 1
        # Once the worker has not beaten for hung_after (1 s) plus one main-loop turn, pings stop.
        time.sleep(2.5)
        window_start = time.monotonic()
        time.sleep(4.0)
        window = notify_socket.lines(since=window_start)
        assert daemon.workers[0].is_alive(), "the worker is hung, not dead"
        assert count(window, "WATCHDOG=1") == 0, window
        assert count(window, "STATUS=") >= 3, "the main loop keeps reporting status"
        # The message in AT+CMGS, and the next one, claimed ahead in the commit that handed it over
        # (one commit per message): only the first is handed, the other goes back to the queue untouched.
        assert "sending=2" in [line for line in window if line.startswith("STATUS=")][-1]
        assert store.conn.execute("SELECT COUNT(*) FROM messages WHERE state = 'sending'"
                                  " AND handed_at IS NOT NULL").fetchone()[0] == 1
    finally:
        store.close()
        daemon.stop()
        thread.join(timeout=30)
        emu.reboot()
        emu.stop()
    assert not thread.is_alive()
    assert "STOPPING=1" in notify_socket.lines()
