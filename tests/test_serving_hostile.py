"""Hostile and unusual requests: each gets TF Serving's status and message,
and the server keeps answering everyone else meanwhile."""

import concurrent.futures
import json
import logging
import socket
import struct
import sys
import threading
import zlib
from pathlib import Path

import grpc
import numpy as np
import pytest
import tensorflow as tf
from serving_helpers import (
    ECHO,
    HALF,
    HANG_GUARD_SECONDS,
    SLOW,
    BlockedModel,
    exported_models,
    http,
    raw_http,
    serve,
    wait_for,
)
from tensorflow.core.framework import types_pb2
from tensorflow_serving.apis import (
    classification_pb2,
    get_model_metadata_pb2,
    predict_pb2,
    prediction_service_pb2_grpc,
)

import zoo
from zoo.serving import (
    body,
    grpc_service,
    json_decode,
    json_encode,
    json_text,
    request_runner,
)
from zoo.serving.config import ModelConfig
from zoo.serving.deadline import Deadline
from zoo.serving.errors import ServingError

LIMIT = 1 << 20  # the servers' body limit here: 1 MiB after inflating


def _models(*names):
    return [ModelConfig(name=n, base_path=str(exported_models() / n)) for n in names]


@pytest.fixture(scope="module")
def server():
    with serve(discover_root=None, models=_models(HALF, ECHO), max_body_bytes=LIMIT) as running:
        yield running


@pytest.fixture(scope="module")
def stub(server):
    with grpc.insecure_channel(server.grpc_target) as channel:
        yield prediction_service_pb2_grpc.PredictionServiceStub(channel)


def _half_over_grpc(stub):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = HALF
    request.inputs["x"].CopyFrom(tf.make_tensor_proto(np.array([[2.0, 4.0, 6.0]], np.float32)))
    return list(stub.Predict(request, timeout=HANG_GUARD_SECONDS).outputs["output_0"].float_val)


def _gzip_bomb(inflated_bytes):
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    parts = [compressor.compress(zeros) for _ in range(inflated_bytes >> 20)]
    return b"".join(parts) + compressor.flush()


def _post_head(path, length, encoding=None):
    extra = f"Content-Encoding: {encoding}\r\n" if encoding else ""
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Content-Length: {length}\r\n\r\n"
    ).encode()


def test_gzip_bomb_is_inflated_off_the_loop_within_the_limit(server, stub, monkeypatch):
    # 64 MiB of zeros in a 64 KiB body. While the server inflates it (held
    # at its first inflate call here), probes and gRPC still answer: the
    # inflating happens off the event loop. It stops one byte past the
    # limit, answers 413, and closes the connection without reading the rest.
    bomb = _gzip_bomb(64 << 20)
    assert len(bomb) < LIMIT // 8
    inflating, release = threading.Event(), threading.Event()
    seen = {"sizes": [], "threads": set()}
    feed = body._Inflater.feed

    def held_feed(inflater, data):
        seen["threads"].add(threading.current_thread().name)
        inflating.set()
        assert release.wait(HANG_GUARD_SECONDS)
        try:
            return feed(inflater, data)
        finally:
            seen["sizes"].append(len(inflater.body))

    monkeypatch.setattr(body._Inflater, "feed", held_feed)
    answer = {}
    sender = threading.Thread(
        target=lambda: answer.update(
            raw=raw_http(
                server.server.rest_port,
                _post_head(f"/v1/models/{HALF}:predict", len(bomb), "gzip") + bomb,
            )
        )
    )
    sender.start()
    try:
        assert inflating.wait(HANG_GUARD_SECONDS)
        assert http("GET", f"{server.rest}/healthz")[0] == 200
        assert _half_over_grpc(stub) == [3.0, 4.0, 5.0]
    finally:
        release.set()
        sender.join(HANG_GUARD_SECONDS)
    head, _, text = answer["raw"].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"Connection: close" in head
    assert json.loads(text)["error"].startswith(
        f"Request body too large: the limit is {LIMIT} bytes after decompression."
    )
    assert max(seen["sizes"]) == LIMIT + 1
    assert all(name.startswith("zoo-codec") for name in seen["threads"])


