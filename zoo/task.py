"""The practice-task contract: what every module in `tasks/` declares.

A task names its data, the input and output its model must take and give,
its metric, and the formula that turns the metric into 0–5 marks. Training,
export, grading and reports read only this spec, so adding a task is adding
one module to `tasks/`.

Example:
>>> from zoo.tasks import get_task
>>> task = get_task("sunspots")
>>> task.scoring.score(14.2)
5
"""

import dataclasses
import math
from typing import Any, Callable, Optional

import numpy as np


@dataclasses.dataclass(frozen=True)
class Category:
    """An exam category: what it tests and what it weighs in a mock exam.

    Args:
        key: the exam's number, 1 to 5, or `"zoo"` for the zoo's own tasks.
        name: what the category tests, in words.
        weight: its weight in a mock exam. Category k weighs k, as the exam's
            questions rose in weight; a zoo task weighs as much as the
            category it stands in for (images, 3).

    Example:
    >>> TIME_SERIES.weight, str(TIME_SERIES), TIME_SERIES.describe()
    (5, '5', '5 (time series)')
    """

    key: Any
    name: str
    weight: int

    def __str__(self):
        return str(self.key)

    def describe(self):
        """Returns the category in words, e.g. `"5 (time series)"`."""
        return f"{self.key} ({self.name})"


BASIC_MODEL = Category(1, "basic model", weight=1)
LEARNING_DATASET = Category(2, "learning dataset", weight=2)
REAL_WORLD_IMAGES = Category(3, "real-world images", weight=3)
TEXT_CLASSIFICATION = Category(4, "text classification", weight=4)
TIME_SERIES = Category(5, "time series", weight=5)
ZOO_MODEL = Category("zoo", "zoo model", weight=3)
CATEGORIES = (BASIC_MODEL, LEARNING_DATASET, REAL_WORLD_IMAGES, TEXT_CLASSIFICATION,
              TIME_SERIES, ZOO_MODEL)


@dataclasses.dataclass(frozen=True)
class Steps:
    """Top marks at a threshold, one mark less per `step` beyond it.

    `score = 5 − ceil(gap / step)`, clipped to 0..5, where `gap` is how far the
    metric falls short of `threshold` (0 when it reaches it).

    Args:
        threshold: metric value that earns 5/5.
        step: how much worse the metric may be per lost mark.
        higher_is_better: True for accuracy-like metrics, False for errors.

    Example:
    >>> Steps(0.83, 0.02).score(0.80)
    3
    """

    threshold: float
    step: float
    higher_is_better: bool = True

    def score(self, value):
        """Returns the 0–5 marks for a metric value (0 for NaN)."""
        if value is None or not math.isfinite(value):
            return 0
        gap = self.threshold - value if self.higher_is_better else value - self.threshold
        # Rounding noise in the metric must not cost a mark at the boundary.
        return _clip(5 - math.ceil(max(gap, 0.0) / self.step - 1e-9))

    def describe(self):
        """Returns the rule in words, for tables and reports."""
        sign = "≥" if self.higher_is_better else "≤"
        return f"5 if {sign} {self.threshold:g}, −1 per {self.step:g} beyond"


@dataclasses.dataclass(frozen=True)
class Formula:
    """A score formula written out, such as the exam's own for sunspots.

    Args:
        function: maps the metric value to marks (clipped to 0..5 here).
        text: the formula as people read it, e.g. `"min(5, ceil(20 − MAE))"`.
        threshold: metric value from which the formula gives 5/5.
        higher_is_better: whether a larger metric is better.

    Example:
    >>> Formula(lambda mae: math.ceil(20 - mae), "ceil(20 − MAE)", 15, False).score(17.5)
    3
    """

    function: Callable[[float], float]
    text: str
    threshold: float
    higher_is_better: bool = False

    def score(self, value):
        """Returns the 0–5 marks for a metric value (0 for NaN)."""
        if value is None or not math.isfinite(value):
            return 0
        return _clip(self.function(value))

    def describe(self):
        """Returns the rule in words, for tables and reports."""
        return self.text


def _clip(marks):
    return int(min(5, max(0, marks)))


@dataclasses.dataclass
class Splits:
    """A task's data as `(x, y)` numpy pairs.

    Args:
        train: what the solution trains on.
        validation: what the solution may watch while training.
        test: the held-out split the grader scores on; never trained on.
        source: where the data came from, in words (a path, URL or tfds name).
        extras: task-specific facts (e.g. the whole series, class names).
    """

    train: tuple
    validation: tuple
    test: tuple
    source: str
    extras: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Source:
    """Where a task's data comes from.

    Args:
        kind: `"tfds"`, `"url"` or `"generated"`.
        name: tfds dataset name, file name, or a short description.
        url: download address for `"url"` sources.
        sha256: checksum of the downloaded file, when known.
        extract: whether the download is an archive to unpack.
    """

    kind: str
    name: str
    url: Optional[str] = None
    sha256: Optional[str] = None
    extract: bool = False

    def describe(self):
        """Returns the source in words, for the task table."""
        if self.kind == "tfds":
            return f"tfds:{self.name}"
        if self.kind == "url":
            return self.url
        return f"generated ({self.name})"


