"""Reports: the JSON card beside an export, PNG pictures, the exam's index.html.

The exam's page is for a learner deciding what to do next. At the top: the
total, the time used, and the task to work on first (the one whose next
mark is worth the most points). Per task: the value, its interval and the
score distribution, the distance to the next mark, training curves, a
confusion matrix with counts, misclassified examples (headlines for text,
thumbnails for images), the forecast with its error, the graded file and
the time used.

Example:
>>> pictures = write_pictures(task, model, history, splits, grade, version_dir)
>>> write_index(rows, "reports/exam", total=100.0, passed=True)
"""

import html
import json
import os
import shutil
from pathlib import Path

import numpy as np

from zoo.export import CARD_NAME, read_card
from zoo.task import TIME_SERIES

# Misclassified examples shown per task.
EXAMPLES = 8
# Characters of a misclassified text shown.
TEXT_CHARS = 240
# Fewest pixels on the short side of a misclassified image's thumbnail.
THUMBNAIL_PIXELS = 96

# A page says whether every picture actually rendered, for readers and the browser tests.
PICTURES_SHOWN_SCRIPT = """<script>
// Says on the page whether every picture actually rendered.
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const shown = images.filter((image) => image.complete && image.naturalWidth > 0);
  document.getElementById("images-status").textContent =
    `pictures shown: ${shown.length} of ${images.length}`;
});
</script>"""


def update_card(version_dir, facts):
    """Adds facts to an export's JSON card, replacing the file atomically.

    Args:
        version_dir: the export's version folder.
        facts: dict of JSON-ready facts (they win over existing keys).

    Returns:
        The updated card dict.
    """
    card = {**read_card(version_dir), **facts}
    path = Path(version_dir) / CARD_NAME
    staging = path.with_name(f".{CARD_NAME}.tmp")
    staging.write_text(json.dumps(card, indent=2) + "\n")
    os.replace(staging, path)
    return card


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on servers and CI
    import matplotlib.pyplot as plt

    # Pictures at most about 650 px wide with 11-point text stay readable
    # when a phone shows them at half size.
    plt.rcParams.update({"font.size": 11, "legend.fontsize": 10})
    return plt


def _save(figure, path):
    plt = _pyplot()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return Path(path)


def plot_history(history, path):
    """Draws training curves, one panel per metric, train and validation.

    Args:
        history: dict from `model.fit(...).history`.
        path: PNG path to write.

    Returns:
        The `Path` written.
    """
    plt = _pyplot()
    names = [k for k in history if not k.startswith("val_") and k != "learning_rate"]
    # One panel under another: as readable on a phone as on a desktop.
    figure, axes = plt.subplots(len(names), 1, figsize=(6, 2.8 * len(names)),
                                squeeze=False)
    for axis, name in zip(axes[:, 0], names):
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
    return _save(figure, path)


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
    return bool(values.max() > 10.0 ** decades * values.min())


def predicted_labels(predictions):
    """Class labels and the model's confidence in them, from held-out probabilities.

    Args:
        predictions: `(n, 1)` sigmoid outputs (positive above 0.5) or
            `(n, classes)` softmax outputs.

    Returns:
        `(labels, confidence)`: int and float arrays `(n,)`.

    Example:
    >>> predicted_labels(np.array([[0.2], [0.9]]))[0].tolist()
    [0, 1]
    """
    predictions = np.asarray(predictions, "float64")
    if predictions.shape[-1] == 1:
        positive = predictions.reshape(-1)
        labels = (positive > 0.5).astype(int)
        return labels, np.where(labels == 1, positive, 1.0 - positive)
    labels = predictions.argmax(-1)
    return labels, predictions.max(-1)


