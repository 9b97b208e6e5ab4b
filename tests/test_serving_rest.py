"""The REST API through a real HTTP client on 127.0.0.1: the zoo's own test
models, and the messages TensorFlow Serving's source writes for each fault.
TF Serving's own test cases are in test_serving_tf_serving_cases.py."""

import base64
import gzip
import json

import pytest
from serving_helpers import HALF, MULTI, SCORER, TEXT, http, post_gzip, serve


@pytest.fixture(scope="module")
def server():
    with serve() as running:
        yield running


def test_model_status_matches_tf_serving(server):
    status, headers, text = http("GET", f"{server.rest}/v1/models/{HALF}")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(text) == {
        "model_version_status": [
            {
                "version": "1",
                "state": "AVAILABLE",
                "status": {"error_code": "OK", "error_message": ""},
            }
        ]
    }
    status, _, text = http("GET", f"{server.rest}/v1/models/{HALF}/versions/1")
    assert status == 200
    assert json.loads(text)["model_version_status"][0]["version"] == "1"


def test_metadata_is_nested_with_string_dims_and_enum_dtypes(server):
    status, _, text = http("GET", f"{server.rest}/v1/models/{HALF}/metadata")
    assert status == 200
    body = json.loads(text)
    assert body["model_spec"] == {"name": HALF, "signature_name": "", "version": "1"}
    signatures = body["metadata"]["signature_def"]["signature_def"]
    assert {"serving_default", "plus_one"} <= set(signatures)
    default = signatures["serving_default"]
    assert default["method_name"] == "tensorflow/serving/predict"
    assert default["defaults"] == {}
    x = default["inputs"]["x"]
    assert x["dtype"] == "DT_FLOAT"
    assert [d["size"] for d in x["tensor_shape"]["dim"]] == ["-1", "3"]
    status, _, text = http("GET", f"{server.rest}/v1/models/{HALF}/versions/1/metadata")
    assert status == 200 and json.loads(text)["model_spec"]["version"] == "1"


def test_columnar_format_and_version_path(server):
    url = f"{server.rest}/v1/models/{HALF}/versions/1:predict"
    status, _, text = http("POST", url, {"inputs": [[1.0, 2.0, 5.0]]})
    assert status == 200
    assert json.loads(text) == {"outputs": [[2.5, 3.0, 4.5]]}
    assert "2.5" in text and "3.0" in text


def test_multiple_inputs_and_outputs_in_both_formats(server):
    url = f"{server.rest}/v1/models/{MULTI}:predict"
    status, _, text = http(
        "POST", url, {"instances": [{"a": [1.0, 2.0], "b": 3}, {"a": [0.5, 0.25], "b": -1}]}
    )
    assert status == 200
    assert json.loads(text) == {
        "predictions": [{"sum": [3.0], "twice": 6.0}, {"sum": [0.75], "twice": -2.0}]
    }
    status, _, text = http("POST", url, {"inputs": {"a": [[1.0, 2.0]], "b": [4]}})
    assert status == 200
    assert json.loads(text) == {"outputs": {"sum": [[3.0]], "twice": [8.0]}}


def test_signature_name_selects_another_signature(server):
    status, _, text = http(
        "POST",
        f"{server.rest}/v1/models/{HALF}:predict",
        {"signature_name": "plus_one", "instances": [[0.0, 2.0, 4.0]]},
    )
    assert status == 200
    assert json.loads(text) == {"predictions": [[3.0, 4.0, 5.0]]}


def test_strings_in_b64_and_bytes_outputs_in_b64(server):
    word = "héllo".encode()
    status, _, text = http(
        "POST",
        f"{server.rest}/v1/models/{TEXT}:predict",
        {"instances": [{"b64": base64.b64encode(word).decode()}, "abc"]},
    )
    assert status == 200
    rows = json.loads(text)["predictions"]
    assert [r["length"] for r in rows] == [len(word), 3]
    assert base64.b64decode(rows[0]["text_bytes"]["b64"]) == "HéLLO".encode()
    assert base64.b64decode(rows[1]["text_bytes"]["b64"]) == b"ABC"


def test_nan_and_infinity_round_trip(server):
    status, _, text = http(
        "POST",
        f"{server.rest}/v1/models/{HALF}:predict",
        '{"instances": [[NaN, Infinity, -Infinity]]}',
    )
    assert status == 200
    assert "[NaN, Infinity, -Infinity]" in text


