"""A zoo task: draw a digit on request with a conditional VAE (`zoo.models.ConditionalVAE`).

The export's `generate` signature maps labels 0–9 to new 28×28×1 digits in
[0, 1]. Scored by the accuracy with which a digit classifier, trained on the
training digits, recognises 50 samples of each requested digit.
"""

import sys

import numpy as np

from zoo.task import ZOO_MODEL, Source, Steps, Task, accuracy
from zoo.tasks._judge import digit_judge, to_digits
from zoo.tasks.mnist import load
from zoo.training.script import run_script

SAMPLES_PER_DIGIT = 50


def unit_images(pairs):
    """`(n, 28, 28, 1)` floats in [0, 1] and labels from uint8 digit pairs."""
    x, y = pairs
    return x[..., None].astype("float32") / 255.0, y


def build(splits):
    """A convolutional conditional VAE with 8 latent dimensions."""
    import keras

    from zoo.models import ConditionalVAE

    cvae = ConditionalVAE.convolutional(
        (28, 28, 1), num_classes=10, latent_dim=8, filters=(32, 64), seed=0, name="conditional_vae"
    )
    cvae.compile(optimizer=keras.optimizers.Adam(1e-3))
    return cvae


def fit(model, splits, epochs, batch_size, callbacks, verbose):
    """Trains on `[digits, labels]`, validating on the validation split."""
    import zoo.training.fit

    return zoo.training.fit.fit(
        model,
        list(unit_images(splits.train)),
        validation_data=(list(unit_images(splits.validation)),),
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        verbose=verbose,
    ).history


def evaluate(predictor, splits):
    """Asks for 50 of each digit and has the judge read them."""
    labels = np.repeat(np.arange(10, dtype="int32"), SAMPLES_PER_DIGIT)
    samples = predictor.predict(labels)
    probabilities = digit_judge(splits).predict(to_digits(samples, low=0.0), verbose=0)
    return accuracy(labels, probabilities), samples


def sample_pictures(task, model, splits, predictions, out_dir):
    """Writes `samples.png`: four samples of each digit, one digit per column."""
    from zoo.report.model_figures import plot_samples

    grid = predictions.reshape(10, SAMPLES_PER_DIGIT, *predictions.shape[1:])[:, :4]
    return [
        plot_samples(
            grid.transpose(1, 0, 2, 3, 4).reshape(40, *predictions.shape[1:]),
            f"{out_dir}/samples.png",
            columns=10,
        )
    ]


TASK = Task(
    name="mnist_conditional_vae",
    category=ZOO_MODEL,
    summary="draw the digit asked for",
    source=Source("tfds", "mnist"),
    load=load,
    build=build,
    input_shape=(),
    input_dtype="int32",
    output_shape=(28, 28, 1),
    output_activation=None,
    metric="judged accuracy",
    measure=None,
    scoring=Steps(threshold=0.90, step=0.05),
    epochs=10,
    batch_size=128,
    patience=2,
    pictures=sample_pictures,
    fit=fit,
    evaluate=evaluate,
    signature="generate",
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
