"""TensorFlow Serving's own test cases, run against zoo.serving.

Every case here is the data of one test in TensorFlow Serving's sources,
named in a comment: `tensorflow_serving/util/json_tensor_test.cc` for the
JSON codec and `tensorflow_serving/model_servers/http_rest_api_handler_test.cc`
for the REST handler. A case gives the request and what TF Serving's test
expects: the decoded tensors, the response compared as a JSON document (as
its `CompareJson` does, numbers by value, or by their text where it uses
`CompareJsonAllValuesAsStrings`), or the error kind and the part of the
message it checks. The REST cases run on a rebuilt copy of TF Serving's test
model `half_plus_two`, served at version `00000123` under a model config
with a version label, as in its handler test.

Cases where zoo.serving deliberately answers differently are listed in
`KNOWN_DIFFERENCES` at the end, with the reason, and tested for what
zoo.serving does instead.
"""

import json
import sys

import grpc
import numpy as np
import pytest
from google.protobuf import text_format
from serving_helpers import export_half_plus_two, http, serve
from tensorflow.core.example import example_pb2
from tensorflow.core.framework import types_pb2
from tensorflow_serving.apis import classification_pb2, regression_pb2

from zoo.serving import examples, json_decode, json_encode, json_text
from zoo.serving.config import parse_model_config_file
from zoo.serving.errors import ServingError

INT32, INT64, FLOAT, DOUBLE, STRING, COMPLEX64 = (
    types_pb2.DT_INT32,
    types_pb2.DT_INT64,
    types_pb2.DT_FLOAT,
    types_pb2.DT_DOUBLE,
    types_pb2.DT_STRING,
    types_pb2.DT_COMPLEX64,
)
NUMPY = {
    INT32: np.int32,
    INT64: np.int64,
    FLOAT: np.float32,
    DOUBLE: np.float64,
    STRING: object,
    COMPLEX64: np.complex64,
}
ROW, COLUMNAR = "row", "columnar"
DEEP = 500000  # the nesting depth of TF Serving's DeeplyNested tests


def tensor(dtype, shape, values=()):
    """A NumPy array from a TensorProto's dtype, shape and values."""
    if dtype == STRING:
        array = np.empty(len(values), dtype=object)
        array[:] = [v.encode() if isinstance(v, str) else v for v in values]
        return array.reshape(shape)
    return np.array(values, dtype=NUMPY[dtype]).reshape(shape)


def same_json(got, expected, numbers_as_text=False):
    """Compares two JSON texts as documents, as TF Serving's tests do."""
    if numbers_as_text:

        def load(text):
            return json.loads(text, parse_float=str, parse_int=str, parse_constant=str)
    else:
        load = json.loads
    return load(got) == load(expected)


def assert_same_tensor(got, expected):
    assert got.dtype == expected.dtype
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
    if got.dtype.kind == "f":  # -0.0 and 0.0 compare equal
        np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))


def fill_predict_request(text, input_dtypes):
    """FillPredictRequestFromJson: the codec steps the REST handler runs."""
    body = text.encode() if isinstance(text, str) else text
    doc = json_text.parse_json_object(body)
    signature_name = json_decode.signature_name_of(doc)
    inputs, row_format = json_decode.decode_predict_inputs(
        doc, input_dtypes, json_decode.may_hold_booleans(body)
    )
    return signature_name, inputs, ROW if row_format else COLUMNAR


# ------------------------------------------------- json_tensor_test.cc: requests

