"""Numbers as TF Serving's JSON writer prints them, a whole tensor at once.

TF Serving's `WriteDecimal` prints a float with six significant digits when
they read back as the same float, else with nine (float32) or seventeen
(double), and adds `.0` to whole numbers. Deciding that value by value in
Python costs about a microsecond each: seconds for a few million outputs.
Here NumPy decides it for a whole float32 array (the values it cannot be
sure of, near a rounding tie, are decided one by one as before), Python's
`%` operator prints a chunk of values per call, and the brackets, commas and
indentation of the layout come from a small table of per-value format
strings, so a large tensor's text is written without a Python call per
value and in parts, none of which holds the GIL for long.
"""

import math

import numpy as np

_INDENT = "    "
# Values per `%` call: tens of milliseconds of work at most.
_CHUNK = 1 << 16
# How far (relative) NumPy's arithmetic may be from the exact decimal value;
# a value closer than this to a rounding boundary is decided exactly.
_UNSURE = 1e-12
_FLOAT32_FORMATS = ("%.6g", "%.6g.0", "%.9g", "%.9g.0", "%s")
# A chunk whose first _SAMPLE values hold fewer than 1/_REPEATS distinct
# ones prints each distinct value once.
_SAMPLE = 512
_REPEATS = 4
# ... and at most this many in all (their texts fill a table per layout).
_MOST_DISTINCT = 4096
_SHORT, _SHORT_WHOLE, _LONG, _LONG_WHOLE, _TEXT = range(5)


def format_decimal(value, float32):
    """Writes a float the way TF Serving's `WriteDecimal` does.

    Six significant digits when they round-trip, else full precision; a
    `.0` is added to whole numbers; NaN and infinities as `NaN`,
    `Infinity`, `-Infinity`.

    Args:
        value: a Python float.
        float32: bool, whether the value is a float32 (else a double).

    Returns:
        The JSON number text.

    Example:
    >>> format_decimal(3.0, True), format_decimal(1 / 3, False)
    ('3.0', '0.33333333333333331')
    """
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "-Infinity" if value < 0 else "Infinity"
    text = f"{value:.6g}"
    back = float(text)
    if float32:
        back = float(np.float32(back))
    if back != value:
        text = f"{value:.9g}" if float32 else f"{value:.17g}"
    if "." not in text and "e" not in text:
        text += ".0"
    return text


# Powers of ten as the doubles nearest to them, for the decimal exponents
# float32 values and their six-digit roundings reach.
_POWER_OFFSET = 60
_POWERS_OF_TEN = np.array(
    [float(10**k) if k >= 0 else 1 / 10**-k for k in range(-_POWER_OFFSET, _POWER_OFFSET)]
)


def _power_of_ten(exponents):
    return np.take(_POWERS_OF_TEN, exponents.astype(np.intp) + _POWER_OFFSET)


def _float32_kinds(values, x):
    """Which of `_FLOAT32_FORMATS` prints each float32 value; `_TEXT` for
    the values `format_decimal` must print (not finite, or too close to a
    rounding boundary for NumPy's arithmetic to tell).

    Args:
        values: the float32 values.
        x: the same values as float64.
    """
    size = np.abs(x)
    finite = np.isfinite(x)
    nonzero = finite & (size > 0)
    safe = np.where(nonzero, size, 1.0)
    exponent = np.floor(np.log10(safe))
    scaled = safe * _power_of_ten(5 - exponent)
    # log10 can be one decade off near a power of ten.
    exponent += (scaled >= 1e6).astype(np.float64) - (scaled < 1e5)
    scaled = safe * _power_of_ten(5 - exponent)
    digits = np.rint(scaled)
    tie = np.abs(scaled - np.floor(scaled) - 0.5) < _UNSURE * scaled
    decimal = digits * _power_of_ten(exponent - 5)
    # The float32 values around x, and the midpoints a decimal must fall
    # between to read back as x (exact in float64).
    with np.errstate(over="ignore"):
        below = np.nextafter(values, np.float32(-np.inf)).astype(np.float64)
        above = np.nextafter(values, np.float32(np.inf)).astype(np.float64)
    low, high = (safe + np.abs(below)) / 2, (safe + np.abs(above)) / 2
    low, high = np.minimum(low, high), np.maximum(low, high)
    near = np.minimum(np.abs(decimal - low), np.abs(decimal - high)) < _UNSURE * safe
    short = ((decimal > low) & (decimal < high)) | ~nonzero
    whole = finite & (x == np.floor(x))
    kinds = np.where(
        short,
        np.where(whole & (size < 1e6), _SHORT_WHOLE, _SHORT),
        np.where(whole & (size < 1e9), _LONG_WHOLE, _LONG),
    )
    kinds[~finite | (nonzero & (tie | near))] = _TEXT
    return kinds


def _formats_of(dtype):
    """The format strings of a dtype's values (booleans: their text)."""
    if dtype == np.float32:
        return _FLOAT32_FORMATS
    if dtype.kind == "f":
        return ("%s",)
    if dtype.kind == "b":
        return ("true", "false")
    return ("%d",)


def _printable(values):
    """`(kinds, values)` for a flat chunk of an array: which of its dtype's
    formats each value takes, and the values `%` prints with them (none for
    booleans, text where `%s` prints)."""
    if values.dtype == np.float32:
        doubles = values.astype(np.float64)
        kinds = _float32_kinds(values, doubles)
        printed = doubles.tolist()
        for index in np.flatnonzero(kinds == _TEXT).tolist():
            printed[index] = format_decimal(printed[index], True)
        return kinds, printed
    if values.dtype.kind == "f":  # double (and half, printed as float)
        float32 = values.dtype != np.float64
        return np.zeros(len(values), np.intp), [
            format_decimal(v, float32) for v in values.astype(np.float64).tolist()
        ]
    if values.dtype.kind == "b":
        return (~values).astype(np.intp), []
    return np.zeros(len(values), np.intp), values.tolist()


