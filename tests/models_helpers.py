"""Shared checks and small generated data sets for the tests of `zoo.models`."""

import contextlib
import json

import keras
import numpy as np
import pytest

SHAPE_CLASSES = ("square", "horizontal bar", "vertical bar")


@contextlib.contextmanager
def mixed_precision():
    """Sets the global `mixed_float16` policy, restoring the previous one after."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def one_step_changes(model, x, networks):
    """Fits `model` on `x` as one batch; returns each network's weight change, flattened.

    Args:
        model: a compiled model (plain SGD keeps the change proportional to the gradient).
        x: the batch.
        networks: the sub-models whose change is wanted, e.g. `(gan.discriminator, gan.generator)`.
    """
    before = [[w.copy() for w in network.get_weights()] for network in networks]
    model.fit(x, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    return [
        np.concatenate([(a - b).ravel() for a, b in zip(network.get_weights(), old)])
        for network, old in zip(networks, before)
    ]


def assert_same_step(mixed, exact):
    """Checks that mixed precision's weight changes match float32's in size and direction.

    Without loss scaling, float16 gradients underflow or, unscaled by the
    `LossScaleOptimizer`, come out 2**15 times too small: the step all but vanishes.
    """
    for i, (step, reference) in enumerate(zip(mixed, exact)):
        ratio = np.linalg.norm(step) / np.linalg.norm(reference)
        cosine = step @ reference / (np.linalg.norm(step) * np.linalg.norm(reference))
        assert 0.9 < ratio < 1.1, (i, ratio)
        assert cosine > 0.99, (i, cosine)


def numpy_kl(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) of each example, in closed form."""
    return 0.5 * np.sum(np.exp(log_var) + mean**2 - 1.0 - log_var, axis=1)


def numpy_reconstruction(x, reconstruction, loss):
    """Each example's reconstruction loss, summed over its values."""
    x, p = x.reshape(len(x), -1), reconstruction.reshape(len(x), -1)
    if loss == "squared_error":
        return np.sum((x - p) ** 2, axis=1)
    return -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=1)


def set_negligible_variance(head):
    """Makes a posterior's log-variance head answer -40 for every input.

    The variance is then exp(-40) and the code drawn is the mean within 2e-9, so
    a VAE's loss reconstructs the decoded mean, what `call` returns.
    """
    kernel = head.get_weights()[0]
    head.set_weights([np.zeros_like(kernel), np.full(kernel.shape[-1], -40.0)])


def check_loss_against_closed_forms(model, inputs, targets, posterior, reconstruction_loss):
    """Checks a compiled VAE's reported losses against their closed forms.

    `evaluate` runs in batches of 4, so that inputs of 5 examples test that
    each batch weighs by its size. The KL term is checked against `posterior`,
    the loss against reconstruction + beta * KL, and then, with a posterior of
    negligible variance, the reconstruction term against `model(inputs)`.

    Args:
        model: a compiled `VAE` or `ConditionalVAE` whose encoder has a
            `log_var` head.
        inputs: what the model takes (the images, or `[images, labels]`).
        targets: the images it reconstructs.
        posterior: `(mean, log_var)` of the posterior, from its encoder.
        reconstruction_loss: the model's reconstruction loss.
    """
    mean, log_var = (np.asarray(value, "float64") for value in posterior)
    result = model.evaluate(inputs, batch_size=4, verbose=0, return_dict=True)
    assert result["kl_loss"] == pytest.approx(np.mean(numpy_kl(mean, log_var)), rel=1e-5)
    assert result["loss"] == pytest.approx(
        result["reconstruction_loss"] + model.beta * result["kl_loss"], rel=1e-5
    )
    set_negligible_variance(model.encoder.get_layer("log_var"))
    reconstruction = np.asarray(model(inputs), "float64")
    result = model.evaluate(inputs, batch_size=4, verbose=0, return_dict=True)
    assert result["reconstruction_loss"] == pytest.approx(
        np.mean(numpy_reconstruction(targets, reconstruction, reconstruction_loss)), rel=1e-5
    )


def reload(model, tmp_path):
    """Saves `model` as a `.keras` file and loads it back (after `import zoo.models`)."""
    path = tmp_path / f"{model.name}.keras"
    model.save(path)
    return keras.saving.load_model(path)


def assert_same_config(first, second):
    """Asserts two models have the same config (tuples and lists alike)."""
    assert type(first) is type(second)
    assert json.dumps(first.get_config(), sort_keys=True) == json.dumps(
        second.get_config(), sort_keys=True
    )


def assert_optimizer_restored(original, reloaded):
    """Asserts a reloaded optimizer has the original's class, settings and state
    (step count, moments), so training resumes where it stopped."""
    assert type(reloaded) is type(original)
    assert reloaded.iterations.numpy() == original.iterations.numpy() > 0
    assert len(reloaded.variables) == len(original.variables)
    assert_same_outputs(reloaded.variables, original.variables)


def assert_same_outputs(first, second, atol=1e-6):
    """Asserts two (possibly nested) outputs are equal within `atol`."""
    for a, b in zip(keras.tree.flatten(first), keras.tree.flatten(second)):
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b), atol=atol
        )


