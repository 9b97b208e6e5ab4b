"""`zoo lab optimizers`: how six update rules move on a badly scaled surface and on a network.

First the classic surface f(x, y) = x²/20 + y²: twenty times steeper along y
than along x, with its minimum at (0, 0). Every optimizer starts at (-7, 2)
and takes the same number of steps, each a real `keras.optimizers` update of
a `keras.Variable` given the exact gradient (x/10, 2y). Then the same six
rules train one small network on digits, from the same initial weights and
on the same batches.

Example:
>>> points = surface_path("Adam", steps=5)
>>> points.shape, points[0].tolist()
((6, 2), [-7.0, 2.0])
"""

import numpy as np

from zoo.lab.page import Figure, run_setup, write_page

START = (-7.0, 2.0)
STEPS = 40
REGION = 0.5  # "the minimum region": within this distance of (0, 0)

# name: (Keras class, options, learning rate on the surface, on the network).
# The surface's rates are the classic ones, Adam's raised to 0.5; SGD's 0.95
# is close to its limit: above 1 the steep y direction blows up.
OPTIMIZERS = {
    "SGD": ("SGD", {}, 0.95, 0.01),
    "Momentum": ("SGD", {"momentum": 0.9}, 0.1, 0.01),
    "Nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}, 0.1, 0.01),
    "AdaGrad": ("Adagrad", {}, 1.5, 0.01),
    "RMSprop": ("RMSprop", {}, 0.3, 0.001),
    "Adam": ("Adam", {}, 0.5, 0.001),
}


def surface(x, y):
    """The lesson's surface, f(x, y) = x²/20 + y², on numbers or NumPy arrays."""
    return x**2 / 20 + y**2


def make_optimizer(name, learning_rate):
    """Returns the Keras optimizer called `name` in this lesson.

    Args:
        name: one of `OPTIMIZERS`.
        learning_rate: float.

    Returns:
        A `keras.optimizers.Optimizer`.
    """
    import keras

    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {list(OPTIMIZERS)}")
    class_name, options, _, _ = OPTIMIZERS[name]
    return getattr(keras.optimizers, class_name)(learning_rate=learning_rate, **options)


def surface_path(name, steps=STEPS, learning_rate=None):
    """Runs an optimizer on the surface from `START`; returns every point it visits.

    Args:
        name: one of `OPTIMIZERS`.
        steps: int, number of updates.
        learning_rate: float; the lesson's surface rate for `name` when None.

    Returns:
        A float array `(steps + 1, 2)`, the start first.
    """
    import keras

    rate = OPTIMIZERS[name][2] if learning_rate is None else learning_rate
    optimizer = make_optimizer(name, rate)
    point = keras.Variable(np.array(START, "float32"), name="point")
    points = [np.array(START)]
    for _ in range(steps):
        x, y = points[-1]
        optimizer.apply_gradients([(np.array([x / 10, 2 * y], "float32"), point)])
        points.append(keras.ops.convert_to_numpy(point).astype("float64"))
    return np.stack(points)


def steps_to_region(points, radius=REGION):
    """The first step whose point lies within `radius` of the minimum, or None if none does."""
    inside = np.hypot(points[:, 0], points[:, 1]) < radius
    return int(np.argmax(inside)) if inside.any() else None


