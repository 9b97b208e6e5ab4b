from math import erf

import keras
import numpy as np
import pytest
from layer_harness import run_layer_test

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
