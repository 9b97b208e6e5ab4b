"""The task registry and `zoo tasks`: every module declares a consistent task."""

import pytest

from zoo.cli import main
from zoo.task import CATEGORIES
from zoo.tasks import all_tasks, get_task, task_names


def test_every_exam_category_has_tasks_and_names_are_unique():
    tasks = all_tasks()
    assert len({t.name for t in tasks}) == len(tasks)
    assert {t.category for t in tasks} == set(CATEGORIES)
    assert task_names()[0] == "linear" and task_names()[-1] == "shapes"
    for task in tasks:
        assert task.input_dtype in ("uint8", "float32", "string", "int32"), task.name
        assert task.metric and task.scoring.describe(), task.name
        assert (task.measure is None) == (task.evaluate is not None), task.name


def test_lookup_accepts_hyphens_and_names_the_known_tasks():
    assert get_task("rock-paper-scissors").name == "rock_paper_scissors"
    with pytest.raises(KeyError) as error:
        get_task("_series")
    assert error.value.args[0].startswith("Unknown task '_series'. Known tasks: linear, ")
    assert error.value.args[0].endswith("Run `zoo tasks` for the table.")


def test_zoo_tasks_prints_the_table(capsys):
    assert main(["tasks"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["task", "cat", "data", "input", "→", "output", "5/5", "at"]
    assert max(len(line) for line in lines) <= 100
    table, notes = lines[: 2 + len(all_tasks())], lines[2 + len(all_tasks()) :]
    sunspots = next(line for line in table if line.startswith("sunspots "))
    assert sunspots.split()[2:] == ["Sunspots.csv", "30×1", "→", "1", "mae", "<", "16"]
    # Both of sunspots' formulas, and which models each applies to.
    note = " ".join(line.strip() for line in notes)
    assert note.startswith(
        "sunspots is scored one of two ways. A model fed the raw values: "
        "min(5, ceil(20 − MAE)), 5/5 below 16 (mae)."
    )
    assert (
        "series /= max), windows of 30: min(5, ceil(17 − 100 × MAE)), 5/5 below 0.13 "
        "(normalised mae)." in note
    )
    assert main(["tasks", "--wide"]) == 0
    wide = capsys.readouterr().out.splitlines()
    assert wide[0].split() == ["task", "cat", "data", "contract", "metric", "top", "marks"]
    sunspots = next(line for line in wide if line.startswith("sunspots "))
    assert "30×1 float32 → 1" in sunspots and sunspots.endswith("min(5, ceil(20 − MAE))")
    assert "https://storage.googleapis.com/tensorflow-1-public/course4/Sunspots.csv" in sunspots
    assert main(["tasks", "--category", "4"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()[2:]]
    assert names == ["bbc_news", "imdb_reviews", "sarcasm"]