PREDICT_REQUESTS = [
    # name, input dtypes, request, signature name, format, expected tensors
    (
        "SingleUnnamedTensor",
        {"default": INT32},
        '{"instances": [[1,2],[3,4],[5,6]]}',
        "",
        ROW,
        {"default": tensor(INT32, [3, 2], [1, 2, 3, 4, 5, 6])},
    ),
    (
        "DeeplyNestedWellFormed",
        {"default": INT32},
        '{"instances":[1], "nested":' + "[" * DEEP + "]" * DEEP + "}",
        "",
        ROW,
        {"default": tensor(INT32, [1], [1])},
    ),
    (
        "MixedInputForFloatTensor",
        {"default": FLOAT},
        '{"instances": [1, 2.0, 3, 4, 5.003, 0.007, 0.0]}',
        "",
        ROW,
        {"default": tensor(FLOAT, [7], [1, 2.0, 3, 4, 5.003, 0.007, 0.0])},
    ),
    (
        "MixedInputForDoubleTensor",
        {"default": DOUBLE},
        '{"instances": [1.0, 2, 3, 4, 0.662, 0, 0.0]}',
        "",
        ROW,
        {"default": tensor(DOUBLE, [7], [1.0, 2, 3, 4, 0.662, 0, 0.0])},
    ),
    (
        "FloatTensorWithPrecisionLoss",
        {"default": FLOAT},
        '{"instances": [1435774380]}',
        "",
        ROW,
        {"default": tensor(FLOAT, [1], [1435774380])},
    ),
    (
        "FloatTensorWithPrecisionLoss, with .0",
        {"default": FLOAT},
        '{"instances": [1435774380.0]}',
        "",
        ROW,
        {"default": tensor(FLOAT, [1], [1435774380.0])},
    ),
    # absl::Substitute writes numeric_limits<double>::max() with six digits.
    (
        "FloatTensorThatExceedsMaxReturnsInf",
        {"default": FLOAT},
        f'{{ "instances": [{sys.float_info.max:g}] }}',
        "",
        ROW,
        {"default": tensor(FLOAT, [1], [np.inf])},
    ),
    (
        "FloatTensorThatExceedsMaxReturnsInf, minimum",
        {"default": FLOAT},
        f'{{ "instances": [{-sys.float_info.max:g}] }}',
        "",
        ROW,
        {"default": tensor(FLOAT, [1], [-np.inf])},
    ),
    (
        "FloatTensorThatExceedsMinReturnsZero",
        {"default": FLOAT},
        f'{{ "instances": [{sys.float_info.min:g}] }}',
        "",
        ROW,
        {"default": tensor(FLOAT, [1], [0.0])},
    ),
    (
        "FloatTensorThatExceedsMinReturnsZero, negative",
        {"default": FLOAT},
        '{ "instances": [%g] }' % -sys.float_info.min,
        "",
        ROW,
        {"default": tensor(FLOAT, [1], [-0.0])},
    ),
    (
        "SingleUnnamedTensorWithSignature",
        {"default": INT32},
        '{"signature_name": "predict_images", "instances": [[1,2]]}',
        "predict_images",
        ROW,
        {"default": tensor(INT32, [1, 2], [1, 2])},
    ),
    # The C++ test parses a buffer whose next byte is not a NUL.
    (
        "TensorFromNonNullTerminatedBuffer",
        {"default": INT32},
        b'{"instances": [[1,2],[3,4],[5,6]]}X'[:-1],
        "",
        ROW,
        {"default": tensor(INT32, [3, 2], [1, 2, 3, 4, 5, 6])},
    ),
    (
        "SingleUnnamedTensorBase64Scalars",
        {"default": STRING},
        '{"instances": [ { "b64" : "aGVsbG8=" }, { "b64": "d29ybGQ=" } ]}',
        "",
        ROW,
        {"default": tensor(STRING, [2], ["hello", "world"])},
    ),
    (
        "SingleUnnamedTensorBase64Lists",
        {"default": STRING},
        '{"instances": [ [{ "b64" : "aGVsbG8=" }], [{ "b64": "d29ybGQ=" }] ]}',
        "",
        ROW,
        {"default": tensor(STRING, [2, 1], ["hello", "world"])},
    ),
    (
        "SingleNamedTensorBase64",
        {"default": STRING},
        ('{"instances": [{"default": [ [{ "b64" : "aGVsbG8=" }], [{ "b64": "d29ybGQ=" }] ]}]}'),
        "",
        ROW,
        {"default": tensor(STRING, [1, 2, 1], ["hello", "world"])},
    ),
    (
        "MultipleNamedTensor",
        {"int_tensor": INT32, "str_tensor": STRING, "float_tensor": FLOAT, "dbl_tensor": DOUBLE},
        (
            '{"instances": [{"int_tensor": [[1,2],[3,4],[5,6]], '
            '"str_tensor": ["foo", "bar"], "float_tensor": [1.0, NaN], '
            '"dbl_tensor": [NaN]}, {"int_tensor": [[7,8],[9,0],[1,2]], '
            '"str_tensor": ["baz", "bat"], "float_tensor": [2.0, Infinity], '
            '"dbl_tensor": [2.0]}]}'
        ),
        "",
        ROW,
        {
            "int_tensor": tensor(INT32, [2, 3, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2]),
            "str_tensor": tensor(STRING, [2, 2], ["foo", "bar", "baz", "bat"]),
            "float_tensor": tensor(FLOAT, [2, 2], [1.0, np.nan, 2.0, np.inf]),
            "dbl_tensor": tensor(DOUBLE, [2, 1], [np.nan, 2.0]),
        },
    ),
    (
        "SingleUnnamedTensorColumnarFormat",
        {"int_tensor": INT32},
        '{"inputs": {"int_tensor": [[[1,2],[3,4],[5,6]]]}}',
        "",
        COLUMNAR,
        {"int_tensor": tensor(INT32, [1, 3, 2], [1, 2, 3, 4, 5, 6])},
    ),
    (
        "SingleUnnamedTensorColumnarFormat, unnamed",
        {"int_tensor": INT32},
        '{"inputs": [[[1,2],[3,4],[5,6]]]}',
        "",
        COLUMNAR,
        {"int_tensor": tensor(INT32, [1, 3, 2], [1, 2, 3, 4, 5, 6])},
    ),
    (
        "MultipleNamedTensorColumnarFormat",
        {"int_tensor": INT32, "str_tensor": STRING, "bin_tensor": STRING},
        (
            '{"inputs": {"int_tensor": [[[1,2],[3,4],[5,6]]], '
            '"str_tensor": ["foo", "bar"], "bin_tensor": { "b64" : "aGVsbG8=" }}}'
        ),
        "",
        COLUMNAR,
        {
            "int_tensor": tensor(INT32, [1, 3, 2], [1, 2, 3, 4, 5, 6]),
            "str_tensor": tensor(STRING, [2], ["foo", "bar"]),
            "bin_tensor": tensor(STRING, [], ["hello"]),
        },
    ),
]


