"""The mock exam: one task per category, a scoreboard out of 100, an HTML report, a timed session.

Each task weighs its `Category.weight`: category k weighs k (1 to 5, 15 in
all), so category 5 is worth a third of the total:
`points = 100 × Σ weight × score / 5 / Σ weight`; 90 passes. A zoo task
stands in for category 3 (images) in the quick mock exam, which runs
offline on generated data: `linear`, `shapes`, `synthetic_series`.

A timed session is the exam as a learner sits it: `start_session` writes
the five category starters into a folder (`<folder>/<task>/<task>.py`, the
layout of `zoo.starters`) and notes the time; `submit_session` grades what
the folder holds, against the 5-hour limit. Whatever fails for one task
(no solution, a wrong data file, a model that breaks) scores it 0 with the
reason; the others are graded and the report is written all the same.

Example:
>>> result = run_exam(QUICK_EXAM, out_dir="reports/exam")
>>> result.total, result.passed
(100.0, True)
"""

import dataclasses
import datetime
import json
import random
import time
from pathlib import Path
from typing import Optional

from zoo import starters

PASS_MARK = 90
EXAM_HOURS = 5
FULL_EXAM = ("linear", "fashion_mnist", "horses_or_humans", "sarcasm", "sunspots")
QUICK_EXAM = ("linear", "shapes", "synthetic_series")
SESSION_FILE = "exam_session.json"


@dataclasses.dataclass
class ExamResult:
    """The outcome of a mock exam.

    Args:
        rows: one dict per task (task, category, weight, score, points, ...).
        total: points out of 100.
        passed: whether `total` reaches `PASS_MARK`.
        index: path of the HTML report.
        timing: for a timed session, `{"used", "limit", "over"}` in words
            (see `Session.timing`); None otherwise.
    """

    rows: list
    total: float
    passed: bool
    index: Path
    timing: Optional[dict] = None

    def scoreboard(self):
        """Returns the scoreboard as text for the terminal."""
        lines = []
        if self.timing:
            lines.append(f"time used: {self.timing['used']} of {self.timing['limit']}")
        lines.append(f"{'task':<24} {'cat':>4} {'metric':>14} {'value':>10} {'score':>6} "
                     f"{'points':>7}")
        for row in self.rows:
            value = f"{row['value']:.4g}" if row.get("value") is not None else "-"
            lines.append(f"{row['task']:<24} {row['category']!s:>4} "
                         f"{row.get('metric', '-'):>14} {value:>10} {row['score']:>4}/5 "
                         f"{row['points']:>7.1f}")
            if row.get("graded"):
                note = f" ({row['note']})" if row.get("note") else ""
                label = "solution" if row.get("error") else "graded"
                lines.append(f"    {label}: {row['graded']}{note}")
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


@dataclasses.dataclass
class Solution:
    """What the finder picked for a task, and why.

    Args:
        path: a `.py`, a saved model file, or a SavedModel folder.
        note: why this file and not another beside it, or "".
    """

    path: Path
    note: str = ""


def find_solution(directory, name):
    """Finds a learner's solution for a task in a folder.

    Looks first in `<directory>/<name>/`, where `zoo practice` and `zoo exam
    start` put the starter: the saved models `mymodel.h5` and
    `mymodel.keras` (the newer of the two) and the starter `<name>.py`.
    Then in `<directory>` itself: `<name>.keras` or `<name>.h5`, `<name>.py`,
    and a SavedModel folder `<name>/` (or its latest integer version).

    A saved model newer than the `.py` beside it is graded as it is (the
    `.py` has not changed since it was trained); a `.py` changed after the
    model was saved is run again. The note says which, and why.

    Args:
        directory: the learner's folder.
        name: the task's name.

    Returns:
        A `Solution`, or None when there is none.
    """
    directory = Path(directory)
    folder = starters.task_folder(directory, name)
    found = _newer([folder / model for model in starters.MODEL_FILES],
                   starters.starter_path(directory, name))
    if found is None:
        found = _newer([directory / f"{name}.keras", directory / f"{name}.h5"],
                       directory / f"{name}.py")
    if found is not None:
        return found
    if (folder / "saved_model.pb").exists():
        return Solution(folder)
    from zoo.export import latest_version_dir, list_versions

    return Solution(latest_version_dir(folder)) if list_versions(folder) else None


