"""The Pi's throttled flags: under-voltage (the first cause of SIM800 failures in the field) and friends.

Read from ``/sys/devices/platform/soc/soc:firmware/get_throttled`` (hex) when present, else from
``vcgencmd get_throttled`` (``throttled=0x50005``).  Bits (reference §1.10): 0 under-voltage now, 1 ARM
frequency capped now, 2 throttled now, 3 soft temperature limit now; 16-19 the same "has occurred since boot".

:class:`ThrottleMonitor` polls, logs a change once (not every poll), and stores a summary in ``settings`` key
``throttled`` (JSON ``{"raw": "0x50005", "flags": [...], "under_voltage": bool, "at": epoch}``) for the page;
the front panel blinks the attention LED while :func:`under_voltage_seen` is true.
"""

from __future__ import annotations

import logging
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

SYSFS = Path("/sys/devices/platform/soc/soc:firmware/get_throttled")

FLAGS: dict[int, str] = {
    0: "under_voltage",
    1: "freq_capped",
    2: "throttled",
    3: "soft_temp_limit",
    16: "under_voltage_occurred",
    17: "freq_capped_occurred",
    18: "throttled_occurred",
    19: "soft_temp_limit_occurred",
}


def decode(value: int) -> frozenset[str]:
    """The named flags set in ``value``."""
    return frozenset(name for bit, name in FLAGS.items() if value >> bit & 1)


def parse(text: str) -> int:
    """``throttled=0x50005`` (vcgencmd), ``50005`` or ``0x50005`` (sysfs) -> int."""
    text = text.strip()
    if "=" in text:
        text = text.split("=", 1)[1].strip()
    return int(text, 16)


def read_throttled() -> int | None:
    """The raw flags now, or None off a Pi (no sysfs file, no vcgencmd)."""
    try:
        return parse(SYSFS.read_text())
    except (OSError, ValueError):
        pass
    try:
        out = subprocess.run(["vcgencmd", "get_throttled"], capture_output=True, text=True, timeout=5, check=True)
        return parse(out.stdout)
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def under_voltage_seen(flags: frozenset[str] | set[str] | None) -> bool:
    return bool(flags) and bool({"under_voltage", "under_voltage_occurred"} & set(flags))


def summary(value: int, now: float) -> dict:
    flags = decode(value)
    return {"raw": f"0x{value:x}", "flags": sorted(flags), "under_voltage": under_voltage_seen(flags), "at": now}


class ThrottleMonitor:
    """Poll the flags; log and store only on change.

    :param reader: returns the raw flags or None (injected in tests).
    """

    def __init__(self, reader: Callable[[], int | None] = read_throttled,
                 clock: Callable[[], float] = time.time) -> None:
        self.reader = reader
        self.clock = clock
        self.value: int | None = None
        self.flags: frozenset[str] = frozenset()
        self.available = True

    def poll(self, store=None) -> frozenset[str]:
        """Read once; on a change log it and (with ``store``) write ``settings.throttled``.  Returns the flags."""
        value = self.reader()
        if value is None:
            if self.available:
                log.info("throttled flags not available (not a Raspberry Pi?)")
                self.available = False
            return self.flags
        self.available = True
        if value == self.value:
            return self.flags
        old, self.value = self.flags, value
        self.flags = decode(value)
        added, cleared = sorted(self.flags - old), sorted(old - self.flags)
        level = logging.WARNING if {"under_voltage", "under_voltage_occurred"} & set(added) else logging.INFO
        log.log(level, "throttled=0x%x%s%s%s", value, " set: " + ", ".join(added) if added else "",
                " cleared: " + ", ".join(cleared) if cleared else "",
                " (power supply too weak: use a 5.1 V 3 A supply and a short thick cable)"
                if "under_voltage" in added else "")
        if store is not None:
            store.set_setting("throttled", summary(value, self.clock()), by="daemon")
        return self.flags

