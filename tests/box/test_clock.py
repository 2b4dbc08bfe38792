"""Setting the clock from the modem's network time (no RTC), with injected clock and setter."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest

from firmware.box import clock
WIB = timezone(timedelta(hours=7))
BUILD = datetime(2025, 6, 1, tzinfo=timezone.utc).timestamp()
NET = datetime(2025, 9, 15, 10, 30, tzinfo=WIB)


@pytest.fixture(autouse=True)
def fresh_once_flag(monkeypatch):
    monkeypatch.setattr(clock, "_denied_logged", False)


def run(network_time, system, *, setter=None):
    calls = []
    result = clock.maybe_set_clock(network_time, now=lambda: system, set_time=setter or calls.append,
                                   build_time=BUILD)
    return result, calls


def test_clock_before_build_date_is_set(caplog):
    caplog.set_level(logging.WARNING, logger="firmware.box.clock")
    result, calls = run(NET, datetime(1970, 1, 1, tzinfo=timezone.utc).timestamp() + 30)
    assert calls == [NET.timestamp()] and result == NET.timestamp()
    assert "before the build date" in caplog.text and "AT+CCLK" in caplog.text


def test_clock_far_behind_network_time_is_set():
    result, calls = run(NET, NET.timestamp() - 3 * 86400)
    assert calls == [NET.timestamp()]


@pytest.mark.parametrize("lag", [0.0, 3600.0, -3600.0, 23 * 3600.0, -30 * 86400.0])
def test_clock_roughly_right_or_ahead_is_left_alone(lag):
    result, calls = run(NET, NET.timestamp() - lag)
    assert calls == [] and result is None


@pytest.mark.parametrize("network_time", [
    None,
    datetime(2004, 1, 1, tzinfo=WIB),  # SIM800 default, or anything before the build
    datetime(2080, 1, 6, tzinfo=WIB),  # garbage far in the future
    datetime(2025, 9, 15, 10, 30),  # naive: no zone, cannot be trusted
])
def test_implausible_network_time_is_ignored(network_time):
    result, calls = run(network_time, 0.0)
    assert calls == [] and result is None


def test_permission_error_logged_once_and_swallowed(caplog):
    caplog.set_level(logging.WARNING, logger="firmware.box.clock")

    def denied(_seconds):
        raise PermissionError(1, "Operation not permitted")

    for _ in range(3):
        result, _ = run(NET, 0.0, setter=denied)
        assert result is None
    assert caplog.text.count("CAP_SYS_TIME") == 1


def test_other_failures_never_raise(caplog):
    def broken(_seconds):
        raise OSError(22, "Invalid argument")

    result, _ = run(NET, 0.0, setter=broken)
    assert result is None and "could not" in caplog.text


def test_default_build_time_is_not_before_the_floor():
    assert clock.build_time() >= clock.BUILD_FLOOR
