"""The JSON codec on what TF Serving's own test cases leave out.

TF Serving's tests (run in test_serving_tf_serving_cases.py) compare JSON
documents, not text. The expected texts here are written from reading
`json_tensor.cc` and rapidjson's pretty writer: the whitespace layout, float
digits, parse error wording and offsets, and how values are quoted in errors.
"""

import json
import warnings

import grpc
import numpy as np
import pytest
from tensorflow.core.framework import types_pb2

from zoo.serving import json_decode, json_encode, json_text, number_text, numeric_json
from zoo.serving.deadline import Deadline
from zoo.serving.errors import ServingError


@pytest.mark.parametrize(
    "value,float32,text",
    [
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
    ],
)
def test_floats_are_written_like_write_decimal(value, float32, text):
    assert number_text.format_decimal(value, float32) == text
    array = np.array([value], np.float32 if float32 else np.float64)
    assert number_text.texts(array) == [text]


def test_columnar_layout_is_rapidjson_pretty():
    text = "".join(
        json_encode.encode_columnar_format({"y": np.array([[1, 2], [3, 4]], np.float32)})
    )
    assert text == (
        '{\n    "outputs": [\n        [\n            1.0,\n'
        "            2.0\n        ],\n        [\n            3.0,\n"
        "            4.0\n        ]\n    ]\n}"
    )


def test_row_layout_with_several_outputs_and_bytes():
    text = "".join(
        json_encode.encode_row_format(
            {
                "ids": np.array([1, 2], np.int64),
                "raw_bytes": np.array([b"\x00\xff", b"ok"], dtype=object),
                "label": np.array([b"cat", b"dog"], dtype=object),
            }
        )
    )
    assert text.startswith(
        '{\n    "predictions": [\n        {\n'
        '            "ids": 1,\n'
        '            "label": "cat",\n'
        '            "raw_bytes": {\n'
        '                "b64": "AP8="\n'
        "            }\n        },"
    )
    assert json.loads(text)["predictions"][1] == {
        "ids": 2,
        "label": "dog",
        "raw_bytes": {"b64": "b2s="},
    }


def test_columnar_layout_with_several_outputs_and_bytes():
    # rapidjson's pretty writer: four spaces a level, a b64 object indented
    # as a member of its array.
    text = "".join(
        json_encode.encode_columnar_format(
            {
                "raw_bytes": np.array([b"\x00\x01", b"hi"], dtype=object),
                "y": np.array([[1.5, 2.0]], np.float32),
            }
        )
    )
    assert text == (
        "{\n"
        '    "outputs": {\n'
        '        "raw_bytes": [\n'
        "            {\n"
        '                "b64": "AAE="\n'
        "            },\n"
        "            {\n"
        '                "b64": "aGk="\n'
        "            }\n"
        "        ],\n"
        '        "y": [\n'
        "            [\n"
        "                1.5,\n"
        "                2.0\n"
        "            ]\n"
        "        ]\n"
        "    }\n"
        "}"
    )


def test_row_format_rejects_inconsistent_batch_sizes():
    with pytest.raises(
        ServingError, match="Tensor name: b has inconsistent batch size: 3 expecting: 2"
    ):
        json_encode.encode_row_format({"a": np.zeros(2), "b": np.zeros(3)})


def _written(encode, outputs, **kwargs):
    return "".join(encode(outputs, **kwargs))


LARGE = [
    np.arange(65, dtype=np.float32) / 7,
    np.arange(120, dtype=np.int64).reshape(6, 20),
    (np.arange(84) % 3 == 0).reshape(3, 4, 7),
    np.linspace(-1, 1, 70).reshape(70, 1),
]


@pytest.mark.parametrize("array", LARGE, ids=lambda a: f"{a.dtype}{a.shape}")
# Rows of several outputs are never written in parts: no case of theirs here.
@pytest.mark.parametrize(
    "encode, outputs",
    [("encode_row_format", 1), ("encode_columnar_format", 1), ("encode_columnar_format", 2)],
)
def test_large_numeric_tensors_are_laid_out_as_small_ones(monkeypatch, array, encode, outputs):
    # Above _SMALL_ARRAY values, number_text.write lays the tensor out in
    # parts; the text must be the one the value-by-value writer gives.
    tensors = {"y": array, "z": np.zeros(array.shape[:1], np.int32)}
    tensors = dict(list(tensors.items())[:outputs])
    fast = _written(getattr(json_encode, encode), tensors)
    monkeypatch.setattr(json_encode, "_SMALL_ARRAY", array.size)
    assert fast == _written(getattr(json_encode, encode), tensors)


@pytest.mark.parametrize(
    "encode, outputs",
    [
        ("encode_row_format", {"y": np.ones((20_000, 1), np.float32)}),
        ("encode_columnar_format", {"y": np.ones((20_000, 1), np.float32)}),
        ("encode_columnar_format", {"y": np.ones(20_000), "z": np.ones(2)}),
    ],
)
def test_writers_stop_at_a_passed_deadline(encode, outputs):
    with pytest.raises(ServingError) as raised:
        _written(getattr(json_encode, encode), outputs, deadline=Deadline(-1.0))
    assert raised.value.code == grpc.StatusCode.DEADLINE_EXCEEDED


