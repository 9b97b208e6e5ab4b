"""Isolation and readiness: a model whose calls hang holds up only itself,
and /readyz says what is stuck or gone instead of claiming to be ready."""

import concurrent.futures
import json
import os
import shutil

import grpc
import numpy as np
import pytest
import tensorflow as tf
from serving_helpers import (
    HALF,
    HANG_GUARD_SECONDS,
    READER,
    SLOW,
    BlockedModel,
    Fifo,
    export_half,
    exported_models,
    http,
    serve,
    wait_for,
)
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from zoo.serving.config import ModelConfig

THREADS = 2


def _readiness(server):
    status, _, text = http("GET", f"{server.rest}/readyz")
    return status, json.loads(text)


def _predict(server, model, row):
    status, _, text = http("POST", f"{server.rest}/v1/models/{model}:predict", {"instances": [row]})
    return status, json.loads(text)


def test_hung_calls_hold_up_only_their_model_and_readiness_reports_them():
    models = [ModelConfig(name=n, base_path=str(exported_models() / n)) for n in (HALF, SLOW)]
    with (
        serve(discover_root=None, models=models, threads=THREADS, timeout_seconds=1.0) as server,
        BlockedModel(server, SLOW) as blocked,
        concurrent.futures.ThreadPoolExecutor(THREADS) as clients,
    ):
        # Every thread of the slow model hangs; each request gives up (504)
        # while its call goes on.
        answers = [clients.submit(_predict, server, SLOW, 0.0) for _ in range(THREADS)]
        blocked.wait_until_called(THREADS)
        assert [a.result(HANG_GUARD_SECONDS)[0] for a in answers] == [504] * THREADS
        status, report = _readiness(server)
        assert status == 503 and report["ready"] is False
        assert report["models"][SLOW] == {
            "ready": False,
            "available_versions": ["1"],
            "failed_versions": {},
            "running_calls": THREADS,
            "stuck_calls": THREADS,
            "reason": f"All {THREADS} threads of model {SLOW} run calls that "
            "outlived their request's time limit; its requests time "
            "out until one returns.",
        }
        assert report["models"][HALF]["ready"] is True
        # Meanwhile the other model answers at once, over REST and gRPC.
        assert _predict(server, HALF, [2.0, 4.0, 6.0]) == (200, {"predictions": [[3.0, 4.0, 5.0]]})
        with grpc.insecure_channel(server.grpc_target) as channel:
            request = predict_pb2.PredictRequest()
            request.model_spec.name = HALF
            request.inputs["x"].CopyFrom(tf.make_tensor_proto(np.zeros((1, 3), np.float32)))
            response = prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(
                request, timeout=HANG_GUARD_SECONDS
            )
        assert list(response.outputs["output_0"].float_val) == [2.0] * 3
        # Once the hung calls return, the model is ready again and nothing is
        # stuck. The calls return one by one, and the model is ready as soon as
        # one thread is free: wait for both to have returned.
        blocked.release()

        def recovered():
            status, report = _readiness(server)
            return status == 200 and report["models"][SLOW]["stuck_calls"] == 0

        wait_for(recovered, timeout=HANG_GUARD_SECONDS)
        assert _predict(server, SLOW, 0.0)[0] == 200


def _half_over_grpc(server):
    with grpc.insecure_channel(server.grpc_target) as channel:
        request = predict_pb2.PredictRequest()
        request.model_spec.name = HALF
        request.inputs["x"].CopyFrom(tf.make_tensor_proto(np.zeros((1, 3), np.float32)))
        response = prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(
            request, timeout=HANG_GUARD_SECONDS
        )
    return list(response.outputs["output_0"].float_val)


