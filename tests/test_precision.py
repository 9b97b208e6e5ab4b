"""Dtype policies of every zoo layer and model, under three policies, set two ways."""

import functools

import keras
import numpy as np
import pytest
from precision_harness import POLICIES, SCOPES, run_precision_test, sublayers

import zoo.layers
import zoo.models

# The layer and model tests run in the core install too (Keras and NumPy, JAX).
pytestmark = pytest.mark.core

RNG = np.random.default_rng(0)


def _normal(*shape):
    return RNG.normal(size=shape).astype("float32")


def _uniform(*shape):
    return RNG.uniform(size=shape).astype("float32")


def _ids(*shape):
    return RNG.integers(1, 20, size=shape).astype("int32")


# name: (class, make, input data, options for run_precision_test)
LAYER_CASES = {
    "CAMHead": (
        zoo.layers.CAMHead,
        functools.partial(zoo.layers.CAMHead, 3),
        _normal(2, 4, 4, 8),
        {
            "call_kwargs": {"return_cam": True},
            "float32_outputs": True,
            "float32_sublayers": {"output_activation"},
        },
    ),
    "MultiHeadAttention": (
        zoo.layers.MultiHeadAttention,
        functools.partial(zoo.layers.MultiHeadAttention, 2, 4, dropout=0.1),
        {"query": _normal(2, 5, 8), "value": _normal(2, 4, 6)},
        {"call_kwargs": {"return_attention_scores": True}},
    ),
    "PositionEmbedding": (
        zoo.layers.PositionEmbedding,
        functools.partial(zoo.layers.PositionEmbedding, 6),
        _normal(2, 5, 8),
        {},
    ),
    "PositionwiseFeedForward": (
        zoo.layers.PositionwiseFeedForward,
        functools.partial(zoo.layers.PositionwiseFeedForward, 16, dropout=0.1),
        _normal(2, 5, 8),
        {},
    ),
    "Sampling": (
        zoo.layers.Sampling,
        functools.partial(zoo.layers.Sampling, seed=1),
        [_normal(2, 3), _normal(2, 3)],
        {},
    ),
    "SinusoidalPositionalEncoding": (
        zoo.layers.SinusoidalPositionalEncoding,
        zoo.layers.SinusoidalPositionalEncoding,
        _normal(2, 5, 8),
        {},
    ),
    "TokenAndPositionEmbedding[learned]": (
        zoo.layers.TokenAndPositionEmbedding,
        functools.partial(zoo.layers.TokenAndPositionEmbedding, 20, 6, 8, mask_zero=True),
        _ids(2, 5),
        {},
    ),
    "TokenAndPositionEmbedding[sinusoidal]": (
        zoo.layers.TokenAndPositionEmbedding,
        functools.partial(zoo.layers.TokenAndPositionEmbedding, 20, None, 8, position="sinusoidal"),
        _ids(2, 5),
        {},
    ),
    "TransformerEncoder": (
        zoo.layers.TransformerEncoder,
        functools.partial(zoo.layers.TransformerEncoder, 16, 2, dropout=0.1),
        _normal(2, 5, 8),
        {},
    ),
}


def _cam_classifier(**kwargs):
    # The backbone is the caller's; it gets the same policy as the model.
    backbone = keras.Sequential(
        [keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3, strides=2, **kwargs)], name="backbone"
    )
    return zoo.models.CAMClassifier(backbone, 3, **kwargs)


SGD = {"optimizer": "sgd"}
IMAGES, VECTORS = _uniform(4, 8, 8, 1), _uniform(4, 6)
LABELS = np.array([0, 1, 2, 1])

