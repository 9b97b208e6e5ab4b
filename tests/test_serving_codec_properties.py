"""Property-based tests of the JSON codec and of what any body gets.

Random tensors of every dtype JSON carries go through the encoders and
back through the decoder, in row and columnar form, small and large (the
large ones through `number_text` and, read back, `numeric_json`); random
bytes and random JSON documents, large ones included, never get a 5xx, and
random bytes sent as gRPC messages never an internal error.
"""

import contextlib
import json
import math

import grpc
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from serving_helpers import (
    ECHO,
    HALF,
    HANG_GUARD_SECONDS,
    MULTI,
    SCORER,
    TEXT,
    exported_models,
    http,
    serve,
)
from tensorflow.core.framework import types_pb2

from zoo.serving import json_decode, json_encode, json_text, numeric_json
from zoo.serving.config import ModelConfig

DTYPES = {
    types_pb2.DT_FLOAT: np.float32,
    types_pb2.DT_DOUBLE: np.float64,
    types_pb2.DT_INT8: np.int8,
    types_pb2.DT_INT16: np.int16,
    types_pb2.DT_INT32: np.int32,
    types_pb2.DT_INT64: np.int64,
    types_pb2.DT_UINT8: np.uint8,
    types_pb2.DT_UINT16: np.uint16,
    types_pb2.DT_UINT32: np.uint32,
    types_pb2.DT_UINT64: np.uint64,
    types_pb2.DT_BOOL: np.bool_,
    types_pb2.DT_STRING: object,
}
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=7)


@st.composite
def tensors(draw, dtype):
    """A random array of a JSON-carried dtype; often over 64 values, so
    that the large-array writer and reader take part."""
    shape = draw(st.one_of(SHAPES, st.tuples(st.integers(65, 400), st.integers(1, 3))))
    numpy_type = DTYPES[dtype]
    if numpy_type is object:
        values = draw(
            st.lists(
                st.one_of(st.binary(max_size=6), st.text(max_size=6).map(str.encode)),
                min_size=math.prod(shape),
                max_size=math.prod(shape),
            )
        )
        array = np.empty(len(values), object)
        array[:] = values
        return array.reshape(shape)
    return draw(hnp.arrays(numpy_type, shape))


def _same(got, expected):
    assert got.shape == expected.shape
    if expected.dtype == object:
        assert got.tolist() == expected.tolist()
        return
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
    if expected.dtype.kind == "f":  # -0.0 stays -0.0; NaN has no sign
        numbers = ~np.isnan(expected)
        np.testing.assert_array_equal(np.signbit(got)[numbers], np.signbit(expected)[numbers])


@contextlib.contextmanager
def _large_body_reader(used):
    """Makes every body, however small, go through the large-body reader
    when `used`."""
    kept = numeric_json.MIN_CHARS
    numeric_json.MIN_CHARS = 0 if used else kept
    try:
        yield
    finally:
        numeric_json.MIN_CHARS = kept


def _read_back(text, key, names_and_dtypes, large_reader):
    """The request a response's text makes when its values are sent back."""
    answer = json.loads(text, parse_constant=lambda c: c)  # only a check
    assert set(answer) == {"predictions" if key == "instances" else "outputs"}
    body = ('{"' + key + '": ' + text[text.index(":") + 1 :]).encode()
    with _large_body_reader(large_reader):
        doc = json_text.parse_json_object(body)
        inputs, row_format = json_decode.decode_predict_inputs(
            doc, dict(names_and_dtypes), json_decode.may_hold_booleans(body)
        )
    assert row_format == (key == "instances")
    return inputs


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(sorted(DTYPES)).flatmap(
        lambda dtype: st.tuples(st.just(dtype), tensors(dtype))
    ),
    st.sampled_from(["y", "y_bytes"]),
    st.booleans(),
    st.booleans(),
)
def test_one_tensor_round_trips_in_row_and_columnar_form(case, name, rows, large_reader):
    dtype, array = case
    if dtype != types_pb2.DT_STRING:
        name = "y"
    if rows:
        text = "".join(json_encode.encode_row_format({name: array}))
        read = _read_back(text, "instances", {name: dtype}, large_reader)
    else:
        text = "".join(json_encode.encode_columnar_format({name: array}))
        read = _read_back(text, "inputs", {name: dtype}, large_reader)
    _same(read[name], array)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(sorted(DTYPES)), min_size=2, max_size=3, unique=True),
    st.integers(1, 80),
    st.booleans(),
    st.booleans(),
    st.data(),
)
def test_several_tensors_round_trip_in_row_and_columnar_form(
    dtypes, batch, rows, large_reader, data
):
    outputs = {}
    for index, dtype in enumerate(dtypes):
        inner = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=4))
        shape = (batch, *inner)
        if DTYPES[dtype] is object:
            array = np.empty(math.prod(shape), object)
            array[:] = data.draw(
                st.lists(st.binary(max_size=4), min_size=array.size, max_size=array.size)
            )
            array = array.reshape(shape)
        else:
            array = data.draw(hnp.arrays(DTYPES[dtype], shape))
        outputs[f"out{index}"] = array
    names_and_dtypes = {f"out{i}": d for i, d in enumerate(dtypes)}
    encode = json_encode.encode_row_format if rows else json_encode.encode_columnar_format
    text = "".join(encode(outputs))
    inputs = _read_back(text, "instances" if rows else "inputs", names_and_dtypes, large_reader)
    for name, array in outputs.items():
        _same(inputs[name], array)