def plot_confusion(y_true, predictions, class_names, path):
    """Draws the confusion matrix of held-out predictions, every cell with its count.

    Args:
        y_true: integer labels.
        predictions: probabilities `(n, 1)` (sigmoid) or `(n, classes)`.
        class_names: names of the classes, or None for their indices.
        path: PNG path to write.

    Returns:
        The `Path` written.
    """
    plt = _pyplot()
    y_true = np.asarray(y_true).reshape(-1).astype(int)
    y_pred = predicted_labels(predictions)[0]
    count = 2 if predictions.shape[-1] == 1 else predictions.shape[-1]
    matrix = np.zeros((count, count), dtype=int)
    np.add.at(matrix, (np.clip(y_true, 0, count - 1), y_pred), 1)
    names = list(class_names) if class_names else [str(i) for i in range(count)]
    side = min(max(4.0, 2.6 + 0.45 * count), 6.5)
    figure, axis = plt.subplots(figsize=(side, side))
    axis.imshow(matrix, cmap="Blues", vmin=0, vmax=max(int(matrix.max()), 1))
    for (i, j), value in np.ndenumerate(matrix):
        dark = value > 0.55 * matrix.max()
        axis.text(j, i, str(value), ha="center", va="center", fontsize=13 if count < 8 else 10,
                  color="white" if dark else "black", fontweight="bold" if i == j else None)
    axis.set_xticks(range(count), names, rotation=35 if count > 3 else 0,
                    ha="right" if count > 3 else "center", fontsize=11)
    axis.set_yticks(range(count), names, fontsize=11)
    axis.set_xlabel("predicted", fontsize=12)
    axis.set_ylabel("true", fontsize=12)
    right = int(np.trace(matrix))
    axis.set_title(f"held-out: {right} of {len(y_true)} right", fontsize=12)
    figure.tight_layout()
    return _save(figure, path)


def misclassified(splits, predictions, count=EXAMPLES):
    """The held-out examples the model got wrong, the most confident mistakes first.

    Args:
        splits: the task's `Splits` (`splits.test` holds the labels).
        predictions: held-out probabilities, aligned with `splits.test`.
        count: most examples to return.

    Returns:
        A list of `(index, true_label, predicted_label, confidence)`.

    Example:
    >>> from zoo.task import Splits
    >>> splits = Splits(None, None, (np.zeros(3), np.array([0, 1, 1])), "example")
    >>> misclassified(splits, np.array([[0.1], [0.3], [0.2]]))
    [(2, 1, 0, 0.8), (1, 1, 0, 0.7)]
    """
    y_true = np.asarray(splits.test[1]).reshape(-1).astype(int)
    labels, confidence = predicted_labels(predictions)
    wrong = np.flatnonzero(labels != y_true)
    wrong = wrong[np.argsort(-confidence[wrong], kind="stable")][:count]
    return [(int(i), int(y_true[i]), int(labels[i]), round(float(confidence[i]), 4))
            for i in wrong]


def _class_name(task, label):
    names = task.class_names
    return names[label] if names and 0 <= label < len(names) else str(label)


def text_examples(task, splits, grade, count=EXAMPLES):
    """Misclassified held-out texts, for the report's table.

    Args:
        task: the `Task` (a text classifier).
        splits: its `Splits`.
        grade: the `zoo.grading.grade.Grade` (its held-out predictions).
        count: most examples.

    Returns:
        A list of dicts with `text` (cut to `TEXT_CHARS`), `true`,
        `predicted` and `confidence`; empty for other tasks.
    """
    if task.input_dtype != "string" or grade.predictions is None:
        return []
    texts = splits.test[0]
    examples = []
    for index, true, predicted, confidence in misclassified(splits, grade.predictions, count):
        text = " ".join(str(texts[index]).split())
        if len(text) > TEXT_CHARS:
            text = text[:TEXT_CHARS - 1].rstrip() + "…"
        examples.append({"text": text, "true": _class_name(task, true),
                         "predicted": _class_name(task, predicted), "confidence": confidence})
    return examples


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
    """
    if task.input_dtype != "uint8" or task.output_activation not in ("softmax", "sigmoid") \
            or task.evaluate is not None or grade.predictions is None:
        return []
    plt = _pyplot()
    examples = []
    for number, (index, true, predicted, confidence) in enumerate(
            misclassified(splits, grade.predictions, count), start=1):
        image = np.asarray(splits.test[0][index])
        if image.ndim == 3 and image.shape[-1] == 1:
            image = image[..., 0]
        # Small images are enlarged pixel by pixel, so a 28×28 digit stays sharp.
        factor = max(1, -(-THUMBNAIL_PIXELS // min(image.shape[:2])))
        image = image.repeat(factor, axis=0).repeat(factor, axis=1)
        path = Path(out_dir) / f"misclassified_{number}.png"
        plt.imsave(path, image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=255)
        examples.append({"picture": str(path), "true": _class_name(task, true),
                         "predicted": _class_name(task, predicted), "confidence": confidence})
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
    """
    plt = _pyplot()
    series, split = np.asarray(splits.extras["series"]), splits.extras["split"]
    forecast = np.asarray(forecast, "float64").reshape(-1)
    # A tester that drops its last partial batch compares only the first values.
    actual = np.asarray(splits.test[1], "float64").reshape(-1)[:len(forecast)]
    steps = np.arange(split, split + len(actual))
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(6.5, 4.8), sharex=True,
                                         height_ratios=[2, 1], layout="constrained")
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
    bottom.axhline(errors.mean(), color="tab:red", linewidth=1,
                   label=f"mean absolute error {errors.mean():.4g} (the series' units)")
    bottom.set_ylabel("|error|")
    bottom.set_xlabel("time step")
    bottom.legend(loc="upper left")
    bottom.grid(alpha=0.3)
    return _save(figure, path)