MODEL_CASES = {
    "Autoencoder[dense]": (
        zoo.models.Autoencoder,
        functools.partial(zoo.models.Autoencoder.dense, (6,), 2, (4,), noise_stddev=0.1, seed=1),
        VECTORS,
        {
            "fit_data": (VECTORS, VECTORS),
            "compile_kwargs": {**SGD, "loss": "mse"},
            "float32_sublayers": {"encoder/latent", "decoder/output", "decoder/reshape"},
        },
    ),
    "Autoencoder[convolutional]": (
        zoo.models.Autoencoder,
        functools.partial(zoo.models.Autoencoder.convolutional, (8, 8, 1), 2, (4,)),
        IMAGES,
        {
            "fit_data": (IMAGES, IMAGES),
            "compile_kwargs": {**SGD, "loss": "mse"},
            "float32_sublayers": {"encoder/latent", "decoder/output"},
        },
    ),
    "CAMClassifier": (
        zoo.models.CAMClassifier,
        _cam_classifier,
        _uniform(4, 8, 8, 3),
        {
            "call_kwargs": {"return_cam": True},
            "fit_data": (_uniform(4, 8, 8, 3), LABELS),
            "compile_kwargs": {**SGD, "loss": "sparse_categorical_crossentropy"},
            "float32_sublayers": {"cam_head/output_activation"},
        },
    ),
    "ConditionalVAE[dense]": (
        zoo.models.ConditionalVAE,
        functools.partial(zoo.models.ConditionalVAE.dense, (6,), 3, 2, (4,), seed=1),
        [VECTORS, LABELS],
        {
            "fit_data": ([VECTORS, LABELS], None),
            "compile_kwargs": SGD,
            "float32_sublayers": {
                "encoder/mean",
                "encoder/log_var",
                "decoder/output",
                "decoder/reshape",
            },
        },
    ),
    "DCGAN[convolutional]": (
        zoo.models.DCGAN,
        functools.partial(zoo.models.DCGAN.convolutional, (8, 8, 1), 2, (4,), seed=1),
        _normal(4, 2),
        {
            "fit_data": (IMAGES * 2 - 1, None),
            "compile_kwargs": {"generator_optimizer": "sgd", "discriminator_optimizer": "sgd"},
            "float32_sublayers": {"generator/output", "discriminator/logit"},
        },
    ),
    "LSTMForecaster": (
        zoo.models.LSTMForecaster,
        functools.partial(
            zoo.models.LSTMForecaster,
            2,
            lstm_units=(4, 4),
            conv_filters=3,
            dense_units=(4,),
            dropout=0.1,
        ),
        _normal(4, 6, 2),
        {
            "fit_data": (_normal(4, 6, 2), _normal(4, 2, 1)),
            "compile_kwargs": {**SGD, "loss": "mse"},
            "float32_sublayers": {"head"},
        },
    ),
    "TransformerClassifier": (
        zoo.models.TransformerClassifier,
        functools.partial(
            zoo.models.TransformerClassifier,
            20,
            6,
            3,
            embedding_dim=8,
            num_heads=2,
            intermediate_dim=8,
        ),
        _ids(4, 6),
        {
            "fit_data": (_ids(4, 6), LABELS),
            "compile_kwargs": {**SGD, "loss": "sparse_categorical_crossentropy"},
            "float32_sublayers": {"head"},
        },
    ),
    "UNet": (
        zoo.models.UNet,
        functools.partial(zoo.models.UNet, 2, depth=1, filters=4),
        _uniform(2, 8, 8, 3),
        {
            "fit_data": (_uniform(2, 8, 8, 3), RNG.integers(0, 2, size=(2, 8, 8))),
            "compile_kwargs": {
                **SGD,
                "loss": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            },
            "float32_sublayers": {"head"},
        },
    ),
    "VAE[convolutional]": (
        zoo.models.VAE,
        functools.partial(zoo.models.VAE.convolutional, (8, 8, 1), 2, (4,), seed=1),
        IMAGES,
        {
            "fit_data": (IMAGES, None),
            "compile_kwargs": SGD,
            "float32_sublayers": {"encoder/mean", "encoder/log_var", "decoder/output"},
        },
    ),
}


@pytest.mark.parametrize("module, cases", [(zoo.layers, LAYER_CASES), (zoo.models, MODEL_CASES)])
def test_every_layer_and_model_has_a_case(module, cases):
    assert {cls.__name__ for cls, *_ in cases.values()} == set(module.__all__)


@pytest.mark.slow
@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("name", sorted(LAYER_CASES))
def test_layer(name, policy, scope):
    _, make, input_data, options = LAYER_CASES[name]
    run_precision_test(make, policy, scope, input_data, **options)


@pytest.mark.slow
@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("name", sorted(MODEL_CASES))
def test_model(name, policy, scope):
    _, make, input_data, options = MODEL_CASES[name]
    run_precision_test(make, policy, scope, input_data, float32_outputs=True, **options)


def test_the_walk_reaches_layers_inside_nested_sub_models():
    model = zoo.models.VAE.dense((6,), 2, (4,))
    paths = {path for path, _ in sublayers(model)}
    assert {
        "encoder/dense_0",
        "encoder/mean",
        "decoder/dense_0",
        "decoder/output",
        "sampling",
    } <= paths
    classifier = zoo.models.TransformerClassifier(20, 6, 2)
    classifier(_ids(2, 6))  # the blocks make their sublayers when built
    assert {
        "embedding/token_embedding",
        "encoder_0/self_attention/query",
        "encoder_0/feed_forward/inner",
        "head",
    } <= {path for path, _ in sublayers(classifier)}


def test_a_sublayer_that_ignores_the_policy_fails_the_check():
    class Forgetful(keras.layers.Layer):
        def build(self, input_shape):
            self.dense = keras.layers.Dense(4, name="dense")  # no dtype=
            self.dense.build(input_shape)

        def call(self, x):
            return self.dense(x)

    with pytest.raises(
        AssertionError,
        match=r"sublayer 'dense' \(Dense\) has policy "
        r"float32",
    ):
        run_precision_test(Forgetful, "mixed_float16", "instance", _normal(2, 3))
