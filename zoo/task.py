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
from collections.abc import Callable
from typing import Any

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
CATEGORIES = (
    BASIC_MODEL,
    LEARNING_DATASET,
    REAL_WORLD_IMAGES,
    TEXT_CLASSIFICATION,
    TIME_SERIES,
    ZOO_MODEL,
)


@dataclasses.dataclass(frozen=True)
class Boundary:
    """Where a number of marks begins on the metric's scale.

    Args:
        marks: the marks, 1–5, earned on the good side of `value`.
        value: the metric value at the boundary (the simplest number within
            a millionth of the exact one).
        inclusive: whether `value` itself earns `marks`.
        higher_is_better: whether the good side is above `value`.

    Example:
    >>> Boundary(5, 16.0, inclusive=False, higher_is_better=False).describe()
    '< 16'
    """

    marks: int
    value: float
    inclusive: bool
    higher_is_better: bool

    def describe(self):
        """Returns the side that earns the marks, e.g. `"≥ 0.83"` or `"< 16"`."""
        sign = {(True, True): "≥", (True, False): ">", (False, True): "≤", (False, False): "<"}[
            (self.higher_is_better, self.inclusive)
        ]
        return f"{sign} {self.value:g}"

    def describe_below(self):
        """Returns the side that misses the marks, e.g. `"< 0.83"` or `"≥ 16"`."""
        sign = {(True, True): "<", (True, False): "≤", (False, True): ">", (False, False): "≥"}[
            (self.higher_is_better, self.inclusive)
        ]
        return f"{sign} {self.value:g}"


class ScoreRule:
    """What every score rule shares: its boundaries, found from its own `score`.

    Subclasses define `score(value)`, `describe()`, `threshold` (a value that
    earns 5/5) and `higher_is_better`. The boundaries are searched on the
    rule itself, so what is printed is what the rule applies: for the exam's
    `min(5, ceil(20 − MAE))`, 5/5 means MAE below 16, not "at 15".
    """

    def boundary(self, marks):
        """Returns the `Boundary` where `marks` (1–5) begin, or None if nowhere.

        Args:
            marks: an int from 1 to 5.

        Returns:
            A `Boundary`, or None when no value of the metric scores fewer
            marks (nothing to fall below).
        """
        toward_good = 1.0 if self.higher_is_better else -1.0
        good = float(self.threshold)
        while self.score(good) < marks:  # a declared threshold short of 5/5
            good += toward_good * max(abs(good), 1e-12)
        step, bad = max(abs(good), 1e-12), None
        for _ in range(2000):
            candidate = good - toward_good * step
            if self.score(candidate) < marks:
                bad = candidate
                break
            step *= 2.0
        if bad is None:
            return None
        for _ in range(2000):
            middle = (good + bad) / 2.0
            if middle in (good, bad):
                break
            if self.score(middle) >= marks:
                good = middle
            else:
                bad = middle
        value = _simplest_near(good)
        return Boundary(
            marks,
            value,
            inclusive=self.score(value) >= marks,
            higher_is_better=self.higher_is_better,
        )

    def top_marks(self):
        """Returns where 5/5 begins in words, e.g. `"5/5 below 16"`."""
        top = self.boundary(5)
        if top is None:
            return "5/5 always"
        text = top.describe()
        return {"<": f"5/5 below {top.value:g}", ">": f"5/5 above {top.value:g}"}.get(
            text[0], f"5/5 at {text}"
        )


def _simplest_near(value):
    # The shortest decimal within a millionth: 16 rather than 15.999999999999998.
    for digits in range(1, 18):
        candidate = float(f"{value:.{digits}g}")
        if abs(candidate - value) <= 1e-6 * max(abs(value), 1e-300):
            return candidate
    return value


@dataclasses.dataclass(frozen=True)
class Steps(ScoreRule):
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
    >>> Steps(0.83, 0.02).top_marks()
    '5/5 at ≥ 0.83'
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
class Formula(ScoreRule):
    """A score formula written out, such as the exam's own for sunspots.

    Args:
        function: maps the metric value to marks (clipped to 0..5 here).
        text: the formula as people read it, e.g. `"min(5, ceil(20 − MAE))"`.
        threshold: a metric value that earns 5/5 (the boundaries are found
            from `function` itself, starting there).
        higher_is_better: whether a larger metric is better.

    Example:
    >>> rule = Formula(lambda mae: math.ceil(20 - mae), "ceil(20 − MAE)", 15, False)
    >>> rule.score(17.5), rule.top_marks()
    (3, '5/5 below 16')
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
        validation_source: which examples `validation` holds, in words; for
            an exam task, the exam starter's own validation split, so the
            grader can try a learner's model on examples it never trained on.
    """

    train: tuple
    validation: tuple
    test: tuple
    source: str
    extras: dict = dataclasses.field(default_factory=dict)
    validation_source: str = "the validation split"


