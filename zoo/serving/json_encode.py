"""TF Serving's JSON responses: `predictions`, `outputs` and errors.

A port of the writing half of `tensorflow_serving/util/json_tensor.cc`: the
same layout (rapidjson's pretty writer, rows on one line), the same float
digits (`WriteDecimal`: six significant digits when they round-trip, `3.0`,
`NaN`, `Infinity`), `{"b64": ...}` for outputs whose name ends in `_bytes`,
and the same errors.
"""

import base64
import json
import math

import grpc
import numpy as np

from zoo.serving.errors import ServingError, invalid_argument

_INDENT = "    "
# Below this many values, formatting one by one beats NumPy's set-up cost.
_SMALL_ARRAY = 64


def format_decimal(value, float32):
    """Writes a float the way TF Serving's `WriteDecimal` does.

    Six significant digits when they round-trip, else full precision; a
    `.0` is added to whole numbers; NaN and infinities as `NaN`,
    `Infinity`, `-Infinity`.

    Args:
        value: a Python float.
        float32: bool, whether the value is a float32 (else a double).

    Returns:
        The JSON number text.

    Example:
    >>> format_decimal(3.0, True), format_decimal(1 / 3, False)
    ('3.0', '0.33333333333333331')
    """
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "-Infinity" if value < 0 else "Infinity"
    text = "%.6g" % value
    back = float(text)
    if float32:
        back = float(np.float32(back))
    if back != value:
        text = ("%.9g" if float32 else "%.17g") % value
    if "." not in text and "e" not in text:
        text += ".0"
    return text


def _format_floats(array):
    """Formats every element of a float array; returns a flat list of text.

    The same digits as `format_decimal`, with the round-trip check done by
    NumPy for the whole array at once.
    """
    float32 = array.dtype != np.float64
    flat = array.astype(np.float32 if float32 else np.float64).ravel()
    values = flat.tolist()
    if len(values) <= _SMALL_ARRAY:
        return [format_decimal(v, float32) for v in values]
    texts = ["%.6g" % v for v in values]
    finite = np.isfinite(flat)
    with np.errstate(all="ignore"):
        parsed = np.array(texts, dtype=np.float64)
        if float32:
            parsed = parsed.astype(np.float32)
    exact = (parsed == flat) | ~finite
    wide = "%.9g" if float32 else "%.17g"
    out = []
    for text, value, ok, fin in zip(texts, values, exact.tolist(),
                                    finite.tolist()):
        if not fin:
            out.append(format_decimal(value, float32))
            continue
        if not ok:
            text = wide % value
        if "." not in text and "e" not in text:
            text += ".0"
        out.append(text)
    return out


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
    if kind == "f":
        return _format_floats(array)
    if kind == "b":
        return ["true" if v else "false" for v in array.ravel().tolist()]
    if kind in "iu":
        return [str(v) for v in array.ravel().tolist()]
    if kind in "OSU":
        return _strings(array, as_bytes, depth)
    raise ServingError(grpc.StatusCode.INVALID_ARGUMENT,
                       f"Failed to write JSON value for tensor type: "
                       f"{array.dtype}")


def _nest(leaves, shape):
    """Groups a flat list into nested lists of `shape` (C order); a scalar
    shape gives the one leaf. Empty dimensions give empty lists."""
    if not shape:
        return leaves[0]
    for axis in range(len(shape) - 1, 0, -1):
        size, count = shape[axis], math.prod(shape[:axis])
        leaves = [leaves[i * size:(i + 1) * size] for i in range(count)]
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
    if isinstance(node, list):
        if not node:
            return "[]"
        inner = "\n" + _INDENT * (depth + 1)
        return ("[" + ",".join(inner + _pretty(n, depth + 1) for n in node)
                + "\n" + _INDENT * depth + "]")
    if isinstance(node, dict):
        if not node:
            return "{}"
        inner = "\n" + _INDENT * (depth + 1)
        return ("{" + ",".join(
            inner + json.dumps(k, ensure_ascii=False) + ": "
            + _pretty(v, depth + 1) for k, v in node.items())
            + "\n" + _INDENT * depth + "}")
    return node


def _check_not_empty(outputs):
    if not outputs:
        raise invalid_argument("Cannot convert empty tensor map to JSON")


def _batch_size(outputs):
    batch_size = None
    for name, array in sorted(outputs.items()):
        if array.ndim == 0:
            raise invalid_argument(
                f"Tensor name: {name} has no shape information ")
        if batch_size is not None and array.shape[0] != batch_size:
            raise invalid_argument(
                f"Tensor name: {name} has inconsistent batch size: "
                f"{array.shape[0]} expecting: {batch_size}")
        batch_size = array.shape[0]
    return batch_size


def encode_row_format(outputs):
    """Writes a `{"predictions": [...]}` response, as TF Serving lays it out.

    Args:
        outputs: dict mapping output names to NumPy arrays, all with the same
            first (batch) dimension.

    Returns:
        The response body text.

    Raises:
        ServingError: when there are no outputs, an output has no batch
            dimension or the batch sizes differ.

    Example:
    >>> print(encode_row_format({"y": np.array([[1, 2]], np.int32)}))
    {
        "predictions": [[1, 2]
        ]
    }
    """
    _check_not_empty(outputs)
    batch_size = _batch_size(outputs)
    multi = len(outputs) > 1
    depth = 3 if multi else 2
    rows = {name: _tensor(name, array, depth + array.ndim - 1)
            for name, array in sorted(outputs.items())}
    if not batch_size:
        return '{\n    "predictions": []\n}'
    if not multi:
        (values,) = rows.values()
        joined = ", ".join(_single_line(row) for row in values)
    else:
        joined = ",".join(
            f"\n{_INDENT * 2}{{" + ",".join(
                f"\n{_INDENT * 3}{json.dumps(name, ensure_ascii=False)}: "
                f"{_single_line(values[i])}" for name, values in rows.items())
            + f"\n{_INDENT * 2}}}" for i in range(batch_size))
    return '{\n    "predictions": [' + joined + "\n    ]\n}"


def encode_columnar_format(outputs):
    """Writes an `{"outputs": ...}` response, as TF Serving lays it out.

    Args:
        outputs: dict mapping output names to NumPy arrays.

    Returns:
        The response body text.

    Raises:
        ServingError: when there are no outputs.

    Example:
    >>> print(encode_columnar_format({"y": np.array(b"hello", dtype=object)}))
    {
        "outputs": "hello"
    }
    """
    _check_not_empty(outputs)
    if len(outputs) == 1:
        ((name, array),) = outputs.items()
        body = _tensor(name, array, 1 + array.ndim)
    else:
        body = {name: _tensor(name, array, 2 + array.ndim)
                for name, array in sorted(outputs.items())}
    return '{\n    "outputs": ' + _pretty(body, 1) + "\n}"


def error_body(message):
    """Writes TF Serving's error body, `{"error": "<message>"}`.

    Args:
        message: the error text.

    Returns:
        The response body text.
    """
    return '{\n    "error": ' + json.dumps(message, ensure_ascii=False) + "\n}"
