"""Shared test helpers: wait for a condition, and an emulated modem on a pseudo-terminal that has booted."""

from __future__ import annotations

import time
from pathlib import Path

from firmware.modem.emulator.modem import EmulatorConfig
from firmware.modem.emulator.pty import PtyEmulator


def wait_until(predicate, timeout: float, what: str, interval: float = 0.02):
    """``predicate()``'s first true value, or AssertionError naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def booted_emulator(tmp_path: Path, *, log_name: str = "sent.jsonl", seed: int = 7, boot_timeout: float = 10.0,
                    **knobs) -> PtyEmulator:
    """A started emulator (``knobs`` go to EmulatorConfig; report_delay 0.05 s unless given), idle in command mode."""
    knobs.setdefault("report_delay", 0.05)
    emu = PtyEmulator(EmulatorConfig(**knobs), log_path=str(Path(tmp_path) / log_name), seed=seed)
    emu.start()
    wait_until(lambda: emu.modem.state == "command" and emu.idle, boot_timeout, "the emulator to boot")
    return emu
