"""Per-SIM send limits and the daily send window (pure, clock passed in).

Operators treat a SIM that sends too fast as a spammer (XL: more than 360 SMS
an hour) and may block it within a day; the limits keep each SIM below that.
The window keeps non-emergency blasts out of the night.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable
from datetime import datetime, timezone


#: Seconds past a window's edge before a part there stops counting (the window is closed at both ends).
EDGE = 0.001


class RateLimiter:
    """Sliding-window limits per minute, hour and day for one SIM (counted in SMS parts).

    A window is closed: a part sent exactly ``span`` seconds ago still counts, so no interval of
    ``span`` seconds, however it is measured, holds more than the limit.
    """

    def __init__(self, per_minute: int, per_hour: int, per_day: int, history: Iterable[float] = ()) -> None:
        self.set_limits(per_minute, per_hour, per_day)
        self._sent: collections.deque[float] = collections.deque(sorted(history))

    def set_limits(self, per_minute: int, per_hour: int, per_day: int) -> None:
        """New limits (an admin changed them on the page); what was already sent still counts."""
        self.windows = ((60.0, per_minute), (3600.0, per_hour), (86400.0, per_day))

    def record(self, now: float, parts: int = 1) -> None:
        self._sent.extend([now] * parts)

    def restamp(self, now: float) -> None:
        """The part recorded last went out by ``now``: count it from then.

        A part is recorded before its PDU is written (so a claim made while the modem transmits sees
        it), but the network may take it seconds later (AT+CMGS takes 1-5 s on a SIM800, varying):
        counting the window from the earlier time would let the next part go less than an hour after
        this one really went.
        """
        if self._sent and now > self._sent[-1]:
            self._sent[-1] = now

    def wait_time(self, now: float, parts: int = 1) -> float:
        """Seconds until ``parts`` more parts may go out (0 when they may go now)."""
        while self._sent and self._sent[0] < now - 86400.0:
            self._sent.popleft()
        wait = 0.0
        for span, limit in self.windows:
            if parts > limit:
                parts = limit  # a message longer than a window's limit still goes, alone
            in_window = [t for t in self._window(now, span)]
            excess = len(in_window) + parts - limit
            if excess > 0:
                wait = max(wait, in_window[excess - 1] + span - now + EDGE)
        return wait

    def _window(self, now: float, span: float) -> Iterable[float]:
        start = now - span
        # The deque is sorted; walk from the right until we leave the window.
        out = []
        for t in reversed(self._sent):
            if t < start:
                break
            out.append(t)
        out.reverse()
        return out

    def sent_in(self, now: float, span: float) -> int:
        return len(list(self._window(now, span)))


def in_window(now: float, start_min: int, end_min: int, tz: timezone) -> bool:
    """Is ``now`` (epoch seconds) inside the daily window [start, end) in local time ``tz``?"""
    local = datetime.fromtimestamp(now, tz)
    minute = local.hour * 60 + local.minute
    if start_min <= end_min:
        return start_min <= minute < end_min
    return minute >= start_min or minute < end_min  # a window across midnight
