"""`:classify` and `:regress`: tf.Example requests on TF1-style signatures.

A port of TF Serving's JSON-to-tf.Example rules (`json_tensor.cc`) and of the
classification / regression result layouts. The signatures are the ones
`tf.compat.v1.saved_model.classification_signature_def` and
`regression_signature_def` write: one string input `inputs` of serialized
examples, outputs `classes` / `scores`, or `outputs`.
"""

import json

import grpc
import numpy as np
from tensorflow.core.example import example_pb2
from tensorflow_serving.apis import classification_pb2, regression_pb2

from zoo.serving.errors import ServingError, invalid_argument
from zoo.serving.json_decode import decode_b64, is_b64_object
from zoo.serving.json_text import json_type, materialized, quote_value
from zoo.serving.number_text import format_decimal
from zoo.serving.servable import DEFAULT_SIGNATURE

CLASSIFY = "tensorflow/serving/classify"
REGRESS = "tensorflow/serving/regress"
_METHOD_WORDS = {CLASSIFY: "classification", REGRESS: "regression"}
# How many examples are built between two deadline checks.
_CHECK_EVERY = 1024
_INT64 = (-(2**63), 2**63 - 1)
_UINT64_MAX = 2**64 - 1


def _kind_name(feature):
    return {"bytes_list": "bytes", "float_list": "float", "int64_list": "int64"}.get(
        feature.WhichOneof("kind"), "UNKNOWN"
    )


def _append(feature, name, kind, value):
    current = feature.WhichOneof("kind")
    if current not in (None, kind):
        raise invalid_argument(
            f"Unexpected element type in feature: {name} expecting type: {_kind_name(feature)}"
        )
    getattr(feature, kind).value.append(value)


def _add_value(feature, name, value):
    if (
        value is None
        or isinstance(value, list)
        or (isinstance(value, dict) and not is_b64_object(value))
    ):
        raise invalid_argument(
            f"Feature: {name} has element with unexpected JSON type: {json_type(value)}"
        )
    if isinstance(value, bool):
        _append(feature, name, "int64_list", int(value))
    elif isinstance(value, dict):
        _append(feature, name, "bytes_list", decode_b64(value))
    elif isinstance(value, str):
        _append(feature, name, "bytes_list", value.encode("utf-8"))
    elif isinstance(value, int) and _INT64[0] <= value <= _INT64[1]:
        _append(feature, name, "int64_list", value)
    elif isinstance(value, int) and 0 < value <= _UINT64_MAX:
        raise invalid_argument(f"Feature: {name} has uint64_t element. Only int64_t is supported.")
    else:
        # A fraction, or an integer too large for 64 bits, which rapidjson
        # reads as a double; beyond float32 it becomes +-inf, as in TF.
        try:
            value = float(value)
        except OverflowError:  # rapidjson refuses such a number outright
            raise invalid_argument(
                f"Feature: {name} has a number too big to be stored in a double."
            ) from None
        _append(feature, name, "float_list", value)


def _example_from_json(value):
    if not isinstance(value, dict):
        raise invalid_argument(f"Example must be JSON object but got JSON {json_type(value)}")
    example = example_pb2.Example()
    for name, content in value.items():
        feature = example.features.feature[name]
        for item in content if isinstance(content, list) else [content]:
            _add_value(feature, name, item)
    return example


