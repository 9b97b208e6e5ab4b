import warnings
from math import erf

import keras
import numpy as np
import pytest
from layer_harness import run_layer_test
from message_helpers import assert_says

from zoo.layers import PositionwiseFeedForward

# The layer and model tests run in the core install too (Keras and NumPy, JAX).
pytestmark = pytest.mark.core


def test_harness(tmp_path):
    x = np.random.default_rng(0).normal(size=(2, 5, 6)).astype("float32")
    run_layer_test(
        PositionwiseFeedForward,
        {"intermediate_dim": 12, "dropout": 0.1},
        x,
        (2, 5, 6),
        expected_num_trainable_weights=4,
        tmp_path=tmp_path,
    )


def test_equals_numpy_formula():
    x = np.random.default_rng(1).normal(size=(3, 4, 5)).astype("float32")
    layer = PositionwiseFeedForward(intermediate_dim=7, activation="gelu")
    out = keras.ops.convert_to_numpy(layer(x))
    w1, b1 = (keras.ops.convert_to_numpy(v) for v in layer.inner.weights)
    w2, b2 = (keras.ops.convert_to_numpy(v) for v in layer.outer.weights)
    hidden = x @ w1 + b1

    gelu = hidden * 0.5 * (1 + np.vectorize(erf)(hidden / np.sqrt(2)))
    np.testing.assert_allclose(out, gelu @ w2 + b2, atol=1e-5)


def test_relu_formula_and_positionwise_independence():
    x = np.random.default_rng(2).normal(size=(2, 6, 4)).astype("float32")
    layer = PositionwiseFeedForward(intermediate_dim=8)
    out = keras.ops.convert_to_numpy(layer(x))
    w1, b1 = (keras.ops.convert_to_numpy(v) for v in layer.inner.weights)
    w2, b2 = (keras.ops.convert_to_numpy(v) for v in layer.outer.weights)
    np.testing.assert_allclose(out, np.maximum(x @ w1 + b1, 0) @ w2 + b2, atol=1e-5)
    # Each position alone gives the same answer: no mixing across positions.
    single = keras.ops.convert_to_numpy(layer(x[:, 2:3]))
    np.testing.assert_allclose(single[:, 0], out[:, 2], atol=1e-6)


@pytest.mark.parametrize("name, value", [("intermediate_dim", 0), ("dropout", 1.0)])
def test_a_bad_argument_is_named(name, value):
    with pytest.raises(ValueError) as bad:
        PositionwiseFeedForward(**{"intermediate_dim": 8, name: value})
    assert_says(str(bad.value), f"`{name}`", f"{name}={value!r}")


def test_initializers_reach_both_dense_layers_by_their_names():
    layer = PositionwiseFeedForward(
        8, kernel_initializer="ones", bias_initializer="ones", name="ffn"
    )
    layer.build((None, 3, 4))
    assert [w.path for w in layer.weights] == [
        "ffn/inner/kernel",
        "ffn/inner/bias",
        "ffn/outer/kernel",
        "ffn/outer/bias",
    ]
    for weight in layer.weights:
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(weight), 1.0)


def test_dropout_acts_in_training_only_and_the_mask_passes_on():
    x = np.random.default_rng(3).normal(size=(2, 4, 6)).astype("float32")
    layer = PositionwiseFeedForward(16, dropout=0.5)
    inference = keras.ops.convert_to_numpy(layer(x))
    w1, b1 = (keras.ops.convert_to_numpy(v) for v in layer.inner.weights)
    w2, b2 = (keras.ops.convert_to_numpy(v) for v in layer.outer.weights)
    np.testing.assert_allclose(inference, np.maximum(x @ w1 + b1, 0) @ w2 + b2, atol=1e-5)
    training = keras.ops.convert_to_numpy(layer(x, training=True))
    assert np.abs(training - inference).mean() > 0.1
    ids = keras.Input((3,), dtype="int32")
    tokens = keras.layers.Embedding(10, 6, mask_zero=True)(ids)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Keras warns when a layer drops a mask
        transformed = PositionwiseFeedForward(8)(tokens)
    # The pooling averages only the positions the mask keeps: here the first two.
    pooled = keras.layers.GlobalAveragePooling1D()(transformed)
    mean, rows = keras.Model(ids, [pooled, transformed])(np.array([[1, 2, 0]]))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(mean)[0],
        keras.ops.convert_to_numpy(rows)[0, :2].mean(0),
        atol=1e-6,
    )