def test_gzip_body_and_case_insensitive_path(server):
    status, _, text = post_gzip(
        f"{server.rest}/V1/MODELS/{HALF}:PREDICT", {"instances": [[2.0, 2.0, 2.0]]}
    )
    assert status == 200
    assert json.loads(text) == {"predictions": [[3.0, 3.0, 3.0]]}


def test_health_and_readiness(server):
    status, _, text = http("GET", f"{server.rest}/healthz")
    assert status == 200 and json.loads(text) == {"status": "alive"}
    status, _, text = http("GET", f"{server.rest}/readyz")
    body = json.loads(text)
    assert status == 200 and body["ready"] is True
    assert body["in_flight_requests"] == 0
    assert body["models"][HALF]["available_versions"] == ["1"]


ROW_ERROR = "Failed to process element: {} of 'instances' list. Error: {}"

BAD_REQUESTS = [
    (
        "malformed json",
        HALF,
        "instances = [1, 2]",
        400,
        "JSON Parse error: Invalid value. at offset: 0",
    ),
    (
        "truncated json",
        HALF,
        '{"instances": [[1, 2, 3]',
        400,
        ("JSON Parse error: Missing a comma or ']' after an array element. at offset: 24"),
    ),
    ("empty body", HALF, "", 400, "JSON Parse error: The document is empty"),
    ("not an object", HALF, "[1]", 400, "JSON Value: [1] Is not object"),
    (
        "neither key",
        HALF,
        {"signature_name": "serving_default"},
        400,
        "Missing 'inputs' or 'instances' key",
    ),
    (
        "wrong input name",
        MULTI,
        {"instances": [{"a": [1, 2], "c": 3}]},
        400,
        ROW_ERROR.format("0 key: c", "INVALID_ARGUMENT: JSON object: does not have named input: c"),
    ),
    (
        "missing named input",
        MULTI,
        {"inputs": {"a": [[1.0, 2.0]]}},
        400,
        "Missing named input: b in 'inputs' object.",
    ),
    (
        "plain rows for two inputs",
        MULTI,
        {"instances": [[1, 2]]},
        400,
        (
            "instances is a plain list, but expecting list of objects as multiple "
            "input tensors required as per tensorinfo_map"
        ),
    ),
    (
        "ragged rows",
        HALF,
        {"instances": [[1, 2, 3], [1, 2]]},
        400,
        ROW_ERROR.format(1, "INVALID_ARGUMENT: Expecting tensor size: 3 but got: 2"),
    ),
    (
        "wrong dtype",
        HALF,
        {"instances": [["a", "b", "c"]]},
        400,
        ROW_ERROR.format(
            0, 'INVALID_ARGUMENT: JSON Value: "a" Type: String is not of expected type: float'
        ),
    ),
    (
        "wrong shape",
        HALF,
        {"instances": [[1.0, 2.0]]},
        400,
        (
            "input 'x' of signature 'serving_default' has shape [1,2] but the "
            "signature expects [-1,3] (-1 is any size). Check the request against "
            "the model's metadata."
        ),
    ),
    (
        "unknown model",
        "nope",
        {"instances": [[1.0, 2.0, 3.0]]},
        404,
        "Servable not found for request: Latest(nope)",
    ),
    (
        "unknown version",
        f"{HALF}/versions/9",
        {"instances": [[1, 2, 3]]},
        404,
        "Servable not found for request: Specific(half, 9)",
    ),
    (
        "unknown label",
        f"{HALF}/labels/stable",
        {"instances": [[1, 2, 3]]},
        400,
        "Unrecognized servable version label: stable",
    ),
    (
        "unknown signature",
        HALF,
        {"signature_name": "nope", "instances": [[1, 2, 3]]},
        400,
        'Serving signature name: "nope" not found in signature def',
    ),
    (
        "invalid b64",
        TEXT,
        {"instances": [{"b64": "!!!"}]},
        400,
        ROW_ERROR.format(0, "INVALID_ARGUMENT: Unable to base64 decode"),
    ),
]


