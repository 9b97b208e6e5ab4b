"""Pictures of a graded task, for its card and its section of the report.

Training curves, the confusion matrix with counts, thumbnails of the
images the model got wrong, the held-out forecast with its error (each
feature's, for a sequence-to-sequence forecaster), and a
one-input regression's rule against its predictions. `write_pictures`
picks those that fit a task. Each helper writes PNG files and returns
their paths.

Example:
>>> plot_history({"loss": [0.9, 0.4, 0.3], "val_loss": [1.0, 0.6, 0.5]}, "curves.png").name
'curves.png'
"""

from pathlib import Path

import numpy as np

from zoo.report.canvas import png_figure
from zoo.report.misclassified import class_name, misclassified, predicted_labels
from zoo.task import TIME_SERIES

# Fewest pixels on the short side of a misclassified image's thumbnail.
THUMBNAIL_PIXELS = 96


def write_pictures(task, model, history, splits, grade, out_dir):
    """Writes the pictures a person wants to see for a graded task.

    Training curves when there is a history; a confusion matrix with counts
    for classifiers (misclassified images are `image_examples`); the forecast
    with its error for series; the rule and the predictions for a one-input
    regression; and the task's own (CAM overlays, samples) when there is a
    Keras model to ask.

    Args:
        task: the `Task`.
        model: the trained Keras model, or None (a learner's artifact).
        history: the training history dict, or None.
        splits: the task's `Splits`.
        grade: the `Grade` of the export (its predictions are reused).
        out_dir: folder for the PNGs.

    Returns:
        The list of `Path`s written.

    Example:
    >>> pictures = write_pictures(task, model, history, splits, grade, version_dir)
    """
    out_dir = Path(out_dir)
    pictures = [plot_history(history, out_dir / "training_curves.png")] if history else []
    if task.output_activation in ("softmax", "sigmoid") and task.evaluate is None:
        pictures.append(
            plot_confusion(
                splits.test[1],
                grade.predictions,
                task.class_names,
                out_dir / "confusion_matrix.png",
            )
        )
    if task.category is TIME_SERIES and np.ndim(grade.predictions) == 3:
        pictures.append(
            plot_feature_forecasts(
                splits.test[1],
                grade.predictions,
                out_dir / "forecast.png",
                names=splits.extras.get("features"),
                title=f"held-out forecasts (graded: {grade.metric} {grade.value:.4g})",
            )
        )
    elif task.category is TIME_SERIES:
        pictures.append(
            plot_forecast_error(
                splits, grade.predictions, grade.metric, grade.value, out_dir / "forecast.png"
            )
        )
    elif task.output_activation is None and tuple(task.input_shape) == (1,):
        pictures.append(plot_fit(splits, grade.predictions, out_dir / "fit.png"))
    if task.pictures is not None and model is not None:
        pictures += task.pictures(task, model, splits, grade.predictions, out_dir)
    return pictures


def plot_history(history, path):
    """Draws training curves, one panel per metric, train and validation.

    Args:
        history: dict from `model.fit(...).history`.
        path: PNG path to write.

    Returns:
        The `Path` written.

    Example:
    >>> plot_history({"loss": [0.9, 0.4], "accuracy": [0.6, 0.8]}, "curves.png").name
    'curves.png'
    """
    names = [k for k in history if not k.startswith("val_") and k != "learning_rate"]
    # One panel under another: as readable on a phone as on a desktop.
    with png_figure(path, 600, 280 * len(names)) as figure:
        for axis, name in zip(figure.subplots(len(names), 1, squeeze=False)[:, 0], names):
            epochs = np.arange(1, len(history[name]) + 1)
            marker = "o" if len(epochs) < 20 else None  # one epoch is still a visible point
            axis.plot(epochs, history[name], marker=marker, label="train")
            if f"val_{name}" in history:
                axis.plot(epochs, history[f"val_{name}"], marker=marker, label="validation")
            values = [*history[name], *history.get(f"val_{name}", [])]
            if spans_decades(values):
                # A loss falling over decades stays readable; a zero sits at the bottom.
                axis.set_yscale("log", nonpositive="clip")
            axis.set_title(name)
            axis.set_xlabel("epoch")
            axis.xaxis.get_major_locator().set_params(integer=True)
            axis.grid(alpha=0.3)
            axis.legend()
        figure.tight_layout()
    return Path(path)