def serialized_examples_from_json(doc, method, deadline=None):
    """Reads the `examples` (and optional `context`) of a REST request.

    Args:
        doc: the decoded request object.
        method: `"classify"` or `"regress"`, for the error message.
        deadline: optional `Deadline`, checked as the examples are built.

    Returns:
        A list of serialized `tf.Example`s, the context merged into each.

    Raises:
        ServingError: INVALID_ARGUMENT with TF Serving's messages;
            DEADLINE_EXCEEDED when the deadline passes.
    """
    doc = materialized(doc)
    context = _example_from_json(doc["context"]).SerializeToString() if "context" in doc else b""
    examples = doc.get("examples")
    if "examples" not in doc:
        raise invalid_argument(
            f"JSON Value: {quote_value(doc)} When method is {method}, key "
            "'examples' is expected and was not found"
        )
    if not isinstance(examples, list):
        raise invalid_argument(
            f"JSON Value: {quote_value(doc)} Expecting 'examples' value to be an list/array"
        )
    if not examples:
        raise invalid_argument(f"JSON Value: {quote_value(doc)} 'examples' value is an empty array")
    # Concatenated serializations merge: the example's features override the
    # context's, which is how TF Serving applies a context.
    serialized = []
    for index, example in enumerate(examples):
        if deadline is not None and index % _CHECK_EVERY == 0:
            deadline.check()
        serialized.append(context + _example_from_json(example).SerializeToString())
    return serialized


def serialized_examples_from_input(request_input, deadline=None):
    """Reads the examples of a gRPC `Input` message.

    Args:
        request_input: an `input_pb2.Input`.
        deadline: optional `Deadline`, checked as the examples are written.

    Returns:
        A list of serialized `tf.Example`s, the context merged into each.

    Raises:
        ServingError: INVALID_ARGUMENT when the input holds no examples;
            DEADLINE_EXCEEDED when the deadline passes.
    """
    kind = request_input.WhichOneof("kind")
    if kind == "example_list":
        examples = request_input.example_list.examples
        context = b""
    elif kind == "example_list_with_context":
        examples = request_input.example_list_with_context.examples
        context = request_input.example_list_with_context.context.SerializeToString()
    else:
        raise invalid_argument(
            "Input is empty; send an example_list or an example_list_with_context."
        )
    if not examples:
        raise invalid_argument("Input is empty; send at least one example.")
    serialized = []
    for index, example in enumerate(examples):
        if deadline is not None and index % _CHECK_EVERY == 0:
            deadline.check()
        serialized.append(context + example.SerializeToString())
    return serialized


def check_signature(signature, method):
    """Checks that a signature is a classification or regression one.

    Args:
        signature: the `SignatureDef`.
        method: `CLASSIFY` or `REGRESS`.

    Returns:
        The name of its serialized-examples input.

    Raises:
        ServingError: INVALID_ARGUMENT naming what the signature is instead.
    """
    if signature.method_name != method:
        raise invalid_argument(
            f"Expected {_METHOD_WORDS[method]} signature method_name to be "
            f"{method}. Was: {signature.method_name}. Use :predict with this "
            "signature, or export one with "
            f"tf.compat.v1.saved_model.{_METHOD_WORDS[method]}_signature_def."
        )
    if list(signature.inputs) != ["inputs"]:
        raise invalid_argument(
            f"A {_METHOD_WORDS[method]} signature takes one input named "
            f"'inputs' (serialized tf.Examples); this one takes "
            f"{sorted(signature.inputs)}."
        )
    return "inputs"


def classification_result(outputs, rows):
    """Builds a `ClassificationResult` from `classes` and/or `scores`.

    Args:
        outputs: dict of NumPy arrays from the signature.
        rows: number of examples sent.

    Returns:
        A `classification_pb2.ClassificationResult`.
    """
    classes = outputs.get("classes")
    scores = outputs.get("scores")
    if classes is None and scores is None:
        raise ServingError(
            grpc.StatusCode.INVALID_ARGUMENT,
            "Expected classification signature outputs "
            "'classes' and/or 'scores'; found "
            f"{sorted(outputs)}.",
        )
    shaped = classes if classes is not None else scores
    result = classification_pb2.ClassificationResult()
    for row in range(rows):
        entry = result.classifications.add()
        for column in range(shaped.shape[1] if shaped.ndim > 1 else 1):
            item = entry.classes.add()
            if classes is not None:
                label = classes.reshape(rows, -1)[row, column]
                item.label = (
                    label.decode("utf-8", "replace") if isinstance(label, bytes) else str(label)
                )
            if scores is not None:
                item.score = float(scores.reshape(rows, -1)[row, column])
    return result