def test_text_is_written_as_utf_8_not_escaped():
    # rapidjson's writer copies UTF-8 through; only JSON's own escapes apply.
    outputs = {
        "größe": np.array([b"caf\xc3\xa9", b'"\n'], dtype=object),
        "名前": np.array(["é", "ü"]),
    }
    assert _written(json_encode.encode_row_format, outputs) == (
        '{\n    "predictions": [\n        {\n            "größe": "café",\n'
        '            "名前": "é"\n        },\n        {\n            "größe": "\\"\\n",\n'
        '            "名前": "ü"\n        }\n    ]\n}'
    )
    columnar = _written(json_encode.encode_columnar_format, outputs)
    assert '"größe": [\n            "café",\n            "\\"\\n"\n        ]' in columnar
    assert '"名前": [\n            "é",\n            "ü"\n        ]' in columnar
    assert json_encode.error_body("Tensor ünknown: ß") == '{\n    "error": "Tensor ünknown: ß"\n}'


def test_one_bytes_output_per_row_is_indented_as_its_depth():
    text = _written(json_encode.encode_row_format, {"y_bytes": np.array([b"a", b"b"], object)})
    assert text == (
        '{\n    "predictions": [{\n            "b64": "YQ=="\n        }, '
        '{\n            "b64": "Yg=="\n        }\n    ]\n}'
    )


def test_empty_dimensions_are_written_as_empty_lists():
    text = _written(json_encode.encode_columnar_format, {"y": np.zeros((2, 0), np.float32)})
    assert text == '{\n    "outputs": [\n        [],\n        []\n    ]\n}'


@pytest.mark.parametrize("encode", ["encode_row_format", "encode_columnar_format"])
def test_no_outputs_is_refused(encode):
    with pytest.raises(ServingError) as raised:
        _written(getattr(json_encode, encode), {})
    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert raised.value.message == "Cannot convert empty tensor map to JSON"


@pytest.mark.parametrize(
    "body",
    [
        {"instances": [[1.5, 2, 3], [4, 5, 6]]},
        {"inputs": [[1.5, 2, 3], [4, 5, 6]]},
        # Empty lists make empty dimensions, as TF Serving's shape reading does.
        {"inputs": []},
        {"inputs": [[], []]},
        {"instances": [[], [], []]},
    ],
)
def test_fast_and_exact_readers_agree(body):
    dtypes = {"x": types_pb2.DT_FLOAT}
    fast, _ = json_decode.decode_predict_inputs(body, dtypes, False)
    exact, _ = json_decode.decode_predict_inputs(body, dtypes, True)
    assert fast["x"].dtype == exact["x"].dtype == np.float32
    assert fast["x"].shape == exact["x"].shape == np.array(next(iter(body.values()))).shape
    np.testing.assert_array_equal(fast["x"], exact["x"])


def _never(*args):
    raise AssertionError("read value by value")


@pytest.mark.parametrize(
    "body, dtypes",
    [
        ('{"instances": [[1.5, 2], [3, 4]]}', {"x": types_pb2.DT_FLOAT}),
        ('{"instances": [{"x": [1.5, 2]}, {"x": [3, 4]}]}', {"x": types_pb2.DT_FLOAT}),
        (
            '{"instances": [{"a": 1, "b": [1.5, 2]}, {"a": 2, "b": [3, 4]}]}',
            {"a": types_pb2.DT_INT32, "b": types_pb2.DT_FLOAT},
        ),
        ('{"inputs": [[1, 2], [3, 4]]}', {"x": types_pb2.DT_INT64}),
        (
            '{"inputs": {"a": [1, 2], "b": [[1.5], [2.5]]}}',
            {"a": types_pb2.DT_INT32, "b": types_pb2.DT_DOUBLE},
        ),
        ('{"inputs": [-128, 127]}', {"x": types_pb2.DT_INT8}),
    ],
)
def test_regular_numeric_tensors_are_read_by_numpy_at_once(monkeypatch, body, dtypes):
    # The server's throughput rests on it: one NumPy call, no value-by-value walk.
    doc = json_text.parse_json_object(body.encode())
    exact, row_format = json_decode.decode_predict_inputs(doc, dtypes, True)
    monkeypatch.setattr(json_decode, "_fill", _never)
    fast, fast_row_format = json_decode.decode_predict_inputs(doc, dtypes, False)
    assert fast_row_format == row_format == ("instances" in doc)
    assert sorted(fast) == sorted(exact) == sorted(dtypes)
    for name, array in exact.items():
        assert fast[name].dtype == array.dtype
        np.testing.assert_array_equal(fast[name], array)


IMAGES = "[[[1.5, 2], [3, 4]], [[5, 6], [7, 8]]]"


@pytest.mark.parametrize(
    "body, row_format, value",
    [
        ('{"instances": [[1.5, 2], [3, 4]]}', True, [[1.5, 2.0], [3.0, 4.0]]),
        (
            '{"signature_name": "serving_default", "inputs": [[1.5, 2], [3, 4]]}',
            False,
            [[1.5, 2.0], [3.0, 4.0]],
        ),
        # Rows longer than MAX_ROW_CHARS: each one is a NumericText of its own.
        ('{"instances": ' + IMAGES + "}", True, json.loads(IMAGES)),
        ('{"inputs": ' + IMAGES + "}", False, json.loads(IMAGES)),
    ],
)
def test_large_numeric_bodies_are_read_from_their_text(monkeypatch, body, row_format, value):
    monkeypatch.setattr(numeric_json, "MIN_CHARS", 0)  # every array counts as large
    monkeypatch.setattr(numeric_json, "MAX_ROW_CHARS", 10)
    doc = json_text.parse_json_object(body.encode())
    monkeypatch.setattr(json_decode, "materialized", _never)
    inputs, rows = json_decode.decode_predict_inputs(doc, {"x": types_pb2.DT_FLOAT})
    assert rows == row_format
    assert inputs["x"].dtype == np.float32
    assert inputs["x"].tolist() == value
    with pytest.raises(ServingError) as raised:
        json_decode.decode_predict_inputs(doc, {"x": types_pb2.DT_FLOAT}, deadline=Deadline(-1))
    assert raised.value.code == grpc.StatusCode.DEADLINE_EXCEEDED


