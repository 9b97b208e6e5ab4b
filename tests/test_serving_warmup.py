"""Warm-up as TF Serving does it, and every zoo model's export served.

`zoo.export` writes TF Serving's warm-up file from real example inputs;
the server runs it (or, without one, a request of a shape the signature
accepts) before a version is served. Every zoo model's export is then
served and answers over REST and gRPC what the Keras model answers.
"""

import json
import shutil

import grpc
import keras
import numpy as np
import pytest
import tensorflow as tf
from prometheus_client.parser import text_string_to_metric_families
from serving_helpers import (
    HALF,
    READER,
    Fifo,
    export_half,
    export_reader,
    http,
    serve,
)
from tensorflow_serving.apis import (
    predict_pb2,
    prediction_log_pb2,
    prediction_service_pb2_grpc,
)

import zoo.models as zm
from zoo.export import WARMUP_REQUESTS, export_version, write_warmup_requests
from zoo.serving.metrics import DEFAULT_PATH
from zoo.serving.servable import Servable
from zoo.serving.warmup import MAX_RECORDS

RNG = np.random.default_rng(0)
IMAGES = RNG.random((2, 8, 8, 1)).astype("float32")


def _cam_classifier():
    backbone = keras.Sequential(
        [keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3, padding="same", activation="relu")]
    )
    return zm.CAMClassifier(backbone, 2)


# name: (build, example inputs of serving_default by name)
ZOO_MODELS = {
    "Autoencoder": (lambda: zm.Autoencoder.dense((8, 8, 1), 2, (8,)), {"inputs": IMAGES}),
    "VAE": (lambda: zm.VAE.dense((8, 8, 1), 2, (8,), seed=0), {"inputs": IMAGES}),
    "ConditionalVAE": (
        lambda: zm.ConditionalVAE.dense((8, 8, 1), 2, 2, (8,), seed=0),
        {"inputs": IMAGES, "label": np.array([0, 1], "int32")},
    ),
    "DCGAN": (
        lambda: zm.DCGAN.dense(2, 4, units=(8,), seed=0),
        {"latent": RNG.normal(size=(2, 4)).astype("float32")},
    ),
    # 16 x 16: a U-Net of depth 2 takes sizes divisible by 4, never 1 x 1.
    "UNet": (
        lambda: zm.UNet(2, depth=2, filters=2),
        {"images": RNG.random((1, 16, 16, 1)).astype("float32")},
    ),
    "LSTMForecaster": (
        lambda: zm.LSTMForecaster(2, lstm_units=(4,)),
        {"window": RNG.random((2, 6, 1)).astype("float32")},
    ),
    "CAMClassifier": (_cam_classifier, {"images": RNG.random((2, 8, 8, 3)).astype("float32")}),
    "TransformerClassifier": (
        lambda: zm.TransformerClassifier(
            20, 8, 2, embedding_dim=8, num_heads=2, intermediate_dim=8
        ),
        {"token_ids": RNG.integers(1, 20, (2, 8)).astype("int32")},
    ),
}


def _build(build, inputs):
    model = build()
    if not model.built:  # a subclassed model is built by a first call
        model(*inputs.values()) if len(inputs) == 1 else model(list(inputs.values()))
    return model


def _expected(model, inputs):
    function, specs = model.serving_endpoints()["serving_default"]
    outputs = function(*[inputs[spec.name] for spec in specs])
    return {k: keras.ops.convert_to_numpy(v) for k, v in outputs.items()}


def _warmup_records(version_dir):
    records = tf.data.TFRecordDataset(str(version_dir / WARMUP_REQUESTS))
    return [prediction_log_pb2.PredictionLog.FromString(r.numpy()) for r in records]


@pytest.fixture(scope="module")
def zoo_exports(tmp_path_factory):
    root = tmp_path_factory.mktemp("zoo_exports")
    cases = {}
    for name, (build, inputs) in ZOO_MODELS.items():
        model = _build(build, inputs)
        version = export_version(
            model, root / name, save_keras=False, warmup_inputs={"serving_default": inputs}
        )
        cases[name] = (version, inputs, _expected(model, inputs), set(model.serving_endpoints()))
    return root, cases


@pytest.mark.slow
def test_exports_carry_warmup_requests_of_every_signature(zoo_exports):
    _, cases = zoo_exports
    for name, (version, inputs, _, signatures) in cases.items():
        logs = _warmup_records(version)
        requests = [log.predict_log.request for log in logs]
        assert requests[0].model_spec.signature_name == "serving_default", name
        assert {r.model_spec.signature_name for r in requests} == signatures, name
        assert all(r.model_spec.name == name for r in requests)
        first = requests[0]
        for key, value in inputs.items():  # the real examples, as given
            np.testing.assert_array_equal(tf.make_ndarray(first.inputs[key]), value)