@dataclasses.dataclass(frozen=True)
class Source:
    """Where a task's data comes from.

    Args:
        kind: `"tfds"`, `"url"` or `"generated"`.
        name: tfds dataset name, file name, or a short description.
        url: download address for `"url"` sources.
        sha256: checksum of the downloaded file, when known.
        extract: whether the download is an archive to unpack.
        folder: the folder the archive extracts to, when its name is not the
            archive's own without the extension (CIFAR-10's
            `cifar-10-python.tar.gz` extracts to `cifar-10-batches-py/`).
    """

    kind: str
    name: str
    url: str | None = None
    sha256: str | None = None
    extract: bool = False
    folder: str | None = None

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
            train on `(x, y)` pairs; `zoo.training.reference` fits them otherwise.
        evaluate: optional `evaluate(predictor, splits) -> (value, outputs)`
            for tasks whose metric is not a function of test predictions
            (e.g. generated samples judged by a classifier); `predictor` is
            a `zoo.grading.grade.Predictor`.
        signature: the export's signature the grader calls (for Keras
            files, the model's method of that name).
        raw: optional `zoo.grading.conventions.Convention` for grading models on the
            contract's raw inputs, when that is more than feeding
            `splits.test` (series: the exam tester's forecast over every
            window); a `zoo.grading.conventions.RawContract` otherwise.
        exam: optional `zoo.grading.conventions.Convention` for models trained the
            exam starter's way (token ids, pixels scaled by 1/255, a
            normalised series), with its own formula where the exam had one.

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
    output_activation: str | None
    metric: str
    measure: Callable
    scoring: Any
    epochs: int = 10
    batch_size: int = 32
    monitor: str | None = "val_loss"
    patience: int = 3
    pictures: Callable | None = None
    class_names: tuple | None = None
    starter_hint: str = "add the layers between the input and the output"
    fit: Callable | None = None
    evaluate: Callable | None = None
    signature: str = "serving_default"
    raw: Any = None
    exam: Any = None

    def conventions(self):
        """Returns the ways a model may take this task's data: raw first, then exam.

        Returns:
            A tuple of `zoo.grading.conventions.Convention`: the raw one, and the exam
            starter's when the task declares one.
        """
        from zoo.grading.conventions import RawContract

        raw = self.raw if self.raw is not None else RawContract(self)
        return (raw,) if self.exam is None else (raw, self.exam)

    def contract(self):
        """Returns the input → output contract in words."""
        shape_in = "×".join(str(d) for d in self.input_shape) or "one"
        shape_out = "×".join(str(d) for d in self.output_shape)
        activation = f" {self.output_activation}" if self.output_activation else ""
        return f"{shape_in} {self.input_dtype} → {shape_out}{activation}"


@dataclasses.dataclass(frozen=True)
class MeanMetric:
    """A metric that is the mean of one number per held-out example.

    Calling it gives the metric; `per_example` gives the numbers it averages,
    which is what a bootstrap of the held-out set resamples.

    Args:
        per_example: `per_example(y_true, y_pred) -> (n,) array`.
        name: the metric's name.

    Example:
    >>> accuracy([0, 1, 1], np.array([[0.2], [0.7], [0.4]]))
    0.6666666666666666
    >>> accuracy.per_example([0, 1, 1], np.array([[0.2], [0.7], [0.4]])).tolist()
    [1.0, 1.0, 0.0]
    """

    per_example: Callable
    name: str

    def __call__(self, y_true, y_pred):
        return float(np.mean(self.per_example(y_true, y_pred)))


def classifier_output(num_classes):
    """The output activation and Keras loss of a classifier with integer labels.

    Args:
        num_classes: output units; 1 means one sigmoid unit for two classes.

    Returns:
        `(activation, loss)`.

    Example:
    >>> classifier_output(1), classifier_output(3)
    (('sigmoid', 'binary_crossentropy'), ('softmax', 'sparse_categorical_crossentropy'))
    """
    if num_classes == 1:
        return "sigmoid", "binary_crossentropy"
    return "softmax", "sparse_categorical_crossentropy"


def correct(y_true, y_pred):
    """Whether each prediction is right: 1.0 or 0.0 per example.

    Args:
        y_true: integer labels `(n,)` or `(n, 1)`.
        y_pred: probabilities `(n, 1)` (sigmoid: positive if > 0.5) or
            `(n, classes)` (the arg max wins).

    Returns:
        A float array `(n,)`.
    """
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 1 or y_pred.shape[-1] == 1:
        labels = (y_pred.reshape(-1) > 0.5).astype(int)
    else:
        labels = np.argmax(y_pred.reshape(len(y_pred), -1), axis=-1)
    return (labels == y_true).astype("float64")


def absolute_errors(y_true, y_pred):
    """Each example's mean absolute error over its values.

    Args:
        y_true: targets `(n, ...)`.
        y_pred: predictions with as many values.

    Returns:
        A float array `(n,)`.
    """
    y_true = np.asarray(y_true, dtype="float64")
    count = len(y_true)
    return np.mean(
        np.abs(y_true.reshape(count, -1) - np.asarray(y_pred, "float64").reshape(count, -1)), axis=1
    )


def squared_errors(y_true, y_pred):
    """Each example's mean squared error over its values.

    Args:
        y_true: targets `(n, ...)`.
        y_pred: predictions with as many values.

    Returns:
        A float array `(n,)`.
    """
    y_true = np.asarray(y_true, dtype="float64")
    count = len(y_true)
    return np.mean(
        (y_true.reshape(count, -1) - np.asarray(y_pred, "float64").reshape(count, -1)) ** 2, axis=1
    )


# Fraction of correct predictions.
accuracy = MeanMetric(correct, "accuracy")
# Mean absolute error over all values.
mean_absolute_error = MeanMetric(absolute_errors, "mae")
# Mean squared error over all values.
mean_squared_error = MeanMetric(squared_errors, "mse")
