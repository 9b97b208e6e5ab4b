"""Shared pieces of the serving tests: tiny exported models, an in-process
server on free 127.0.0.1 ports, and small HTTP helpers."""

import asyncio
import atexit
import concurrent.futures
import errno
import functools
import gzip
import json
import os
import shutil
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from zoo.export import export_version, write_version, write_warmup_requests
from zoo.serving.server import ModelServer, ServerOptions

HALF = "half"  # x (None, 3) float -> 0.5 * x + offset; also `plus_one`
MULTI = "multi"  # a (None, 2) float, b (None,) int64 -> sum, twice
TEXT = "text"  # text (None,) string -> length int32, text_bytes string
SLOW = "slow"  # seconds (None,) float -> busy-waits, reports batch size
SCORER = "scorer"  # TF1 classify / regress signatures on tf.Example feature x
ECHO = "echo"  # x string, any shape -> y = x; "floats": x float -> y = x
READER = "reader"  # path (None,) string -> size of the file path[0]
# How long a test waits for an announced event before calling it hung.
HANG_GUARD_SECONDS = 300


def export_half(base, offset=2.0):
    """Exports the next version of `0.5 * x + offset` under `base`.

    Args:
        base: the model's folder.
        offset: float; a new version with another offset answers
            differently, which is how the reload test tells versions apart.

    Returns:
        The new version's `Path`.
    """
    x = keras.Input((3,), name="x")
    y = keras.layers.Rescaling(0.5, offset=offset, name="y")(x)
    model = keras.Model(x, y)
    spec = [tf.TensorSpec((None, 3), tf.float32, name="x")]
    return export_version(
        model,
        base,
        save_keras=False,
        endpoints={
            "serving_default": (model, spec),
            "plus_one": (lambda x: {"y": model(x) + 1.0}, spec),
        },
    )


def _export_multi(base):
    a = keras.Input((2,), name="a")
    b = keras.Input((), name="b", dtype="int64")
    total = keras.layers.Dense(1, kernel_initializer="ones", bias_initializer="zeros", name="sum")(
        a
    )
    twice = keras.ops.cast(b, "float32") * 2.0
    model = keras.Model({"a": a, "b": b}, {"sum": total, "twice": twice})
    return export_version(model, base, save_keras=False)


class _TextModule(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def serve(self, text):
        return {"length": tf.strings.length(text), "text_bytes": tf.strings.upper(text)}


class _SlowModule(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="seconds")])
    def serve(self, seconds):
        start = tf.timestamp()
        limit = tf.cast(tf.reduce_max(seconds), tf.float64)
        spins = tf.while_loop(
            lambda i: tf.timestamp() - start < limit, lambda i: i + 1, [tf.constant(0)]
        )
        rows = tf.shape(seconds)[0]
        return {
            "waited": seconds + 0.0 * tf.cast(spins, tf.float32),
            "batch_size": tf.fill([rows], rows),
        }


class _EchoModule(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec(None, tf.string, name="x")])
    def serve(self, x):
        return {"y": tf.identity(x)}

    @tf.function(input_signature=[tf.TensorSpec(None, tf.float32, name="x")])
    def floats(self, x):
        return {"y": tf.identity(x)}


class _ReaderModule(tf.Module):
    """Reads a file inside the graph: on a FIFO, the call blocks inside a
    TensorFlow op (ReadFile) until a writer opens the FIFO."""

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="path")])
    def serve(self, path):
        return {"size": tf.strings.length(tf.io.read_file(path[0]))}


def export_reader(base, warmup_path=None):
    """Exports the next version of the `reader` model under `base`.

    Args:
        base: the model's folder.
        warmup_path: the file its warm-up request reads; its own
            `saved_model.pb` if None. A FIFO makes the warm-up hang inside
            TensorFlow until the FIFO is released.

    Returns:
        The new version's `Path`.
    """
    version = _export_module(_ReaderModule(), base)
    path = warmup_path or version / "saved_model.pb"
    write_warmup_requests(
        version,
        READER,
        warmup_inputs={"serving_default": {"path": np.array([str(path).encode()], object)}},
    )
    return version


