"""No RTC on most Pis: set the system clock from the modem's network time when it is clearly wrong.

After a boot without network (no NTP), a Pi's clock resumes from about when it
was last shut down (systemd's timesync clock file) or from the OS build date,
so send windows, per-day limits, expiry and the audit log would run on a
wrong day.  The modem knows the time from the operator (NITZ, read with
``AT+CCLK?``; :meth:`Modem.network_time` returns None for a never-set modem
clock).

The clock is stepped only forward and only when it is clearly wrong: before
this software's build date, or more than 24 h behind a plausible network
time.  Small differences are left to NTP.  Stepping ``CLOCK_REALTIME`` needs
CAP_SYS_TIME (``AmbientCapabilities=CAP_SYS_TIME`` in ``siaran.service``);
without it the attempt is logged once and the daemon goes on.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import datetime, timezone

log = logging.getLogger(__name__)

#: The system clock may lag the network time by this much before it is stepped (NTP's job below that).
MAX_LAG = 24 * 3600.0
#: No plausible network time lies this far after the build (a modem with a garbage clock).
MAX_AHEAD_OF_BUILD = 30 * 365 * 86400.0
#: Floor for the build date when the installed files carry none better (2025-01-01 UTC).
BUILD_FLOOR = datetime(2025, 1, 1, tzinfo=timezone.utc).timestamp()

_denied_logged = False


def build_time() -> float:
    """When this software was built or installed: the later of BUILD_FLOOR and this file's mtime."""
    try:
        return max(BUILD_FLOOR, os.path.getmtime(__file__))
    except OSError:
        return BUILD_FLOOR


def _set_realtime(seconds: float) -> None:
    time.clock_settime(time.CLOCK_REALTIME, seconds)


def maybe_set_clock(
    network_time: datetime | None,
    *,
    now: Callable[[], float] = time.time,
    set_time: Callable[[float], None] = _set_realtime,
    build_time: Callable[[], float] | float = build_time,
    source: str = "modem network time (AT+CCLK)",
) -> float | None:
    """Step the system clock to ``network_time`` when the clock is clearly wrong; the new time, or None.

    Never raises: a missing permission or a failing setter is logged (a
    permission problem only once per process) and the caller goes on.
    """
    global _denied_logged
    if network_time is None:
        return None
    try:
        net = network_time.timestamp() if network_time.tzinfo else None
        built = build_time() if callable(build_time) else float(build_time)
        if net is None or not built <= net <= built + MAX_AHEAD_OF_BUILD:
            log.debug("clock: ignoring implausible %s %s", source, network_time)
            return None
        system = now()
        if system >= built and net - system <= MAX_LAG:
            return None  # right enough (never stepped backwards either)
        why = "before the build date" if system < built else f"{(net - system) / 3600:.0f} h behind"
        try:
            set_time(net)
        except PermissionError as exc:
            if not _denied_logged:
                _denied_logged = True
                log.warning("clock: system clock is %s (%s) but may not be set: %s (needs CAP_SYS_TIME)",
                            why, _iso(system), exc)
            return None
        log.warning("clock: system clock was %s (%s); set to %s from %s", why, _iso(system), _iso(net), source)
        return net
    except Exception as exc:  # noqa: BLE001 — the clock must never stop a modem coming up
        log.warning("clock: could not check or set the clock: %s", exc)
        return None


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")


class ScaledClock:
    """A wall clock that runs ``scale`` times faster than real time from ``start`` (epoch seconds).

    Called like :func:`time.time`.  Passed to the daemon, its workers, the store and the page, it lets a
    test or a benchmark live through a simulated office day (send window, hourly and daily limits) in
    seconds; :meth:`real` turns a wait in this clock's seconds into the real seconds to sleep.
    """

    def __init__(self, start: float, scale: float) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.start, self.scale = float(start), float(scale)
        self._origin = time.monotonic()

    def __call__(self) -> float:
        return self.start + (time.monotonic() - self._origin) * self.scale

    def set_scale(self, scale: float) -> None:
        """Run ``scale`` times faster from now on (the time itself goes on from where it is)."""
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.start, self._origin = self(), time.monotonic()
        self.scale = float(scale)

    def real(self, seconds: float) -> float:
        return seconds / self.scale


def real_seconds(clock: Callable[[], float], seconds: float) -> float:
    """How long to really sleep for ``seconds`` of ``clock`` (a :class:`ScaledClock` runs faster)."""
    real = getattr(clock, "real", None)
    return real(seconds) if real is not None else seconds
