"""Versions: hot reload without failed requests, broken versions never
served, version policies and labels from a model config file."""

import json
import shutil
import threading

import grpc
import numpy as np
import pytest
import tensorflow as tf
from google.protobuf import text_format
from serving_helpers import (
    READER,
    Fifo,
    export_half,
    export_reader,
    http,
    serve,
)
from tensorflow_serving.apis import (
    model_management_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
)

from zoo.serving.config import ModelConfig, parse_model_config_file
from zoo.serving.errors import ServingError
from zoo.serving.server import ServerOptions


def _answer(server, model="reload", path=""):
    status, _, text = http(
        "POST", f"{server.rest}/v1/models/{model}{path}:predict", {"instances": [[0.0, 0.0, 0.0]]}
    )
    return status, (json.loads(text)["predictions"][0][0] if status == 200 else text)


def _versions(server, model="reload"):
    status, _, text = http("GET", f"{server.rest}/v1/models/{model}")
    if status != 200:
        return {}
    return {s["version"]: s for s in json.loads(text)["model_version_status"]}


def test_new_version_is_served_without_a_failed_request(tmp_path):
    export_half(tmp_path / "reload", offset=2.0)
    with serve(tmp_path) as server:
        assert _answer(server) == (200, 2.0)
        answers = []  # (status, value) in the order the client got them
        answering, stop = threading.Event(), threading.Event()

        def client():
            while not stop.is_set():
                answers.append(_answer(server))
                answering.set()

        thread = threading.Thread(target=client)
        thread.start()
        try:
            answering.wait()
            export_half(tmp_path / "reload", offset=3.0)
            server.wait_for_version("reload", 2)
            served_after_swap = _answer(server)
            server.wait_for_version("reload", 1, state="END")
        finally:
            stop.set()
            thread.join()
        # Once version 2 is announced, requests get it; while it loaded, the
        # client's requests kept being answered by version 1, none failed,
        # and answers never went back to version 1 after the swap.
        assert served_after_swap == (200, 3.0)
        assert all(a in ((200, 2.0), (200, 3.0)) for a in answers)
        values = [value for _, value in answers]
        assert values == sorted(values)
        versions = _versions(server)
        assert versions["2"]["state"] == "AVAILABLE"
        assert versions["1"]["state"] == "END"
        assert versions["1"]["status"]["error_code"] == "OK"


@pytest.mark.slow
def test_a_hung_warmup_does_not_hold_up_another_models_new_version(tmp_path):
    # A new version of one model hangs in its warm-up, inside TensorFlow;
    # meanwhile a new version of another model is loaded and served.
    fifo = Fifo(tmp_path)
    models = tmp_path / "models"
    export_half(models / "reload", offset=2.0)
    export_reader(models / READER)
    try:
        with serve(models) as server:
            export_reader(models / READER, warmup_path=fifo.path)
            server.wait_for_version(READER, 2, state="LOADING")
            export_half(models / "reload", offset=3.0)
            server.wait_for_version("reload", 2)
            assert _answer(server) == (200, 3.0)
            assert _versions(server, READER)["2"]["state"] == "LOADING"
            fifo.release()
            server.wait_for_version(READER, 2, state="END")
    finally:
        fifo.release()


def test_broken_versions_are_never_served_and_new_models_appear(tmp_path):
    first = export_half(tmp_path / "reload", offset=2.0)
    with serve(tmp_path, poll_seconds=0.2) as server:
        corrupt = tmp_path / "reload" / "2"
        corrupt.mkdir()
        (corrupt / "saved_model.pb").write_bytes(b"not a SavedModel")
        for ignored in (".tmp-staging", "7-tmp"):
            (tmp_path / "reload" / ignored).mkdir()
        server.wait_for_version("reload", 2, state="END")
        failed = _versions(server)["2"]
        assert failed["status"]["error_code"] == "UNKNOWN"
        message = failed["status"]["error_message"]
        assert message.startswith(
            "Version 2 of model reload failed to load or to answer a warm-up request"
        )
        assert _answer(server) == (200, 2.0)
        assert set(_versions(server)) == {"1", "2"}
        status, _, text = http("GET", f"{server.rest}/readyz")
        assert status == 200
        assert "2" in json.loads(text)["models"]["reload"]["failed_versions"]

        # A copy caught half-way (no variables yet) fails too...
        partial = tmp_path / "reload" / "3"
        shutil.copytree(first, partial, ignore=shutil.ignore_patterns("variables"))
        server.wait_for_version("reload", 3, state="END")
        # TensorFlow names the folder it could not read; clients see where
        # the model lives only as <base_path>.
        message = _versions(server)["3"]["status"]["error_message"]
        assert "<base_path>/3/variables" in message
        assert str(tmp_path) not in message
        assert _answer(server, path="/versions/1") == (200, 2.0)
        status, _ = _answer(server, path="/versions/3")
        assert status == 404
        # ...and is loaded once the copy completes.
        shutil.copytree(first / "variables", partial / "variables")
        server.wait_for_version("reload", 3)
        assert _answer(server, path="/versions/3") == (200, 2.0)
        assert _versions(server)["1"]["state"] == "END"

        # A model folder created while serving is picked up too.
        export_half(tmp_path / "late", offset=5.0)
        server.wait_for_version("late", 1)
        assert _answer(server, "late") == (200, 5.0)


CONFIG = """
model_config_list {{
  config {{
    name: "pinned"
    base_path: "{base}"
    model_platform: "tensorflow"
    model_version_policy {{ specific {{ versions: 1 }} }}
  }}
  config {{
    name: "both"
    base_path: "{base}"
    model_platform: "tensorflow"
    model_version_policy {{ all {{}} }}
    version_labels {{ key: "stable" value: 1 }}
    version_labels {{ key: "canary" value: 2 }}
  }}
}}
"""


