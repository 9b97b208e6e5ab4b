"""The course's models and the zoo's references, side by side, on the same data in one run.

For every `--data` (a task's file, a folder in the zip's layout, or
`TASK=PATH`) and every seed, it trains the course's notebook model
(`benchmarks/course_models.py`) on the exam starter's preprocessing, saves
it as the exam's `mymodel.h5` and grades it as a learner's file is graded
(the grader picks the convention); then it trains the zoo's reference with
`zoo.training.train_task`, which exports it and grades the export. Both
are seeded with the same seed (`keras.utils.set_random_seed`), and both
times count loading the data, building and fitting (the reference card's
`train_seconds`); saving, exporting and grading are not counted.

Values are compared in the task's own metric: a course model graded on the
exam's normalised series has its forecasts put back in raw units first.
It prints one line per run, then a markdown table per task and model: the
mean over seeds, the spread (lowest–highest) of the value and the score,
each run's 95% bootstrap interval (`zoo.bootstrap`), and the ratios: value
ours / course for accuracy, course / ours for error metrics (so above 1
means the reference is better either way), and time ours / course.

Usage:
    python benchmarks/quality.py --data ../shared/data/sarcasm.json \\
        --data ../shared/data/Sunspots.csv --data ../shared/data/cats_and_dogs_dev \\
        --seeds 0,1,2
"""

import argparse
import dataclasses
import shlex
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

from course_models import NOTEBOOKS, train_course_model

COLUMNS = ("task", "model", "metric", "graded as", "value, mean", "value, min–max",
           "score, mean", "score, min–max", "95% interval of each run", "training s, mean",
           "value ratio", "time ratio")


@dataclasses.dataclass
class Run:
    """One model's outcome on one task and seed.

    Args:
        task: the task's name.
        model: `"course"` or `"ours"`.
        seed: the seed.
        metric: the task's own metric (its raw convention's).
        grade: the `zoo.grading.Grade` it got, in the convention the grader
            chose.
        value: the task's own metric on the held-out split (raw units).
        low: the lower end of its 95% bootstrap interval.
        high: the upper end.
        seconds: loading, building and fitting, in seconds.
    """

    task: str
    model: str
    seed: int
    metric: str
    grade: object
    value: float
    low: float
    high: float
    seconds: float

    @property
    def score(self):
        """The marks of the grade, 0–5."""
        return self.grade.score

    @property
    def convention(self):
        """The name of the convention it was graded in: `"raw"` or `"exam"`."""
        return self.grade.convention.convention.name

    def describe(self):
        """Returns the run in one line."""
        grade = self.grade
        graded = f"graded {self.convention}"
        if grade.metric != self.metric:
            graded += (f": {grade.metric} {grade.value:.4g}, 95% "
                       f"{grade.confidence.low:.4g}–{grade.confidence.high:.4g}")
        return (f"{self.task:<22} {self.model:<6} seed {self.seed}  "
                f"{self.metric} {self.value:.4f} "
                f"[{self.low:.4f}, {self.high:.4f}]  {self.score}/5 ({graded})  "
                f"{self.seconds:.1f} s")


