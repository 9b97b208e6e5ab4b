"""zoo.export: any Keras model to versioned SavedModels, atomically, in the
dtypes the model takes."""

import importlib
import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo.models
from zoo.export import (
    export_version,
    latest_version_dir,
    list_versions,
    write_version,
)
from zoo.report.card import read_card

# The module, not the function of the same name its package exports.
TF_RNN = importlib.import_module("keras.src.backend.tensorflow.rnn")


def _tiny_model():
    inputs = keras.Input((3,), name="features")
    return keras.Model(inputs, keras.layers.Dense(2, name="scores")(inputs))


def test_versions_count_up_and_never_overwrite(tmp_path):
    model = _tiny_model()
    first = export_version(model, tmp_path / "tiny", card={"task": "tiny"})
    second = export_version(model, tmp_path / "tiny")
    assert (first.name, second.name) == ("1", "2")
    assert list_versions(tmp_path / "tiny") == [1, 2]
    assert latest_version_dir(tmp_path / "tiny") == second
    card = read_card(first)
    assert card["task"] == "tiny" and card["version"] == 1 and card["name"] == "tiny"
    assert {"device", "tensorflow", "keras", "time"} <= set(card)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    served = tf.saved_model.load(str(first)).signatures["serving_default"]
    np.testing.assert_allclose(
        served(features=tf.constant(x))["output_0"].numpy(),
        keras.ops.convert_to_numpy(model(x)),
        atol=1e-6,
    )
    reloaded = keras.saving.load_model(first / "model.keras")
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(reloaded(x)), keras.ops.convert_to_numpy(model(x))
    )


def test_non_integer_folders_are_not_versions(tmp_path):
    for name in ("3", "7-tmp", ".tmp-abc", "latest"):
        (tmp_path / name).mkdir()
    (tmp_path / "12").write_text("a file, not a version")
    assert list_versions(tmp_path) == [3]
    assert list_versions(tmp_path / "missing") == []


def test_failed_write_leaves_nothing_behind(tmp_path):
    base = tmp_path / "model"
    write_version(base, lambda d: (d / "saved_model.pb").write_text("x"))

    def broken(directory):
        (directory / "saved_model.pb").write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_version(base, broken)
    assert sorted(p.name for p in base.iterdir()) == ["1"]


def test_concurrent_writer_taking_the_number_is_skipped(tmp_path):
    base = tmp_path / "model"

    def write_while_another_writer_publishes(directory):
        (base / "1").mkdir()  # another exporter finished version 1 meanwhile
        (directory / "saved_model.pb").write_text("ours")

    version_dir = write_version(base, write_while_another_writer_publishes)
    assert version_dir.name == "2"
    assert (version_dir / "saved_model.pb").read_text() == "ours"
    assert json.loads((version_dir / "card.json").read_text())["version"] == 2


def test_latest_version_dir_explains_an_empty_folder(tmp_path):
    with pytest.raises(
        FileNotFoundError,
        match=r"No exported version under .*: expected "
        r"integer folders such as 1/, 2/\. Export "
        r"a model there first\.",
    ):
        latest_version_dir(tmp_path)