def _newer(models, script):
    models = [path for path in models if path.is_file()]
    model = max(models, key=lambda path: path.stat().st_mtime) if models else None
    if not script.is_file():
        return Solution(model) if model else None
    if model is None:
        return Solution(script)
    if model.stat().st_mtime >= script.stat().st_mtime:
        return Solution(model, f"saved after {script.name} last changed, so "
                               f"{script.name} was not run again")
    return Solution(script, f"{script.name} changed after {model.name} was saved, so it "
                            "was run again")


def starter_data(task, folder):
    """The copy of a task's data that its starter downloaded, if there is one.

    A file task's starter downloads beside itself (`sarcasm.json`, or the
    folder a zip extracts to); a tfds task's uses tensorflow-datasets' own
    folder (`$TFDS_DATA_DIR`, else `~/tensorflow_datasets`).

    Args:
        task: the `Task`.
        folder: the task's folder, `<session>/<task>/`.

    Returns:
        A `Path` to pass as the task's data, or None.
    """
    import os

    source = task.source
    if source.kind == "url":
        name = source.name.removesuffix(".zip") if source.extract else source.name
        path = Path(folder) / name
        return path if path.exists() else None
    if source.kind == "tfds":
        root = Path(os.environ.get("TFDS_DATA_DIR", Path.home() / "tensorflow_datasets"))
        return root if (root / source.name).is_dir() else None
    return None


def run_exam(names, out_dir, solutions=None, data=None, models_dir="saved_models",
             epochs=None, time_limit=30 * 60, timing=None):
    """Runs a mock exam and writes its report.

    Without `solutions`, each task's reference solution is trained, exported,
    and graded from its export. With `solutions`, the learner's files are
    graded instead (see `find_solution`). A task that cannot be graded (no
    solution, data that cannot be had or read, a model that fails) scores 0
    with the reason; the rest of the exam goes on.

    Args:
        names: task names, one per category.
        out_dir: folder of the HTML report.
        solutions: optional folder of the learner's solutions.
        data: optional dict `{task: local data path}`.
        models_dir: root of the reference exports.
        epochs: optional epoch limit for every reference training.
        time_limit: seconds allowed to each learner `.py`.
        timing: optional time facts of a session (`Session.timing`).

    Returns:
        An `ExamResult`.

    Raises:
        KeyError: for an unknown task name, before anything runs.
    """
    from zoo import report
    from zoo.tasks import get_task

    tasks = [get_task(name) for name in names]
    rows = []
    for task in tasks:
        row = {"task": task.name, "category": str(task.category), "summary": task.summary,
               "weight": task.category.weight, "score": 0, "metric": task.metric}
        try:
            if solutions is None:
                _grade_reference(task, row, (data or {}).get(task.name), models_dir, epochs)
            else:
                _grade_learner(task, row, Path(solutions), (data or {}).get(task.name),
                               Path(out_dir) / task.name, time_limit)
        except Exception as error:  # noqa: BLE001  one task's failure never ends the exam
            row["error"] = _reason(error)
        rows.append(row)
    total = add_points(rows)
    passed = total >= PASS_MARK
    index = report.write_index(rows, out_dir, total, passed, session=timing)
    return ExamResult(rows, total, passed, index, timing)


