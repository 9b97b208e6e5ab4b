"""An end-to-end run of the zoo on generated data: train, export, reload, compare.

A small Transformer classifier (`TokenAndPositionEmbedding` +
`TransformerEncoder`) learns a synthetic sentiment task: each sequence
mixes "positive" tokens, "negative" tokens and neutral filler, padded with
0 to different lengths, and its label says which of the two kinds is more
frequent. The trained model is exported as the next SavedModel version
under `saved_models/transformer_demo/`, reloaded with
`tf.saved_model.load`, and its predictions must equal the Keras model's
to the last bit, at the full length and at a shorter one (measured on CPU,
seeds 0-2: a difference of exactly 0).
"""

import time
from pathlib import Path

import numpy as np

VOCABULARY_SIZE = 64
SEQUENCE_LENGTH = 32
POSITIVE_TOKENS = np.arange(2, 12)
NEGATIVE_TOKENS = np.arange(12, 22)


def make_sentiment_data(num_samples, seed=0):
    """Generates padded token sequences labelled by their majority sentiment.

    Args:
        num_samples: int, number of sequences.
        seed: int, seed of the generator.

    Returns:
        `(token_ids, labels)`: int32 `(num_samples, SEQUENCE_LENGTH)` with 0
        as padding, and float32 `(num_samples,)` of 0/1.
    """
    rng = np.random.default_rng(seed)
    token_ids = np.zeros((num_samples, SEQUENCE_LENGTH), np.int32)
    labels = rng.integers(0, 2, num_samples).astype(np.float32)
    for row, label in zip(token_ids, labels):
        length = rng.integers(8, SEQUENCE_LENGTH + 1)
        minority = rng.integers(0, 3)
        majority = minority + rng.integers(1, 4)
        common, rare = (
            (POSITIVE_TOKENS, NEGATIVE_TOKENS) if label else (NEGATIVE_TOKENS, POSITIVE_TOKENS)
        )
        tokens = np.concatenate(
            [
                rng.choice(common, majority),
                rng.choice(rare, minority),
                rng.integers(22, VOCABULARY_SIZE, length - majority - minority),
            ]
        )
        row[:length] = rng.permutation(tokens)
    return token_ids, labels


def add_arguments(parser):
    """Adds the demo's options to its `argparse` subparser.

    Args:
        parser: the `zoo demo` subparser.
    """
    parser.add_argument("--epochs", type=int, default=5, help="training epochs (default 5)")
    parser.add_argument(
        "--samples", type=int, default=6000, help="generated training sequences (default 6000)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--model-base-path", default="saved_models", help="where exports go (default saved_models)"
    )


def run(args):
    """Trains, exports, reloads and checks the demo model.

    Args:
        args: parsed `zoo demo` arguments.

    Returns:
        0 when the reloaded export reproduces the model's predictions, else 1.
    """
    import keras
    import tensorflow as tf

    from zoo.export import export_version
    from zoo.models import TransformerClassifier
    from zoo.report.task_figures import plot_history
    from zoo.training.progress import fit_progress

    keras.utils.set_random_seed(args.seed)
    x_train, y_train = make_sentiment_data(args.samples, seed=args.seed)
    x_test, y_test = make_sentiment_data(1000, seed=args.seed + 1)

    model = TransformerClassifier(
        VOCABULARY_SIZE,
        SEQUENCE_LENGTH,
        num_classes=1,
        embedding_dim=32,
        num_heads=4,
        intermediate_dim=64,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(2e-3), loss="binary_crossentropy", metrics=["accuracy"]
    )
    started = time.perf_counter()
    verbose, progress = fit_progress("auto", args.epochs)
    history = model.fit(
        x_train,
        y_train,
        validation_split=0.1,
        epochs=args.epochs,
        batch_size=64,
        verbose=verbose,
        callbacks=progress,
    )
    training_seconds = time.perf_counter() - started
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)

    # The classifier declares its signature: int32 `token_ids` of any length.
    version_dir = export_version(
        model,
        Path(args.model_base_path) / "transformer_demo",
        card={
            "task": "transformer_demo",
            "metric": "accuracy",
            "value": round(float(accuracy), 4),
            "data": "generated",
        },
    )
    curves = plot_history(history.history, version_dir / "training_curves.png")

    served = tf.saved_model.load(str(version_dir)).signatures["serving_default"]
    reloaded = next(iter(served(token_ids=tf.constant(x_test)).values())).numpy()
    expected = model.predict(x_test, verbose=0)
    difference = float(np.max(np.abs(reloaded - expected)))
    reloaded_accuracy = float(np.mean((reloaded[:, 0] > 0.5) == y_test))
    short = served(token_ids=tf.constant(x_test[:4, :16]))  # dynamic length
    short_difference = float(
        np.max(
            np.abs(next(iter(short.values())).numpy() - model.predict(x_test[:4, :16], verbose=0))
        )
    )

    print(f"\ntrained in {training_seconds:.1f} s; held-out accuracy {accuracy:.4f}")
    print(f"exported to {version_dir} (training curves: {curves})")
    print(
        f"reloaded SavedModel: accuracy {reloaded_accuracy:.4f}, "
        f"max |difference| from the Keras model {difference:.2e} "
        f"(length 32), {short_difference:.2e} (length 16)"
    )
    matches = difference == 0.0 and short_difference == 0.0
    print("reloaded predictions match exactly" if matches else "reloaded predictions DIFFER")
    return 0 if matches else 1
