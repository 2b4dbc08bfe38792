"""The front panel: four LEDs a non-technical person can read, and three buttons.

Patterns (the printable card is ``web/static/panel-card.html``; keep both in step with :data:`RULES`):

=========  ==============================  ==================================  ===========================
LED        steady (ON)                     slow blink (SLOW)                   fast blink (FAST)
=========  ==============================  ==================================  ===========================
power      ready                           starting / a modem is recovering    --
network    every modem registered          some modem searching or parked      no modem registered
sending    messages wait (hold, night      --                                  messages are going out
           window, SIM limits)
attention  HOLD is on (sending paused)     look at the page: under-voltage     USB stick busy: do not
                                           seen, a modem dead/absent, disk     pull it out
                                           full, USB stick problem
=========  ==============================  ==================================  ===========================

Off means: power - the service is stopped; sending - nothing to send; attention - all well.
**Power double-blink (DOUBLE)** = the USB stick is finished: safe to remove (until it is pulled out or for
15 minutes).  **All four LEDs blinking fast** = shutting down; unplug when every LED is off.

Buttons (hold for 3 s = "long press"): HOLD toggles the global hold (``by="panel"``), SHUTDOWN shows the
shutdown pattern then powers the Pi off, TEST (short press) queues a test SMS to ``admin_number``.

The USB import (``firmware/box/usbdrop.py``) reports through ``settings`` key ``usb_state``: JSON
``{"state": ...}`` (or a bare string): ``"busy"`` while mounting/importing/writing the report -> attention
fast blink; ``"safe_to_remove"`` (or ``"done"``) once synced and unmounted -> power double-blink;
``"error"`` -> attention slow blink (look at the page); anything else (``"idle"``) -> no USB signal.
Both signals end after :data:`USB_SIGNAL_SECONDS`.

:func:`panel_state` is pure (rows and counts in, patterns out) and table-driven; :class:`PanelLoop` is the
thread that reads the store every second and applies patterns only when they change.
"""

from __future__ import annotations

import itertools
import logging
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import datetime

from gpiozero import LED, Button
from gpiozero.exc import GPIOZeroError

from firmware.queue.store import Store
from firmware.box.undervoltage import ThrottleMonitor, read_throttled, under_voltage_seen

log = logging.getLogger(__name__)

OFF, ON, SLOW, FAST, DOUBLE = "off", "on", "slow", "fast", "double"
LEDS = ("power", "network", "sending", "attention")

#: Seconds (on, off) of each blink; DOUBLE is two FAST-ish flashes then a pause.
TIMINGS = {SLOW: (1.0, 1.0), FAST: (0.15, 0.15), DOUBLE: (0.15, 1.05)}

#: The done/error USB signal stops after this long even if nobody pulls the stick.
USB_SIGNAL_SECONDS = 900.0
#: The sending LED keeps blinking this long after the last message went out (sends are seconds apart).
SENDING_LINGER = 8.0
#: Seconds between throttled-flag reads.
THROTTLE_EVERY = 10.0
#: Seconds the shutdown pattern shows before the power-off command.
SHUTDOWN_SHOW = 3.0

REGISTERED = {"home", "roaming", "home_sms_only", "roaming_sms_only",
              "home_csfb_not_preferred", "roaming_csfb_not_preferred"}
STARTING = {"starting", "recovering"}
BROKEN = {"dead", "absent", "disk_full", "storage_error", "failed"}  # worker states too (firmware/queue/modem_worker.py)
USB_STATES = {"busy": "busy", "mounting": "busy", "importing": "busy", "writing": "busy",
              "done": "done", "safe": "done", "safe_to_remove": "done", "error": "error", "failed": "error"}
DONE_STATES = ("sent", "delivered", "failed", "unknown")


def registered(modem: dict) -> bool:
    """A modem row counts as registered when ready and (if known) its registration says so."""
    if modem.get("state") != "ready":
        return False
    reg = modem.get("registration")
    if not reg:
        return True
    values = {part.partition("=")[2] for part in reg.split(",")}
    return bool(values & REGISTERED)