def _reason(error):
    from zoo.data import DataUnavailableError
    from zoo.grading import GradingError

    if isinstance(error, (GradingError, DataUnavailableError, FileNotFoundError)):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _grade_reference(task, row, data, models_dir, epochs):
    from zoo.training import train_task

    result = train_task(task, data=data, epochs=epochs, models_dir=models_dir)
    row.update(result.grade.facts(), pictures=result.pictures,
               graded=str(result.version_dir), train_seconds=result.card.get("train_seconds"))


def _grade_learner(task, row, solutions, data, picture_dir, time_limit):
    from zoo import report
    from zoo.grading import GradingError, grade
    from zoo.solution import read_record, run_solution_file

    found = find_solution(solutions, task.name)
    if found is None:
        raise GradingError(
            f"no solution for {task.name} in {solutions}: expected "
            f"{starters.starter_path(solutions, task.name)} or the mymodel.h5 it saves "
            f"beside it (or {task.name}.py, .keras, .h5 or a SavedModel in {solutions}).")
    row["graded"], row["note"] = str(found.path), found.note
    data = data or starter_data(task, starters.task_folder(solutions, task.name))
    splits = task.load(data)
    path = found.path
    if path.suffix == ".py":
        path = run_solution_file(path, time_limit=time_limit, data=data)
        row["graded"] = str(path)
        row["note"] = found.note or f"trained by running {found.path.name}"
    record = read_record(path)
    history = (record or {}).get("history") or None
    if record is not None:
        row["train_seconds"] = record.get("seconds")
    if record is not None and not history:
        row["curves_note"] = "none: solution_model() never called model.fit."
    elif not history:
        row["curves_note"] = ("none: a model saved by its own script carries no history. "
                              "When zoo runs the .py (it is newer than the model, or "
                              f"`zoo grade {task.name} {task.name}.py`), it records them.")
    result = grade(task, path, splits=splits)
    row.update(result.facts(), examples=report.text_examples(task, splits, result))
    if found.path.suffix == ".py":
        row["hints"] = _todo_hints(found.path) + row["hints"]
    picture_dir.mkdir(parents=True, exist_ok=True)
    try:
        row["pictures"] = report.write_pictures(task, None, history, splits, result,
                                                picture_dir)
    except Exception as error:  # noqa: BLE001  a grade stands without its pictures
        row["warnings"] = [f"pictures not drawn: {type(error).__name__}: {error}"]


def _todo_hints(script):
    # A starter graded with its TODOs left is the commonest surprising 0/5.
    left = [number for number, line in enumerate(
        script.read_text(encoding="utf-8").splitlines(), start=1)
        if line.strip().startswith("# TODO")]
    if not left:
        return []
    return [f"{script.name} still has {len(left)} TODO comment(s) (line "
            f"{', '.join(map(str, left))}): it was graded as it stands."]


@dataclasses.dataclass
class Session:
    """A timed mock exam in a folder: its tasks and when it started.

    Args:
        folder: the session's folder.
        tasks: the task names, one per category.
        started: the start, in seconds since the epoch.
        hours: the time limit.
        seed: the seed of a random draw of tasks, or None for the exam's set.
    """

    folder: Path
    tasks: list
    started: float
    hours: float = EXAM_HOURS
    seed: Optional[int] = None

    @classmethod
    def load(cls, folder):
        """Reads the session of `folder`.

        Raises:
            FileNotFoundError: when the folder holds no session, saying how
                to start one.
        """
        path = Path(folder) / SESSION_FILE
        if not path.is_file():
            raise FileNotFoundError(f"{folder} holds no exam session ({SESSION_FILE}). "
                                    f"Start one with: zoo exam start {folder}")
        facts = json.loads(path.read_text(encoding="utf-8"))
        return cls(Path(folder), list(facts["tasks"]), float(facts["started"]),
                   float(facts.get("hours", EXAM_HOURS)), facts.get("seed"))

    def save(self):
        """Writes the session's facts to `<folder>/exam_session.json`."""
        started = datetime.datetime.fromtimestamp(self.started).astimezone()
        facts = {"tasks": self.tasks, "started": self.started,
                 "started_at": started.isoformat(timespec="seconds"), "hours": self.hours,
                 "seed": self.seed}
        (self.folder / SESSION_FILE).write_text(json.dumps(facts, indent=2) + "\n",
                                                encoding="utf-8")

    def deadline(self):
        """Returns the end of the time limit as a local `datetime`."""
        return datetime.datetime.fromtimestamp(self.started + self.hours * 3600).astimezone()

    def timing(self, now=None):
        """The time used so far against the limit, in words.

        Args:
            now: seconds since the epoch; the present when None.

        Returns:
            `{"used": ..., "limit": ..., "over": bool, "seconds": float}`,
            e.g. used `"1 h 12 min"` and limit `"5 h (3 h 48 min left)"`.
        """
        from zoo.report import describe_duration

        used = (time.time() if now is None else now) - self.started
        limit = self.hours * 3600
        left = limit - used
        hours = f"{self.hours:g} h"
        state = (f"{hours} ({describe_duration(left)} left)" if left >= 0 else
                 f"{hours}: {describe_duration(-left)} over the limit")
        return {"used": describe_duration(used), "limit": state, "over": left < 0,
                "seconds": round(used, 1)}