@dataclasses.dataclass
class TaskSummary:
    """The runs of one task, course and ours, summarised over seeds.

    Args:
        task: the task's name.
        metric: its metric.
        higher_is_better: whether a larger value is better.
        course: the course model's `Run`s, one per seed.
        ours: the reference's `Run`s, one per seed.
    """

    task: str
    metric: str
    higher_is_better: bool
    course: list
    ours: list

    def mean(self, model, field):
        """The mean of `field` (`"value"`, `"score"`, `"seconds"`) over one model's runs."""
        return statistics.mean(getattr(run, field) for run in getattr(self, model))

    @property
    def value_ratio(self):
        """Ours / course for accuracy, course / ours for errors: above 1, ours is better."""
        ours, course = self.mean("ours", "value"), self.mean("course", "value")
        return ours / course if self.higher_is_better else course / ours

    @property
    def ratio_is(self):
        """Which way `value_ratio` divides, in words."""
        return "ours/course" if self.higher_is_better else "course/ours"

    @property
    def time_ratio(self):
        """Ours / course mean training seconds."""
        return self.mean("ours", "seconds") / self.mean("course", "seconds")

    def rows(self):
        """Returns the two markdown rows, course then ours."""
        lines = []
        for model in ("course", "ours"):
            runs = getattr(self, model)
            values, scores = [r.value for r in runs], [r.score for r in runs]
            ratios = ("", "") if model == "course" else (
                f"{self.value_ratio:.3f} ({self.ratio_is})", f"{self.time_ratio:.2f}")
            cells = (f"`{self.task}`", model, self.metric,
                     "/".join(sorted({r.convention for r in runs})),
                     f"{self.mean(model, 'value'):.4g}",
                     f"{min(values):.4g}–{max(values):.4g}",
                     f"{self.mean(model, 'score'):.2g}", f"{min(scores)}–{max(scores)}",
                     ", ".join(f"{r.low:.4g}–{r.high:.4g}" for r in runs),
                     f"{self.mean(model, 'seconds'):.0f}", *ratios)
            lines.append("| " + " | ".join(cells) + " |")
        return lines


def zip_layout(folder):
    """Whether a folder is an extracted image zip, or the folder holding one.

    Args:
        folder: a `Path`.

    Returns:
        True when it has `train/` and `validation/` with a folder per class
        inside, or when its only entry is such a folder.
    """
    def has_classes(part):
        return part.is_dir() and any(child.is_dir() for child in part.iterdir())

    def extracted(root):
        return has_classes(root / "train") and has_classes(root / "validation")

    if extracted(folder):
        return True
    entries = [p for p in folder.iterdir() if not p.name.startswith((".", "__"))]
    return len(entries) == 1 and entries[0].is_dir() and extracted(entries[0])


def task_for(item):
    """Returns `(task, path)` for `TASK=PATH`, a task's file, or a folder in a zip's layout.

    Args:
        item: the `--data` argument.

    Returns:
        `(zoo.task.Task, path)`.

    Raises:
        SystemExit: for a path that does not exist or matches no task, with
            the fix.

    Example:
    >>> task, path = task_for("sunspots=data/monthly.csv")
    >>> task.name, path
    ('sunspots', 'data/monthly.csv')
    """
    from zoo.tasks import all_tasks, get_task

    name, separator, data = item.partition("=")
    if separator and not Path(item).exists():
        try:
            return get_task(name), data
        except KeyError as error:
            sys.exit(f"--data {item}: {error.args[0]}")
    path = Path(item)
    if not path.exists():
        sys.exit(f"--data {item}: no such file or folder.")
    files = [t for t in all_tasks() if t.source.kind == "url" and not t.source.extract]
    if path.is_file():
        for task in files:
            if task.source.name.lower() == path.name.lower():
                return task, item
    elif zip_layout(path):
        archives = [t for t in all_tasks() if t.source.extract]
        if len(archives) == 1:
            return archives[0], item
        sys.exit(f"--data {item} is a folder in a zip's layout, which "
                 f"{', '.join(t.name for t in archives)} all read: write TASK=PATH.")
    sys.exit(f"--data {item} matches no task: it is neither a file a task reads "
             f"({', '.join(t.source.name for t in files)}) nor a folder in a zip's layout "
             "(train/ and validation/ with a folder per class, or the folder holding them). "
             "Name the task: --data TASK=PATH.")


