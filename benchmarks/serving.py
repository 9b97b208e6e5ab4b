"""Latency and throughput of `zoo serve` against the in-process call.

Exports two models (a small dense classifier and an image-sized CNN taking
128x128x3 floats), starts `zoo serve` in a subprocess on loopback, and puts
a bounded load on it (N concurrent clients for S seconds, then one client)
over REST and gRPC, with server-side batching off and on. Each figure sits
beside the in-process call of the same SavedModel measured in the same run,
and the table prints the ratios.

With `--large-body`, it instead measures what one large JSON body costs the
server: 16 MiB of one-value rows (`[0.5],` 2.8 million times) sent to a
model of one input and one output, and 16 MiB (plain and gzip-compressed)
and 60 MB of 64-value rows sent to a dense classifier; each timed from the
first byte sent to the last byte received, with the server's peak memory
above its idle memory during the request (VmHWM, reset before each
request), the memory it still holds afterwards, and the slowest answer to
`/healthz` that a probe polling beside the request got.

With `--parsers`, it compares, in this process, ways to read those bodies
into a float32 array: Python's `json` (then NumPy), `orjson` and
`pysimdjson` when they are installed (`pip install orjson pysimdjson`), and
the server's own reader (`zoo.serving.numeric_json`), each in a fresh
process: the time, the longest the GIL was held (what a thread ticking every
millisecond beside it saw), and the memory it took above the process's
before (VmHWM).

Usage:
    python benchmarks/serving.py [--seconds 10] [--clients 32]
    python benchmarks/serving.py --large-body [--repeats 3]
    python benchmarks/serving.py --parsers
"""

import argparse
import asyncio
import concurrent.futures
import gc
import gzip
import http.client
import json
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import aiohttp
import grpc
import keras
import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

from zoo.export import export_version

BATCHING_PARAMETERS = (
    "max_batch_size { value: 32 }\n"
    "batch_timeout_micros { value: 1000 }\n"
    "num_batch_threads { value: 1 }\n"
)


def small_model():
    """A 4-feature, 3-class dense classifier (Iris-sized).

    Returns:
        A Keras model with input `features` (None, 4).
    """
    x = keras.Input((4,), name="features")
    h = keras.layers.Dense(16, activation="relu")(x)
    return keras.Model(x, keras.layers.Dense(3, activation="softmax")(h))


def image_model():
    """A small CNN on 128x128 RGB images, 10 classes.

    Returns:
        A Keras model with input `image` (None, 128, 128, 3).
    """
    x = keras.Input((128, 128, 3), name="image")
    h = keras.layers.Conv2D(16, 3, strides=2, activation="relu")(x)
    h = keras.layers.Conv2D(32, 3, strides=2, activation="relu")(h)
    h = keras.layers.GlobalAveragePooling2D()(h)
    return keras.Model(x, keras.layers.Dense(10, activation="softmax")(h))


def summarize(latencies, errors, seconds):
    """Requests per second and latency percentiles of one run.

    Args:
        latencies: list of per-request seconds.
        errors: number of failed requests.
        seconds: wall time of the run.

    Returns:
        A dict with `rps`, `p50_ms`, `p99_ms`, `errors`.
    """
    ordered = sorted(latencies) or [float("nan")]
    return {
        "rps": len(latencies) / seconds,
        "p50_ms": 1000 * ordered[len(ordered) // 2],
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "errors": errors,
    }


def in_process(version_dir, row, seconds):
    """Times sequential calls of the SavedModel's `serving_default`.

    Args:
        version_dir: the exported version.
        row: dict of one-row NumPy inputs.
        seconds: how long to measure.

    Returns:
        A summary dict (see `summarize`).
    """
    function = tf.saved_model.load(str(version_dir)).signatures["serving_default"]
    tensors = {k: tf.constant(v) for k, v in row.items()}
    for _ in range(20):
        function(**tensors)
    latencies = []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        begin = time.perf_counter()
        {k: v.numpy() for k, v in function(**tensors).items()}
        latencies.append(time.perf_counter() - begin)
    return summarize(latencies, 0, time.perf_counter() - start)


async def _load(send, clients, seconds):
    latencies, errors = [], 0
    deadline = time.perf_counter() + seconds

    async def worker():
        nonlocal errors
        while time.perf_counter() < deadline:
            begin = time.perf_counter()
            try:
                await send()
                latencies.append(time.perf_counter() - begin)
            # Counted, the load goes on.
            except Exception:  # noqa: BLE001
                errors += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return summarize(latencies, errors, time.perf_counter() - start)


async def rest_load(port, model, body, clients, seconds):
    """Bounded REST load: `clients` loops posting `body` for `seconds`.

    Args:
        port: the REST port.
        model: the model name.
        body: the request body, bytes.
        clients: number of concurrent clients.
        seconds: duration.

    Returns:
        A summary dict.
    """
    url = f"http://127.0.0.1:{port}/v1/models/{model}:predict"
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def send():
            async with session.post(url, data=body) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(response.status)

        await _load(send, 1, 1.0)
        return await _load(send, clients, seconds)


async def grpc_load(port, request, clients, seconds):
    """Bounded gRPC load with the official stubs on one channel.

    Args:
        port: the gRPC port.
        request: a `PredictRequest`.
        clients: number of concurrent clients.
        seconds: duration.

    Returns:
        A summary dict.
    """
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)

        async def send():
            await stub.Predict(request, timeout=30)

        await _load(send, 1, 1.0)
        return await _load(send, clients, seconds)