@pytest.mark.parametrize(
    "name,dtypes,request_text,signature,layout,tensors",
    PREDICT_REQUESTS,
    ids=[case[0] for case in PREDICT_REQUESTS],
)
def test_predict_request_is_read_as_tf_serving_reads_it(
    name, dtypes, request_text, signature, layout, tensors
):
    got_signature, inputs, got_layout = fill_predict_request(request_text, dtypes)
    assert (got_signature, got_layout) == (signature, layout)
    assert set(inputs) == set(tensors)
    for key, expected in tensors.items():
        assert_same_tensor(inputs[key], expected)


TWO_INPUTS = {"int_tensor": INT32, "str_tensor": STRING}

PREDICT_REQUEST_ERRORS = [
    # name, input dtypes, request, part of the message
    (
        "DeeplyNestedMalformed",
        {"default": INT32},
        '{"signature_name":' + "[" * DEEP + "]" * DEEP + "}",
        "key must be a string value",
    ),
    ("SingleUnnamedTensorErrors, empty", {"default": INT32}, "", "document is empty"),
    (
        "SingleUnnamedTensorErrors, signature",
        {"default": INT32},
        '{"signature_name": 5, "instances": [[1,2],[3,4],[5,6,7]]}',
        "must be a string value",
    ),
    (
        "SingleUnnamedTensorErrors, both keys",
        {"default": INT32},
        '{"instances": [[1,2],[3,4],[5,6,7]], "inputs": [[1,2],[3,4],[5,6,7]]}',
        "Not formatted correctly",
    ),
    (
        "SingleUnnamedTensorErrors, size",
        {"default": INT32},
        '{"instances": [[1,2],[3,4],[5,6,7]]}',
        "Expecting tensor size",
    ),
    (
        "SingleUnnamedTensorErrors, shape",
        {"default": INT32},
        '{"instances": [[1,2],[3,4],[[5,6]]]}',
        "Expecting shape",
    ),
    (
        "SingleUnnamedTensorErrors, scalar then list",
        {"default": INT32},
        '{"instances": [1, [1]]}',
        "Expecting shape",
    ),
    (
        "SingleUnnamedTensorErrors, type",
        {"default": INT32},
        '{"instances": [[1,2],["a", "b"]]}',
        "not of expected type",
    ),
    (
        "MultipleNamedTensorErrors, shape",
        TWO_INPUTS,
        (
            '{"instances": [{"int_tensor": [[1,2],[3,4],[5,6]], '
            '"str_tensor": ["foo", "bar"]}, {"int_tensor": [[[7,8],[9,0],[1,2]]], '
            '"str_tensor": ["baz", "bat"]}]}'
        ),
        "Expecting shape",
    ),
    (
        "MultipleNamedTensorErrors, size",
        TWO_INPUTS,
        (
            '{"instances": [{"int_tensor": [[1,2],[3,4],[5,6],[7,8]], '
            '"str_tensor": ["foo", "bar"]}, {"int_tensor": [[7,8],[9,0],[1,2]], '
            '"str_tensor": ["baz", "bat"]}]}'
        ),
        "Expecting tensor size",
    ),
    (
        "MultipleNamedTensorErrors, object then list",
        TWO_INPUTS,
        (
            '{"instances": [{"int_tensor": [[1,2],[3,4],[5,6]], '
            '"str_tensor": ["foo", "bar"]}, [1, 20, 30], '
            '{"int_tensor": [[[7,8],[9,0],[1,2]]], "str_tensor": ["baz", "bat"]}]}'
        ),
        "Expecting object but got list",
    ),
    (
        "MultipleNamedTensorErrors, list then object",
        {"str_tensor": STRING},
        '{"instances": [["baz", "bar"], {"str_tensor": ["baz", "bat"]}]}',
        "Expecting value/list but got object",
    ),
]


@pytest.mark.parametrize(
    "name,dtypes,request_text,message",
    PREDICT_REQUEST_ERRORS,
    ids=[case[0] for case in PREDICT_REQUEST_ERRORS],
)
def test_bad_predict_request_gets_tf_serving_error(name, dtypes, request_text, message):
    with pytest.raises(ServingError) as raised:
        fill_predict_request(request_text, dtypes)
    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert message in raised.value.message


# ------------------------------------------------ json_tensor_test.cc: responses

INT_2X3X2 = tensor(INT32, [2, 3, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2])
BYTES_2X2 = tensor(STRING, [2, 2], ["hello", "world", "tf", "serving"])
FIVE_TENSORS = {
    "int_tensor": INT_2X3X2,
    "str_tensor": tensor(STRING, [2, 2], ["foo", "bar", "baz", "bat"]),
    "float_tensor": tensor(FLOAT, [2, 1], [1.0, 2.0]),
    "double_scalar_tensor": tensor(DOUBLE, [2], [8.0, 9.0]),
    "str_tensor_bytes": BYTES_2X2,
}

