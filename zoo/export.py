"""Versioned, atomic SavedModel export in TensorFlow Serving's layout.

`saved_models/<name>/<version>/` holds a SavedModel (`saved_model.pb`,
`variables/`, TF Serving's warm-up requests in
`assets.extra/tf_serving_warmup_requests`), the Keras model as `model.keras`
and a JSON card. A version is written to a hidden, non-numeric sibling
first and renamed into place, so a server polling the folder never sees
half a model, and an existing version is never overwritten.

`export_version` exports any Keras model: Sequential, functional or
subclassed. A model declares named signatures by defining one method,
`serving_endpoints()`, returning `{signature_name: (fn, input_signature)}`;
each `fn` takes the named inputs and returns a dict of named outputs. The
zoo's models declare theirs that way, and know nothing of this module.
"""

import contextlib
import datetime
import os
import shutil
import uuid
from pathlib import Path

import keras

from zoo.device import describe_device
from zoo.layer_walk import keras_layers
from zoo.report.card import write_card

KERAS_NAME = "model.keras"
WARMUP_REQUESTS = Path("assets.extra") / "tf_serving_warmup_requests"
_PREDICT_METHOD = "tensorflow/serving/predict"


def list_versions(base_dir):
    """Lists the version numbers under a model's base directory.

    Only directories whose whole name is an integer count, as in
    TensorFlow Serving (`7-tmp` and `.tmp-...` are ignored).

    Args:
        base_dir: path of the model's folder, e.g. `saved_models/sarcasm`.

    Returns:
        A sorted list of ints; empty when the folder is missing or empty.
    """
    base = Path(base_dir)
    if not base.is_dir():
        return []
    return sorted(int(p.name) for p in base.iterdir() if p.is_dir() and p.name.isdigit())


def latest_version_dir(base_dir):
    """Returns the path of the highest version under `base_dir`.

    Args:
        base_dir: path of the model's folder.

    Returns:
        A `Path` to `base_dir/<latest version>`.

    Raises:
        FileNotFoundError: when there is no version.
    """
    versions = list_versions(base_dir)
    if not versions:
        raise FileNotFoundError(
            f"No exported version under {base_dir}: expected integer "
            "folders such as 1/, 2/. Export a model there first."
        )
    return Path(base_dir) / str(versions[-1])


