"""TF Serving's JSON requests: `instances` and `inputs` to tensors.

A port of the reading half of `tensorflow_serving/util/json_tensor.cc`: the
same acceptance rules and the same error messages, `{"b64": ...}` strings
included. A large dense numeric array arrives as a `NumericText` and is read
straight into the input's dtype; other numeric lists take a vectorised path
through NumPy; anything these cannot vouch for goes through the exact
element-by-element rules, so errors always read as TF Serving writes them.
Parsing the body text and quoting values in errors live in `json_text`.
"""

import base64
import binascii

import grpc
import numpy as np
from tensorflow.core.framework import types_pb2

from zoo.serving import search
from zoo.serving.dtypes import (
    FLOATS,
    INT_RANGES,
    NARROW_INTS,
    dtype_name,
    numpy_dtype,
)
from zoo.serving.errors import ServingError, invalid_argument
from zoo.serving.json_text import json_type, materialized, quote_value
from zoo.serving.numeric_json import NumericText

# The most dimensions a NumPy 1.x array holds (2.x: 64, TensorFlow: 254).
_MAX_RANK = 32


def signature_name_of(doc):
    """Returns the request's `signature_name`, `""` when absent.

    Args:
        doc: the decoded request object.

    Returns:
        The signature name string.

    Raises:
        ServingError: when `signature_name` is not a string.
    """
    name = doc.get("signature_name", "")
    if not isinstance(name, str):
        raise invalid_argument(
            f"JSON Value: {quote_value(doc)} not formatted correctly. "
            "'signature_name' key must be a string value."
        )
    return name


def _too_big(value):
    return invalid_argument(
        f"JSON Value: {quote_value(value)} is too big to be stored in a double."
    )


def _type_error(value, dtype):
    return invalid_argument(
        f"JSON Value: {quote_value(value)} Type: {json_type(value)} is not "
        f"of expected type: {dtype_name(dtype)}"
    )


def is_b64_object(value):
    """Whether a JSON value is `{"b64": "<string>"}` and nothing else.

    Args:
        value: a value from `parse_json_object`.

    Returns:
        bool.
    """
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("b64"), str)


def decode_b64(value):
    """Decodes a `{"b64": ...}` object (padding optional, as in absl).

    Args:
        value: a value from `parse_json_object`.

    Returns:
        The decoded bytes.

    Raises:
        ServingError: INVALID_ARGUMENT for a malformed object or bad base64.
    """
    if not is_b64_object(value):
        raise invalid_argument(
            f"JSON Value: {quote_value(value)} not formatted correctly for base64 data"
        )
    text = value["b64"].strip()
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise invalid_argument("Unable to base64 decode") from None


def _convert_scalar(value, dtype):
    """One JSON scalar to a Python value of `dtype` (AddValueToTensor)."""
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if dtype in FLOATS:
        if not is_number:
            raise _type_error(value, dtype)
        # Any number is taken, rounded to the nearest float, as TF Serving
        # has done since 2021: `1435774380` and `1435774380.0` must agree.
        try:
            return float(value)
        except OverflowError:  # rapidjson refuses such a number outright
            raise _too_big(value) from None
    if dtype in INT_RANGES:
        if not is_number or not isinstance(value, int):
            raise _type_error(value, dtype)
        low, high = INT_RANGES[dtype]
        if not low <= value <= high:
            bound = INT_RANGES[types_pb2.DT_INT32] if dtype in NARROW_INTS else (low, high)
            if not bound[0] <= value <= bound[1]:
                raise _type_error(value, dtype)
            raise invalid_argument(
                f"JSON Value: {value} is out of range for {dtype_name(dtype)} [{low}, {high}]"
            )
        return value
    if dtype == types_pb2.DT_STRING:
        if not isinstance(value, str):
            raise _type_error(value, dtype)
        return value.encode("utf-8")
    if dtype == types_pb2.DT_BOOL:
        if not isinstance(value, bool):
            raise _type_error(value, dtype)
        return value
    raise ServingError(
        grpc.StatusCode.UNIMPLEMENTED,
        f"Conversion of JSON Value: {quote_value(value)} to type: {dtype_name(dtype)}",
    )


def _dense_shape(value, max_rank=_MAX_RANK):
    dims = []
    while isinstance(value, list):
        if len(dims) == max_rank:
            raise invalid_argument(
                f"JSON list nested more than {_MAX_RANK} levels deep: a "
                f"request tensor has at most {_MAX_RANK} dimensions, one "
                "level of nesting each."
            )
        dims.append(len(value))
        if not value:
            break
        value = value[0]
    return dims