RESPONSES = [
    # name, output tensors, format, expected JSON, compare numbers as text
    (
        "FromJsonSingleTensor",
        {"int_tensor": INT_2X3X2},
        ROW,
        '{"predictions": [[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 0], [1, 2]]]}',
        False,
    ),
    (
        "FromJsonSingleTensor, columnar",
        {"int_tensor": INT_2X3X2},
        COLUMNAR,
        '{"outputs": [[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 0], [1, 2]]]}',
        False,
    ),
    (
        "FromJsonSingleScalarTensor",
        {"int_tensor": tensor(INT32, [5], [1, 2, 3, 4, 5])},
        ROW,
        '{"predictions": [1, 2, 3, 4, 5]}',
        False,
    ),
    (
        "FromJsonSingleScalarTensor, columnar",
        {"int_tensor": tensor(INT32, [5], [1, 2, 3, 4, 5])},
        COLUMNAR,
        '{"outputs": [1, 2, 3, 4, 5]}',
        False,
    ),
    (
        "FromJsonSingleBytesTensor",
        {"str_tensor_bytes": BYTES_2X2},
        ROW,
        (
            '{"predictions": [[{"b64": "aGVsbG8="}, {"b64": "d29ybGQ="}], '
            '[{"b64": "dGY="}, {"b64": "c2VydmluZw=="}]]}'
        ),
        False,
    ),
    (
        "FromJsonSingleFloatTensorSixDigitPrecision",
        {
            "float_tensor": tensor(
                FLOAT, [2, 3], [9000000, 999999, 0.50000, 0.0003, 0.00003, 555557.5]
            )
        },
        ROW,
        '{"predictions": [[9e+06, 999999.0, 0.5], [0.0003, 3e-05, 555557.5]]}',
        True,
    ),
    (
        "FromJsonSingleFloatTensorNonFinite",
        {"float_tensor": tensor(FLOAT, [2, 2], [np.nan, np.inf, 3, -np.inf])},
        ROW,
        '{"predictions": [[NaN, Infinity], [3.0, -Infinity]]}',
        True,
    ),
    (
        "FromJsonMultipleNamedTensors",
        FIVE_TENSORS,
        ROW,
        (
            '{"predictions": [{"double_scalar_tensor": 8.0, "float_tensor": [1.0], '
            '"int_tensor": [[1, 2], [3, 4], [5, 6]], "str_tensor": ["foo", "bar"], '
            '"str_tensor_bytes": [ {"b64": "aGVsbG8="}, {"b64": "d29ybGQ="} ]}, '
            '{"double_scalar_tensor": 9.0, "float_tensor": [2.0], '
            '"int_tensor": [[7, 8], [9, 0], [1, 2]], "str_tensor": ["baz", "bat"], '
            '"str_tensor_bytes": [ {"b64": "dGY="}, {"b64": "c2VydmluZw=="} ]}]}'
        ),
        False,
    ),
    (
        "FromJsonMultipleNamedTensors, columnar",
        FIVE_TENSORS,
        COLUMNAR,
        (
            '{"outputs": {"double_scalar_tensor": [8.0, 9.0], '
            '"float_tensor": [[1.0], [2.0]], '
            '"int_tensor": [[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 0], [1, 2]]], '
            '"str_tensor": [["foo", "bar"], ["baz", "bat"]], '
            '"str_tensor_bytes": [[{"b64": "aGVsbG8="}, {"b64": "d29ybGQ="}], '
            '[{"b64": "dGY="}, {"b64": "c2VydmluZw=="}]]}}'
        ),
        False,
    ),
    (
        "FromJsonSingleZeroBatchTensor",
        {"int_tensor": tensor(INT32, [0, 2])},
        ROW,
        '{"predictions": []}',
        False,
    ),
    (
        "FromJsonMultipleZeroBatchTensors",
        {"str_tensor": tensor(STRING, [0, 1, 2]), "float_tensor": tensor(FLOAT, [0, 3, 4])},
        ROW,
        '{"predictions": []}',
        False,
    ),
]

ENCODERS = {
    ROW: lambda outputs: "".join(json_encode.encode_row_format(outputs)),
    COLUMNAR: lambda outputs: "".join(json_encode.encode_columnar_format(outputs)),
}


@pytest.mark.parametrize(
    "name,outputs,layout,expected,as_text", RESPONSES, ids=[case[0] for case in RESPONSES]
)
def test_response_is_written_as_tf_serving_writes_it(name, outputs, layout, expected, as_text):
    got = ENCODERS[layout](outputs)
    assert same_json(got, expected, numbers_as_text=as_text), got


RESPONSE_ERRORS = [
    # name, output tensors, part of the message
    ("FromJsonSingleTensorErrors, empty", {}, "empty tensor map"),
    (
        "FromJsonSingleTensorErrors, complex",
        {"tensor": tensor(COMPLEX64, [2], [1.0, 2.0])},
        "tensor type: complex64",
    ),
    (
        "FromJsonSingleTensorErrors, no shape",
        {"tensor": tensor(INT32, [], [1])},
        "no shape information",
    ),
    (
        "FromJsonMultipleNamedTensorsErrors",
        {
            "int_tensor": tensor(INT32, [2, 3], [1, 2, 3, 4, 5, 6]),
            "str_tensor": tensor(STRING, [1, 3], ["foo", "bar", "baz"]),
        },
        "inconsistent batch size",
    ),
    (
        "FromJsonMultipleZeroBatchTensorsErrors",
        {"int_tensor": tensor(INT32, [0, 2]), "str_tensor": tensor(STRING, [1, 2], ["foo", "bar"])},
        "inconsistent batch size",
    ),
]