def test_large_images_of_different_sizes_get_the_exact_readers_error(monkeypatch):
    monkeypatch.setattr(numeric_json, "MIN_CHARS", 0)
    monkeypatch.setattr(numeric_json, "MAX_ROW_CHARS", 10)
    doc = json_text.parse_json_object(b'{"instances": [[[1.5, 2], [3, 4]], [[5, 6]]]}')
    assert isinstance(doc["instances"][1], numeric_json.NumericText)
    with pytest.raises(ServingError) as raised:
        json_decode.decode_predict_inputs(doc, {"x": types_pb2.DT_FLOAT})
    assert raised.value.message == (
        "Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT: "
        "Expecting tensor size: 4 but got: 2"
    )


@pytest.mark.parametrize(
    "body,dtype,code,message",
    [
        (
            {"instances": [1, True]},
            types_pb2.DT_FLOAT,
            grpc.StatusCode.INVALID_ARGUMENT,
            (
                "Failed to process element: 1 of 'instances' list. Error: "
                "INVALID_ARGUMENT: JSON Value: true Type: True is not of expected type: "
                "float"
            ),
        ),
        (
            {"instances": [1, False]},
            types_pb2.DT_FLOAT,
            grpc.StatusCode.INVALID_ARGUMENT,
            (
                "Failed to process element: 1 of 'instances' list. Error: "
                "INVALID_ARGUMENT: JSON Value: false Type: False is not of expected type: "
                "float"
            ),
        ),
        # A deliberate difference: TF Serving stores 300 and TensorFlow wraps it
        # to 44 when it makes the uint8 tensor; an error is the better answer.
        (
            {"inputs": [300]},
            types_pb2.DT_UINT8,
            grpc.StatusCode.INVALID_ARGUMENT,
            "JSON Value: 300 is out of range for uint8 [0, 255]",
        ),
        (
            {"inputs": [1.0]},
            types_pb2.DT_HALF,
            grpc.StatusCode.UNIMPLEMENTED,
            "Conversion of JSON Value: 1.0 to type: half",
        ),
        # Whole numbers too, which NumPy would read as integers.
        (
            {"inputs": [[1, 2]]},
            types_pb2.DT_HALF,
            grpc.StatusCode.UNIMPLEMENTED,
            "Conversion of JSON Value: 1 to type: half",
        ),
        (
            {"inputs": [[1], 2]},
            types_pb2.DT_INT32,
            grpc.StatusCode.INVALID_ARGUMENT,
            ("JSON Value: 2 found at incorrect level: 2 in the JSON DOM. Expected at level: 2"),
        ),
        (
            {"instances": []},
            types_pb2.DT_INT32,
            grpc.StatusCode.INVALID_ARGUMENT,
            "JSON Value: {\n    \"instances\": []\n} No values in 'instances' array",
        ),
    ],
)
def test_exact_errors(body, dtype, code, message):
    with pytest.raises(ServingError) as raised:
        json_decode.decode_predict_inputs(
            body, {"x": dtype}, json_decode.may_hold_booleans(json.dumps(body).encode())
        )
    assert (raised.value.code, raised.value.message) == (code, message)


INT32, STRING = types_pb2.DT_INT32, types_pb2.DT_STRING
TWO_INT32 = {"a": INT32, "b": INT32}
ROW = "Failed to process element: 0 key: {} of 'instances' list. Error: INVALID_ARGUMENT: "


@pytest.mark.parametrize("allow_fast", [True, False])
@pytest.mark.parametrize(
    "body, dtypes, message",
    [
        (
            '{"inputs": [{"x": 1}]}',
            {"x": STRING},
            'JSON Value: {\n    "x": 1\n} not formatted correctly for base64 data',
        ),
        # Characters outside base64's alphabet are an error, not skipped.
        ('{"inputs": [{"b64": "aGVs*bG8="}]}', {"x": STRING}, "Unable to base64 decode"),
        (
            '{"inputs": [{"b64": "aGk="}]}',
            {"x": INT32},
            'JSON Value: {\n    "b64": "aGk="\n} Type: Object is not of expected type: int32',
        ),
        (
            '{"inputs": [[1, 2], [3, [4]]]}',
            {"x": INT32},
            "Encountered list at unexpected level: 2 expected < 2",
        ),
        (
            '{"inputs": [[1, 2], [3]]}',
            {"x": INT32},
            "Encountered list at unexpected size: 1 at level: 1 expected size: 2",
        ),
        (
            '{"inputs": [1, 2]}',
            TWO_INT32,
            "inputs is a plain value/list, but expecting an object as multiple input "
            "tensors required as per tensorinfo_map",
        ),
        ('{"inputs": {"a": [1]}}', TWO_INT32, "Missing named input: b in 'inputs' object."),
        (
            '{"instances": [{"a": 1, "c": 2}]}',
            TWO_INT32,
            ROW.format("c") + "JSON object: does not have named input: c",
        ),
        (
            '{"instances": [{"a": "x", "b": 1}]}',
            TWO_INT32,
            ROW.format("a") + 'JSON Value: "x" Type: String is not of expected type: int32',
        ),
        (
            '{"instances": [{"a": 1}]}',
            TWO_INT32,
            "Failed to process element: 0 of 'instances' list. JSON object: "
            '{\n    "a": 1\n} keys must be equal to: a,b',
        ),
        (
            '{"instances": [[[1, 2], [3, 4]], [[1, 2, 3, 4]]]}',
            {"x": INT32},
            "Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT: "
            "Expecting shape [2,2] but got: [1,4]",
        ),
    ],
)
def test_request_errors_name_the_value_and_the_input(body, dtypes, message, allow_fast):
    doc = json_text.parse_json_object(body.encode())
    with pytest.raises(ServingError) as raised:
        json_decode.decode_predict_inputs(doc, dtypes, allow_fast)
    assert (raised.value.code, raised.value.message) == (grpc.StatusCode.INVALID_ARGUMENT, message)