def _export_echo(base):
    module = _EchoModule()
    return write_version(
        base,
        lambda d: tf.saved_model.save(
            module, str(d), signatures={"serving_default": module.serve, "floats": module.floats}
        ),
    )


def _export_scorer(base):
    """A TF1-style SavedModel with tf.Example classify and regress
    signatures, the kind estimators exported."""

    def write(directory):
        staging = Path(directory) / "model"
        with tf.Graph().as_default(), tf.compat.v1.Session() as session:
            examples = tf.compat.v1.placeholder(tf.string, [None])
            x = tf.io.parse_example(examples, {"x": tf.io.FixedLenFeature([], tf.float32)})["x"]
            scores = tf.stack([x, 1.0 - x], axis=1)
            classes = tf.tile(tf.constant([["yes", "no"]]), [tf.shape(x)[0], 1])
            builder = tf.compat.v1.saved_model.Builder(str(staging))
            signatures = tf.compat.v1.saved_model
            builder.add_meta_graph_and_variables(
                session,
                ["serve"],
                signature_def_map={
                    "classify_x": signatures.classification_signature_def(
                        examples, classes, scores
                    ),
                    "regress_x": signatures.regression_signature_def(examples, 2.0 * x + 1.0),
                },
            )
            builder.save()
        for item in staging.iterdir():
            item.rename(Path(directory) / item.name)
        staging.rmdir()

    return write_version(base, write)


def export_half_plus_two(version_dir):
    """Rebuilds TensorFlow Serving's own test model, `half_plus_two`.

    TF Serving's REST handler tests run against it: `y = 0.5 x + 2`,
    `y2 = 0.5 x + 3` and `y3 = 0.5 x2 + 3`, where `x` and `x2` are float
    features of serialized tf.Examples (`x2` defaults to 0), with the six
    signatures its metadata file lists (the same names, tensor names,
    shapes and methods), in a TF1 graph.

    Args:
        version_dir: the version directory to write, e.g.
            `.../half_plus_two/00000123` (TF Serving's zero-padded layout).

    Returns:
        The `Path` of the version directory.
    """
    v1 = tf.compat.v1
    with tf.Graph().as_default(), v1.Session() as session:
        a = v1.Variable(0.5, name="a")
        b = v1.Variable(2.0, name="b")
        c = v1.Variable(3.0, name="c")
        examples = v1.placeholder(tf.string, name="tf_example")
        features = tf.io.parse_example(
            examples,
            {
                "x": tf.io.FixedLenFeature([1], tf.float32),
                "x2": tf.io.FixedLenFeature([1], tf.float32, default_value=[0.0]),
            },
        )
        for name in ("x", "x2"):
            # The serialized examples' rank is unknown, so parse_example
            # cannot infer this; TF Serving's model declares [-1, 1].
            features[name].set_shape([None, 1])
        x = tf.identity(features["x"], name="x")
        x2 = tf.identity(features["x2"], name="x2")
        y = tf.identity(a * x + b, name="y")
        y2 = tf.identity(a * x + c, name="y2")
        y3 = tf.identity(a * x2 + c, name="y3")
        session.run(v1.global_variables_initializer())

        def signature(inputs, outputs, method):
            info = v1.saved_model.utils.build_tensor_info
            return v1.saved_model.signature_def_utils.build_signature_def(
                {k: info(t) for k, t in inputs.items()},
                {k: info(t) for k, t in outputs.items()},
                f"tensorflow/serving/{method}",
            )

        builder = v1.saved_model.Builder(str(version_dir))
        builder.add_meta_graph_and_variables(
            session,
            ["serve"],
            signature_def_map={
                "serving_default": signature({"x": x}, {"y": y}, "predict"),
                "regress_x_to_y": signature({"inputs": examples}, {"outputs": y}, "regress"),
                "regress_x_to_y2": signature({"inputs": examples}, {"outputs": y2}, "regress"),
                "regress_x2_to_y3": signature({"inputs": x2}, {"outputs": y3}, "regress"),
                "classify_x_to_y": signature({"inputs": examples}, {"scores": y}, "classify"),
                "classify_x2_to_y3": signature({"inputs": x2}, {"scores": y3}, "classify"),
            },
        )
        builder.save()
    return Path(version_dir)