@pytest.mark.parametrize(
    "name,outputs,message", RESPONSE_ERRORS, ids=[case[0] for case in RESPONSE_ERRORS]
)
def test_unwritable_response_gets_tf_serving_error(name, outputs, message):
    with pytest.raises(ServingError) as raised:
        json_encode.encode_row_format(outputs)
    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert message in raised.value.message


def test_error_body_is_tf_serving_status_json():
    # MakeJsonFromTensors.StatusError
    for message in ('Bad key: "key"', "Bad key: 'key'"):
        assert same_json(json_encode.error_body(message), json.dumps({"error": message}))


# ------------------------------- json_tensor_test.cc: classify and regress


def features(example):
    """An Example's features as {name: (kind, values)}."""
    return {
        name: (feature.WhichOneof("kind"), list(getattr(feature, feature.WhichOneof("kind")).value))
        for name, feature in example.features.feature.items()
    }


def read_examples(text, method):
    """FillClassificationRequestFromJson / FillRegressionRequestFromJson."""
    doc = json_text.parse_json_object(text.encode())
    signature_name = json_decode.signature_name_of(doc)
    serialized = examples.serialized_examples_from_json(doc, method)
    return signature_name, [features(example_pb2.Example.FromString(s)) for s in serialized]


def b(*words):
    return ("bytes_list", [w.encode() for w in words])


def f(*values):
    return ("float_list", list(values))


def i(*values):
    return ("int64_list", list(values))


CONTEXT = {"query": b("pizza"), "location": b("sfo")}
EXAMPLE_REQUESTS = [
    # name, request, signature name, expected features of each example. TF
    # Serving keeps the context apart (example_list_with_context) and, when
    # it runs the model, serializes it in front of each example; zoo.serving
    # does that at once, so each expected example here includes the context.
    (
        "RequestNoContext",
        (
            '{"examples": [{"names": [ "foo", "bar" ], "ratings": [ 8.0, 9.0 ], '
            '"age": 20}, {"names": [ "baz" ], "ratings": 6.0}]}'
        ),
        "",
        [
            {"names": b("foo", "bar"), "ratings": f(8.0, 9.0), "age": i(20)},
            {"names": b("baz"), "ratings": f(6.0)},
        ],
    ),
    (
        "RequestWithContextAndSignature",
        (
            '{"signature_name": "custom_signture", "context": {"query": "pizza", '
            '"location": [ "sfo" ]}, "examples": [{"names": [ "foo", "bar" ], '
            '"ratings": [ 8.0, 9.0, NaN, Infinity ], "age": 20}, '
            '{"names": [ "baz", { "b64": "aGVsbG8=" } ], "ratings": 6.0, '
            '"intboolmix": [ 1, true, false ]}, '
            '{"names": "bar", "ratings": -Infinity}]}'
        ),
        "custom_signture",
        [
            {
                **CONTEXT,
                "names": b("foo", "bar"),
                "ratings": f(8.0, 9.0, np.nan, np.inf),
                "age": i(20),
            },
            {**CONTEXT, "names": b("baz", "hello"), "ratings": f(6.0), "intboolmix": i(1, 1, 0)},
            {**CONTEXT, "names": b("bar"), "ratings": f(-np.inf)},
        ],
    ),
]


@pytest.mark.parametrize("method", ["classify", "regress"])
@pytest.mark.parametrize(
    "name,request_text,signature,expected",
    EXAMPLE_REQUESTS,
    ids=[case[0] for case in EXAMPLE_REQUESTS],
)
def test_examples_are_read_as_tf_serving_reads_them(
    method, name, request_text, signature, expected
):
    # ClassifyRegressRequestTest runs each case for both request types.
    got_signature, got = read_examples(request_text, method)
    assert got_signature == signature
    assert len(got) == len(expected)
    for got_features, expected_features in zip(got, expected):
        assert got_features.keys() == expected_features.keys()
        for key, (kind, values) in expected_features.items():
            assert got_features[key][0] == kind
            np.testing.assert_array_equal(got_features[key][1], values)


EXAMPLE_ERRORS = [
    # ClassifyRegressRequestTest.JsonErrors: request, part of the message
    (
        ('{"signature_name": [ "hello" ], "examples": [ { "names": [ "foo", "bar" ] } ]}'),
        "'signature_name' key must be a string",
    ),
    ('{"context": [ { "names": [ "foo", "bar" ] } ]}', "Example must be JSON object"),
    ('{"examples": { "names": [ "foo", "bar" ] }}', "list/array"),
    ('{"examples": [ [ { "names": [ "foo", "bar" ] } ] ]}', "Example must be JSON object"),
    (
        '{"examples": [ { "names": [ 10, null ] } ]}',
        "names has element with unexpected JSON type: Null",
    ),
    ('{"examples": [ { "names": [ 10, 10.0 ] } ]}', "feature: names expecting type: int64"),
    (
        '{"examples": [ { "names": [ 10, { "test": 10 } ] } ]}',
        "names has element with unexpected JSON type: Object",
    ),
    (
        '{"examples": [ { "names": [ [10], 20 ] } ]}',
        "names has element with unexpected JSON type: Array",
    ),
    ('{"examples": [ { "names": [ 20, 18446744073709551603 ] } ]}', "Only int64_t is supported"),
]