def test_calls_blocked_inside_tensorflow_hold_up_only_their_model(tmp_path):
    # The real thing the test above stands in for: each call blocks inside a
    # TensorFlow op (ReadFile on a FIFO), holding a thread of TensorFlow's
    # own, not a Python thread waiting on an event. More calls block than
    # the machine has cores (TensorFlow's default inter-op pool size), and
    # twice as many requests as the model may run at once are sent.
    fifo = Fifo(tmp_path)
    threads = (os.cpu_count() or 1) + 2
    models = [ModelConfig(name=n, base_path=str(exported_models() / n)) for n in (HALF, READER)]
    with (
        serve(discover_root=None, models=models, threads=threads, timeout_seconds=1.0) as server,
        concurrent.futures.ThreadPoolExecutor(2 * threads) as clients,
    ):
        try:
            answers = [
                clients.submit(_predict, server, READER, str(fifo.path)) for _ in range(2 * threads)
            ]
            assert [a.result(HANG_GUARD_SECONDS)[0] for a in answers] == [504] * (2 * threads)
            status, report = _readiness(server)
            assert status == 503 and report["ready"] is False
            assert report["models"][READER]["ready"] is False
            assert report["models"][READER]["stuck_calls"] == threads
            assert report["models"][HALF]["ready"] is True
            # The other model answers, over REST and gRPC...
            assert _predict(server, HALF, [2.0, 4.0, 6.0]) == (
                200,
                {"predictions": [[3.0, 4.0, 5.0]]},
            )
            assert _half_over_grpc(server) == [2.0] * 3
            # ...and the stuck model's status says why it answers nothing.
            (version,) = json.loads(http("GET", f"{server.rest}/v1/models/{READER}")[2])[
                "model_version_status"
            ]
            assert version["state"] == "AVAILABLE"
            assert version["status"] == {
                "error_code": "UNAVAILABLE",
                "error_message": f"All {threads} threads of model {READER} "
                "run calls that outlived their request's "
                "time limit; its requests time out until "
                "one returns.",
            }
        finally:
            fifo.release()

        def recovered():
            status, report = _readiness(server)
            return status == 200 and report["models"][READER]["running_calls"] == 0

        wait_for(recovered, timeout=HANG_GUARD_SECONDS)
        version = json.loads(http("GET", f"{server.rest}/v1/models/{READER}")[2])[
            "model_version_status"
        ][0]
        assert version["status"]["error_code"] == "OK"


def test_a_model_whose_versions_are_all_gone_is_not_ready(tmp_path):
    version = export_half(tmp_path / "gone")
    export_half(tmp_path / "kept")
    (tmp_path / "not_a_model_yet").mkdir()
    with serve(tmp_path) as server:
        status, report = _readiness(server)
        assert status == 200
        assert report["models"]["not_a_model_yet"]["ready"] is True
        shutil.rmtree(version)
        server.wait_for_version("gone", 1, state="END")
        assert _predict(server, "gone", [0.0] * 3)[0] == 404
        status, report = _readiness(server)
        assert status == 503 and report["ready"] is False
        assert report["models"]["gone"]["ready"] is False
        assert report["models"]["gone"]["available_versions"] == []
        assert report["models"]["kept"]["ready"] is True


def test_a_failed_version_is_forgotten_once_its_folder_is_gone(tmp_path):
    export_half(tmp_path / HALF)
    broken = tmp_path / HALF / "2"
    broken.mkdir()
    (broken / "saved_model.pb").write_bytes(b"not a SavedModel")
    with serve(tmp_path) as server:
        server.wait_for_version(HALF, 2, state="END")
        _, report = _readiness(server)
        assert list(report["models"][HALF]["failed_versions"]) == ["2"]
        shutil.rmtree(broken)
        server.refresh()
        status, report = _readiness(server)
        assert status == 200
        assert report["models"][HALF]["failed_versions"] == {}
        versions = json.loads(http("GET", f"{server.rest}/v1/models/{HALF}")[2])
        assert [v["version"] for v in versions["model_version_status"]] == ["1"]


def test_shutdown_does_not_wait_for_a_hung_call_beyond_the_grace():
    # TensorFlow cannot stop a running call: after the grace the server
    # closes the connection of the request still waiting for it, and stops.
    models = [ModelConfig(name=SLOW, base_path=str(exported_models() / SLOW))]
    server = serve(discover_root=None, models=models, shutdown_grace_seconds=0.5).__enter__()
    with BlockedModel(server, SLOW) as blocked, concurrent.futures.ThreadPoolExecutor(1) as client:
        answer = client.submit(_predict, server, SLOW, 0.0)
        blocked.wait_until_called()
        server.__exit__(None, None, None)  # joins the server's thread
        assert not server._thread.is_alive()
        with pytest.raises(OSError):  # the connection closed unanswered
            answer.result(HANG_GUARD_SECONDS)
