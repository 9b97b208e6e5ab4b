"""`zoo lab batchnorm`: how batch normalisation frees training from the weights' first scale.

Two networks of five Dense layers of 100 units learn the same 1,000 digits
with plain SGD (learning rate 0.1): one as it is, one with a
`BatchNormalization` between each Dense layer and its ReLU. Their hidden
kernels are drawn from N(0, scale²) for several scales; the output layer
keeps Keras' default. Training accuracy is Keras' own, averaged over each
epoch's batches in training mode.

Example:
>>> history = training_accuracy(0.1, True, load_digits(200, 10), epochs=2)
>>> len(history)
2
"""

from zoo.lab.digits import load_digits
from zoo.lab.page import Figure, run_setup, write_page

LEARNING_RATE = 0.1
TARGET = 0.9
QUICK_SCALES = (1.0, 0.3, 0.1, 0.03, 0.01)
FULL_SCALES = (1.0, 0.5, 0.3, 0.1, 0.05, 0.03, 0.01, 0.003)


def training_accuracy(scale, batch_norm, digits, epochs, seed=0):
    """Trains the lesson's network once; returns its training accuracy per epoch.

    Args:
        scale: float, the std of the hidden kernels' initial values.
        batch_norm: bool, put `BatchNormalization` before each ReLU.
        digits: a `zoo.lab.digits.Digits`.
        epochs: int.
        seed: int, draws the weights and the batches.

    Returns:
        A list of floats, one per epoch.
    """
    import keras

    x, y, _, _ = digits.flat()
    keras.utils.set_random_seed(seed)
    layers = [keras.Input((x.shape[1],))]
    for i in range(5):
        initializer = keras.initializers.RandomNormal(stddev=scale, seed=seed + i)
        # A bias before batch normalisation would be subtracted away with the mean.
        layers.append(
            keras.layers.Dense(100, kernel_initializer=initializer, use_bias=not batch_norm)
        )
        if batch_norm:
            layers.append(keras.layers.BatchNormalization())
        layers.append(keras.layers.Activation("relu"))
    layers.append(keras.layers.Dense(10, activation="softmax"))
    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras.optimizers.SGD(LEARNING_RATE),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(x, y, batch_size=100, epochs=epochs, verbose=0)
    return [float(a) for a in history.history["accuracy"]]


def epochs_to(accuracies, target=TARGET):
    """The first epoch (from 1) whose accuracy reaches `target`, or None."""
    return next((i + 1 for i, a in enumerate(accuracies) if a >= target), None)


def run(out_dir, quick=False, data=None, seed=0):
    """Trains both networks at every scale and draws their curves; returns the page's path.

    Args:
        out_dir: folder for the pictures and `index.html`.
        quick: bool, 5 scales and 20 epochs instead of 8 scales and 30 epochs.
        data: optional tfds `data_dir` holding MNIST (see `zoo.lab.digits`).
        seed: int, for the data, the weights and the batches.

    Returns:
        The `Path` of `index.html`.
    """
    from zoo.report import lab_figures

    scales, epochs = (QUICK_SCALES, 20) if quick else (FULL_SCALES, 30)
    digits = load_digits(1000, 10, seed, data)
    results = {
        (scale, bn): training_accuracy(scale, bn, digits, epochs, seed)
        for scale in scales
        for bn in (True, False)
    }
    styles = {
        "with batch norm": {"color": "tab:blue"},
        "without": {"color": "tab:orange", "linestyle": "--"},
    }
    panels = [
        lab_figures.Panel(
            f"weights' std {scale:g}",
            {"with batch norm": results[scale, True], "without": results[scale, False]},
            xlabel="epoch",
            ylabel="training accuracy",
            styles=styles,
            ylim=(0, 1.02),
        )
        for scale in scales
    ]
    lab_figures.plot_panels(
        panels,
        f"{out_dir}/batchnorm_accuracy.png",
        columns=len(scales) if len(scales) <= 5 else 4,
        panel_pixels=(300, 240),
        shared_legend=True,
    )

    def reached(scale, bn):
        epoch = epochs_to(results[scale, bn])
        return f"epoch {epoch}" if epoch else f"not in {epochs} epochs"

    measured = {
        f"std {scale:g}: {TARGET:.0%} training accuracy with / without batch norm": (
            f"{reached(scale, True)} / {reached(scale, False)}"
        )
        for scale in scales
    }
    figures = [
        Figure(
            "batchnorm_accuracy.png",
            "Training accuracy per epoch, with and without batch normalisation, one panel per "
            "initial weight scale",
            "Without batch normalisation (dashed) the network learns only when the first "
            "weights are about the right size (near 0.1 here, close to He's √(2/784) ≈ 0.05 "
            "and √(2/100) ≈ 0.14): with larger ones the signal explodes through the layers, "
            "with smaller ones it dies out, and SGD stays stuck near chance (10%). With batch "
            "normalisation (solid) each layer's outputs are rescaled to mean 0 and variance 1 "
            "before the ReLU, so the network learns within a few epochs over a wide range of "
            "scales. At the largest scale it is slower too: the gradient of a weight that is "
            "normalised afterwards shrinks as the weight grows, which is a smaller effective "
            "learning rate.",
        )
    ]
    return write_page(
        out_dir,
        "Batch normalisation: training that no longer hangs on the first weights",
        "A deep network trains well only if the signal keeps a sensible size through its "
        "layers. Batch normalisation makes sure of it: it rescales each unit's values over "
        "the batch, then lets the network learn the scale and shift it wants. Training "
        "becomes faster and much less sensitive to the initial weights and the learning "
        "rate.",
        figures,
        run_setup(
            "batchnorm",
            quick,
            seed,
            data,
            data_used=digits.source,
            network="784 → 5 × [Dense(100) → (BatchNormalization) → ReLU] → Dense(10, "
            f"softmax); SGD {LEARNING_RATE}, batches of 100, {epochs} epochs on "
            "1,000 images",
            weight_scales=", ".join(f"{s:g}" for s in scales),
        ),
        measured,
    )