def spans_decades(values, decades=2):
    """Whether non-negative values span more than `decades` powers of ten.

    A zero among positive values spans any number of them: a mean squared
    error that reaches 0.0 exactly fell over decades on its way.

    Args:
        values: numbers, such as a loss per epoch.
        decades: how many powers of ten.

    Returns:
        A bool: False when any value is negative or none is above zero.

    Example:
    >>> spans_decades([36.5, 0.9, 0.0]), spans_decades([0.9, 0.2]), spans_decades([1, -1])
    (True, False, False)
    """
    values = np.asarray(values, "float64")
    if not values.size or values.min() < 0 or values.max() <= 0:
        return False
    return bool(values.max() > 10.0**decades * values.min())


def plot_confusion(y_true, predictions, class_names, path):
    """Draws the confusion matrix of held-out predictions, every cell with its count.

    Args:
        y_true: integer labels.
        predictions: probabilities `(n, 1)` (sigmoid) or `(n, classes)`.
        class_names: names of the classes, or None for their indices.
        path: PNG path to write.

    Returns:
        The `Path` written.

    Example:
    >>> plot_confusion([0, 1, 1], np.array([[0.2], [0.9], [0.4]]), ["cat", "dog"],
    ...                "confusion.png").name
    'confusion.png'
    """
    y_true = np.asarray(y_true).reshape(-1).astype(int)
    y_pred = predicted_labels(predictions)[0]
    count = 2 if predictions.shape[-1] == 1 else predictions.shape[-1]
    matrix = np.zeros((count, count), dtype=int)
    np.add.at(matrix, (np.clip(y_true, 0, count - 1), y_pred), 1)
    names = list(class_names) if class_names else [str(i) for i in range(count)]
    side = round(100 * min(max(4.0, 2.6 + 0.45 * count), 6.5))
    with png_figure(path, side, side) as figure:
        axis = figure.subplots()
        axis.imshow(matrix, cmap="Blues", vmin=0, vmax=max(int(matrix.max()), 1))
        for (i, j), value in np.ndenumerate(matrix):
            dark = value > 0.55 * matrix.max()
            axis.text(
                j,
                i,
                str(value),
                ha="center",
                va="center",
                fontsize=13 if count < 8 else 10,
                color="white" if dark else "black",
                fontweight="bold" if i == j else None,
            )
        axis.set_xticks(
            range(count),
            names,
            rotation=35 if count > 3 else 0,
            ha="right" if count > 3 else "center",
            fontsize=11,
        )
        axis.set_yticks(range(count), names, fontsize=11)
        axis.set_xlabel("predicted", fontsize=12)
        axis.set_ylabel("true", fontsize=12)
        right = int(np.trace(matrix))
        axis.set_title(f"held-out: {right} of {len(y_true)} right", fontsize=12)
        figure.tight_layout()
    return Path(path)


