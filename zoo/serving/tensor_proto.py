"""NumPy arrays to and from `TensorProto`, with typed `*_val` fields.

`tf.make_tensor_proto` packs numbers into `tensor_content`, but TF Serving
answers with the typed repeated fields (`float_val`, `int64_val`, ...) and
its official example client reads `.float_val`; responses are written here
the TF Serving way. Requests may use either encoding.
"""

import math

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import tensor_pb2, types_pb2

from zoo.serving.dtypes import dtype_name
from zoo.serving.errors import invalid_argument

# The typed repeated field TensorProto uses for each dtype.
_FIELDS = {
    types_pb2.DT_FLOAT: "float_val",
    types_pb2.DT_DOUBLE: "double_val",
    types_pb2.DT_INT32: "int_val",
    types_pb2.DT_INT16: "int_val",
    types_pb2.DT_INT8: "int_val",
    types_pb2.DT_UINT8: "int_val",
    types_pb2.DT_UINT16: "int_val",
    types_pb2.DT_INT64: "int64_val",
    types_pb2.DT_UINT32: "uint32_val",
    types_pb2.DT_UINT64: "uint64_val",
    types_pb2.DT_BOOL: "bool_val",
    types_pb2.DT_STRING: "string_val",
    types_pb2.DT_HALF: "half_val",
    types_pb2.DT_BFLOAT16: "half_val",
}
# Complex values take two entries each (real, imaginary) in these fields.
_COMPLEX_FIELDS = {types_pb2.DT_COMPLEX64: "scomplex_val", types_pb2.DT_COMPLEX128: "dcomplex_val"}
# Values converted per call, between proto fields and arrays.
_CHUNK = 1 << 16
# The typed fields read a chunk at a time: numbers NumPy converts as
# `tf.make_ndarray` does (half floats and strings are left to it).
_CHUNKED_FIELDS = (
    types_pb2.DT_FLOAT,
    types_pb2.DT_DOUBLE,
    types_pb2.DT_INT32,
    types_pb2.DT_INT16,
    types_pb2.DT_INT8,
    types_pb2.DT_UINT8,
    types_pb2.DT_UINT16,
    types_pb2.DT_INT64,
    types_pb2.DT_UINT32,
    types_pb2.DT_UINT64,
    types_pb2.DT_BOOL,
)
# The most a request tensor may grow when TensorFlow fills in the values its
# proto leaves out (the size of the largest REST body by default).
MAX_FILLED_BYTES = 64 * 1024 * 1024


def to_tensor_proto(array):
    """Writes an array into a `TensorProto` using the typed value fields.

    Args:
        array: a NumPy array (bytes objects for strings).

    Returns:
        A `tensor_pb2.TensorProto`.
    """
    if array.dtype.kind in "OSU":
        dtype = types_pb2.DT_STRING
    else:
        dtype = tf.dtypes.as_dtype(array.dtype).as_datatype_enum
    proto = tensor_pb2.TensorProto(dtype=dtype)
    for size in array.shape:
        proto.tensor_shape.dim.add(size=size)
    field = _FIELDS.get(dtype)
    if field is None:
        return tf.make_tensor_proto(array)
    flat = array.ravel()
    if dtype in (types_pb2.DT_HALF, types_pb2.DT_BFLOAT16):
        flat = flat.view(np.uint16)
    values = getattr(proto, field)
    # A chunk per call: one call over millions of values would hold the GIL
    # (and stall the event loop) for as long.
    for start in range(0, flat.size, _CHUNK):
        chunk = flat[start : start + _CHUNK].tolist()
        if dtype == types_pb2.DT_STRING:
            chunk = [v if isinstance(v, bytes) else str(v).encode("utf-8") for v in chunk]
        values.extend(chunk)
    return proto


