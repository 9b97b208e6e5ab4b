"""VAE and β-VAE: ELBO, KL against β, resumed training, export, mixed precision."""

import keras
import numpy as np
import pytest
from models_helpers import (
    assert_optimizer_restored,
    assert_same_config,
    assert_same_outputs,
    blob_images,
    check_export,
    check_loss_against_closed_forms,
    mixed_precision,
    reload,
)

from zoo.models import VAE
from zoo.models.vae import RECONSTRUCTION_LOSSES

# The layer and model tests run in the core install too (Keras and NumPy, JAX).
pytestmark = pytest.mark.core

EPOCHS = 20
BATCH_SIZE = 32


def build(beta, seed=0):
    keras.utils.set_random_seed(seed)
    model = VAE.convolutional((16, 16, 1), latent_dim=4, filters=(8, 16), beta=beta, seed=seed)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    return model


def negative_elbo(model, images):
    result = model.evaluate(images, batch_size=128, verbose=0, return_dict=True)
    return result["reconstruction_loss"] + result["kl_loss"]


@pytest.fixture(scope="module")
def data(learning_seed):
    return blob_images(320, seed=2 * learning_seed), blob_images(128, seed=2 * learning_seed + 1)


@pytest.fixture(scope="module")
def trained(data, learning_seed):
    """`{beta: (model, negative ELBO before training, metrics after)}`."""
    runs = {}
    for beta in (1.0, 4.0):
        model = build(beta, learning_seed)
        before = negative_elbo(model, data[1])
        model.fit(data[0], batch_size=BATCH_SIZE, epochs=EPOCHS, verbose=0)
        runs[beta] = (
            model,
            before,
            model.evaluate(data[1], batch_size=128, verbose=0, return_dict=True),
        )
    return runs


@pytest.mark.slow
def test_elbo_improves(trained, data, bound):
    model, before, _ = trained[1.0]
    after = negative_elbo(model, data[1])
    # The ELBO is a log-likelihood bound in nats per 256-pixel image.
    # Seeds 0-4 measured 0.25-0.28.
    bound("negative ELBO after / before training", after / before, at_most=0.6)


@pytest.mark.slow
def test_larger_beta_ends_with_smaller_kl(trained, bound):
    kl_beta_1 = trained[1.0][2]["kl_loss"]
    kl_beta_4 = trained[4.0][2]["kl_loss"]
    # Seeds 0-4 measured 0.35-0.51.
    bound("KL of beta 4 / KL of beta 1", kl_beta_4 / kl_beta_1, at_most=0.7)


@pytest.mark.slow
def test_metrics_reported(trained):
    _, _, metrics = trained[4.0]
    assert set(metrics) == {"loss", "reconstruction_loss", "kl_loss"}
    assert metrics["loss"] == pytest.approx(
        metrics["reconstruction_loss"] + 4.0 * metrics["kl_loss"], rel=1e-4
    )


@pytest.mark.slow
def test_round_trip_resumes_training(data, tmp_path):
    model = build(1.0)
    images = data[0][:128]
    model.fit(images, batch_size=BATCH_SIZE, epochs=1, verbose=0)
    reloaded = reload(model, tmp_path)
    assert_same_config(reloaded, model)
    assert_same_outputs(reloaded(data[1]), model(data[1]))
    assert_optimizer_restored(model.optimizer, reloaded.optimizer)
    history = reloaded.fit(images, batch_size=BATCH_SIZE, epochs=2, verbose=0).history
    assert reloaded.optimizer.iterations.numpy() == 12
    assert history["loss"][1] < history["loss"][0]


@pytest.mark.slow
@pytest.mark.tensorflow
def test_export_signatures(trained, data, tmp_path):
    model = trained[1.0][0]
    images = data[1][:5]
    mean, log_var = model.encode(images)
    codes = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    check_export(
        model,
        tmp_path,
        {
            "serving_default": ({"inputs": images}, {"reconstruction": model(images)}),
            "encode": ({"inputs": images}, {"mean": mean, "log_variance": log_var}),
            "decode": ({"latent": codes}, {"reconstruction": model.decode(codes)}),
        },
    )


@pytest.mark.parametrize("reconstruction_loss", RECONSTRUCTION_LOSSES)
def test_loss_is_reconstruction_plus_beta_kl_averaged_over_examples(reconstruction_loss):
    # Five examples in batches of 4 and 1: the metrics weigh each batch by its size,
    # so they report the mean over the five examples.
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).uniform(size=(5, 3, 2)).astype("float32")
    model = VAE.dense(
        (3, 2), latent_dim=2, units=(4,), beta=2.5, reconstruction_loss=reconstruction_loss, seed=1
    )
    model.compile(optimizer="sgd")
    check_loss_against_closed_forms(model, x, x, model.encode(x), reconstruction_loss)


def test_the_seed_fixes_the_training_noise():
    # Two models of the same weights and seed draw the same codes in their loss,
    # whatever the global seed.
    x = np.random.default_rng(0).uniform(size=(4, 6)).astype("float32")
    models = []
    for global_seed in (1, 2):
        keras.utils.set_random_seed(global_seed)
        models.append(VAE.dense((6,), latent_dim=2, units=(4,), seed=9))
    for copy, weight in zip(models[1].trainable_weights, models[0].trainable_weights):
        copy.assign(weight)
    losses = [float(model.compute_loss(x)) for model in models]
    assert losses[0] == losses[1]


def test_generate_and_dense_variant():
    keras.utils.set_random_seed(0)
    model = VAE.dense(
        (10,),
        latent_dim=2,
        units=(8,),
        output_activation=None,
        reconstruction_loss="squared_error",
        seed=3,
    )
    # The default is the plain VAE, whose loss is the negative ELBO.
    assert model.beta == 1.0
    assert model.generate(5).shape == (5, 10)
    assert not np.allclose(model.generate(2), model.generate(2))


@pytest.mark.slow
def test_mixed_precision_computes_in_float16_and_answers_in_float32():
    # The encoder's and decoder's outputs and the losses are float32 (their last
    # layers and the loss sums are), so the float16 model answers as float32's.
    images = blob_images(BATCH_SIZE)
    exact = build(1.0)
    with mixed_precision():
        model = build(1.0)
        model.set_weights(exact.get_weights())
        assert model.decoder.layers[1].compute_dtype == "float16"
        answers = [model(images), *model.encode(images)]
        history = model.fit(images, batch_size=BATCH_SIZE, epochs=2, verbose=0).history
    for answer, expected in zip(answers, [exact(images), *exact.encode(images)]):
        assert answer.dtype == "float32"
        np.testing.assert_allclose(answer, expected, atol=0.02)
    assert all(np.isfinite(history[name]).all() for name in history)


def test_targets_are_refused():
    model = build(1.0)
    images = blob_images(4)
    with pytest.raises(
        ValueError,
        match=(
            r"A VAE reconstructs its inputs and takes no targets: call `fit\(x\)`, "
            r"not `fit\(x, y\)`\."
        ),
    ):
        model.fit(images, images, epochs=1, verbose=0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"beta": 0.0},
            r"^`beta` weights the KL term and must be > 0 \(1 for a plain VAE, more for a "
            r"beta-VAE\)\. Received: beta=0\.0$",
        ),
        (
            {"reconstruction_loss": "mae"},
            r"^`reconstruction_loss` must be one of \('binary_crossentropy', "
            r"'squared_error'\)\. Received: reconstruction_loss='mae'$",
        ),
    ],
)
def test_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        VAE.dense((4,), latent_dim=2, **kwargs)
