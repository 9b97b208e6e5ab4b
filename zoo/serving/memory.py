"""Giving the memory of a large request back to the system.

glibc keeps the memory it frees for later allocations. After it frees a
large block it also raises the size from which blocks get a mapping of
their own (up to 32 MiB), so later large blocks come from the heaps of the
threads that allocate them, whose tops `malloc_trim` never shrinks: after a
request with a 16 MiB body the server would stay tens of MB bigger for good,
and bigger again after the next one in another thread. `map_large_blocks`
fixes that size at 1 MiB, so every larger block is unmapped when freed, and
`give_back`, called once a large request is answered, returns the free pages
of every heap (glibc's `malloc_trim`, a few milliseconds). Where the C
library is not glibc, both do nothing.
"""

import ctypes

try:
    _LIBC = ctypes.CDLL("libc.so.6")
    _MALLOPT, _MALLOC_TRIM = _LIBC.mallopt, _LIBC.malloc_trim
except (OSError, AttributeError):  # not glibc: nothing to do
    _MALLOPT = _MALLOC_TRIM = None
_M_MMAP_THRESHOLD = -3
_OWN_MAPPING_BYTES = 1 << 20


def map_large_blocks():
    """Makes every block of 1 MiB or more a mapping of its own, returned to
    the system when freed; call it once, at start.

    Example:
    >>> map_large_blocks()
    """
    if _MALLOPT is not None:
        _MALLOPT(_M_MMAP_THRESHOLD, _OWN_MAPPING_BYTES)


def give_back():
    """Returns the free memory of the process's heaps to the system.

    Example:
    >>> give_back()
    """
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