def regression_result(outputs, rows):
    """Builds a `RegressionResult` from the `outputs` tensor.

    Args:
        outputs: dict of NumPy arrays from the signature.
        rows: number of examples sent.

    Returns:
        A `regression_pb2.RegressionResult`.
    """
    values = outputs.get("outputs")
    if values is None or values.size != rows:
        raise ServingError(
            grpc.StatusCode.INVALID_ARGUMENT,
            "Expected regression signature output 'outputs' "
            f"with one value per example ({rows}); found "
            f"{ {k: list(v.shape) for k, v in outputs.items()} }.",
        )
    result = regression_pb2.RegressionResult()
    for value in values.reshape(-1).tolist():
        result.regressions.add(value=value)
    return result


def classification_json(result):
    """Writes a classification result as TF Serving does.

    Args:
        result: a `ClassificationResult`.

    Returns:
        The response body text, `{"results": [[["label", score], ...], ...]}`.

    Raises:
        ServingError: when the result holds no classification.
    """
    if not result.classifications:
        raise invalid_argument("Cannot convert empty ClassificationResults to JSON")
    rows = []
    for entry in result.classifications:
        pairs = ", ".join(
            f"[{json.dumps(c.label, ensure_ascii=False)}, {format_decimal(c.score, True)}]"
            for c in entry.classes
        )
        rows.append(f"[{pairs}]")
    return '{\n    "results": [' + ", ".join(rows) + "\n    ]\n}"


def regression_json(result):
    """Writes a regression result as TF Serving does.

    Args:
        result: a `RegressionResult`.

    Returns:
        The response body text, `{"results": [value, ...]}`.

    Raises:
        ServingError: when the result holds no regression.
    """
    if not result.regressions:
        raise invalid_argument("Cannot convert empty RegressionResults to JSON")
    values = ", ".join(format_decimal(r.value, True) for r in result.regressions)
    return '{\n    "results": [' + values + "]\n}"


def check_method(servable, signature_name, method):
    """Checks that a request's signature is one for `method`.

    Args:
        servable: the `Servable` to run on.
        signature_name: the signature; `""` means `serving_default`.
        method: `CLASSIFY` or `REGRESS`.

    Returns:
        A tuple `(signature name, name of its serialized-examples input)`.

    Raises:
        ServingError: FAILED_PRECONDITION for an unknown signature,
            INVALID_ARGUMENT for one of another kind.
    """
    name = signature_name or DEFAULT_SIGNATURE
    signature = servable.signature_defs.get(name)
    if signature is None:
        raise ServingError(
            grpc.StatusCode.FAILED_PRECONDITION, f'Serving signature key "{name}" not found.'
        )
    return name, check_signature(signature, method)


async def predict(runner, servable, signature_name, serialized, method, deadline=None):
    """Runs serialized examples through a classify or regress signature.

    Args:
        runner: the `RequestRunner`.
        servable: the `Servable` to run on.
        signature_name: the signature; `""` means `serving_default`.
        serialized: list of serialized `tf.Example`s.
        method: `CLASSIFY` or `REGRESS`.
        deadline: optional `Deadline` of the request.

    Returns:
        The signature's outputs, a dict of NumPy arrays; `result` turns them
        into a `ClassificationResult` or a `RegressionResult`.

    Raises:
        ServingError: when the signature does not fit or the model fails.
    """
    name, key = check_method(servable, signature_name, method)
    array = np.empty(len(serialized), dtype=object)
    array[:] = serialized
    _, outputs = await runner.predict(
        servable,
        name,
        {key: array},
        api="Classify" if method == CLASSIFY else "Regress",
        deadline=deadline,
    )
    return outputs


def result(outputs, rows, method):
    """The result message of a classify or regress call.

    Args:
        outputs: the signature's outputs, from `predict`.
        rows: how many examples were sent.
        method: `CLASSIFY` or `REGRESS`.

    Returns:
        A `ClassificationResult` or a `RegressionResult`.
    """
    build = classification_result if method == CLASSIFY else regression_result
    return build(outputs, rows)
