"""Prometheus metrics under TF Serving's names, read back with
prometheus_client's own text parser."""

import random
import string
import urllib.parse
from http.client import HTTPConnection

import grpc
import numpy as np
import pytest
import tensorflow as tf
from prometheus_client.parser import text_string_to_metric_families
from serving_helpers import HALF, SCORER, exported_models, http, serve
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from zoo.serving.config import BatchingOptions, ModelConfig
from zoo.serving.metrics import DEFAULT_PATH, exponential_buckets

PATH = "/custom/metrics"


@pytest.fixture(scope="module")
def server():
    models = [ModelConfig(name=n, base_path=str(exported_models() / n)) for n in (HALF, SCORER)]
    with serve(
        discover_root=None,
        models=models,
        metrics_path=PATH,
        batching=BatchingOptions(max_batch_size=8),
    ) as running:
        yield running


def _page(server):
    status, headers, text = http("GET", f"{server.rest}{PATH}")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return {family.name: family for family in text_string_to_metric_families(text)}


def _values(family, suffix=""):
    """{label values (sorted by name): value} of a family's samples."""
    return {
        tuple(sorted(s.labels.items())): s.value
        for s in family.samples
        if s.name == family.name + suffix
    }


def _grpc_predict(server, model, rows):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model
    request.inputs["x"].CopyFrom(tf.make_tensor_proto(np.asarray(rows, np.float32)))
    with grpc.insecure_channel(server.grpc_target) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        try:
            stub.Predict(request, timeout=60)
        except grpc.RpcError as error:
            return error.code()
        return grpc.StatusCode.OK


def test_requests_model_calls_batches_and_loads_are_counted(server):
    predict = f"{server.rest}/v1/models/{HALF}:predict"
    assert http("POST", predict, {"instances": [[1.0, 2.0, 3.0]]})[0] == 200
    assert http("POST", predict, {"instances": [[1.0]]})[0] == 400
    assert http("POST", f"{server.rest}/v1/models/nope:predict", {"instances": [[1.0]]})[0] == 404
    assert http("GET", f"{server.rest}/v1/models/{HALF}")[0] == 200
    assert (
        http(
            "POST",
            f"{server.rest}/v1/models/{SCORER}:classify",
            {"signature_name": "classify_x", "examples": [{"x": 0.5}]},
        )[0]
        == 200
    )
    assert _grpc_predict(server, HALF, [[1.0, 2.0, 3.0]]) == grpc.StatusCode.OK
    assert _grpc_predict(server, HALF, [[1.0]]) == grpc.StatusCode.INVALID_ARGUMENT

    families = _page(server)
    count = families[":tensorflow:serving:request_count"]
    assert _values(count) == {
        (("model_name", HALF), ("status", "OK")): 3.0,
        (("model_name", HALF), ("status", "INVALID_ARGUMENT")): 2.0,
        # A model the server does not serve is counted without its name.
        (("model_name", ""), ("status", "NOT_FOUND")): 1.0,
        (("model_name", SCORER), ("status", "OK")): 1.0,
    }
    # Latencies of successful requests, by API and entry point as TF
    # Serving labels them (the REST API is the method in the path, empty
    # for status and metadata).
    latency = families[":tensorflow:serving:request_latency"]
    assert latency.type == "histogram"
    assert _values(latency, "_count") == {
        (("API", "predict"), ("entrypoint", "REST"), ("model_name", HALF)): 1,
        (("API", ""), ("entrypoint", "REST"), ("model_name", HALF)): 1,
        (("API", "classify"), ("entrypoint", "REST"), ("model_name", SCORER)): 1,
        (("API", "Predict"), ("entrypoint", "GRPC"), ("model_name", HALF)): 1,
    }
    buckets = [
        s.labels["le"]
        for s in latency.samples
        if s.name.endswith("_bucket") and s.labels["API"] == "Predict"
    ]
    assert buckets == [f"{b:.6g}" for b in exponential_buckets(10, 1.8, 33)] + ["+Inf"]
    runtime = families[":tensorflow:serving:runtime_latency"]
    assert _values(runtime, "_count") == {
        (("API", "Predict"), ("model_name", HALF), ("runtime", "TF1")): 2,
        (("API", "Classify"), ("model_name", SCORER), ("runtime", "TF1")): 1,
    }
    # With batching on, each model call is a batch.
    assert _values(families[":tensorflow:serving:batching_session:wrapped_run_count"]) == {(): 3}
    queuing = families[":tensorflow:serving:batching_session:queuing_latency"]
    assert _values(queuing, "_count") == {(("thread_pool_name", "batch_threads"),): 3}
    # Each version loaded once, successfully, and was warmed up.
    loads = _values(families[":tensorflow:cc:saved_model:load_attempt_count"])
    assert loads == {
        (("model_path", str(exported_models() / m / "1")), ("status", "success")): 1
        for m in (HALF, SCORER)
    }
    assert all(v > 0 for v in _values(families[":tensorflow:cc:saved_model:load_latency"]).values())
    assert set(
        _values(families[":tensorflow:serving:model_warmup_latency"], "_count").values()
    ) == {1}


def test_the_page_is_only_served_when_enabled():
    with serve(
        discover_root=None, models=[ModelConfig(name=HALF, base_path=str(exported_models() / HALF))]
    ) as server:
        status, _, _ = http("GET", f"{server.rest}{DEFAULT_PATH}")
        assert status == 404


def test_unknown_model_names_add_one_series_whatever_the_names(server):
    # Every name a client makes up would otherwise be a new series that
    # Prometheus stores forever.
    before = set(_values(_page(server)[":tensorflow:serving:request_count"]))
    connection = HTTPConnection("127.0.0.1", server.server.rest_port)
    rng = random.Random(0)
    try:
        for index in range(2000):
            name = "".join(rng.choice(string.ascii_letters + "é_-.") for _ in range(12)) + str(
                index
            )
            path = urllib.parse.quote(f"/v1/models/{name}:predict")
            connection.request("POST", path, b'{"instances": [[1.0]]}')
            response = connection.getresponse()
            response.read()
            assert response.status == 404
        connection.request(
            "POST", f"/v1/models/{HALF}/versions/99:predict", b'{"instances": [[1.0, 2.0, 3.0]]}'
        )
        assert connection.getresponse().status == 404
    finally:
        connection.close()
    for index in range(200):
        assert _grpc_predict(server, f"grpc-made-up-{index}", [[1.0]]) == grpc.StatusCode.NOT_FOUND
    after = set(_values(_page(server)[":tensorflow:serving:request_count"]))
    assert after - before <= {
        (("model_name", ""), ("status", "NOT_FOUND")),
        (("model_name", HALF), ("status", "NOT_FOUND")),
    }
    assert (("model_name", ""), ("status", "NOT_FOUND")) in after
