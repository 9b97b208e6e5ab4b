"""Large numeric tensors in JSON text, read without a Python object per value.

`json` makes a list per row and a float per value: 16 MiB of one-value rows
is 2.8 million lists and as many floats, seconds of work that holds the GIL
(so the event loop stalls as well) and memory the process keeps. A dense
numeric array is cut into chunks of whole rows (about 256 KiB of text each)
at the commas between rows, and each chunk is read in a short call:

- Rows of fewer than `WIDE_ROW_VALUES` numbers are checked with NumPy:
  every byte is classified, JSON's number grammar is checked on neighbouring
  bytes, and the chunk's skeleton (each number written `N`) must be exactly
  the skeleton of whole rows of the shape the first row has. The numbers are
  then read by NumPy (`np.fromstring`, which releases the GIL) straight into
  the signature's dtype, without a Python object per number.
- Wider rows are read by `json` and `np.array`, a chunk at a time, and must
  have the first row's shape: per number, a list per row costs little, and
  `json` is faster than the check above.

Anything else is left to the exact reader (`json_decode`), which accepts it
or says what is wrong in TF Serving's words: NaN and Infinity in narrow
rows, ragged rows, strings, booleans, integers for an integer tensor of more
than 18 digits or out of its range, a fraction or an exponent for an integer
tensor, the integer -0 or one beyond any double for a float tensor, a row of
more than `MAX_ROW_CHARS` characters, or text that is not JSON.
"""

import functools
import json
import math
import re

import numpy as np
from tensorflow.core.framework import types_pb2

from zoo.serving import search
from zoo.serving.dtypes import FLOATS, INT_RANGES, numpy_dtype

# Below this many characters from an array's start to the body's end, the
# `json` module's own parser is faster than this reader.
MIN_CHARS = 64 * 1024
# The first row is decoded by `json` to learn the rows' shape. Longer rows
# are few in a body, and `json` reads each of them in one short call.
MAX_ROW_CHARS = 1 << 16
# Rows of at least this many numbers are read by `json`, a chunk at a time.
WIDE_ROW_VALUES = 16
# Rows of more dimensions are left to the exact reader, which refuses
# tensors of more than 32 (NumPy's most in 1.x).
MAX_ROW_RANK = 31
# About how many characters are checked and read per step.
_CHUNK_CHARS = 1 << 18
_WHITESPACE = "[ \t\n\r]*"
_SPACE_RUN = re.compile(_WHITESPACE)
# JSON words NumPy would read as numbers.
_NOT_NUMBERS = ("true", "false", "null")
_SPACED_CLOSE = re.compile(r"\][ \t\n\r]+\]")
_BRACKETS_TO_SPACES = str.maketrans("[]", "  ")
_DECODER = json.JSONDecoder()
_INTEGER_DTYPES = tuple(d for d in INT_RANGES if d != types_pb2.DT_UINT64)
# The integer -0 is 0 to `json` (and so 0.0 in a float tensor), where NumPy
# reads it as the float -0.0.
_NEGATIVE_INTEGER_ZERO = re.compile(r"-0(?![.0-9eE])")

# Byte classes; those of a number's characters are 1 to 6, the digits 1
# and 2.
(_SPACE, _DIGIT, _ZERO, _MINUS, _PLUS, _DOT, _EXP, _OPEN, _CLOSE, _COMMA, _OTHER) = range(11)
_CLASS = np.full(256, _OTHER, np.uint8)
for _characters, _kind in (
    (b" \t\n\r", _SPACE),
    (b"123456789", _DIGIT),
    (b"0", _ZERO),
    (b"-", _MINUS),
    (b"+", _PLUS),
    (b".", _DOT),
    (b"eE", _EXP),
    (b"[", _OPEN),
    (b"]", _CLOSE),
    (b",", _COMMA),
):
    _CLASS[list(_characters)] = _kind
_NUMBER = (_DIGIT, _ZERO, _MINUS, _PLUS, _DOT, _EXP)
_DIGITS = (_DIGIT, _ZERO)


def _bad_pairs():
    """Which neighbouring classes (previous << 4 | next) no JSON number
    allows: a sign inside a number but after an exponent, a dot or an
    exponent without a digit before, a sign or a dot without a digit after,
    a number ending in anything but a digit."""
    bad = np.zeros(256, bool)
    for before in range(_OTHER + 1):
        for after in range(_OTHER + 1):
            bad[before << 4 | after] = (
                (after == _MINUS and before in _NUMBER and before != _EXP)
                or (after == _PLUS and before != _EXP)
                or (after in (_DOT, _EXP) and before not in _DIGITS)
                or (before in (_MINUS, _PLUS, _DOT) and after not in _DIGITS)
                or (before == _EXP and after not in (*_DIGITS, _MINUS, _PLUS))
            )
    return bad