def network_losses(digits, steps, seed=0, batch_size=64, names=tuple(OPTIMIZERS)):
    """Trains one small network per optimizer; returns each one's loss at every step.

    Every network starts from the same weights and sees the same batches.

    Args:
        digits: a `zoo.lab.digits.Digits`.
        steps: int, number of training steps.
        seed: int, draws the initial weights and the batches.
        batch_size: int.
        names: the optimizers to train with.

    Returns:
        `(losses, accuracies)`: dicts mapping each name to its per-step
        training losses, and to its validation accuracy after training.
    """
    import keras

    x, y, x_val, y_val = digits.flat()
    keras.utils.set_random_seed(seed)
    initial = _network(x.shape[1]).get_weights()
    order = np.random.default_rng(seed).integers(0, len(x), (steps, batch_size))
    losses, accuracies = {}, {}
    for name in names:
        model = _network(x.shape[1])
        model.set_weights(initial)
        model.compile(
            optimizer=make_optimizer(name, OPTIMIZERS[name][3]),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        losses[name] = np.array([model.train_on_batch(x[batch], y[batch])[0] for batch in order])
        accuracies[name] = float(model.evaluate(x_val, y_val, verbose=0)[1])
    return losses, accuracies


def _network(inputs):
    import keras

    return keras.Sequential(
        [
            keras.Input((inputs,)),
            *[keras.layers.Dense(100, activation="relu") for _ in range(3)],
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def moving_average(values, window):
    """The mean of each run of `window` values (shorter at the start), as long as `values`."""
    values = np.asarray(values, "float64")
    sums = np.cumsum(values)
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    sums[window:] = sums[window:] - sums[:-window]
    return sums / counts


def run(out_dir, quick=False, data=None, seed=0):
    """Draws the paths on the surface and the networks' loss curves; returns the page's path.

    Args:
        out_dir: folder for the pictures and `index.html`.
        quick: bool, 2,000 training images and 300 steps instead of 10,000 and 1,500.
        data: optional tfds `data_dir` holding MNIST (see `zoo.lab.digits`).
        seed: int, for the network's weights and batches (the surface has no chance).

    Returns:
        The `Path` of `index.html`.
    """
    from zoo.lab.digits import load_digits
    from zoo.report import lab_figures

    paths = {name: surface_path(name) for name in OPTIMIZERS}
    reached = {name: steps_to_region(points) for name, points in paths.items()}
    titled = {
        f"{name} (lr {OPTIMIZERS[name][2]}): "
        + (
            f"within {REGION} at step {reached[name]}"
            if reached[name] is not None
            else f"not within {REGION} in {STEPS} steps"
        ): points
        for name, points in paths.items()
    }
    lab_figures.plot_paths_on_contours(
        surface, titled, f"{out_dir}/optimizers_paths.png", extent=(-10, 10, -5, 5)
    )
    train_size, steps = (2000, 300) if quick else (10000, 1500)
    digits = load_digits(train_size, 2000, seed, data)
    losses, accuracies = network_losses(digits, steps, seed)
    window = 20
    lab_figures.plot_panels(
        [
            lab_figures.Panel(
                f"training loss (moving average of {window} steps)",
                {
                    f"{name} (lr {OPTIMIZERS[name][3]})": moving_average(values, window)
                    for name, values in losses.items()
                },
                xlabel="step",
                ylabel="cross-entropy",
                log_y=True,
            )
        ],
        f"{out_dir}/optimizers_loss.png",
        panel_pixels=(720, 400),
    )
    figures = [
        Figure(
            "optimizers_paths.png",
            f"Paths on f(x, y) = x²/20 + y², {STEPS} steps from (-7, 2) (black square) "
            "towards the minimum (+)",
            "SGD zig-zags across the steep y direction and crawls along the flat x "
            "direction: its learning rate cannot pass 1 without y blowing up, and then x "
            "shrinks by only about 10% a step. Momentum and Nesterov build up speed along x and "
            "overshoot like a rolling ball (Nesterov's look-ahead damps it). AdaGrad, "
            "RMSprop and Adam divide each coordinate's step by the size of its recent "
            "gradients, so x and y move at similar speeds and the path turns straight "
            "towards the minimum; AdaGrad's steps keep shrinking because it never "
            "forgets old gradients, and Adam's momentum carries it past the minimum "
            "before it settles.",
        ),
        Figure(
            "optimizers_loss.png",
            "Training loss of the same network, same initial weights, same batches",
            "Plain SGD falls slowest; momentum, at the same learning rate, goes many "
            "times faster. RMSprop and Adam, at a tenth of that rate, fall fastest from "
            "the first steps on. AdaGrad starts fast, then slows as its sum of squared "
            "gradients keeps growing. The order holds for these learning rates only: "
            "the rate matters as much as the rule, so compare rules at rates tuned for "
            "each before picking one.",
        ),
    ]
    measured = {
        f"{name}: first step within {REGION} of the minimum": "never"
        if steps is None
        else str(steps)
        for name, steps in reached.items()
    }
    measured.update(
        {
            f"{name}: mean loss over the last {window} steps, validation accuracy": (
                f"{losses[name][-window:].mean():.3f}, {accuracies[name]:.1%}"
            )
            for name in OPTIMIZERS
        }
    )
    rates = ", ".join(f"{name} {OPTIMIZERS[name][3]}" for name in OPTIMIZERS)
    return write_page(
        out_dir,
        "Optimizers: six update rules on a badly scaled surface and on a network",
        "Gradient descent moves against the gradient, but how far and in which exact "
        "direction is the optimizer's choice. Where the loss is much steeper in one "
        "direction than another, plain SGD must take small steps to stay stable in the "
        "steep one and so moves slowly in the flat one. Momentum remembers past steps; "
        "AdaGrad, RMSprop and Adam scale each weight's step by its own gradient history.",
        figures,
        run_setup(
            "optimizers",
            quick,
            seed,
            data,
            data_used=digits.source,
            network="784 → 3 × Dense(100, relu) → Dense(10, softmax), "
            f"batches of 64, {steps} steps on {train_size} images",
            learning_rates_on_the_network=rates,
        ),
        measured,
    )
