"""What the MNIST reconstruction tasks share: data, the uint8 wrapper, the metric.

The exported model takes 28×28 uint8 digits and returns their
reconstructions as 28×28 pixels in [0, 1]; the zoo model inside works on
`(28, 28, 1)` floats. The metric is the mean squared error per pixel on the
held-out digits, on the [0, 1] scale.
"""

import numpy as np

from zoo.data import tfds_splits
from zoo.task import ZOO_MODEL, Source, Steps, Task, mean_squared_error
from zoo.tasks.mnist import squeeze_channel


def load(data=None):
    """MNIST digits as `(uint8 images, the same images in [0, 1])` pairs."""
    splits = tfds_splits("mnist", data, transform=squeeze_channel)
    for part in ("train", "validation", "test"):
        x = getattr(splits, part)[0]
        setattr(splits, part, (x, x.astype("float32") / 255.0))
    return splits


def wrap(inner):
    """Puts a model on `(28, 28, 1)` floats behind the uint8 contract.

    Args:
        inner: a zoo model mapping `(batch, 28, 28, 1)` in [0, 1] to images.

    Returns:
        A Keras model `(batch, 28, 28)` uint8 → `(batch, 28, 28)` floats.
    """
    import keras

    layers = keras.layers
    inputs = keras.Input((28, 28), dtype="uint8", name="digits")
    x = layers.Reshape((28, 28, 1))(layers.Rescaling(1 / 255)(inputs))
    outputs = layers.Reshape((28, 28), name="reconstruction")(inner(x))
    return keras.Model(inputs, outputs, name="reconstructor")


def reconstruction_pictures(task, model, splits, predictions, out_dir, count=8):
    """Writes `reconstructions.png`: held-out digits above their reconstructions."""
    from zoo.report.model_figures import plot_reconstructions

    return [
        plot_reconstructions(
            splits.test[1][:count], predictions[:count], f"{out_dir}/reconstructions.png"
        )
    ]


def reconstruction_task(name, summary, build, threshold, step, fit=None, **fields):
    """Declares an MNIST reconstruction task.

    Args:
        name: the task's name.
        summary: one line on the task.
        build: `build(splits) -> keras.Model`, compiled, behind `wrap`.
        threshold: per-pixel MSE for 5/5.
        step: MSE per lost mark.
        fit: optional custom fit (models with their own `train_step`).
        **fields: other `Task` fields.

    Returns:
        A `Task`.
    """
    return Task(
        name=name,
        category=ZOO_MODEL,
        summary=summary,
        source=Source("tfds", "mnist"),
        load=load,
        build=build,
        input_shape=(28, 28),
        input_dtype="uint8",
        output_shape=(28, 28),
        output_activation=None,
        metric="pixel mse",
        measure=mean_squared_error,
        scoring=Steps(threshold=threshold, step=step, higher_is_better=False),
        pictures=reconstruction_pictures,
        fit=fit,
        **fields,
    )


def digits_in_unit_range(pairs):
    """The `(n, 28, 28, 1)` float images of `(uint8, float)` pairs, for inner models."""
    return np.asarray(pairs[1])[..., None]
