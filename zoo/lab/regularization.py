"""`zoo lab regularization`: overfitting a small training set, and four ways to hold it back.

A network of two Dense layers of 256 units learns 500 digits for many
epochs. A fifth of their labels are replaced by random digits (the
validation labels are left alone), so there is something to learn by heart
that cannot carry over to new images: memorising it is overfitting at its
plainest. (Without that noise, on clean generated digits, every run learns
all 500 images and the gap barely moves: see the README's Lab section.)
The same network, from the same weights on the same batches, then trains
with L2 weight decay in the loss, with AdamW's decoupled weight decay, with
dropout, and with early stopping. Accuracies are measured after every epoch
in inference mode (dropout off) on the training images with their noisy
labels and on the validation images.

Example:
>>> curves = train_variant("none", load_digits(100, 50), epochs=2)
>>> sorted(curves)
['stopped_at', 'train_accuracy', 'validation_accuracy', 'validation_loss']
"""

import numpy as np

from zoo.lab.digits import load_digits
from zoo.lab.page import Figure, run_setup, write_page

NOISE = 0.2  # share of training labels replaced by random digits
TRAIN_SIZE, VALIDATION_SIZE = 500, 1000
L2, WEIGHT_DECAY, DROPOUT, PATIENCE = 0.02, 10.0, 0.7, 5
LEARNING_RATE = 1e-3
VARIANTS = ("none", "L2", "AdamW", "dropout", "early stopping")
DESCRIPTIONS = {
    "none": "no regularisation (Adam)",
    "L2": f"L2 penalty {L2} × Σw² in the loss (Adam)",
    "AdamW": f"AdamW, decoupled weight decay {WEIGHT_DECAY} (each step shrinks the "
    f"weights by learning rate × {WEIGHT_DECAY})",
    "dropout": f"Dropout({DROPOUT}) after each hidden layer (Adam)",
    "early stopping": f"EarlyStopping on validation loss, patience {PATIENCE}, best "
    "weights restored (Adam)",
}
GAP_EPOCHS = 10  # the gap is averaged over the last epochs


def noisy_labels(labels, share=NOISE, seed=0):
    """Replaces a `share` of `labels` by random digits (some by chance the same).

    Example:
    >>> noisy = noisy_labels(np.zeros(1000, "int32"), 0.2, seed=0)
    >>> 0.15 < float(np.mean(noisy != 0)) < 0.2
    True
    """
    rng = np.random.default_rng(seed)
    replaced = rng.random(len(labels)) < share
    return np.where(replaced, rng.integers(0, 10, len(labels)), labels).astype("int32")


def train_variant(variant, digits, epochs, seed=0):
    """Trains the lesson's network with one of `VARIANTS`; returns its curves.

    Args:
        variant: one of `VARIANTS`.
        digits: a `zoo.lab.digits.Digits` whose training labels are the ones
            to learn (noisy ones in the lesson).
        epochs: int, the most epochs to train (early stopping may stop sooner).
        seed: int, draws the initial weights, the batches and the dropout.

    Returns:
        A dict: `train_accuracy`, `validation_accuracy`, `validation_loss`
        (lists, one value per epoch trained) and `stopped_at` (the epoch
        whose weights early stopping kept, else None).
    """
    import keras

    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")
    x, y, x_val, y_val = digits.flat()
    keras.utils.set_random_seed(seed)
    penalty = keras.regularizers.L2(L2) if variant == "L2" else None
    layers = [keras.Input((x.shape[1],))]
    for _ in range(2):
        layers.append(keras.layers.Dense(256, activation="relu", kernel_regularizer=penalty))
        if variant == "dropout":
            layers.append(keras.layers.Dropout(DROPOUT))
    layers.append(keras.layers.Dense(10, activation="softmax", kernel_regularizer=penalty))
    model = keras.Sequential(layers)
    optimizer = (
        keras.optimizers.AdamW(LEARNING_RATE, weight_decay=WEIGHT_DECAY)
        if variant == "AdamW"
        else keras.optimizers.Adam(LEARNING_RATE)
    )
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    recorder = _Curves(x, y, x_val, y_val)
    callbacks, validation = [recorder], None
    stopper = None
    if variant == "early stopping":
        stopper = keras.callbacks.EarlyStopping(
            "val_loss", patience=PATIENCE, restore_best_weights=True
        )
        # Only early stopping reads fit's own val_loss; the curves come from `recorder`.
        callbacks.append(stopper)
        validation = (x_val, y_val)
    model.fit(
        x,
        y,
        batch_size=32,
        epochs=epochs,
        validation_data=validation,
        callbacks=callbacks,
        verbose=0,
    )
    stopped = None
    if stopper is not None and stopper.stopped_epoch:
        stopped = stopper.best_epoch + 1
    return {**recorder.curves, "stopped_at": stopped}


