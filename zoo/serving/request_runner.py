"""Checks a predict request against its signature and runs it.

Shared by the REST and gRPC front ends, so both give the same answers and the
same errors (TF Serving's `predict_util.cc` wording where it has one).
"""

import logging
import time

import grpc
import tensorflow as tf

from zoo.serving.deadline import Deadline
from zoo.serving.dtypes import dtype_name
from zoo.serving.errors import ServingError, client_text, invalid_argument
from zoo.serving.servable import DEFAULT_SIGNATURE

log = logging.getLogger("zoo.serving")

PREDICT_METHODS = (
    "tensorflow/serving/predict",
    "tensorflow/serving/classify",
    "tensorflow/serving/regress",
)


class RequestRunner:
    """Runs predict requests, batched or not, within a time limit.

    `in_flight` counts the requests being run now (readiness reports it, so
    an operator can watch a drain). Each model runs in its own threads, so a
    slow model never holds up another.

    Args:
        executors: the `ModelExecutors` model calls run in.
        timeout_seconds: float, the longest a request may take.
        batcher: optional `BatchScheduler`; requests are merged when given.
        metrics: optional `ServingMetrics` recording each call's time.
    """

    def __init__(self, executors, timeout_seconds, batcher=None, metrics=None):
        self._executors = executors
        self._timeout = timeout_seconds
        self._batcher = batcher
        self._metrics = metrics
        self.in_flight = 0

    async def predict(
        self, servable, signature_name, inputs, output_filter=(), api="Predict", deadline=None
    ):
        """Validates and runs a request.

        Args:
            servable: the `Servable` to run on.
            signature_name: the signature name; `""` means
                `serving_default`.
            inputs: dict mapping input names to NumPy arrays.
            output_filter: optional output names to return (all if empty).
            api: `"Predict"`, `"Classify"` or `"Regress"`, for the metrics.
            deadline: the request's `Deadline`; a new one of the time limit
                when None.

        Returns:
            A tuple `(signature_name, outputs)`: the signature used and a dict
            mapping output names to NumPy arrays.

        Raises:
            ServingError: with TF Serving's code and message for the fault.
        """
        name, wanted = check_request(servable, signature_name, inputs, output_filter)
        self.in_flight += 1
        start = time.perf_counter()
        try:
            outputs = await self._run(servable, name, inputs, deadline or Deadline(self._timeout))
        finally:
            self.in_flight -= 1
        if self._metrics is not None:
            self._metrics.record_runtime(servable.name, api, time.perf_counter() - start)
        return name, {key: outputs[key] for key in wanted}

    async def _run(self, servable, name, inputs, deadline):
        if self._batcher is not None:
            call = self._batcher.run(servable, name, inputs)
        else:
            call = self._executors.run(servable.name, servable.run, name, inputs)
        try:
            return await deadline.run(call)
        except tf.errors.OpError as error:
            raise error_from_op_error(error) from None


def error_from_op_error(error):
    """The `ServingError` for a TensorFlow error raised by a model call.

    TensorFlow's message may hold where the failing op was defined, a
    stack trace through the server's files: the client gets the message
    without it, and the server log gets all of it.

    Args:
        error: a `tf.errors.OpError`.

    Returns:
        A `ServingError` with the same canonical code and the message.
    """
    code = grpc.StatusCode.INVALID_ARGUMENT
    for status_code in grpc.StatusCode:
        if status_code.value[0] == error.error_code:
            code = status_code
    message = client_text(error.message)
    if message != error.message:
        log.warning("A model call failed: %s", error.message)
    return ServingError(code, message)


def check_request(servable, signature_name, inputs, output_filter=()):
    """Checks a predict request against its signature, as TF Serving does.

    Args:
        servable: the `Servable` the request runs on.
        signature_name: the signature name; `""` means `serving_default`.
        inputs: dict mapping input names to NumPy arrays.
        output_filter: optional output names to return (all if empty).

    Returns:
        A tuple `(signature_name, output_names)`: the signature to call and
        the outputs to answer with.

    Raises:
        ServingError: with TF Serving's code and message for the fault.
    """
    name = signature_name or DEFAULT_SIGNATURE
    signature = servable.signature_defs.get(name)
    if signature is None:
        raise ServingError(
            grpc.StatusCode.FAILED_PRECONDITION, f'Serving signature key "{name}" not found.'
        )
    if signature.method_name not in PREDICT_METHODS:
        raise ServingError(
            grpc.StatusCode.INTERNAL,
            "Expected prediction signature method_name to be one of {"
            + ", ".join(PREDICT_METHODS)
            + "}. Was: "
            + signature.method_name,
        )
    _check_input_names(signature, inputs)
    wanted = _check_output_filter(signature, output_filter)
    for index, key in enumerate(sorted(signature.inputs)):
        _check_input(key, index, signature.inputs[key], inputs[key], name)
    return name, wanted


def _check_input_names(signature, inputs):
    expected = set(signature.inputs)
    sent = set(inputs)
    if len(sent) != len(expected):
        raise invalid_argument(
            f"input size does not match signature: {len(sent)}!="
            f"{len(expected)} len({{{','.join(sorted(sent))}}}) != "
            f"len({{{','.join(sorted(expected))}}}). Sent extra: "
            f"{{{','.join(sorted(sent - expected))}}}. Missing but required: "
            f"{{{','.join(sorted(expected - sent))}}}."
        )
    unknown = sorted(sent - expected)
    if unknown:
        raise invalid_argument(
            f"input tensor alias not found in signature: {unknown[0]}. Inputs "
            f"expected to be in the set {{{','.join(sorted(expected))}}}."
        )


def _check_output_filter(signature, output_filter):
    seen = []
    for alias in output_filter:
        if alias not in signature.outputs:
            raise invalid_argument(
                f"output tensor alias not found in signature: {alias} Outputs "
                f"expected to be in the set "
                f"{{{','.join(sorted(signature.outputs))}}}."
            )
        if alias in seen:
            raise invalid_argument(f"duplicate output tensor alias: {alias}")
        seen.append(alias)
    return seen or sorted(signature.outputs)


def _check_input(key, index, info, array, signature_name):
    expected = dtype_name(info.dtype)
    got = _array_dtype_name(array)
    if got != expected:
        raise invalid_argument(
            f"Expects arg[{index}] to be {expected} but {got} is provided "
            f"(input {key!r} of signature {signature_name!r})."
        )
    if info.tensor_shape.unknown_rank:
        return
    dims = [d.size for d in info.tensor_shape.dim]
    if len(dims) != array.ndim or any(d != -1 and d != s for d, s in zip(dims, array.shape)):
        raise invalid_argument(
            f"input {key!r} of signature {signature_name!r} has shape "
            f"[{','.join(str(s) for s in array.shape)}] but the signature "
            f"expects [{','.join(str(d) for d in dims)}] (-1 is any size). "
            "Check the request against the model's metadata."
        )


def _array_dtype_name(array):
    if array.dtype.kind in "OSU":
        return "string"
    return dtype_name(tf.dtypes.as_dtype(array.dtype).as_datatype_enum)