def _distinct(values):
    """`(distinct values, index of each value among them)` when the values
    repeat enough for printing each distinct one once to pay (a sample
    says), else None. Values are compared bit for bit, so -0.0 and 0.0, or
    two NaNs, stay apart."""
    if values.dtype.kind != "f":
        return None
    bits = values.view(np.dtype(f"u{values.dtype.itemsize}"))
    if np.unique(bits[:_SAMPLE]).size > _SAMPLE // _REPEATS:
        return None
    distinct, index = np.unique(bits, return_inverse=True)
    if distinct.size > _MOST_DISTINCT:
        return None
    return distinct.view(values.dtype), index


def texts(array):
    """Every value of a numeric array as TF Serving writes it, flat, in C
    order.

    Args:
        array: a NumPy array of floats, integers or booleans.

    Returns:
        A list of strings.

    Example:
    >>> texts(np.array([[1.5, 2.0], [1 / 3, np.nan]], np.float32))
    ['1.5', '2.0', '0.333333343', 'NaN']
    """
    if not array.size:
        return []
    formats = np.array(_formats_of(array.dtype), object)
    kinds, values = _printable(array.ravel())
    pattern = "\0".join(np.take(formats, kinds).tolist())
    return (pattern % tuple(values) if values else pattern).split("\0")


def _layout(rank, pretty, depth):
    """The text around each value, by how many arrays open before it and
    close after it: `(before, after, last)`, where `after[closed]` ends
    with the separator before the next value and `last` is the text after
    the last value."""
    if not pretty:
        before = ["[" * opened for opened in range(rank + 1)]
        after = ["]" * closed + ", " for closed in range(rank + 1)]
        return before, after, "]" * rank
    before = [
        "".join("[\n" + _INDENT * (depth + level + 1) for level in range(rank - opened, rank))
        for opened in range(rank + 1)
    ]
    closes = [
        "".join(
            "\n" + _INDENT * (depth + level) + "]"
            for level in range(rank - 1, rank - 1 - closed, -1)
        )
        for closed in range(rank + 1)
    ]
    after = [
        closes[closed] + ",\n" + _INDENT * (depth + rank - closed) for closed in range(rank + 1)
    ]
    return before, after, closes[rank]


def write(array, pretty=False, depth=0, outer_brackets=True, deadline=None):
    """Writes a numeric tensor's JSON text, in parts.

    Args:
        array: a NumPy array of floats, integers or booleans, with no empty
            dimension.
        pretty: False for rapidjson's single-line arrays (`[[1, 2], [3,
            4]]`), True for its pretty layout, one value per line.
        depth: the nesting depth of the array in the document (sets the
            indentation of the pretty layout).
        outer_brackets: False to leave out the outermost brackets, writing
            the first dimension's items separated as in the array (the rows
            of a `predictions` list, single-line).
        deadline: optional `Deadline`, checked between parts.

    Returns:
        A list of strings, the text in order.

    Raises:
        ServingError: DEADLINE_EXCEEDED when the deadline passes.

    Example:
    >>> "".join(write(np.array([[1, 2], [3, 4]], np.int32)))
    '[[1, 2], [3, 4]]'
    >>> "".join(write(np.array([[1, 2], [3, 4]]), outer_brackets=False))
    '[1, 2], [3, 4]'
    """
    shape = array.shape if outer_brackets else array.shape[1:]
    rank = len(shape)
    before, after, last = _layout(rank, pretty, depth)
    formats = _formats_of(array.dtype)
    # One pattern per (opened, closed, format); the last value's own.
    patterns = np.array([b + f + a for b in before for a in after for f in formats], object)
    last_patterns = [b + f + last for b in before for f in formats]
    strides = [math.prod(shape[axis:]) for axis in range(rank)]
    flat = array.reshape(-1)
    parts = []
    for start in range(0, flat.size, _CHUNK):
        if deadline is not None:
            deadline.check()
        index = np.arange(start, min(start + _CHUNK, flat.size))
        opened = np.zeros(len(index), np.intp)
        closed = np.zeros(len(index), np.intp)
        for stride in strides:
            opened += index % stride == 0
            closed += (index + 1) % stride == 0
        chunk = flat[start : start + _CHUNK]
        distinct = _distinct(chunk)
        if distinct is None:
            chunk_patterns, chunk_last = patterns, last_patterns
            kinds, values = _printable(chunk)
        else:
            # Each distinct value printed once, its text put in the patterns
            # themselves: nothing is left for `%` to print.
            values, kinds = (), distinct[1]
            printed = texts(distinct[0])
            chunk_patterns = np.array(
                [b + t + a for b in before for a in after for t in printed], object
            )
            chunk_last = [b + t + last for b in before for t in printed]
        width = len(chunk_patterns) // (rank + 1) ** 2
        codes = (opened * (rank + 1) + closed) * width + kinds
        layout = np.take(chunk_patterns, codes).tolist()
        if index[-1] == flat.size - 1:
            layout[-1] = chunk_last[int(opened[-1]) * width + int(kinds[-1])]
        pattern = "".join(layout)
        parts.append(pattern % tuple(values) if len(values) else pattern)
    return parts