def test_body_over_the_limit_by_its_length_is_refused_unread(server):
    raw = raw_http(server.server.rest_port, _post_head(f"/v1/models/{HALF}:predict", 10 * LIMIT))
    head, _, text = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ") and b"Connection: close" in head
    assert json.loads(text)["error"].startswith(f"Request body too large ({10 * LIMIT} bytes sent)")


@pytest.mark.parametrize(
    "encoding,data,status,message",
    [
        (
            "gzip",
            zlib.compress(b'{"instances": [[1.0, 2.0, 3.0]]}')[:-3],
            400,
            (
                "Failed to decompress the request body (Content-Encoding: gzip): "
                "Error -3 while decompressing data: incorrect header check. Send the "
                "whole compressed body, or send it uncompressed without "
                "Content-Encoding."
            ),
        ),
        (
            "deflate",
            zlib.compress(b'{"instances": [[1.0, 2.0, 3.0]]}')[:-3],
            400,
            (
                "Failed to decompress the request body (Content-Encoding: "
                "deflate): the stream ends before its end marker. Send the whole "
                "compressed body, or send it uncompressed without "
                "Content-Encoding."
            ),
        ),
        (
            "br",
            b"{}",
            415,
            (
                "Unsupported Content-Encoding: br. Send the body "
                "uncompressed, or with gzip or deflate."
            ),
        ),
    ],
    ids=["not gzip", "truncated deflate", "brotli"],
)
def test_bad_compression_gets_a_4xx_and_closes(server, encoding, data, status, message):
    got, headers, text = http(
        "POST",
        f"{server.rest}/v1/models/{HALF}:predict",
        data,
        headers={"Content-Encoding": encoding},
    )
    assert (got, json.loads(text)) == (status, {"error": message})
    assert headers["Connection"] == "close"


def _deflate(raw, wbits):
    packer = zlib.compressobj(wbits=wbits)
    return packer.compress(raw) + packer.flush()


@pytest.mark.parametrize(
    "encoding,wbits",
    [
        ("gzip", 16 + zlib.MAX_WBITS),
        ("deflate", zlib.MAX_WBITS),
        ("deflate", -zlib.MAX_WBITS),  # raw deflate, as some clients send it
    ],
)
def test_gzip_and_deflate_bodies_are_read(server, encoding, wbits):
    data = _deflate(b'{"instances": [[2.0, 2.0, 2.0]]}', wbits)
    status, _, text = http(
        "POST",
        f"{server.rest}/v1/models/{HALF}:predict",
        data,
        headers={"Content-Encoding": encoding},
    )
    assert (status, json.loads(text)) == (200, {"predictions": [[3.0] * 3]})


def _read_until_closed(sock):
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def _assert_head_timeout(raw):
    head, _, text = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert b"Connection: close" in head
    assert b"Content-Type: application/json" in head
    assert json.loads(text) == {
        "error": (
            "Request head not received within 500 ms; the connection is closed. "
            "Send the whole request head at once, or raise "
            "--rest-api-timeout-in-ms."
        )
    }