@pytest.mark.parametrize(
    "name,model,body,status,message", BAD_REQUESTS, ids=[case[0] for case in BAD_REQUESTS]
)
def test_bad_request_gets_exact_status_and_message(server, name, model, body, status, message):
    got, headers, text = http("POST", f"{server.rest}/v1/models/{model}:predict", body)
    assert (got, json.loads(text)) == (status, {"error": message})
    assert headers["Content-Type"] == "application/json"
    ok, _, _ = http(
        "POST", f"{server.rest}/v1/models/{HALF}:predict", {"instances": [[1.0, 1.0, 1.0]]}
    )
    assert ok == 200


def test_both_keys_and_bad_signature_name_quote_the_document(server):
    url = f"{server.rest}/v1/models/{HALF}:predict"
    status, _, text = http("POST", url, {"instances": [[1, 2, 3]], "inputs": [[1, 2, 3]]})
    message = json.loads(text)["error"]
    assert status == 400
    assert message.startswith('JSON Value: {\n    "instances": [')
    assert message.endswith(
        "Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist "
    )
    status, _, text = http("POST", url, {"signature_name": 100, "instances": [[1, 2, 3]]})
    assert status == 400
    assert json.loads(text)["error"].endswith(
        "not formatted correctly. 'signature_name' key must be a string value."
    )


@pytest.mark.parametrize(
    "method,path,status,message",
    [
        ("GET", "/v1/foo", 400, "Malformed request: GET /v1/foo"),
        ("GET", "/v1/models", 400, "Missing model name in request."),
        (
            "GET",
            f"/v1/models/{HALF}:predict",
            400,
            f"Malformed request: GET /v1/models/{HALF}:predict",
        ),
        (
            "POST",
            f"/v1/models/{HALF}/metadata",
            400,
            f"Malformed request: POST /v1/models/{HALF}/metadata",
        ),
        ("GET", "/v1/models/nope", 404, "Could not find any versions of model nope"),
        ("GET", f"/v1/models/{HALF}/versions/7", 404, "Could not find version 7 of model half"),
        ("GET", "/v1/models/nope/metadata", 404, "Servable not found for request: Latest(nope)"),
    ],
)
def test_bad_paths(server, method, path, status, message):
    got, _, text = http(method, f"{server.rest}{path}", b"{}" if method == "POST" else None)
    assert (got, json.loads(text)) == (status, {"error": message})


def test_classify_needs_a_classification_signature(server):
    status, _, text = http(
        "POST", f"{server.rest}/v1/models/{HALF}:classify", {"examples": [{"x": 1.0}]}
    )
    assert status == 400
    assert json.loads(text)["error"].startswith(
        "Expected classification signature method_name to be "
        "tensorflow/serving/classify. Was: tensorflow/serving/predict."
    )


def test_oversized_and_gzip_bomb_bodies_get_413():
    with serve(max_body_bytes=4096) as small:
        url = f"{small.rest}/v1/models/{HALF}:predict"
        big = {"instances": [[1.0, 2.0, 3.0]] * 1000}
        status, _, text = http("POST", url, big)
        assert status == 413
        message = json.loads(text)["error"]
        assert message.startswith("Request body too large (")
        assert "the limit is 4096 bytes after decompression" in message
        status, _, text = post_gzip(url, big)
        assert len(gzip.compress(json.dumps(big).encode())) < 4096
        assert status == 413
        assert "the limit is 4096 bytes" in json.loads(text)["error"]
        status, _, _ = http("POST", url, {"instances": [[1.0, 2.0, 3.0]]})
        assert status == 200


def test_classify_and_regress_on_tf_example_signatures(server):
    url = f"{server.rest}/v1/models/{SCORER}"
    status, _, text = http(
        "POST",
        f"{url}:classify",
        {"signature_name": "classify_x", "examples": [{"x": 0.25}, {"x": 1.0}]},
    )
    assert status == 200
    assert text == (
        '{\n    "results": [[["yes", 0.25], ["no", 0.75]], [["yes", 1.0], ["no", 0.0]]\n    ]\n}'
    )
    status, _, text = http(
        "POST",
        f"{url}:regress",
        {"signature_name": "regress_x", "context": {"x": 9.0}, "examples": [{"x": 0.5}, {}]},
    )
    assert status == 200
    assert text == '{\n    "results": [2.0, 19.0]\n}'
    status, _, text = http("POST", f"{url}:regress", {"signature_name": "regress_x"})
    assert status == 400
    assert json.loads(text)["error"].endswith(
        "When method is regress, key 'examples' is expected and was not found"
    )
