"""ModemPower and PowerHooks on gpiozero's MockFactory; pulses go through a recording sleep (no real waits)."""

from __future__ import annotations

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from firmware.office.config import ModemConfig
from firmware.box.power import PRESETS, HatPreset, ModemPower, PowerHooks, hooks_from_config, preset_for


@pytest.fixture
def mock_factory():
    saved = Device.pin_factory
    Device.pin_factory = MockFactory()
    yield Device.pin_factory
    Device.pin_factory.reset()
    Device.pin_factory = saved


class Clock:
    """A sleep that advances a fake clock and records each wait."""

    def __init__(self):
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class FakeModule:
    """A module behind PWRKEY: toggles on a long enough press; a probe sees it."""

    def __init__(self, pin, *, on: bool, press_high: bool, min_on: float, min_off: float, hung: bool = False):
        self.on, self.hung = on, hung
        self.pin, self.press_high, self.min_on, self.min_off = pin, press_high, min_on, min_off
        self.presses: list[float] = []

    def sleep(self, seconds: float) -> None:
        if self.pin.state == self.press_high:  # key held for ``seconds``
            self.presses.append(seconds)
            if seconds >= (self.min_off if self.on else self.min_on):
                self.on = not self.on
                self.hung = False

    def probe(self) -> bool:
        return self.on and not self.hung


def test_presets_match_the_reference():
    s76 = PRESETS["waveshare-sim7600x"]
    assert (s76.pwrkey_pin, s76.press_high, s76.on_pulse, s76.off_pulse, s76.boot_wait) == (6, True, 0.5, 3.0, 20.0)
    s868 = PRESETS["waveshare-sim868"]
    assert s868.pwrkey_pin == 4 and s868.on_pulse >= 1.0 and 1.5 <= s868.off_pulse < 33
    assert PRESETS["waveshare-sim800c"].verified is False


def test_explicit_pins_override_the_preset():
    mc = ModemConfig(name="m", port="/dev/x", hat="waveshare-sim7600x", pwrkey_pin=17, status_pin=27)
    p = preset_for(mc)
    assert (p.pwrkey_pin, p.status_pin, p.on_pulse) == (17, 27, 0.5)
    assert preset_for(ModemConfig(name="m", port="/dev/x")) is None
    custom = preset_for(ModemConfig(name="m", port="/dev/x", model="sim7600", pwrkey_pin=5))
    assert custom.off_pulse == 3.0
    with pytest.raises(ValueError):
        preset_for(ModemConfig(name="m", port="/dev/x", hat="nonsense"))


def test_sim7600_on_pulse_is_high_for_half_a_second(mock_factory):
    pin = mock_factory.pin(6)
    power = ModemPower(PRESETS["waveshare-sim7600x"], sleep=lambda s: None)
    module = FakeModule(pin, on=False, press_high=True, min_on=0.5, min_off=2.5)
    power.sleep = module.sleep
    assert pin.state is False  # idle: key released
    assert power.power_on(module.probe) is True
    assert module.presses == [0.5]
    pin.assert_states([False, True, False])
    power.close()


def test_pulse_timing_with_real_sleep(mock_factory):
    """The pin really is held for the pulse length (short preset so the test stays fast)."""
    import time
    preset = HatPreset("t", pwrkey_pin=6, on_pulse=0.2, off_pulse=0.3, boot_wait=0, off_wait=0)
    power = ModemPower(preset, sleep=time.sleep)
    pin = mock_factory.pin(6)
    pin.clear_states()
    power.power_on(lambda: False)
    pin.assert_states_and_times([(0.0, False), (0.0, True), (0.2, False)])
    power.close()


def test_no_pulse_when_already_on_or_off(mock_factory):
    pin = mock_factory.pin(4)
    power = ModemPower(PRESETS["waveshare-sim868"], sleep=lambda s: None)
    assert pin.state is True  # SIM868 preset presses with LOW: idle HIGH
    assert power.power_on(lambda: True) is True
    assert power.power_off(lambda: False) is True
    pin.assert_states([False, True])  # mock pin starts low; set to idle HIGH, then untouched
    assert len(pin.states) == 2