def plot_fit(splits, predictions, path):
    """Draws a one-input regression: the rule, the training points, the held-out predictions.

    Args:
        splits: the task's `Splits` with one number per example.
        predictions: the held-out predictions.
        path: PNG path to write.

    Returns:
        The `Path` written.
    """
    plt = _pyplot()
    train_x, train_y = (np.asarray(a, "float64").reshape(-1) for a in splits.train)
    test_x, test_y = (np.asarray(a, "float64").reshape(-1) for a in splits.test)
    predictions = np.asarray(predictions, "float64").reshape(-1)
    order = np.argsort(test_x)
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(6, 4.8), sharex=True,
                                         height_ratios=[2, 1], layout="constrained")
    top.plot(test_x[order], test_y[order], color="black", label="the rule")
    top.scatter(train_x, train_y, color="tab:blue", zorder=3, label="training points")
    top.scatter(test_x, predictions, color="tab:orange", marker="x", zorder=4,
                label="predictions on held-out x")
    top.legend()
    top.grid(alpha=0.3)
    bottom.bar(test_x, predictions - test_y, width=0.4, color="tab:red")
    bottom.axvspan(train_x.min(), train_x.max(), color="tab:blue", alpha=0.08,
                   label="training range")
    bottom.set_ylabel("error")
    bottom.set_xlabel("x")
    bottom.legend()
    bottom.grid(alpha=0.3)
    return _save(figure, path)


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
    """
    out_dir = Path(out_dir)
    pictures = [plot_history(history, out_dir / "training_curves.png")] if history else []
    if task.output_activation in ("softmax", "sigmoid") and task.evaluate is None:
        pictures.append(plot_confusion(splits.test[1], grade.predictions,
                                       task.class_names, out_dir / "confusion_matrix.png"))
    if task.category is TIME_SERIES and np.ndim(grade.predictions) == 3:
        from zoo.report.plots import plot_feature_forecasts

        pictures.append(plot_feature_forecasts(
            splits.test[1], grade.predictions, out_dir / "forecast.png",
            names=splits.extras.get("features"),
            title=f"held-out forecasts (graded: {grade.metric} {grade.value:.4g})"))
    elif task.category is TIME_SERIES:
        pictures.append(plot_forecast_error(splits, grade.predictions, grade.metric,
                                            grade.value, out_dir / "forecast.png"))
    elif task.output_activation is None and tuple(task.input_shape) == (1,):
        pictures.append(plot_fit(splits, grade.predictions, out_dir / "fit.png"))
    if task.pictures is not None and model is not None:
        pictures += task.pictures(task, model, splits, grade.predictions, out_dir)
    return pictures


def confidence_cells(row):
    """The scoreboard cells on how sure a grade is, from its facts.

    Args:
        row: a scoreboard row holding `zoo.grading.grade.Grade.facts()`.

    Returns:
        Five strings: held-out size, interval, shares, next marks, convention.

    Example:
    >>> confidence_cells({"task": "linear"})
    ('–', '–', '–', '–', '–')
    """
    from zoo.grading.grade import describe_marks

    confidence = row.get("confidence")
    interval = (f"{confidence['interval'][0]:.4g} to {confidence['interval'][1]:.4g}"
                if confidence else row.get("confidence_note") or "–")
    convention = row.get("convention")
    named = "–"
    if convention:
        named = convention["name"] if convention["clear"] else \
            f"{convention['name']} (unclear: see --convention)"
    return (str(row["held_out"]) if row.get("held_out") is not None else "–", interval,
            row.get("shares") or "–",
            describe_marks(row["marks"], row.get("metric", "")) if row.get("marks") else "–",
            named)


def mark_points(row, rows):
    """Points one more mark of a row's task is worth: `100 × weight / 5 / Σ weights`."""
    return 100.0 * row["weight"] / 5 / sum(r["weight"] for r in rows)


