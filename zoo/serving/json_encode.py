"""TF Serving's JSON responses: `predictions`, `outputs` and errors.

A port of the writing half of `tensorflow_serving/util/json_tensor.cc`: the
same layout (rapidjson's pretty writer, rows on one line), the same float
digits (`WriteDecimal`, in `number_text`: six significant digits when they
round-trip, `3.0`, `NaN`, `Infinity`), `{"b64": ...}` for outputs whose name
ends in `_bytes`, and the same errors. A response is written as a list of
text parts: a large numeric tensor's text comes from `number_text.write` in
parts, never built value by value nor copied whole.
"""

import base64
import json
import math

import grpc

from zoo.serving import number_text
from zoo.serving.errors import ServingError, invalid_argument

_INDENT = "    "
# Above this many values, a numeric tensor is written by number_text.write;
# below it, building nested lists costs less than setting that up.
_SMALL_ARRAY = 64


def _b64_object(data, depth):
    inner = _INDENT * (depth + 1)
    text = base64.b64encode(data).decode("ascii")
    return f'{{\n{inner}"b64": "{text}"\n{_INDENT * depth}}}'


def _strings(array, as_bytes, depth):
    out = []
    for value in array.ravel().tolist():
        data = value if isinstance(value, bytes) else str(value).encode()
        if as_bytes:
            out.append(_b64_object(data, depth))
            continue
        try:
            out.append(json.dumps(data.decode("utf-8"), ensure_ascii=False))
        except UnicodeDecodeError:
            # Not text: TF Serving would emit invalid JSON here; b64 is the
            # format's own way to carry arbitrary bytes.
            out.append(_b64_object(data, depth))
    return out


def _leaves(array, as_bytes, depth):
    """Formats every element of an array as JSON text, flat, in C order."""
    kind = array.dtype.kind
    if kind in "fbiu":
        return number_text.texts(array)
    if kind in "OSU":
        return _strings(array, as_bytes, depth)
    raise ServingError(
        grpc.StatusCode.INVALID_ARGUMENT,
        f"Failed to write JSON value for tensor type: {array.dtype}",
    )


def _nest(leaves, shape):
    """Groups a flat list into nested lists of `shape` (C order); a scalar
    shape gives the one leaf. Empty dimensions give empty lists."""
    if not shape:
        return leaves[0]
    for axis in range(len(shape) - 1, 0, -1):
        size, count = shape[axis], math.prod(shape[:axis])
        leaves = [leaves[i * size : (i + 1) * size] for i in range(count)]
    return leaves


def _tensor(name, array, leaf_depth):
    """One tensor as nested lists of JSON texts."""
    as_bytes = array.dtype.kind in "OSU" and name.endswith("_bytes")
    return _nest(_leaves(array, as_bytes, leaf_depth), array.shape)


def _single_line(node):
    if isinstance(node, list):
        return "[" + ", ".join(_single_line(n) for n in node) + "]"
    return node


def _pretty(node, depth):
    """Lays out nested lists of JSON texts as rapidjson's pretty writer does."""
    if not isinstance(node, list):
        return node
    if not node:
        return "[]"
    inner = "\n" + _INDENT * (depth + 1)
    return (
        "[" + ",".join(inner + _pretty(n, depth + 1) for n in node) + "\n" + _INDENT * depth + "]"
    )


def _check_not_empty(outputs):
    if not outputs:
        raise invalid_argument("Cannot convert empty tensor map to JSON")


def _batch_size(outputs):
    batch_size = None
    for name, array in sorted(outputs.items()):
        if array.ndim == 0:
            raise invalid_argument(f"Tensor name: {name} has no shape information ")
        if batch_size is not None and array.shape[0] != batch_size:
            raise invalid_argument(
                f"Tensor name: {name} has inconsistent batch size: "
                f"{array.shape[0]} expecting: {batch_size}"
            )
        batch_size = array.shape[0]
    return batch_size