def write_version(base_dir, write, card=None):
    """Writes the next version of a model atomically.

    Args:
        base_dir: path of the model's folder; created if missing.
        write: function taking a directory path and writing the model
            files into it.
        card: optional dict of facts for the JSON card (task, metric...);
            the version, time, device and library versions are added.

    Returns:
        The `Path` of the new version directory.

    Raises:
        Whatever `write` raises; the temporary directory is removed then and
        no version appears.
    """
    base = Path(base_dir)
    base.mkdir(parents=True, exist_ok=True)
    # A plain mkdir honours the umask, so a server running as another user
    # can read the version (mkdtemp would make it 0700).
    staging = base / f".tmp-{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        write(staging)
        while True:
            version = (list_versions(base) or [0])[-1] + 1
            _write_card(staging, base.name, version, card or {})
            target = base / str(version)
            if target.exists():
                continue  # another writer took this number meanwhile
            try:
                os.rename(staging, target)
            except OSError:
                if target.exists():
                    continue
                raise
            return target
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _write_card(directory, name, version, facts):
    import tensorflow as tf

    card = {
        "name": name,
        "version": version,
        **facts,
        "device": describe_device(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    write_card(directory, card)


def export_version(
    model,
    base_dir,
    input_signature=None,
    endpoints=None,
    card=None,
    save_keras=True,
    warmup_inputs=None,
):
    """Exports a Keras model as the next SavedModel version under `base_dir`.

    The signatures are, in this order of precedence: `endpoints` when given;
    else those the model declares with `serving_endpoints()`; else one
    `serving_default` signature over the model's inputs. Recurrent layers
    are traced without their cuDNN kernel, so a model trained on a GPU
    serves on a CPU.

    The version carries TF Serving's warm-up file: one predict request per
    signature, made of `warmup_inputs` where given (real examples), else of
    one zero row of the signature's shape, with the dimensions it leaves
    open taken from the shape the model was built with. A signature whose
    shape cannot be made that way gets no request.

    Args:
        model: a built Keras model (a subclassed one must have been called).
        base_dir: the model's folder, e.g. `saved_models/sarcasm`.
        input_signature: optional list of `keras.InputSpec` or
            `tf.TensorSpec` for `serving_default` of a model that declares
            no endpoints, with `None` for dynamic dimensions; inferred from
            the model's inputs when omitted.
        endpoints: optional dict `{signature_name: (fn, input_signature)}`
            overriding the model's own; the one named `serving_default` is
            the default, else the first.
        card: optional dict of facts for the JSON card.
        save_keras: bool, whether to also save `model.keras` in the version.
        warmup_inputs: optional dict mapping signature names to dicts of
            input arrays (a few real rows each) for the warm-up requests,
            e.g. `{"serving_default": {"inputs": x_val[:4]}}`.

    Returns:
        The `Path` of the new version directory.

    Raises:
        ValueError: when `warmup_inputs` names a signature or an input the
            export does not have.

    Example:
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> version_dir = export_version(model, "saved_models/demo")
    >>> signature = tf.saved_model.load(str(version_dir)).signatures["serving_default"]
    """
    if endpoints is None and hasattr(model, "serving_endpoints"):
        endpoints = model.serving_endpoints()

    def write(directory):
        with portable_recurrent_layers(model):
            if endpoints:
                archive = keras.export.ExportArchive()
                archive.track(model)
                for name, (fn, signature) in endpoints.items():
                    archive.add_endpoint(name, fn, signature)
                archive.write_out(str(directory), verbose=False)
            else:
                model.export(
                    str(directory),
                    format="tf_saved_model",
                    input_signature=input_signature,
                    verbose=False,
                )
        write_warmup_requests(directory, Path(base_dir).name, _built_shape(model), warmup_inputs)
        if save_keras:
            model.save(Path(directory) / KERAS_NAME)

    return write_version(base_dir, write, card=card)


def _built_shape(model):
    shape = (model.get_build_config() or {}).get("input_shape")
    ok = isinstance(shape, (list, tuple)) and all(d is None or isinstance(d, int) for d in shape)
    return tuple(shape) if ok else None


def write_warmup_requests(version_dir, model_name, built_shape=None, warmup_inputs=None):
    """Writes TF Serving's warm-up file into a SavedModel directory.

    `assets.extra/tf_serving_warmup_requests` is a TFRecord file of
    `PredictionLog`s that TF Serving (and `zoo serve`) runs before serving
    the version. One predict request is written per predict signature,
    `serving_default` first.

    Args:
        version_dir: the SavedModel directory (with `saved_model.pb`).
        model_name: the model name the requests carry.
        built_shape: optional input shape the model was built with; it
            fills the dimensions a single-input signature leaves open.
        warmup_inputs: optional dict mapping signature names to dicts of
            input arrays; they are cast to the signature's dtypes.

    Returns:
        The signature names written, in order.

    Raises:
        ValueError: when `warmup_inputs` names a signature or an input the
            SavedModel does not have.

    Example:
    >>> rows = np.zeros((2, 3), "float32")
    >>> write_warmup_requests("saved_models/demo/1", "demo",
    ...                       warmup_inputs={"serving_default": {"inputs": rows}})
    ['serving_default']
    """
    import numpy as np
    import tensorflow as tf
    from tensorflow.core.protobuf import saved_model_pb2
    from tensorflow_serving.apis import predict_pb2, prediction_log_pb2

    proto = saved_model_pb2.SavedModel.FromString(
        (Path(version_dir) / "saved_model.pb").read_bytes()
    )
    signatures = {
        name: signature
        for name, signature in proto.meta_graphs[0].signature_def.items()
        if signature.method_name == _PREDICT_METHOD
    }
    given = dict(warmup_inputs or {})
    for name, inputs in given.items():
        if name not in signatures or set(inputs) != set(signatures[name].inputs):
            raise ValueError(
                f"warmup_inputs[{name!r}] must give exactly the inputs of a "
                f"predict signature; the export has "
                f"{ {n: sorted(s.inputs) for n, s in signatures.items()} }."
            )
    written = []
    records = []
    for name in sorted(signatures, key=lambda n: (n != "serving_default", n)):
        signature = signatures[name]
        inputs = given.get(name) or _zero_inputs(signature, built_shape)
        if inputs is None:
            continue
        request = predict_pb2.PredictRequest()
        request.model_spec.name = model_name
        request.model_spec.signature_name = name
        for key, value in inputs.items():
            dtype = tf.dtypes.as_dtype(signature.inputs[key].dtype)
            array = np.asarray(value, dtype=None if dtype == tf.string else dtype.as_numpy_dtype)
            request.inputs[key].CopyFrom(tf.make_tensor_proto(array))
        records.append(
            prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request)
            )
        )
        written.append(name)
    if records:
        path = Path(version_dir) / WARMUP_REQUESTS
        path.parent.mkdir(exist_ok=True)
        with tf.io.TFRecordWriter(str(path)) as writer:
            for record in records:
                writer.write(record.SerializeToString())
    return written


def _zero_inputs(signature, built_shape):
    """One zero row per input of a signature, or None when its shape is
    open where the model's built shape does not say."""
    import numpy as np
    import tensorflow as tf

    inputs = {}
    for key, info in signature.inputs.items():
        if info.tensor_shape.unknown_rank:
            return None
        dims = [d.size for d in info.tensor_shape.dim]
        if dims and dims[0] < 0:
            dims[0] = 1  # the batch
        if any(d < 0 for d in dims):
            fits = (
                built_shape is not None
                and len(signature.inputs) == 1
                and len(built_shape) == len(dims)
            )
            dims = [d if d >= 0 else (built_shape[i] if fits else None) for i, d in enumerate(dims)]
            if None in dims:
                return None
        dtype = tf.dtypes.as_dtype(info.dtype)
        inputs[key] = (
            np.full(dims, b"", dtype=object)
            if dtype == tf.string
            else np.zeros(dims, dtype.as_numpy_dtype)
        )
    return inputs


@contextlib.contextmanager
def portable_recurrent_layers(model):
    """Context in which the model's LSTM and GRU layers trace without cuDNN.

    Keras picks the cuDNN kernel when a GPU is visible at trace time, and a
    graph holding it runs only on a GPU. Nested layers count too, e.g. a
    zoo `LSTMForecaster` inside a functional model, or the two LSTMs of a
    `Bidirectional` (`zoo.layer_walk.keras_layers` finds them).

    Args:
        model: a Keras model or layer.

    Yields:
        Nothing; each layer's `use_cudnn` setting is restored on exit.
    """
    recurrent = [
        layer
        for layer in [model, *keras_layers(model)]
        if isinstance(layer, (keras.layers.LSTM, keras.layers.GRU))
    ]
    saved = [layer.use_cudnn for layer in recurrent]
    for layer in recurrent:
        layer.use_cudnn = False
    try:
        yield
    finally:
        for layer, use_cudnn in zip(recurrent, saved):
            layer.use_cudnn = use_cudnn
