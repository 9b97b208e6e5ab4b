"""The exam-style grader: the same code for reference and learners' solutions.

A solution is a SavedModel directory (such as `saved_models/<task>/<n>/`),
a `.keras` file, a legacy exam `.h5`, or a learner's `.py` whose
`solution_model()` is run in a separate process under a time limit. The
model is scored on the task's held-out split only, 0–5 marks by the
formula of the convention it was trained in (`zoo.grading.conventions`: the zoo's
raw inputs, or the exam starter's preprocessing), on the GPU when
TensorFlow sees one, else on the CPU. Every grade says which convention
it used and how sure it is (`zoo.grading.confidence`).

Example:
>>> from zoo.tasks import get_task
>>> grade = grade_path(get_task("linear"), "saved_models/linear/1")
>>> print(grade.summary())
"""

import dataclasses
import time
from pathlib import Path

import numpy as np

from zoo.grading.confidence import RESAMPLES, SEED, bootstrap
from zoo.grading.conventions import EXAM, RAW, Choice
from zoo.grading.errors import GradingError
from zoo.grading.predictor import Predictor, load_predictor  # noqa: F401  (part of this API)
from zoo.grading.solution import DEFAULT_TIME_LIMIT, run_solution_file

# Validation examples fed both ways when only the data can tell the convention.
PROBE_SIZE = 256
# How many standard errors apart the two ways' errors must be to decide.
DECISIVE_Z = 3.0


@dataclasses.dataclass
class Grade:
    """The result of grading one solution.

    Args:
        task: the task's name.
        metric: the metric's name.
        value: the metric on the held-out split.
        threshold: the metric value where 5/5 begins (see `top_marks`).
        top_marks: where 5/5 begins, in words (e.g. `"5/5 below 16"`).
        score: marks, 0–5.
        rule: the score formula in words.
        device: where the model ran.
        artifact: what was graded.
        hints: list of strings on how the solution breaks the contract.
        seconds: how long grading took.
        convention: the `zoo.grading.conventions.Choice` the model was graded in.
        held_out: number of held-out examples scored, or None.
        confidence: the `zoo.grading.confidence.Confidence`, or None (see
            `confidence_note`).
        confidence_note: why there is no bootstrap, or "".
        marks: `{"up": ..., "down": ...}`: the next marks up and down, each
            a dict (marks, side, distance) or None.
        predictions: held-out predictions in the task's raw units (not
            written to cards).
    """

    task: str
    metric: str
    value: float
    threshold: float | None
    top_marks: str
    score: int
    rule: str
    device: str
    artifact: str
    hints: list
    seconds: float
    convention: Choice | None = None
    held_out: int | None = None
    confidence: object = None
    confidence_note: str = ""
    marks: dict = dataclasses.field(default_factory=dict)
    predictions: object = None

    def facts(self):
        """Returns the JSON-ready facts for a card, a scoreboard or `--json`."""
        return {
            "task": self.task,
            "metric": self.metric,
            "value": self.value,
            "threshold": self.threshold,
            "top_marks": self.top_marks,
            "score": self.score,
            "rule": self.rule,
            "device": self.device,
            "artifact": self.artifact,
            "hints": list(self.hints),
            "seconds": round(self.seconds, 2),
            "convention": self.convention.facts() if self.convention else None,
            "held_out": self.held_out,
            "confidence": self.confidence.facts() if self.confidence else None,
            "confidence_note": self.confidence_note,
            "shares": self.confidence.describe_shares() if self.confidence else None,
            "marks": self.marks,
        }

    def summary(self):
        """Returns the grade in a few lines for the terminal."""
        lines = [
            f"{self.task}: {self.metric} = {self.value:.6g} ({self.top_marks}; rule: {self.rule})",
            f"score: {self.score}/5   device: {self.device}",
        ]
        if self.convention is not None:
            choice = self.convention
            lines.append(
                f"convention: {choice.convention.name}: "
                f"{choice.convention.describe()}"
                f"{f' ({choice.note})' if choice.note else ''}"
            )
            lines.append(f"  why: {choice.reason}")
        if self.confidence is not None:
            c = self.confidence
            lines.append(
                f"held-out: {c.held_out} examples; {c.level:.0%} interval of "
                f"{self.metric}: {c.low:.4g} to {c.high:.4g} ({c.resamples} "
                f"bootstrap resamples, seed {c.seed})"
            )
            lines.append(f"resamples: {c.describe_shares()}")
        elif self.held_out is not None or self.confidence_note:
            size = f"{self.held_out} examples; " if self.held_out is not None else ""
            lines.append(f"held-out: {size}{self.confidence_note}")
        lines.append(f"next marks: {describe_marks(self.marks, self.metric)}")
        lines += [f"hint: {hint}" for hint in self.hints]
        return "\n".join(lines)


