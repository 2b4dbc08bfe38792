"""glibc malloc tuned for a long-running process on a Pi with 512 MB: big buffers go back to the system.

A login hashes its password with scrypt (:mod:`firmware.office.users`): OpenSSL allocates a 16 MiB
buffer with malloc and frees it.  glibc serves a block that large with mmap, but freeing one raises
its "mmap threshold" to that size (a dynamic heuristic), so the next logins take their 16 MiB from
the heap of the malloc arena of their waitress thread, which keeps it after the free: the web process
grew by ~16 MB per thread (41 MB idle, 109 MB after 15 logins on four threads).  A fixed threshold
turns the heuristic off: every block of a mebibyte or more is mapped, and unmapped when freed.
"""

from __future__ import annotations

import ctypes
import logging

log = logging.getLogger(__name__)

#: ``mallopt`` parameters (glibc's malloc.h).
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8

#: Blocks at least this large are mapped and returned to the system on free (a scrypt buffer is 16 MiB).
MMAP_THRESHOLD = 1 << 20
#: Malloc arenas at most: threads beyond share them, so small freed blocks are reused, not kept per thread.
ARENA_MAX = 2


def return_big_buffers() -> bool:
    """Set glibc's malloc so that large freed buffers leave the process; False where libc is not glibc."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt): nothing to tune
        log.debug("no mallopt in this C library: malloc left as it is")
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_ARENA_MAX, ARENA_MAX))
