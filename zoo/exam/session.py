"""The mock exam: one task per category, a scoreboard out of 100, an HTML report, a timed session.

Each task weighs its `Category.weight`: category k weighs k (1 to 5, 15 in
all), so category 5 is worth a third of the total:
`points = 100 × Σ weight × score / 5 / Σ weight`; 90 passes. A zoo task
stands in for category 3 (images) in the quick mock exam, which runs
offline on generated data: `linear`, `shapes`, `synthetic_series`.

A timed session is the exam as a learner sits it: `start_session` writes
the five category starters into a folder (`<folder>/<task>/<task>.py`, the
layout of `zoo.exam.starters`) and notes the time; `submit_session` grades what
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
import os
import random
import time
from pathlib import Path

from zoo.exam import starters

PASS_MARK = 90
EXAM_HOURS = 5
FULL_EXAM = ("linear", "fashion_mnist", "horses_or_humans", "sarcasm", "sunspots")
QUICK_EXAM = ("linear", "shapes", "synthetic_series")
SESSION_FILE = "exam_session.json"
# The exam's question pools, by the year they began: the tasks public
# exam-style material shows in each period. 2020–2021 is the pool the zoo
# began with; 2022–2024 holds the last versions' questions and those of the
# one public sitting of the period, November 2022.
POOLS = {
    "2020": (
        "linear",
        "fashion_mnist",
        "iris",
        "mnist",
        "cats_vs_dogs",
        "horses_or_humans",
        "rock_paper_scissors",
        "bbc_news",
        "imdb_reviews",
        "sarcasm",
        "daily_min_temperatures",
        "sunspots",
    ),
    "2022": (
        "linear",
        "cifar10",
        "beans",
        "cats_vs_dogs_224",
        "german_traffic_signs",
        "hurricane_damage",
        "bbc_news",
        "household_power",
        "us_diesel",
    ),
}
POOL_YEARS = {"2020": "2020–2021", "2022": "2022–2024"}
DEFAULT_POOL = "2020"
# Whole sittings that public material shows, question 1 to 5.
SITTINGS = {"2022-11": ("linear", "cifar10", "cats_vs_dogs_224", "bbc_news", "us_diesel")}
# Each pool's own five questions, when none are drawn.
POOL_EXAMS = {"2020": FULL_EXAM, "2022": SITTINGS["2022-11"]}


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
    timing: dict | None = None

    def scoreboard(self):
        """Returns the scoreboard as text for the terminal.

        Under each task's line come the facts its section of the report
        holds (`zoo.report.scoreboard.task_facts`): what went wrong, the value and its
        interval, the next mark, the graded file and the data, the
        convention and why, the training curves.
        """
        from zoo.report.scoreboard import task_facts

        lines = []
        if self.timing:
            lines.append(f"time used: {self.timing['used']} of {self.timing['limit']}")
        lines.append(
            f"{'task':<24} {'cat':>4} {'metric':>14} {'value':>10} {'score':>6} {'points':>7}"
        )
        for row in self.rows:
            value = f"{row['value']:.4g}" if row.get("value") is not None else "-"
            lines.append(
                f"{row['task']:<24} {row['category']!s:>4} "
                f"{row.get('metric', '-'):>14} {value:>10} {row['score']:>4}/5 "
                f"{row['points']:>7.1f}"
            )
            lines += [f"    {name}: {text}" for name, text in task_facts(row, self.rows)]
        lines.append(
            f"total: {self.total:.1f} / 100 -> {'PASS' if self.passed else 'FAIL'}"
            f" (pass mark {PASS_MARK})"
        )
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
        script: the `.py` beside a saved model, or None.
    """

    path: Path
    note: str = ""
    script: Path | None = None


