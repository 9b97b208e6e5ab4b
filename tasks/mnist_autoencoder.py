"""A zoo task: compress MNIST digits to 16 numbers and back (`zoo.models.Autoencoder`).

Scored by the per-pixel mean squared error of held-out reconstructions.
"""

import sys

from zoo.tasks._reconstruction import reconstruction_task, wrap
from zoo.training.script import run_script


def build(splits):
    """A convolutional autoencoder with a 16-number code, behind the uint8 input."""
    import keras

    from zoo.models import Autoencoder

    model = wrap(
        Autoencoder.convolutional((28, 28, 1), latent_dim=16, filters=(32, 64), name="autoencoder")
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    return model


TASK = reconstruction_task(
    "mnist_autoencoder",
    "reconstruct digits through a 16-number code",
    build,
    threshold=0.012,
    step=0.004,
    epochs=10,
    batch_size=128,
    patience=2,
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