def start_server(root, batching_file, *flags):
    """Starts `zoo serve` on free ports and waits for its startup line.

    Args:
        root: folder of model folders.
        batching_file: path of a batching parameters file, or None.
        *flags: more `zoo serve` flags.

    Returns:
        `(process, rest_port, grpc_port)`.
    """
    command = [
        sys.executable,
        "-m",
        "zoo",
        "serve",
        "--model-base-path",
        str(root),
        "--rest-api-port",
        "0",
        "--port",
        "0",
        *flags,
    ]
    if batching_file:
        command += ["--batching-parameters-file", str(batching_file)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    line = process.stdout.readline()
    match = re.search(r"http://[\d.]+:(\d+) gRPC [\d.]+:(\d+)", line)
    if not match:
        process.kill()
        raise RuntimeError(f"zoo serve did not start: {line!r}")
    return process, int(match.group(1)), int(match.group(2))


def rows_model():
    """A dense classifier of 64-float rows into 10 classes.

    Returns:
        A Keras model with input `features` (None, 64).
    """
    x = keras.Input((64,), name="features")
    h = keras.layers.Dense(32, activation="relu")(x)
    return keras.Model(x, keras.layers.Dense(10, activation="softmax")(h))


def one_value_model():
    """`y = 0.5 x + 2` on rows of one float (`half_plus_two` with one
    feature).

    Returns:
        A Keras model with input `x` (None, 1).
    """
    x = keras.Input((1,), name="x")
    return keras.Model(x, keras.layers.Rescaling(0.5, offset=2.0)(x))


def one_value_rows_body(target_bytes):
    """`{"instances": [[0.5],[0.5],...]}` of about `target_bytes`.

    Args:
        target_bytes: int, the size to reach.

    Returns:
        `(body, rows)`.
    """
    rows = (target_bytes - len('{"instances": []}')) // len("[0.5],")
    return (b'{"instances": [' + b",".join([b"[0.5]"] * rows) + b"]}", rows)


def float_rows_body(target_bytes, seed=0):
    """A `{"instances": [...]}` body of random float rows, about
    `target_bytes` long.

    Args:
        target_bytes: int, the size to reach.
        seed: int.

    Returns:
        `(body, rows)`: the body bytes and the number of rows.
    """
    rng = np.random.default_rng(seed)
    row = json.dumps(rng.random(64).tolist())
    count = max(1, target_bytes // (len(row) + 2))
    rows = rng.random((count, 64))
    body = json.dumps({"instances": rows.tolist()}).encode()
    return body, count


def _memory_mib(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise KeyError(field)


def _reset_peak_memory(pid):
    # Linux: writing 5 to clear_refs resets the process's VmHWM.
    with open(f"/proc/{pid}/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


class _HealthProbe:
    """Polls `/healthz` on a kept-alive connection from a thread and keeps
    the slowest answer: how long the server's event loop kept it waiting.

    Args:
        port: the REST port.
    """

    def __init__(self, port):
        self._port = port
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self.worst = 0.0

    def _poll(self):
        connection = http.client.HTTPConnection("127.0.0.1", self._port)
        while not self._stop.is_set():
            begin = time.perf_counter()
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            self.worst = max(self.worst, time.perf_counter() - begin)
            time.sleep(0.005)
        connection.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def large_body(repeats):
    """Times large JSON bodies end to end, and their cost to the server.

    Args:
        repeats: how many times each body is sent.

    Returns:
        A list of `(case, body MiB, rows, median s, worst s, peak MiB above
        idle, MiB kept after, slowest /healthz ms, status)`; each case runs
        on a fresh server, idle is its memory before the first request.
    """
    root = Path(tempfile.mkdtemp(prefix="zoo-serving-large-"))
    export_version(rows_model(), root / "rows", save_keras=False)
    export_version(one_value_model(), root / "one", save_keras=False)
    cases = [("16 MiB, one-value rows", "one", *one_value_rows_body(16 << 20), False)]
    for name, size, compress in (
        ("16 MiB, 64-value rows", 16 << 20, False),
        ("16 MiB, 64-value rows, gzip", 16 << 20, True),
        ("60 MB, 64-value rows", 60_000_000, False),
    ):
        cases.append((name, "rows", *float_rows_body(size), compress))
    results = []
    for name, model, body, rows, compress in cases:
        # A server per case, so that idle and kept memory are its own.
        process, rest_port, _ = start_server(
            root, None, "--rest-api-max-body-bytes", str(128 << 20)
        )
        try:
            idle = _memory_mib(process.pid, "VmRSS")
            url = f"http://127.0.0.1:{rest_port}/v1/models/{model}:predict"
            sent = gzip.compress(body, 6) if compress else body
            headers = {"Content-Encoding": "gzip"} if compress else {}
            times, peaks, kept, probes, statuses = [], [], [], [], set()
            for _ in range(repeats):
                request = urllib.request.Request(url, data=sent, headers=headers)
                _reset_peak_memory(process.pid)
                with _HealthProbe(rest_port) as probe:
                    begin = time.perf_counter()
                    with urllib.request.urlopen(request, timeout=300) as answer:
                        answer.read()
                        statuses.add(answer.status)
                    times.append(time.perf_counter() - begin)
                peaks.append(_memory_mib(process.pid, "VmHWM") - idle)
                time.sleep(1.0)  # lets the server finish freeing
                kept.append(_memory_mib(process.pid, "VmRSS") - idle)
                probes.append(probe.worst * 1000)
        finally:
            process.terminate()
            process.wait(60)
        results.append(
            (
                name,
                len(body) / 2**20,
                rows,
                statistics.median(times),
                max(times),
                max(peaks),
                max(kept),
                max(probes),
                ",".join(map(str, sorted(statuses))),
            )
        )
    return results


class _GilProbe:
    """A thread that sleeps a millisecond at a time and keeps the longest
    gap between its wake-ups: how long something else held the GIL."""

    def __init__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, daemon=True)
        self.worst = 0.0

    def _tick(self):
        last = time.perf_counter()
        while not self._stop.is_set():
            time.sleep(0.001)
            now = time.perf_counter()
            self.worst = max(self.worst, now - last)
            last = now

    def __enter__(self):
        self._thread.start()
        time.sleep(0.01)
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _readers():
    """The ways to read `{"instances": rows}` into a float32 array."""
    from tensorflow.core.framework import types_pb2

    from zoo.serving import json_decode, json_text

    def zoo_reader(body):
        doc = json_text.parse_json_object(body)
        inputs, _ = json_decode.decode_predict_inputs(
            doc, {"x": types_pb2.DT_FLOAT}, json_decode.may_hold_booleans(body)
        )
        return inputs["x"]

    readers = {
        "json + NumPy": lambda body: np.asarray(json.loads(body)["instances"], np.float64).astype(
            np.float32
        )
    }
    try:
        import orjson

        readers["orjson + NumPy"] = lambda body: np.asarray(
            orjson.loads(body)["instances"], np.float64
        ).astype(np.float32)
    except ImportError:
        pass
    try:
        import simdjson

        readers["pysimdjson (as_buffer)"] = lambda body: np.frombuffer(
            simdjson.Parser().parse(body)["instances"].as_buffer(of_type="d")
        ).astype(np.float32)
    except ImportError:
        pass
    readers["zoo.serving (numeric_json)"] = zoo_reader
    return readers


_PARSER_BODIES = {
    "16 MiB, one-value rows": lambda: one_value_rows_body(16 << 20)[0],
    "16 MiB, 64-value rows": lambda: float_rows_body(16 << 20)[0],
}


def _parser_case(body_name, reader_name):
    """Reads one body with one reader: `(seconds, longest GIL hold ms, peak
    MiB above the memory before)`; run in a fresh process."""
    body = _PARSER_BODIES[body_name]()
    read = _readers()[reader_name]
    gc.collect()
    before = _memory_mib(os.getpid(), "VmRSS")
    _reset_peak_memory(os.getpid())
    with _GilProbe() as probe:
        begin = time.perf_counter()
        read(body)
        seconds = time.perf_counter() - begin
    return (seconds, probe.worst * 1000, _memory_mib(os.getpid(), "VmHWM") - before)


def parsers():
    """Times each reader on the large-body shapes, each in a fresh process
    (memory freed by one reader would otherwise hide the next one's).

    Returns:
        A list of `(body, reader, seconds, longest GIL hold ms, peak MiB
        above before)`.
    """
    results = []
    spawn = multiprocessing.get_context("spawn")
    for body_name in _PARSER_BODIES:
        for reader_name in _readers():
            with concurrent.futures.ProcessPoolExecutor(1, mp_context=spawn) as process:
                results.append(
                    (
                        body_name,
                        reader_name,
                        *process.submit(_parser_case, body_name, reader_name).result(),
                    )
                )
    return results


def print_parsers(results):
    """Prints the parser comparison as a Markdown table.

    Args:
        results: the list `parsers` returns.
    """
    print(f"\n{os.cpu_count()} CPU cores; each body read into a float32 array in this process\n")
    print("| body | reader | s | longest GIL hold ms | peak MiB above before |")
    print("|---|---|---|---|---|")
    for body, reader, seconds, hold, peak in results:
        print(f"| {body} | {reader} | {seconds:.2f} | {hold:.0f} | {peak:.0f} |")


def print_large_body(results):
    """Prints the large-body results as a Markdown table.

    Args:
        results: the list `large_body` returns.
    """
    print(
        f"\nTensorFlow {tf.__version__}, {os.cpu_count()} CPU cores, "
        "loopback, client in the same machine; one-value rows to y = 0.5 x "
        "+ 2, 64-value rows to a dense 10-class classifier\n"
    )
    print(
        "| body | MiB (JSON) | rows | status | median s | worst s | "
        "peak MiB above idle | MiB kept after | slowest /healthz ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, mib, rows, median, worst, peak, kept, probe, status in results:
        print(
            f"| {name} | {mib:.1f} | {rows} | {status} | {median:.2f} | "
            f"{worst:.2f} | {peak:.0f} | {kept:.0f} | {probe:.0f} |"
        )


def main():
    """Runs the benchmark and prints the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument(
        "--large-body", action="store_true", help="measure large JSON bodies instead"
    )
    parser.add_argument(
        "--parsers", action="store_true", help="compare JSON readers on large bodies instead"
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.large_body:
        print_large_body(large_body(args.repeats))
        return
    if args.parsers:
        print_parsers(parsers())
        return

    root = Path(tempfile.mkdtemp(prefix="zoo-serving-bench-"))
    rng = np.random.default_rng(0)
    cases = {
        "small": (small_model(), {"features": rng.random((1, 4), np.float32)}),
        "image": (image_model(), {"image": rng.random((1, 128, 128, 3), np.float32)}),
    }
    rows = []
    baselines = {}
    for name, (model, row) in cases.items():
        version_dir = export_version(model, root / name, save_keras=False)
        baselines[name] = in_process(version_dir, row, args.seconds / 2)
        rows.append((name, "in-process", "-", 1, baselines[name]))
    batching_file = root / "batching.config"
    batching_file.write_text(BATCHING_PARAMETERS)

    for batching in ("off", "on"):
        process, rest_port, grpc_port = start_server(
            root, batching_file if batching == "on" else None
        )
        try:
            for name, (_, row) in cases.items():
                ((input_name, array),) = row.items()
                body = json.dumps({"instances": array.tolist()}).encode()
                request = predict_pb2.PredictRequest()
                request.model_spec.name = name
                request.inputs[input_name].CopyFrom(tf.make_tensor_proto(array))
                for clients in (1, args.clients):
                    seconds = args.seconds if clients > 1 else args.seconds / 2
                    rest = asyncio.run(rest_load(rest_port, name, body, clients, seconds))
                    rows.append((name, "REST", batching, clients, rest))
                    rpc = asyncio.run(grpc_load(grpc_port, request, clients, seconds))
                    rows.append((name, "gRPC", batching, clients, rpc))
        finally:
            process.terminate()
            process.wait(60)
    print_table(rows, baselines)


def print_table(rows, baselines):
    """Prints the results as a Markdown table with ratios to in-process.

    Args:
        rows: list of `(model, path, batching, clients, summary)`.
        baselines: dict model -> in-process summary.
    """
    print(
        f"\nTensorFlow {tf.__version__}, {os.cpu_count()} CPU cores, "
        "loopback, load generator in the same machine\n"
    )
    print(
        "| model | path | batching | clients | req/s | p50 ms | p99 ms | "
        "errors | req/s vs in-process | p50 - in-process p50 (ms) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for model, path, batching, clients, s in rows:
        base = baselines[model]
        print(
            f"| {model} | {path} | {batching} | {clients} | {s['rps']:.0f} | "
            f"{s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {s['errors']} | "
            f"{s['rps'] / base['rps']:.2f}x | "
            f"{s['p50_ms'] - base['p50_ms']:+.2f} |"
        )


if __name__ == "__main__":
    main()