def _is_large_numeric(array):
    # More than _SMALL_ARRAY values: at least one dimension, none of them 0.
    return array.dtype.kind in "fbiu" and array.size > _SMALL_ARRAY


def encode_row_format(outputs, deadline=None):
    """Writes a `{"predictions": [...]}` response, as TF Serving lays it out.

    Args:
        outputs: dict mapping output names to NumPy arrays, all with the same
            first (batch) dimension.
        deadline: optional `Deadline`, checked while a large tensor is
            written.

    Returns:
        The response body, a list of text parts to send in order.

    Raises:
        ServingError: when there are no outputs, an output has no batch
            dimension or the batch sizes differ; DEADLINE_EXCEEDED when the
            deadline passes.

    Example:
    >>> print("".join(encode_row_format({"y": np.array([[1, 2]], np.int32)})))
    {
        "predictions": [[1, 2]
        ]
    }
    """
    _check_not_empty(outputs)
    batch_size = _batch_size(outputs)
    multi = len(outputs) > 1
    if not batch_size:
        return ['{\n    "predictions": []\n}']
    if not multi:
        ((_, array),) = outputs.items()
        if _is_large_numeric(array):
            return [
                '{\n    "predictions": [',
                *number_text.write(array, outer_brackets=False, deadline=deadline),
                "\n    ]\n}",
            ]
    depth = 3 if multi else 2
    rows = {
        name: _tensor(name, array, depth + array.ndim - 1)
        for name, array in sorted(outputs.items())
    }
    if not multi:
        (values,) = rows.values()
        joined = ", ".join(_single_line(row) for row in values)
    else:
        joined = ",".join(
            f"\n{_INDENT * 2}{{"
            + ",".join(
                f"\n{_INDENT * 3}{json.dumps(name, ensure_ascii=False)}: {_single_line(values[i])}"
                for name, values in rows.items()
            )
            + f"\n{_INDENT * 2}}}"
            for i in range(batch_size)
        )
    return ['{\n    "predictions": [' + joined + "\n    ]\n}"]


def _pretty_tensor(name, array, depth, deadline):
    """One tensor in rapidjson's pretty layout at `depth`, as text parts."""
    if _is_large_numeric(array):
        return number_text.write(array, pretty=True, depth=depth, deadline=deadline)
    return [_pretty(_tensor(name, array, depth + array.ndim), depth)]


def encode_columnar_format(outputs, deadline=None):
    """Writes an `{"outputs": ...}` response, as TF Serving lays it out.

    Args:
        outputs: dict mapping output names to NumPy arrays.
        deadline: optional `Deadline`, checked while a large tensor is
            written.

    Returns:
        The response body, a list of text parts to send in order.

    Raises:
        ServingError: when there are no outputs; DEADLINE_EXCEEDED when the
            deadline passes.

    Example:
    >>> print("".join(encode_columnar_format(
    ...     {"y": np.array(b"hello", dtype=object)})))
    {
        "outputs": "hello"
    }
    """
    _check_not_empty(outputs)
    if len(outputs) == 1:
        ((name, array),) = outputs.items()
        return ['{\n    "outputs": ', *_pretty_tensor(name, array, 1, deadline), "\n}"]
    parts = ['{\n    "outputs": {']
    for index, (name, array) in enumerate(sorted(outputs.items())):
        parts.append(
            ("," if index else "")
            + "\n"
            + _INDENT * 2
            + json.dumps(name, ensure_ascii=False)
            + ": "
        )
        parts += _pretty_tensor(name, array, 2, deadline)
    parts.append("\n" + _INDENT + "}\n}")
    return parts


def error_body(message):
    """Writes TF Serving's error body, `{"error": "<message>"}`.

    Args:
        message: the error text.

    Returns:
        The response body text.
    """
    return '{\n    "error": ' + json.dumps(message, ensure_ascii=False) + "\n}"
