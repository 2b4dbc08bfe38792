"""The web process stays small on a Pi Zero 2 W (512 MB): <= 64 MB after 15 logins (issue 11 §5).

A real ``siaran web`` process, logins from four concurrent clients so that each waitress thread
hashes passwords (scrypt's 16 MiB buffer): without :mod:`firmware.box.memory` each thread's malloc
arena kept one (109 MB after 15 logins).  Figures: ``bench/bench_web_memory.py``.
"""

from __future__ import annotations

from firmware.box.memory import return_big_buffers
from webtools import login_memory

BAR_MB = 64.0


def test_fifteen_logins_leave_the_web_process_under_64_mb():
    mb = login_memory(15, 4)
    assert mb["after_logins"] <= BAR_MB, mb
    assert mb["peak"] > mb["after_logins"] + 16, mb  # the logins did hash: their buffers came and went


def test_malloc_is_tuned_on_glibc():
    assert return_big_buffers() is True  # Debian and Raspberry Pi OS use glibc