_BAD_PAIR = _bad_pairs()
_SKELETON = np.full(256, ord("N"), np.uint8)
_SKELETON[[_OPEN, _CLOSE, _COMMA]] = [ord("["), ord("]"), ord(",")]


def _is_number(kinds):
    return (kinds - np.uint8(_DIGIT)) <= _EXP - _DIGIT


def _numbers_are_json(kinds):
    """Checks JSON's number grammar on the non-space bytes of a text.

    Args:
        kinds: the byte classes of the text's non-space bytes, with a comma
            added before the first and after the last.

    Returns:
        bool.
    """
    if np.take(_BAD_PAIR, (kinds[:-1] << 4) | kinds[1:]).any():
        return False
    number = _is_number(kinds)
    start = np.zeros(len(kinds), bool)
    np.greater(number[1:], number[:-1], out=start[1:])
    # At most one fraction and one exponent, the fraction first: the mark
    # before a dot is its number's start, the one before an exponent is not
    # an exponent.
    marked = start | (kinds == _DOT) | (kinds == _EXP)
    marks = kinds[marked]
    marks[start[marked]] = _DIGIT
    if ((marks[1:] == _DOT) & (marks[:-1] != _DIGIT)).any() or (
        (marks[1:] == _EXP) & (marks[:-1] == _EXP)
    ).any():
        return False
    # No leading zero: "01" and "-01" are not JSON numbers.
    zeros = np.flatnonzero((kinds[1:-1] == _ZERO) & ((kinds[2:] - np.uint8(_DIGIT)) <= 1)) + 1
    if len(zeros):
        leading = start[zeros] | ((kinds[zeros - 1] == _MINUS) & start[zeros - 1])
        if leading.any():
            return False
    return True


def _space_inside_a_number(raw):
    """Whether spaces separate two characters of numbers ("1 2"), which
    removing the spaces would join into one number."""
    spaces = sum(raw.count(c) for c in (b" ", b"\t", b"\n", b"\r"))
    if spaces == raw.count(b", "):  # the usual layout: a space after commas
        return False
    classes = np.take(_CLASS, np.frombuffer(raw, np.uint8))
    kept = np.flatnonzero(classes)  # all but spaces
    number = _is_number(classes[kept])
    return bool((number[:-1] & number[1:] & (np.diff(kept) > 1)).any())


@functools.lru_cache(maxsize=64)
def _row_skeleton(row_shape):
    """A row's text with each number written N and no spaces, and a comma
    after it."""
    skeleton = b"N"
    for size in reversed(row_shape):
        skeleton = b"[" + b",".join([skeleton] * size) + b"]"
    return skeleton + b","


def _rows_in(text, row_shape):
    """How many whole rows of `row_shape` the text holds (rows separated by
    commas), or None when it is anything else."""
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        return None
    if _space_inside_a_number(raw):
        return None
    squeezed = raw.translate(None, b" \t\n\r")
    kinds = np.empty(len(squeezed) + 2, np.uint8)
    kinds[0] = kinds[-1] = _COMMA
    np.take(_CLASS, np.frombuffer(squeezed, np.uint8), out=kinds[1:-1])
    if (kinds == _OTHER).any() or not _numbers_are_json(kinds):
        return None
    kinds[-1] = _COMMA  # the comma after the last row, as after the others
    kinds = kinds[1:]
    number = _is_number(kinds)
    first_digit = number.copy()
    first_digit[1:] &= ~number[:-1]
    skeleton = np.take(_SKELETON, kinds[~number | first_digit]).tobytes()
    row = _row_skeleton(row_shape)
    rows, extra = divmod(len(skeleton), len(row))
    if extra or skeleton != row * rows:
        return None
    return rows


def _numbers(rows):
    """Decoded rows of numbers as an array: integers as int64 or uint64 when
    they fit, floats otherwise (as the exact reader would for a float
    tensor); None when they are not a dense array of numbers. Booleans and
    nulls must have been ruled out: NumPy would read them as numbers."""
    try:
        array = np.array(rows)
        if array.dtype.kind == "O":  # integers beyond 64 bits among them
            array = np.array(rows, dtype=np.float64)
            if not np.isfinite(array).all():  # beyond any double
                return None
    except (ValueError, TypeError, OverflowError):  # ragged, not numbers
        return None
    if array.dtype.kind not in "iuf" or 0 in array.shape:
        return None
    return array


