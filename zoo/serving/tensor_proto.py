"""NumPy arrays to and from `TensorProto`, with typed `*_val` fields.

`tf.make_tensor_proto` packs numbers into `tensor_content`, but TF Serving
answers with the typed repeated fields (`float_val`, `int64_val`, ...) and
its official example client reads `.float_val`; responses are written here
the TF Serving way. Requests may use either encoding.
"""

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import tensor_pb2, types_pb2

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
    if dtype == types_pb2.DT_STRING:
        values = [v if isinstance(v, bytes) else str(v).encode("utf-8")
                  for v in flat.tolist()]
    elif dtype in (types_pb2.DT_HALF, types_pb2.DT_BFLOAT16):
        values = flat.view(np.uint16).tolist()
    else:
        values = flat.tolist()
    getattr(proto, field).extend(values)
    return proto


def from_tensor_proto(name, proto):
    """Reads a request `TensorProto` (typed fields or `tensor_content`).

    Args:
        name: the input name, for the error message.
        proto: a `tensor_pb2.TensorProto`.

    Returns:
        A NumPy array (object array of bytes for strings).

    Raises:
        ServingError: INVALID_ARGUMENT when the proto is not a valid tensor.
    """
    try:
        return tf.make_ndarray(proto)
    except (TypeError, ValueError) as error:
        raise invalid_argument(f"tensor parsing error: {name} ({error})") from None