def next_marks(rule, value):
    """The next mark up and where the present marks end, with their distances.

    Args:
        rule: a `zoo.task.ScoreRule`.
        value: the metric's value.

    Returns:
        `{"up": ..., "down": ...}`; each None at the top (or bottom), else a
        dict with `marks`, `side` (e.g. `"< 16"`) and `distance` from `value`.

    Example:
    >>> from zoo.tasks import get_task
    >>> next_marks(get_task("sunspots").scoring, 15.5)["down"]
    {'marks': 4, 'side': '≥ 16', 'distance': 0.5}
    """
    marks = rule.score(value)
    up = rule.boundary(marks + 1) if marks < 5 else None
    down = rule.boundary(marks) if marks > 0 else None
    facts = {"up": None, "down": None}
    if up is not None:
        facts["up"] = {"marks": marks + 1, "side": up.describe(), "distance": abs(up.value - value)}
    if down is not None:
        facts["down"] = {
            "marks": marks - 1,
            "side": down.describe_below(),
            "distance": abs(value - down.value),
        }
    return facts


def describe_marks(marks, metric):
    """Returns `next_marks` in words.

    Args:
        marks: the dict of `next_marks`.
        metric: the metric's name.

    Returns:
        E.g. `"up: none (top marks); down: 4/5 at mae ≥ 16 (0.5 worse)"`.
    """
    up, down = marks.get("up"), marks.get("down")
    up_text = (
        f"{up['marks']}/5 at {metric} {up['side']} ({up['distance']:.4g} better)"
        if up
        else "none (top marks)"
    )
    down_text = (
        f"{down['marks']}/5 at {metric} {down['side']} ({down['distance']:.4g} worse)"
        if down
        else "none (no marks to lose)"
    )
    return f"up: {up_text}; down: {down_text}"


def choose_convention(task, predictor, splits, requested=None):
    """Decides how the model takes the task's data: raw, or the exam starter's way.

    In order: `requested` (the `--convention` option) wins; a task with one
    convention has no choice; a zoo export takes raw inputs; then the
    model's declared input dtype and shape, and its layers (a Rescaling of
    1/255 inside means raw pixels), rule conventions out; when two remain,
    both are tried on the exam starter's own validation examples (which
    it never trains on, and which are not the held-out ones) and the one
    with clearly smaller errors wins; a way whose inputs the model cannot
    take loses, with the reason. When that does not decide, the
    choice is raw and says so.

    Args:
        task: the `Task`.
        predictor: the loaded `Predictor`.
        splits: the task's `Splits`.
        requested: `"raw"`, `"exam"` or None.

    Returns:
        A `zoo.grading.conventions.Choice`.

    Raises:
        GradingError: for an unknown or unavailable `requested` convention,
            or a model whose inputs fit neither convention.
    """
    conventions = {c.name: c for c in task.conventions()}
    raw = conventions[RAW]
    if requested is not None:
        if requested not in conventions:
            raise GradingError(
                f"--convention {requested}: {task.name} has no such convention; it is "
                f"graded {' or '.join(conventions)} ({raw.describe()})."
            )
        return Choice(conventions[requested], "chosen with --convention")
    if len(conventions) == 1:
        return Choice(raw, "the task has one convention")
    if predictor.zoo_export:
        return Choice(
            raw, "a zoo export (card.json beside it): its signature takes the task's raw inputs"
        )
    dtype, shape = predictor.input_dtype, predictor.input_shape
    admitted = [c for c in conventions.values() if c.admits(dtype, shape)]
    if not admitted:
        ways = "; or ".join(c.describe() for c in conventions.values())
        raise GradingError(
            f"The model takes {dtype} inputs of shape {shape}, which fits neither way "
            f"{task.name} is graded: {ways}. Start the model with a matching "
            "keras.Input(shape=..., dtype=...)."
        )
    ruled_out = {c.name: c.rules_out(predictor.model) for c in admitted}
    remaining = [c for c in admitted if not ruled_out[c.name]]
    if len(remaining) == 1:
        if len(admitted) == 2:
            return Choice(remaining[0], next(r for r in ruled_out.values() if r))
        kind = (
            "word ids" if remaining[0].name == EXAM and task.input_dtype == "string" else "inputs"
        )
        return Choice(remaining[0], f"the model takes {dtype} {kind} of shape {shape}")
    return _probe(task, predictor, splits, remaining or admitted)


