"""Reports: the JSON card beside an export, PNG pictures, the exam's index.html.

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

from zoo import plots
from zoo.export import CARD_NAME, read_card
from zoo.task import TIME_SERIES


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

    return plt


def plot_history(history, path):
    """Draws training curves, one panel per metric, train and validation.

    Args:
        history: dict from `model.fit(...).history`.
        path: PNG path to write.

    Returns:
        The `Path` written.
    """
    plt = _pyplot()
    names = [k for k in history if not k.startswith("val_")]
    figure, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3), squeeze=False)
    for axis, name in zip(axes[0], names):
        axis.plot(history[name], label="train")
        if f"val_{name}" in history:
            axis.plot(history[f"val_{name}"], label="validation")
        axis.set_title(name)
        axis.set_xlabel("epoch")
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)
    return Path(path)


def plot_confusion(y_true, predictions, class_names, path):
    """Draws the confusion matrix of held-out predictions.

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
    if predictions.shape[-1] == 1:
        y_pred, count = (predictions.reshape(-1) > 0.5).astype(int), 2
    else:
        y_pred, count = predictions.argmax(-1), predictions.shape[-1]
    matrix = np.zeros((count, count), dtype=int)
    np.add.at(matrix, (np.clip(y_true, 0, count - 1), y_pred), 1)
    names = list(class_names) if class_names else [str(i) for i in range(count)]
    figure, axis = plt.subplots(figsize=(1.0 + 0.6 * count, 1.0 + 0.6 * count))
    axis.imshow(matrix, cmap="Blues")
    for (i, j), value in np.ndenumerate(matrix):
        axis.text(j, i, str(value), ha="center", va="center", fontsize=8)
    axis.set_xticks(range(count), names, rotation=45, ha="right", fontsize=8)
    axis.set_yticks(range(count), names, fontsize=8)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)
    return Path(path)


def write_pictures(task, model, history, splits, grade, out_dir):
    """Writes the pictures a person wants to see for a trained task.

    Training curves when there is a history; a confusion matrix for
    classifiers; forecast against actual for series; and the task's own
    (CAM overlays, samples) when there is a Keras model to ask.

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
    if task.category is TIME_SERIES:
        series, split = splits.extras["series"], splits.extras["split"]
        pictures.append(plots.plot_forecast(series[max(0, split - 200):split],
                                            splits.test[1], grade.predictions,
                                            out_dir / "forecast.png"))
    if task.pictures is not None and model is not None:
        pictures += task.pictures(task, model, splits, grade.predictions, out_dir)
    return pictures


def confidence_cells(row):
    """The scoreboard cells on how sure a grade is, from its facts.

    Args:
        row: a scoreboard row holding `zoo.grading.Grade.facts()`.

    Returns:
        Five strings: held-out size, interval, shares, next marks, convention.

    Example:
    >>> confidence_cells({"task": "linear"})
    ('–', '–', '–', '–', '–')
    """
    from zoo.grading import describe_marks

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


def write_index(rows, out_dir, total, passed, title="Mock exam"):
    """Writes the exam's `index.html`: a scoreboard with each task's pictures.

    Args:
        rows: list of dicts with `task`, `category`, `metric`, `value`,
            `threshold`, `score`, `weight`, `points`, `device`, `pictures`
            (paths), optionally `error`, and the grade's confidence facts
            (`top_marks`, `held_out`, `confidence`, `shares`, `marks`,
            `convention`; see `zoo.grading.Grade.facts`).
        out_dir: the report's folder; pictures are copied to `<task>/` under
            it unless they are there already.
        total: points out of 100.
        passed: whether the total passes.
        title: the page's heading.

    Returns:
        The `Path` of `index.html`.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    table, sections = [], []
    for row in rows:
        value = f"{row['value']:.4g}" if row.get("value") is not None else "–"
        top = row.get("top_marks") or (f"5/5 at {row['threshold']:g}"
                                       if row.get("threshold") is not None else "–")
        table.append(
            "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in (
                row["task"], row["category"], row.get("metric", "–"), value, top,
                f"{row['score']}/5", *confidence_cells(row), row["weight"],
                f"{row['points']:.1f}")) + "</tr>")
        images = []
        for picture in row.get("pictures", []):
            target = out_dir / row["task"] / Path(picture).name
            target.parent.mkdir(parents=True, exist_ok=True)
            if Path(picture).resolve() != target.resolve():
                shutil.copyfile(picture, target)
            relative = f"{row['task']}/{target.name}"
            images.append(f'<figure><img src="{html.escape(relative)}" '
                          f'alt="{html.escape(target.stem)}"><figcaption>'
                          f"{html.escape(target.stem.replace('_', ' '))}</figcaption></figure>")
        notes = [f'<p class="error">{html.escape(row["error"])}</p>'] if row.get("error") else []
        notes += [f"<p class=\"hint\">hint: {html.escape(h)}</p>" for h in row.get("hints", [])]
        device = f"<p>device: {html.escape(row['device'])}</p>" if row.get("device") else ""
        if row.get("convention"):
            convention = row["convention"]
            device += (f'<p class="convention">convention: {html.escape(convention["name"])}'
                       f' ({html.escape(convention["inputs"])}): '
                       f'{html.escape(convention["reason"])}</p>')
        sections.append(f'<section id="{html.escape(row["task"])}"><h2>'
                        f"{html.escape(row['task'])}</h2>{device}{''.join(notes)}"
                        f"{''.join(images)}</section>")
    verdict = "PASS" if passed else "FAIL"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #999; padding: 0.3em 0.6em; text-align: right; }}
.PASS {{ color: #060; }} .FAIL {{ color: #a00; }} .error {{ color: #a00; }}
figure {{ display: inline-block; margin: 0.5em; }} img {{ max-width: 640px; }}
</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p id="total">Total: <strong>{total:.1f}</strong> / 100 —
<strong id="verdict" class="{verdict}">{verdict}</strong> (90 passes)</p>
<table id="scoreboard"><thead><tr><th>task</th><th>category</th><th>metric</th>
<th>value</th><th>top marks</th><th>score</th><th>held-out</th><th>95% interval</th>
<th>resamples at each score</th><th>next marks</th><th>convention</th><th>weight</th>
<th>points</th></tr></thead>
<tbody>{''.join(table)}</tbody></table>
<p id="images-status"></p>
{''.join(sections)}
<script>
// Says on the page whether every picture actually rendered.
window.addEventListener("load", () => {{
  const images = Array.from(document.images);
  const shown = images.filter((image) => image.complete && image.naturalWidth > 0);
  document.getElementById("images-status").textContent =
    `pictures shown: ${{shown.length}} of ${{images.length}}`;
}});
</script>
</body></html>
"""
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