def usb_status(value) -> str:
    """``settings.usb_state`` (string or ``{"state": ...}``) -> idle | busy | done | error."""
    if isinstance(value, dict):
        value = value.get("state")
    return USB_STATES.get(str(value or "").lower(), "idle")


def facts(modems: list[dict], counts: dict[str, int], hold, throttled, usb_state) -> dict[str, bool]:
    """The yes/no facts the rules look at."""
    n = len(modems)
    reg = sum(registered(m) for m in modems)
    usb = usb_status(usb_state)
    return {
        "starting": n == 0 or any(m.get("state") in STARTING for m in modems),
        "all_registered": n > 0 and reg == n,
        "none_registered": reg == 0,
        "sending": counts.get("sending", 0) > 0,
        "waiting": counts.get("queued", 0) > 0,
        "hold": bool(getattr(hold, "active", hold)),
        "problem": under_voltage_seen(throttled) or any(m.get("state") in BROKEN for m in modems) or usb == "error",
        "usb_busy": usb == "busy",
        # NOTE: "error" may be written before the unmount (usbdrop.py), so only "done" means safe to remove.
        "usb_safe": usb == "done",
        "always": True,
    }


#: Per LED, the first rule whose fact is true wins.
RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "power": (("usb_safe", DOUBLE), ("starting", SLOW), ("always", ON)),
    "network": (("none_registered", FAST), ("all_registered", ON), ("always", SLOW)),
    "sending": (("sending", FAST), ("waiting", ON), ("always", OFF)),
    "attention": (("usb_busy", FAST), ("hold", ON), ("problem", SLOW), ("always", OFF)),
}


def usb_signal(store: Store):
    """The ``usb_state`` setting as the panel shows it: a done/error signal ends after :data:`USB_SIGNAL_SECONDS`."""
    value = store.get_setting("usb_state")
    if value is None:
        return None
    age = store.setting_age("usb_state")
    if usb_status(value) in ("done", "error") and age is not None and age > USB_SIGNAL_SECONDS:
        return "idle"
    return value


def panel_state(modems: list[dict], counts: dict[str, int], hold, throttled, usb_state) -> dict[str, str]:
    """The pattern of each LED.

    :param modems: rows of the ``modems`` table (``state``, ``registration``).
    :param counts: :meth:`Store.queue_counts` (``sending`` > 0 means messages are going out).
    :param hold: a :class:`~firmware.queue.store.Hold` or a bool.
    :param throttled: the set of throttled flag names (:func:`firmware.box.undervoltage.decode`) or None.
    :param usb_state: the ``usb_state`` setting value (see the module docstring) or None.
    """
    f = facts(modems, counts, hold, throttled, usb_state)
    return {led: next(pattern for fact, pattern in rules if f[fact]) for led, rules in RULES.items()}


class FrontPanel:
    """Four named LEDs (any may be absent) driven with :data:`RULES` patterns.

    Wiring: each LED anode through a ~330 ohm resistor to its BCM pin, cathode to GND (active high).

    :param timings: blink (on, off) seconds per pattern; shorter in tests.
    """

    def __init__(self, *, power: int | None = None, network: int | None = None, sending: int | None = None,
                 attention: int | None = None, pin_factory=None, timings: dict | None = None) -> None:
        pins = {"power": power, "network": network, "sending": sending, "attention": attention}
        self.timings = {**TIMINGS, **(timings or {})}
        self.leds: dict[str, LED] = {}
        try:
            for name, pin in pins.items():
                if pin is not None:
                    self.leds[name] = LED(pin, pin_factory=pin_factory)
        except BaseException:
            self.close()
            raise
        self.current: dict[str, str] = {}

    def set(self, name: str, pattern: str) -> None:
        led = self.leds.get(name)
        self.current[name] = pattern
        if led is None:
            return
        led.source = None  # stop a DOUBLE pattern's thread
        if pattern == OFF:
            led.off()
        elif pattern == ON:
            led.on()
        elif pattern in (SLOW, FAST):
            led.blink(*self.timings[pattern])
        elif pattern == DOUBLE:
            on, pause = self.timings[DOUBLE]
            led.off()
            led.source_delay = on
            # on, off, on, then off long enough to make up ``pause``
            led.source = itertools.cycle([1, 0, 1] + [0] * max(1, round(pause / on)))
        else:
            raise ValueError(f"unknown LED pattern {pattern!r}")

    def apply(self, patterns: dict[str, str]) -> list[str]:
        """Set each LED whose pattern changed; return the names changed."""
        changed = [name for name, p in patterns.items() if self.current.get(name) != p]
        for name in changed:
            self.set(name, patterns[name])
        return changed

    def show_shutdown(self) -> None:
        for name in LEDS:
            self.set(name, FAST)

    def close(self) -> None:
        for led in self.leds.values():
            if not led.closed:
                led.source = None
                led.off()  # a stopped service shows every LED off (closing alone may leave a pin driven)
            led.close()


