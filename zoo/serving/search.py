"""Searching a large body a megabyte at a time.

One `str.find` or regular-expression search over a 60 MB body holds the GIL
for tens of milliseconds, over 100 ms on a busy machine, and the event loop
waits meanwhile. These search a window at a time (windows overlap by the
longest match, so no match is missed), letting other threads run between
windows.
"""

# Characters (or bytes) searched per call.
WINDOW = 1 << 20


def find(text, needle, start=0, end=None):
    """`text.find(needle, start, end)`, a window at a time.

    Args:
        text: a str, bytes or bytearray.
        needle: what to find, of the same kind.
        start: where to begin.
        end: where to stop; the end of `text` if None.

    Returns:
        The position of the first occurrence, or -1.

    Example:
    >>> find("a" * 3_000_000 + "]]", "]]")
    3000000
    """
    end = len(text) if end is None else end
    for window in range(start, end, WINDOW):
        found = text.find(needle, window, min(end, window + WINDOW + len(needle) - 1))
        if found >= 0:
            return found
    return -1


def search(pattern, text, start, end, longest):
    """`pattern.search(text, start, end)`, a window at a time.

    Args:
        pattern: a compiled regular expression whose matches are at most
            `longest` characters long.
        text: a str.
        start: where to begin.
        end: where to stop.
        longest: the longest match `pattern` can make.

    Returns:
        The first match, or None.

    Example:
    >>> import re
    >>> search(re.compile("b+"), "a" * 2_000_000 + "bb", 0, 2_000_002, 2).span()
    (2000000, 2000002)
    """
    for window in range(start, end, WINDOW):
        match = pattern.search(text, window, min(end, window + WINDOW + longest - 1))
        if match is not None:
            return match
    return None
