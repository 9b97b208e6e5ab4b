"""`zoo lab vanishing`: gradients that fade on their way back through sigmoid layers.

Two networks of ten Dense layers of 64 units, one with sigmoid and one with
ReLU, start from Keras' default (Glorot uniform) weights. The norm of the
loss's gradient with respect to each layer's kernel is measured on the same
512 training digits before training and after training with Adam.
Gradients are taken with TensorFlow's `GradientTape`, so this experiment
runs on the TensorFlow backend.

Example:
>>> digits = load_digits(64, 10)
>>> norms = gradient_norms(deep_network("sigmoid"), digits)
>>> len(norms)
11
"""

import numpy as np

from zoo.lab.digits import load_digits
from zoo.lab.page import Figure, run_setup, write_page

DEPTH, UNITS, MEASURED_ON = 10, 64, 512
ACTIVATIONS = ("sigmoid", "relu")


def deep_network(activation, seed=0):
    """Returns the lesson's uncompiled network: 784 → 10 × Dense(64, activation) → Dense(10).

    Args:
        activation: `"sigmoid"` or `"relu"`.
        seed: int, draws the initial weights.

    Returns:
        A `keras.Sequential`.
    """
    import keras

    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((784,)),
            *[keras.layers.Dense(UNITS, activation=activation) for _ in range(DEPTH)],
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def gradient_norms(model, digits):
    """The norm of the loss's gradient for each Dense layer's kernel, first layer first.

    Args:
        model: a network from `deep_network`.
        digits: a `zoo.lab.digits.Digits`; its first `MEASURED_ON` training
            images are used.

    Returns:
        A list of floats, one per Dense layer.
    """
    import keras
    import tensorflow as tf

    x, y, _, _ = digits.flat()
    x, y = x[:MEASURED_ON], y[:MEASURED_ON]
    kernels = [layer.kernel for layer in model.layers]
    with tf.GradientTape() as tape:
        loss = keras.losses.sparse_categorical_crossentropy(y, model(x, training=True))
        loss = keras.ops.mean(loss)
    return [float(tf.norm(g)) for g in tape.gradient(loss, kernels)]


def train(model, digits, epochs):
    """Trains a network from `deep_network` with Adam; returns its training accuracy per epoch."""
    import keras

    x, y, _, _ = digits.flat()
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(x, y, batch_size=64, epochs=epochs, verbose=0)
    return [float(a) for a in history.history["accuracy"]]


def run(out_dir, quick=False, data=None, seed=0):
    """Measures the gradients before and after training, draws them; returns the page's path.

    Args:
        out_dir: folder for the pictures and `index.html`.
        quick: bool, 2,000 images and 10 epochs instead of 10,000 and 20.
        data: optional tfds `data_dir` holding MNIST (see `zoo.lab.digits`).
        seed: int, for the data, the weights and the batches.

    Returns:
        The `Path` of `index.html`.
    """
    from zoo.report import lab_figures

    train_size, epochs = (2000, 10) if quick else (10000, 20)
    digits = load_digits(train_size, 10, seed, data)
    before, after, accuracy = {}, {}, {}
    for activation in ACTIVATIONS:
        model = deep_network(activation, seed)
        before[activation] = gradient_norms(model, digits)
        accuracy[activation] = train(model, digits, epochs)
        after[activation] = gradient_norms(model, digits)
    colours = {"sigmoid": "tab:purple", "relu": "tab:green"}
    lines, styles = {}, {}
    for activation in ACTIVATIONS:
        for moment, norms, dash in (
            ("at initialisation", before, "-"),
            ("after training", after, "--"),
        ):
            label = f"{activation}, {moment}"
            lines[label] = (np.arange(1, DEPTH + 2), norms[activation])
            styles[label] = {"color": colours[activation], "linestyle": dash, "marker": "o"}
    lab_figures.plot_panels(
        [
            lab_figures.Panel(
                "gradient norm of each layer's kernel (log scale)",
                lines,
                xlabel=f"layer (1 = next to the input, {DEPTH + 1} = output)",
                ylabel="‖∂loss/∂kernel‖",
                log_y=True,
                styles=styles,
            )
        ],
        f"{out_dir}/vanishing_gradients.png",
        panel_pixels=(720, 420),
    )
    lab_figures.plot_panels(
        [
            lab_figures.Panel(
                "training accuracy",
                {a: accuracy[a] for a in ACTIVATIONS},
                xlabel="epoch",
                ylabel="training accuracy",
                styles={a: {"color": colours[a]} for a in ACTIVATIONS},
                ylim=(0, 1.02),
            )
        ],
        f"{out_dir}/vanishing_accuracy.png",
        panel_pixels=(560, 300),
    )
    ratio = before["relu"][0] / before["sigmoid"][0]
    figures = [
        Figure(
            "vanishing_gradients.png",
            "How large the gradient is at each layer, sigmoid against ReLU",
            "Read each line from right (output) to left (input). Sigmoid's falls by "
            "about a factor of four per layer: each sigmoid multiplies the gradient by "
            "its slope, at most 0.25, so by the first layer almost nothing "
            f"is left ({ratio:,.0f}× less than ReLU's there). ReLU's slope is 1 where it "
            "is active, so its line stays within a small factor across all the layers. "
            "Layers that get no gradient do not learn: after training (dashed) sigmoid's "
            "first layers are still starved.",
        ),
        Figure(
            "vanishing_accuracy.png",
            "Training accuracy of the two networks",
            "The ReLU network learns; the sigmoid network stays near chance (10%) "
            "because its early layers barely move. The usual cures are ReLU-like "
            "activations, He initialisation, batch normalisation and residual "
            "connections.",
        ),
    ]
    measured = {
        f"{a}: gradient norm at layer 1 / at layer {DEPTH + 1}, at initialisation": (
            f"{before[a][0]:.3g} / {before[a][-1]:.3g}"
        )
        for a in ACTIVATIONS
    }
    measured.update(
        {
            f"{a}: the same after training": f"{after[a][0]:.3g} / {after[a][-1]:.3g}"
            for a in ACTIVATIONS
        }
    )
    measured["ReLU's first-layer gradient norm / sigmoid's, at initialisation"] = f"{ratio:,.0f}"
    measured.update(
        {f"{a}: training accuracy, last epoch": f"{accuracy[a][-1]:.1%}" for a in ACTIVATIONS}
    )
    return write_page(
        out_dir,
        "Vanishing gradients: sigmoid against ReLU in a deep network",
        "Backpropagation multiplies the gradient by each layer's weights and by each "
        "activation's slope on its way back to the input. Sigmoid's slope is at most 0.25, "
        "so in a deep stack of sigmoid layers the gradient shrinks geometrically and the "
        "layers near the input hardly learn. ReLU passes the gradient unchanged wherever "
        "it is active, which is a main reason deep networks use it.",
        figures,
        run_setup(
            "vanishing",
            quick,
            seed,
            data,
            data_used=digits.source,
            network=f"784 → {DEPTH} × Dense({UNITS}, sigmoid or relu) → Dense(10, softmax), "
            "Glorot uniform weights (Keras' default)",
            training=f"Adam 0.001, batches of 64, {epochs} epochs on {train_size} images; "
            f"gradients measured on the first {MEASURED_ON} of them",
        ),
        measured,
    )