def test_refuses_to_pulse_blind(mock_factory):
    pin = mock_factory.pin(6)
    power = ModemPower(PRESETS["waveshare-sim7600x"], sleep=lambda s: None)
    assert power.power_on(None) is False
    assert power.power_off(None) is False
    assert power.power_cycle(None) is False
    pin.assert_states([False])


def test_status_pin_decides(mock_factory):
    preset = HatPreset("t", pwrkey_pin=6, status_pin=13, on_pulse=0.5, off_pulse=3.0, boot_wait=5, off_wait=5)
    clock = Clock()
    power = ModemPower(preset, sleep=clock)
    status = mock_factory.pin(13)
    status.drive_high()
    assert power.is_on(lambda: False) is True  # STATUS wins over a probe
    status.drive_low()
    assert power.is_on() is False
    assert power.power_on() is False  # never comes up: one press, then waits boot_wait
    assert clock.waits == [0.5, 1.0, 1.0, 1.0, 1.0, 1.0]
    mock_factory.pin(6).assert_states([False, True, False])


def test_power_cycle_off_then_on(mock_factory):
    pin = mock_factory.pin(4)
    power = ModemPower(PRESETS["waveshare-sim868"], sleep=lambda s: None)
    module = FakeModule(pin, on=True, press_high=False, min_on=1.0, min_off=1.5)
    power.sleep = module.sleep
    assert power.power_cycle(module.probe) is True
    assert module.presses == [2.0, 1.2] and module.on
    pin.assert_states([False, True, False, True, False, True])


def test_power_cycle_of_a_hung_module_presses_twice(mock_factory):
    """No STATUS: a hung module looks off; the first press turns it off, the second on."""
    pin = mock_factory.pin(4)
    power = ModemPower(PRESETS["waveshare-sim868"], sleep=lambda s: None)
    module = FakeModule(pin, on=True, hung=True, press_high=False, min_on=1.0, min_off=1.0)
    power.sleep = module.sleep
    assert power.power_cycle(module.probe) is True
    assert module.presses == [1.2, 1.2] and module.on and not module.hung


def test_reset_pulses_low_when_fitted(mock_factory):
    preset = HatPreset("t", pwrkey_pin=6, reset_pin=12, reset_pulse=0.25)
    clock = Clock()
    power = ModemPower(preset, sleep=clock)
    rst = mock_factory.pin(12)
    assert power.reset() is True
    rst.assert_states([False, True, False, True])  # mock starts low; active low: idle high, pulse low
    assert clock.waits == [0.25]
    assert ModemPower(HatPreset("u", pwrkey_pin=5), sleep=clock).reset() is False


def test_hooks(mock_factory):
    modems = (ModemConfig(name="a", port="/dev/a", hat="waveshare-sim7600x"),
              ModemConfig(name="b", port="/dev/b"))
    hooks = PowerHooks.from_modems(modems, sleep=lambda s: None)
    assert hooks("b") is False  # no GPIO for b
    assert hooks("a") is False  # no probe and no STATUS: refuses
    hooks.set_probe("a", lambda: True)
    pin = mock_factory.pin(6)
    hooks.powers["a"].sleep = lambda s: None
    # probe says on, never off: off press, waits off_wait, no RESET fitted -> False, one press only
    assert hooks("a") is False
    pin.assert_states([False, True, False])
    hooks.close()


def test_hooks_from_config(mock_factory):
    from firmware.office.config import Config
    assert hooks_from_config(Config(modems=(ModemConfig(name="a", port="/dev/a"),))) is None
    h = hooks_from_config(Config(modems=(ModemConfig(name="a", port="/dev/a", hat="waveshare-sim868"),)))
    assert isinstance(h, PowerHooks) and set(h.powers) == {"a"}
    h.close()


def test_daemon_builds_hooks_from_config(mock_factory, tmp_path):
    from firmware.office.config import Config
    from firmware.queue.daemon import Daemon
    d = Daemon(Config(state_dir=str(tmp_path), modems=(ModemConfig(name="a", port="/dev/a", hat="waveshare-sim7600x"),)))
    assert isinstance(d.power_cycle, PowerHooks) and mock_factory.pin(6).state is False
    d.power_cycle.close()
    assert Daemon(Config(state_dir=str(tmp_path))).power_cycle is None
    explicit = lambda name: True  # noqa: E731
    assert Daemon(Config(state_dir=str(tmp_path)), power_cycle=explicit).power_cycle is explicit
