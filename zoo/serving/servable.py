"""One loaded version of a model: its signatures and how to call them."""

from pathlib import Path

import numpy as np
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2

from zoo.serving.json_codec import DTYPES

DEFAULT_SIGNATURE = "serving_default"
PREDICT_METHOD = "tensorflow/serving/predict"


class Servable:
    """One loaded, validated version of a model.

    Args:
        name: the model name.
        version: the version number.
        path: the version directory.
        signature_defs: dict mapping signature names to `SignatureDef`
            protos, read from `saved_model.pb` (what TF Serving reports as
            metadata).
        functions: dict mapping signature names to callables taking input
            tensors by name and returning a dict of output tensors.
        owner: the object that owns the variables the functions read (the
            loaded SavedModel); kept alive as long as the servable.
    """

    def __init__(self, name, version, path, signature_defs, functions,
                 owner=None):
        self.name = name
        self.version = version
        self.path = Path(path)
        self.signature_defs = signature_defs
        self._functions = functions
        self._owner = owner

    @classmethod
    def load(cls, name, version, path):
        """Loads a SavedModel version and runs a warm-up request on it.

        Blocking; call it from an executor.

        Args:
            name: the model name.
            version: the version number.
            path: the version directory.

        Returns:
            A validated `Servable`.

        Raises:
            Exception: whatever loading or the warm-up raised.
        """
        path = Path(path)
        proto = saved_model_pb2.SavedModel()
        proto.ParseFromString((path / "saved_model.pb").read_bytes())
        if not proto.meta_graphs:
            raise ValueError(f"{path / 'saved_model.pb'} holds no MetaGraph.")
        signature_defs = dict(proto.meta_graphs[0].signature_def)
        loaded = tf.saved_model.load(str(path))
        servable = cls(name, version, path, signature_defs,
                       dict(loaded.signatures), owner=loaded)
        servable.warm_up()
        return servable

    def warm_up(self):
        """Runs the default signature once on a zero-filled one-row input.

        Raises:
            Exception: what the model raised, so the version is not served.
        """
        names = [n for n, s in self.signature_defs.items()
                 if s.method_name == PREDICT_METHOD and n in self._functions]
        if not names:
            return
        name = DEFAULT_SIGNATURE if DEFAULT_SIGNATURE in names else names[0]
        inputs = {key: _zeros(info)
                  for key, info in self.signature_defs[name].inputs.items()}
        self.run(name, inputs)

    def run(self, signature_name, inputs):
        """Calls one signature. Blocking; call it from an executor.

        Args:
            signature_name: a signature of this version.
            inputs: dict mapping input names to NumPy arrays.

        Returns:
            A dict mapping output names to NumPy arrays.
        """
        function = self._functions[signature_name]
        outputs = function(**{k: tf.constant(v) for k, v in inputs.items()})
        return {k: v.numpy() for k, v in outputs.items()}

    def has_function(self, signature_name):
        """Whether the signature can be called (not just described).

        Args:
            signature_name: a signature name.

        Returns:
            bool.
        """
        return signature_name in self._functions


def _zeros(tensor_info):
    shape = ([] if tensor_info.tensor_shape.unknown_rank
             else [max(d.size, 1) for d in tensor_info.tensor_shape.dim])
    if tensor_info.dtype == tf.string.as_datatype_enum:
        array = np.empty(shape, dtype=object)
        array.fill(b"")
        return array
    dtype = DTYPES.get(tensor_info.dtype, (None, None))[1]
    if dtype is None:
        dtype = tf.dtypes.as_dtype(tensor_info.dtype).as_numpy_dtype
    return np.zeros(shape, dtype=dtype)
