"""`zoo lab init`: how the scale of the first weights shapes the activations in depth.

Five Dense layers of 100 units take 1000 inputs drawn from N(0, 1). Their
kernels are drawn with std 1, with std 0.01, with Xavier/Glorot (std
√(2 / (fan_in + fan_out))) and with He (std √(2 / fan_in)); biases are zero.
Nothing is trained: the lesson is what the activations look like before the
first step, under sigmoid, tanh and ReLU.

Example:
>>> outputs = layer_activations("He", "relu", seed=0)
>>> len(outputs), outputs[0].shape
(5, (1000, 100))
"""

import numpy as np

from zoo.lab.page import Figure, run_setup, write_page

INITIALIZERS = ("std 1", "std 0.01", "Xavier", "He")
ACTIVATIONS = ("sigmoid", "tanh", "relu")
LAYERS, UNITS, SAMPLES = 5, 100, 1000
SATURATED = 0.05  # a sigmoid output this close to 0 or 1 passes almost no gradient


def initializer(name, seed):
    """Returns the Keras initializer called `name` in this lesson.

    Args:
        name: one of `INITIALIZERS`.
        seed: int.

    Returns:
        A `keras.initializers.Initializer`.
    """
    import keras

    makers = {
        "std 1": lambda: keras.initializers.RandomNormal(stddev=1.0, seed=seed),
        "std 0.01": lambda: keras.initializers.RandomNormal(stddev=0.01, seed=seed),
        "Xavier": lambda: keras.initializers.GlorotNormal(seed=seed),
        "He": lambda: keras.initializers.HeNormal(seed=seed),
    }
    if name not in makers:
        raise ValueError(f"unknown initializer {name!r}; expected one of {INITIALIZERS}")
    return makers[name]()


def layer_activations(init_name, activation, seed=0, layers=LAYERS, units=UNITS, samples=SAMPLES):
    """Runs N(0, 1) inputs through a fresh stack of Dense layers; returns every layer's output.

    Args:
        init_name: one of `INITIALIZERS`.
        activation: a Keras activation name, e.g. `"sigmoid"`.
        seed: int, draws the inputs and the kernels.
        layers: int, depth.
        units: int, width of every layer (and of the input).
        samples: int, number of inputs.

    Returns:
        A list of `layers` float32 arrays `(samples, units)`.
    """
    import keras

    inputs = keras.Input((units,))
    outputs, x = [], inputs
    for i in range(layers):
        x = keras.layers.Dense(
            units, activation=activation, kernel_initializer=initializer(init_name, seed + i)
        )(x)
        outputs.append(x)
    model = keras.Model(inputs, outputs)
    data = np.random.default_rng(seed).standard_normal((samples, units)).astype("float32")
    return [keras.ops.convert_to_numpy(a) for a in model(data)]


def saturated_share(values):
    """Share of sigmoid outputs below 0.05 or above 0.95."""
    values = np.asarray(values)
    return float(np.mean((values < SATURATED) | (values > 1 - SATURATED)))


def stds(outputs):
    """The standard deviation of each layer's outputs."""
    return [float(np.std(a)) for a in outputs]