def check_export(model, tmp_path, cases, atol=1e-5):
    """Exports `model`, reloads it with `tf.saved_model.load`, compares signatures.

    Args:
        model: a zoo model (it declares its signatures).
        tmp_path: a temporary directory.
        cases: `{signature: (inputs, expected)}`, both dicts by name; the
            keys must be exactly the exported signatures, so each is checked.
            `expected` may be a function returning the dict, called after
            the export: a random signature then draws from the same seed
            state as the Keras model's next call.
        atol: tolerance of the comparison.

    Returns:
        The loaded SavedModel.
    """
    import tensorflow as tf

    from zoo.export import export_version

    version_dir = export_version(model, tmp_path / "saved_models" / model.name)
    assert version_dir.name == "1"
    assert (version_dir / "model.keras").is_file()
    loaded = tf.saved_model.load(str(version_dir))
    assert set(loaded.signatures) == set(cases)
    for name, (inputs, expected) in cases.items():
        signature = loaded.signatures[name]
        _, input_specs = signature.structured_input_signature
        assert set(input_specs) == set(inputs)
        assert all(spec.shape[0] is None for spec in input_specs.values()), (
            f"{name}: the batch dimension must be dynamic"
        )
        outputs = signature(**{key: tf.constant(value) for key, value in inputs.items()})
        if callable(expected):
            expected = expected()
        assert set(outputs) == set(expected), name
        for key, value in expected.items():
            np.testing.assert_allclose(
                outputs[key].numpy(),
                keras.ops.convert_to_numpy(value),
                atol=atol,
                err_msg=f"{name}/{key}",
            )
    return loaded


def blob_images(count, size=16, seed=0):
    """Grey images of one soft round blob of random position and radius.

    Three factors of variation (x, y, radius), pixels in [0, 1].
    """
    rng = np.random.default_rng(seed)
    grid = np.arange(size, dtype="float32")
    centers = rng.uniform(0.25 * size, 0.75 * size, (count, 2))
    radii = rng.uniform(0.12 * size, 0.25 * size, count)
    dy = grid[None, :, None] - centers[:, 0, None, None]
    dx = grid[None, None, :] - centers[:, 1, None, None]
    distance = np.sqrt(dx**2 + dy**2)
    images = 1.0 / (1.0 + np.exp(2.0 * (distance - radii[:, None, None])))
    return images[..., None].astype("float32")


def shape_images(count, size=16, seed=0, noise=0.05):
    """Grey images each holding one shape of class `SHAPE_CLASSES[label]`.

    Returns:
        `(images, masks, labels)`: images `(count, size, size, 1)` in [0, 1]
        with Gaussian noise, masks `(count, size, size)` with 0 for the
        background and `label + 1` on the shape, labels `(count,)`.
    """
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(SHAPE_CLASSES), count)
    masks = np.zeros((count, size, size), "int32")
    rows, cols = np.mgrid[0:size, 0:size]
    for i, label in enumerate(labels):
        half = rng.integers(size // 5, size // 3 + 1)
        cy, cx = rng.integers(half + 1, size - half - 1, 2)
        dy, dx = rows - cy, cols - cx
        if SHAPE_CLASSES[label] == "square":
            inside = (abs(dy) <= half) & (abs(dx) <= half)
        elif SHAPE_CLASSES[label] == "horizontal bar":
            inside = (abs(dy) <= 1) & (abs(dx) <= half)
        else:
            inside = (abs(dy) <= half) & (abs(dx) <= 1)
        masks[i][inside] = label + 1
    images = (masks > 0).astype("float32") + rng.normal(0, noise, masks.shape)
    return np.clip(images, 0, 1)[..., None].astype("float32"), masks, labels


def gaussian_mixture(count, seed=0):
    """Points of a 2-D mixture of three anisotropic Gaussians."""
    rng = np.random.default_rng(seed)
    means = np.array([[-2.0, 0.0], [1.5, 1.5], [1.0, -2.0]])
    scales = np.array([[0.4, 0.2], [0.25, 0.5], [0.3, 0.3]])
    component = rng.integers(0, len(means), count)
    points = means[component] + scales[component] * rng.normal(size=(count, 2))
    return points.astype("float32")


def seasonal_series(length, seed=0, period=24):
    """A series with a linear trend, a seasonal cycle and Gaussian noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(length, dtype="float32")
    return (
        0.05 * t
        + 5.0 * np.sin(2 * np.pi * t / period)
        + 2.0 * np.sin(4 * np.pi * t / period)
        + rng.normal(0, 0.5, length)
    ).astype("float32")


def windows(series, window, horizon):
    """Slices a 1-D series into `(inputs, targets)` of shape `(n, window, 1)`
    and `(n, horizon, 1)`."""
    starts = np.arange(len(series) - window - horizon + 1)
    inputs = np.stack([series[s : s + window] for s in starts])[..., None]
    targets = np.stack([series[s + window : s + window + horizon] for s in starts])[..., None]
    return inputs, targets
