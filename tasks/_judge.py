"""A digit classifier that judges generated MNIST digits, for the generative tasks.

It is the `mnist` task's reference model, trained for one epoch on the
task's training digits (never the held-out ones) and cached on disk, so
every solution of a task is judged by the same classifier.
"""

import hashlib

import numpy as np

JUDGE_EPOCHS = 1


def digit_judge(splits):
    """Returns the judge for these training digits, training it on first use.

    Args:
        splits: MNIST `Splits` of uint8 `(n, 28, 28)` digits and labels.

    Returns:
        A Keras model: uint8 digits `(n, 28, 28)` → 10 probabilities.
    """
    import keras

    from zoo import data
    from zoo.tasks.mnist import TASK as MNIST

    x, y = splits.train
    digest = hashlib.sha256(x[:2000].tobytes() + y[:2000].tobytes()).hexdigest()[:16]
    path = data.CACHE_DIR / "judges" / f"mnist-{len(x)}-{digest}.keras"
    if path.exists():
        return keras.saving.load_model(path)
    keras.utils.set_random_seed(0)  # the same digits always make the same judge
    judge = MNIST.build(splits)
    judge.fit(x, y, epochs=JUDGE_EPOCHS, batch_size=128, verbose=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    judge.save(path)
    return judge


def to_digits(images, low):
    """Converts generated images in [low, 1] to uint8 `(n, 28, 28)` digits.

    Args:
        images: array `(n, 28, 28, 1)` or `(n, 28, 28)`.
        low: the pixel value of black: 0 for sigmoid outputs, -1 for tanh.

    Returns:
        A uint8 array `(n, 28, 28)`.
    """
    images = np.asarray(images, "float32").reshape(len(images), 28, 28)
    return np.clip((images - low) / (1 - low) * 255, 0, 255).round().astype("uint8")