@dataclasses.dataclass
class Comparison:
    """A model tried both ways on the exam starter's validation examples.

    Args:
        evidence: what was measured, in words.
        better: the name of the clearly better way (`"raw"` or `"exam"`),
            the only way the model could take, or None when neither.
        both: whether the model took both ways' inputs.
    """

    evidence: str
    better: str | None
    both: bool


def compare_conventions(task, predictor, splits):
    """Tries a model on the task's raw and exam-style validation inputs; says which fits.

    The examples are the exam starter's own validation split
    (`splits.validation_source`): a learner's model never trained on them,
    and they are not the held-out ones. One way is better when the
    per-example differences lie `DECISIVE_Z` standard errors from zero.

    Args:
        task: the `Task` (with an exam convention).
        predictor: the loaded `Predictor`.
        splits: the task's `Splits`.

    Returns:
        A `Comparison`.
    """
    losses, means, refused = {}, {}, {}
    for convention in task.conventions():
        sample = convention.sample(splits, PROBE_SIZE)
        try:
            x, _ = fit_inputs(task, convention, predictor, sample.inputs)
            predictions = sample.restore(sample.select(_run_model(predictor.predict, x)))
        except GradingError as error:  # a way the model cannot take is not its way
            refused[convention.name] = str(error)
            continue
        per_example = np.asarray(task.measure.per_example(sample.targets, predictions), "float64")
        losses[convention.name] = -per_example if task.scoring.higher_is_better else per_example
        means[convention.name] = float(np.mean(per_example))
    examples = splits.validation_source
    if len(losses) == 1:
        (name,), ((other, why),) = losses, refused.items()
        return Comparison(
            f"on {examples}, the model could not take the {other} way's inputs: {why}",
            name,
            both=False,
        )
    if not losses:
        return Comparison(
            f"the model took neither way's inputs on {examples} ("
            + "; ".join(f"{name}: {why}" for name, why in refused.items())
            + ")",
            None,
            both=False,
        )
    difference = losses[RAW] - losses[EXAM]
    spread = difference.std(ddof=1) / np.sqrt(len(difference)) if len(difference) > 1 else 0.0
    z = (
        difference.mean() / spread
        if spread > 0
        else (np.inf * np.sign(difference.mean()) if difference.mean() else 0.0)
    )
    evidence = (
        f"on {len(difference)} examples of {examples}, which training never sees, "
        f"its {task.metric} is {means[RAW]:.4g} fed raw inputs and "
        f"{means[EXAM]:.4g} fed the exam starter's way"
    )
    better = (EXAM if z > 0 else RAW) if abs(z) >= DECISIVE_Z else None
    return Comparison(evidence, better, both=True)


def _probe(task, predictor, splits, conventions):
    named = {c.name: c for c in conventions}
    compared = compare_conventions(task, predictor, splits)
    if compared.better is not None:
        return Choice(named[compared.better], compared.evidence)
    for convention in conventions:
        suggestion = convention.suggests(predictor.model)
        if suggestion:
            return Choice(convention, f"{suggestion} ({compared.evidence}, which does not decide)")
    return Choice(
        named[RAW],
        f"unclear: {compared.evidence}; graded raw. Pass --convention "
        "exam to grade it the exam starter's way (--convention raw "
        "keeps this).",
        clear=False,
    )


def other_way_hint(task, predictor, splits, requested):
    """A hint when the convention asked for with `--convention` is clearly not the model's.

    Args:
        task: the `Task`.
        predictor: the loaded `Predictor`.
        splits: the task's `Splits`.
        requested: `"raw"` or `"exam"`, the convention asked for.

    Returns:
        A list with one hint naming the other `--convention` and the evidence,
        or an empty list when the task has one convention or the evidence
        does not point away from `requested`.
    """
    if task.exam is None:
        return []
    compared = compare_conventions(task, predictor, splits)
    if compared.better in (None, requested):
        return []
    other = {c.name: c for c in task.conventions()}[compared.better]
    return [
        f"{compared.evidence}: it takes {other.describe()}, so "
        f"--convention {other.name} grades it the way it was trained."
    ]