@pytest.mark.parametrize(
    "body, dtypes, message",
    [
        (
            '{"instances": [1], "inputs": [1]}',
            {"x": INT32},
            'JSON Value: {\n    "instances": [1],\n    "inputs": [1]\n} Not formatted correctly '
            "expecting only one of 'inputs' or 'instances' keys to exist ",
        ),
        (
            '{"instances": 5}',
            {"x": INT32},
            # TF Serving's own spelling.
            "JSON Value: {\n    \"instances\": 5\n} Excepting 'instances' to be an list/array",
        ),
        (
            '{"instances": [1, 2]}',
            TWO_INT32,
            "instances is a plain list, but expecting list of objects as multiple input "
            "tensors required as per tensorinfo_map",
        ),
        ('{"x": 1}', {"x": INT32}, "Missing 'inputs' or 'instances' key"),
        # By default a body may hold booleans: they are not read as numbers.
        (
            '{"instances": [1, true]}',
            {"x": types_pb2.DT_FLOAT},
            "Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT: "
            "JSON Value: true Type: True is not of expected type: float",
        ),
    ],
)
def test_request_layout_errors_quote_the_request(body, dtypes, message):
    doc = json_text.parse_json_object(body.encode())
    with pytest.raises(ServingError) as raised:
        json_decode.decode_predict_inputs(doc, dtypes)
    assert (raised.value.code, raised.value.message) == (grpc.StatusCode.INVALID_ARGUMENT, message)


def test_a_signature_name_that_is_not_a_string_is_refused_with_the_request():
    doc = json_text.parse_json_object(b'{"signature_name": 5, "inputs": [1]}')
    with pytest.raises(ServingError) as raised:
        json_decode.signature_name_of(doc)
    assert raised.value.message == (
        'JSON Value: {\n    "signature_name": 5,\n    "inputs": [1]\n} not formatted '
        "correctly. 'signature_name' key must be a string value."
    )
    assert json_decode.signature_name_of({"inputs": [1]}) == ""


@pytest.mark.parametrize("allow_fast", [True, False])
def test_b64_objects_are_strings_padded_or_not(allow_fast):
    for body, value in [
        ('{"inputs": {"b64": "aGk="}}', b"hi"),
        ('{"inputs": [{"b64": "aGVsbG8"}]}', [b"hello"]),
    ]:
        doc = json_text.parse_json_object(body.encode())
        inputs, _ = json_decode.decode_predict_inputs(doc, {"x": STRING}, allow_fast)
        assert inputs["x"].tolist() == value


@pytest.mark.parametrize("allow_fast", [True, False])
def test_floats_are_rounded_as_rapidjson_rounds_them(allow_fast):
    # rapidjson's GetFloat casts the double: an integer is rounded to a double
    # first (2**60 + 2**36 + 1 becomes the tie 2**60 + 2**36, then 2**60),
    # beyond float32's range is infinity, below it zero, with no warning.
    for numbers, floats in [
        ("1152921573326323713, 1", [2.0**60, 1.0]),
        ("1e39, -1e39, 1e-50", [float("inf"), float("-inf"), 0.0]),
    ]:
        doc = json_text.parse_json_object(f'{{"instances": [{numbers}]}}'.encode())
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            inputs, _ = json_decode.decode_predict_inputs(
                doc, {"x": types_pb2.DT_FLOAT}, allow_fast
            )
        assert inputs["x"].tolist() == floats


def nested_list(depth):
    return json.loads("[" * depth + "1" + "]" * depth)


@pytest.mark.parametrize(
    "body",
    [
        lambda depth: {"instances": nested_list(depth)},
        lambda depth: {"inputs": nested_list(depth)},
        # Named rows: each row is one level less, the batch adds it back.
        lambda depth: {"instances": [{"x": nested_list(depth - 1)}]},
    ],
    ids=["instances", "inputs", "named instances"],
)
@pytest.mark.parametrize("booleans", [False, True], ids=["NumPy", "exact"])
def test_tensors_nested_beyond_numpy_rank_are_refused(body, booleans):
    arrays, _ = json_decode.decode_predict_inputs(body(32), {"x": types_pb2.DT_FLOAT}, booleans)
    assert arrays["x"].ndim == 32
    with pytest.raises(ServingError) as raised:
        json_decode.decode_predict_inputs(body(33), {"x": types_pb2.DT_FLOAT}, booleans)
    assert raised.value.message.endswith(
        "JSON list nested more than 32 levels deep: a request tensor has at "
        "most 32 dimensions, one level of nesting each."
    )