def final_accuracies(curves, last=GAP_EPOCHS):
    """Training and validation accuracy of the weights a run ends with.

    Averaged over the `last` epochs; for a run that early stopping ended,
    taken at the epoch whose weights it kept.

    Returns:
        `(training, validation)` floats.
    """
    kept = slice(-last, None) if curves["stopped_at"] is None else [curves["stopped_at"] - 1]
    return tuple(
        float(np.mean(np.asarray(curves[key])[kept]))
        for key in ("train_accuracy", "validation_accuracy")
    )


def gap(curves, last=GAP_EPOCHS):
    """Training minus validation accuracy of the weights a run ends with.

    See `final_accuracies` for which epochs count.
    """
    train, validation = final_accuracies(curves, last)
    return train - validation


class _Curves:
    """Measures accuracies (and validation loss) in inference mode after every epoch."""

    def __new__(cls, x, y, x_val, y_val):
        import keras

        class Curves(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.curves = {
                    "train_accuracy": [],
                    "validation_accuracy": [],
                    "validation_loss": [],
                }

            def on_epoch_end(self, epoch, logs=None):
                # predict_on_batch runs with training=False: dropout is off.
                train = self.model.predict_on_batch(x)
                validation = self.model.predict_on_batch(x_val)
                self.curves["train_accuracy"].append(float(np.mean(train.argmax(1) == y)))
                self.curves["validation_accuracy"].append(
                    float(np.mean(validation.argmax(1) == y_val))
                )
                self.curves["validation_loss"].append(
                    float(np.mean(-np.log(validation[np.arange(len(y_val)), y_val] + 1e-7)))
                )

        return Curves()


def run(out_dir, quick=False, data=None, seed=0):
    """Trains the five variants and draws their curves; returns the page's path.

    Args:
        out_dir: folder for the pictures and `index.html`.
        quick: bool, 60 epochs instead of 150.
        data: optional tfds `data_dir` holding MNIST (see `zoo.lab.digits`).
        seed: int, for the data, the label noise, the weights and the batches.

    Returns:
        The `Path` of `index.html`.
    """
    from dataclasses import replace

    from zoo.report import lab_figures

    epochs = 60 if quick else 150
    digits = load_digits(TRAIN_SIZE, VALIDATION_SIZE, seed, data)
    digits = replace(digits, y_train=noisy_labels(digits.y_train, NOISE, seed))
    results = {variant: train_variant(variant, digits, epochs, seed) for variant in VARIANTS}
    stop = results["early stopping"]["stopped_at"]
    styles = {
        "training (noisy labels)": {"color": "tab:blue"},
        "validation": {"color": "tab:orange"},
    }
    panels = []
    for variant, curves in results.items():
        marks = (
            {f"early stopping keeps epoch {stop}": stop}
            if (stop and variant in ("none", "early stopping"))
            else {}
        )
        panels.append(
            lab_figures.Panel(
                f"{variant}: gap {gap(curves):.2f}",
                {
                    "training (noisy labels)": curves["train_accuracy"],
                    "validation": curves["validation_accuracy"],
                },
                xlabel="epoch",
                ylabel="accuracy",
                styles=styles,
                marks=marks,
                xlim=(0, epochs + 1),
                ylim=(0, 1.02),
            )
        )
    lab_figures.plot_panels(panels, f"{out_dir}/regularization_accuracy.png", shared_legend=True)
    lab_figures.plot_panels(
        [
            lab_figures.Panel(
                "validation loss (cross-entropy)",
                {variant: curves["validation_loss"] for variant, curves in results.items()},
                xlabel="epoch",
                ylabel="validation loss",
                marks={f"early stopping keeps epoch {stop}": stop} if stop else {},
            )
        ],
        f"{out_dir}/regularization_validation_loss.png",
        panel_pixels=(720, 380),
    )
    clean_ceiling = 1 - NOISE * 0.9
    figures = [
        Figure(
            "regularization_accuracy.png",
            "Training and validation accuracy for each remedy (gap: training minus "
            "validation accuracy of the weights each run ends with)",
            "Without regularisation the training accuracy climbs to 100%: the network "
            "has learnt even the random labels by heart, since no rule can predict them. "
            f"A network that learns only the digits would score about {clean_ceiling:.0%} "
            "on these noisy labels. The remedies keep the training curve near that "
            "level, so the gap between the curves narrows. Look at the validation curve "
            "too: dropout keeps it as high or higher, while weight decay strong enough "
            "to stop the memorising also costs some validation accuracy here. Early "
            f"stopping ends the run {PATIENCE} epochs after the validation loss's lowest "
            "point and keeps that epoch's weights (dotted line), before the training "
            "curve runs away from the validation curve.",
        ),
        Figure(
            "regularization_validation_loss.png",
            "Validation loss of every variant",
            "Without regularisation the validation loss stops following the training "
            "loss down: it bumps, and creeps back up while the network grows ever more "
            "confident on what it memorised. That is the sign of overfitting to watch in "
            f"`val_loss`. Early stopping gives up after {PATIENCE} epochs without a new "
            "lowest value and keeps the weights of the lowest (dotted line), so an early "
            "bump can stop it early: patience is a setting to choose. Dropout's curve "
            "keeps falling the longest; strong weight decay holds it higher, because it "
            "holds the fit back.",
        ),
    ]
    measured = {
        f"{variant}: training / validation accuracy, gap": "{:.1%} / {:.1%}, {:.3f}".format(
            *final_accuracies(c), gap(c)
        )
        for variant, c in results.items()
    }
    measured["(how they are taken)"] = (
        f"mean of the last {GAP_EPOCHS} epochs; for early stopping, at the epoch it kept"
    )
    measured["early stopping: epoch kept"] = str(stop) if stop else "did not stop"
    return write_page(
        out_dir,
        "Regularisation: overfitting a small training set, and four remedies",
        "A network with many more weights than training images can learn those images by "
        "heart, noise included, instead of the rule behind them: its training accuracy "
        "keeps rising while its validation accuracy stalls or falls. Weight decay keeps the "
        "weights small, dropout makes each unit work without relying on particular others, "
        "and early stopping ends training when the validation loss stops improving.",
        figures,
        run_setup(
            "regularization",
            quick,
            seed,
            data,
            data_used=digits.source,
            training_set=f"{TRAIN_SIZE} images, {NOISE:.0%} of their labels replaced by "
            f"random digits; validation: {VALIDATION_SIZE} images, clean labels",
            network=f"784 → 2 × Dense(256, relu) → Dense(10, softmax), Adam {LEARNING_RATE}, "
            f"batches of 32, {epochs} epochs",
            variants="; ".join(f"{v}: {d}" for v, d in DESCRIPTIONS.items()),
        ),
        measured,
    )
