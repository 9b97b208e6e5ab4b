"""The event loop only routes requests: large bodies, many-example
classify and regress calls and large gRPC messages are parsed, built and
written in the codec threads, and the loop never stalls for more than
100 ms meanwhile.

A probe coroutine on the server's own event loop sleeps 5 ms at a time and
keeps how late it woke up, counting a late wake-up only as far as this
process ran meanwhile (its CPU time grew): a thread holding the GIL keeps
the process running, while other jobs that take the machine's cores stop it
altogether, which is no stall of the server's making. The requests are
built before the probe starts and sent over plain sockets, so that the
test's own client does not hold the GIL while they are served.
"""

import asyncio
import gzip
import json
import threading
import time
from http.client import HTTPConnection

import grpc
import numpy as np
import pytest
import tensorflow as tf
from serving_helpers import (
    ECHO,
    HANG_GUARD_SECONDS,
    SCORER,
    exported_models,
    serve,
)
from tensorflow.core.example import example_pb2
from tensorflow_serving.apis import classification_pb2, predict_pb2

from zoo.serving import examples, grpc_service, json_encode, json_text
from zoo.serving.config import ModelConfig

STALL_LIMIT_SECONDS = 0.1
# Sizes that stall a loop that does this work itself by far more than the
# limit, while the test stays short.
EXAMPLES = 30_000
ROWS = 200_000  # one-value rows: about 1.3 MiB of JSON


class LoopProbe:
    """Sleeps 5 ms at a time on a server's event loop; `worst` is the
    longest it woke up late while the process ran, `worst_wall` the longest
    it woke up late at all.

    Args:
        server: a started `ServerThread`.
    """

    def __init__(self, server):
        self._server = server
        self._stop = threading.Event()
        self._running = None
        self.worst = self.worst_wall = 0.0

    async def _probe(self):
        loop = asyncio.get_running_loop()
        while not self._stop.is_set():
            before, ran_before = loop.time(), time.process_time()
            await asyncio.sleep(0.005)
            late = loop.time() - before - 0.005
            ran = time.process_time() - ran_before
            self.worst = max(self.worst, min(late, ran))
            self.worst_wall = max(self.worst_wall, late)

    def __enter__(self):
        self._running = self._server.submit(self._probe())
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._running.result(HANG_GUARD_SECONDS)


def _examples_json(method):
    rows = [{"x": 0.25, "tokens": [1, 2, 3], "note": "more than x"} for _ in range(EXAMPLES)]
    return json.dumps({"signature_name": f"{method}_x", "examples": rows}).encode()


def _classify_message():
    request = classification_pb2.ClassificationRequest()
    request.model_spec.name = SCORER
    request.model_spec.signature_name = "classify_x"
    example = example_pb2.Example()
    example.features.feature["x"].float_list.value.append(0.25)
    example.features.feature["tokens"].int64_list.value.extend([1, 2, 3])
    request.input.example_list.examples.extend([example] * EXAMPLES)
    return request.SerializeToString()


def _predict_message():
    request = predict_pb2.PredictRequest()
    request.model_spec.name = ECHO
    request.model_spec.signature_name = "floats"
    request.inputs["x"].CopyFrom(
        tf.make_tensor_proto(np.random.default_rng(0).random((ROWS, 4), np.float32))
    )
    return request.SerializeToString()


def _one_value_rows():
    return b'{"signature_name": "floats", "instances": [' + b",".join([b"[0.5]"] * ROWS) + b"]}"


def _wide_rows():
    rows = np.random.default_rng(1).random((ROWS // 16, 64)).round(6)
    return json.dumps({"signature_name": "floats", "instances": rows.tolist()}).encode()


def _post(port, path, body, headers=()):
    connection = HTTPConnection("127.0.0.1", port, timeout=HANG_GUARD_SECONDS)
    try:
        connection.request("POST", path, body, dict(headers))
        response = connection.getresponse()
        return response.status, len(response.read())
    finally:
        connection.close()


def _grpc_call(target, method, message):
    with grpc.insecure_channel(
        target, options=[("grpc.max_receive_message_length", -1)]
    ) as channel:
        call = channel.unary_unary(f"/tensorflow.serving.PredictionService/{method}")
        return len(call(message, timeout=HANG_GUARD_SECONDS))


@pytest.fixture
def codec_threads(monkeypatch):
    """Names the threads the heavy steps of a request run in."""
    seen = []

    def recorded(module, name):
        function = getattr(module, name)

        def wrapper(*args, **kwargs):
            seen.append((name, threading.current_thread().name))
            return function(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    recorded(json_text, "parse_json_object")
    recorded(json_encode, "encode_row_format")
    recorded(examples, "serialized_examples_from_json")
    recorded(examples, "serialized_examples_from_input")
    recorded(examples, "result")
    recorded(grpc_service, "_parsed")
    recorded(grpc_service, "_request_arrays")
    recorded(grpc_service, "_predict_response")
    return seen


@pytest.mark.slow
def test_large_requests_never_stall_the_event_loop(codec_threads):
    models = [ModelConfig(name=n, base_path=str(exported_models() / n)) for n in (SCORER, ECHO)]
    rest_bodies = [
        (f"/v1/models/{SCORER}:classify", _examples_json("classify"), ()),
        (f"/v1/models/{ECHO}:predict", _one_value_rows(), ()),
        (
            f"/v1/models/{ECHO}:predict",
            gzip.compress(_wide_rows()),
            (("Content-Encoding", "gzip"),),
        ),
    ]
    grpc_messages = [("Classify", _classify_message()), ("Predict", _predict_message())]
    with (
        serve(discover_root=None, models=models, max_body_bytes=64 << 20) as server,
        LoopProbe(server) as probe,
    ):
        for path, body, headers in rest_bodies:
            assert _post(server.server.rest_port, path, body, headers)[0] == 200
        for method, message in grpc_messages:
            assert _grpc_call(server.grpc_target, method, message) > 0
    steps = {name for name, _ in codec_threads}
    assert steps == {
        "parse_json_object",
        "encode_row_format",
        "serialized_examples_from_json",
        "serialized_examples_from_input",
        "result",
        "_parsed",
        "_request_arrays",
        "_predict_response",
    }
    assert {thread for _, thread in codec_threads if not thread.startswith("zoo-codec")} == set()
    assert probe.worst < STALL_LIMIT_SECONDS, (
        f"the event loop stalled for {probe.worst * 1000:.0f} ms while the "
        f"process ran ({probe.worst_wall * 1000:.0f} ms in all)"
    )