def test_booleans_and_b64_strings_are_read():
    body = {"inputs": {"flag": [True, False], "text": [{"b64": "aGk"}, "yo"]}}
    arrays, row_format = json_decode.decode_predict_inputs(
        body,
        {"flag": types_pb2.DT_BOOL, "text": types_pb2.DT_STRING},
        json_decode.may_hold_booleans(json.dumps(body).encode()),
    )
    assert not row_format
    assert arrays["flag"].tolist() == [True, False]
    assert arrays["text"].tolist() == [b"hi", b"yo"]


PARSE_ERRORS = [
    (b'{"a" 1}', "Missing a colon after a name of object member. at offset: 5"),
    (b'{"a": 1 "b": 2}', ("Missing a comma or '}' after an object member. at offset: 8")),
    (b'{"a": [1 2]}', ("Missing a comma or ']' after an array element. at offset: 9")),
    # Brackets and escaped quotes inside strings open nothing.
    (
        b'{"a": ["x]\\"{", 1 2]}',
        "Missing a comma or ']' after an array element. at offset: 18",
    ),
    (
        b'{"a": [1], "b\\"[": "]", "c": 1 "d": 2}',
        "Missing a comma or '}' after an object member. at offset: 31",
    ),
    # An escape ends with the character it escapes: the string closes after it.
    (
        b'{"k": ["a\\nb"] "x": 1}',
        "Missing a comma or '}' after an object member. at offset: 15",
    ),
    (b'{"a": tru}', "Invalid value. at offset: 6"),
    (b"{1: 2}", "Missing a name for object member. at offset: 1"),
    (b'{"a": "x', "Missing a closing quotation mark in string. at offset: 6"),
    (b"  \n ", "The document is empty. at offset: 4"),
]


@pytest.fixture(params=["json", "walked"])
def reader(request, monkeypatch):
    """Which reader parses a body: `json`'s, or the value-by-value walk that
    bodies of numeric_json.MIN_CHARS characters or more get."""
    if request.param == "walked":
        monkeypatch.setattr(numeric_json, "MIN_CHARS", 0)
    return request.param


@pytest.mark.parametrize("raw,message", PARSE_ERRORS)
def test_parse_errors_use_rapidjson_wording(raw, message, reader):
    with pytest.raises(ServingError) as raised:
        json_text.parse_json_object(raw)
    assert raised.value.message == "JSON Parse error: " + message


@pytest.mark.parametrize(
    "raw",
    [
        b' { "a" : [ ] , "b" : { } , "c" : [ { "d" : [ 1 , 2.5 , "x" ] } , [ ] ] , "e" : null } ',
        b'{"a":[],"b":{},"c":[{"d":[1,2.5,"x"]},[]],"e":{"f":[true,false]}}',
    ],
)
def test_bodies_parse_as_json_parses_them(raw, reader):
    assert json_text.materialized(json_text.parse_json_object(raw)) == json.loads(raw)


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"", "JSON Parse error: The document is empty"),
        (b"[1, 2]", "JSON Value: [1, 2] Is not object"),
        (b'"x"', 'JSON Value: "x" Is not object'),
        # A surrogate pair right at the start is a pair, not a lone low half.
        (rb'"\ud83d\ude00"', 'JSON Value: "\U0001f600" Is not object'),
    ],
)
def test_a_body_that_is_not_an_object_is_refused(raw, message, reader):
    with pytest.raises(ServingError) as raised:
        json_text.parse_json_object(raw)
    assert (raised.value.code, raised.value.message) == (grpc.StatusCode.INVALID_ARGUMENT, message)


DEEP = 2000  # far beyond the recursion limit of Python's json scanner


@pytest.mark.parametrize(
    "raw,message", [(raw, message) for raw, message in PARSE_ERRORS if b"{" in raw]
)
def test_deep_documents_get_the_same_parse_errors(raw, message):
    # The iterative reader takes over past json's recursion limit; the same
    # fault inside a deeply nested member must read the same.
    prefix = b'{"deep": ' + b"[" * DEEP + b"]" * DEEP + b", "
    raw = prefix + raw[1:]
    offset = int(message.rsplit(" ", 1)[1]) + len(prefix) - 1
    with pytest.raises(ServingError) as raised:
        json_text.parse_json_object(raw)
    assert raised.value.message == ("JSON Parse error: " + message.rsplit(" ", 1)[0] + f" {offset}")


def test_deep_documents_refuse_a_lone_surrogate_before_a_syntax_error():
    prefix = b'{"deep": ' + b"[" * DEEP + b"]" * DEEP + b', "a": ["'
    with pytest.raises(ServingError) as raised:
        json_text.parse_json_object(prefix + rb'\ud800" 1]}')
    assert raised.value.message == SURROGATE + str(len(prefix))


