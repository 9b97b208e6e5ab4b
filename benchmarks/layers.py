"""Training-step speed of the zoo's attention layers against Keras built-ins.

Times a full training step (forward, backward, SGD update) of a model made
of one zoo layer and of the same model made of Keras built-ins, with the
same shapes, alternating the two in one process so that both see the same
machine state, and prints the median times and the ratio ours / theirs.

Usage:
    python benchmarks/layers.py [--steps 30] [--batch 32] [--length 128]
    KERAS_BACKEND=jax python benchmarks/layers.py    # the same on JAX
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from zoo.layers import MultiHeadAttention, TransformerEncoder  # noqa: E402


def attention_models(length, dim, heads):
    """One model with the zoo's attention, one with Keras'.

    Args:
        length: sequence length.
        dim: model width.
        heads: number of heads.

    Returns:
        `(ours, theirs)`, two uncompiled Keras models.
    """

    def build(layer_cls):
        x = keras.Input((length, dim))
        return keras.Model(x, layer_cls(heads, dim // heads)(x, x))

    return build(MultiHeadAttention), build(keras.layers.MultiHeadAttention)


def encoder_models(length, dim, heads, intermediate_dim):
    """The zoo's `TransformerEncoder` and the same block from Keras layers.

    Args:
        length: sequence length.
        dim: model width.
        heads: number of heads.
        intermediate_dim: feed-forward width.

    Returns:
        `(ours, theirs)`, two uncompiled Keras models.
    """
    x = keras.Input((length, dim))
    ours = keras.Model(x, TransformerEncoder(intermediate_dim, heads, dropout=0.1)(x))

    x = keras.Input((length, dim))
    attended = keras.layers.MultiHeadAttention(heads, dim // heads, dropout=0.1)(x, x)
    h = keras.layers.LayerNormalization(epsilon=1e-5)(x + keras.layers.Dropout(0.1)(attended))
    inner = keras.layers.Dropout(0.1)(keras.layers.Dense(intermediate_dim, activation="relu")(h))
    out = keras.layers.LayerNormalization(epsilon=1e-5)(
        h + keras.layers.Dropout(0.1)(keras.layers.Dense(dim)(inner))
    )
    return ours, keras.Model(x, out)


def time_steps(models, x, y, steps):
    """Alternates training steps of the models; returns each one's step times.

    Args:
        models: list of models.
        x: inputs.
        y: targets.
        steps: timed steps per model, after two warm-up steps.

    Returns:
        A list of lists of seconds, one per model.
    """
    for model in models:
        model.compile(optimizer=keras.optimizers.SGD(1e-3), loss="mse")
        for _ in range(2):  # tracing and first-call allocation
            model.train_on_batch(x, y)
    times = [[] for _ in models]
    for _ in range(steps):
        for model, record in zip(models, times):
            started = time.perf_counter()
            model.train_on_batch(x, y)
            record.append(time.perf_counter() - started)
    return times


def main():
    """Runs both comparisons and prints a table of median step times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--heads", type=int, default=4)
    args = parser.parse_args()

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.batch, args.length, args.dim)).astype("float32")
    y = rng.normal(size=x.shape).astype("float32")
    pairs = {
        "MultiHeadAttention": attention_models(args.length, args.dim, args.heads),
        "TransformerEncoder": encoder_models(args.length, args.dim, args.heads, 4 * args.dim),
    }
    print(
        f"backend {keras.backend.backend()}, batch {args.batch}, length "
        f"{args.length}, dim {args.dim}, heads {args.heads}, {args.steps} "
        "interleaved steps each"
    )
    print(f"{'layer':<20} {'ours ms':>9} {'keras ms':>9} {'ours/keras':>11}")
    for name, models in pairs.items():
        ours, theirs = (statistics.median(t) * 1e3 for t in time_steps(models, x, y, args.steps))
        print(f"{name:<20} {ours:>9.2f} {theirs:>9.2f} {ours / theirs:>11.3f}")


if __name__ == "__main__":
    main()
