"""One loaded version of a model: its signatures and how to call them.

A version runs in a TensorFlow session of its own, as in TF Serving, with
its own pool of inter-op threads. TensorFlow runs a graph's ops in such a
pool; with one pool for the whole process (eager calls share one, sized to
the number of cores), a few calls blocked inside an op (a read that never
returns) would take every thread and stall every model.
"""

import threading
from pathlib import Path

import numpy as np
import tensorflow as tf

DEFAULT_SIGNATURE = "serving_default"
SERVE_TAG = "serve"


class Servable:
    """One loaded version of a model, with a session of its own.

    Args:
        name: the model name.
        version: the version number.
        path: the version directory.
        signature_defs: dict mapping signature names to `SignatureDef`
            protos (what TF Serving reports as metadata).
        session: the `tf.compat.v1.Session` holding the loaded graph and
            its variables.

    Example:
    >>> servable = Servable.load("half", 1, "saved_models/half/1", threads=4)
    >>> servable.run("serving_default", {"x": np.zeros((1, 3), "float32")})
    {'y': array([[2., 2., 2.]], dtype=float32)}
    """

    def __init__(self, name, version, path, signature_defs, session):
        self.name = name
        self.version = version
        self.path = Path(path)
        self.signature_defs = signature_defs
        self._session = session
        self._callables = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, name, version, path, threads):
        """Loads a SavedModel version. Blocking; call it from an executor.

        Args:
            name: the model name.
            version: the version number.
            path: the version directory.
            threads: how many TensorFlow inter-op threads its session has
                (at least as many as calls of the model may run at once, so
                that its calls never wait on each other's threads).

        Returns:
            A `Servable` (not yet warmed up; see `zoo.serving.warmup`).

        Raises:
            Exception: whatever loading raised.
        """
        config = tf.compat.v1.ConfigProto(
            inter_op_parallelism_threads=threads,
            use_per_session_threads=True,
            allow_soft_placement=True,
        )
        graph = tf.Graph()
        session = tf.compat.v1.Session(graph=graph, config=config)
        try:
            with graph.as_default():
                meta_graph = tf.compat.v1.saved_model.load(session, [SERVE_TAG], str(path))
        except Exception:
            session.close()
            raise
        return cls(name, version, path, dict(meta_graph.signature_def), session)

    def _callable(self, signature_name, input_names):
        key = (signature_name, input_names)
        with self._lock:
            function = self._callables.get(key)
            if function is None:
                signature = self.signature_defs[signature_name]
                output_names = sorted(signature.outputs)
                run = self._session.make_callable(
                    [signature.outputs[k].name for k in output_names],
                    [signature.inputs[k].name for k in input_names],
                )
                function = self._callables[key] = (run, output_names)
            return function

    def run(self, signature_name, inputs):
        """Calls one signature. Blocking; call it from an executor.

        Args:
            signature_name: a signature of this version.
            inputs: dict mapping input names to NumPy arrays.

        Returns:
            A dict mapping output names to NumPy arrays.
        """
        input_names = tuple(sorted(inputs))
        run, output_names = self._callable(signature_name, input_names)
        values = run(*[inputs[k] for k in input_names])
        return {k: _to_numpy(v) for k, v in zip(output_names, values)}


def _to_numpy(value):
    if isinstance(value, bytes):
        # A rank-0 string tensor gives bare bytes; NumPy's fixed-width bytes
        # would drop trailing NULs, an object array keeps them.
        array = np.empty((), dtype=object)
        array[()] = value
        return array
    return np.asarray(value)
