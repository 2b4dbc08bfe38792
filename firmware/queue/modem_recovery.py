"""A modem worker's recovery ladder: bringing the modem up, re-initialising it, parking it, waiting for the network.

:class:`ModemRecovery` is a mixin of :class:`~firmware.queue.modem_worker.ModemWorker` (it uses the
worker's ``mc``, ``modem``, ``store``, ``state`` and ``_set_state``); it holds what the worker does when
the modem is not simply ready:

* bring-up: open the port and initialise; when the modem will not answer, climb the ladder
  (resync + initialise, ``AT+CFUN=1,1``, the power-cycle hook), then "dead" with a slow retry;
* a command that failed outside a send: re-initialise (:meth:`ModemRecovery._on_modem_problem`);
* parking after a modem or operator fault (:data:`PARK_SECONDS`);
* the network: a modem without it is parked only until it registers again, heard from a
  registration URC or from a poll every :data:`NETWORK_POLL_SECONDS` in case one is lost.
"""

from __future__ import annotations

import logging
import time

from firmware.box.clock import maybe_set_clock
from firmware.errors import CommandError, ModemError, ModemRebooted, ModemUnavailable
from firmware.modem.driver import Modem, is_registered
from firmware.modem.errorclass import ErrorClass, classify
from firmware.people.numbers import operator_of_network

log = logging.getLogger(__name__)

#: How long a modem is parked after a fault of each class (seconds). Network faults: see below.
PARK_SECONDS = {
    ErrorClass.MODEM_FAULT: 60.0,
    ErrorClass.OPERATOR_BLOCKING: 1800.0,
}
#: A modem without the network is asked whether it registered again this often (seconds); the
#: registration URC usually says so sooner, but URCs can be lost on the line.
NETWORK_POLL_SECONDS = 3.0
#: A network fault while the modem says it is registered (+CMS ERROR 38 "network out of order"):
#: tried again after NETWORK_POLL_SECONDS, doubling each time it recurs, up to this (seconds).
NETWORK_BACKOFF_MAX = 300.0
DEAD_RETRY_SECONDS = 600.0
ABSENT_RETRY_SECONDS = 10.0