def draw_tasks(seed):
    """Draws one exam task per category from the tasks with a starter.

    Args:
        seed: an int; the same seed draws the same tasks.

    Returns:
        A list of five task names, categories 1 to 5.

    Example:
    >>> draw_tasks(3) == draw_tasks(3)
    True
    """
    from zoo.tasks import get_task

    pool = {}
    for name in starters.names():
        pool.setdefault(str(get_task(name).category), []).append(name)
    generator = random.Random(seed)
    return [generator.choice(sorted(pool[str(k)])) for k in range(1, 6)]


def start_session(folder, tasks=FULL_EXAM, seed=None, overwrite=False, now=None):
    """Starts a timed mock exam: writes each task's starter and notes the time.

    Args:
        folder: the session's folder; created if missing.
        tasks: the task names (each must have an exam starter).
        seed: the seed the tasks were drawn with, to note, or None.
        overwrite: whether to replace an existing session and its starters.
        now: the start in seconds since the epoch; the present when None.

    Returns:
        The `Session`.

    Raises:
        FileExistsError: when the folder already holds a session or one of
            the starters, and `overwrite` is False.
        KeyError: for a task without an exam starter.
    """
    folder = Path(folder)
    sources = {name: starters.source(name) for name in tasks}
    if not overwrite:
        taken = [folder / SESSION_FILE] if (folder / SESSION_FILE).exists() else []
        taken += [p for p in (starters.starter_path(folder, n) for n in tasks) if p.exists()]
        if taken:
            raise FileExistsError(
                f"{taken[0]} exists: {folder} already holds an exam. Submit it with "
                f"`zoo exam submit {folder}`, or pass --force to start again (your "
                "files there are overwritten).")
    for name, text in sources.items():
        path = starters.starter_path(folder, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    session = Session(folder, list(tasks), time.time() if now is None else now, seed=seed)
    session.save()
    return session


def submit_session(folder, data=None, out_dir=None, time_limit=30 * 60, now=None):
    """Grades what a session's folder holds and writes its report.

    The time used is taken when the submission starts, before any grading.

    Args:
        folder: the session's folder.
        data: optional dict `{task: local data path}`.
        out_dir: the report's folder; `<folder>/report` when None.
        time_limit: seconds allowed to each `.py` that has to run.
        now: the submission time in seconds since the epoch; the present
            when None.

    Returns:
        An `ExamResult` with the session's timing.

    Raises:
        FileNotFoundError: when the folder holds no session.
    """
    session = Session.load(folder)
    timing = session.timing(now)
    return run_exam(session.tasks, Path(out_dir) if out_dir else Path(folder) / "report",
                    solutions=folder, data=data, time_limit=time_limit, timing=timing)