@dataclasses.dataclass(frozen=True)
class Task:
    """One practice task, declared in one place.

    Args:
        name: the task's name on the command line.
        category: a `Category`: one of the exam's five, or `ZOO_MODEL`.
        summary: one line on what is learned.
        source: a `Source`.
        load: `load(data=None) -> Splits`; `data` is a local path that
            replaces the download (`--data`).
        build: `build(splits) -> keras.Model`, the compiled reference model.
        input_shape: shape of one example, without the batch axis.
        input_dtype: dtype the exported model takes (`"uint8"`, `"string"`...).
        output_shape: shape of one prediction, without the batch axis.
        output_activation: `"softmax"`, `"sigmoid"` or None (regression).
        metric: name of the metric, e.g. `"accuracy"`, `"mae"`.
        measure: `measure(y_true, y_pred) -> float` on held-out predictions.
        scoring: a `Steps` or `Formula`.
        epochs: default training epochs of the reference solution.
        batch_size: default batch size.
        monitor: metric that early stopping and the best checkpoint watch;
            None trains for all the epochs and keeps the final weights.
        patience: epochs without improvement before early stopping.
        pictures: optional `pictures(task, model, splits, predictions, out_dir)`
            writing task-specific PNGs and returning their paths.
        class_names: names of the classes, for confusion matrices.
        starter_hint: one line for the practice starter's TODO.
        fit: optional `fit(model, splits, **kwargs)` for models that do not
            train on `(x, y)` pairs; `zoo.training` fits them otherwise.
        evaluate: optional `evaluate(predictor, splits) -> (value, outputs)`
            for tasks whose metric is not a function of test predictions
            (e.g. generated samples judged by a classifier); `predictor` is
            a `zoo.grading.Predictor`.
        signature: the export's signature the grader calls (for Keras
            files, the model's method of that name).

    Example:
    >>> from zoo.tasks import get_task
    >>> task = get_task("sunspots")
    >>> task.name, task.category.describe(), task.metric
    ('sunspots', '5 (time series)', 'mae')
    """

    name: str
    category: Category
    summary: str
    source: Source
    load: Callable
    build: Callable
    input_shape: tuple
    input_dtype: str
    output_shape: tuple
    output_activation: Optional[str]
    metric: str
    measure: Callable
    scoring: Any
    epochs: int = 10
    batch_size: int = 32
    monitor: Optional[str] = "val_loss"
    patience: int = 3
    pictures: Optional[Callable] = None
    class_names: Optional[tuple] = None
    starter_hint: str = "add the layers between the input and the output"
    fit: Optional[Callable] = None
    evaluate: Optional[Callable] = None
    signature: str = "serving_default"

    def contract(self):
        """Returns the input → output contract in words."""
        shape_in = "×".join(str(d) for d in self.input_shape) or "one"
        shape_out = "×".join(str(d) for d in self.output_shape)
        activation = f" {self.output_activation}" if self.output_activation else ""
        return f"{shape_in} {self.input_dtype} → {shape_out}{activation}"


def accuracy(y_true, y_pred):
    """Fraction of correct predictions.

    Args:
        y_true: integer labels `(n,)` or `(n, 1)`.
        y_pred: probabilities `(n, 1)` (sigmoid: positive if > 0.5) or
            `(n, classes)` (the arg max wins).

    Returns:
        A float in [0, 1].
    """
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 1 or y_pred.shape[-1] == 1:
        labels = (y_pred.reshape(-1) > 0.5).astype(int)
    else:
        labels = np.argmax(y_pred.reshape(len(y_pred), -1), axis=-1)
    return float(np.mean(labels == y_true))


def mean_absolute_error(y_true, y_pred):
    """Mean absolute error over all values.

    Args:
        y_true: targets, any shape with the same number of values as `y_pred`.
        y_pred: predictions.

    Returns:
        A float.
    """
    y_true = np.asarray(y_true, dtype="float64").reshape(-1)
    return float(np.mean(np.abs(y_true - np.asarray(y_pred, "float64").reshape(-1))))


def mean_squared_error(y_true, y_pred):
    """Mean squared error over all values.

    Args:
        y_true: targets.
        y_pred: predictions with as many values.

    Returns:
        A float.
    """
    y_true = np.asarray(y_true, dtype="float64").reshape(-1)
    return float(np.mean((y_true - np.asarray(y_pred, "float64").reshape(-1)) ** 2))