def fit_inputs(task, convention, predictor, x):
    """Checks the model's declared input against a convention's; adapts `x` where harmless.

    Args:
        task: the `Task`.
        convention: the `zoo.grading.conventions.Convention` the inputs follow.
        predictor: the loaded `Predictor`.
        x: inputs prepared by `convention`.

    Returns:
        `(x, hints)`: inputs in the shape and dtype the model declares, and
        hints on where the model strays from the contract.

    Raises:
        GradingError: when the model cannot take the inputs.
    """
    hints = []
    dtype, expected = predictor.input_dtype, convention.input_dtype
    if dtype not in (None, expected) and "string" in (dtype, expected):
        raise GradingError(
            f"The model takes {dtype} inputs, but {task.name} feeds {expected} "
            f"({convention.describe()}). For text tasks the model takes raw strings: "
            "put a keras.layers.TextVectorization, adapted on the training sentences, "
            "inside the model."
        )
    declared, shape = predictor.input_shape, tuple(convention.input_shape)
    if declared is not None and not _same_shape(declared, shape):
        if _same_shape(tuple(d for d in declared if d != 1), tuple(d for d in shape if d != 1)):
            hints.append(
                f"the model takes inputs of shape {declared}; the task's "
                f"contract is {shape}. Use keras.Input(shape={shape}) (a "
                "Reshape layer inside can adapt it)."
            )
            x = x.reshape((len(x), *[d if d is not None else -1 for d in declared]))
        else:
            raise GradingError(
                f"The model takes inputs of shape {declared}, but {task.name} feeds "
                f"{shape} ({convention.describe()}). Start the model with "
                f"keras.Input(shape={shape}, dtype='{expected}')."
            )
    if dtype is None or dtype == expected:
        return x, hints
    return x.astype(dtype), hints


def _same_shape(declared, expected):
    return len(declared) == len(expected) and all(
        d is None or d == e for d, e in zip(declared, expected)
    )


def check_outputs(task, predictions, expected=None):
    """Checks the output contract of held-out predictions.

    Args:
        task: the `Task`.
        predictions: numpy array from the model (for series, after the
            exam tester's slice).
        expected: the shape of one prediction, when the tester's slice
            leaves another than `task.output_shape` (`HeldOut.shape`).

    Returns:
        A list of hints (e.g. sigmoid vs softmax).

    Raises:
        GradingError: when the output shape breaks the contract.
    """
    shape = tuple(predictions.shape[1:])
    if shape != tuple(expected or task.output_shape):
        advice = ""
        if task.output_activation == "sigmoid" and shape in ((2,), (2, 1)):
            advice = (
                " This task is binary with one sigmoid unit: end with "
                "Dense(1, activation='sigmoid') and binary_crossentropy, "
                "not 2 softmax units."
            )
        elif task.output_activation == "softmax":
            advice = (
                f" End with Dense({task.output_shape[0]}, activation='softmax')"
                " and sparse_categorical_crossentropy."
            )
        raise GradingError(
            f"The model outputs shape {shape}, but {task.name} expects "
            f"{tuple(task.output_shape)} ({task.contract()}).{advice}"
        )
    hints = []
    if task.output_activation == "softmax" and len(predictions):
        if not np.allclose(predictions.sum(axis=-1), 1.0, atol=1e-3):
            hints.append(
                "the outputs do not sum to 1 over the classes: the last "
                "layer should use activation='softmax' (sigmoid or no "
                "activation gives other numbers than the grader expects)."
            )
    if task.output_activation == "sigmoid" and len(predictions):
        if predictions.min() < 0 or predictions.max() > 1:
            hints.append(
                "the outputs leave [0, 1]: the last layer should use "
                "activation='sigmoid' (the grader reads > 0.5 as positive)."
            )
    return hints


