"""A zoo task: a β-VAE (β = 4) on MNIST digits (`zoo.models.VAE`).

The VAE trains with its own step (reconstruction + β·KL); the export
reconstructs from the mean code. Scored by the per-pixel mean squared error
of held-out reconstructions, which the β > 1 pressure for a tidy latent
space makes harder than for the plain autoencoder.
"""

import sys

from zoo.tasks._reconstruction import digits_in_unit_range, reconstruction_task, wrap
from zoo.training.script import run_script


def build(splits):
    """A convolutional β-VAE with 8 latent dimensions, behind the uint8 input."""
    import keras

    from zoo.models import VAE

    vae = VAE.convolutional((28, 28, 1), latent_dim=8, filters=(32, 64), beta=4.0, name="vae")
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    return wrap(vae)


def fit(model, splits, epochs, batch_size, callbacks, verbose):
    """Trains the VAE inside the wrapper on its own loss."""
    import zoo.training.fit

    history = zoo.training.fit.fit(
        model.get_layer("vae"),
        digits_in_unit_range(splits.train),
        validation_data=(digits_in_unit_range(splits.validation),),
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        verbose=verbose,
    )
    return history.history


TASK = reconstruction_task(
    "mnist_beta_vae",
    "reconstruct digits through a β-VAE's 8-dimensional code",
    build,
    threshold=0.03,
    step=0.006,
    fit=fit,
    epochs=10,
    batch_size=128,
    patience=2,
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