def work_order(rows):
    """The tasks below 5/5, the one whose next mark is worth the most points first.

    Ties (tasks of one category) go to the task more of whose bootstrap
    resamples already reach its next mark.

    Args:
        rows: scoreboard rows (`task`, `weight`, `score`, and the grade's
            facts when graded).

    Returns:
        The rows below 5/5, in the order to work on them.

    Example:
    >>> rows = [{"task": "linear", "weight": 1, "score": 3},
    ...         {"task": "sarcasm", "weight": 4, "score": 4},
    ...         {"task": "sunspots", "weight": 5, "score": 5}]
    >>> [row["task"] for row in work_order(rows)]
    ['sarcasm', 'linear']
    """
    def within_reach(row):
        shares = (row.get("confidence") or {}).get("shares", {})
        return sum(share for marks, share in shares.items() if int(marks) > row["score"])

    below = [row for row in rows if row["score"] < 5]
    return sorted(below, key=lambda row: (-row["weight"], -within_reach(row)))


def describe_duration(seconds):
    """A duration in words, e.g. `"1 h 05 min"`, `"12 min"` or `"42 s"`.

    Example:
    >>> describe_duration(3900), describe_duration(720), describe_duration(41.6)
    ('1 h 05 min', '12 min', '42 s')
    """
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def describe_next(row, rows):
    """The next mark of a row in words, with its distance and what it is worth."""
    points = mark_points(row, rows)
    up = (row.get("marks") or {}).get("up")
    if row.get("error"):
        return f"not graded, so 0/5 (the reason is in its section); each mark is worth " \
               f"{points:.1f} points."
    if up is None:
        return "top marks."
    return (f"{up['marks']}/5 at {row['metric']} {up['side']}: {up['distance']:.4g} away, "
            f"worth {points:.1f} points.")


def _escape(value):
    return html.escape(str(value))


def _shares_bars(row):
    confidence = row.get("confidence")
    if not confidence:
        return _escape(row.get("confidence_note") or "–")
    bars = []
    for marks, share in confidence["shares"].items():
        bars.append(f'<div class="bar"><span class="label">{_escape(marks)}/5</span>'
                    f'<span class="fill" style="width: {100 * share:.1f}%"></span>'
                    f'<span class="share">{_share(share)}</span></div>')
    return (f'<div class="bars">{"".join(bars)}</div><p class="small">the score of each of '
            f'{confidence["resamples"]} bootstrap resamples of the held-out examples</p>')


def _copy_picture(task, picture, out_dir):
    # Pictures live under the report's folder, so the page can move with it.
    target = out_dir / task / Path(picture).name
    target.parent.mkdir(parents=True, exist_ok=True)
    if Path(picture).resolve() != target.resolve():
        shutil.copyfile(picture, target)
    return f"{task}/{target.name}"


def _figures(row, out_dir):
    images = []
    for picture in row.get("pictures", []):
        relative = _copy_picture(row["task"], picture, out_dir)
        stem = Path(picture).stem
        images.append(f'<figure><a href="{_escape(relative)}"><img src="{_escape(relative)}" '
                      f'alt="{_escape(stem)}"></a><figcaption>'
                      f"{_escape(stem.replace('_', ' '))} (tap or click for full size)"
                      "</figcaption></figure>")
    return "".join(images)


def _share(share):
    # A share that rounds to 0% or 100% is not quite that: say so.
    if 0 < share < 0.005:
        return "<1%"
    return ">99%" if 0.995 < share < 1 else f"{share:.0%}"


def _sure(confidence):
    return f"{_share(confidence)} sure"


def _examples_table(row):
    # The verdict first: on a phone the text column wraps, the verdict stays in view.
    examples = row.get("examples") or []
    if not examples:
        return ""
    lines = "".join(f"<tr><td>{_escape(e['true'])} → {_escape(e['predicted'])} "
                    f"({_sure(e['confidence'])})</td><td>{_escape(e['text'])}</td></tr>"
                    for e in examples)
    return ('<h3>Misclassified held-out texts, most confident first</h3>'
            '<table class="examples"><thead><tr><th>true → predicted</th><th>text</th>'
            f"</tr></thead><tbody>{lines}</tbody></table>")