def find_solution(directory, name, graded=None):
    """Finds a learner's solution for a task in a folder.

    Looks first in `<directory>/<name>/`, where `zoo practice` and `zoo exam
    start` put the starter: the saved models `mymodel.h5` and
    `mymodel.keras`, and the starter `<name>.py`. Then in `<directory>`
    itself: `<name>.keras` or `<name>.h5`, `<name>.py`, and a SavedModel
    folder `<name>/` (or its latest integer version).

    Which of a saved model and its `.py` is graded goes by content, not by
    file times: a model made from the `.py` as it is now (its record, or
    the session's note of an earlier grade, names the `.py`'s SHA-256) is
    graded as it is; a `.py` changed since is run again. Only a model
    nothing records falls back on the file times. The note says which,
    and why.

    Args:
        directory: the learner's folder.
        name: the task's name.
        graded: optional dict the session noted when it last graded this
            task (`model`, `model_sha256`, `source_sha256`).

    Returns:
        A `Solution`, or None when there is none.
    """
    directory = Path(directory)
    folder = starters.task_folder(directory, name)
    found = _choose(
        [folder / model for model in starters.MODEL_FILES],
        starters.starter_path(directory, name),
        graded,
    )
    if found is None:
        found = _choose(
            [directory / f"{name}.keras", directory / f"{name}.h5"],
            directory / f"{name}.py",
            graded,
        )
    if found is not None:
        return found
    if (folder / "saved_model.pb").exists():
        return Solution(folder)
    from zoo.export import latest_version_dir, list_versions

    return Solution(latest_version_dir(folder)) if list_versions(folder) else None


def made_from(model, graded=None):
    """The SHA-256 of the `.py` a saved model was made from, if anything records it.

    Args:
        model: a saved model file.
        graded: optional dict the session noted at an earlier grade.

    Returns:
        The hex digest, or None.
    """
    from zoo.data import sha256
    from zoo.grading.solution import read_record

    record = read_record(model)
    if record is not None:
        return record.get("source_sha256")
    if graded and graded.get("model") == model.name and graded.get("model_sha256") == sha256(model):
        return graded.get("source_sha256")
    return None


def _choose(models, script, graded):
    from zoo.data import sha256

    models = [path for path in models if path.is_file()]
    newest = max(models, key=lambda path: path.stat().st_mtime) if models else None
    if not script.is_file():
        return Solution(newest) if newest else None
    if newest is None:
        return Solution(script)
    source = sha256(script)
    sources = {model: made_from(model, graded) for model in models}
    same = [model for model in models if sources[model] == source]
    if same:
        model = max(same, key=lambda path: path.stat().st_mtime)
        return Solution(
            model,
            f"made from {script.name} as it is now (the same content), "
            f"so {script.name} was not run again",
            script,
        )
    known = [model for model in models if sources[model] is not None]
    if known:
        return Solution(
            script,
            f"{script.name} changed since {known[0].name} was made from it, so it was run again",
        )
    unknown = f"nothing records which {script.name} made {newest.name}"
    if newest.stat().st_mtime >= script.stat().st_mtime:
        return Solution(
            newest,
            f"{unknown}; it was saved after {script.name} last changed, "
            f"so {script.name} was not run again",
            script,
        )
    return Solution(
        script, f"{unknown}; {script.name} changed after it was saved, so it was run again"
    )


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
    from zoo.data import find_copy

    if task.source.kind == "tfds":
        folder = Path(os.environ.get("TFDS_DATA_DIR", Path.home() / "tensorflow_datasets"))
    return find_copy(task.source, folder)


