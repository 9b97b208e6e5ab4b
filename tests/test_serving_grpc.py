"""The gRPC services through the official `tensorflow-serving-api` stubs."""

import grpc
import numpy as np
import pytest
import tensorflow as tf
from serving_helpers import HALF, MULTI, SCORER, TEXT, serve
from tensorflow_serving.apis import (
    classification_pb2,
    get_model_metadata_pb2,
    get_model_status_pb2,
    model_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
)

from zoo.serving.tensor_proto import from_tensor_proto, to_tensor_proto


@pytest.fixture(scope="module")
def server():
    with serve() as running:
        yield running


@pytest.fixture(scope="module")
def channel(server):
    with grpc.insecure_channel(server.grpc_target) as open_channel:
        yield open_channel


def _predict_request(model, inputs, signature="", version=None):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model
    request.model_spec.signature_name = signature
    if version is not None:
        request.model_spec.version.value = version
    for name, value in inputs.items():
        request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
    return request


def test_predict_fills_float_val_like_the_official_example_client(channel):
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    request = _predict_request(HALF, {"x": np.array([[1.0, 2.0, 5.0]], np.float32)})
    response = stub.Predict(request, timeout=30)
    output = response.outputs["output_0"]
    assert list(output.float_val) == [2.5, 3.0, 4.5]
    assert output.tensor_content == b""
    assert [d.size for d in output.tensor_shape.dim] == [1, 3]
    assert response.model_spec.name == HALF
    assert response.model_spec.version.value == 1
    assert response.model_spec.signature_name == "serving_default"


def test_predict_multi_io_with_output_filter_and_typed_request(channel):
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    request = predict_pb2.PredictRequest()
    request.model_spec.name = MULTI
    request.inputs["a"].dtype = tf.float32.as_datatype_enum
    request.inputs["a"].tensor_shape.dim.add(size=1)
    request.inputs["a"].tensor_shape.dim.add(size=2)
    request.inputs["a"].float_val.extend([1.0, 2.0])
    request.inputs["b"].CopyFrom(tf.make_tensor_proto(np.array([5], np.int64)))
    request.output_filter.append("twice")
    response = stub.Predict(request, timeout=30)
    assert list(response.outputs) == ["twice"]
    assert list(response.outputs["twice"].float_val) == [10.0]


def test_predict_strings_use_string_val(channel):
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    response = stub.Predict(
        _predict_request(TEXT, {"text": np.array([b"ab", b"xyz"], dtype=object)}), timeout=30
    )
    assert list(response.outputs["length"].int_val) == [2, 3]
    assert list(response.outputs["text_bytes"].string_val) == [b"AB", b"XYZ"]


def test_messages_over_4_mib_pass_both_ways(server):
    # The server lifts its limits; a client lifts its own receive limit.
    options = [("grpc.max_receive_message_length", -1)]
    rows = np.ones((400_000, 3), np.float32)  # ~4.8 MB each way
    with grpc.insecure_channel(server.grpc_target, options) as big:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(big)
        response = stub.Predict(_predict_request(HALF, {"x": rows}), timeout=60)
    assert len(response.outputs["output_0"].float_val) == rows.size


def test_get_model_metadata(channel):
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    request = get_model_metadata_pb2.GetModelMetadataRequest()
    request.model_spec.name = HALF
    request.metadata_field.append("signature_def")
    response = stub.GetModelMetadata(request, timeout=30)
    signatures = get_model_metadata_pb2.SignatureDefMap()
    response.metadata["signature_def"].Unpack(signatures)
    assert response.model_spec.version.value == 1
    inputs = signatures.signature_def["serving_default"].inputs
    assert inputs["x"].dtype == tf.float32.as_datatype_enum


def test_get_model_status(channel):
    stub = model_service_pb2_grpc.ModelServiceStub(channel)
    request = get_model_status_pb2.GetModelStatusRequest()
    request.model_spec.name = HALF
    response = stub.GetModelStatus(request, timeout=30)
    (status,) = response.model_version_status
    assert status.version == 1
    assert status.state == get_model_status_pb2.ModelVersionStatus.AVAILABLE