def _grpc_predict(channel, name, inputs):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = name
    for key, value in inputs.items():
        request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
    response = prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(
        request, timeout=120
    )
    return {k: tf.make_ndarray(v) for k, v in response.outputs.items()}


def _metric_samples(server, family_name):
    status, _, text = http("GET", f"{server.rest}{DEFAULT_PATH}")
    assert status == 200
    families = {f.name: f for f in text_string_to_metric_families(text)}
    return families[family_name].samples


@pytest.mark.slow
def test_every_zoo_model_export_is_served_over_rest_and_grpc(zoo_exports):
    root, cases = zoo_exports
    with (
        serve(root, metrics_path=DEFAULT_PATH) as server,
        grpc.insecure_channel(server.grpc_target) as channel,
    ):
        for name, (_, inputs, expected, _) in cases.items():
            status, _, text = http(
                "POST",
                f"{server.rest}/v1/models/{name}:predict",
                {"inputs": {k: v.tolist() for k, v in inputs.items()}},
            )
            assert status == 200, (name, text)
            outputs = json.loads(text)["outputs"]
            if len(expected) == 1:
                outputs = {next(iter(expected)): outputs}
            assert set(outputs) == set(expected), name
            served = _grpc_predict(channel, name, inputs)
            for key, value in expected.items():
                np.testing.assert_allclose(
                    outputs[key], value, atol=1e-5, err_msg=f"{name} REST {key}"
                )
                np.testing.assert_allclose(
                    served[key], value, atol=1e-5, err_msg=f"{name} gRPC {key}"
                )
        # Each version ran every record of its warm-up file before serving.
        read = {
            s.labels["model_path"]: s.value
            for s in _metric_samples(server, ":tensorflow:serving:model_warmup_records_read")
            if s.labels["status"] == "OK"
        }
        assert read == {
            str(version): len(_warmup_records(version)) for version, *_ in cases.values()
        }


@pytest.mark.slow
def test_without_a_warmup_file_the_model_is_not_called_before_serving(
    zoo_exports, tmp_path, monkeypatch
):
    # As in TF Serving: no request is made up for a version without a
    # warm-up file (a U-Net whose signature leaves the image size open here).
    _, cases = zoo_exports
    version, inputs, expected, _ = cases["UNet"]
    copy = tmp_path / "unet" / "1"
    shutil.copytree(version, copy)
    (copy / WARMUP_REQUESTS).unlink()
    calls = []
    run = Servable.run
    monkeypatch.setattr(
        Servable,
        "run",
        lambda servable, name, inputs: (calls.append(name), run(servable, name, inputs))[1],
    )
    with serve(tmp_path) as server:
        status, _, text = http("GET", f"{server.rest}/v1/models/unet")
        assert json.loads(text)["model_version_status"][0]["state"] == "AVAILABLE"
        assert calls == []
        status, _, text = http(
            "POST",
            f"{server.rest}/v1/models/unet:predict",
            {"instances": inputs["images"].tolist()},
        )
        assert status == 200
        np.testing.assert_allclose(
            [row["probabilities"] for row in json.loads(text)["predictions"]],
            expected["probabilities"],
            atol=1e-5,
        )


def test_a_hung_warmup_fails_its_version_after_the_limit_and_delays_no_one(tmp_path):
    # One model's warm-up blocks inside TensorFlow (it reads a FIFO). The
    # others load beside it, the ports open, and after the limit the hung
    # version is failed with the reason.
    fifo = Fifo(tmp_path)
    models = tmp_path / "models"
    export_half(models / HALF)
    export_reader(models / READER, warmup_path=fifo.path)
    try:
        with serve(models, load_timeout_seconds=1.0) as server:
            assert (
                http(
                    "POST",
                    f"{server.rest}/v1/models/{HALF}:predict",
                    {"instances": [[2.0, 4.0, 6.0]]},
                )[0]
                == 200
            )
            (version,) = json.loads(http("GET", f"{server.rest}/v1/models/{READER}")[2])[
                "model_version_status"
            ]
            assert version["state"] == "END"
            assert version["status"] == {
                "error_code": "DEADLINE_EXCEEDED",
                "error_message": f"Version 1 of model {READER} did not finish "
                "loading and warming up within 1 s, so it is "
                "not served (raise "
                "--model-load-timeout-seconds if it needs "
                "longer). It is tried again when its files "
                "change.",
            }
            status, _, text = http("GET", f"{server.rest}/readyz")
            assert status == 503
            assert json.loads(text)["models"][HALF]["ready"] is True
    finally:
        fifo.release()