def _row_shape(row):
    """The shape of a decoded row of plain numbers, or None when it is not
    a dense numeric array."""
    array = _numbers(row)
    return None if array is None else array.shape


@functools.lru_cache(maxsize=64)
def _boundaries(rank, spaced):
    """Finders of the text after the array's last row and after any other
    row, for rows of `rank` dimensions: `str.find` of the text without
    spaces, or, when the body puts spaces between brackets, a regular
    expression allowing them."""
    if not spaced:
        return (
            functools.partial(_find_plain, "]" * (rank + 1)),
            functools.partial(_find_plain, "]" * rank + ","),
        )
    closes = "".join(f"{_WHITESPACE}\\]" for _ in range(rank))
    return (
        re.compile(f"{closes}{_WHITESPACE}\\]").search,
        re.compile(f"{closes}{_WHITESPACE},").search,
    )


def _find_plain(plain, text, start, end):
    """Like `re.Pattern.search` for a plain string, with `str.find`, a
    window at a time."""
    found = search.find(text, plain, start, end)
    return _Found(found, found + len(plain)) if found >= 0 else None


class _Found:
    """Where a plain string was found, as a match object says it."""

    def __init__(self, start, end):
        self._span = (start, end)

    def start(self):
        return self._span[0]

    def end(self):
        return self._span[1]


class NumericText:
    """A dense numeric JSON array, checked but not yet read.

    Args:
        text: the request body's text.
        start: the position of the array's opening bracket.
        row_shape: the shape of each row (the array's dimensions after the
            first).
        chunks: list of `(start, end, rows, decoded)`: spans of `text`,
            each holding `rows` whole rows separated by commas, in order,
            with the rows `json` and `np.array` read (wide rows) or None.

    Example:
    >>> text = '{"instances": [[1.5, 2], [3, 4]]}'
    >>> array, end = scan(text, 14, min_chars=0)
    >>> array.read(types_pb2.DT_FLOAT).tolist(), text[end:]
    ([[1.5, 2.0], [3.0, 4.0]], '}')
    """

    def __init__(self, text, start, row_shape, chunks):
        self.text = text
        self.start = start
        self.row_shape = row_shape
        self.chunks = chunks

    def read(self, dtype, deadline=None):
        """Reads the numbers into an array of a signature's dtype.

        Args:
            dtype: the input's `DataType` enum.
            deadline: optional `Deadline`, checked between chunks.

        Returns:
            A NumPy array of shape `(rows, *row_shape)`, or None when the
            exact reader must decide (a dtype not read here, an integer out
            of range or too long, a number that is not an integer for an
            integer tensor, a number beyond any double).

        Raises:
            ServingError: DEADLINE_EXCEEDED when the deadline passes.
        """
        if dtype in FLOATS:
            parse_as = numpy_dtype(dtype)
        elif dtype in _INTEGER_DTYPES:
            parse_as = np.int64
        else:
            return None
        rows = sum(chunk[2] for chunk in self.chunks)
        values = np.empty(rows * math.prod(self.row_shape), parse_as)
        filled = 0
        for start, end, _, decoded in self.chunks:
            if deadline is not None:
                deadline.check()
            if decoded is not None:
                if parse_as is np.int64 and decoded.dtype.kind != "i":
                    return None  # fractions, or beyond int64
                with np.errstate(over="ignore", under="ignore"):
                    values[filled : filled + decoded.size] = decoded.ravel()
                filled += decoded.size
                continue
            text = self.text[start:end]
            if parse_as is np.int64 and (
                "." in text or "e" in text or "E" in text or re.search("[0-9]{19}", text)
            ):
                return None
            if parse_as is not np.int64 and _NEGATIVE_INTEGER_ZERO.search(text):
                return None
            numbers = text.translate(_BRACKETS_TO_SPACES)
            chunk = np.fromstring(numbers, dtype=parse_as, sep=",")
            if (
                parse_as is not np.int64
                and not np.isfinite(chunk).all()
                and not np.isfinite(np.fromstring(numbers, dtype=np.float64, sep=",")).all()
            ):
                # Beyond any double: an integer of hundreds of digits, which
                # the exact reader refuses as too big (NumPy reads infinity).
                return None
            values[filled : filled + chunk.size] = chunk
            filled += chunk.size
        if filled != values.size:  # never for checked text: be exact anyway
            return None
        if parse_as is np.int64:
            low, high = INT_RANGES[dtype]
            if values.min() < low or values.max() > high:
                return None
            values = values.astype(numpy_dtype(dtype))
        return values.reshape((-1, *self.row_shape))

    def value(self):
        """The array as `json` decodes it (lists of numbers), for the exact
        reader.

        Returns:
            A list.
        """
        return _DECODER.raw_decode(self.text, self.start)[0]

    def head(self):
        """The first chunk's rows as `json` decodes them: enough to quote the
        array in an error message, which stops after 256 bytes.

        Returns:
            A list of rows.
        """
        start, end, _, _ = self.chunks[0]
        return json.loads("[" + self.text[start:end] + "]")