def test_config_file_policies_labels_and_reload(tmp_path):
    export_half(tmp_path / "half", offset=2.0)
    export_half(tmp_path / "half", offset=3.0)
    config_file = tmp_path / "models.config"
    config_file.write_text(CONFIG.format(base=tmp_path / "half"))
    options = parse_model_config_file(config_file)
    with serve(tmp_path, discover_root=None, models=options) as server:
        assert set(_versions(server, "pinned")) == {"1"}
        assert _answer(server, "pinned") == (200, 2.0)
        assert {v: s["state"] for v, s in _versions(server, "both").items()} == {
            "1": "AVAILABLE",
            "2": "AVAILABLE",
        }
        assert _answer(server, "both") == (200, 3.0)
        assert _answer(server, "both", "/labels/stable") == (200, 2.0)
        assert _answer(server, "both", "/labels/canary") == (200, 3.0)

        with grpc.insecure_channel(server.grpc_target) as channel:
            request = predict_pb2.PredictRequest()
            request.model_spec.name = "both"
            request.model_spec.version_label = "stable"
            request.inputs["x"].CopyFrom(tf.make_tensor_proto(np.zeros((1, 3), np.float32)))
            response = prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(
                request, timeout=30
            )
            assert response.model_spec.version.value == 1

            reload = model_management_pb2.ReloadConfigRequest()
            text_format.Parse(
                CONFIG.format(base=tmp_path / "half").replace('name: "both"', 'name: "renamed"'),
                reload.config,
            )
            reply = model_service_pb2_grpc.ModelServiceStub(channel).HandleReloadConfigRequest(
                reload, timeout=60
            )
            assert reply.status.error_code == 0
        assert _answer(server, "renamed", "/labels/canary") == (200, 3.0)
        status, _ = _answer(server, "both")
        assert status == 404


@pytest.mark.parametrize(
    "text,message",
    [
        (
            "model_config_list { config { name: 'x' } }",
            "every config needs a `name` and a `base_path`",
        ),
        (
            ("model_config_list { config { name: 'x' base_path: '/m' model_platform: 'onnx' } }"),
            'only "tensorflow" SavedModels',
        ),
        ("model_config_list { nonsense: 1 }", "not a text-format ModelServerConfig"),
    ],
)
def test_bad_config_files_name_the_problem(tmp_path, text, message):
    path = tmp_path / "bad.config"
    path.write_text(text)
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse_model_config_file(path)


def test_server_options_default_to_loopback():
    assert ServerOptions().host == "127.0.0.1"


def _reload(server, config_text):
    request = model_management_pb2.ReloadConfigRequest()
    text_format.Parse(config_text, request.config)
    with grpc.insecure_channel(server.grpc_target) as channel:
        return (
            model_service_pb2_grpc.ModelServiceStub(channel)
            .HandleReloadConfigRequest(request, timeout=60)
            .status
        )


ONE_MODEL = """model_config_list {{ config {{
  name: "{name}" base_path: "{base}" model_platform: "tensorflow" {extra}
}} }}"""


def test_reload_loads_only_from_the_folders_served_at_start(tmp_path):
    served = tmp_path / "served"
    export_half(served / "half")
    outside = export_half(tmp_path / "elsewhere" / "half").parent
    (served / "link").symlink_to(outside)
    start = [ModelConfig(name="half", base_path=str(served / "half"))]
    with serve(discover_root=None, models=start, model_roots=(str(served),)) as server:
        for base in (outside, served / "link"):
            status = _reload(server, ONE_MODEL.format(name="intruder", base=base, extra=""))
            assert status.error_code == grpc.StatusCode.PERMISSION_DENIED.value[0]
            assert status.error_message == (
                f"ReloadConfigRequest: base_path {base} of model intruder is "
                f"outside the folders this server serves models from "
                f"({served.resolve()}). Restart the server with "
                "--model-path-root naming its folder, or with "
                "--allow-any-model-path."
            )
            assert _answer(server, "intruder")[0] == 404
            assert _answer(server, "half") == (200, 2.0)
        # A folder under a root is fine.
        status = _reload(server, ONE_MODEL.format(name="moved", base=served / "half", extra=""))
        assert status.error_code == 0
        assert _answer(server, "moved") == (200, 2.0)
    with serve(discover_root=None, models=start, allow_any_model_path=True) as server:
        status = _reload(server, ONE_MODEL.format(name="anywhere", base=outside, extra=""))
        assert status.error_code == 0
        assert _answer(server, "anywhere") == (200, 2.0)


def test_labels_must_name_available_versions(tmp_path):
    export_half(tmp_path / "half", offset=2.0)
    labelled = 'version_labels { key: "stable" value: %d }'
    start = [ModelConfig(name="half", base_path=str(tmp_path / "half"), labels={"stable": 1})]
    with serve(discover_root=None, models=start) as server:
        assert _answer(server, "half", "/labels/stable") == (200, 2.0)
        # As in TF Serving's UpdateModelVersionLabelMap: refused, and the
        # labels stay as they were.
        status = _reload(
            server, ONE_MODEL.format(name="half", base=tmp_path / "half", extra=labelled % 7)
        )
        assert status.error_code == grpc.StatusCode.FAILED_PRECONDITION.value[0]
        assert status.error_message == (
            "Request to assign label to version 7 of model half, which is "
            "not currently available for inference"
        )
        assert _answer(server, "half", "/labels/stable") == (200, 2.0)
    missing = [ModelConfig(name="half", base_path=str(tmp_path / "half"), labels={"stable": 7})]
    with (
        pytest.raises(ServingError, match="Request to assign label to version 7 of model half"),
        serve(discover_root=None, models=missing),
    ):
        pass