@keras.saving.register_keras_serializable(package="test_export")
class Scorer(keras.Model):
    """A subclassed model: dense features, then a square."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(4, activation="tanh", name="dense")

    def call(self, inputs):
        return keras.ops.square(self.dense(inputs))


def _sequential():
    return keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(2)]
    )


def _functional():
    inputs = keras.Input((5,), name="features")
    hidden = keras.layers.Dense(4, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Concatenate()([hidden, inputs]))


def _subclassed():
    model = Scorer()
    model(np.zeros((1, 5), "float32"))  # a subclassed model knows its inputs once called
    return model


@pytest.mark.parametrize(
    "build", [_sequential, _functional, _subclassed], ids=["sequential", "functional", "subclassed"]
)
def test_any_model_exports_and_serves_its_outputs(build, tmp_path):
    model = build()
    x = np.random.default_rng(0).normal(size=(7, 5)).astype("float32")
    version_dir = export_version(model, tmp_path / "model")
    served = tf.saved_model.load(str(version_dir)).signatures["serving_default"]
    (spec,) = served.structured_input_signature[1].values()
    assert spec.shape.as_list() == [None, 5] and spec.dtype == tf.float32
    (output,) = served(tf.constant(x)).values()
    difference = np.abs(output.numpy() - keras.ops.convert_to_numpy(model(x))).max()
    assert difference <= 1e-6, difference
    reloaded = keras.saving.load_model(version_dir / "model.keras")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(reloaded(x)), keras.ops.convert_to_numpy(model(x)), atol=1e-6
    )


@keras.saving.register_keras_serializable(package="test_export")
class Doubler(keras.Model):
    """A model that declares its signatures, as the zoo's models do."""

    def call(self, inputs):
        return 2.0 * inputs

    def serving_endpoints(self):
        spec = [keras.InputSpec(shape=(None, 3), dtype="float32", name="x")]
        return {
            "serving_default": (lambda x: {"doubled": self(x)}, spec),
            "negate": (lambda x: {"negated": -x}, spec),
        }


def test_declared_endpoints_are_the_signatures_unless_overridden(tmp_path):
    model = Doubler()
    model(np.zeros((1, 3), "float32"))
    x = tf.constant([[1.0, 2.0, 3.0]])
    declared = tf.saved_model.load(str(export_version(model, tmp_path / "m")))
    assert set(declared.signatures) == {"serving_default", "negate"}
    np.testing.assert_array_equal(
        declared.signatures["serving_default"](x=x)["doubled"], [[2.0, 4.0, 6.0]]
    )
    np.testing.assert_array_equal(
        declared.signatures["negate"](x=x)["negated"], [[-1.0, -2.0, -3.0]]
    )
    spec = [keras.InputSpec(shape=(None, 3), dtype="float32", name="x")]
    given = tf.saved_model.load(
        str(
            export_version(
                model, tmp_path / "m", endpoints={"triple": (lambda x: {"y": 3.0 * x}, spec)}
            )
        )
    )
    # The only endpoint given is also the default.
    assert set(given.signatures) == {"serving_default", "triple"}
    for name in given.signatures:
        np.testing.assert_array_equal(given.signatures[name](x=x)["y"], [[3.0, 6.0, 9.0]])


def test_token_ids_above_2048_survive_mixed_precision(tmp_path):
    keras.config.set_dtype_policy("mixed_float16")
    model = zoo.models.TransformerClassifier(
        5000, 8, num_classes=3, embedding_dim=16, num_heads=2, intermediate_dim=16
    )
    ids = np.random.default_rng(0).integers(2049, 5000, (16, 8)).astype("int32")
    # float16 has 11 significant bits: most of these ids would change in it.
    assert np.mean(ids.astype("float16").astype("int32") != ids) > 0.5
    expected = keras.ops.convert_to_numpy(model(ids))
    served = tf.saved_model.load(str(export_version(model, tmp_path / "classifier")))
    signature = served.signatures["serving_default"]
    assert signature.structured_input_signature[1]["token_ids"].dtype == tf.int32
    probabilities = signature(token_ids=tf.constant(ids))["probabilities"].numpy()
    assert np.abs(probabilities - expected).max() <= 1e-3


def _cam_classifier(pixels):
    layers = [keras.Input((8, 8, 3), dtype=pixels)]
    if pixels == "uint8":
        layers.append(keras.layers.Rescaling(1 / 255))
    layers.append(keras.layers.Conv2D(4, 3))
    model = zoo.models.CAMClassifier(keras.Sequential(layers), 2)
    model(np.zeros((1, 8, 8, 3), pixels))
    return model


def _built(model, *inputs):
    model(*inputs)
    return model