class ModemRecovery:
    """The recovery ladder and the network wait (mixed into the modem worker)."""

    def _bring_up(self) -> bool:
        """Open and initialise the modem, climbing the recovery ladder when it will not answer."""
        try:
            if self.modem is None:
                self.modem = Modem.open(self.mc.port, self.mc.baud, command_gap=self.mc.command_gap,
                                        model=self.mc.model, pin=self.mc.pin, send_timeout=self.mc.send_timeout,
                                        cancel=self.stop_event)
        except ModemUnavailable as exc:
            self._set_state("absent", str(exc))
            self._refuse_requests(f"modem absent: {exc}")
            self.ready.set()
            self._sleep(ABSENT_RETRY_SECONDS)
            return False
        for step in ("initialise", "soft_reset", "power_cycle"):
            if self.stop_event.is_set():
                return False
            try:
                self._ladder_step(step)
                self._on_up()
                return True
            except ModemError as exc:
                if self.stop_event.is_set():
                    return False
                log.warning("%s: %s failed: %s", self.mc.name, step, exc)
                self._set_state("recovering", f"{step} failed: {exc}")
                self.ready.set()  # known not working: the daemon need not wait for the rest of the ladder
        self._set_state("dead", "no answer after resync, reset and power-cycle")
        self._refuse_requests("modem dead: no answer after resync, reset and power-cycle")
        log.error("%s: modem is dead; retrying in %d s", self.mc.name, DEAD_RETRY_SECONDS)
        self.store.audit("daemon", "modem_dead", {"modem": self.mc.name})
        self.ready.set()
        self._sleep(DEAD_RETRY_SECONDS)
        return False

    def _ladder_step(self, step: str) -> None:
        assert self.modem is not None
        self.beat()
        if step == "initialise":
            self.modem.initialise(ready_timeout=30)
        elif step == "soft_reset":
            self.modem.soft_reset(ready_timeout=60)
        else:
            if not self.power_cycle(self.mc.name):
                raise ModemUnavailable("no power-cycle hook for this modem")
            self.modem.initialise(ready_timeout=60)

    def _on_up(self) -> None:
        assert self.modem is not None and self.store is not None
        self._needs_init = False
        status = self.modem.status()
        maybe_set_clock(self.modem.network_time())
        ident = self.modem.identity
        self.route = self.mc.route or operator_of_network(status.operator, status.operator_code)
        self.live_routes.set(self.mc.name, self.route)
        self.store.upsert_modem(
            self.mc.name, state="ready", state_reason=None, parked_until=None, last_seen=self.clock(),
            manufacturer=ident.manufacturer if ident else None, model_name=ident.model if ident else None,
            revision=ident.revision if ident else None, imei=ident.imei if ident else None,
            imsi=ident.imsi if ident else None, iccid=ident.iccid if ident else None,
            operator=status.operator, operator_code=status.operator_code, route=self.route,
            signal_dbm=status.signal.dbm, registration=registration_text(status.registration),
        )
        self.state = "ready"
        self.ready.set()
        log.info("%s: ready (%s, %s, %s dBm)", self.mc.name, ident.model if ident else "?", status.operator,
                 status.signal.dbm)
        self._no_network, self._network_strikes = None, 0
        self._registration = dict(status.registration)
        if not status.registered:  # e.g. just rebooted: SMS ready, the network not yet found
            self._await_network("not registered yet")
        self._collect_stored()

    def _on_modem_problem(self, exc: BaseException) -> None:
        """A command failed outside a send: resync happened in the channel; re-initialise."""
        log.warning("%s: modem problem: %s", self.mc.name, exc)
        if isinstance(exc, ModemUnavailable) and not isinstance(exc, ModemRebooted) and self.modem is not None \
                and not self.modem.channel.is_open:
            self.modem.close()
            self.modem = None
        self._needs_init = True
        self._set_state("recovering", str(exc))

    def _network_lost(self, exc: CommandError) -> bool:
        """After a failed send: True (and this modem waits for the network) when the network is to blame.

        It is when the modem is not registered now, whatever the error said
        (+CMS ERROR 332 when the network went away mid-send), or when the error
        was a network fault (331, 38): then, registered, the wait is a back-off
        that grows while the fault recurs.
        """
        try:
            registration = self.modem.registration() if self.modem is not None else {}
        except (ModemError, OSError) as problem:  # the next command meets it again and recovers
            log.info("%s: registration unknown after a failed send: %s", self.mc.name, problem)
            registration = {}
        if registration:
            self._registration = registration
        if registration and not is_registered(registration):
            self._await_network(f"no network: {exc}")
            return True
        if classify(exc) is ErrorClass.NETWORK_FAULT:
            self._await_network(f"network fault while registered: {exc}", strike=True)
            return True
        return False

    def _await_network(self, reason: str, *, strike: bool = False) -> None:
        """Park until the modem is registered again (a URC or the next poll ends it).

        ``strike``: a network fault although the modem says it is registered;
        then the wait is a back-off that doubles while such faults recur.
        """
        self._network_strikes = self._network_strikes + 1 if strike else 0
        self._no_network = reason
        self._network_check = time.monotonic() + self._network_wait()
        self._set_state("parked", f"{reason}; waiting for the network ({registration_text(self._registration)})")

    def _network_wait(self) -> float:
        """Seconds to the next registration poll: a short poll, or the back-off of a recurring network fault."""
        if not self._network_strikes:
            return NETWORK_POLL_SECONDS
        return min(NETWORK_POLL_SECONDS * 2 ** (self._network_strikes - 1), NETWORK_BACKOFF_MAX)

    def _on_registration(self, registration: dict[str, str]) -> None:
        """The modem said where it is registered (a URC for one domain, or a poll of all): act on a change.

        Registered while parked for the network: ready at once (an emergency
        goes first).  Not registered anywhere while ready: park, so nothing is
        claimed for a modem that cannot send.
        """
        self._registration.update(registration)
        if not self._registration or self.state not in ("ready", "parked"):
            return
        if not is_registered(self._registration):
            if self.state == "ready":
                self._await_network("registration lost")
            elif self._no_network is not None and self._network_strikes:
                self._network_strikes = 0  # off the network now: poll for its return, no back-off
                self._network_check = min(self._network_check, time.monotonic() + NETWORK_POLL_SECONDS)
        elif self._no_network is not None and (not self._network_strikes or time.monotonic() >= self._network_check):
            self._network_back()  # (a fault while registered waits out its back-off)

    def _network_back(self) -> None:
        log.info("%s: registered again (%s) after: %s", self.mc.name, registration_text(self._registration),
                 self._no_network)
        self._no_network = None
        self._set_state("ready", None)
        self.live_routes.set(self.mc.name, self.route)
        self.store.upsert_modem(self.mc.name, registration=registration_text(self._registration))

    def _check_network(self) -> None:
        """Poll the registration (the fallback for a lost URC) and act on it."""
        assert self.modem is not None
        registration = self.modem.registration()
        self._network_check = 0.0  # due: registered, the modem is tried again now
        self._on_registration(registration)
        if self._no_network is not None:
            self._network_check = time.monotonic() + self._network_wait()

    def _wait_for_network(self) -> None:
        """Parked for the network: wait up to a second for a URC, polling the registration when due."""
        deadline = min(time.monotonic() + 1.0, self._network_check)
        while not self.stop_event.is_set():
            self.beat()
            event = self.modem.next_event(timeout=0.02) if self.modem else None
            if event is not None:
                self._handle_event(event)
                return
            if time.monotonic() >= self._network_check:
                self._check_network()
                return
            if time.monotonic() >= deadline:
                return

    def _park(self, cls: ErrorClass, exc: BaseException) -> None:
        until = self.clock() + PARK_SECONDS[cls]
        self._set_state("parked", f"{cls.value}: {exc}", parked_until=until)
        self._parked_until = until


def registration_text(registration: dict[str, str]) -> str:
    """``{"cs": "home", "ps": "searching"}`` -> ``cs=home,ps=searching`` (the modems row's form)."""
    return ",".join(f"{k}={v}" for k, v in registration.items())
