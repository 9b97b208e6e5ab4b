"""DCGAN: fits a 2-D Gaussian mixture, resumes training after reload, exports."""

import keras
import numpy as np
import pytest

from models_helpers import (
    assert_optimizer_restored,
    assert_same_config,
    assert_same_outputs,
    check_export,
    gaussian_mixture,
    mixed_precision,
    reload,
    shape_images,
)
from zoo.models import DCGAN

MEAN_TOLERANCE = 0.3  # absolute, per coordinate; the data's std is about 1.5
COVARIANCE_TOLERANCE = 0.2  # relative Frobenius error


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


def test_learns_gaussian_mixture():
    data = gaussian_mixture(4096, seed=0)
    keras.utils.set_random_seed(0)
    gan = DCGAN.dense(2, latent_dim=4, units=(64, 64), seed=0)
    gan.compile(adam(), adam())
    history = gan.fit(data, batch_size=128, epochs=40, verbose=0).history
    assert all(np.isfinite(history[name]).all() for name in ("d_loss", "g_loss"))
    samples = keras.ops.convert_to_numpy(gan.generate(4096))
    mean_error = np.abs(samples.mean(axis=0) - data.mean(axis=0)).max()
    data_covariance = np.cov(data.T)
    covariance_error = (np.linalg.norm(np.cov(samples.T) - data_covariance)
                        / np.linalg.norm(data_covariance))
    assert mean_error <= MEAN_TOLERANCE, mean_error
    assert covariance_error <= COVARIANCE_TOLERANCE, covariance_error


def test_round_trip_resumes_training(images, tmp_path):
    gan = convolutional_gan()
    gan.fit(images, batch_size=32, epochs=1, verbose=0)
    reloaded = reload(gan, tmp_path)
    assert_same_config(reloaded, gan)
    latent = np.random.default_rng(0).normal(size=(4, 8)).astype("float32")
    assert_same_outputs(reloaded(latent), gan(latent))
    assert_optimizer_restored(gan.generator_optimizer, reloaded.generator_optimizer)
    assert_optimizer_restored(gan.discriminator_optimizer,
                              reloaded.discriminator_optimizer)
    history = reloaded.fit(images, batch_size=32, epochs=1, verbose=0).history
    assert reloaded.generator_optimizer.iterations.numpy() == 4
    assert all(np.isfinite(history[name]).all() for name in ("d_loss", "g_loss"))


def test_export_signature(images, tmp_path):
    gan = convolutional_gan()
    latent = np.random.default_rng(0).normal(size=(5, 8)).astype("float32")
    check_export(gan, tmp_path, {
        "serving_default": ({"latent": latent}, {"generated": gan(latent)}),
    })


def test_generated_images_in_tanh_range():
    generated = keras.ops.convert_to_numpy(convolutional_gan().generate(6))
    assert generated.shape == (6, 16, 16, 1)
    assert generated.min() >= -1.0 and generated.max() <= 1.0


def test_mixed_precision_trains(images):
    with mixed_precision():
        gan = convolutional_gan()
        history = gan.fit(images, batch_size=32, epochs=1, verbose=0).history
        assert isinstance(gan.generator_optimizer, keras.optimizers.LossScaleOptimizer)
        assert gan.generator.layers[1].compute_dtype == "float16"
        assert gan.generate(2).dtype == "float32"
        assert all(np.isfinite(history[name]).all() for name in ("d_loss", "g_loss"))


def test_other_backends_are_told_which_train(images, monkeypatch):
    gan = convolutional_gan()
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    with pytest.raises(NotImplementedError) as error:
        gan.train_step(images[:4])
    assert str(error.value) == (
        "DCGAN trains on the tensorflow and jax backends; this process uses 'torch'. "
        "Set KERAS_BACKEND to one of tensorflow, jax to train. `call` and `generate` "
        "work on every backend.")