def _first_row(text, first):
    """The first row of an array, decoded, and whether the body writes
    spaces between brackets; None when the row is not under
    `MAX_ROW_CHARS` characters or not JSON."""
    rank, position = 0, first
    while text[position : position + 1] == "[":
        rank += 1
        if rank > MAX_ROW_RANK:
            return None
        position = _SPACE_RUN.match(text, position + 1).end()
    if rank == 0:
        try:
            number = _DECODER.raw_decode(text, first)[0]
        except ValueError:
            return None
        plain = isinstance(number, (int, float)) and not isinstance(number, bool)
        return (number, False) if plain else None
    match = re.compile(r"\]" + (_WHITESPACE + r"\]") * (rank - 1)).search(
        text, first, first + MAX_ROW_CHARS
    )
    if match is None:
        return None
    row_text = text[first : match.end()]
    if any(word in row_text for word in _NOT_NUMBERS):
        return None
    after = _SPACE_RUN.match(text, match.end()).end()
    spaced = after > match.end() or bool(_SPACED_CLOSE.search(row_text))
    try:
        return json.loads(row_text), spaced
    except (ValueError, RecursionError):
        return None


def scan(text, start, deadline=None, min_chars=None):
    """Checks whether the array at `start` is a large dense numeric array.

    Args:
        text: the body's text.
        start: the position of the array's opening bracket.
        deadline: optional `Deadline`, checked between chunks.
        min_chars: arrays shorter than this are left to `json`;
            `MIN_CHARS` if None.

    Returns:
        `(NumericText, end)` with `end` just after the array's closing
        bracket, or None when the exact reader must read the array.
    """
    min_chars = MIN_CHARS if min_chars is None else min_chars
    if len(text) - start < min_chars:
        return None
    first = _SPACE_RUN.match(text, start + 1).end()
    row = _first_row(text, first)
    row_shape = _row_shape(row[0]) if row else None
    if row_shape is None:
        return None
    # Bodies written without spaces between brackets are cut with str.find;
    # when that fails (a body spaced only in places), with the regular
    # expressions that allow spaces.
    read = _decoded if math.prod(row_shape) >= WIDE_ROW_VALUES else _checked
    for spaced in (True,) if row[1] else (False, True):
        found = _chunks(text, start, first, row_shape, spaced, read, deadline, min_chars)
        if found is not None:
            chunks, end = found
            return NumericText(text, start, row_shape, chunks), end
    return None


def _checked(text, row_shape):
    """`(rows, None)` for a chunk of whole narrow rows, checked with NumPy;
    None for anything else."""
    rows = _rows_in(text, row_shape)
    return None if rows is None else (rows, None)


def _decoded(text, row_shape):
    """`(rows, array)` for a chunk of whole wide rows, read by `json` and
    `np.array` as the exact reader would; None for anything else (booleans,
    which `np.array` would turn into numbers, included)."""
    if any(word in text for word in _NOT_NUMBERS):
        return None
    try:
        rows = json.loads("[" + text + "]")
    except (ValueError, RecursionError):  # not JSON
        return None
    array = _numbers(rows)
    if array is None or array.shape[1:] != row_shape:
        return None
    return len(array), array


def _chunks(text, start, first, row_shape, spaced, read, deadline, min_chars):
    """Cuts the array's rows into chunks read by `read`: `(chunks, end)`,
    or None when they are not all whole rows of `row_shape`."""
    array_end, row_end = _boundaries(len(row_shape), spaced)
    final = array_end(text, first, len(text))
    if final is None or final.end() - start < min_chars:
        return None
    chunks, position = [], first
    while True:
        if deadline is not None:
            deadline.check()
        cut = None
        if position + _CHUNK_CHARS < final.start():
            cut = row_end(text, position + _CHUNK_CHARS, final.start())
        if cut is None:
            # The last chunk ends with the last row, just before the array's
            # own closing bracket.
            chunk_end = final.end() - 1
            if row_shape:
                chunk_end = text.rindex("]", position, chunk_end) + 1
        else:
            chunk_end = cut.end() - 1  # without the comma
        found = read(text[position:chunk_end], row_shape)
        if found is None:
            return None
        chunks.append((position, chunk_end, *found))
        if cut is None:
            return chunks, final.end()
        position = cut.end()