def run_exam(
    names,
    out_dir,
    solutions=None,
    data=None,
    models_dir="saved_models",
    epochs=None,
    time_limit=30 * 60,
    timing=None,
    session=None,
):
    """Runs a mock exam and writes its report.

    Without `solutions`, each task's reference solution is trained, exported,
    and graded from its export. With `solutions`, the learner's files are
    graded instead (see `find_solution`). A task that cannot be graded (no
    solution, data that cannot be had or read, a model that fails) scores 0
    with the reason; the rest of the exam goes on.

    A learner's task is graded on the first local copy of its data among:
    `data`, the data its model's record names (`ZOO_DATA` when its `.py`
    ran), the data the session noted at an earlier submit, and the copy its
    starter downloaded beside itself; else the data is downloaded.

    Args:
        names: task names, one per category.
        out_dir: folder of the HTML report.
        solutions: optional folder of the learner's solutions.
        data: optional dict `{task: local data path}`.
        models_dir: root of the reference exports.
        epochs: optional epoch limit for every reference training.
        time_limit: seconds allowed to each learner `.py`.
        timing: optional time facts of a session (`Session.timing`).
        session: optional `Session` of `solutions`: what it noted at
            earlier submits is used, and what this one finds (the data, the
            models graded and the `.py` they came from) is noted in it.

    Returns:
        An `ExamResult`.

    Raises:
        KeyError: for an unknown task name, before anything runs.
    """
    from zoo.report.page import write_index
    from zoo.tasks import get_task

    tasks = [get_task(name) for name in names]
    rows = []
    for task in tasks:
        row = {
            "task": task.name,
            "category": str(task.category),
            "summary": task.summary,
            "weight": task.category.weight,
            "score": 0,
            "metric": task.metric,
        }
        try:
            if solutions is None:
                _grade_reference(task, row, (data or {}).get(task.name), models_dir, epochs)
            else:
                _grade_learner(
                    task,
                    row,
                    Path(solutions),
                    (data or {}).get(task.name),
                    Path(out_dir) / task.name,
                    time_limit,
                    session,
                )
        except Exception as error:  # noqa: BLE001  one task's failure never ends the exam
            row["error"] = _reason(error)
        rows.append(row)
    total = add_points(rows)
    passed = total >= PASS_MARK
    index = write_index(rows, out_dir, total, passed, session=timing)
    return ExamResult(rows, total, passed, index, timing)


def _reason(error):
    from zoo.data import DataUnavailableError
    from zoo.grading.grade import GradingError

    if isinstance(error, (GradingError, DataUnavailableError, FileNotFoundError)):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _grade_reference(task, row, data, models_dir, epochs):
    from zoo.training.reference import train_task

    result = train_task(task, data=data, epochs=epochs, models_dir=models_dir)
    row.update(
        result.grade.facts(),
        pictures=result.pictures,
        image_examples=result.image_examples,
        graded=str(result.version_dir),
        train_seconds=result.card.get("train_seconds"),
    )


def task_data(task, folder, given=None, record=None, noted=None):
    """The local copy of a task's data to grade a learner's solution on, and where it came from.

    Args:
        task: the `Task`.
        folder: the task's folder in the learner's folder.
        given: the path given with `--data` at this submit, or None.
        record: the record of the model to grade (`zoo.grading.solution.read_record`),
            or None.
        noted: the path a session noted at an earlier submit, or None.

    Returns:
        `(path, origin)`: the path (None to download) and where it came from,
        in words; `(None, None)` for generated data.
    """
    if task.source.kind == "generated":
        return None, None
    if given is not None:
        return Path(given), "given with --data"
    if record and record.get("data") and Path(record["data"]).exists():
        return Path(record["data"]), f"ZOO_DATA when {record.get('source', 'the .py')} ran"
    if noted and Path(noted).exists():
        return Path(noted), "used at an earlier submit of this session"
    beside = starter_data(task, folder)
    if beside is not None:
        return beside, "the copy the starter downloaded"
    return None, "downloaded"


