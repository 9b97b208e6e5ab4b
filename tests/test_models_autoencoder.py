"""Autoencoder: learning, denoising, `.keras` round trip, export, mixed precision."""

import keras
import numpy as np
import pytest
from models_helpers import (
    assert_same_config,
    assert_same_outputs,
    blob_images,
    check_export,
    mixed_precision,
    reload,
)

from zoo.models import Autoencoder

# The layer and model tests run in the core install too (Keras and NumPy, JAX).
pytestmark = pytest.mark.core

NOISE = 0.5
STEPS = 400


def mse(a, b):
    return float(np.mean((np.asarray(a) - np.asarray(b)) ** 2))


def train(model, images, steps=STEPS, batch_size=32):
    # At 3e-3 the denoising model's ReLUs died on one seed of five (loss stuck at 0.087).
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="mse")
    epochs = steps * batch_size // len(images)
    model.fit(images, images, batch_size=batch_size, epochs=epochs, verbose=0)
    return model


@pytest.fixture(scope="module")
def data(learning_seed):
    return blob_images(512, seed=2 * learning_seed), blob_images(128, seed=2 * learning_seed + 1)


@pytest.fixture(scope="module")
def plain(data, learning_seed):
    keras.utils.set_random_seed(learning_seed)
    model = Autoencoder.convolutional((16, 16, 1), latent_dim=8, filters=(8, 16))
    untrained_mse = mse(model.predict(data[1], verbose=0), data[1])
    return train(model, data[0]), untrained_mse


@pytest.mark.slow
def test_reconstruction_error_falls_by_half(plain, data, bound):
    model, untrained_mse = plain
    trained_mse = mse(model.predict(data[1], verbose=0), data[1])
    # Seeds 0-4 measured 0.006-0.008 at 300 steps and 3e-3.
    bound("trained / untrained reconstruction error", trained_mse / untrained_mse, at_most=0.5)


@pytest.mark.slow
def test_denoising_beats_plain_on_noisy_inputs(plain, data, learning_seed, bound):
    keras.utils.set_random_seed(learning_seed)
    denoising = train(
        Autoencoder.convolutional(
            (16, 16, 1), latent_dim=8, filters=(8, 16), noise_stddev=NOISE, seed=learning_seed + 1
        ),
        data[0],
    )
    clean = data[1]
    noisy = clean + np.random.default_rng(learning_seed + 2).normal(0, NOISE, clean.shape).astype(
        "float32"
    )
    denoising_mse = mse(denoising.predict(noisy, verbose=0), clean)
    plain_mse = mse(plain[0].predict(noisy, verbose=0), clean)
    # Seeds 0-4 measured 0.28-0.46.
    bound("denoising / plain error on noisy inputs", denoising_mse / plain_mse, at_most=0.6)


def test_noise_only_in_training():
    keras.utils.set_random_seed(0)
    model = Autoencoder.dense((6,), latent_dim=2, units=(4,), noise_stddev=1.0)
    x = np.ones((3, 6), "float32")
    assert_same_outputs(model(x), model(x))
    assert not np.allclose(model(x, training=True), model(x, training=True))


@pytest.mark.slow
def test_keras_round_trip(plain, data, tmp_path):
    model = plain[0]
    reloaded = reload(model, tmp_path)
    assert_same_config(reloaded, model)
    assert_same_outputs(reloaded.predict(data[1], verbose=0), model.predict(data[1], verbose=0))


@pytest.mark.slow
@pytest.mark.tensorflow
def test_export_signatures(plain, data, tmp_path):
    model = plain[0]
    images = data[1][:5]
    latent = model.encode(images)
    check_export(
        model,
        tmp_path,
        {
            "serving_default": ({"inputs": images}, {"reconstruction": model(images)}),
            "encode": ({"inputs": images}, {"latent": latent}),
            "decode": (
                {"latent": keras.ops.convert_to_numpy(latent)},
                {"reconstruction": model.decode(latent)},
            ),
        },
    )


def identity_autoencoder(seed):
    """An autoencoder of identity networks: its output minus its input is the noise."""

    def identity(name):
        return keras.Sequential([keras.Input((500,)), keras.layers.Identity()], name=name)

    return Autoencoder(identity("encoder"), identity("decoder"), noise_stddev=0.3, seed=seed)


def test_training_noise_is_gaussian_of_the_given_stddev_and_seed():
    x = np.random.default_rng(0).normal(size=(20, 500)).astype("float32")
    model = identity_autoencoder(seed=3)
    noise = keras.ops.convert_to_numpy(model(x, training=True)) - x
    # 10,000 draws: the sample deviation lies within 3% of 0.3, the mean within 0.01.
    assert abs(noise.std() - 0.3) < 0.009
    assert abs(noise.mean()) < 0.01
    assert_same_outputs(model(x), x)
    # The same seed draws the same noise, whatever the global seed.
    keras.utils.set_random_seed(99)
    again = keras.ops.convert_to_numpy(identity_autoencoder(seed=3)(x, training=True)) - x
    np.testing.assert_array_equal(again, noise)


def test_dense_variant_round_trip(tmp_path):
    keras.utils.set_random_seed(0)
    model = Autoencoder.dense(
        (12,), latent_dim=3, units=(8,), noise_stddev=0.1, output_activation=None
    )
    x = np.random.default_rng(0).normal(size=(4, 12)).astype("float32")
    assert model.encode(x).shape == (4, 3)
    assert_same_outputs(reload(model, tmp_path)(x), model(x))


def test_mixed_precision_trains():
    with mixed_precision():
        keras.utils.set_random_seed(0)
        model = Autoencoder.convolutional(
            (16, 16, 1), latent_dim=4, filters=(4, 8), noise_stddev=0.1
        )
        images = blob_images(16)
        model.compile(optimizer="adam", loss="mse")
        history = model.fit(images, images, epochs=1, verbose=0).history
        assert model.encoder.layers[1].compute_dtype == "float16"
        assert model(images).dtype == "float32"
        assert np.isfinite(history["loss"]).all()


def test_rejects_negative_noise():
    with pytest.raises(ValueError, match="noise_stddev"):
        Autoencoder.dense((4,), latent_dim=2, noise_stddev=-0.1)
