"""The tensor dtypes JSON can carry: TensorFlow's names, NumPy types, ranges."""

import numpy as np
from tensorflow.core.framework import types_pb2

# DataTypeString() names and NumPy types of the dtypes JSON can carry.
DTYPES = {
    types_pb2.DT_FLOAT: ("float", np.float32),
    types_pb2.DT_DOUBLE: ("double", np.float64),
    types_pb2.DT_INT32: ("int32", np.int32),
    types_pb2.DT_INT16: ("int16", np.int16),
    types_pb2.DT_INT8: ("int8", np.int8),
    types_pb2.DT_UINT8: ("uint8", np.uint8),
    types_pb2.DT_UINT16: ("uint16", np.uint16),
    types_pb2.DT_INT64: ("int64", np.int64),
    types_pb2.DT_UINT32: ("uint32", np.uint32),
    types_pb2.DT_UINT64: ("uint64", np.uint64),
    types_pb2.DT_BOOL: ("bool", np.bool_),
    types_pb2.DT_STRING: ("string", np.object_),
    types_pb2.DT_HALF: ("half", np.float16),
    types_pb2.DT_BFLOAT16: ("bfloat16", None),
}
FLOATS = (types_pb2.DT_FLOAT, types_pb2.DT_DOUBLE)
INT_RANGES = {
    types_pb2.DT_INT32: (-(2**31), 2**31 - 1),
    types_pb2.DT_INT16: (-(2**15), 2**15 - 1),
    types_pb2.DT_INT8: (-(2**7), 2**7 - 1),
    types_pb2.DT_UINT8: (0, 2**8 - 1),
    types_pb2.DT_UINT16: (0, 2**16 - 1),
    types_pb2.DT_INT64: (-(2**63), 2**63 - 1),
    types_pb2.DT_UINT32: (0, 2**32 - 1),
    types_pb2.DT_UINT64: (0, 2**64 - 1),
}
# TF Serving reads these through an int32, so a value beyond int32 is "not
# of expected type" for them, and one within int32 but beyond the type is
# out of range.
NARROW_INTS = (
    types_pb2.DT_INT32,
    types_pb2.DT_INT16,
    types_pb2.DT_INT8,
    types_pb2.DT_UINT8,
    types_pb2.DT_UINT16,
)


def dtype_name(dtype):
    """Names a `DataType` enum as TensorFlow's `DataTypeString` does.

    Args:
        dtype: a `types_pb2.DataType` value.

    Returns:
        A string such as `"float"` or `"int64"`.

    Example:
    >>> dtype_name(types_pb2.DT_FLOAT), dtype_name(types_pb2.DT_COMPLEX64)
    ('float', 'complex64')
    """
    if dtype in DTYPES:
        return DTYPES[dtype][0]
    return types_pb2.DataType.Name(dtype)[3:].lower()


def numpy_dtype(dtype):
    """The NumPy type JSON values of a `DataType` are read into.

    Args:
        dtype: a `types_pb2.DataType` value.

    Returns:
        A NumPy scalar type, or None when JSON cannot carry the dtype.
    """
    return DTYPES[dtype][1] if dtype in DTYPES else None
