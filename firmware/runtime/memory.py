"""glibc's allocator, set for a long-running kiosk on a small board.

By default glibc raises its mmap threshold each time a large block is freed, up to 32 MB: after the first scanned
page (tens of MB of image buffers) big buffers come from the heap and their pages are kept, and every thread that
allocates may get an arena of its own. A fixed threshold gives large buffers back to the system when they are
freed, and two arenas are enough for a loop and a few device threads. Measured by bench/sessions.py: about 11 MB
less resident memory after 20 sessions. Elsewhere (another libc, or no libc to load) nothing is changed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger("motcua.memory")

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
M_ARENA_MAX = -8
MMAP_THRESHOLD = 128 * 1024  # glibc's own starting value, kept fixed
ARENA_MAX = 2

_tuned = False


def tune_malloc() -> bool:
    """Set the allocator once per process, before the device threads start; whether it was set."""
    global _tuned
    if _tuned:
        return True
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False  # not glibc
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    _tuned = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_ARENA_MAX, ARENA_MAX))
    if not _tuned:
        log.warning("the allocator refused its settings; memory is left as glibc sets it")
    return _tuned
