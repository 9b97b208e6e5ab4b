"""TF Serving's JSON tensor format, checked byte for byte without a server."""

import json

import grpc
import numpy as np
import pytest
from tensorflow.core.framework import types_pb2

from zoo.serving import json_codec
from zoo.serving.errors import ServingError


@pytest.mark.parametrize("value,float32,text", [
    (0.1, True, "0.1"),
    (2.0, True, "2.0"),
    (3e-05, True, "3e-05"),
    (9000000.0, True, "9e+06"),
    (float(np.float32(123456789.0)), True, "123456792.0"),
    (float(np.float32(-2.1571422)), True, "-2.15714216"),
    (-0.0, True, "-0.0"),
    (float("nan"), True, "NaN"),
    (float("-inf"), False, "-Infinity"),
    (0.1, False, "0.1"),
    (1 / 3, False, "0.33333333333333331"),
])
def test_floats_are_written_like_write_decimal(value, float32, text):
    assert json_codec.format_decimal(value, float32) == text
    array = np.array([value], np.float32 if float32 else np.float64)
    assert json_codec._format_floats(array) == [text]


def test_columnar_layout_is_rapidjson_pretty():
    text = json_codec.encode_columnar_format(
        {"y": np.array([[1, 2], [3, 4]], np.float32)})
    assert text == ('{\n    "outputs": [\n        [\n            1.0,\n'
                    '            2.0\n        ],\n        [\n            3.0,\n'
                    '            4.0\n        ]\n    ]\n}')


def test_row_layout_with_several_outputs_and_bytes():
    text = json_codec.encode_row_format({
        "ids": np.array([1, 2], np.int64),
        "raw_bytes": np.array([b"\x00\xff", b"ok"], dtype=object),
        "label": np.array([b"cat", b"dog"], dtype=object)})
    assert text.startswith('{\n    "predictions": [\n        {\n'
                           '            "ids": 1,\n'
                           '            "label": "cat",\n'
                           '            "raw_bytes": {\n'
                           '                "b64": "AP8="\n'
                           '            }\n        },')
    assert json.loads(text)["predictions"][1] == {
        "ids": 2, "label": "dog", "raw_bytes": {"b64": "b2s="}}


def test_row_format_rejects_inconsistent_batch_sizes():
    with pytest.raises(ServingError, match="Tensor name: b has inconsistent "
                                           "batch size: 3 expecting: 2"):
        json_codec.encode_row_format({"a": np.zeros(2), "b": np.zeros(3)})


@pytest.mark.parametrize("body", [
    {"instances": [[1.5, 2, 3], [4, 5, 6]]},
    {"inputs": [[1.5, 2, 3], [4, 5, 6]]},
])
def test_fast_and_exact_readers_agree(body):
    raw = json.dumps(body).encode()
    dtypes = {"x": types_pb2.DT_FLOAT}
    fast, _ = json_codec.decode_predict_inputs(body, dtypes, raw)
    exact, _ = json_codec.decode_predict_inputs(body, dtypes, raw + b"true")
    assert fast["x"].dtype == exact["x"].dtype == np.float32
    np.testing.assert_array_equal(fast["x"], exact["x"])


@pytest.mark.parametrize("body,dtype,code,message", [
    ({"instances": [1, True]}, types_pb2.DT_FLOAT,
     grpc.StatusCode.INVALID_ARGUMENT,
     "Failed to process element: 1 of 'instances' list. Error: "
     "INVALID_ARGUMENT: JSON Value: true Type: True is not of expected type: "
     "float"),
    ({"inputs": [300]}, types_pb2.DT_UINT8, grpc.StatusCode.INVALID_ARGUMENT,
     "JSON Value: 300 is out of range for uint8 [0, 255]"),
    ({"inputs": [1.0]}, types_pb2.DT_HALF, grpc.StatusCode.UNIMPLEMENTED,
     "Conversion of JSON Value: 1.0 to type: half"),
    ({"inputs": [[1], 2]}, types_pb2.DT_INT32,
     grpc.StatusCode.INVALID_ARGUMENT,
     "JSON Value: 2 found at incorrect level: 2 in the JSON DOM. Expected at "
     "level: 2"),
    ({"instances": []}, types_pb2.DT_INT32, grpc.StatusCode.INVALID_ARGUMENT,
     'JSON Value: {\n    "instances": []\n} No values in \'instances\' array'),
])
def test_exact_errors(body, dtype, code, message):
    with pytest.raises(ServingError) as raised:
        json_codec.decode_predict_inputs(body, {"x": dtype},
                                         json.dumps(body).encode())
    assert (raised.value.code, raised.value.message) == (code, message)


def test_booleans_and_b64_strings_are_read():
    body = {"inputs": {"flag": [True, False], "text": [{"b64": "aGk"}, "yo"]}}
    arrays, row_format = json_codec.decode_predict_inputs(
        body, {"flag": types_pb2.DT_BOOL, "text": types_pb2.DT_STRING},
        json.dumps(body).encode())
    assert not row_format
    assert arrays["flag"].tolist() == [True, False]
    assert arrays["text"].tolist() == [b"hi", b"yo"]


@pytest.mark.parametrize("raw,message", [
    (b'{"a": 1} x', "The document root must not be followed by other values. "
                    "at offset: 9"),
    (b'{"a" 1}', "Missing a colon after a name of object member. at offset: 5"),
    (b'{"a": 1 "b": 2}', "Missing a comma or '}' after an object member. at "
                         "offset: 8"),
])
def test_parse_errors_use_rapidjson_wording(raw, message):
    with pytest.raises(ServingError, match="JSON Parse error: " + message):
        json_codec.parse_json_object(raw)