def systemctl_poweroff() -> None:
    subprocess.run(["systemctl", "poweroff"], check=False)


class PanelLoop(threading.Thread):
    """Every ``interval`` seconds: read the store, compute :func:`panel_state`, apply changes; run button actions.

    One thread owns the store connection: the buttons only queue an action and wake it.
    """

    def __init__(self, db_file: str, panel: FrontPanel | None = None, *, admin_number: str | None = None,
                 button_hold: int | None = None, button_shutdown: int | None = None,
                 button_test: int | None = None, hold_time: float = 3.0, pin_factory=None,
                 throttle: ThrottleMonitor | None = None, shutdown: Callable[[], None] = systemctl_poweroff,
                 interval: float = 1.0, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(name="panel", daemon=True)
        self.db_file = db_file
        self.panel = panel
        self.admin_number = admin_number
        self.throttle = throttle
        self.shutdown = shutdown
        self.interval = interval
        self.sleep = sleep
        self.clock = clock
        self.stop_event = threading.Event()
        self.wake = threading.Event()
        self.actions: list[str] = []
        self._lock = threading.Lock()
        self.store: Store | None = None
        self.throttled: frozenset[str] = frozenset()
        self._next_throttle = 0.0
        self._last_active = float("-inf")
        self._done_total: int | None = None
        self.shutting_down = False
        self.buttons: list[Button] = []
        try:
            for pin, action, held in ((button_hold, "hold", True), (button_shutdown, "shutdown", True),
                                      (button_test, "test", False)):
                if pin is None:
                    continue
                b = Button(pin, hold_time=hold_time, pin_factory=pin_factory)
                if held:
                    b.when_held = self._queue_action(action)
                else:
                    b.when_pressed = self._queue_action(action)
                self.buttons.append(b)
        except BaseException:
            self._close_devices()
            raise

    def _queue_action(self, action: str) -> Callable[[], None]:
        def queue() -> None:
            with self._lock:
                self.actions.append(action)
            self.wake.set()
        return queue

    # -- thread ----------------------------------------------------------------

    def run(self) -> None:
        try:
            self.store = Store(self.db_file, migrate=False)
            while not self.stop_event.is_set():
                try:
                    self.step()
                except Exception:  # the panel must never take the daemon down
                    log.exception("panel step failed")
                self.wake.wait(self.interval)
                self.wake.clear()
        finally:
            if self.store is not None:
                self.store.close()
            self._close_devices()

    def stop(self, timeout: float = 5.0) -> None:
        self.stop_event.set()
        self.wake.set()
        if self.is_alive():
            self.join(timeout)

    def _close_devices(self) -> None:
        for b in self.buttons:
            b.close()
        if self.panel is not None:
            self.panel.close()

    # -- one round ---------------------------------------------------------------

    def step(self, store: Store | None = None) -> dict[str, str]:
        """Run queued button actions, then compute and apply the LED patterns; return them."""
        store = store or self.store
        assert store is not None
        with self._lock:
            actions, self.actions = self.actions, []
        for action in actions:
            getattr(self, f"_do_{action}")(store)
        now = self.clock()
        if self.throttle is not None and now >= self._next_throttle:
            self.throttled = self.throttle.poll(store)
            self._next_throttle = now + THROTTLE_EVERY
        counts = store.queue_counts()
        done = sum(counts.get(s, 0) for s in DONE_STATES)
        # NOTE: a message is in 'sending' only during its AT+CMGS; the counts of finished messages rising
        # between rounds also means "going out", and the LED lingers so it does not flicker between sends.
        if counts.get("sending", 0) or (self._done_total is not None and done > self._done_total):
            self._last_active = now
        self._done_total = done
        if now - self._last_active < SENDING_LINGER:
            counts = {**counts, "sending": max(1, counts.get("sending", 0))}
        patterns = panel_state(store.modems(), counts, store.hold(), self.throttled, usb_signal(store))
        if self.panel is not None and not self.shutting_down:
            changed = self.panel.apply(patterns)
            if changed:
                log.debug("panel: %s", ", ".join(f"{n}={patterns[n]}" for n in changed))
        return patterns

    # -- button actions ------------------------------------------------------------

    def _do_hold(self, store: Store) -> None:
        active = not store.hold().active
        store.set_hold(active, reason="tombol panel / panel button", by="panel")
        log.warning("hold %s from the panel button", "ON" if active else "OFF")

    def _do_shutdown(self, store: Store) -> None:
        log.warning("shutdown requested from the panel button")
        store.audit("panel", "shutdown", {})
        self.shutting_down = True
        if self.panel is not None:
            self.panel.show_shutdown()
        self.sleep(SHUTDOWN_SHOW)
        self.shutdown()

    def _do_test(self, store: Store) -> None:
        from firmware.people.numbers import normalise
        if not self.admin_number:
            log.warning("test button: no admin_number configured; nothing sent")
            return
        try:
            number = normalise(self.admin_number)
        except Exception as exc:
            log.warning("test button: admin_number is not a valid number (%s); nothing sent", exc)
            return
        stamp = datetime.now().strftime("%d-%m-%Y %H:%M")
        text = f"Tes Siaran {stamp}: SMS uji dari tombol panel. Jika SMS ini sampai, perangkat berfungsi."
        store.enqueue([number], text, priority=50, created_by="panel")
        store.audit("panel", "test_sms", {})
        log.info("test button: test SMS queued to the admin number%s",
                 " (HOLD is on: it waits until the hold ends)" if store.hold().active else "")


def loop_from_config(config, db_file: str, *, pin_factory=None,
                     shutdown: Callable[[], None] = systemctl_poweroff) -> PanelLoop | None:
    """A PanelLoop when any panel pin is configured or the throttled flags can be read (a Pi), else None.

    GPIO that cannot be opened is logged and the loop runs without LEDs/buttons (under-voltage still logged).
    """
    led_pins = dict(power=config.led_power, network=config.led_network, sending=config.led_sending,
                    attention=config.led_attention)
    buttons = dict(button_hold=config.button_hold, button_shutdown=config.button_shutdown,
                   button_test=config.button_test)
    any_pin = any(v is not None for v in (*led_pins.values(), *buttons.values()))
    throttle = ThrottleMonitor() if read_throttled() is not None else None
    if not any_pin and throttle is None:
        return None
    panel = None
    if any_pin:
        try:
            panel = FrontPanel(**led_pins, pin_factory=pin_factory)
            return PanelLoop(db_file, panel, admin_number=config.admin_number, pin_factory=pin_factory,
                             throttle=throttle, shutdown=shutdown, **buttons)
        except (GPIOZeroError, OSError) as exc:
            log.error("front panel unavailable (GPIO): %s", exc)
            if panel is not None:
                panel.close()
    return PanelLoop(db_file, None, admin_number=config.admin_number, throttle=throttle) if throttle else None
