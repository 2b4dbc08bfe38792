"""Front panel: the pattern table, LED patterns on mock pins, the loop on a real store file, the buttons."""

from __future__ import annotations

import time

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from firmware.box import panel as panel_mod
from firmware.office.config import Config
from firmware.box.panel import DOUBLE, FAST, OFF, ON, SLOW, FrontPanel, PanelLoop, loop_from_config, panel_state

FAST_TIMINGS = {SLOW: (0.2, 0.2), FAST: (0.1, 0.1), DOUBLE: (0.1, 0.3)}
PINS = dict(power=17, network=27, sending=22, attention=23)


@pytest.fixture
def mock_factory():
    saved = Device.pin_factory
    Device.pin_factory = MockFactory()
    yield Device.pin_factory
    Device.pin_factory.reset()
    Device.pin_factory = saved


def ready(name="m1", reg="cs=home,ps=home"):
    return {"name": name, "state": "ready", "registration": reg}


def st(name, state):
    return {"name": name, "state": state, "registration": None}


UV = frozenset({"under_voltage_occurred"})

# (modems, counts, hold, throttled, usb) -> expected subset of patterns
CASES = [
    # power
    ([ready()], {}, False, None, None, {"power": ON, "network": ON, "sending": OFF, "attention": OFF}),
    ([], {}, False, None, None, {"power": SLOW, "network": FAST}),
    ([ready(), st("m2", "recovering")], {}, False, None, None, {"power": SLOW, "network": SLOW}),
    ([ready()], {}, False, None, "done", {"power": DOUBLE, "attention": OFF}),
    ([ready()], {}, False, None, {"state": "safe_to_remove", "device": "sda1"}, {"power": DOUBLE}),
    ([ready()], {}, False, None, {"state": "error"}, {"power": ON, "attention": SLOW}),
    # network
    ([ready(), st("m2", "parked")], {}, False, None, None, {"network": SLOW}),
    ([ready(reg="cs=searching")], {}, False, None, None, {"network": FAST}),
    ([ready(reg="cs=roaming,ps=not_registered")], {}, False, None, None, {"network": ON}),
    ([st("m1", "dead"), st("m2", "absent")], {}, False, None, None, {"network": FAST, "attention": SLOW}),
    # sending
    ([ready()], {"sending": 1, "queued": 50}, False, None, None, {"sending": FAST}),
    ([ready()], {"queued": 50}, False, None, None, {"sending": ON}),
    ([ready()], {"sent": 9, "delivered": 3}, False, None, None, {"sending": OFF}),
    # attention priorities: USB busy > hold > problem
    ([ready()], {}, True, UV, "busy", {"attention": FAST}),
    ([ready()], {}, True, UV, None, {"attention": ON}),
    ([ready()], {}, False, UV, None, {"attention": SLOW}),
    ([ready()], {}, False, frozenset({"throttled_occurred"}), "idle", {"attention": OFF}),
]


@pytest.mark.parametrize("modems, counts, hold, throttled, usb, expected", CASES)
def test_panel_state_table(modems, counts, hold, throttled, usb, expected):
    got = panel_state(modems, counts, hold, throttled, usb)
    assert set(got) == {"power", "network", "sending", "attention"}
    assert {k: got[k] for k in expected} == expected


def test_panel_state_accepts_a_hold_object():
    from firmware.queue.store import Hold
    assert panel_state([ready()], {}, Hold(True, None, None, None), None, None)["attention"] == ON


def test_blink_timings_on_mock_pins(mock_factory):
    panel = FrontPanel(**PINS, timings=FAST_TIMINGS)
    pin = mock_factory.pin(17)
    pin.clear_states()
    panel.set("power", SLOW)
    time.sleep(0.9)
    panel.set("power", OFF)
    pin.assert_states_and_times([(0.0, False), (0.0, True), (0.2, False), (0.2, True), (0.2, False)])
    pin = mock_factory.pin(27)
    pin.clear_states()
    panel.set("network", DOUBLE)
    time.sleep(0.75)
    panel.set("network", ON)
    pin.assert_states_and_times([(0.0, False), (0.0, True), (0.1, False), (0.1, True), (0.1, False), (0.3, True)])
    panel.close()


def test_apply_only_changes(mock_factory):
    panel = FrontPanel(power=17, sending=22, timings=FAST_TIMINGS)  # network/attention not fitted
    pats = {"power": ON, "network": FAST, "sending": OFF, "attention": SLOW}
    assert panel.apply(pats) == ["power", "network", "sending", "attention"]
    assert panel.apply(pats) == []
    assert panel.apply({**pats, "sending": ON}) == ["sending"]
    assert mock_factory.pin(17).state is True and mock_factory.pin(22).state is True
    panel.close()