def image_examples(task, splits, grade, out_dir, count=6):
    """Thumbnails of misclassified held-out images, the most confident mistakes first.

    Each image is its own small PNG (`misclassified_1.png`, ...), so that the
    report captions it in text (true and predicted class), which stays
    readable at a phone's width, where text drawn into a picture shrinks.

    Args:
        task: the `Task`.
        splits: its `Splits`.
        grade: the `zoo.grading.grade.Grade` (its held-out predictions).
        out_dir: folder for the PNGs.
        count: most images.

    Returns:
        A list of dicts with `picture` (the PNG's path), `true`,
        `predicted` and `confidence`; empty for tasks that do not classify
        images, or when no held-out image is misclassified.

    Example:
    >>> examples = image_examples(task, splits, grade, version_dir)
    """
    if (
        task.input_dtype != "uint8"
        or task.output_activation not in ("softmax", "sigmoid")
        or task.evaluate is not None
        or grade.predictions is None
    ):
        return []
    from matplotlib.image import imsave

    examples = []
    for number, (index, true, predicted, confidence) in enumerate(
        misclassified(splits, grade.predictions, count), start=1
    ):
        image = np.asarray(splits.test[0][index])
        if image.ndim == 3 and image.shape[-1] == 1:
            image = image[..., 0]
        # Small images are enlarged pixel by pixel, so a 28×28 digit stays sharp.
        factor = max(1, -(-THUMBNAIL_PIXELS // min(image.shape[:2])))
        image = image.repeat(factor, axis=0).repeat(factor, axis=1)
        path = Path(out_dir) / f"misclassified_{number}.png"
        imsave(path, image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=255)
        examples.append(
            {
                "picture": str(path),
                "true": class_name(task, true),
                "predicted": class_name(task, predicted),
                "confidence": confidence,
            }
        )
    return examples


def plot_forecast_error(splits, forecast, metric, value, path, history=120):
    """Draws the held-out forecast against the actual values, and its error below.

    Args:
        splits: a series task's `Splits` (`extras` hold the whole series).
        forecast: the held-out forecasts in raw units, one per held-out value
            from the first on (a tester that drops its last partial batch
            forecasts fewer).
        metric: the metric's name.
        value: the metric's value (shown in the title).
        path: PNG path to write.
        history: how many values before the split to show.

    Returns:
        The `Path` written.

    Example:
    >>> plot_forecast_error(splits, grade.predictions, "mae", 0.12, "forecast.png").name
    'forecast.png'
    """
    series, split = np.asarray(splits.extras["series"]), splits.extras["split"]
    forecast = np.asarray(forecast, "float64").reshape(-1)
    # A tester that drops its last partial batch compares only the first values.
    actual = np.asarray(splits.test[1], "float64").reshape(-1)[: len(forecast)]
    steps = np.arange(split, split + len(actual))
    with png_figure(path, 650, 480, layout="constrained") as figure:
        top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[2, 1])
        start = max(0, split - history)
        top.plot(np.arange(start, split), series[start:split], color="gray", label="before")
        top.plot(steps, actual, color="black", label="actual")
        top.plot(steps, forecast, color="tab:orange", linestyle="--", label="forecast")
        top.axvline(split - 0.5, color="lightgray")
        top.set_title(f"held-out forecast (graded: {metric} {value:.4g})")
        top.legend(loc="upper left")
        top.grid(alpha=0.3)
        errors = np.abs(forecast - actual)
        bottom.fill_between(steps, errors, color="tab:red", alpha=0.4, step="mid")
        bottom.axhline(
            errors.mean(),
            color="tab:red",
            linewidth=1,
            label=f"mean absolute error {errors.mean():.4g} (the series' units)",
        )
        bottom.set_ylabel("|error|")
        bottom.set_xlabel("time step")
        bottom.legend(loc="upper left")
        bottom.grid(alpha=0.3)
    return Path(path)


def plot_feature_forecasts(actual, forecast, path, names=None, title=None, row_pixels=170):
    """Draws each feature's held-out forecast against what happened, and its error by step.

    For a sequence-to-sequence forecaster, `(windows, steps, features)`: one
    row per feature. On the left, the actual values and the forecasts one
    step ahead over the held-out windows, the absolute error shaded below
    them; on the right, the mean absolute error at each forecast step, which
    shows how far ahead the forecast holds.

    Args:
        actual: array `(windows, steps, features)`, what followed each window.
        forecast: array of the same shape, what the model forecast.
        path: PNG path to write.
        names: the features' names, or None for their numbers.
        title: a line above the rows (e.g. the graded metric), or None.
        row_pixels: the height of one feature's row.

    Returns:
        The `Path` written.

    Raises:
        ValueError: when the two arrays differ in shape or are not 3-D.

    Example:
    >>> actual = np.random.rand(30, 4, 2)
    >>> plot_feature_forecasts(actual, actual + 0.1, "forecast.png", names=["a", "b"]).name
    'forecast.png'
    """
    actual, forecast = (np.asarray(a, "float64") for a in (actual, forecast))
    if actual.shape != forecast.shape or actual.ndim != 3:
        raise ValueError(
            "`actual` and `forecast` must both be (windows, steps, features). Received "
            f"{actual.shape} and {forecast.shape}."
        )
    features = actual.shape[2]
    names = list(names) if names is not None else [f"feature {i}" for i in range(features)]
    errors = np.abs(forecast - actual)
    windows, steps = np.arange(len(actual)), np.arange(1, actual.shape[1] + 1)
    height = row_pixels * features + (30 if title else 0)
    with png_figure(path, 680, height, layout="constrained") as figure:
        axes = figure.subplots(features, 2, squeeze=False, gridspec_kw={"width_ratios": [3, 1]})
        for feature, (line, by_step) in enumerate(axes):
            now, ahead = actual[:, 0, feature], forecast[:, 0, feature]
            line.plot(windows, now, color="black", linewidth=1, label="actual")
            line.plot(
                windows,
                ahead,
                color="tab:orange",
                linestyle="--",
                linewidth=1,
                label="forecast, 1 step ahead",
            )
            line.fill_between(
                windows,
                now.min(),
                now.min() + errors[:, 0, feature],
                color="tab:red",
                alpha=0.3,
                step="mid",
                label="|error|",
            )
            line.set_title(
                f"{names[feature]}: mean absolute error "
                f"{errors[..., feature].mean():.4g} over all {actual.shape[1]} steps",
                fontsize=9,
            )
            line.tick_params(labelsize=8)
            by_step.plot(steps, errors[..., feature].mean(axis=0), color="tab:red", marker=".")
            by_step.set_title("error by step ahead", fontsize=9)
            by_step.tick_params(labelsize=8)
            by_step.set_ylim(bottom=0)
        axes[0, 0].legend(loc="upper left", fontsize=7)
        axes[-1, 0].set_xlabel("held-out window", fontsize=9)
        axes[-1, 1].set_xlabel("step ahead", fontsize=9)
        if title:
            figure.suptitle(title, fontsize=10)
    return Path(path)


def plot_fit(splits, predictions, path):
    """Draws a one-input regression: the rule, the training points, the held-out predictions.

    Args:
        splits: the task's `Splits` with one number per example.
        predictions: the held-out predictions.
        path: PNG path to write.

    Returns:
        The `Path` written.

    Example:
    >>> plot_fit(splits, grade.predictions, "fit.png").name
    'fit.png'
    """
    train_x, train_y = (np.asarray(a, "float64").reshape(-1) for a in splits.train)
    test_x, test_y = (np.asarray(a, "float64").reshape(-1) for a in splits.test)
    predictions = np.asarray(predictions, "float64").reshape(-1)
    order = np.argsort(test_x)
    with png_figure(path, 600, 480, layout="constrained") as figure:
        top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[2, 1])
        top.plot(test_x[order], test_y[order], color="black", label="the rule")
        top.scatter(train_x, train_y, color="tab:blue", zorder=3, label="training points")
        top.scatter(
            test_x,
            predictions,
            color="tab:orange",
            marker="x",
            zorder=4,
            label="predictions on held-out x",
        )
        top.legend()
        top.grid(alpha=0.3)
        bottom.bar(test_x, predictions - test_y, width=0.4, color="tab:red")
        bottom.axvspan(
            train_x.min(), train_x.max(), color="tab:blue", alpha=0.08, label="training range"
        )
        bottom.set_ylabel("error")
        bottom.set_xlabel("x")
        bottom.legend()
        bottom.grid(alpha=0.3)
    return Path(path)
