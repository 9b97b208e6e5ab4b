"""One loaded version of a model: its signatures and how to call them."""

from pathlib import Path

import numpy as np
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2

DEFAULT_SIGNATURE = "serving_default"


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
        """Loads a SavedModel version. Blocking; call it from an executor.

        Args:
            name: the model name.
            version: the version number.
            path: the version directory.

        Returns:
            A `Servable` (not yet warmed up; see `zoo.serving.warmup`).

        Raises:
            Exception: whatever loading raised.
        """
        path = Path(path)
        proto = saved_model_pb2.SavedModel()
        proto.ParseFromString((path / "saved_model.pb").read_bytes())
        if not proto.meta_graphs:
            raise ValueError(f"{path / 'saved_model.pb'} holds no MetaGraph.")
        signature_defs = dict(proto.meta_graphs[0].signature_def)
        loaded = tf.saved_model.load(str(path))
        return cls(name, version, path, signature_defs,
                   dict(loaded.signatures), owner=loaded)

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
        return {k: _to_numpy(v) for k, v in outputs.items()}

    def has_function(self, signature_name):
        """Whether the signature can be called (not just described).

        Args:
            signature_name: a signature name.

        Returns:
            bool.
        """
        return signature_name in self._functions


def _to_numpy(tensor):
    value = tensor.numpy()
    if isinstance(value, bytes):
        # A rank-0 string tensor gives bare bytes; NumPy's fixed-width bytes
        # would drop trailing NULs, an object array keeps them.
        array = np.empty((), dtype=object)
        array[()] = value
        return array
    return value