@pytest.mark.parametrize("compact", [False, True], ids=["spaced", "compact"])
def test_deep_documents_parse_to_the_same_value(compact):
    text = (
        '{"a": '
        + "[" * DEEP
        + '{"b": [1, 2.5, "x", true, null, NaN], "e": 3}'
        + "]" * DEEP
        + ', "c": {}, "d": []}'
    )
    if compact:  # no space after a comma or a colon
        text = text.replace(", ", ",").replace(": ", ":")
    doc = json_text.parse_json_object(text.encode())
    inner = doc["a"]
    for _ in range(DEEP):
        inner = inner[0]
    assert inner["b"][:5] == [1, 2.5, "x", True, None]
    assert inner["b"][5] != inner["b"][5]
    assert inner["e"] == 3
    assert (doc["c"], doc["d"]) == ({}, [])


def test_integers_python_cannot_convert_are_refused_where_they_are():
    # rapidjson's kParseErrorNumberTooBig, at the number's first byte, also
    # inside documents nested too deeply for json's scanner.
    for prefix in (b'{"a": [1, ', b'{"a": ' + b"[" * 2000 + b"1, "):
        with pytest.raises(ServingError) as raised:
            json_text.parse_json_object(prefix + b"9" * 5000 + b"]}")
        assert raised.value.message == (
            f"JSON Parse error: Number too big to be stored in double. at offset: {len(prefix)}"
        )


def test_integers_beyond_any_double_are_refused_when_read_as_floats():
    # rapidjson refuses a number beyond any double while parsing. Checking
    # every number there would double the parse time of a large body, so
    # an integer of up to 4300 digits (what Python converts) is refused
    # when a float tensor is made of it, and a float literal such as 1e400
    # becomes an infinity, as a value beyond float32 does.
    doc = json_text.parse_json_object(b'{"inputs": [1, ' + b"9" * 400 + b", 1e400]}")
    with pytest.raises(ServingError) as raised:
        json_decode.decode_predict_inputs(doc, {"x": types_pb2.DT_FLOAT})
    assert raised.value.message == (f"JSON Value: {'9' * 400} is too big to be stored in a double.")
    assert doc["inputs"][2] == float("inf")


def test_text_after_the_first_value_is_ignored():
    # rapidjson's kParseStopWhenDoneFlag, which TF Serving parses with.
    assert json_text.parse_json_object(b'{"a": 1} x') == {"a": 1}


@pytest.mark.parametrize(
    "value,text",
    [
        (
            [1, 2.5, -0.0, 1e-07, 1e21, 1e20, 0.001, 2**64],
            ("[1, 2.5, -0.0, 1e-7, 1e21, 100000000000000000000.0, 0.001, 18446744073709552000.0]"),
        ),
        (
            {"a": [{"b": 'q"\x01'}], "c": {}},
            ('{\n    "a": [{\n            "b": "q\\"\\u0001"\n        }],\n    "c": {}\n}'),
        ),
        ([1.0, float("nan"), 2.0], "[1.0, "),
        (["é" * 200, 1], '["' + "é" * 200 + '"'),
        (list(range(1000)), "[" + ", ".join(str(i) for i in range(67))),
        # 255 bytes written: the bracket closes; 256 bytes: the writer refuses it.
        (["x" * 252], '["' + "x" * 252 + '"]'),
        (["x" * 253], '["' + "x" * 253 + '"'),
        (["x" * 253, 1], '["' + "x" * 253 + '"'),
        # A name is refused like a value.
        ({"x": "y" * 260, "b": 1}, '{\n    "x": "' + "y" * 260 + '"'),
    ],
)
def test_quoted_values_follow_rapidjson_pretty_writer_with_a_limit(value, text):
    # Single-line arrays, four-space objects, NaN refused (ending the text),
    # and no new token once 256 bytes are written.
    assert json_text.quote_value(value) == text


def test_numeric_text_at_every_depth_is_read_and_quoted_as_json_reads_it(monkeypatch):
    monkeypatch.setattr(numeric_json, "MIN_CHARS", 0)  # every array counts as large
    body = b'{"x": [[5]], "inputs": {"a": [[1.5, 2]], "b": [[[3, 4]]]}}'
    doc = json_text.parse_json_object(body)
    assert isinstance(doc["inputs"]["a"], numeric_json.NumericText)
    assert json_text.quote_value(doc) == json_text.quote_value(json.loads(body))
    assert json_text.materialized(doc) == json.loads(body)


INVALID_UTF8 = [
    (b'{"a": "' + "é".encode() * 5 + b'\xff"}', 17),  # in a later chunk
    (b'{"a": "\xc3("}', 7),  # a character cut at a chunk's end, then not continued
    (b'{"a": "abc\xc3', 10),  # a character cut by the body's end
    (b'{"a": "abcdefgh\xc3', 15),  # the same, the body ending with a whole chunk
]


@pytest.mark.parametrize("raw, offset", INVALID_UTF8)
def test_an_invalid_byte_is_located_in_a_small_body(raw, offset):
    with pytest.raises(ServingError) as raised:
        json_text.parse_json_object(raw)
    assert raised.value.message.endswith(f"Invalid encoding in string. at offset: {offset}")


@pytest.mark.parametrize("raw, offset", INVALID_UTF8)
def test_large_bodies_are_decoded_in_chunks_with_the_same_offsets(monkeypatch, raw, offset):
    monkeypatch.setattr(json_text, "_DECODE_BYTES", 8)  # a chunk of 8 bytes
    text = '{"a": "' + "é€" * 7 + '", "b": ["ü"]}'
    assert json_text.parse_json_object(text.encode()) == json.loads(text)
    with pytest.raises(ServingError) as raised:
        json_text.parse_json_object(raw)
    assert (
        raised.value.message == f"JSON Parse error: Invalid encoding in string. at offset: {offset}"
    )
    with pytest.raises(ServingError) as raised:
        json_text.parse_json_object(text.encode(), Deadline(-1))
    assert raised.value.code == grpc.StatusCode.DEADLINE_EXCEEDED