def _export_module(module, base):
    return write_version(
        base,
        lambda d: tf.saved_model.save(module, str(d), signatures={"serving_default": module.serve}),
    )


@functools.cache
def exported_models():
    """Exports the test models once per test session.

    Returns:
        The `Path` of a folder holding `half/1`, `multi/1`, `text/1`,
        `slow/1`, `scorer/1`, `echo/1` and `reader/1`; removed when the test
        process exits.
    """
    root = Path(tempfile.mkdtemp(prefix="zoo-serving-test-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    export_half(root / HALF)
    _export_multi(root / MULTI)
    _export_module(_TextModule(), root / TEXT)
    _export_module(_SlowModule(), root / SLOW)
    _export_scorer(root / SCORER)
    _export_echo(root / ECHO)
    export_reader(root / READER)
    return root


class ServerThread:
    """Runs a `ModelServer` on its own event loop in a background thread.

    Args:
        options: a `ServerOptions`; ports default to 0 (free ports).

    Use as a context manager; `rest` and `grpc_target` give the addresses.
    """

    def __init__(self, options):
        self.server = ModelServer(options)
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._error = None
        self._thread = threading.Thread(target=self._main, daemon=True)

    def _main(self):
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self.server.start())
        # Reported by __enter__.
        except BaseException as error:  # noqa: BLE001
            self._error = error
            self._started.set()
            self._loop.close()
            return
        self._started.set()
        self._loop.run_until_complete(self.server.wait_stopped())
        self._loop.close()

    def __enter__(self):
        self._thread.start()
        self._started.wait(120)
        if self._error:
            raise self._error
        return self

    def __exit__(self, *exc):
        self._loop.call_soon_threadsafe(self.server.request_stop)
        self._thread.join(60)

    def wait_for_version(self, name, version, state="AVAILABLE"):
        """Blocks until the registry announces that a version is in `state`.

        Args:
            name: the model name.
            version: the version number.
            state: `"AVAILABLE"` or `"END"`.

        Raises:
            AssertionError: when the announcement never comes; the limit
                only stops a hung test, it is not what the test measures.
        """
        waiting = asyncio.run_coroutine_threadsafe(
            self.server.registry.wait_for_version(name, version, state), self._loop
        )
        try:
            waiting.result(HANG_GUARD_SECONDS)
        except concurrent.futures.TimeoutError:
            waiting.cancel()
            status = http("GET", f"{self.rest}/v1/models/{name}")[2]
            raise AssertionError(
                f"{name} version {version} never became {state}; status: {status}"
            ) from None

    def submit(self, coroutine):
        """Runs a coroutine on the server's event loop.

        Args:
            coroutine: a coroutine object.

        Returns:
            A `concurrent.futures.Future` of its result.
        """
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def refresh(self):
        """Runs one poll of the model folders on the server's loop and waits
        for it, so a test sees the effect of a change on disk at once."""
        asyncio.run_coroutine_threadsafe(self.server.registry.refresh(), self._loop).result(
            HANG_GUARD_SECONDS
        )

    @property
    def rest(self):
        """Base URL of the REST API, e.g. `http://127.0.0.1:40123`."""
        return f"http://127.0.0.1:{self.server.rest_port}"

    @property
    def grpc_target(self):
        """`host:port` of the gRPC server."""
        return f"127.0.0.1:{self.server.grpc_port}"


def serve(root=None, **overrides):
    """A `ServerThread` for every model folder under `root` on free ports.

    Args:
        root: the folder of model folders; the exported test models if None.
        **overrides: `ServerOptions` fields to change.

    Returns:
        A `ServerThread` (not yet started).
    """
    options = ServerOptions(discover_root=str(root or exported_models()), rest_port=0, grpc_port=0)
    for name, value in overrides.items():
        setattr(options, name, value)
    return ServerThread(options)


def http(method, url, body=None, headers=None, timeout=30):
    """Sends one HTTP request with urllib.

    Args:
        method: `"GET"` or `"POST"`.
        url: the full URL.
        body: optional bytes, str or JSON-serialisable object.
        headers: optional dict of headers.
        timeout: seconds.

    Returns:
        A tuple `(status, headers, text)`.
    """
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def post_gzip(url, obj):
    """POSTs a JSON object gzip-compressed; returns `(status, headers, text)`.

    Args:
        url: the full URL.
        obj: a JSON-serialisable object.

    Returns:
        A tuple `(status, headers, text)`.
    """
    return http(
        "POST", url, gzip.compress(json.dumps(obj).encode()), headers={"Content-Encoding": "gzip"}
    )


def wait_for(predicate, timeout=30.0, interval=0.05):
    """Polls `predicate` until it returns a truthy value or time runs out.

    Args:
        predicate: a callable.
        timeout: seconds.
        interval: seconds between tries.

    Returns:
        The truthy value.

    Raises:
        AssertionError: when the deadline passes.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


class BlockedModel:
    """Makes every call of a served model wait until the test releases it.

    A stand-in for a model that hangs, without burning a CPU: the calls
    block on an event. Use as a context manager; leaving it releases them.

    Args:
        server: a started `ServerThread`.
        name: the model name.
    """

    def __init__(self, server, name):
        self._servable = server.server.registry.servable(name)
        self._release = threading.Event()
        self.entered = threading.Semaphore(0)

    def _blocked_run(self, signature_name, inputs):
        self.entered.release()
        if not self._release.wait(HANG_GUARD_SECONDS):
            raise AssertionError("the test never released the blocked model")
        return type(self._servable).run(self._servable, signature_name, inputs)

    def wait_until_called(self, times=1):
        """Blocks until the model has been called `times` more times."""
        for _ in range(times):
            assert self.entered.acquire(timeout=HANG_GUARD_SECONDS), (
                "the blocked model was never called"
            )

    def release(self):
        """Lets every waiting and later call run."""
        self._release.set()

    def __enter__(self):
        self._servable.run = self._blocked_run
        return self

    def __exit__(self, *exc):
        self.release()
        del self._servable.run


class Fifo:
    """A named pipe: a `reader` model call on its path blocks inside
    TensorFlow, in the open() of its ReadFile op, until `release`.

    Args:
        folder: where to make the FIFO.
    """

    def __init__(self, folder):
        self.path = Path(folder) / "fifo"
        os.mkfifo(self.path)

    def release(self):
        """Unblocks every call waiting on the FIFO: opens it for writing as
        long as some reader has it open (a reader blocked in open() counts),
        so each blocked open() returns."""
        deadline = time.monotonic() + HANG_GUARD_SECONDS
        while time.monotonic() < deadline:
            try:
                descriptor = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as error:
                if error.errno == errno.ENXIO:  # no reader left
                    return
                raise
            os.close(descriptor)
            time.sleep(0.01)  # lets the readers leave before looking again
        raise AssertionError("calls kept reading the FIFO")


def raw_http(port, data, read=True):
    """Sends raw bytes to the REST port; returns what comes back until the
    server closes the connection.

    Args:
        port: the REST port.
        data: the bytes to send (a request, possibly incomplete).
        read: whether to read the answer.

    Returns:
        The bytes received before the server closed the connection; the
        socket's time limit is only a hang guard.
    """
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(HANG_GUARD_SECONDS)
        try:
            sock.sendall(data)
        except OSError:  # the server closed while we sent: read its answer
            pass
        received = b""
        while read:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
        return received
