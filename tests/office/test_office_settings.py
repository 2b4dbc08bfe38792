"""Sending rules changed on the page: validated, applied by the daemon's workers without a restart, shown back."""

from __future__ import annotations

import pytest

from firmware.office import settings as office_settings
from firmware.office.config import with_defaults
from firmware.office.settings import SettingError


def cfg(tmp_path):
    return with_defaults(str(tmp_path), ["/dev/ttyS0:sim800", "/dev/ttyUSB2:sim7600"])


def test_apply_overrides_window_limits_and_keywords(tmp_path):
    c = office_settings.apply(cfg(tmp_path), {
        "send_window": {"start": "07:30", "end": "20:00"},
        "sim_limits": {"per_minute": 10, "per_hour": 200, "per_day": 2000},
        "optout_keywords": ["stop", "Berhenti", "STOP", "keluar"]})
    assert (c.window_start, c.window_end) == ("07:30", "20:00")
    assert {(m.per_minute, m.per_hour, m.per_day) for m in c.modems} == {(10, 200, 2000)}
    assert c.optout_keywords == ("STOP", "BERHENTI", "KELUAR")


@pytest.mark.parametrize("values, field", [
    ({"send_window": {"start": "25:00", "end": "21:00"}}, "Jam kirim"),
    ({"send_window": {"start": "pagi", "end": "21:00"}}, "Jam kirim"),
    ({"sim_limits": {"per_minute": 0, "per_hour": 300, "per_day": 3000}}, "per menit"),
    ({"sim_limits": {"per_minute": 20, "per_hour": "banyak", "per_day": 3000}}, "per jam"),
    ({"sim_limits": {"per_minute": 50, "per_hour": 40, "per_day": 3000}}, "per menit tidak boleh"),
    ({"optout_keywords": ["STOP ME"]}, "tanpa spasi"),
    ({"optout_keywords": []}, "minimal 1"),
])
def test_unusable_values_are_refused_in_bahasa(tmp_path, values, field):
    with pytest.raises(SettingError) as exc:
        office_settings.apply(cfg(tmp_path), values)
    assert field in exc.value.pesan


def test_effective_ignores_a_bad_stored_value(store, tmp_path, caplog):
    base = cfg(tmp_path)
    store.set_setting("sim_limits", {"per_minute": -5}, by="test")
    assert office_settings.effective(store, base) == base
    assert "ignored" in caplog.text


def test_worker_applies_new_rules_without_a_restart(store, tmp_path, clock):
    from firmware.queue.modem_worker import ModemWorker
    import threading

    base = cfg(tmp_path)
    w = ModemWorker(base.modems[0], base, str(store.path), stop=threading.Event(), clock=lambda: clock[0])
    w.store = store
    w._refresh_settings(clock[0])
    assert w.limiter.windows[0] == (60.0, 20)
    store.set_setting("sim_limits", {"per_minute": 5, "per_hour": 100, "per_day": 500}, by="web:admin")
    store.set_setting("send_window", {"start": "08:00", "end": "16:00"}, by="web:admin")
    store.set_setting("optout_keywords", ["STOP", "KELUAR"], by="web:admin")
    w._refresh_settings(clock[0] + 1)  # not yet: looked a moment ago
    assert w.limiter.windows[0] == (60.0, 20)
    w._refresh_settings(clock[0] + 10)
    assert w.limiter.windows == ((60.0, 5), (3600.0, 100), (86400.0, 500))
    assert w._window == (8 * 60, 16 * 60) and w.config.optout_keywords == ("STOP", "KELUAR")
    assert w.mc.per_day == 500
