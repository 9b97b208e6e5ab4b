"""DCGAN: fits a 2-D Gaussian mixture, resumes training after reload, exports; its two
optimizers answer to Keras's learning-rate callbacks and to `model.optimizer`."""

import keras
import numpy as np
import pytest
from message_helpers import assert_says
from models_helpers import (
    assert_optimizer_restored,
    assert_same_config,
    assert_same_outputs,
    assert_same_step,
    check_export,
    gaussian_mixture,
    mixed_precision,
    one_step_changes,
    reload,
    shape_images,
)

from zoo.models import DCGAN

# The layer and model tests run in the core install too (Keras and NumPy, JAX).
pytestmark = pytest.mark.core

# The mixture of models_helpers.gaussian_mixture; a sample is on a mode within 3 of its scales.
MIXTURE_MEANS = np.array([[-2.0, 0.0], [1.5, 1.5], [1.0, -2.0]])
MIXTURE_SCALES = np.array([[0.4, 0.2], [0.25, 0.5], [0.3, 0.3]])
# Seeds 0-4 measured 0.86-0.93 on a mode, 0.24-0.29 for the least-visited mode and a
# covariance error of 0.09-0.23: margins of 0.16, 0.09 and 0.12.
ON_MODES = 0.7  # share of samples on a mode
EACH_MODE = 0.15  # each mode's share of the samples (a third each in the data)
COVARIANCE_TOLERANCE = 0.35  # relative Frobenius error


def adam():
    return keras.optimizers.Adam(1e-3, beta_1=0.5)


def convolutional_gan():
    keras.utils.set_random_seed(0)
    gan = DCGAN.convolutional((16, 16, 1), latent_dim=8, filters=(8, 16), seed=0)
    gan.compile(adam(), adam())
    return gan


@pytest.fixture(scope="module")
def images():
    return shape_images(64, seed=0)[0] * 2.0 - 1.0


@pytest.mark.slow
def test_learns_gaussian_mixture(learning_seed, bound):
    """The samples lie on the mixture's three modes, each mode gets its share, the spread fits.

    An untrained generator puts no sample on a mode and has a covariance
    error of 0.98; the bounds' margins over seeds 0-4 are in the constants.
    """
    data = gaussian_mixture(4096, seed=learning_seed)
    keras.utils.set_random_seed(learning_seed)
    gan = DCGAN.dense(2, latent_dim=4, units=(64, 64), seed=learning_seed)
    gan.compile(adam(), adam())
    history = gan.fit(data, batch_size=128, epochs=40, verbose=0).history
    assert all(np.isfinite(history[name]).all() for name in ("d_loss", "g_loss"))
    samples = keras.ops.convert_to_numpy(gan.generate(4096))
    distances = np.sqrt((((samples[:, None] - MIXTURE_MEANS) / MIXTURE_SCALES) ** 2).sum(-1))
    on_a_mode = distances.min(axis=1) <= 3.0
    shares = np.bincount(distances.argmin(axis=1)[on_a_mode], minlength=3) / len(samples)
    data_covariance = np.cov(data.T)
    covariance_error = np.linalg.norm(np.cov(samples.T) - data_covariance) / np.linalg.norm(
        data_covariance
    )
    bound("share of samples on a mode", on_a_mode.mean(), at_least=ON_MODES)
    bound("smallest share of one mode", shares.min(), at_least=EACH_MODE)
    bound("covariance error", covariance_error, at_most=COVARIANCE_TOLERANCE)


@pytest.mark.slow
def test_round_trip_resumes_training(images, tmp_path):
    gan = convolutional_gan()
    gan.fit(images, batch_size=32, epochs=1, verbose=0)
    reloaded = reload(gan, tmp_path)
    assert_same_config(reloaded, gan)
    latent = np.random.default_rng(0).normal(size=(4, 8)).astype("float32")
    assert_same_outputs(reloaded(latent), gan(latent))
    assert_optimizer_restored(gan.generator_optimizer, reloaded.generator_optimizer)
    assert_optimizer_restored(gan.discriminator_optimizer, reloaded.discriminator_optimizer)
    history = reloaded.fit(images, batch_size=32, epochs=1, verbose=0).history
    assert reloaded.generator_optimizer.iterations.numpy() == 4
    assert all(np.isfinite(history[name]).all() for name in ("d_loss", "g_loss"))