def _grade_learner(task, row, solutions, data, picture_dir, time_limit, session):
    from zoo.data import sha256
    from zoo.grading.grade import GradingError, grade
    from zoo.grading.solution import read_record, run_solution_file
    from zoo.report.misclassified import text_examples
    from zoo.report.task_figures import image_examples, write_pictures

    noted = session.graded.get(task.name) if session else None
    found = find_solution(solutions, task.name, noted)
    if found is None:
        raise GradingError(
            f"no solution for {task.name} in {solutions}: expected "
            f"{starters.starter_path(solutions, task.name)} or the mymodel.h5 it saves "
            f"beside it (or {task.name}.py, .keras, .h5 or a SavedModel in {solutions})."
        )
    row["graded"], row["note"] = str(found.path), found.note
    path, script = found.path, found.script
    record = read_record(path) if path.is_file() else None
    data, origin = task_data(
        task,
        starters.task_folder(solutions, task.name),
        data,
        record,
        session.data.get(task.name) if session else None,
    )
    if origin is not None:
        row["data"] = f"{data} ({origin})" if data is not None else origin
    splits = task.load(data)
    if session is not None and data is not None:
        session.data[task.name] = str(data.resolve())
    if path.suffix == ".py":
        script, path = path, run_solution_file(path, time_limit=time_limit, data=data)
        record = read_record(path)
        row["graded"] = str(path)
        row["note"] = found.note or f"made by running {script.name}"
    history = (record or {}).get("history") or None
    if record is not None:
        row["train_seconds"] = record.get("seconds")
    if record is not None and not history:
        row["curves_note"] = (
            f"none: solution_model() in {record.get('source', 'the .py')} "
            "never called fit, so the model is untrained."
        )
    elif not history:
        row["curves_note"] = (
            "none: nothing recorded the model's training. Running the "
            "starter (python FILE) records it beside mymodel.h5, and so "
            "does zoo when it runs the .py."
        )
    result = grade(task, path, splits=splits)
    row.update(result.facts(), examples=text_examples(task, splits, result))
    if script is not None:
        row["hints"] = _todo_hints(script) + row["hints"]
        if session is not None and path.is_file():
            session.graded[task.name] = {
                "model": path.name,
                "model_sha256": sha256(path),
                "source_sha256": (record or {}).get("source_sha256") or sha256(script),
            }
    picture_dir.mkdir(parents=True, exist_ok=True)
    try:
        row["pictures"] = write_pictures(task, None, history, splits, result, picture_dir)
        row["image_examples"] = image_examples(task, splits, result, picture_dir)
    except Exception as error:  # noqa: BLE001  a grade stands without its pictures
        row["warnings"] = [f"pictures not drawn: {type(error).__name__}: {error}"]


def _todo_hints(script):
    # A starter graded with its TODOs left is the commonest surprising 0/5.
    left = [
        number
        for number, line in enumerate(script.read_text(encoding="utf-8").splitlines(), start=1)
        if line.strip().startswith("# TODO")
    ]
    if not left:
        return []
    return [
        f"{script.name} still has {len(left)} TODO comment(s) (line "
        f"{', '.join(map(str, left))}): it was graded as it stands."
    ]