@pytest.fixture(scope="module")
def server():
    models = [
        ModelConfig(name=n, base_path=str(exported_models() / n))
        for n in (HALF, MULTI, TEXT, SCORER, ECHO)
    ]
    with serve(discover_root=None, models=models) as running:
        yield running


PATHS = [
    f"/v1/models/{model}{version}:{method}"
    for model in (HALF, MULTI, TEXT, SCORER, ECHO)
    for version in ("", "/versions/1")
    for method in ("predict", "classify", "regress")
]
KEYS = st.sampled_from(
    [
        "instances",
        "inputs",
        "signature_name",
        "examples",
        "context",
        "b64",
        "x",
        "a",
        "b",
        "text",
        "floats",
        "classify_x",
        "regress_x",
        "plus_one",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(exclude_categories=()), max_size=8),
    KEYS,
)
NUMERIC_ROWS = st.one_of(
    st.lists(st.floats(allow_nan=False, allow_infinity=False, width=32), min_size=1, max_size=8),
    st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=3),
    st.floats(-1e6, 1e6),
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.one_of(KEYS, st.text(max_size=4)), inner, max_size=5),
    ),
    max_leaves=30,
)


def _answer_is_a_4xx_or_ok(server, path, body):
    status, headers, text = http("POST", f"{server.rest}{path}", body)
    assert status < 500, (status, text)
    assert headers["Content-Type"] == "application/json"
    assert "Traceback" not in text
    json.loads(text)  # an answer or {"error": ...}, JSON either way


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(PATHS), st.binary(max_size=200))
def test_random_bytes_never_get_a_5xx(server, path, body):
    _answer_is_a_4xx_or_ok(server, path, body)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(PATHS), DOCUMENTS)
def test_random_json_never_gets_a_5xx(server, path, document):
    _answer_is_a_4xx_or_ok(server, path, json.dumps(document))


@pytest.mark.slow
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(PATHS),
    st.sampled_from(["instances", "inputs"]),
    st.one_of(DOCUMENTS, NUMERIC_ROWS),
    st.integers(3_000, 12_000),
    st.binary(max_size=8),
)
def test_large_random_bodies_never_get_a_5xx(server, path, key, row, count, tail):
    # Large enough for the large-body reader, with a random row repeated
    # and random bytes where the array would end.
    rows = ", ".join([json.dumps(row)] * count)
    body = f'{{"{key}": [{rows}'.encode() + tail
    _answer_is_a_4xx_or_ok(server, path, body)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(["Predict", "Classify", "Regress", "GetModelMetadata"]), st.binary(max_size=200)
)
def test_random_grpc_messages_never_get_an_internal_error(server, method, message):
    with grpc.insecure_channel(server.grpc_target) as channel:
        call = channel.unary_unary(f"/tensorflow.serving.PredictionService/{method}")
        try:
            call(message, timeout=HANG_GUARD_SECONDS)
        except grpc.RpcError as error:
            assert error.code() not in (
                grpc.StatusCode.INTERNAL,
                grpc.StatusCode.UNKNOWN,
                grpc.StatusCode.DATA_LOSS,
            ), error.details()