@pytest.mark.parametrize("method", ["classify", "regress"])
@pytest.mark.parametrize(
    "request_text,message", EXAMPLE_ERRORS, ids=[case[1] for case in EXAMPLE_ERRORS]
)
def test_bad_examples_get_tf_serving_error(method, request_text, message):
    with pytest.raises(ServingError) as raised:
        read_examples(request_text, method)
    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert message in raised.value.message


CLASSIFICATION = """
    classifications {
      classes { label: "car" score: 0.2 }
      classes { label: "bike" score: 0.7 }
      classes { label: "bus" score: 0.1 }
    }
    classifications {
      classes { label: "car" score: 0.7 }
      classes { label: "bike" score: 0.1 }
      classes { label: "bus" score: 0.2 }
    }"""

RESULTS = [
    # name, result message, its text, expected JSON, compare numbers as text
    (
        "JsonFromClassificationResult",
        classification_pb2.ClassificationResult,
        CLASSIFICATION,
        (
            '{"results": [[ ["car", 0.2], ["bike", 0.7], ["bus", 0.1] ], '
            '[ ["car", 0.7], ["bike", 0.1], ["bus", 0.2] ]]}'
        ),
        False,
    ),
    (
        "JsonFromRegressionResult",
        regression_pb2.RegressionResult,
        ("regressions { value: 0.2 } regressions { value: 0.9 } regressions { value: 1.0 }"),
        '{"results": [ 0.2, 0.9, 1.0 ]}',
        False,
    ),
    (
        "JsonFromRegressionResultWithNonFinite",
        regression_pb2.RegressionResult,
        (
            "regressions { value: 0.2 } regressions { value: Infinity } "
            "regressions { value: 1.0 } regressions { value: -Infinity } "
            "regressions { value: NaN }"
        ),
        '{"results": [ 0.2, Infinity, 1.0, -Infinity, NaN ]}',
        True,
    ),
]
RESULT_WRITERS = {
    classification_pb2.ClassificationResult: examples.classification_json,
    regression_pb2.RegressionResult: examples.regression_json,
}


@pytest.mark.parametrize(
    "name,message_type,proto_text,expected,as_text", RESULTS, ids=[case[0] for case in RESULTS]
)
def test_results_are_written_as_tf_serving_writes_them(
    name, message_type, proto_text, expected, as_text
):
    result = text_format.Parse(proto_text, message_type())
    got = RESULT_WRITERS[message_type](result)
    assert same_json(got, expected, numbers_as_text=as_text), got


@pytest.mark.parametrize(
    "message_type,message",
    [
        # JsonFromResultErrors
        (classification_pb2.ClassificationResult, "empty ClassificationResults"),
        (regression_pb2.RegressionResult, "empty RegressionResults"),
    ],
)
def test_empty_results_get_tf_serving_error(message_type, message):
    with pytest.raises(ServingError) as raised:
        RESULT_WRITERS[message_type](message_type())
    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert message in raised.value.message


# ------------------------------------------- http_rest_api_handler_test.cc

