import keras
import numpy as np
import pytest
from layer_harness import run_layer_test
from message_helpers import assert_says

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


def test_a_draw_is_the_mean_plus_the_scaled_noise_of_its_seed():
    rng = np.random.default_rng(1)
    mean = rng.normal(size=(4, 3)).astype("float32")
    log_var = rng.normal(size=(4, 3)).astype("float32")
    noise = keras.random.normal((4, 3), seed=keras.random.SeedGenerator(5))
    expected = mean + np.exp(0.5 * log_var) * keras.ops.convert_to_numpy(noise)
    z = Sampling(seed=5)([mean, log_var])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(z), expected, rtol=1e-6, atol=1e-6)


def test_draws_in_the_compute_dtype():
    zeros = np.zeros((2, 3), "float32")
    z = Sampling(seed=0, dtype="mixed_float16")([zeros, zeros])
    assert keras.backend.standardize_dtype(z.dtype) == "float16"


def test_output_shape_names_shapes_that_differ():
    with pytest.raises(ValueError) as differ:
        Sampling().compute_output_shape([(2, 3), (2, 4)])
    assert_says(str(differ.value), "same shape", "mean.shape=(2, 3)", "log_var.shape=(2, 4)")
    with pytest.raises(ValueError) as three:
        Sampling().compute_output_shape([(2, 3)] * 3)
    assert_says(str(three.value), "Sampling is called on [mean, log_var]", "a list of 3")
