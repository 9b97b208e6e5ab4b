"""Server-side batching, its full-queue answer, and the request timeout."""

import concurrent.futures
import json

import grpc
import numpy as np
import pytest
import tensorflow as tf
from serving_helpers import SLOW, exported_models, http, serve, wait_for
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from zoo.serving.config import (
    BatchingOptions,
    ModelConfig,
    parse_batching_parameters_file,
)


def _slow_server(**overrides):
    slow = ModelConfig(name=SLOW, base_path=str(exported_models() / SLOW))
    return serve(discover_root=None, models=[slow], **overrides)


def _wait(server, seconds):
    status, _, text = http(
        "POST", f"{server.rest}/v1/models/{SLOW}:predict", {"instances": [seconds]}
    )
    return status, json.loads(text)


def _concurrently(function, arguments):
    with concurrent.futures.ThreadPoolExecutor(len(arguments)) as pool:
        return list(pool.map(function, arguments))


def test_concurrent_requests_are_merged_into_one_model_call():
    options = BatchingOptions(
        max_batch_size=8,
        batch_timeout_micros=5_000_000,
        max_enqueued_batches=4,
        num_batch_threads=1,
    )
    with _slow_server(batching=options) as server:
        sent = [0.001 * i for i in range(8)]
        answers = _concurrently(lambda s: _wait(server, s), sent)
        assert [status for status, _ in answers] == [200] * 8
        rows = [body["predictions"][0] for _, body in answers]
        assert [row["batch_size"] for row in rows] == [8] * 8
        assert [row["waited"] for row in rows] == pytest.approx(sent)

        with grpc.insecure_channel(server.grpc_target) as channel:
            request = predict_pb2.PredictRequest()
            request.model_spec.name = SLOW
            request.inputs["seconds"].CopyFrom(tf.make_tensor_proto(np.zeros(8, np.float32)))
            response = prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(
                request, timeout=30
            )
        assert list(response.outputs["batch_size"].int_val) == [8] * 8

        status, body = http(
            "POST", f"{server.rest}/v1/models/{SLOW}:predict", {"instances": [0.0] * 9}
        )[::2]
        assert status == 400
        assert json.loads(body)["error"].startswith(
            "Task size 9 is larger than maximum input batch size 8"
        )


def test_full_queue_answers_503_and_the_server_recovers():
    options = BatchingOptions(
        max_batch_size=1, batch_timeout_micros=0, max_enqueued_batches=1, num_batch_threads=1
    )
    with _slow_server(batching=options) as server:
        answers = _concurrently(lambda s: _wait(server, s), [0.5] * 6)
        statuses = [status for status, _ in answers]
        assert 200 in statuses and 503 in statuses
        refused = [body for status, body in answers if status == 503]
        assert refused[0]["error"].startswith(
            "The batch scheduling queue to which this task was submitted is full"
        )
        assert _wait(server, 0.0)[0] == 200


def test_request_over_the_time_limit_gets_504_and_the_server_goes_on():
    with _slow_server(timeout_seconds=0.3) as server:
        status, body = _wait(server, 0.8)
        assert status == 504
        assert body == {
            "error": "Deadline exceeded: the request took longer "
            "than 300 ms. Send fewer rows per request or "
            "raise --rest-api-timeout-in-ms."
        }
        with grpc.insecure_channel(server.grpc_target) as channel:
            request = predict_pb2.PredictRequest()
            request.model_spec.name = SLOW
            request.inputs["seconds"].CopyFrom(tf.make_tensor_proto(np.ones(1, np.float32)))
            with pytest.raises(grpc.RpcError) as raised:
                prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(
                    request, timeout=30
                )
        assert raised.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        # The abandoned model calls run to their end (TensorFlow cannot stop
        # a running graph) and hold the CPU until then.
        wait_for(lambda: _wait(server, 0.0)[0] == 200, timeout=10)


def test_batching_parameters_file_uses_tf_serving_names_and_defaults(tmp_path):
    path = tmp_path / "batching.config"
    path.write_text("max_batch_size { value: 64 }\nbatch_timeout_micros { value: 500 }\n")
    options = parse_batching_parameters_file(path)
    assert (options.max_batch_size, options.batch_timeout_micros, options.max_enqueued_batches) == (
        64,
        500,
        10,
    )
    assert parse_batching_parameters_file(None).max_batch_size == 1000
    path.write_text("allowed_batch_sizes: 8\n")
    with pytest.raises(ValueError, match="Supported fields: max_batch_size"):
        parse_batching_parameters_file(path)
    path.write_text("max_batch_size { value: 0 }\n")
    with pytest.raises(ValueError, match="max_batch_size must be positive"):
        parse_batching_parameters_file(path)