def _image_gallery(row, out_dir):
    examples = row.get("image_examples") or []
    if not examples:
        return ""
    figures = []
    for e in examples:
        relative = _copy_picture(row["task"], e["picture"], out_dir)
        figures.append(f'<figure><img src="{_escape(relative)}" alt="{_escape(e["true"])}">'
                       f"<figcaption>true: {_escape(e['true'])}<br>predicted: "
                       f"{_escape(e['predicted'])} ({_sure(e['confidence'])})</figcaption>"
                       "</figure>")
    return ('<h3>Misclassified held-out images, most confident first</h3>'
            f'<div class="gallery">{"".join(figures)}</div>')


def task_facts(row, rows):
    """What the report says of one task, in words: the terminal prints the same.

    Args:
        row: a scoreboard row (see `write_index`).
        rows: every row of the exam (for what a mark is worth).

    Returns:
        A list of `(name, text)`: first what went wrong (`not graded`, each
        `hint`, each `note`), then the result, its interval, the next mark,
        the margin, the graded file, the data, the time, the convention and
        why, the device and the training curves, where the row has them.

    Example:
    >>> task_facts({"task": "linear", "weight": 1, "score": 0, "error": "no model"},
    ...            [{"weight": 1}])[0]
    ('not graded', 'no model')
    """
    facts = [("not graded", row["error"])] if row.get("error") else []
    facts += [("hint", hint) for hint in row.get("hints", [])]
    facts += [("note", warning) for warning in row.get("warnings", [])]
    if row.get("value") is not None:
        facts.append(("result", f"{row['metric']} {row['value']:.4g}: {row['score']}/5 "
                                f"({row.get('top_marks', '')}; rule {row.get('rule', '')})"))
    confidence = row.get("confidence")
    if confidence:
        low, high = confidence["interval"]
        facts.append((f"{confidence['level']:.0%} interval",
                      f"{low:.4g} to {high:.4g} ({row['held_out']} held-out examples)"))
    elif row.get("confidence_note"):
        facts.append(("interval", row["confidence_note"]))
    facts.append(("next mark", describe_next(row, rows)))
    down = (row.get("marks") or {}).get("down")
    if down:
        facts.append(("margin", f"{row['score']}/5 holds until {row['metric']} "
                                f"{down['side']}, {down['distance']:.4g} away"))
    if row.get("graded"):
        graded = row["graded"] + (f" ({row['note']})" if row.get("note") else "")
        facts.append(("solution" if row.get("error") else "graded", graded))
    if row.get("data"):
        facts.append(("data", row["data"]))
    time_parts = []
    if row.get("train_seconds") is not None:
        time_parts.append(f"trained in {describe_duration(row['train_seconds'])}")
    if row.get("seconds") is not None:
        time_parts.append(f"graded in {row['seconds']:.1f} s")
    if time_parts:
        facts.append(("time", ", ".join(time_parts)))
    if row.get("convention"):
        convention = row["convention"]
        facts.append(("convention", f"{convention['name']}: {convention['inputs']}. "
                                    f"Why: {convention['reason']}"))
    if row.get("device"):
        facts.append(("device", row["device"]))
    if row.get("curves_note"):
        facts.append(("training curves", row["curves_note"]))
    return facts


NOTE_CLASSES = {"not graded": "error", "hint": "hint", "note": "hint"}


def _facts(row, rows):
    notes, cells = [], []
    for name, text in task_facts(row, rows):
        if name in NOTE_CLASSES:
            notes.append(f'<p class="{NOTE_CLASSES[name]}">{_escape(name)}: {_escape(text)}</p>')
        else:
            cells.append(f"<dt>{_escape(name)}</dt><dd>{_escape(text)}</dd>")
    if row.get("confidence"):
        cells.append(f"<dt>score distribution</dt><dd>{_shares_bars(row)}</dd>")
    return "".join(notes) + f'<dl class="facts">{"".join(cells)}</dl>'


