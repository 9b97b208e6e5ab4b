"""Warm-up before a version is served, as TF Serving does it.

A SavedModel may carry `assets.extra/tf_serving_warmup_requests`: a TFRecord
file of `PredictionLog` messages (predict, classify or regress requests, at
most 1000). TF Serving runs each of them `--num_request_iterations_for_warmup`
times before it serves the version, so the first real request does not pay
for TensorFlow's lazy initialisation; a record that fails keeps the version
out. This server does the same. A version without the file is served once
it loads, as in TF Serving: a request made up here could fail, or hang, on
inputs the model never sees.
"""

from pathlib import Path

import numpy as np
import tensorflow as tf
from google.protobuf.message import DecodeError
from tensorflow_serving.apis import prediction_log_pb2

from zoo.serving import examples
from zoo.serving.request_runner import check_request
from zoo.serving.tensor_proto import from_tensor_proto

WARMUP_FILE = Path("assets.extra") / "tf_serving_warmup_requests"
MAX_RECORDS = 1000  # WarmupConsts::kMaxNumRecords


def run(servable, iterations=1):
    """Warms up a loaded version; blocking, call it off the event loop.

    Args:
        servable: the `Servable`.
        iterations: how many times each warm-up record runs.

    Returns:
        How many warm-up records were read (0 without a warm-up file).

    Raises:
        Exception: what a warm-up request raised, or a `ValueError` for a
            file that is not a TFRecord of at most 1000 `PredictionLog`s.
    """
    path = servable.path / WARMUP_FILE
    if not path.is_file():
        return 0
    count = 0
    for record in _records(path):
        if count == MAX_RECORDS:
            raise ValueError(
                f"Number of warmup records exceeds the maximum ({MAX_RECORDS}) at {WARMUP_FILE}"
            )
        log = prediction_log_pb2.PredictionLog()
        try:
            log.ParseFromString(record)
        except DecodeError:
            raise ValueError(f"Failed to parse warmup record {count} from {WARMUP_FILE}") from None
        for _ in range(iterations):
            _run_record(servable, log)
        count += 1
    return count


def _records(path):
    try:
        for record in tf.data.TFRecordDataset(str(path)):
            yield record.numpy()
    except tf.errors.DataLossError as error:
        raise ValueError(
            f"{WARMUP_FILE}: {error.message}. Please verify your warmup data is in TFRecord format."
        ) from None


def _run_record(servable, log):
    kind = log.WhichOneof("log_type")
    if kind is None or kind == "multi_inference_log":
        # MultiInference is not served here, so it needs no warming.
        return
    if kind == "predict_log":
        request = log.predict_log.request
        inputs = {name: from_tensor_proto(name, proto) for name, proto in request.inputs.items()}
        name, _ = check_request(
            servable, request.model_spec.signature_name, inputs, tuple(request.output_filter)
        )
        servable.run(name, inputs)
    elif kind in ("classify_log", "regress_log"):
        request = getattr(log, kind).request
        method = examples.CLASSIFY if kind == "classify_log" else examples.REGRESS
        name, key = examples.check_method(servable, request.model_spec.signature_name, method)
        serialized = examples.serialized_examples_from_input(request.input)
        array = np.empty(len(serialized), dtype=object)
        array[:] = serialized
        servable.run(name, {key: array})
    else:
        raise NotImplementedError(f"Unsupported log_type for warmup: {kind}")
