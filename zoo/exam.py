"""The mock exam: one task per category, a scoreboard out of 100, an HTML report.

Each task weighs its `Category.weight`: category k weighs k (1 to 5, 15 in all), so category 5 is worth a third of
the total: `points = 100 × Σ weight × score / 5 / Σ weight`; 90 passes. A
zoo task stands in for category 3 (images) in the quick mock exam, which
runs offline on generated data: `linear`, `shapes`, `synthetic_series`.

Example:
>>> result = run_exam(QUICK_EXAM, out_dir="reports/exam")
>>> result.total, result.passed
(100.0, True)
"""

import dataclasses
from pathlib import Path

PASS_MARK = 90
FULL_EXAM = ("linear", "fashion_mnist", "horses_or_humans", "sarcasm", "sunspots")
QUICK_EXAM = ("linear", "shapes", "synthetic_series")
SOLUTION_SUFFIXES = (".py", ".keras", ".h5")


@dataclasses.dataclass
class ExamResult:
    """The outcome of a mock exam.

    Args:
        rows: one dict per task (task, category, weight, score, points, ...).
        total: points out of 100.
        passed: whether `total` reaches `PASS_MARK`.
        index: path of the HTML report.
    """

    rows: list
    total: float
    passed: bool
    index: Path

    def scoreboard(self):
        """Returns the scoreboard as text for the terminal."""
        lines = [f"{'task':<20} {'cat':>4} {'metric':>9} {'value':>10} {'score':>6} "
                 f"{'points':>7}"]
        for row in self.rows:
            value = f"{row['value']:.4g}" if row.get("value") is not None else "-"
            lines.append(f"{row['task']:<20} {row['category']!s:>4} "
                         f"{row.get('metric', '-'):>9} {value:>10} {row['score']:>4}/5 "
                         f"{row['points']:>7.1f}")
            if row.get("error"):
                lines.append(f"    not graded: {row['error']}")
        lines.append(f"total: {self.total:.1f} / 100 -> {'PASS' if self.passed else 'FAIL'}"
                     f" (pass mark {PASS_MARK})")
        lines.append(f"report: {self.index}")
        return "\n".join(lines)


def add_points(rows):
    """Sets each row's `points` and returns the total out of 100.

    A row's points are `100 × weight × score / 5 / Σ weight`, so a perfect
    exam totals 100 whichever categories it has.

    Args:
        rows: dicts with `weight` and `score` (0–5); updated in place.

    Returns:
        The total, a float in [0, 100].
    """
    weights = sum(row["weight"] for row in rows)
    for row in rows:
        row["points"] = 100.0 * row["weight"] * row["score"] / 5 / weights
    return sum(row["points"] for row in rows)


def find_solution(directory, name):
    """Finds a learner's solution for a task in a folder.

    Looks for `<task>.py`, `<task>.keras`, `<task>.h5`, then a SavedModel
    folder `<task>/` (or its latest integer version).

    Args:
        directory: the learner's folder.
        name: the task's name.

    Returns:
        The `Path`, or None when there is none.
    """
    directory = Path(directory)
    for suffix in SOLUTION_SUFFIXES:
        if (directory / f"{name}{suffix}").exists():
            return directory / f"{name}{suffix}"
    folder = directory / name
    if (folder / "saved_model.pb").exists():
        return folder
    from zoo.export import latest_version_dir, list_versions

    return latest_version_dir(folder) if list_versions(folder) else None


def run_exam(names, out_dir, solutions=None, data=None, models_dir="saved_models",
             epochs=None, time_limit=30 * 60):
    """Runs a mock exam and writes its report.

    Without `solutions`, each task's reference solution is trained, exported,
    and graded from its export. With `solutions`, the learner's files are
    graded instead; a missing or broken one scores 0 with the reason.

    Args:
        names: task names, one per category.
        out_dir: folder of the HTML report.
        solutions: optional folder of the learner's solutions.
        data: optional dict `{task: local data path}`.
        models_dir: root of the reference exports.
        epochs: optional epoch limit for every reference training.
        time_limit: seconds allowed to each learner `.py`.

    Returns:
        An `ExamResult`.
    """
    from zoo import report
    from zoo.data import DataUnavailableError
    from zoo.grading import GradingError, grade_path
    from zoo.tasks import get_task
    from zoo.training import train_task

    data = data or {}
    rows = []
    for name in names:
        task = get_task(name)
        row = {"task": task.name, "category": str(task.category),
               "weight": task.category.weight, "score": 0, "metric": task.metric}
        try:
            if solutions is None:
                result = train_task(task, data=data.get(name), epochs=epochs,
                                    models_dir=models_dir)
                grade, pictures = result.grade, result.pictures
                row["export"] = str(result.version_dir)
            else:
                path = find_solution(solutions, task.name)
                if path is None:
                    raise GradingError(f"no solution for {task.name} in {solutions} "
                                       f"({task.name}.py, .keras, .h5 or a SavedModel).")
                splits = task.load(data.get(name))
                grade = grade_path(task, path, data=data.get(name), time_limit=time_limit,
                                   splits=splits)
                folder = Path(out_dir) / task.name
                folder.mkdir(parents=True, exist_ok=True)
                pictures = report.write_pictures(task, None, None, splits, grade, folder)
            row.update(grade.facts(), pictures=pictures)
        except (GradingError, DataUnavailableError, FileNotFoundError) as error:
            row["error"] = str(error)
        rows.append(row)
    total = add_points(rows)
    passed = total >= PASS_MARK
    index = report.write_index(rows, out_dir, total, passed)
    return ExamResult(rows, total, passed, index)