def _fill(value, level, dims, dtype, out):
    """Checks and flattens one JSON tensor (FillTensorProto)."""
    rank = len(dims)
    if not isinstance(value, list):
        if level != rank:
            raise invalid_argument(
                f"JSON Value: {quote_value(value)} found at incorrect level: "
                f"{level + 1} in the JSON DOM. Expected at level: {rank}"
            )
        if isinstance(value, dict):
            if dtype != types_pb2.DT_STRING:
                raise _type_error(value, dtype)
            out.append(decode_b64(value))
        else:
            out.append(_convert_scalar(value, dtype))
        return
    if level >= rank:
        raise invalid_argument(f"Encountered list at unexpected level: {level} expected < {rank}")
    if len(value) != dims[level]:
        raise invalid_argument(
            f"Encountered list at unexpected size: {len(value)} at level: "
            f"{level} expected size: {dims[level]}"
        )
    for item in value:
        _fill(item, level + 1, dims, dtype, out)


def _fast_array(value, dtype, allow_fast):
    """Converts a regular numeric nested list with NumPy, or returns None.

    None means "not sure": the caller then applies the exact rules, which
    either accept the value or explain what is wrong with it.
    """
    # A body that may hold booleans is never read here (`may_hold_booleans`),
    # so a boolean input is left to the exact rules, which name the value.
    if not allow_fast or dtype in (types_pb2.DT_STRING, types_pb2.DT_BOOL):
        return None
    target = numpy_dtype(dtype)
    if target is None or target is np.float16:
        return None
    try:
        array = np.array(value)
    except (ValueError, OverflowError):
        return None
    if array.ndim > _MAX_RANK:
        return None
    kind = array.dtype.kind
    if kind not in "if":
        return None
    if dtype in FLOATS:
        return _as_float(array, target)
    if kind != "i":
        return None
    low, high = INT_RANGES[dtype]
    if array.min() < low or array.max() > high:
        return None
    return array.astype(target)


def _tensor_from_json(value, dtype, allow_fast):
    """One JSON value (scalar or nested lists) to a NumPy array of `dtype`."""
    array = _fast_array(value, dtype, allow_fast)
    if array is not None:
        return array
    dims = _dense_shape(value)
    flat = []
    _fill(value, 0, dims, dtype, flat)
    return _flat_to_array(flat, dims, dtype)


def _as_float(values, target):
    # Beyond float32's range a value becomes +-inf, below it 0, as C's
    # double-to-float conversion in TF Serving does; that is not an error.
    with np.errstate(over="ignore"):
        return np.asarray(values, dtype=np.float64).astype(target)


def _flat_to_array(flat, dims, dtype):
    if dtype == types_pb2.DT_STRING:
        array = np.empty(len(flat), dtype=object)
        array[:] = flat
        return array.reshape(dims)
    target = numpy_dtype(dtype)
    if dtype in FLOATS:
        return _as_float(flat, target).reshape(dims)
    return np.array(flat, dtype=target).reshape(dims)


def _shape_text(dims):
    return "[" + ",".join(str(d) for d in dims) + "]"


def _is_element_object(value):
    return isinstance(value, dict) and not is_b64_object(value)


class _RowCollector:
    """Accumulates one input's values across `instances` (AddInstanceItem)."""

    def __init__(self, dtype):
        self.dtype = dtype
        self.dims = None
        self.size = None
        self.values = []

    def add(self, item):
        dims = _dense_shape(item, _MAX_RANK - 1)  # rows add a dimension
        flat = []
        _fill(item, 0, dims, self.dtype, flat)
        if self.size is None:
            self.size, self.dims = len(flat), dims
        elif self.size != len(flat):
            raise invalid_argument(f"Expecting tensor size: {self.size} but got: {len(flat)}")
        elif self.dims != dims:
            raise invalid_argument(
                f"Expecting shape {_shape_text(self.dims)} but got: {_shape_text(dims)}"
            )
        self.values.extend(flat)

    def array(self, rows):
        return _flat_to_array(self.values, [rows] + self.dims, self.dtype)


def _wrap_error(prefix, error):
    return ServingError(
        grpc.StatusCode.INVALID_ARGUMENT, f"{prefix} Error: {error.code.name}: {error.message}"
    )


def _rows_exact(instances, input_dtypes):
    """The element-by-element reading of `instances`, with TF's messages."""
    first = instances[0]
    objects = _is_element_object(first)
    names = sorted(input_dtypes)
    collectors = {name: _RowCollector(dtype) for name, dtype in input_dtypes.items()}
    for index, element in enumerate(instances):
        if objects:
            if not _is_element_object(element):
                raise invalid_argument(
                    f"Expecting object but got list at item {index} of input list"
                )
            for name, value in element.items():
                prefix = f"Failed to process element: {index} key: {name} of 'instances' list."
                if name not in collectors:
                    raise _wrap_error(
                        prefix, invalid_argument(f"JSON object: does not have named input: {name}")
                    )
                try:
                    collectors[name].add(value)
                except ServingError as error:
                    raise _wrap_error(prefix, error) from None
            if set(element) != set(names):
                raise invalid_argument(
                    f"Failed to process element: {index} of 'instances' "
                    f"list. JSON object: {quote_value(element)} keys must be "
                    f"equal to: {','.join(names)}"
                )
        else:
            if _is_element_object(element):
                raise invalid_argument(
                    f"Expecting value/list but got object at item {index} of input list"
                )
            try:
                collectors[names[0]].add(element)
            except ServingError as error:
                raise _wrap_error(
                    f"Failed to process element: {index} of 'instances' list.", error
                ) from None
    return {name: c.array(len(instances)) for name, c in collectors.items()}