def in_task_units(task, grade, splits):
    """The grade's value and 95% interval in the task's own metric (its raw convention).

    A model graded the exam starter's way (e.g. on a normalised series) has
    its predictions put back in raw units by the grader; measuring them
    against the raw held-out targets makes the course's and the reference's
    values comparable.

    Args:
        task: the `zoo.task.Task`.
        grade: a `zoo.grading.Grade` with its `predictions`.
        splits: the task's `Splits`.

    Returns:
        `(value, low, high)`.
    """
    from zoo.bootstrap import bootstrap

    raw = task.conventions()[0]
    per_example = task.measure.per_example(raw.held_out(splits).targets, grade.predictions)
    confidence = bootstrap(np.asarray(per_example, "float64"), task.scoring)
    return float(np.mean(per_example)), confidence.low, confidence.high


def compare(task, data, seed, models_dir, epochs=None):
    """Trains and grades the course's model and the reference on one task and seed.

    Args:
        task: a `zoo.task.Task` with a notebook model.
        data: the local data path.
        seed: int, for both models.
        models_dir: folder for the `.h5` files (`course/`) and the exports
            (`ours/`).
        epochs: int for both models (quick checks), or None for each one's own.

    Returns:
        `(course_run, our_run)`.
    """
    from zoo.grading import grade
    from zoo.training import train_task

    h5 = Path(models_dir) / "course" / task.name / f"seed{seed}" / "mymodel.h5"
    h5.parent.mkdir(parents=True, exist_ok=True)
    splits, seconds = train_course_model(task, data, seed, h5, epochs=epochs)
    course_grade = grade(task, h5, splits)
    course = Run(task.name, "course", seed, task.metric, course_grade,
                 *in_task_units(task, course_grade, splits), seconds)
    result = train_task(task, data=data, epochs=epochs, seed=seed,
                        models_dir=Path(models_dir) / "ours", verbose=0)
    ours = Run(task.name, "ours", seed, task.metric, result.grade,
               *in_task_units(task, result.grade, splits), result.card["train_seconds"])
    return course, ours


def table(summaries):
    """Returns the markdown table of every task's summary, with what the ratios mean."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for summary in summaries:
        lines += summary.rows()
    lines += ["", ("Value ratio: ours/course for accuracy, course/ours for error metrics, "
                   "so above 1 means the reference is better. Time ratio: ours/course, each "
                   "counting loading, building and fitting.")]
    return "\n".join(lines)


def main(argv=None):
    """Runs the comparison; prints the command, the device, every run, then the table.

    Args:
        argv: the arguments (`sys.argv[1:]` when None).

    Returns:
        A list of `TaskSummary`, one per `--data`, in their order.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", action="append", required=True, metavar="[TASK=]PATH",
                        help="a task's file, a folder in the zip's layout, or TASK=PATH "
                             "(repeat for several tasks)")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds (default 0)")
    parser.add_argument("--epochs", type=int, help="epochs for every model, for quick "
                                                   "checks (default: each model's own)")
    parser.add_argument("--models-dir", help="where the .h5 files and exports go "
                                             "(default: a temporary folder)")
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    pairs = [task_for(item) for item in args.data]
    for task, _ in pairs:
        if task.name not in NOTEBOOKS:
            sys.exit(f"{task.name}: no course model to compare with; course models exist "
                     f"for {', '.join(sorted(NOTEBOOKS))}.")
    seeds = [int(seed) for seed in args.seeds.split(",")]

    from zoo.device import describe_device

    models_dir = args.models_dir or tempfile.mkdtemp(prefix="zoo-quality-")
    print(f"$ python benchmarks/quality.py {shlex.join(argv)}")
    print(f"device: {describe_device()}")
    print(f"models: {models_dir}; training seconds count loading, building and fitting",
          flush=True)
    summaries = []
    for task, data in pairs:
        runs = {"course": [], "ours": []}
        for seed in seeds:
            for run in compare(task, data, seed, models_dir, epochs=args.epochs):
                runs[run.model].append(run)
                print(run.describe(), flush=True)
        summaries.append(TaskSummary(task.name, task.metric, task.scoring.higher_is_better,
                                     runs["course"], runs["ours"]))
    print()
    print(table(summaries))
    return summaries


if __name__ == "__main__":
    main()