def test_stalled_clients_are_disconnected():
    with serve(discover_root=None, models=_models(HALF), timeout_seconds=0.5) as server:
        port = server.server.rest_port
        # Half a request head, never finished: 408, and the connection closes.
        _assert_head_timeout(
            raw_http(port, b"POST /v1/models/half:predict HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        )
        # The same for the second request of a kept-alive connection.
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.settimeout(HANG_GUARD_SECONDS)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            first = sock.recv(65536)
            assert first.startswith(b"HTTP/1.1 200 ")
            sock.sendall(b"GET /healthz HTTP/1.1\r\n")
            _assert_head_timeout(_read_until_closed(sock))
        # A full head, then a tenth of the body it announced.
        raw = raw_http(port, _post_head(f"/v1/models/{HALF}:predict", 100) + b'{"inputs"')
        head, _, text = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408 ")
        assert b"Connection: close" in head
        assert json.loads(text) == {
            "error": (
                "Request body not received within 500 ms; the connection is "
                "closed. Send the body at once, or raise "
                "--rest-api-timeout-in-ms."
            )
        }
        assert http("GET", f"{server.rest}/healthz")[0] == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_head_requests(server, path):
    status, headers, text = http("HEAD", f"{server.rest}{path}")
    assert (status, text) == (200, "")
    assert headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "signature,body,expected",
    [
        # json_tensor_test.cc MultipleNamedTensorColumnarFormat: a scalar string.
        ("", {"inputs": "hello"}, {"outputs": "hello"}),
        ("", {"inputs": {"b64": "aGk="}}, {"outputs": "hi"}),
        ("floats", {"inputs": [[]]}, {"outputs": [[]]}),
        ("floats", {"inputs": [[[], []]]}, {"outputs": [[[], []]]}),
        ("floats", {"instances": [[], []]}, {"predictions": [[], []]}),
        ("floats", {"inputs": 2.5}, {"outputs": 2.5}),
    ],
)
def test_scalar_and_empty_outputs_are_answered(server, signature, body, expected):
    status, _, text = http(
        "POST", f"{server.rest}/v1/models/{ECHO}:predict", {"signature_name": signature, **body}
    )
    assert (status, json.loads(text)) == (200, expected)


def test_scalar_string_over_grpc(stub):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = ECHO
    request.inputs["x"].CopyFrom(tf.make_tensor_proto(b"hello"))
    output = stub.Predict(request, timeout=HANG_GUARD_SECONDS).outputs["y"]
    assert list(output.string_val) == [b"hello"]
    assert list(output.tensor_shape.dim) == []


@pytest.mark.parametrize(
    "path,body,message",
    [
        (
            f"/v1/models/{HALF}:predict",
            '{"instances": [[1, 2, ' + "9" * 5000 + "]]}",
            "JSON Parse error: Number too big to be stored in double. at offset: 22",
        ),
        (
            f"/v1/models/{HALF}:predict",
            '{"instances": [[1, 2, ' + "9" * 400 + "]]}",
            (
                f"Failed to process element: 0 of 'instances' list. Error: "
                f"INVALID_ARGUMENT: JSON Value: {'9' * 400} is too big to be stored in "
                "a double."
            ),
        ),
        (
            f"/v1/models/{HALF}/versions/{'9' * 5000}:predict",
            "{}",
            f"Failed to convert version: {'9' * 5000} to numeric.",
        ),
        (
            f"/v1/models/{HALF}/versions/{'0' * 5000}7:predict",
            "{}",
            f"Servable not found for request: Specific({HALF}, 7)",
        ),
    ],
)
def test_numbers_too_big_for_any_type_get_400(server, path, body, message):
    status, _, text = http("POST", f"{server.rest}{path}", body)
    assert json.loads(text) == {"error": message}
    assert status == (404 if "not found" in message else 400)


def _tensor_request(**fields):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = ECHO
    request.model_spec.signature_name = "floats"
    dims = fields.pop("dims")
    request.inputs["x"].dtype = fields.pop("dtype", tf.float32.as_datatype_enum)
    for size in dims:
        request.inputs["x"].tensor_shape.dim.add(size=size)
    for name, value in fields.items():
        if name == "tensor_content":
            request.inputs["x"].tensor_content = value[0]
        else:
            getattr(request.inputs["x"], name).extend(value)
    return request


@pytest.mark.parametrize(
    "request_,message",
    [
        (
            _tensor_request(dims=[1], dtype=tf.resource.as_datatype_enum),
            ("tensor parsing error: x (DT_RESOURCE cannot be sent as a request tensor)"),
        ),
        (
            _tensor_request(dims=[1], dtype=tf.variant.as_datatype_enum),
            ("tensor parsing error: x (DT_VARIANT cannot be sent as a request tensor)"),
        ),
        (
            _tensor_request(dims=[2**40, 3]),
            (
                "tensor parsing error: x (its shape [1099511627776, 3] holds "
                "3298534883328 values but the request carries 0; filling in the rest "
                "would take 13194139533312 bytes, more than 67108864. Send every "
                "value.)"
            ),
        ),
        (
            _tensor_request(dims=[50_000_000, 4], float_val=[1.0]),
            (
                "tensor parsing error: x (its shape [50000000, 4] holds 200000000 "
                "values but the request carries 1; filling in the rest would take "
                "800000000 bytes, more than 67108864. Send every value.)"
            ),
        ),
        (
            _tensor_request(dims=[1, 4], float_val=[1.0] * 5),
            (
                "tensor parsing error: x (its shape [1, 4] holds 4 values but the "
                "request carries 5. Send 4 values, or a shape that holds 5.)"
            ),
        ),
        (
            _tensor_request(dims=[1, 4], tensor_content=[np.ones(5, np.float32).tobytes()]),
            (
                "tensor parsing error: x (its shape [1, 4] holds 4 values but the "
                "request carries 5. Send 4 values, or a shape that holds 5.)"
            ),
        ),
        (
            _tensor_request(dims=[1, 4], tensor_content=[bytes(15)]),
            (
                "tensor parsing error: x (its tensor_content holds 15 bytes, not a "
                "whole number of 4-byte float values. Send 4 values.)"
            ),
        ),
        (
            _tensor_request(dims=[2], dtype=tf.int8.as_datatype_enum, int_val=[1, 300]),
            "tensor parsing error: x (Python integer 300 out of bounds for int8)",
        ),
    ],
)
def test_grpc_tensors_that_cannot_be_made_are_refused(stub, request_, message):
    assert request_.ByteSize() < 64  # a few bytes
    with pytest.raises(grpc.RpcError) as raised:
        stub.Predict(request_, timeout=HANG_GUARD_SECONDS)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert raised.value.details() == message


def test_grpc_short_tensors_are_filled_as_tensorflow_does(stub):
    response = stub.Predict(
        _tensor_request(dims=[2, 3], float_val=[1.0, 2.0]), timeout=HANG_GUARD_SECONDS
    )
    assert list(response.outputs["y"].float_val) == [1.0, 2.0] + [2.0] * 4


@pytest.mark.parametrize(
    "call,request_",
    [
        ("Predict", predict_pb2.PredictRequest()),
        ("Classify", classification_pb2.ClassificationRequest()),
        (
            "GetModelMetadata",
            get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"]),
        ),
    ],
)
def test_grpc_requests_without_model_spec(stub, call, request_):
    # predict_impl.cc, classification_service.cc, get_model_metadata_impl.cc
    with pytest.raises(grpc.RpcError) as raised:
        getattr(stub, call)(request_, timeout=HANG_GUARD_SECONDS)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert raised.value.details() == "Missing ModelSpec"


@pytest.mark.parametrize(
    "body",
    [
        rb'{"signature_name": "\ud800", "instances": ["a"]}',
        rb'{"instances": ["\udfff"]}',
        rb'{"inputs": {"x": ["\ud800"]}}',
    ],
    ids=["signature name", "string input", "columnar"],
)
def test_lone_surrogates_get_400(server, body):
    status, headers, text = http("POST", f"{server.rest}/v1/models/{ECHO}:predict", body)
    assert status == 400
    assert headers["Content-Type"] == "application/json"
    assert json.loads(text)["error"].startswith(
        "JSON Parse error: The surrogate pair in string is invalid. at offset: "
    )


def _server_paths():
    return [str(Path(zoo.__file__).parents[1]), sys.prefix]


def test_model_errors_reach_clients_without_stack_traces_or_paths(caplog):
    # TensorFlow writes where each op of a traced function was defined into
    # its error messages: a client must not read the server's files in them.
    @tf.function
    def failing(x):
        tf.debugging.assert_positive(x, message="x must be positive")
        return x

    with pytest.raises(tf.errors.InvalidArgumentError) as raised:
        failing(tf.constant([-1.0]))
    assert "(most recent call last)" in raised.value.message
    with caplog.at_level(logging.WARNING, logger="zoo.serving"):
        error = request_runner.error_from_op_error(raised.value)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "assertion failed: [x must be positive" in error.message
    for leak in ["(most recent call last)", 'File "', __file__, *_server_paths()]:
        assert leak not in error.message
    assert __file__ in caplog.text  # the log keeps the details


def test_internal_errors_answer_without_details_and_log_them(server, stub, monkeypatch, caplog):
    where = f"{Path(zoo.__file__).parent}/serving/secret.py"

    def broken(*args):
        raise RuntimeError(f"broken at {where}")

    monkeypatch.setattr(json_encode, "encode_row_format", broken)
    monkeypatch.setattr(grpc_service, "_predict_response", broken)
    with caplog.at_level(logging.ERROR, logger="zoo.serving"):
        status, _, text = http(
            "POST", f"{server.rest}/v1/models/{HALF}:predict", {"instances": [[1.0, 2.0, 3.0]]}
        )
        with pytest.raises(grpc.RpcError) as raised:
            _half_over_grpc(stub)
    assert (status, json.loads(text)) == (
        500,
        {"error": ("Internal error (RuntimeError); the server log has the details.")},
    )
    assert raised.value.code() == grpc.StatusCode.INTERNAL
    assert raised.value.details() == (
        "Internal error (RuntimeError); the server log has the details."
    )
    assert caplog.text.count(where) >= 2
    assert "Traceback (most recent call last)" in caplog.text


def _hang_up_after(port, data):
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(data)
        # A reset rather than an orderly close: what a killed client does.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.mark.parametrize("sent", ["whole request", "half the body"])
def test_a_client_that_hangs_up_is_logged_once_at_debug_level(caplog, sent):
    with (
        serve(discover_root=None, models=_models(SLOW)) as server,
        BlockedModel(server, SLOW) as blocked,
        caplog.at_level(logging.DEBUG),
    ):
        body = json.dumps({"instances": [0.0]}).encode()
        head = _post_head(f"/v1/models/{SLOW}:predict", len(body))
        if sent == "whole request":
            _hang_up_after(server.server.rest_port, head + body)
            blocked.wait_until_called()
            blocked.release()  # the answer then meets a closed connection
        else:
            _hang_up_after(server.server.rest_port, head + body[:5])

        def noted():
            return [
                r
                for r in caplog.records
                if r.name.startswith(("zoo.serving", "aiohttp"))
                and ("closed the connection" in r.getMessage() or r.levelno >= logging.WARNING)
            ]

        wait_for(noted, timeout=HANG_GUARD_SECONDS)
        assert http("GET", f"{server.rest}/healthz")[0] == 200
        records = noted()
    assert [(r.levelname, r.getMessage()) for r in records] == [
        (
            "DEBUG",
            (
                f"The client closed the connection before the answer to "
                f"POST /v1/models/{SLOW}:predict was sent"
            ),
        )
    ]


def _one_value_rows(rows):
    return b'{"instances": [' + b",".join([b"[0.5]"] * rows) + b"]}"


def test_the_time_limit_covers_parsing_and_writing(monkeypatch):
    # Decoding the body is held in its codec thread past the limit: the
    # answer must be 504 while it is still held.
    entered, release = threading.Event(), threading.Event()
    decode = json_decode.decode_predict_inputs

    def held(*args, **kwargs):
        entered.set()
        assert release.wait(HANG_GUARD_SECONDS)
        return decode(*args, **kwargs)

    monkeypatch.setattr(json_decode, "decode_predict_inputs", held)
    with (
        serve(discover_root=None, models=_models(ECHO), timeout_seconds=0.5) as server,
        concurrent.futures.ThreadPoolExecutor(1) as client,
    ):
        answer = client.submit(
            http,
            "POST",
            f"{server.rest}/v1/models/{ECHO}:predict",
            b'{"signature_name": "floats", "instances": ' + _one_value_rows(20_000)[14:-1] + b"}",
        )
        try:
            assert entered.wait(HANG_GUARD_SECONDS)
            status, _, text = answer.result(HANG_GUARD_SECONDS)
        finally:
            release.set()
        assert (status, json.loads(text)) == (
            504,
            {
                "error": (
                    "Deadline exceeded: the request took longer than 500 ms. Send "
                    "fewer rows per request or raise --rest-api-timeout-in-ms."
                )
            },
        )


def test_the_codecs_stop_at_a_passed_deadline():
    # The real parser, reader and writer check the deadline as they go, so
    # a request that timed out stops using the codec threads.
    passed = Deadline(-1.0)
    body = _one_value_rows(20_000)
    for work in (
        lambda: json_text.parse_json_object(body, passed),
        lambda: json_decode.decode_predict_inputs(
            json_text.parse_json_object(body), {"x": types_pb2.DT_FLOAT}, False, passed
        ),
        lambda: json_encode.encode_row_format({"y": np.ones((20_000, 1), np.float32)}, passed),
    ):
        with pytest.raises(ServingError) as raised:
            work()
        assert raised.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