def _rows_fast(instances, input_dtypes, allow_fast):
    names = sorted(input_dtypes)
    if len(names) == 1 and not _is_element_object(instances[0]):
        array = _fast_array(instances, input_dtypes[names[0]], allow_fast)
        return None if array is None else {names[0]: array}
    if not all(
        isinstance(e, dict) and len(e) == len(names) and all(n in e for n in names)
        for e in instances
    ):
        return None
    arrays = {}
    for name in names:
        array = _fast_array([e[name] for e in instances], input_dtypes[name], allow_fast)
        if array is None:
            return None
        arrays[name] = array
    return arrays


def _read_numeric_text(doc, input_dtypes, deadline):
    """The inputs of a request whose tensor is a `NumericText`, or a list of
    them of one shape (large images, one each), read into the input's
    dtype; None when the exact rules must read it."""
    if len(input_dtypes) != 1 or ("instances" in doc) == ("inputs" in doc):
        return None
    value = doc.get("instances", doc.get("inputs"))
    ((name, dtype),) = input_dtypes.items()
    if isinstance(value, NumericText):
        array = value.read(dtype, deadline)
        return None if array is None else {name: array}
    if not (
        isinstance(value, list) and value and all(isinstance(item, NumericText) for item in value)
    ):
        return None
    arrays = []
    for item in value:
        array = item.read(dtype, deadline)
        if array is None or array.shape != (arrays or [array])[0].shape:
            return None
        arrays.append(array)
    stacked = np.stack(arrays)
    return {name: stacked}


def may_hold_booleans(body):
    """Whether a raw body may hold JSON booleans, which NumPy would read as
    numbers if they were mixed with numbers in a list.

    Args:
        body: the raw request body, bytes.

    Returns:
        bool.

    Example:
    >>> may_hold_booleans(b'{"instances": [1, true]}')
    True
    """
    return search.find(body, b"true") >= 0 or search.find(body, b"false") >= 0


def decode_predict_inputs(doc, input_dtypes, booleans=True, deadline=None):
    """Reads the tensors of a `:predict` request, in row or columnar form.

    Args:
        doc: the decoded request object (from `parse_json_object`).
        input_dtypes: dict mapping the signature's input names to their
            `DataType` enums.
        booleans: whether the body may hold JSON booleans
            (`may_hold_booleans`); when it cannot, plain numeric lists are
            read by NumPy at once.
        deadline: optional `Deadline`, checked while a large tensor is read.

    Returns:
        A tuple `(inputs, row_format)`: a dict of NumPy arrays and True when
        the request used `instances` (so the answer uses `predictions`).

    Raises:
        ServingError: INVALID_ARGUMENT (or UNIMPLEMENTED for half floats)
            with TF Serving's message; DEADLINE_EXCEEDED when the deadline
            passes.
    """
    inputs = _read_numeric_text(doc, input_dtypes, deadline)
    if inputs is not None:
        return inputs, "instances" in doc
    doc = materialized(doc)
    allow_fast = not booleans
    has_instances = "instances" in doc
    if has_instances and "inputs" in doc:
        raise invalid_argument(
            f"JSON Value: {quote_value(doc)} Not formatted correctly expecting "
            "only one of 'inputs' or 'instances' keys to exist "
        )
    if has_instances:
        instances = doc["instances"]
        if not isinstance(instances, list):
            raise invalid_argument(
                f"JSON Value: {quote_value(doc)} Excepting 'instances' to be an list/array"
            )
        if not instances:
            raise invalid_argument(f"JSON Value: {quote_value(doc)} No values in 'instances' array")
        if not isinstance(instances[0], dict) and len(input_dtypes) > 1:
            raise invalid_argument(
                "instances is a plain list, but expecting list of objects as "
                "multiple input tensors required as per tensorinfo_map"
            )
        arrays = _rows_fast(instances, input_dtypes, allow_fast)
        return (arrays or _rows_exact(instances, input_dtypes)), True
    if "inputs" in doc:
        return _columns(doc["inputs"], input_dtypes, allow_fast), False
    raise invalid_argument("Missing 'inputs' or 'instances' key")


def _columns(value, input_dtypes, allow_fast):
    if not isinstance(value, dict) or is_b64_object(value):
        if len(input_dtypes) > 1:
            raise invalid_argument(
                "inputs is a plain value/list, but expecting an object as "
                "multiple input tensors required as per tensorinfo_map"
            )
        name, dtype = next(iter(input_dtypes.items()))
        return {name: _tensor_from_json(value, dtype, allow_fast)}
    arrays = {}
    for name in sorted(input_dtypes):
        if name not in value:
            raise invalid_argument(f"Missing named input: {name} in 'inputs' object.")
        arrays[name] = _tensor_from_json(value[name], input_dtypes[name], allow_fast)
    return arrays
