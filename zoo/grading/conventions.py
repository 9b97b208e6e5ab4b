"""Conventions: the ways a model may take a task's data, and how each is scored.

A task's models come in two kinds. The zoo's own take the data as the task's
contract has it (strings, uint8 pixels, raw values): the *raw* convention.
Models written as the exam's starters taught take what those starters fed
them (padded word ids, pixels scaled by 1/255, a normalised series): the
*exam* convention, declared by each exam task (`Task.exam`) in `tasks/`.
The grader picks one per model (`zoo.grading.grade.choose_convention`) and feeds
the held-out data that way.

Example:
>>> from zoo.tasks import get_task
>>> [c.name for c in get_task("sarcasm").conventions()]
['raw', 'exam']
"""

import abc
import dataclasses
from collections.abc import Callable

import numpy as np

RAW, EXAM = "raw", "exam"
FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")


def _same(values):
    return values


@dataclasses.dataclass
class HeldOut:
    """Inputs for a model and what its outputs are compared with.

    Args:
        inputs: the array fed to the model.
        targets: what the selected predictions are compared with.
        select: model outputs → predictions aligned with `targets` (the exam
            tester's slice, for series).
        restore: predictions → the task's raw units (for pictures, and to
            compare conventions on one scale).
        note: facts about this preparation in words (e.g. the series' min
            and max), or "".
        shape: the shape of one selected prediction where it is not the
            task's output shape (a tester that reads one step of each
            forecast, whose `select` checks the model's outputs itself);
            None for the task's output shape.
    """

    inputs: np.ndarray
    targets: np.ndarray
    select: Callable = _same
    restore: Callable = _same
    note: str = ""
    shape: tuple | None = None


class Convention(abc.ABC):
    """How a model trained one way is fed a task's data, and how it is scored.

    Subclasses set `name` (`RAW` or `EXAM`), `metric`, `measure` (a
    `zoo.task.MeanMetric` where the metric is a mean over examples),
    `scoring`, `input_shape` and `input_dtype`, and define `describe`,
    `held_out` and `sample` (abstract here: a subclass without them cannot
    be instantiated).
    """

    name = RAW

    @abc.abstractmethod
    def describe(self):
        """Returns what the model is fed, in words."""

    def admits(self, dtype, shape):
        """Whether a model declaring this input may take this convention's data.

        Args:
            dtype: the model's declared input dtype name, or None.
            shape: its declared shape of one example, or None.

        Returns:
            A bool.
        """
        return dtype is None or dtype != "string"

    def rules_out(self, model):
        """Says why a Keras model evidently takes other inputs, or None.

        Args:
            model: the loaded Keras model, or None (a SavedModel).

        Returns:
            A sentence, or None when its layers say nothing against it.
        """
        return None

    def suggests(self, model):
        """Says why a Keras model seems to take this convention's inputs, or None.

        Weaker than `rules_out`: consulted only when trying both ways on
        validation data does not decide.

        Args:
            model: the loaded Keras model, or None (a SavedModel).

        Returns:
            A sentence, or None.
        """
        return None

    @abc.abstractmethod
    def held_out(self, splits):
        """Returns the held-out split prepared this way, as a `HeldOut`."""

    @abc.abstractmethod
    def sample(self, splits, count):
        """Returns up to `count` validation examples prepared this way.

        Their targets and restored predictions are on the scale the task's
        own metric reads (its raw units, or the exam's normalised scale for
        a task measured there), the same for each of its conventions, so
        two conventions' errors on them compare directly.

        Args:
            splits: the task's `Splits`.
            count: most examples.

        Returns:
            A `HeldOut`.
        """


def evenly(pairs, count):
    """Takes up to `count` examples spread evenly over `(x, y)`.

    Args:
        pairs: a tuple `(x, y)` of arrays with the same length.
        count: most examples to keep.

    Returns:
        `(x, y)` subsets, in their original order.

    Example:
    >>> evenly((np.arange(10), np.arange(10)), 3)[0].tolist()
    [0, 4, 9]
    """
    x, y = pairs
    keep = np.unique(np.linspace(0, len(x) - 1, min(len(x), count)).round().astype(int))
    return x[keep], y[keep]


class RawContract(Convention):
    """The zoo's own convention: the data exactly as the task's contract has it.

    Args:
        task: the `zoo.task.Task`.

    Example:
    >>> from zoo.tasks import get_task
    >>> RawContract(get_task("sarcasm")).describe()
    'raw inputs as the task has them (string → 1 sigmoid)'
    """

    name = RAW

    def __init__(self, task):
        self.task = task
        self.metric, self.measure, self.scoring = task.metric, task.measure, task.scoring
        self.input_shape, self.input_dtype = tuple(task.input_shape), task.input_dtype

    def describe(self):
        """Returns what the model is fed, in words."""
        contract = self.task.contract()
        if not self.task.input_shape:
            contract = contract.replace("one ", "")
        return f"raw inputs as the task has them ({contract})"

    def admits(self, dtype, shape):
        """Strings only for string tasks; pixels as uint8 or floats; no strings elsewhere."""
        if dtype is None:
            return True
        if self.input_dtype == "string":
            return dtype == "string"
        if self.input_dtype == "uint8":
            return dtype == "uint8" or dtype in FLOAT_DTYPES
        return dtype != "string"

    def held_out(self, splits):
        """Returns `splits.test` as it is."""
        return HeldOut(*splits.test)

    def sample(self, splits, count):
        """Returns validation examples as they are."""
        return HeldOut(*evenly(splits.validation, count))


@dataclasses.dataclass(frozen=True)
class Choice:
    """The convention a model is graded in, and why.

    Args:
        convention: the chosen `Convention`.
        reason: why, in words.
        clear: False when the evidence did not decide and `convention` is
            the default; the grade then says so and names `--convention`.
        note: facts about the preparation (e.g. the series' min and max).
    """

    convention: Convention
    reason: str
    clear: bool = True
    note: str | None = None

    def facts(self):
        """Returns the JSON-ready facts of the choice."""
        return {
            "name": self.convention.name,
            "inputs": self.convention.describe(),
            "reason": self.reason,
            "clear": self.clear,
        }