def grade(task, artifact, splits=None, data=None, convention=None, resamples=RESAMPLES, seed=SEED):
    """Scores a saved model on the task's held-out split.

    Args:
        task: the `Task`.
        artifact: a path (SavedModel folder, `.keras`, `.h5`) or a `Predictor`.
        splits: the task's `Splits`; loaded (with `data`) when None.
        data: optional local data path (`--data`).
        convention: `"raw"`, `"exam"`, or None to decide from the model.
        resamples: bootstrap resamples for the confidence facts; 0 skips
            the bootstrap.
        seed: seed of the bootstrap.

    Returns:
        A `Grade`.

    Raises:
        GradingError: when the model cannot be loaded or breaks the contract.
    """
    import tensorflow as tf

    from zoo.device import describe_device

    started = time.monotonic()
    predictor = (
        artifact if isinstance(artifact, Predictor) else load_predictor(artifact, task.signature)
    )
    splits = splits if splits is not None else task.load(data)
    device = describe_device()
    with tf.device("/GPU:0" if device.startswith("GPU") else "/CPU:0"):
        if task.evaluate is not None:
            value, predictions = _run_model(task.evaluate, predictor, splits)
            return _grade(
                task,
                predictor,
                device,
                started,
                float(value),
                task.scoring,
                task.metric,
                [],
                predictions,
                choice=None,
                per_example=None,
                resamples=0,
                seed=seed,
                note="no bootstrap: the score judges generated samples, not held-out examples",
            )
        choice = choose_convention(task, predictor, splits, convention)
        chosen = choice.convention
        held_out = chosen.held_out(splits)
        if held_out.note:
            choice = dataclasses.replace(choice, note=held_out.note)
        x, hints = fit_inputs(task, chosen, predictor, held_out.inputs)
        if convention is not None:
            hints += other_way_hint(task, predictor, splits, convention)
        predictions = held_out.select(_run_model(predictor.predict, x))
        hints += check_outputs(task, predictions, held_out.shape)
        value = chosen.measure(held_out.targets, predictions)
        per_example = (
            chosen.measure.per_example(held_out.targets, predictions)
            if hasattr(chosen.measure, "per_example")
            else None
        )
    return _grade(
        task,
        predictor,
        device,
        started,
        float(value),
        chosen.scoring,
        chosen.metric,
        hints,
        held_out.restore(predictions),
        choice,
        per_example,
        resamples,
        seed,
        note=""
        if per_example is not None
        else f"no bootstrap: {chosen.metric} is not a mean over held-out examples",
    )


def _grade(
    task,
    predictor,
    device,
    started,
    value,
    rule,
    metric,
    hints,
    predictions,
    choice,
    per_example,
    resamples,
    seed,
    note,
):
    confidence = None
    if per_example is not None and resamples:
        confidence = bootstrap(per_example, rule, resamples=resamples, seed=seed)
    elif per_example is not None:
        note = "no bootstrap (resamples=0)"
    top = rule.boundary(5)
    held_out = (
        len(per_example)
        if per_example is not None
        else (len(predictions) if task.evaluate is None and predictions is not None else None)
    )
    return Grade(
        task=task.name,
        metric=metric,
        value=value,
        threshold=top.value if top else None,
        top_marks=rule.top_marks(),
        score=rule.score(value),
        rule=rule.describe(),
        device=device,
        artifact=predictor.description,
        hints=hints,
        seconds=time.monotonic() - started,
        convention=choice,
        held_out=held_out,
        confidence=confidence,
        confidence_note=note,
        marks=next_marks(rule, value),
        predictions=predictions,
    )


def _run_model(function, *args):
    try:
        return function(*args)
    except GradingError:
        raise
    except Exception as error:  # the model's own failure, explained below
        text = str(error)
        if "Table not initialized" in text:
            raise GradingError(
                "The model's TextVectorization lost its vocabulary: .h5 files do "
                "not store it. Save with model.save('mymodel.keras') instead."
            ) from error
        raise GradingError(
            f"The model failed on the held-out inputs "
            f"({type(error).__name__}: {text.strip()[:300]})."
        ) from error


def grade_path(
    task,
    path,
    data=None,
    time_limit=DEFAULT_TIME_LIMIT,
    splits=None,
    convention=None,
    resamples=RESAMPLES,
    seed=SEED,
):
    """Grades whatever a learner has: a `.py`, `.keras`, `.h5` or SavedModel.

    Args:
        task: the `Task`.
        path: the solution's path.
        data: optional local data path (`--data`), for training and grading.
        time_limit: seconds allowed to a `.py`'s `solution_model()`.
        splits: the task's `Splits` when already loaded.
        convention: `"raw"`, `"exam"`, or None to decide from the model.
        resamples: bootstrap resamples (0 skips the bootstrap).
        seed: seed of the bootstrap.

    Returns:
        A `Grade`.

    Raises:
        GradingError: with a message for the learner.
    """
    path = Path(path)
    if path.suffix == ".py":
        path = run_solution_file(path, time_limit=time_limit, data=data)
    return grade(
        task, path, splits=splits, data=data, convention=convention, resamples=resamples, seed=seed
    )
