"""What every sending worker thread shares (modem and SMPP): a heartbeat the daemon's watchdog reads, and
sleeps that wake for stop and keep beating."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from firmware.box.clock import real_seconds


class WorkerThread(threading.Thread):
    """A daemon thread with ``heartbeat`` (monotonic time of its last sign of life), ``stop_event`` and ``clock``."""

    stop_event: threading.Event
    clock: Callable[[], float]

    def __init__(self, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self.heartbeat = time.monotonic()

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
