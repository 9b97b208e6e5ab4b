"""A zoo task: generate MNIST digits with a DCGAN (`zoo.models.DCGAN`).

The export maps 32 latent numbers to a 28×28×1 image in [-1, 1]. Scored by
the Inception Score of 1,000 samples under a digit classifier trained on
the training digits, exp(E[KL(p(y|x) ‖ p(y))]): 10 means every sample is a
confident digit and all ten digits are equally common; 1 means nothing.
"""

import sys

import numpy as np

from zoo.task import ZOO_MODEL, Source, Steps, Task
from zoo.tasks._judge import digit_judge, to_digits
from zoo.tasks.mnist import load
from zoo.training.script import run_script

LATENT_DIM, SAMPLES = 32, 1000


def build(splits):
    """A convolutional DCGAN with Adam(2e-4, β1 = 0.5) on both sides."""
    import keras

    from zoo.models import DCGAN

    gan = DCGAN.convolutional(
        (28, 28, 1), latent_dim=LATENT_DIM, filters=(32, 64), seed=0, name="dcgan"
    )
    gan.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5))
    return gan


def fit(model, splits, epochs, batch_size, callbacks, verbose):
    """Trains on the real digits alone, scaled to [-1, 1] like the generator's tanh."""
    import zoo.training.fit

    real = splits.train[0][..., None].astype("float32") / 127.5 - 1.0
    return zoo.training.fit.fit(
        model, real, epochs=epochs, batch_size=batch_size, callbacks=callbacks, verbose=verbose
    ).history


def inception_score(probabilities):
    """exp(E_x[KL(p(y|x) ‖ p(y))]) of a classifier's probabilities `(n, classes)`."""
    p = np.clip(np.asarray(probabilities, "float64"), 1e-12, 1.0)
    marginal = p.mean(axis=0, keepdims=True)
    return float(np.exp(np.mean(np.sum(p * (np.log(p) - np.log(marginal)), axis=1))))


def evaluate(predictor, splits):
    """Judges 1,000 samples from seeded latent vectors."""
    latent = np.random.default_rng(0).normal(size=(SAMPLES, LATENT_DIM)).astype("float32")
    samples = predictor.predict(latent)
    probabilities = digit_judge(splits).predict(to_digits(samples, low=-1.0), verbose=0)
    return inception_score(probabilities), samples


def sample_pictures(task, model, splits, predictions, out_dir):
    """Writes `samples.png`: 32 generated digits."""
    from zoo.report.model_figures import plot_samples

    return [plot_samples(predictions[:32], f"{out_dir}/samples.png")]


TASK = Task(
    name="mnist_dcgan",
    category=ZOO_MODEL,
    summary="generate handwritten digits",
    source=Source("tfds", "mnist"),
    load=load,
    build=build,
    input_shape=(LATENT_DIM,),
    input_dtype="float32",
    output_shape=(28, 28, 1),
    output_activation=None,
    metric="inception score",
    measure=None,
    scoring=Steps(threshold=8.0, step=1.0),
    # A GAN's losses do not measure its samples (the lowest g_loss is not the
    # best generator): train for the epochs given and keep the final weights.
    epochs=5,
    batch_size=128,
    monitor=None,
    pictures=sample_pictures,
    fit=fit,
    evaluate=evaluate,
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