IMAGES = np.zeros((1, 8, 8, 1), "float32")
# model builder: {signature: {input: dtype}}
DECLARED_DTYPES = {
    "Autoencoder": (
        lambda: zoo.models.Autoencoder.dense((4,), 2, (4,)),
        {
            "serving_default": {"inputs": "float32"},
            "encode": {"inputs": "float32"},
            "decode": {"latent": "float32"},
        },
    ),
    "VAE": (
        lambda: zoo.models.VAE.dense((4,), 2, (4,)),
        {
            "serving_default": {"inputs": "float32"},
            "encode": {"inputs": "float32"},
            "decode": {"latent": "float32"},
        },
    ),
    "ConditionalVAE": (
        lambda: zoo.models.ConditionalVAE.dense((4,), 3, 2, (4,)),
        {
            "serving_default": {"inputs": "float32", "label": "int32"},
            "encode": {"inputs": "float32", "label": "int32"},
            "decode": {"latent": "float32", "label": "int32"},
            "generate": {"label": "int32"},
        },
    ),
    "DCGAN": (
        lambda: zoo.models.DCGAN.dense(2, 3, (4,)),
        {"serving_default": {"latent": "float32"}},
    ),
    "UNet": (
        lambda: _built(zoo.models.UNet(2, depth=1, filters=2), IMAGES),
        {"serving_default": {"images": "float32"}},
    ),
    "LSTMForecaster": (
        lambda: _built(zoo.models.LSTMForecaster(2, lstm_units=(2,)), IMAGES[:, :, 0]),
        {"serving_default": {"window": "float32"}},
    ),
    "TransformerClassifier": (
        lambda: zoo.models.TransformerClassifier(
            50, 8, 2, embedding_dim=4, num_heads=1, intermediate_dim=4
        ),
        {"serving_default": {"token_ids": "int32"}},
    ),
    "CAMClassifier[uint8 pixels]": (
        lambda: _cam_classifier("uint8"),
        {"serving_default": {"images": "uint8"}, "cam": {"images": "uint8"}},
    ),
    "CAMClassifier[float pixels]": (
        lambda: _cam_classifier("float32"),
        {"serving_default": {"images": "float32"}, "cam": {"images": "float32"}},
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("policy", ["float32", "mixed_float16"])
@pytest.mark.parametrize("name", DECLARED_DTYPES)
def test_zoo_models_declare_the_dtypes_they_take(name, policy):
    keras.config.set_dtype_policy(policy)
    build, expected = DECLARED_DTYPES[name]
    endpoints = build().serving_endpoints()
    declared = {
        signature: {spec.name: keras.backend.standardize_dtype(spec.dtype) for spec in specs}
        for signature, (_, specs) in endpoints.items()
    }
    assert declared == expected


def _op_types(signature):
    graph = signature.graph.as_graph_def()
    nodes = list(graph.node)
    for function in graph.library.function:
        nodes.extend(function.node_def)
    return {node.op for node in nodes}


def test_nested_lstms_export_without_cudnn(tmp_path, monkeypatch):
    # Keras picks the cuDNN kernel when it sees a GPU at trace time; pretend
    # it does, as when a model trained on a GPU is exported there.
    monkeypatch.setattr(TF_RNN, "_is_gpu_available", lambda: True)
    inputs = keras.Input((6, 2), name="window")
    # A Bidirectional holds its two LSTMs in attributes, not in `layers`.
    inner = keras.Sequential(
        [
            keras.layers.LSTM(4, return_sequences=True),
            keras.layers.Bidirectional(keras.layers.LSTM(3)),
            keras.layers.Dense(1),
        ],
        name="inner",
    )
    model = keras.Model(inputs, inner(inputs))
    traced = tf.function(model).get_concrete_function(tf.TensorSpec((None, 6, 2)))
    assert any(op.startswith("CudnnRNN") for op in _op_types(traced))
    window = np.random.default_rng(0).normal(size=(3, 6, 2)).astype("float32")
    with tf.device("/CPU:0"):
        served = tf.saved_model.load(str(export_version(model, tmp_path / "lstm")))
        signature = served.signatures["serving_default"]
        (output,) = signature(window=tf.constant(window)).values()
    assert not any(op.startswith("Cudnn") for op in _op_types(signature))
    np.testing.assert_allclose(output.numpy(), keras.ops.convert_to_numpy(model(window)), atol=1e-5)
    assert inner.layers[0].use_cudnn == "auto"
    assert inner.layers[1].forward_layer.use_cudnn == "auto"