class CountingDeadline:
    """A deadline that never passes and counts how often it is checked; an
    expired `Deadline` shows only the first check, these show every one."""

    def __init__(self):
        self.checks = 0

    def check(self):
        self.checks += 1


WORDS = '["' + '", "'.join(["w" * 40] * 2049) + '"]'  # 2,049 values, 90 KB
NUMBERS = "[" + ", ".join(["1.5"] * 20_000) + "]"  # a numeric array of 100 KB


@pytest.mark.parametrize(
    "text, checks",
    [
        # Once per 1,024 values of every container walked: 1 for the object,
        # 3 for the 2,049 values.
        ('{"a": ' + WORDS + "}", 1 + 3),
        # At every depth the walk reaches: the object, the outer array, the inner one.
        ('{"instances": [' + WORDS + "]}", 1 + 1 + 3),
        ('{"a": {"b": ' + WORDS + "}}", 1 + 1 + 3),
        # Objects are walked to the third level, what lies deeper is read whole.
        ('{"a": {"b": {"c": ' + WORDS + "}}}", 1 + 1 + 1),
        # A large numeric array is checked once per chunk it is read in (one
        # each here), besides the two objects.
        ('{"a": ' + NUMBERS + ', "b": {"c": ' + NUMBERS + "}}", 1 + 1 + 1 + 1),
        ("{" + ", ".join(f'"m{i}": "{"v" * 60}"' for i in range(2049)) + "}", 3),
    ],
    ids=[
        "array",
        "nested array",
        "nested object",
        "third level",
        "numeric arrays",
        "2,049 members",
    ],
)
def test_a_large_body_checks_the_deadline_every_1024_values_at_every_depth(text, checks):
    assert len(text) >= numeric_json.MIN_CHARS
    deadline = CountingDeadline()
    assert json_text.materialized(json_text.parse_json_object(text.encode(), deadline)) == (
        json.loads(text)
    )
    assert deadline.checks == checks


def test_parsing_never_switches_the_garbage_collector(monkeypatch):
    # Codec threads parse concurrently: a check-then-disable of the process
    # wide collector from one of them could leave it off for the server.
    import gc

    switched = []
    monkeypatch.setattr(gc, "disable", lambda: switched.append("disable"))
    monkeypatch.setattr(gc, "enable", lambda: switched.append("enable"))
    text = b'{"a": ' + b"[" * DEEP + b"1" + b"]" * DEEP + b"}"
    assert json_text.parse_json_object(text)["a"]
    assert switched == []


SURROGATE = "JSON Parse error: The surrogate pair in string is invalid. at offset: "


@pytest.mark.parametrize(
    "raw,offset",
    [
        (rb'{"signature_name": "\ud800", "instances": [1]}', 20),
        (rb'{"instances": ["ok", "\udc00"]}', 22),
        (rb'{"\uD83D": 1}', 2),
        (rb'{"a": "\ud83d\u0041"}', 7),
        (b'{"a": "\xc3\xa9\\ud800"}', 9),  # offsets count bytes, not characters
        (rb'{"a": "' + b"x" * 100_000 + rb'\ud800"}', 100_007),
        (rb'{"a": [1, "\ud800", }', 11),  # the first fault in the text wins
        (rb'{"a": "\\\ud800"}', 9),  # after an escaped backslash, at either parity
        (rb'{"a": "x\\\ud800"}', 10),
        (rb'{"a": "\udc00\udc00"}', 7),  # 0xDC00 is a low half, never a high one
        (rb'{"a": ["\ud800" 1]}', 8),
        # The scan goes on after a good pair and after text that is no escape.
        (rb'{"a": "\ud83d\ude00\ud800"}', 19),
        (rb'{"a": "\\ud800\ud800"}', 14),
        (rb'{"a": "\ud83d\ud83d"}', 7),  # 0xD83D is a high half, never a low one
    ],
    ids=[
        "signature name",
        "lone low",
        "key",
        "high then not low",
        "after UTF-8",
        "large body",
        "before a syntax error",
        "after an escaped backslash",
        "after an escaped backslash, odd offset",
        "two low halves",
        "before a missing comma",
        "after a pair",
        "after text that is no escape",
        "two high halves",
    ],
)
def test_lone_surrogates_are_refused_where_they_are(raw, offset, reader):
    with pytest.raises(ServingError) as raised:
        json_text.parse_json_object(raw)
    assert (raised.value.code, raised.value.message) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        SURROGATE + str(offset),
    )


