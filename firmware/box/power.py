"""Modem power control over GPIO: PWRKEY, RESET and (when wired) STATUS.

Wiring (BCM numbers; facts and sources in ``reference/hardware-and-protocols.md`` §1.7-1.9):

* **Waveshare SIM7600X 4G HAT** (``hat = "waveshare-sim7600x"``): PWRKEY on BCM6 (header pin 31) through an NPN
  transistor, so Pi HIGH = PWRKEY pressed (low).  Move the HAT's jumper from PWR-3V3 to PWR-D6, otherwise the
  module powers itself on and the Pi cannot switch it.  On pulse 0.5 s, off pulse 3 s, ~20 s to boot, LTE modules
  take up to ~30 s to power down.  BCM4 on this HAT is *flight mode*, never PWRKEY.
* **Waveshare GSM/GPRS/GNSS HAT, SIM868** (``"waveshare-sim868"``): PWRKEY on BCM4 (header pin 7).  SIM800 family:
  PWRKEY low >= 1 s switches on, >= 1.5 s switches off, and held > 33 s it switches back on.  The Pi level that
  presses the key follows the WaveHat library (drives the pin LOW); verify on hardware.
* **Waveshare SIM800C HAT** (``"waveshare-sim800c"``): **unverified**, assumed like the SIM868 HAT.
* Explicit ``pwrkey_pin`` / ``reset_pin`` / ``status_pin`` in ``[[modem]]`` override the preset; without a
  preset the timings follow ``model`` (SIM7600 or SIM800) and the key is assumed pressed by Pi HIGH (NPN, like
  the Waveshare HATs).  RESET is only ever wired by hand (active low, direct drive); none of the HATs route it.

PWRKEY is a *toggle*: pulsing a module that is on switches it off.  So nothing here pulses without first asking
whether the module is on: the STATUS pin when wired, else a ``probe`` callable ("does AT answer?").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from gpiozero import DigitalInputDevice, DigitalOutputDevice
from gpiozero.exc import GPIOZeroError

log = logging.getLogger(__name__)

Probe = Callable[[], bool]


@dataclass(frozen=True)
class HatPreset:
    """Pins and timings of one board; times in seconds."""

    name: str
    pwrkey_pin: int | None
    reset_pin: int | None = None
    status_pin: int | None = None
    press_high: bool = True  # True: Pi HIGH presses PWRKEY (NPN inverter on the HAT)
    on_pulse: float = 1.2
    off_pulse: float = 2.0  # SIM800: >= 1.5 s and well under the 33 s that switches it back on
    reset_pulse: float = 0.25
    boot_wait: float = 10.0  # longest wait for the module to come up after the on pulse
    off_wait: float = 10.0  # longest wait for it to go down after the off pulse
    settle: float = 1.0  # pause between off and on (SIM800H: >= 0.8 s after STATUS low)
    verified: bool = True
    note: str = ""


SIM7600_TIMING = dict(on_pulse=0.5, off_pulse=3.0, reset_pulse=2.6, boot_wait=20.0, off_wait=30.0, settle=2.0)
SIM800_TIMING = dict(on_pulse=1.2, off_pulse=2.0, reset_pulse=0.25, boot_wait=10.0, off_wait=10.0, settle=1.0)

PRESETS: dict[str, HatPreset] = {
    "waveshare-sim7600x": HatPreset("waveshare-sim7600x", pwrkey_pin=6, press_high=True, **SIM7600_TIMING,
                                    note="jumper PWR-D6 needed; BCM4 is flight mode"),
    "waveshare-sim868": HatPreset("waveshare-sim868", pwrkey_pin=4, press_high=False, **SIM800_TIMING,
                                  note="press level after WaveHat (drives LOW); verify on hardware"),
    "waveshare-sim800c": HatPreset("waveshare-sim800c", pwrkey_pin=4, press_high=False, **SIM800_TIMING,
                                   verified=False, note="PWRKEY pin not confirmed by Waveshare docs; assumed as SIM868"),
}


def preset_for(modem) -> HatPreset | None:
    """The effective preset of a :class:`~firmware.office.config.ModemConfig`, or None when it has no PWRKEY."""
    if modem.hat is not None:
        if modem.hat not in PRESETS:
            raise ValueError(f"modem {modem.name}: unknown hat {modem.hat!r} (known: {', '.join(PRESETS)})")
        base = PRESETS[modem.hat]
    else:
        timing = SIM7600_TIMING if modem.model == "sim7600" else SIM800_TIMING
        base = HatPreset("custom", pwrkey_pin=None, **timing)
    preset = replace(
        base,
        pwrkey_pin=modem.pwrkey_pin if modem.pwrkey_pin is not None else base.pwrkey_pin,
        reset_pin=modem.reset_pin if modem.reset_pin is not None else base.reset_pin,
        status_pin=modem.status_pin if modem.status_pin is not None else base.status_pin,
    )
    return preset if preset.pwrkey_pin is not None else None


class ModemPower:
    """PWRKEY / RESET outputs and an optional STATUS input for one modem.

    :param preset: pins and timings (see :data:`PRESETS` and :func:`preset_for`).
    :param pin_factory: a gpiozero pin factory (``MockFactory`` in tests); None for the default.
    :param sleep: how to wait (injected in tests so pulses take no real time).
    """

    def __init__(self, preset: HatPreset, *, pin_factory=None, sleep: Callable[[float], None] = time.sleep) -> None:
        if preset.pwrkey_pin is None:
            raise ValueError("ModemPower needs a PWRKEY pin")
        if not preset.verified:
            log.warning("power preset %s is unverified: %s", preset.name, preset.note)
        self.preset = preset
        self.sleep = sleep
        # initial_value=False: the key starts released whatever the transistor logic.
        self.pwrkey = DigitalOutputDevice(preset.pwrkey_pin, active_high=preset.press_high, initial_value=False,
                                          pin_factory=pin_factory)
        self.reset_line = (DigitalOutputDevice(preset.reset_pin, active_high=False, initial_value=False,
                                               pin_factory=pin_factory)
                           if preset.reset_pin is not None else None)
        self.status = (DigitalInputDevice(preset.status_pin, pull_up=False, pin_factory=pin_factory)
                       if preset.status_pin is not None else None)

    def close(self) -> None:
        for dev in (self.pwrkey, self.reset_line, self.status):
            if dev is not None:
                dev.close()

    def __enter__(self) -> ModemPower:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- state ---------------------------------------------------------------

    def is_on(self, probe: Probe | None = None) -> bool | None:
        """True/False from the STATUS pin when wired, else from ``probe``; None when neither can tell."""
        if self.status is not None:
            return bool(self.status.is_active)
        if probe is None:
            return None
        try:
            return bool(probe())
        except Exception as exc:  # a probe that blows up has not seen the modem answer
            log.debug("power probe failed: %s", exc)
            return False

    def _wait_for(self, want: bool, limit: float, probe: Probe | None) -> bool:
        """Poll until the module is ``want`` (on/off) or ``limit`` seconds have passed."""
        waited = 0.0
        step = 1.0
        while True:
            if self.is_on(probe) is want:
                return True
            if waited >= limit:
                return False
            self.sleep(step)
            waited += step

    def _press(self, seconds: float) -> None:
        self.pwrkey.on()
        try:
            self.sleep(seconds)
        finally:
            self.pwrkey.off()  # never leave the key held: > 33 s switches a SIM800 back on

    # -- verbs ---------------------------------------------------------------

    def power_on(self, probe: Probe | None = None) -> bool:
        """Switch on unless already on; True when the module is (now) on."""
        state = self.is_on(probe)
        if state is None:
            log.error("power_on refused: no STATUS pin and no probe (PWRKEY toggles)")
            return False
        if state:
            return True
        self._press(self.preset.on_pulse)
        return self._wait_for(True, self.preset.boot_wait, probe)

    def power_off(self, probe: Probe | None = None) -> bool:
        """Switch off unless already off; True when the module is (now) off."""
        state = self.is_on(probe)
        if state is None:
            log.error("power_off refused: no STATUS pin and no probe (PWRKEY toggles)")
            return False
        if not state:
            return True
        self._press(self.preset.off_pulse)
        return self._wait_for(False, self.preset.off_wait, probe)

    def power_cycle(self, probe: Probe | None = None) -> bool:
        """Off (RESET if it will not go), pause, on; True when the module answers again.

        NOTE: without a STATUS pin, a module that does not answer AT is either off or hung while on; the probe
        cannot tell.  Then we press *on* and wait; if it still does not answer we press once more (a hung-on
        module was switched off by the first press and is switched on by the second).  Never more than two
        presses, and each press is released well before the 33 s that would toggle a SIM800 back.
        """
        state = self.is_on(probe)
        if state is None:
            log.error("power_cycle refused: no STATUS pin and no probe (PWRKEY toggles)")
            return False
        if state:
            if not self.power_off(probe):
                log.warning("modem did not power off; %s", "pulsing RESET" if self.reset_line else "giving up")
                if not self.reset():
                    return False
                return self._wait_for(True, self.preset.boot_wait, probe)
            self.sleep(self.preset.settle)
            return self.power_on(probe)
        # Not answering: off, or hung while on (only a probe can say "not on" wrongly).
        if self.power_on(probe):
            return True
        if self.status is not None:
            return False
        log.info("no answer after the on press: pressing once more (the module may have been hung while on)")
        self.sleep(self.preset.settle)
        return self.power_on(probe)

    def reset(self) -> bool:
        """Pulse RESET (emergency restart); False when no RESET line is wired."""
        if self.reset_line is None:
            return False
        self.reset_line.on()
        try:
            self.sleep(self.preset.reset_pulse)
        finally:
            self.reset_line.off()
        return True


class PowerHooks:
    """``power_cycle(name) -> bool`` for the daemon's recovery ladder, one :class:`ModemPower` per modem.

    Modems without GPIO config return False (the ladder then declares the modem dead).  Probes ("does AT
    answer on this modem?") are registered per modem with :meth:`set_probe`; with a STATUS pin none is needed.
    """

    def __init__(self, powers: dict[str, ModemPower], probes: dict[str, Probe] | None = None) -> None:
        self.powers = powers
        self.probes: dict[str, Probe] = dict(probes or {})

    @classmethod
    def from_modems(cls, modems: Iterable, *, pin_factory=None,
                    sleep: Callable[[float], None] = time.sleep) -> PowerHooks:
        powers = {}
        for mc in modems:
            preset = preset_for(mc)
            if preset is not None:
                powers[mc.name] = ModemPower(preset, pin_factory=pin_factory, sleep=sleep)
        return cls(powers)

    def set_probe(self, name: str, probe: Probe) -> None:
        self.probes[name] = probe

    def __call__(self, name: str) -> bool:
        power = self.powers.get(name)
        if power is None:
            return False
        log.warning("%s: power-cycling the modem", name)
        ok = power.power_cycle(self.probes.get(name))
        log.log(logging.INFO if ok else logging.ERROR, "%s: power-cycle %s", name, "done" if ok else "failed")
        return ok

    def close(self) -> None:
        for p in self.powers.values():
            p.close()


def hooks_from_config(config, *, pin_factory=None) -> PowerHooks | None:
    """PowerHooks when any modem has GPIO config, else None; None (logged) when GPIO cannot be opened."""
    if not any(mc.hat is not None or mc.pwrkey_pin is not None for mc in config.modems):
        return None
    try:
        return PowerHooks.from_modems(config.modems, pin_factory=pin_factory)
    except (GPIOZeroError, OSError, ValueError) as exc:
        log.error("modem power control unavailable (GPIO): %s", exc)
        return None


def at_probe(worker) -> Probe:
    """A probe asking ``worker``'s open modem for ``AT`` (the ladder calls it on the worker's own thread)."""
    def probe() -> bool:
        modem = getattr(worker, "modem", None)
        if modem is None:
            return False
        try:
            modem.command("AT", timeout=2.0)
            return True
        except Exception:
            return False
    return probe