def _write_records(version_dir, logs):
    path = version_dir / WARMUP_REQUESTS
    path.parent.mkdir(exist_ok=True)
    with tf.io.TFRecordWriter(str(path)) as writer:
        for log in logs:
            writer.write(log if isinstance(log, bytes) else log.SerializeToString())


def _half_log(rows, signature=""):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = "ignored: the warm-up runs on this version"
    request.model_spec.signature_name = signature
    request.inputs["x"].CopyFrom(tf.make_tensor_proto(np.asarray(rows, np.float32)))
    return prediction_log_pb2.PredictionLog(
        predict_log=prediction_log_pb2.PredictLog(request=request)
    )


@pytest.mark.parametrize(
    "logs,message",
    [
        (
            [_half_log([[1.0, 2.0]])],
            (
                "ServingError: input 'x' of signature 'serving_default' has shape [1,2] "
                "but the signature expects [-1,3]"
            ),
        ),
        (
            [_half_log([[1.0, 2.0, 3.0]], "nope")],
            'ServingError: Serving signature key "nope" not found.',
        ),
        (
            [_half_log([[1.0, 2.0, 3.0]])] * (MAX_RECORDS + 1),
            (
                f"ValueError: Number of warmup records exceeds the maximum "
                f"({MAX_RECORDS}) at {WARMUP_REQUESTS}"
            ),
        ),
        (
            [b"not a PredictionLog"],
            f"ValueError: Failed to parse warmup record 0 from {WARMUP_REQUESTS}",
        ),
    ],
    ids=["bad shape", "bad signature", "too many records", "not a log"],
)
def test_a_version_whose_warmup_fails_is_not_served(tmp_path, logs, message):
    version = export_half(tmp_path / HALF)
    _write_records(version, logs)
    with serve(tmp_path) as server:
        server.wait_for_version(HALF, 1, state="END")
        status = json.loads(http("GET", f"{server.rest}/v1/models/{HALF}")[2])
        error = status["model_version_status"][0]["status"]["error_message"]
        assert message in error
        assert (
            http(
                "POST", f"{server.rest}/v1/models/{HALF}:predict", {"instances": [[1.0, 2.0, 3.0]]}
            )[0]
            == 404
        )


def test_warmup_runs_each_record_the_asked_number_of_times(tmp_path, monkeypatch):
    version = export_half(tmp_path / HALF)
    _write_records(
        version, [_half_log([[1.0, 2.0, 3.0]]), _half_log([[0.0, 0.0, 0.0]], "plus_one")]
    )
    calls = []
    run = Servable.run
    monkeypatch.setattr(
        Servable,
        "run",
        lambda servable, name, inputs: (calls.append(name), run(servable, name, inputs))[1],
    )
    with serve(tmp_path, warmup_iterations=3, metrics_path=DEFAULT_PATH) as server:
        assert calls == ["serving_default"] * 3 + ["plus_one"] * 3
        read = [
            s.value
            for s in _metric_samples(server, ":tensorflow:serving:model_warmup_records_read")
        ]
        assert read == [2]
    calls.clear()
    with serve(tmp_path, enable_model_warmup=False, metrics_path=DEFAULT_PATH) as server:
        assert calls == []
        assert _metric_samples(server, ":tensorflow:serving:model_warmup_records_read") == []
        assert (
            http(
                "POST", f"{server.rest}/v1/models/{HALF}:predict", {"instances": [[1.0, 2.0, 3.0]]}
            )[0]
            == 200
        )


def test_warmup_inputs_must_match_a_signature(tmp_path):
    version = export_half(tmp_path / HALF)
    with pytest.raises(
        ValueError,
        match=r"warmup_inputs\['serving_default'\] "
        "must give exactly the inputs",
    ):
        write_warmup_requests(
            version, HALF, warmup_inputs={"serving_default": {"y": np.zeros((1, 3))}}
        )
    # Inputs are cast to the signature's dtype (float64 rows to float32).
    assert write_warmup_requests(
        version, HALF, warmup_inputs={"serving_default": {"x": np.ones((2, 3))}}
    ) == ["serving_default", "plus_one"]
    request = _warmup_records(version)[0].predict_log.request
    assert request.inputs["x"].dtype == tf.float32.as_datatype_enum


def test_exported_versions_are_readable_by_other_users(tmp_path):
    reference = tmp_path / "made_by_mkdir"
    reference.mkdir()
    version = export_half(tmp_path / HALF)
    assert version.stat().st_mode == reference.stat().st_mode