def run(out_dir, quick=False, data=None, seed=0):
    """Draws the histograms and the std per layer; returns the page's path.

    Args:
        out_dir: folder for the pictures and `index.html`.
        quick: unused: the lesson trains nothing and is quick already.
        data: unused: the inputs are drawn from N(0, 1).
        seed: int, draws inputs and kernels.

    Returns:
        The `Path` of `index.html`.
    """
    from zoo.report import lab_figures

    results = {(i, a): layer_activations(i, a, seed) for a in ACTIVATIONS for i in INITIALIZERS}
    figures = [_histograms(results, activation, out_dir) for activation in ACTIVATIONS]
    std_panels = [
        lab_figures.Panel(
            activation,
            {i: stds(results[i, activation]) for i in INITIALIZERS},
            xlabel="layer",
            ylabel="std of the activations",
            log_y=True,
            styles={i: {"marker": "o"} for i in INITIALIZERS},
        )
        for activation in ACTIVATIONS
    ]
    lab_figures.plot_panels(std_panels, f"{out_dir}/init_std.png", shared_legend=True)
    figures.append(
        Figure(
            "init_std.png",
            "Spread of the activations, layer by layer (log scale)",
            "A flat line keeps the signal's size through the depth. With ReLU, He's line is "
            "flat while std 0.01 falls by a factor of about 14 per layer (0.01 × √(100 / 2)) "
            "and std 1 grows as fast; Xavier shrinks slowly, by about √2 per layer, because "
            "ReLU zeroes half of each layer. With tanh, std 0.01 falls 10× per layer while "
            "Xavier and He stay within a small factor. Sigmoid's outputs are never centred "
            "on zero, so its lines say less: look at its histograms instead.",
        )
    )
    sigmoid_share = saturated_share(results["std 1", "sigmoid"][-1])
    relu_he, relu_small = stds(results["He", "relu"]), stds(results["std 0.01", "relu"])
    measured = {
        "sigmoid, std 1: layer-5 outputs below 0.05 or above 0.95": f"{sigmoid_share:.0%}",
        "sigmoid, Xavier: the same share": (
            f"{saturated_share(results['Xavier', 'sigmoid'][-1]):.0%}"
        ),
        "ReLU, He: largest / smallest layer std": f"{max(relu_he) / min(relu_he):.2f}",
        "ReLU, std 0.01: layer-1 std / layer-5 std": f"{relu_small[0] / relu_small[-1]:.3g}",
    }
    return write_page(
        out_dir,
        "Weight initialisation: the activations before any training",
        "How large the first weights are decides whether a deep network can learn at "
        "all. Too large, and sigmoid units sit at 0 or 1 where their gradient vanishes; "
        "too small, and every layer shrinks the signal until the last ones see almost "
        "nothing. Xavier/Glorot scales the weights to the layer's width for symmetric "
        "activations (tanh); He doubles that variance for ReLU, which silences half "
        "of its inputs.",
        figures,
        run_setup(
            "init",
            quick,
            seed,
            data,
            inputs=f"{SAMPLES} vectors of {UNITS} values from N(0, 1)",
            network=f"{LAYERS} Dense layers of {UNITS} units, zero biases",
        ),
        measured,
    )


def _histograms(results, activation, out_dir):
    from zoo.report import lab_figures

    ranges = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
    cells, row_ranges = [], []
    for name in INITIALIZERS:
        outputs = results[name, activation]
        if activation == "relu":
            # Half of ReLU's outputs are exactly 0; the bars show the other half.
            outputs = [a[a > 0] for a in outputs]
        cells.append(outputs)
        # ReLU's values have no natural range: each row takes one from its first
        # layer, so growth or shrinkage with depth shows as bars leaving it.
        row_ranges.append(
            ranges.get(activation) or (0.0, 1.5 * float(np.quantile(outputs[0], 0.99)))
        )
    name = f"init_{activation}.png"
    lab_figures.plot_histograms(
        cells,
        f"{out_dir}/{name}",
        list(INITIALIZERS),
        [f"layer {i + 1}" for i in range(LAYERS)],
        row_ranges,
    )
    look_for = {
        "sigmoid": "With std 1 the bars pile up at 0 and 1: saturated units, whose gradient "
        "is almost 0. With std 0.01 they pile up at 0.5: every unit says the "
        "same thing. Xavier and He spread the values out.",
        "tanh": "With std 1 the bars pile up at -1 and 1 (saturated). With std 0.01 they "
        "narrow towards 0, layer after layer. Xavier keeps the spread through "
        "all five layers.",
        "relu": "Half of ReLU's outputs are exactly 0 and are left out; each row's x "
        "axis is set by its first layer. With He the histograms keep their shape "
        "through the layers; with std 0.01 the values crowd into the first bar "
        "(they shrink about 14× per layer), with std 1 they pile up past the "
        "right edge (they grow as fast); Xavier drifts slowly left.",
    }[activation]
    return Figure(
        name,
        f"Activations under {activation}: one row per initialisation, one column per layer",
        look_for,
    )