@pytest.mark.tensorflow
@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="the reference step differentiates with TensorFlow's tape, on TensorFlow's variables",
)
def test_a_step_is_the_discriminator_step_then_the_generator_step():
    # The reference: the step written out with a tape and plain SGD on copies of
    # the two networks, drawing the latent codes from the same seed. Both networks
    # have batch normalization, whose batch statistics show that each runs in
    # training mode (its moving statistics are weights too, compared after).
    import tensorflow as tf

    keras.utils.set_random_seed(0)

    def network(inputs, outputs, name):
        return keras.Sequential(
            [
                keras.Input((inputs,)),
                keras.layers.Dense(5),
                keras.layers.BatchNormalization(momentum=0.5),
                keras.layers.LeakyReLU(),
                keras.layers.Dense(outputs),
            ],
            name=name,
        )

    gan = DCGAN(network(3, 2, "generator"), network(2, 1, "discriminator"), 3, seed=4)
    gan.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.3))
    real = gaussian_mixture(6)
    generator, discriminator = (
        keras.models.clone_model(network) for network in (gan.generator, gan.discriminator)
    )
    generator.set_weights(gan.generator.get_weights())
    discriminator.set_weights(gan.discriminator.get_weights())
    draws = keras.random.SeedGenerator(4)

    def bce(label, logits):
        labels = tf.fill(tf.shape(logits), float(label))
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels, logits))

    def sgd_step(network, rate, loss_fn):
        with tf.GradientTape() as tape:
            loss = loss_fn()
        gradients = tape.gradient(loss, network.trainable_variables)
        for variable, gradient in zip(network.trainable_variables, gradients):
            variable.assign(variable - rate * gradient)
        return float(loss)

    latent = keras.random.normal((6, 3), seed=draws)
    d_loss = sgd_step(
        discriminator,
        0.3,
        lambda: (
            bce(1, discriminator(real, training=True))
            + bce(0, discriminator(generator(latent, training=True), training=True))
        ),
    )
    latent = keras.random.normal((6, 3), seed=draws)
    g_loss = sgd_step(
        generator,
        0.1,
        lambda: bce(1, discriminator(generator(latent, training=True), training=True)),
    )

    history = gan.fit(real, batch_size=6, epochs=1, shuffle=False, verbose=0).history
    assert history["d_loss"][0] == pytest.approx(d_loss, rel=1e-5)
    assert history["g_loss"][0] == pytest.approx(g_loss, rel=1e-5)
    assert_same_outputs(gan.discriminator.weights, discriminator.weights)
    assert_same_outputs(gan.generator.weights, generator.weights)
    # `generate` draws the next codes and runs the generator in inference mode.
    latent = keras.random.normal((4, 3), seed=draws)
    assert_same_outputs(gan.generate(4), generator(latent, training=False))


@pytest.mark.tensorflow
def test_export_signature(images, tmp_path):
    gan = convolutional_gan()
    latent = np.random.default_rng(0).normal(size=(5, 8)).astype("float32")
    check_export(
        gan,
        tmp_path,
        {
            "serving_default": ({"latent": latent}, {"generated": gan(latent)}),
        },
    )


def test_generated_images_are_tanh_of_the_output_layer():
    gan = convolutional_gan()
    latent = np.random.default_rng(0).normal(size=(6, 8)).astype("float32")
    generated = keras.ops.convert_to_numpy(gan(latent))
    output = gan.generator.get_layer("output")
    features = keras.Model(gan.generator.input, output.input)(latent)
    linear = keras.layers.Conv2D.from_config({**output.get_config(), "activation": "linear"})
    linear.build(features.shape)
    linear.set_weights(output.get_weights())
    assert generated.shape == (6, 16, 16, 1)
    np.testing.assert_allclose(
        generated, np.tanh(keras.ops.convert_to_numpy(linear(features))), atol=1e-6
    )
    assert generated.min() < 0.0 < generated.max()


def sgd_step(images, logit_bias=0.0):
    """A convolutional GAN after one SGD step on `images[:32]`, with each network's change.

    `logit_bias` is set as the discriminator's last bias before the step.
    """
    keras.utils.set_random_seed(0)
    gan = DCGAN.convolutional((16, 16, 1), latent_dim=8, filters=(8, 16), seed=0)
    gan.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1))
    gan.discriminator.get_layer("logit").bias.assign(np.full(1, logit_bias, "float32"))
    return gan, one_step_changes(gan, images[:32], (gan.discriminator, gan.generator))


