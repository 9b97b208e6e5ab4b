"""The large-array JSON reader against Python's `json`, on random text.

`numeric_json` reads dense numeric arrays without a Python object per
value. Whatever it accepts must be what `json` reads, value for value, and
every dense array of plain JSON numbers must be accepted; everything else
must be left to the exact reader (None).
"""

import json
import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tensorflow.core.framework import types_pb2

from zoo.serving import numeric_json

NUMBERS = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: f"{v:.3e}"),
    st.sampled_from(["0", "-0", "0.5", "1E+2", "1e-05", "10", "-7"]),
)
# Fragments that are not JSON numbers, or not where they are put.
NOT_NUMBERS = st.sampled_from(
    [
        "01",
        "-01",
        ".5",
        "5.",
        "+1",
        "1e",
        "1e+",
        "--1",
        "1.2.3",
        "1e2e3",
        "1e2.5",
        "NaN",
        "Infinity",
        "-Infinity",
        "1 2",
        "true",
        '"1"',
        "[]",
        "",
        ",",
        "]",
        "[",
        "0x1",
        "1_0",
        "é",
    ]
)
SPACES = st.sampled_from(["", " ", "\n  ", "\t", "\r\n"])


@st.composite
def arrays(draw):
    """The text of an array of rows, usually dense, sometimes broken."""
    rank = draw(st.integers(0, 3))
    shape = draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank))
    rows = draw(st.integers(1, 6))

    def value(dims):
        if not dims:
            broken = draw(st.integers(0, 40)) == 0
            return draw(NOT_NUMBERS if broken else NUMBERS)
        size = dims[0] + (draw(st.sampled_from([-1, 1])) if draw(st.integers(0, 30)) == 0 else 0)
        items = [value(dims[1:]) for _ in range(max(size, 0))]
        return "[" + draw(SPACES) + ("," + draw(SPACES)).join(items) + draw(SPACES) + "]"

    return (
        "["
        + draw(SPACES)
        + ("," + draw(SPACES)).join(value(shape) for _ in range(rows))
        + draw(SPACES)
        + "]"
    )


def _shape(value):
    """The shape of nested lists of plain numbers (no booleans), or None
    when they are not dense."""
    if not isinstance(value, list):
        plain = isinstance(value, (int, float)) and not isinstance(value, bool)
        return () if plain else None
    shapes = {_shape(item) for item in value}
    if not value or len(shapes) != 1 or None in shapes:
        return None
    return (len(value), *shapes.pop())


def _json_reading(text):
    """What `json` makes of the array at the start of `text`: (rows, end)
    when it is a dense array of plain numbers that the large-array reader
    reads (finite ones in narrow rows, any in wide rows), else None."""
    try:
        value, end = json.JSONDecoder().raw_decode(text)
    except ValueError:
        return None
    shape = _shape(value)
    if shape is None or len(shape) > numeric_json.MAX_ROW_RANK + 1:
        return None
    finite = all(np.isfinite(float(v)) for v in np.asarray(value, dtype=object).ravel())
    wide = math.prod(shape[1:]) >= numeric_json.WIDE_ROW_VALUES
    return (value, end) if finite or wide else None


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    # A few rows per chunk, so that chunk boundaries fall everywhere.
    monkeypatch.setattr(numeric_json, "_CHUNK_CHARS", 8)


@pytest.mark.slow
@settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(arrays(), SPACES)
def test_the_reader_accepts_exactly_dense_plain_number_arrays(text, tail):
    text = text + tail + "}"
    expected = _json_reading(text)
    scanned = numeric_json.scan(text, 0, min_chars=0)
    if expected is None:
        assert scanned is None
        return
    rows, end = expected
    assert scanned is not None
    array, scanned_end = scanned
    assert scanned_end == end
    for dtype, numpy_type in ((types_pb2.DT_FLOAT, np.float32), (types_pb2.DT_DOUBLE, np.float64)):
        read = array.read(dtype)
        if read is None:  # only the integer -0, which json reads as 0
            assert re.search(r"-0(?![.0-9eE])", text)
            continue
        nan = np.isnan(np.asarray(rows, dtype=np.float64))
        with np.errstate(over="ignore"):  # beyond float32: an infinity
            exact = np.asarray(rows, dtype=np.float64).astype(numpy_type)
        np.testing.assert_array_equal(read, exact)
        np.testing.assert_array_equal(np.signbit(read)[~nan], np.signbit(exact)[~nan])
    integers = array.read(types_pb2.DT_INT64)
    if integers is not None:
        assert integers.tolist() == rows
        assert all(isinstance(v, int) for v in np.asarray(rows, dtype=object).ravel())
    assert array.value() == rows