def _section(row, rows, out_dir):
    summary = f'<p class="summary">{_escape(row["summary"])}</p>' if row.get("summary") else ""
    return (f'<section id="{_escape(row["task"])}" class="task"><h2>{_escape(row["task"])} '
            f'<span class="score s{row["score"]}">{row["score"]}/5</span></h2>'
            f'<p class="small">category {_escape(row["category"])} · weight {row["weight"]} · '
            f'{row["points"]:.1f} of {5 * mark_points(row, rows):.1f} points</p>{summary}'
            f'{_facts(row, rows)}{_examples_table(row)}{_image_gallery(row, out_dir)}'
            f'<div class="figures">{_figures(row, out_dir)}</div></section>')


def _focus(rows):
    order = work_order(rows)
    if not order:
        return ('<div id="focus" class="card"><h2>Work on first</h2><p>Nothing: every task '
                "has top marks.</p></div>")
    first, others = order[0], order[1:]
    rest = "".join(f"<li><a href=\"#{_escape(r['task'])}\">{_escape(r['task'])}</a>: "
                   f"{_escape(describe_next(r, rows))}</li>" for r in others)
    rest = f"<p>Then:</p><ol>{rest}</ol>" if rest else ""
    return (f'<div id="focus" class="card"><h2>Work on first</h2><p><a href="#'
            f'{_escape(first["task"])}"><strong>{_escape(first["task"])}</strong></a> '
            f'(category {_escape(first["category"])}): '
            f'{_escape(describe_next(first, rows))}</p>{rest}</div>')


STYLE = """
* { box-sizing: border-box; }
body { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1c1c1c;
       max-width: 1100px; margin: 0 auto; padding: 1rem; }
p, li, dd, h2, figcaption { overflow-wrap: anywhere; }  /* long file paths wrap on phones */
h1 { font-size: 1.7rem; margin: 0.3rem 0; } h2 { font-size: 1.35rem; margin: 0.4rem 0; }
h3 { font-size: 1.05rem; }
a { color: #1f5fa8; }
.top { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.card { border: 1px solid #c9c9c9; border-radius: 8px; padding: 0.6rem 0.9rem;
        background: #f7f8fa; flex: 1 1 20rem; min-width: 0; overflow-wrap: anywhere; }
#total strong { font-size: 1.6rem; }
.PASS { color: #0b6e0b; } .FAIL { color: #b00020; }
.error { color: #b00020; } .hint { color: #7a4d00; } .small { color: #555; font-size: 0.9rem; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 0.9rem; }
td, th { border: 1px solid #bbb; padding: 0.3rem 0.5rem; text-align: right; vertical-align: top; }
td:first-child, th:first-child { text-align: left; }
#summary td, #summary th { border: none; border-bottom: 1px solid #ddd;
                           overflow-wrap: normal; }
#summary th { white-space: nowrap; }
#summary td:last-child, #summary th:last-child { text-align: left; }
#summary td:nth-child(2), #summary td:nth-child(3) { white-space: nowrap; }
details { margin-top: 2rem; } summary { cursor: pointer; color: #1f5fa8; }
table.examples td, table.examples th { text-align: left; }
table.examples td:first-child { width: 11rem; }
table.examples td + td { overflow-wrap: anywhere; }
.gallery { display: flex; flex-wrap: wrap; gap: 0.6rem; }
.gallery figure { width: 9.5rem; margin: 0; }
.gallery img { width: 100%; image-rendering: pixelated; }
section.task { border-top: 3px solid #dcdcdc; margin-top: 1.6rem; padding-top: 0.4rem; }
.score { border-radius: 6px; padding: 0 0.4rem; color: white; background: #b00020; }
.s5 { background: #0b6e0b; } .s4 { background: #4d7f17; } .s3 { background: #a06a00; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.3rem 1rem; }
dl.facts dt { font-weight: 600; color: #333; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.bars { max-width: 28rem; }
.bar { display: flex; align-items: center; gap: 0.4rem; }
.bar .label { width: 2.4rem; } .bar .share { width: 3.2rem; white-space: nowrap; }
.bar .fill { display: inline-block; height: 0.9rem; background: #3b6ea5; min-width: 2px; }
.figures { display: flex; flex-wrap: wrap; gap: 0.8rem; }
figure { margin: 0.4rem 0; max-width: min(100%, 680px); }
img { display: block; max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 0.9rem; color: #444; }
@media (max-width: 640px) {
  body { padding: 0.6rem; font-size: 15px; }
  dl.facts { grid-template-columns: 1fr; } dl.facts dt { margin-top: 0.4rem; }
  #summary .value { display: none; }
  table.examples td:first-child { width: 7.5rem; }
  .gallery figure { width: calc(50% - 0.3rem); }
  .card { padding: 0.5rem 0.6rem; }
  #summary td, #summary th { padding: 0.3rem 0.25rem; }
}
"""