# At a bias of 14 the discriminator rates every fake real: the generator's loss
# gradients are about e^-14 / 32, under float16's smallest number, and only the
# loss scale keeps its step (without it, the step is 0; at a bias of 0 it is not).
@pytest.mark.parametrize("logit_bias", [0.0, 14.0], ids=["plain", "fakes-rated-real"])
def test_mixed_precision_takes_the_float32_step(images, logit_bias):
    _, exact = sgd_step(images, logit_bias)
    with mixed_precision():
        gan, mixed = sgd_step(images, logit_bias)
        assert gan.generator.layers[1].compute_dtype == "float16"
        assert gan.generate(2).dtype == "float32"
    assert_same_step(mixed, exact)


def test_other_backends_are_told_which_train(images, monkeypatch):
    gan = convolutional_gan()
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    with pytest.raises(NotImplementedError) as error:
        gan.train_step(images[:4])
    assert_says(
        str(error.value), "tensorflow and jax", "'torch'", "KERAS_BACKEND", "`call` and `generate`"
    )


def two_rate_gan():
    """A small dense GAN whose discriminator learns 4 times faster than its generator."""
    keras.utils.set_random_seed(0)
    gan = DCGAN.dense(2, latent_dim=2, units=(8,), seed=0)
    gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(4e-3))
    return gan


class EpochEnds(keras.callbacks.Callback):
    """Records both optimizers' rates and both networks' weights after every epoch."""

    def __init__(self):
        super().__init__()
        self.rates, self.weights = [], []

    def on_epoch_end(self, epoch, logs=None):
        self.rates.append([float(o.learning_rate) for o in self.model.optimizer.optimizers])
        self.weights.append(self.model.get_weights())


def test_learning_rate_scheduler_sets_both_optimizers_and_the_steps_use_them():
    gan, seen = two_rate_gan(), EpochEnds()
    schedule = keras.callbacks.LearningRateScheduler(
        lambda epoch, rate: [rate, rate / 2, 0.0][epoch]
    )
    gan.fit(gaussian_mixture(64), batch_size=32, epochs=3, callbacks=[schedule, seen], verbose=0)
    np.testing.assert_allclose(seen.rates, [[1e-3, 4e-3], [5e-4, 2e-3], [0.0, 0.0]], rtol=1e-6)
    # The second epoch's steps moved both networks; at rate 0 the third moved neither.
    assert max(np.abs(a - b).max() for a, b in zip(*seen.weights[:2])) > 1e-5
    for before, after in zip(*seen.weights[1:]):
        np.testing.assert_array_equal(after, before)


def test_reduce_lr_on_plateau_reduces_both_optimizers_keeping_their_ratio():
    gan, seen = two_rate_gan(), EpochEnds()
    # No epoch improves on the first by a million: every later one is a plateau.
    plateau = keras.callbacks.ReduceLROnPlateau(
        monitor="g_loss", mode="min", factor=0.5, patience=1, min_delta=1e6
    )
    gan.fit(gaussian_mixture(64), batch_size=32, epochs=3, callbacks=[plateau, seen], verbose=0)
    np.testing.assert_allclose(seen.rates, [[1e-3, 4e-3], [5e-4, 2e-3], [2.5e-4, 1e-3]], rtol=1e-6)


def test_model_optimizer_reads_and_sets_a_learning_rate_and_counts_steps():
    gan = two_rate_gan()
    assert float(gan.optimizer.learning_rate) == pytest.approx(1e-3)
    assert int(gan.optimizer.iterations) == 0
    gan.fit(gaussian_mixture(96), batch_size=32, epochs=2, verbose=0)
    assert int(gan.optimizer.iterations) == 6  # 3 batches, twice
    assert int(gan.discriminator_optimizer.iterations) == 6
    gan.optimizer.learning_rate = 2e-4
    assert [float(o.learning_rate) for o in gan.optimizer.optimizers] == pytest.approx([2e-4, 8e-4])
    assert float(gan.optimizer.learning_rate) == pytest.approx(2e-4)
    # A generator's rate of 0 at compile leaves no ratio to keep: both get the value.
    frozen = DCGAN.dense(2, latent_dim=2, units=(8,))
    frozen.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.1))
    frozen.optimizer.learning_rate = 0.05
    assert [float(o.learning_rate) for o in frozen.optimizer.optimizers] == pytest.approx(
        [0.05, 0.05]
    )
