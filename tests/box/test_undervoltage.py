"""Throttled flags: decoding, parsing both sources, log-once, the settings summary."""

from __future__ import annotations

import json
import logging

from firmware.box import undervoltage
from firmware.box.undervoltage import ThrottleMonitor, decode, parse, under_voltage_seen


def test_decode_bits():
    assert decode(0) == frozenset()
    assert decode(0x50005) == {"under_voltage", "throttled", "under_voltage_occurred", "throttled_occurred"}
    assert decode(0xF000F) == set(undervoltage.FLAGS.values())
    assert decode(0x50000) == {"under_voltage_occurred", "throttled_occurred"}


def test_parse_both_sources():
    assert parse("throttled=0x50005\n") == 0x50005
    assert parse("50005\n") == 0x50005
    assert parse("0x0") == 0


def test_under_voltage_seen():
    assert under_voltage_seen({"under_voltage_occurred"})
    assert not under_voltage_seen({"throttled"})
    assert not under_voltage_seen(None)


def test_read_throttled_prefers_sysfs(tmp_path, monkeypatch):
    f = tmp_path / "get_throttled"
    f.write_text("50000\n")
    monkeypatch.setattr(undervoltage, "SYSFS", f)
    assert undervoltage.read_throttled() == 0x50000


def test_monitor_logs_changes_once_and_stores_summary(store, caplog):
    values = iter([0, 0x50005, 0x50005, 0x50005, 0x50000, None, 0x50000])
    mon = ThrottleMonitor(reader=lambda: next(values), clock=lambda: 1.0)
    with caplog.at_level(logging.INFO, logger="firmware.box.undervoltage"):
        flags = [mon.poll(store) for _ in range(7)]
    assert flags[0] == frozenset()
    assert "under_voltage" in flags[1] and flags[1] == flags[3]
    assert flags[4] == {"under_voltage_occurred", "throttled_occurred"}
    assert flags[5] == flags[4]  # an unreadable poll keeps the last flags
    msgs = [r.getMessage() for r in caplog.records]
    assert sum("0x50005" in m for m in msgs) == 1  # logged once, not per poll
    assert any("cleared: throttled, under_voltage" in m for m in msgs)
    assert [r.levelno for r in caplog.records if "0x50005" in r.getMessage()] == [logging.WARNING]
    row = store.conn.execute("SELECT value, updated_by FROM settings WHERE key = 'throttled'").fetchone()
    assert json.loads(row["value"]) == {"raw": "0x50000", "flags": ["throttled_occurred", "under_voltage_occurred"],
                                        "under_voltage": True, "at": 1.0}
    assert row["updated_by"] == "daemon"
