"""Large request bodies and messages: read exactly, answered in TF Serving's
layout, and refused beyond the size limits.

Speed and memory are measured by `benchmarks/serving.py --large-body`; here
the large-body paths are checked for what they answer.
"""

import json

import grpc
import numpy as np
import pytest
import tensorflow as tf
from serving_helpers import (
    ECHO,
    HALF,
    HANG_GUARD_SECONDS,
    exported_models,
    http,
    serve,
)
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from zoo.serving import numeric_json
from zoo.serving.config import ModelConfig

ROWS = 30_000  # about 1 MB of JSON: the large-body path


@pytest.fixture(scope="module")
def server():
    models = [ModelConfig(name=n, base_path=str(exported_models() / n)) for n in (HALF, ECHO)]
    with serve(discover_root=None, models=models, grpc_max_request_bytes=1 << 20) as running:
        yield running


@pytest.fixture
def numeric_reads(monkeypatch):
    """Counts the tensors read by the large-array reader."""
    reads = []
    read = numeric_json.NumericText.read

    def counted(self, dtype, deadline=None):
        array = read(self, dtype, deadline)
        reads.append(array is not None)
        return array

    monkeypatch.setattr(numeric_json.NumericText, "read", counted)
    return reads


def _rows(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((ROWS, 3)) * 100).astype(np.float32)


@pytest.mark.parametrize("key,answer", [("instances", "predictions"), ("inputs", "outputs")])
def test_large_bodies_are_read_and_answered_exactly(server, numeric_reads, key, answer):
    rows = _rows()
    status, _, text = http("POST", f"{server.rest}/v1/models/{HALF}:predict", {key: rows.tolist()})
    assert status == 200
    assert numeric_reads == [True]
    expected = rows * np.float32(0.5) + np.float32(2.0)
    np.testing.assert_array_equal(np.asarray(json.loads(text)[answer], np.float32), expected)
    # The answer's text is TF Serving's, value for value.
    small = http("POST", f"{server.rest}/v1/models/{HALF}:predict", {key: rows[:2].tolist()})[2]
    assert text.startswith(small[: small.index("]") - 1])


def test_large_images_keep_their_shape_and_values(server, numeric_reads):
    # Each image is a large array of its own (its rows are too long to read
    # the batch as one), read one by one into one tensor.
    images = np.random.default_rng(1).random((4, 64, 64, 3), np.float32)
    status, _, text = http(
        "POST",
        f"{server.rest}/v1/models/{ECHO}:predict",
        {"signature_name": "floats", "inputs": images.tolist()},
    )
    assert status == 200 and numeric_reads == [True] * 4
    np.testing.assert_array_equal(np.asarray(json.loads(text)["outputs"], np.float32), images)


def test_large_bodies_the_fast_reader_leaves_get_the_exact_answers(server, numeric_reads):
    rows = _rows().tolist()
    rows[-1][0] = float("nan")  # NaN is JSON to TF Serving, not to NumPy
    status, _, text = http(
        "POST", f"{server.rest}/v1/models/{HALF}:predict", json.dumps({"instances": rows})
    )
    assert status == 200 and numeric_reads == []
    assert json.loads(text)["predictions"][-1][0] != json.loads(text)["predictions"][-1][0]
    rows[-1] = [1.0, 2.0]  # ragged
    status, _, text = http(
        "POST", f"{server.rest}/v1/models/{HALF}:predict", json.dumps({"instances": rows})
    )
    assert (status, json.loads(text)) == (
        400,
        {
            "error": (
                f"Failed to process element: {ROWS - 1} of 'instances' list. Error: "
                "INVALID_ARGUMENT: Expecting tensor size: 3 but got: 2"
            )
        },
    )


def _grpc_predict(server, rows):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = HALF
    request.inputs["x"].CopyFrom(tf.make_tensor_proto(rows))
    with grpc.insecure_channel(
        server.grpc_target,
        options=[("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)],
    ) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        return stub.Predict(request, timeout=HANG_GUARD_SECONDS), request


def test_grpc_requests_over_the_limit_get_resource_exhausted(server):
    rows = np.ones((60_000, 3), np.float32)  # 720 KB: under the 1 MiB limit
    response, request = _grpc_predict(server, rows)
    assert request.ByteSize() < 1 << 20
    assert len(response.outputs["output_0"].float_val) == rows.size
    rows = np.ones((100_000, 3), np.float32)  # 1.2 MB: over it
    with pytest.raises(grpc.RpcError) as raised:
        _grpc_predict(server, rows)
    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "larger than max" in raised.value.details()
    # The server goes on answering.
    assert _grpc_predict(server, rows[:2])[0].outputs["output_0"].float_val