MODEL = "saved_model_half_plus_two_2_versions"
VERSION = 123
LABEL = "Version_Label"
CONFIG = """model_config_list {{ config {{
  name: "{name}" base_path: "{base}" model_platform: "tensorflow"
  model_version_policy {{ specific {{ versions: {version} }} }}
  version_labels {{ key: "{label}" value: {version} }}
}} }}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("tf_serving_cases")
    export_half_plus_two(root / "half_plus_two" / f"{VERSION:08d}")
    config_file = root / "models.config"
    config_file.write_text(
        CONFIG.format(name=MODEL, base=root / "half_plus_two", version=VERSION, label=LABEL)
    )
    models = parse_model_config_file(config_file)
    with serve(root, discover_root=None, models=models) as running:
        yield running


def test_only_v1_paths_reach_the_api(server):
    # kPathRegex: /v1/models is the API's; /statuspage and /index are not.
    status, _, text = http("GET", f"{server.rest}/v1/models")
    assert (status, json.loads(text)) == (400, {"error": "Missing model name in request."})
    for path in ("/statuspage", "/index"):
        assert http("GET", f"{server.rest}{path}")[0] == 404


UINT64_MAX = 2**64 - 1
UNSUPPORTED_CALLS = [
    # UnsupportedApiCalls: method, path, part of the message (all 400)
    ("GET", "/v1/foo", "Malformed request"),
    ("POST", "/v1/foo", "Malformed request"),
    ("GET", "/v1/models", "Missing model name"),
    ("GET", "/v1/models/debug/model_name", "Malformed request"),
    ("POST", "/v1/models", "Malformed request"),
    ("GET", "/v1/models/foo:predict", "Malformed request"),
    ("GET", "/v1/models/foo/version/50:predict", "Malformed request"),
    ("POST", "/v1/models/foo/version/50:regress", "Malformed request"),
    ("POST", "/v1/models/foo/versions/HELLO:regress", "Malformed request"),
    ("POST", f"/v1/models/foo/versions/{UINT64_MAX}:regress", "Failed to convert version"),
    ("POST", "/v1/models/foo/metadata", "Malformed request"),
    ("POST", "/v1/models/foo/label/some_label:regress", "Malformed request"),
    ("POST", "/v1/models/foo/versions/50/labels/some_label:regress", "Malformed request"),
    ("POST", "/v1/models/foo/versions/some_label:regress", "Malformed request"),
]


@pytest.mark.parametrize(
    "method,path,message", UNSUPPORTED_CALLS, ids=[f"{c[0]} {c[1]}" for c in UNSUPPORTED_CALLS]
)
def test_unsupported_call_gets_tf_serving_error(server, method, path, message):
    status, _, text = http(method, f"{server.rest}{path}", "" if method == "POST" else None)
    assert status == 400
    assert message in json.loads(text)["error"]


@pytest.mark.parametrize(
    "path",
    [
        # PredictModelNameVersionErrors
        "/v1/models/foo:predict",
        "/v1/models/foo/versions/50:predict",
        f"/v1/models/{MODEL}99:predict",
    ],
)
def test_unknown_model_or_version_is_not_found(server, path):
    status, _, text = http("POST", f"{server.rest}{path}", '{ "instances": [1] }')
    assert status == 404
    assert "error" in json.loads(text)


PREDICT_PATH = f"/v1/models/{MODEL}:predict"
PREDICT_REQUEST_HTTP_ERRORS = [
    # PredictRequestErrors: path, body, part of the message (all 400)
    (PREDICT_PATH, "", "JSON Parse error: The document is empty"),
    (PREDICT_PATH, "instances = [1, 2]", "JSON Parse error: Invalid value"),
    (PREDICT_PATH, '{ "instances": ["x", "y"] }', "not of expected type: float"),
    (
        f"/v1/models/{MODEL}/labels/Version_Nonexistent:predict",
        '{ "instances": ["x", "y"] }',
        "Unrecognized servable version label",
    ),
    (PREDICT_PATH, '{ "signature_name": 100 }', "'signature_name' key must be a string value."),
    # json_tensor_test.cc's DeeplyNestedMalformed, through the handler.
    (
        PREDICT_PATH,
        '{"signature_name":' + "[" * DEEP + "]" * DEEP + "}",
        "key must be a string value",
    ),
]


@pytest.mark.parametrize(
    "path,body,message",
    PREDICT_REQUEST_HTTP_ERRORS,
    ids=["empty", "malformed", "type", "label", "signature", "deeply nested"],
)
def test_bad_predict_call_gets_tf_serving_error(server, path, body, message):
    status, headers, text = http("POST", f"{server.rest}{path}", body)
    assert status == 400
    assert headers["Content-Type"] == "application/json"
    assert message in json.loads(text)["error"]


@pytest.mark.parametrize(
    "path",
    [
        # Regress: latest, a version, a version label
        f"/v1/models/{MODEL}:regress",
        f"/v1/models/{MODEL}/versions/{VERSION}:regress",
        f"/v1/models/{MODEL}/labels/{LABEL}:regress",
    ],
)
def test_regress(server, path):
    status, headers, text = http(
        "POST",
        f"{server.rest}{path}",
        '{"signature_name": "regress_x_to_y", "examples": [ { "x": 80.0 } ] }',
    )
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert same_json(text, '{ "results": [42] }'), text


@pytest.mark.parametrize(
    "path,x,expected",
    [
        # Classify: latest, a version label
        (f"/v1/models/{MODEL}:classify", 20.0, '{ "results": [[["", 12]]] }'),
        (f"/v1/models/{MODEL}/labels/{LABEL}:classify", 10.0, '{ "results": [[["", 7]]] }'),
    ],
)
def test_classify(server, path, x, expected):
    status, headers, text = http(
        "POST",
        f"{server.rest}{path}",
        f'{{"signature_name": "classify_x_to_y", "examples": [ {{ "x": {x} }} ] }}',
    )
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert same_json(text, expected), text


@pytest.mark.parametrize(
    "path",
    [
        # GetStatus: every version, a version, a version label
        f"/v1/models/{MODEL}",
        f"/v1/models/{MODEL}/versions/{VERSION}",
        f"/v1/models/{MODEL}/labels/{LABEL}",
    ],
)
def test_get_status(server, path):
    status, headers, text = http("GET", f"{server.rest}{path}")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert same_json(
        text,
        """{"model_version_status": [{"version": "123",
        "state": "AVAILABLE", "status": {"error_code": "OK",
        "error_message": ""}}]}""",
    ), text


def tensor_info(name, dtype, dims):
    """One TensorInfo as TF Serving's metadata JSON prints it; `dims` None
    means unknown rank."""
    return {
        "dtype": dtype,
        "name": name,
        "tensor_shape": {
            "dim": [{"size": str(d), "name": ""} for d in dims or []],
            "unknown_rank": dims is None,
        },
    }


def signature_def(method, inputs, outputs):
    return {
        "inputs": inputs,
        "outputs": outputs,
        "defaults": {},
        "method_name": f"tensorflow/serving/{method}",
    }


EXAMPLES_IN = {"inputs": tensor_info("tf_example:0", "DT_STRING", None)}
X2_IN = {"inputs": tensor_info("x2:0", "DT_FLOAT", [-1, 1])}


def column(name):
    return tensor_info(name, "DT_FLOAT", [-1, 1])


# The content of TF Serving's saved_model_half_plus_two_2_versions_metadata.json.
HALF_PLUS_TWO_METADATA = {
    "model_spec": {"name": MODEL, "signature_name": "", "version": "123"},
    "metadata": {
        "signature_def": {
            "signature_def": {
                "regress_x2_to_y3": signature_def("regress", X2_IN, {"outputs": column("y3:0")}),
                "serving_default": signature_def(
                    "predict", {"x": column("x:0")}, {"y": column("y:0")}
                ),
                "classify_x_to_y": signature_def(
                    "classify", EXAMPLES_IN, {"scores": column("y:0")}
                ),
                "classify_x2_to_y3": signature_def("classify", X2_IN, {"scores": column("y3:0")}),
                "regress_x_to_y2": signature_def(
                    "regress", EXAMPLES_IN, {"outputs": column("y2:0")}
                ),
                "regress_x_to_y": signature_def("regress", EXAMPLES_IN, {"outputs": column("y:0")}),
            }
        }
    },
}


def test_get_model_metadata(server):
    # GetModelMetadata
    status, headers, text = http("GET", f"{server.rest}/v1/models/{MODEL}/metadata")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(text) == HALF_PLUS_TWO_METADATA


# ------------------------------------------------------- known differences

KNOWN_DIFFERENCES = {
    "http_rest_api_handler_test.cc Predict": (
        "TF Serving feeds a request tensor into the graph by name, whatever "
        "its shape: its test sends [[1.0, 2.0], [3.0, 4.0]] and [1.0, 2.0] to "
        "half_plus_two, whose signature declares x as [-1, 1]. zoo.serving "
        "runs signatures as TensorFlow functions and checks each input's "
        "shape against the signature first, answering 400 with the shape "
        "expected; the same numbers in the declared shape get TF Serving's "
        "answers in that shape."
    ),
    "json_tensor_test.cc MakeJsonFromTensors.StatusOK": (
        "No counterpart: TF Serving's MakeJsonFromStatus writes nothing for "
        "an OK status; zoo.serving writes an error body only for errors."
    ),
}

PREDICT_CASES = [
    # Predict: path, body, expected answer
    (
        f"/v1/models/{MODEL}:predict",
        '{"instances": [[1.0, 2.0], [3.0, 4.0]]}',
        '{ "predictions": [[2.5, 3.0], [3.5, 4.0]] }',
    ),
    (
        f"/v1/models/{MODEL}/versions/{VERSION}:predict",
        '{"instances": [1.0, 2.0]}',
        '{ "predictions": [2.5, 3.0] }',
    ),
    (
        f"/v1/models/{MODEL}/labels/{LABEL}:predict",
        '{"instances": [1.0, 2.0]}',
        '{ "predictions": [2.5, 3.0] }',
    ),
    (
        f"/v1/models/{MODEL}/versions/{VERSION}:predict",
        '{"signature_name": "serving_default", "instances": [3.0, 4.0]}',
        '{ "predictions": [3.5, 4.0] }',
    ),
    (
        f"/v1/models/{MODEL}/versions/{VERSION}:predict",
        '{"signature_name": "serving_default", "inputs": [3.0, 4.0]}',
        '{ "outputs": [3.5, 4.0] }',
    ),
]


def as_column(doc):
    """Reshapes the one tensor of a predict request or answer to [-1, 1]."""
    key = next(k for k in ("instances", "inputs", "predictions", "outputs") if k in doc)
    return {**doc, key: np.reshape(doc[key], (-1, 1)).tolist()}


@pytest.mark.parametrize(
    "path,body,expected", PREDICT_CASES, ids=["latest", "version", "label", "signature", "columnar"]
)
def test_predict_checks_shapes_where_tf_serving_does_not(server, path, body, expected):
    # KNOWN_DIFFERENCES["http_rest_api_handler_test.cc Predict"]
    status, _, text = http("POST", f"{server.rest}{path}", body)
    shape = list(np.shape(json.loads(body).get("instances", json.loads(body).get("inputs"))))
    assert (status, json.loads(text)) == (
        400,
        {
            "error": (
                f"input 'x' of signature 'serving_default' has shape "
                f"[{','.join(map(str, shape))}] but the signature expects [-1,1] "
                "(-1 is any size). Check the request against the model's metadata."
            )
        },
    )
    status, headers, text = http("POST", f"{server.rest}{path}", as_column(json.loads(body)))
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(text) == as_column(json.loads(expected))
