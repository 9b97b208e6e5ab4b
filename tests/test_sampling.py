import keras
import numpy as np
import pytest
from layer_harness import run_layer_test

from zoo.layers import Sampling

# The layer and model tests run in the core install too (Keras and NumPy, JAX).
pytestmark = pytest.mark.core


def test_harness(tmp_path):
    rng = np.random.default_rng(0)
    inputs = [rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(4, 3)).astype("float32")]
    # Seeded, the layer passes every check of the harness, round trips
    # included: a copy rebuilt from its config or reloaded draws the same.
    run_layer_test(
        Sampling,
        {"seed": 1},
        inputs,
        (4, 3),
        expected_num_trainable_weights=0,
        dynamic_axes=(),
        tmp_path=tmp_path,
    )


def test_mean_and_variance_of_100000_draws():
    means = np.array([1.0, -2.0, 3.0], "float32")
    variances = np.array([0.25, 1.0, 4.0], "float32")
    n = 100_000
    z = Sampling(seed=7)([np.tile(means, (n, 1)), np.tile(np.log(variances), (n, 1))])
    z = keras.ops.convert_to_numpy(z)
    np.testing.assert_allclose(z.mean(axis=0), means, rtol=0.01)
    np.testing.assert_allclose(z.var(axis=0), variances, rtol=0.01)


@pytest.mark.tensorflow
def test_same_seed_same_draws_and_gradients_flow():
    mean = keras.Variable(np.zeros((2, 3), "float32"))
    log_var = np.zeros((2, 3), "float32")
    a = keras.ops.convert_to_numpy(Sampling(seed=3)([mean, log_var]))
    b = keras.ops.convert_to_numpy(Sampling(seed=3)([mean, log_var]))
    np.testing.assert_array_equal(a, b)
    import tensorflow as tf

    with tf.GradientTape() as tape:
        z = Sampling(seed=3)([mean, log_var])
    np.testing.assert_allclose(tape.gradient(z, mean.value), np.ones((2, 3)))


def test_rejects_a_single_tensor():
    with pytest.raises(
        ValueError,
        match=r"Sampling is called on \[mean, log_var\], a list "
        r"of two tensors\. Received one tensor of shape \(2, 3\)\.",
    ):
        Sampling()(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"Received a list of 3\."):
        Sampling()([np.zeros((2, 3), "float32")] * 3)
