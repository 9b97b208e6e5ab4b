"""Latency and throughput of `zoo serve` against the in-process call.

Exports two models (a small dense classifier and an image-sized CNN taking
128x128x3 floats), starts `zoo serve` in a subprocess on loopback, and puts
a bounded load on it (N concurrent clients for S seconds, then one client)
over REST and gRPC, with server-side batching off and on. Each figure sits
beside the in-process call of the same SavedModel measured in the same run,
and the table prints the ratios.

With `--large-body`, it instead measures what one large JSON body costs the
server: a body of float rows (16 MiB plain, 16 MiB gzip-compressed, and
60 MB) sent to a dense classifier, timed from the first byte sent to the
last byte received, and the server's peak memory above its idle memory
during the request (VmHWM, reset before each request).

Usage:
    python benchmarks/serving.py [--seconds 10] [--clients 32]
    python benchmarks/serving.py --large-body [--repeats 3]
"""

import argparse
import asyncio
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import aiohttp  # noqa: E402
import grpc  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow_serving.apis import (predict_pb2,  # noqa: E402
                                     prediction_service_pb2_grpc)

from zoo.export import export_version  # noqa: E402

BATCHING_PARAMETERS = ("max_batch_size { value: 32 }\n"
                       "batch_timeout_micros { value: 1000 }\n"
                       "num_batch_threads { value: 1 }\n")


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
    return {"rps": len(latencies) / seconds,
            "p50_ms": 1000 * ordered[len(ordered) // 2],
            "p99_ms": 1000 * ordered[min(len(ordered) - 1,
                                         int(len(ordered) * 0.99))],
            "errors": errors}


def in_process(version_dir, row, seconds):
    """Times sequential calls of the SavedModel's `serving_default`.

    Args:
        version_dir: the exported version.
        row: dict of one-row NumPy inputs.
        seconds: how long to measure.

    Returns:
        A summary dict (see `summarize`).
    """
    function = tf.saved_model.load(str(version_dir)).signatures[
        "serving_default"]
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
            except Exception:  # counted, the load goes on
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
    command = [sys.executable, "-m", "zoo", "serve", "--model-base-path",
               str(root), "--rest-api-port", "0", "--port", "0", *flags]
    if batching_file:
        command += ["--batching-parameters-file", str(batching_file)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
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


def large_body(repeats):
    """Times large JSON bodies end to end and the server's extra memory.

    Args:
        repeats: how many times each body is sent.

    Returns:
        A list of `(case, body MiB, rows, median s, worst s, peak MiB above
        idle, status)`.
    """
    root = Path(tempfile.mkdtemp(prefix="zoo-serving-large-"))
    export_version(rows_model(), root / "rows", save_keras=False)
    cases = []
    for name, size, compress in (("16 MiB JSON", 16 << 20, False),
                                 ("16 MiB JSON, gzip", 16 << 20, True),
                                 ("60 MB JSON", 60_000_000, False)):
        body, rows = float_rows_body(size)
        sent = gzip.compress(body, 6) if compress else body
        cases.append((name, body, rows, sent, compress))
    process, rest_port, _ = start_server(
        root, None, "--rest-api-max-body-bytes", str(128 << 20))
    url = f"http://127.0.0.1:{rest_port}/v1/models/rows:predict"
    results = []
    try:
        for name, body, rows, sent, compress in cases:
            times, peaks, statuses = [], [], set()
            for _ in range(repeats):
                headers = {"Content-Encoding": "gzip"} if compress else {}
                request = urllib.request.Request(url, data=sent,
                                                 headers=headers)
                _reset_peak_memory(process.pid)
                idle = _memory_mib(process.pid, "VmRSS")
                begin = time.perf_counter()
                with urllib.request.urlopen(request, timeout=300) as answer:
                    answer.read()
                    statuses.add(answer.status)
                times.append(time.perf_counter() - begin)
                peaks.append(_memory_mib(process.pid, "VmHWM") - idle)
            results.append((name, len(body) / 2 ** 20, rows,
                            statistics.median(times), max(times), max(peaks),
                            ",".join(map(str, sorted(statuses)))))
    finally:
        process.terminate()
        process.wait(60)
    return results


def print_large_body(results):
    """Prints the large-body results as a Markdown table.

    Args:
        results: the list `large_body` returns.
    """
    print(f"\nTensorFlow {tf.__version__}, {os.cpu_count()} CPU cores, "
          "loopback, client in the same machine; rows of 64 floats to a "
          "dense 10-class classifier\n")
    print("| body | MiB (JSON) | rows | status | median s | worst s | "
          "peak MiB above idle |")
    print("|---|---|---|---|---|---|---|")
    for name, mib, rows, median, worst, peak, status in results:
        print(f"| {name} | {mib:.1f} | {rows} | {status} | {median:.2f} | "
              f"{worst:.2f} | {peak:.0f} |")


def main():
    """Runs the benchmark and prints the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--large-body", action="store_true",
                        help="measure large JSON bodies instead")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.large_body:
        print_large_body(large_body(args.repeats))
        return

    root = Path(tempfile.mkdtemp(prefix="zoo-serving-bench-"))
    rng = np.random.default_rng(0)
    cases = {
        "small": (small_model(), {"features": rng.random((1, 4), np.float32)}),
        "image": (image_model(),
                  {"image": rng.random((1, 128, 128, 3), np.float32)}),
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
            root, batching_file if batching == "on" else None)
        try:
            for name, (_, row) in cases.items():
                (input_name, array), = row.items()
                body = json.dumps({"instances": array.tolist()}).encode()
                request = predict_pb2.PredictRequest()
                request.model_spec.name = name
                request.inputs[input_name].CopyFrom(tf.make_tensor_proto(array))
                for clients in (1, args.clients):
                    seconds = args.seconds if clients > 1 else args.seconds / 2
                    rest = asyncio.run(rest_load(rest_port, name, body,
                                                 clients, seconds))
                    rows.append((name, "REST", batching, clients, rest))
                    rpc = asyncio.run(grpc_load(grpc_port, request, clients,
                                                seconds))
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
    print(f"\nTensorFlow {tf.__version__}, {os.cpu_count()} CPU cores, "
          "loopback, load generator in the same machine\n")
    print("| model | path | batching | clients | req/s | p50 ms | p99 ms | "
          "errors | req/s vs in-process | p50 - in-process p50 (ms) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for model, path, batching, clients, s in rows:
        base = baselines[model]
        print(f"| {model} | {path} | {batching} | {clients} | {s['rps']:.0f} | "
              f"{s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {s['errors']} | "
              f"{s['rps'] / base['rps']:.2f}x | "
              f"{s['p50_ms'] - base['p50_ms']:+.2f} |")


if __name__ == "__main__":
    main()