@dataclasses.dataclass
class Session:
    """A timed mock exam in a folder: its tasks and when it started.

    Args:
        folder: the session's folder.
        tasks: the task names, one per category.
        started: the start, in seconds since the epoch.
        hours: the time limit.
        seed: the seed of a random draw of tasks, or None for the exam's set.
        data: `{task: path}`, the local copy of each task's data a submit
            used, reused by the next submit.
        graded: `{task: {"model", "model_sha256", "source_sha256"}}`: the
            model each submit graded and the SHA-256 of the `.py` it came
            from, so an unchanged `.py` is not run again (see
            `find_solution`).
    """

    folder: Path
    tasks: list
    started: float
    hours: float = EXAM_HOURS
    seed: int | None = None
    data: dict = dataclasses.field(default_factory=dict)
    graded: dict = dataclasses.field(default_factory=dict)

    @classmethod
    def load(cls, folder):
        """Reads the session of `folder`.

        Raises:
            FileNotFoundError: when the folder holds no session, saying how
                to start one.
        """
        path = Path(folder) / SESSION_FILE
        if not path.is_file():
            raise FileNotFoundError(
                f"{folder} holds no exam session ({SESSION_FILE}). "
                f"Start one with: zoo exam start {folder}"
            )
        facts = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            Path(folder),
            list(facts["tasks"]),
            float(facts["started"]),
            float(facts.get("hours", EXAM_HOURS)),
            facts.get("seed"),
            dict(facts.get("data", {})),
            dict(facts.get("graded", {})),
        )

    def save(self):
        """Writes the session's facts to `<folder>/exam_session.json`."""
        started = datetime.datetime.fromtimestamp(self.started).astimezone()
        facts = {
            "tasks": self.tasks,
            "started": self.started,
            "started_at": started.isoformat(timespec="seconds"),
            "hours": self.hours,
            "seed": self.seed,
            "data": self.data,
            "graded": self.graded,
        }
        (self.folder / SESSION_FILE).write_text(
            json.dumps(facts, indent=2) + "\n", encoding="utf-8"
        )

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
        from zoo.report.scoreboard import describe_duration

        used = (time.time() if now is None else now) - self.started
        limit = self.hours * 3600
        left = limit - used
        hours = f"{self.hours:g} h"
        state = (
            f"{hours} ({describe_duration(left)} left)"
            if left >= 0
            else f"{hours}: {describe_duration(-left)} over the limit"
        )
        return {
            "used": describe_duration(used),
            "limit": state,
            "over": left < 0,
            "seconds": round(used, 1),
        }


def draw_tasks(seed, pool=DEFAULT_POOL):
    """Draws one exam task per category from a pool of the exam's questions.

    Args:
        seed: an int; the same seed draws the same tasks.
        pool: a key of `POOLS`: `"2020"` (2020–2021) or `"2022"` (2022–2024).

    Returns:
        A list of five task names, categories 1 to 5.

    Raises:
        KeyError: for an unknown pool, naming the known ones.

    Example:
    >>> draw_tasks(3) == draw_tasks(3)
    True
    >>> draw_tasks(3, "2022")[1]  # the 2022–2024 pool's one category-2 task
    'cifar10'
    """
    from zoo.tasks import get_task

    by_category = {}
    for name in pool_tasks(pool):
        by_category.setdefault(str(get_task(name).category), []).append(name)
    generator = random.Random(seed)
    return [generator.choice(sorted(by_category[str(k)])) for k in range(1, 6)]


def pool_tasks(pool):
    """The tasks of a pool that have an exam starter, in the exam's order.

    Args:
        pool: a key of `POOLS`.

    Returns:
        A list of task names.

    Raises:
        KeyError: for an unknown pool, naming the known ones.
    """
    if pool not in POOLS:
        raise KeyError(
            f"Unknown pool {pool!r}. The pools are "
            + ", ".join(f"{key} ({years})" for key, years in POOL_YEARS.items())
            + "."
        )
    return [name for name in starters.names() if name in POOLS[pool]]


def sitting_tasks(sitting):
    """The five questions of a sitting that public material shows.

    Args:
        sitting: a key of `SITTINGS`, e.g. `"2022-11"`.

    Returns:
        A list of five task names, categories 1 to 5.

    Raises:
        KeyError: for an unknown sitting, naming the known ones.

    Example:
    >>> sitting_tasks("2022-11")
    ['linear', 'cifar10', 'cats_vs_dogs_224', 'bbc_news', 'us_diesel']
    """
    if sitting not in SITTINGS:
        raise KeyError(f"Unknown sitting {sitting!r}. The sittings are {', '.join(SITTINGS)}.")
    return list(SITTINGS[sitting])


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
                "files there are overwritten)."
            )
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
    What the submission found (each task's data, the models graded and the
    `.py` they came from) is noted in the session for the next one.

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
    result = run_exam(
        session.tasks,
        Path(out_dir) if out_dir else Path(folder) / "report",
        solutions=folder,
        data=data,
        time_limit=time_limit,
        timing=timing,
        session=session,
    )
    session.save()
    return result
