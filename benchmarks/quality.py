"""The course's models and the zoo's references, side by side, on the same data in one run.

For every `--data` (a task's file, a folder in the zip's layout, or
`TASK=PATH`) and every seed, it trains the course's model as its notebook
did (`benchmarks/course_models.py`), saves it as the exam's `.h5` and
grades it as a learner's file; then it trains the zoo's reference with
`zoo.training.reference.train_task`, exported and graded from its export. Both are
seeded with the same seed, and both times count loading, building and
training. It prints one row per run, then a table per task: the mean over
seeds, the spread (lowest to highest), each run's 95% bootstrap interval,
and the ratios ours / course (for an error metric, course / ours, so that
above 1 is better either way).

Usage:
    python benchmarks/quality.py --data ../shared/data/sarcasm.json \\
        --data ../shared/data/Sunspots.csv --data ../shared/data/cats_and_dogs_dev \\
        --seeds 0,1,2
"""

import argparse
import dataclasses
import statistics
import sys
import tempfile
from pathlib import Path

from course_models import TRAINERS, train_course_model


@dataclasses.dataclass
class Run:
    """One model's outcome on one task and seed.

    Args:
        task: the task's name.
        model: `"course"` or `"ours"`.
        seed: the seed.
        value: the metric on the held-out split.
        score: marks, 0–5.
        seconds: loading, building and training, in seconds.
        low: the 95% bootstrap interval's lower end.
        high: its upper end.
        convention: the convention the grader chose.
    """

    task: str
    model: str
    seed: int
    value: float
    score: int
    seconds: float
    low: float
    high: float
    convention: str


def task_for(item):
    """Returns `(task, path)` for `TASK=PATH`, a task's file, or a folder in a zip's layout.

    Args:
        item: the `--data` argument.

    Returns:
        `(zoo.task.Task, path)`.

    Raises:
        SystemExit: when no task reads such a path, with the fix.
    """
    from zoo.tasks import all_tasks, get_task

    name, separator, path = item.partition("=")
    if separator:
        return get_task(name), path
    path = Path(item)
    # Of the tasks whose data is a zip of image folders, those with a course model here.
    extracted = [task for task in all_tasks() if task.source.extract and task.name in TRAINERS]
    if path.is_dir() and (
        (path / "train").is_dir()
        or any(
            (path / task.source.name.removesuffix(".zip") / "train").is_dir() for task in extracted
        )
    ):
        if len(extracted) == 1:
            return extracted[0], item
    for task in all_tasks():
        if task.source.name == path.name:
            return task, item
    sys.exit(
        f"--data {item}: no task reads a file named {path.name} or a folder with "
        "train/ inside; write TASK=PATH."
    )


def graded(task, model, seed, artifact, splits, seconds, convention=None):
    """Grades an artifact (in `convention`, or as the grader decides) and returns its `Run`."""
    from zoo.grading.grade import grade

    result = grade(task, artifact, splits, convention=convention)
    confidence = result.confidence
    return Run(
        task.name,
        model,
        seed,
        result.value,
        result.score,
        seconds,
        confidence.low,
        confidence.high,
        result.convention.convention.name,
    )


def compare(task, data, seed, models_dir, epochs=None):
    """Trains and grades the course's model and the reference on one task and seed.

    Args:
        task: a `zoo.task.Task` with a course model.
        data: the local data path.
        seed: int.
        models_dir: folder for the `.h5` and the exports.
        epochs: int for both models (quick checks), or None for each one's own.

    Returns:
        `(course_run, our_run)`.
    """
    from zoo.training.reference import train_task

    h5 = Path(models_dir) / f"course-{task.name}-seed{seed}" / "mymodel.h5"
    h5.parent.mkdir(parents=True, exist_ok=True)
    splits, seconds = train_course_model(task, data, seed, h5, epochs=epochs)
    course = graded(task, "course", seed, h5, splits, seconds, convention=TRAINERS[task.name][1])
    result = train_task(task, data=data, epochs=epochs, seed=seed, models_dir=models_dir, verbose=0)
    ours = graded(task, "ours", seed, result.version_dir, splits, result.card["train_seconds"])
    return course, ours


def ratio(task, ours, course):
    """Ours / course, or course / ours for an error metric: above 1 is better."""
    from zoo.tasks import get_task

    lower_is_better = not get_task(task).scoring.higher_is_better
    return course / ours if lower_is_better else ours / course


def summary(runs):
    """One markdown row per task and model: mean, spread, scores, intervals, times, ratios.

    Args:
        runs: a list of `Run`.

    Returns:
        The markdown table, a string.
    """
    lines = [
        "| task | model | value, mean | spread over seeds | scores | 95% intervals "
        "| training s, mean | value ratio | time ratio |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for task in dict.fromkeys(run.task for run in runs):
        means = {}
        for model in ("course", "ours"):
            chosen = [run for run in runs if run.task == task and run.model == model]
            means[model] = (
                statistics.mean(run.value for run in chosen),
                statistics.mean(run.seconds for run in chosen),
            )
            spread = f"{min(r.value for r in chosen):.4g}–{max(r.value for r in chosen):.4g}"
            scores = "/".join(str(r.score) for r in chosen)
            intervals = ", ".join(f"{r.low:.4g}–{r.high:.4g}" for r in chosen)
            ratios = (
                ("", "")
                if model == "course"
                else (
                    f"{ratio(task, means['ours'][0], means['course'][0]):.3f}",
                    f"{means['ours'][1] / means['course'][1]:.2f}",
                )
            )
            lines.append(
                f"| `{task}` | {model} | {means[model][0]:.4g} | {spread} | {scores} "
                f"| {intervals} | {means[model][1]:.0f} | {ratios[0]} | {ratios[1]} |"
            )
    return "\n".join(lines)


def main(argv=None):
    """Runs the comparison; prints every run, then the summary table.

    Args:
        argv: the arguments (`sys.argv[1:]` when None).

    Returns:
        The list of `Run`, course and ours for each task and seed.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", action="append", required=True, metavar="[TASK=]PATH")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds (default 0)")
    parser.add_argument(
        "--epochs",
        type=int,
        help="epochs for every model, for quick checks (default: each model's own)",
    )
    parser.add_argument(
        "--models-dir", help="where the .h5 files and exports go (default: a temporary folder)"
    )
    args = parser.parse_args(argv)
    pairs = [task_for(item) for item in args.data]
    for task, _ in pairs:
        if task.name not in TRAINERS:
            sys.exit(
                f"{task.name}: no course model to compare with; course models exist "
                f"for {', '.join(sorted(TRAINERS))}."
            )
    seeds = [int(seed) for seed in args.seeds.split(",")]

    from zoo.device import describe_device

    models_dir = args.models_dir or tempfile.mkdtemp(prefix="zoo-quality-")
    print(f"$ python benchmarks/quality.py {' '.join(sys.argv[1:] if argv is None else argv)}")
    print(f"device: {describe_device()}; models under {models_dir}", flush=True)
    runs = []
    for task, data in pairs:
        for seed in seeds:
            for run in compare(task, data, seed, models_dir, epochs=args.epochs):
                runs.append(run)
                print(
                    f"{run.task:<13} {run.model:<6} seed {run.seed}  {run.value:.4f}  "
                    f"{run.score}/5  [{run.low:.4f}, {run.high:.4f}]  {run.seconds:6.1f} s  "
                    f"({run.convention})",
                    flush=True,
                )
    print()
    print(summary(runs))
    return runs


if __name__ == "__main__":
    main()