@pytest.mark.parametrize(
    "make_request,code,message",
    [
        (
            lambda: _predict_request("nope", {"x": np.zeros((1, 3), np.float32)}),
            grpc.StatusCode.NOT_FOUND,
            "Servable not found for request: Latest(nope)",
        ),
        (
            lambda: _predict_request(HALF, {"x": np.zeros((1, 3), np.float32)}, version=4),
            grpc.StatusCode.NOT_FOUND,
            "Servable not found for request: Specific(half, 4)",
        ),
        (
            lambda: _predict_request(HALF, {"x": np.zeros((1, 3), np.float32)}, signature="nope"),
            grpc.StatusCode.FAILED_PRECONDITION,
            'Serving signature key "nope" not found.',
        ),
        (
            lambda: _predict_request(HALF, {"y": np.zeros((1, 3), np.float32)}),
            grpc.StatusCode.INVALID_ARGUMENT,
            ("input tensor alias not found in signature: y. Inputs expected to be in the set {x}."),
        ),
        (
            lambda: _predict_request(MULTI, {"a": np.zeros((1, 2), np.float32)}),
            grpc.StatusCode.INVALID_ARGUMENT,
            (
                "input size does not match signature: 1!=2 len({a}) != len({a,b}). "
                "Sent extra: {}. Missing but required: {b}."
            ),
        ),
        (
            lambda: _predict_request(HALF, {"x": np.zeros((1, 3), np.float64)}),
            grpc.StatusCode.INVALID_ARGUMENT,
            (
                "Expects arg[0] to be float but double is provided (input 'x' of "
                "signature 'serving_default')."
            ),
        ),
    ],
)
def test_grpc_errors(channel, make_request, code, message):
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    with pytest.raises(grpc.RpcError) as raised:
        stub.Predict(make_request(), timeout=30)
    assert (raised.value.code(), raised.value.details()) == (code, message)


def test_status_of_unknown_version_is_not_found(channel):
    stub = model_service_pb2_grpc.ModelServiceStub(channel)
    request = get_model_status_pb2.GetModelStatusRequest(model_spec=model_pb2.ModelSpec(name=HALF))
    request.model_spec.version.value = 12
    with pytest.raises(grpc.RpcError) as raised:
        stub.GetModelStatus(request, timeout=30)
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert raised.value.details() == "Could not find version 12 of model half"


def test_classify_with_the_official_stub(channel):
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    request = classification_pb2.ClassificationRequest()
    request.model_spec.name = SCORER
    request.model_spec.signature_name = "classify_x"
    example = request.input.example_list.examples.add()
    example.features.feature["x"].float_list.value.append(0.25)
    response = stub.Classify(request, timeout=30)
    (classes,) = response.result.classifications
    assert [(c.label, c.score) for c in classes.classes] == [("yes", 0.25), ("no", 0.75)]
    assert response.model_spec.version.value == 1


@pytest.mark.parametrize(
    "dtype,field",
    [
        (np.float32, "float_val"),
        (np.float64, "double_val"),
        (np.int32, "int_val"),
        (np.int8, "int_val"),
        (np.int64, "int64_val"),
        (np.uint32, "uint32_val"),
        (np.bool_, "bool_val"),
        (np.float16, "half_val"),
        (object, "string_val"),
    ],
)
def test_large_tensors_in_typed_fields_round_trip(dtype, field):
    # Over 65,536 values: written and read a chunk per call.
    rng = np.random.default_rng(0)
    if dtype is object:
        array = np.array([b"ab", b"", b"xyz"] * 30_000, dtype=object)
    elif dtype is np.bool_:
        array = rng.random(90_000) > 0.5
    else:
        array = (rng.random(90_000) * 100).astype(dtype)
    array = array.reshape(300, -1)
    proto = to_tensor_proto(array)
    assert len(getattr(proto, field)) == array.size
    read = from_tensor_proto("x", proto)
    assert read.shape == array.shape
    assert read.tolist() == array.tolist()
