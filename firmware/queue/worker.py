"""What every sending worker thread shares (modem and SMPP): a heartbeat the daemon's watchdog reads, sleeps
that wake for stop and keep beating, and the one restart policy of a loop that fails."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from firmware.box.clock import real_seconds
from firmware.queue.store import storage_problem

log = logging.getLogger(__name__)

#: Seconds before each restart of a worker whose loop failed; after the last one it gives up and the daemon
#: exits non-zero (systemd restarts it). A worker that then ran :data:`HEALTHY_AFTER` s is healthy again.
RESTART_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)
HEALTHY_AFTER = 300.0
#: Longest wait between tries to write again while the storage fails (a full disk): it is never given up.
STORAGE_RETRY_MAX = 10.0


class WorkerThread(threading.Thread):
    """A daemon thread with ``heartbeat`` (monotonic time of its last sign of life), ``stop_event`` and ``clock``.

    A subclass runs :meth:`_supervise` from ``run`` and gives the hooks: :meth:`_run_loop` (the work),
    :meth:`_on_storage_problem`, :meth:`_show_failed`, and optionally :meth:`_after_failure` and
    :meth:`_before_restart`."""

    stop_event: threading.Event
    clock: Callable[[], float]

    def __init__(self, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self.heartbeat = time.monotonic()
        self.restarts = 0  # times the loop failed and was started again

    def beat(self) -> None:
        """Mark this worker alive (the watchdog stops pinging when a worker stops beating)."""
        self.heartbeat = time.monotonic()

    def _sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of the worker's clock, waking for stop; keeps beating through long waits."""
        end = time.monotonic() + real_seconds(self.clock, seconds)
        while not self.stop_event.is_set():
            self.beat()
            remaining = end - time.monotonic()
            if remaining <= 0:
                return
            self.stop_event.wait(min(remaining, 1.0))

    def _supervise(self) -> None:
        """Run the loop; when it fails, start it again with back-off instead of dying silently.

        A storage failure (a full disk) is waited out for as long as it lasts (:meth:`_on_storage_problem`);
        nothing claimed or sent is lost (the workers keep what a commit could not write). Any other failure
        restarts the loop after :data:`RESTART_DELAYS`; when they are used up the exception ends the thread,
        and the daemon stops pinging the watchdog and exits non-zero.
        """
        failures = 0
        while not self.stop_event.is_set():
            began = time.monotonic()
            try:
                self._run_loop()
                return
            except Exception as exc:  # noqa: BLE001 — every failure is either waited out or re-raised
                self._after_failure(exc)
                problem = storage_problem(exc)
                if problem is not None:
                    self._on_storage_problem(problem)
                    continue
                if time.monotonic() - began > HEALTHY_AFTER:
                    failures = 0
                if failures >= len(RESTART_DELAYS):
                    self._show_failed(f"worker failed {failures + 1} times: {exc!r}"[:300])
                    raise
                delay = RESTART_DELAYS[failures]
                failures += 1
                self.restarts += 1
                log.exception("%s: loop failed; restarting in %g s (%d of %d)", self.name, delay, failures,
                              len(RESTART_DELAYS))
                self._before_restart(exc)
                self._sleep(delay)

    def _run_loop(self) -> None:
        """The worker's work, until stop (returning ends the thread)."""
        raise NotImplementedError

    def _on_storage_problem(self, problem: tuple[str, str, str]) -> None:
        """Writes fail: ``problem`` is (state, reason, pesan); show it, wait, and let the loop try again."""
        raise NotImplementedError

    def _show_failed(self, reason: str) -> None:
        """Show that the worker gives up (best effort: where the page and the LEDs look)."""
        raise NotImplementedError

    def _after_failure(self, exc: Exception) -> None:
        """Right after the loop failed, whatever the failure (e.g. drop the links it held)."""

    def _before_restart(self, exc: Exception) -> None:
        """Before the back-off that precedes a restart (e.g. say "recovering")."""