def _summary_row(row, rows):
    value = f"{row['metric']} {row['value']:.4g}" if row.get("value") is not None else "–"
    up = (row.get("marks") or {}).get("up")
    if row.get("error"):
        upcoming = "not graded"
    elif up is None:
        upcoming = "top marks"
    else:
        upcoming = f"{up['marks']}/5 at {up['side']}: {up['distance']:.4g} away"
    # Long names may break after an underscore, never inside a word.
    name = _escape(row["task"]).replace("_", "_<wbr>")
    task = f'<a href="#{_escape(row["task"])}">{name}</a>'
    return (f"<tr><td>{task} <span class=\"small\">({_escape(row['category'])})</span></td>"
            f'<td><span class="score s{row["score"]}">{row["score"]}/5</span></td>'
            f"<td>{row['points']:.1f} / {5 * mark_points(row, rows):.1f}</td>"
            f'<td class="value">{_escape(value)}</td><td>{_escape(upcoming)}</td></tr>')


def write_index(rows, out_dir, total, passed, title="Mock exam", session=None):
    """Writes the exam's `index.html`: what to work on, a scoreboard, a section per task.

    Args:
        rows: list of dicts with `task`, `category`, `metric`, `value`,
            `threshold`, `score`, `weight`, `points`, `device`, `pictures`
            (paths), optionally `error`, `summary`, `graded` (the file
            graded) with its `note`, `train_seconds`, `examples`
            (misclassified texts, see `text_examples`), `curves_note`,
            `warnings`, and the grade's facts (`top_marks`, `held_out`,
            `confidence`, `shares`, `marks`, `convention`, `seconds`; see
            `zoo.grading.grade.Grade.facts`).
        out_dir: the report's folder; pictures are copied to `<task>/` under
            it unless they are there already.
        total: points out of 100.
        passed: whether the total passes.
        title: the page's heading.
        session: optional dict of a timed session: `used` (the time used,
            in words), `limit` and `over` (whether past the limit).

    Returns:
        The `Path` of `index.html`.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    details = []
    for row in rows:
        value = f"{row['value']:.4g}" if row.get("value") is not None else "–"
        top = row.get("top_marks") or (f"5/5 at {row['threshold']:g}"
                                       if row.get("threshold") is not None else "–")
        details.append(
            "<tr>" + "".join(f"<td>{_escape(cell)}</td>" for cell in (
                row["task"], row["category"], row.get("metric", "–"), value, top,
                f"{row['score']}/5", *confidence_cells(row), row["weight"],
                f"{row['points']:.1f}")) + "</tr>")
    summary = "".join(_summary_row(row, rows) for row in rows)
    sections = "".join(_section(row, rows, out_dir) for row in rows)
    verdict = "PASS" if passed else "FAIL"
    timing = ""
    if session:
        state = "FAIL" if session.get("over") else ""
        timing = (f'<p id="time" class="{state}">Time used: <strong>{_escape(session["used"])}'
                  f"</strong> of {_escape(session['limit'])}</p>")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_escape(title)}</title>
<style>{STYLE}</style></head>
<body>
<h1>{_escape(title)}</h1>
<div class="top"><div class="card">
<p id="total">Total: <strong>{total:.1f}</strong> / 100 —
<strong id="verdict" class="{verdict}">{verdict}</strong> (90 passes)</p>{timing}
<div class="scroll"><table id="summary"><thead><tr><th>task (cat.)</th><th>score</th>
<th>points</th><th class="value">value</th><th>next mark</th></tr></thead>
<tbody>{summary}</tbody></table></div>
</div>{_focus(rows)}</div>
<p id="images-status" class="small"></p>
{sections}
<details id="all-facts"><summary>All grading facts in one table</summary>
<div class="scroll"><table id="scoreboard"><thead><tr><th>task</th><th>category</th>
<th>metric</th><th>value</th><th>top marks</th><th>score</th><th>held-out</th>
<th>95% interval</th><th>resamples at each score</th><th>next marks</th><th>convention</th>
<th>weight</th><th>points</th></tr></thead>
<tbody>{''.join(details)}</tbody></table></div></details>
{PICTURES_SHOWN_SCRIPT}
</body></html>
"""
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