@pytest.mark.parametrize(
    "raw,value",
    [
        (rb'{"a": "\ud83d\ude00"}', "\U0001f600"),
        (rb'{"a": "\\ud800"}', "\\ud800"),  # an escaped backslash, then text
        (rb'{"a": "x\\ud800"}', "x\\ud800"),
        (rb'{"a": "\udbff\udc00"}', "\U0010fc00"),  # the last high, the first low half
        (rb'{"a": "\\\ud83d\ude00"}', "\\\U0001f600"),
    ],
)
def test_surrogate_pairs_and_escaped_backslashes_are_read(raw, value):
    assert json_text.parse_json_object(raw) == {"a": value}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_repeated_values_are_written_as_one_by_one(dtype):
    # A chunk of few distinct values prints each once; -0.0 and 0.0 (equal
    # as numbers) and NaN must keep their own text.
    values = np.array([0.0, -0.0, 2.25, np.nan, -np.inf, 1 / 3, 1e-7, 1e9], dtype)
    array = np.random.default_rng(0).choice(values, size=(4000, 2))
    written = "".join(number_text.write(array, outer_brackets=False))
    assert written == ", ".join(
        "[" + ", ".join(number_text.format_decimal(v, dtype == np.float32) for v in row) + "]"
        for row in array.astype(np.float64).tolist()
    )


@pytest.mark.parametrize(
    "value, name",
    [
        (None, "Null"),
        (True, "True"),
        (False, "False"),
        ({"a": 1}, "Object"),
        ([1], "Array"),
        ("text", "String"),
        (3, "Number"),
        (2.5, "Number"),
    ],
)
def test_json_types_are_named_as_rapidjson_names_them(value, name):
    assert json_text.json_type(value) == name


@pytest.mark.parametrize(
    "value, text",
    [
        (2**64 - 1, "18446744073709551615"),  # the largest integer rapidjson keeps
        (-(2**63), "-9223372036854775808"),
        (2**64, "18446744073709552000.0"),  # a double from here: 17 digits, then zeros
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1e20, "100000000000000000000.0"),
        (1e21, "1e21"),
        (123.456, "123.456"),
        (-2.5, "-2.5"),
        (0.5, "0.5"),
        (0.000001, "0.000001"),
        (-0.0000012, "-0.0000012"),
        (1e-7, "1e-7"),
        (1.5e300, "1.5e300"),
        (-1.25e-10, "-1.25e-10"),
    ],
)
def test_numbers_in_messages_are_written_as_rapidjson_writes_them(value, text):
    assert json_text.quote_value(value) == text


@pytest.mark.parametrize(
    "value, dtype, message",
    [
        (
            '"abc"',
            types_pb2.DT_FLOAT,
            'JSON Value: "abc" Type: String is not of expected type: float',
        ),
        ("1.5", types_pb2.DT_INT32, "JSON Value: 1.5 Type: Number is not of expected type: int32"),
        (
            "null",
            types_pb2.DT_STRING,
            "JSON Value: null Type: Null is not of expected type: string",
        ),
        ("12", types_pb2.DT_STRING, "JSON Value: 12 Type: Number is not of expected type: string"),
        ("3", types_pb2.DT_BOOL, "JSON Value: 3 Type: Number is not of expected type: bool"),
        ("128", types_pb2.DT_INT8, "JSON Value: 128 is out of range for int8 [-128, 127]"),
        ("-129", types_pb2.DT_INT8, "JSON Value: -129 is out of range for int8 [-128, 127]"),
        # Within int32, rapidjson's Int, a narrower type's refusal is a range error.
        (
            "2147483647",
            types_pb2.DT_INT8,
            "JSON Value: 2147483647 is out of range for int8 [-128, 127]",
        ),
        (
            "-2147483648",
            types_pb2.DT_INT16,
            "JSON Value: -2147483648 is out of range for int16 [-32768, 32767]",
        ),
        (
            "2147483648",
            types_pb2.DT_INT8,
            "JSON Value: 2147483648 Type: Number is not of expected type: int8",
        ),
        (
            "2147483648",
            types_pb2.DT_INT32,
            "JSON Value: 2147483648 Type: Number is not of expected type: int32",
        ),
        (
            "-2147483649",
            types_pb2.DT_INT32,
            "JSON Value: -2147483649 Type: Number is not of expected type: int32",
        ),
        # uint32 and uint64 are not read through an int32: a negative value is of another type.
        ("-1", types_pb2.DT_UINT32, "JSON Value: -1 Type: Number is not of expected type: uint32"),
        ("-1", types_pb2.DT_UINT64, "JSON Value: -1 Type: Number is not of expected type: uint64"),
    ],
)
@pytest.mark.parametrize("served", [False, True], ids=["exact", "as served"])
def test_a_value_of_the_wrong_type_or_range_is_named_with_its_type(value, dtype, message, served):
    # As served, a body without booleans goes to NumPy first, which must
    # hand every one of these back to the exact reader.
    body = f'{{"instances": [{value}, {value}]}}'.encode()
    doc = json_text.parse_json_object(body)
    booleans = json_decode.may_hold_booleans(body) if served else True
    with pytest.raises(ServingError) as bad:
        json_decode.decode_predict_inputs(doc, {"x": dtype}, booleans)
    assert bad.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert message in str(bad.value)


@pytest.mark.parametrize(
    "value, dtype",
    [
        (127, types_pb2.DT_INT8),
        (-128, types_pb2.DT_INT8),
        (2147483647, types_pb2.DT_INT32),
        (-2147483648, types_pb2.DT_INT32),
        (255, types_pb2.DT_UINT8),
    ],
)
@pytest.mark.parametrize("booleans", [True, False], ids=["exact", "NumPy"])
def test_integers_at_their_type_bounds_are_taken(value, dtype, booleans):
    doc = json_text.parse_json_object(f'{{"instances": [{value}]}}'.encode())
    inputs, _ = json_decode.decode_predict_inputs(doc, {"x": dtype}, booleans)
    assert inputs["x"].tolist() == [value]