def from_tensor_proto(name, proto):
    """Reads a request `TensorProto` (typed fields or `tensor_content`).

    TensorFlow fills a tensor whose proto carries fewer values than its
    shape holds with copies of the last one (or zeros), so a few bytes could
    ask for gigabytes; here that filling is refused beyond
    `MAX_FILLED_BYTES`.

    Args:
        name: the input name, for the error message.
        proto: a `tensor_pb2.TensorProto`.

    Returns:
        A NumPy array (object array of bytes for strings).

    Raises:
        ServingError: INVALID_ARGUMENT when the proto is not a valid tensor
            (more values than its shape holds, packed bytes of another
            size), as TF Serving's `tensor parsing error: <name>`, naming
            both counts.
    """
    try:
        dtype = tf.dtypes.as_dtype(proto.dtype)
        itemsize = 8 if dtype == tf.string else np.dtype(dtype.as_numpy_dtype).itemsize
    except (TypeError, KeyError):  # DT_INVALID, DT_RESOURCE, DT_VARIANT...
        kind = (
            types_pb2.DataType.Name(proto.dtype)
            if proto.dtype in types_pb2.DataType.values()
            else proto.dtype
        )
        raise invalid_argument(
            f"tensor parsing error: {name} ({kind} cannot be sent as a request tensor)"
        ) from None
    dims = [d.size for d in proto.tensor_shape.dim]
    if any(d < 0 for d in dims):
        raise invalid_argument(
            f"tensor parsing error: {name} (shape {dims} has a negative dimension)"
        )
    count = math.prod(dims)
    if proto.tensor_content and len(proto.tensor_content) % itemsize:
        raise invalid_argument(
            f"tensor parsing error: {name} (its tensor_content holds "
            f"{len(proto.tensor_content)} bytes, not a whole number of "
            f"{itemsize}-byte {dtype_name(proto.dtype)} values. Send {count} "
            "values.)"
        )
    sent = _values_sent(proto, dtype, itemsize)
    # TensorFlow fills in typed values left out, never packed bytes, and
    # takes no more values than the shape holds.
    if sent > count or (proto.tensor_content and sent != count):
        raise invalid_argument(
            f"tensor parsing error: {name} (its shape {dims} holds {count} "
            f"values but the request carries {sent}. Send {count} values, "
            f"or a shape that holds {sent}.)"
        )
    if sent < count and count * itemsize > MAX_FILLED_BYTES:
        raise invalid_argument(
            f"tensor parsing error: {name} (its shape {dims} holds {count} "
            f"values but the request carries {sent}; filling in the rest "
            f"would take {count * itemsize} bytes, more than "
            f"{MAX_FILLED_BYTES}. Send every value.)"
        )
    try:
        if sent == count and not proto.tensor_content and dtype.as_datatype_enum in _CHUNKED_FIELDS:
            return _typed_values(proto, dtype, dims)
        return tf.make_ndarray(proto)
    except (TypeError, ValueError, OverflowError) as error:
        raise invalid_argument(f"tensor parsing error: {name} ({error})") from None


def _typed_values(proto, dtype, dims):
    """A tensor's typed values (as many as its shape holds) as an array, a
    chunk per call, as `tf.make_ndarray` reads them in one."""
    values = getattr(proto, _FIELDS[dtype.as_datatype_enum])
    array = np.empty(len(values), dtype.as_numpy_dtype)
    for start in range(0, len(values), _CHUNK):
        array[start : start + _CHUNK] = np.asarray(
            values[start : start + _CHUNK], dtype.as_numpy_dtype
        )
    return array.reshape(dims)


def _values_sent(proto, dtype, itemsize):
    """How many values a TensorProto carries, in whichever encoding."""
    if proto.tensor_content:
        return len(proto.tensor_content) // itemsize
    enum = dtype.as_datatype_enum
    if enum in _COMPLEX_FIELDS:
        return len(getattr(proto, _COMPLEX_FIELDS[enum])) // 2
    field = _FIELDS.get(enum)
    return len(getattr(proto, field)) if field else 0