def test_loop_applies_patterns_from_the_store(mock_factory, store, clock):
    panel = FrontPanel(**PINS, timings=FAST_TIMINGS)
    values = iter([0x50000])
    from firmware.box.undervoltage import ThrottleMonitor
    loop = PanelLoop(str(store.path), panel, throttle=ThrottleMonitor(reader=lambda: next(values, 0x50000)),
                     clock=lambda: clock[0])
    store.upsert_modem("m1", port="/dev/a", state="ready", registration="cs=home")
    store.upsert_modem("m2", port="/dev/b", state="parked", registration="cs=home")
    assert loop.step(store) == {"power": ON, "network": SLOW, "sending": OFF, "attention": SLOW}
    assert mock_factory.pin(17).state is True
    assert store.conn.execute("SELECT 1 FROM settings WHERE key = 'throttled'").fetchone()  # summary for the page
    store.enqueue(["+6281200007890"], "halo")
    store.set_hold(True, reason="x", by="test")
    store.set_setting("usb_state", "busy", by="usb")
    assert loop.step(store) == {"power": ON, "network": SLOW, "sending": ON, "attention": FAST}
    store.set_setting("usb_state", {"state": "done"}, by="usb")
    assert loop.step(store)["power"] == DOUBLE
    clock[0] += panel_mod.USB_SIGNAL_SECONDS + 1
    assert loop.step(store)["power"] == ON  # the safe-to-remove signal times out
    # a message finished since the last round: sending blinks and lingers
    store.conn.execute("UPDATE messages SET state = 'sent'")
    assert loop.step(store)["sending"] == FAST
    clock[0] += panel_mod.SENDING_LINGER + 1
    assert loop.step(store)["sending"] == OFF
    panel.close()


def test_loop_thread_runs_and_stops(mock_factory, store):
    store.upsert_modem("m1", port="/dev/a", state="ready", registration="cs=home")
    panel = FrontPanel(**PINS, timings=FAST_TIMINGS)
    loop = PanelLoop(str(store.path), panel, interval=0.05)
    loop.start()
    deadline = time.monotonic() + 3
    while panel.current.get("network") != ON and time.monotonic() < deadline:
        time.sleep(0.02)
    assert panel.current == {"power": ON, "network": ON, "sending": OFF, "attention": OFF}
    assert mock_factory.pin(27).state is True
    loop.stop()
    assert not loop.is_alive()
    assert mock_factory.pin(27).state is False  # LEDs closed on stop


def press(pin, seconds):
    pin.drive_low()
    time.sleep(seconds)
    pin.drive_high()


def wait_for_action(loop, timeout=2.0):
    deadline = time.monotonic() + timeout
    while not loop.actions and time.monotonic() < deadline:
        time.sleep(0.01)
    assert loop.actions


def test_hold_button_long_press_toggles_hold(mock_factory, store):
    loop = PanelLoop(str(store.path), None, button_hold=5, hold_time=0.1)
    pin = mock_factory.pin(5)
    press(pin, 0.03)  # a short press does nothing
    time.sleep(0.15)
    assert loop.actions == []
    press(pin, 0.25)
    wait_for_action(loop)
    loop.step(store)
    hold = store.hold()
    assert hold.active and hold.set_by == "panel"
    press(pin, 0.25)
    wait_for_action(loop)
    loop.step(store)
    assert not store.hold().active
    loop._close_devices()


def test_shutdown_button_shows_then_calls_shutdown(mock_factory, store):
    calls = []
    panel = FrontPanel(**PINS, timings=FAST_TIMINGS)
    waits = []

    def sleep(s):
        waits.append((s, dict(panel.current)))

    loop = PanelLoop(str(store.path), panel, button_shutdown=6, hold_time=0.1,
                     shutdown=lambda: calls.append("off"), sleep=sleep)
    press(mock_factory.pin(6), 0.25)
    wait_for_action(loop)
    loop.step(store)
    assert calls == ["off"]
    assert waits == [(panel_mod.SHUTDOWN_SHOW, {n: FAST for n in PINS})]  # LEDs showed it before power-off
    assert loop.step(store) and panel.current == {n: FAST for n in PINS}  # the pattern stays
    loop._close_devices()


def test_test_button_queues_an_sms_to_the_admin(mock_factory, store):
    loop = PanelLoop(str(store.path), None, button_test=16, admin_number="0812-0000-7890")
    press(mock_factory.pin(16), 0.02)
    wait_for_action(loop)
    loop.step(store)
    row = store.conn.execute("SELECT number, created_by, state FROM messages").fetchone()
    assert tuple(row) == ("+6281200007890", "panel", "queued")
    loop._close_devices()


def test_test_button_without_admin_number_logs(mock_factory, store, caplog):
    loop = PanelLoop(str(store.path), None, button_test=16)
    press(mock_factory.pin(16), 0.02)
    wait_for_action(loop)
    loop.step(store)
    assert store.queue_counts() == {}
    assert "no admin_number" in caplog.text
    loop._close_devices()


def test_loop_from_config(mock_factory, monkeypatch, tmp_path):
    monkeypatch.setattr(panel_mod, "read_throttled", lambda: None)
    assert loop_from_config(Config(), str(tmp_path / "db")) is None
    loop = loop_from_config(Config(led_power=17, button_test=16, admin_number="081200007890"), str(tmp_path / "db"))
    assert loop is not None and set(loop.panel.leds) == {"power"} and len(loop.buttons) == 1
    loop._close_devices()


def test_card_covers_every_led_and_button():
    from pathlib import Path
    card = (Path(__file__).resolve().parents[2] / "web" / "static" / "panel-card.html").read_text()
    for word in ("DAYA", "JARINGAN", "KIRIM", "PERHATIAN", "TAHAN", "MATIKAN", "TES", "aman dicabut",
                 "Kedip lambat", "Kedip cepat", "kedip ganda", "@page { size: A4"):
        assert word in card, word
    assert "<link" not in card and "<script" not in card  # self-contained
