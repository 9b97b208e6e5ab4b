"""`benchmarks/quality.py`: the course's model and the reference, side by side, on small data."""

import statistics
import sys
from pathlib import Path

import numpy as np
import pytest
from tasks_helpers import write_cats_and_dogs

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import quality  # noqa: E402


def write_sunspots(folder, rows=3100):
    """A `Sunspots.csv` of a noisy cycle, long enough for the split at 3000."""
    rng = np.random.default_rng(0)
    months = np.arange(rows)
    values = 80 + 60 * np.sin(2 * np.pi * months / 132) + rng.normal(0, 5, rows)
    path = Path(folder) / "Sunspots.csv"
    path.write_text(
        ",Date,Monthly Mean Total Sunspot Number\n"
        + "".join(f"{i},1749-01-31,{v:.1f}\n" for i, v in zip(months, values)),
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    images = write_cats_and_dogs(folder)  # the zip's layout: train/ and validation/
    series = write_sunspots(folder)
    return quality.main(
        [
            "--data",
            str(series),
            "--data",
            str(images),
            "--seeds",
            "0,0",
            "--epochs",
            "1",
            "--models-dir",
            str(folder / "models"),
        ]
    )


@pytest.mark.slow
def test_every_task_seed_and_model_is_trained_and_graded(runs):
    assert [(r.task, r.model, r.seed) for r in runs] == [
        ("sunspots", "course", 0),
        ("sunspots", "ours", 0),
        ("sunspots", "course", 0),
        ("sunspots", "ours", 0),
        ("cats_vs_dogs", "course", 0),
        ("cats_vs_dogs", "ours", 0),
        ("cats_vs_dogs", "course", 0),
        ("cats_vs_dogs", "ours", 0),
    ]
    conventions = {(r.task, r.model): r.convention for r in runs}
    assert conventions == {
        ("sunspots", "course"): "raw",
        ("sunspots", "ours"): "raw",
        ("cats_vs_dogs", "course"): "exam",
        ("cats_vs_dogs", "ours"): "raw",
    }
    for run in runs:
        assert run.low <= run.value <= run.high and run.seconds > 0


@pytest.mark.slow
def test_the_same_seed_trains_the_same_course_model(runs):
    course = [r.value for r in runs if r.model == "course" and r.task == "sunspots"]
    assert course[0] == course[1]


@pytest.mark.slow
def test_the_summary_rows_are_the_runs_means_and_ratios(runs):
    table = quality.summary(runs).splitlines()
    for task, lower_is_better in (("sunspots", True), ("cats_vs_dogs", False)):
        mean = {
            model: statistics.mean(r.value for r in runs if r.task == task and r.model == model)
            for model in ("course", "ours")
        }
        seconds = {
            model: statistics.mean(r.seconds for r in runs if r.task == task and r.model == model)
            for model in ("course", "ours")
        }
        value_ratio = (
            mean["course"] / mean["ours"] if lower_is_better else mean["ours"] / mean["course"]
        )
        ours = next(line for line in table if line.startswith(f"| `{task}` | ours |"))
        cells = [cell.strip() for cell in ours.split("|")[1:-1]]
        assert cells[2] == f"{mean['ours']:.4g}"
        assert cells[7] == f"{value_ratio:.3f}"
        assert cells[8] == f"{seconds['ours'] / seconds['course']:.2f}"


def test_a_path_no_task_reads_is_refused_with_the_fix(tmp_path):
    with pytest.raises(SystemExit) as raised:
        quality.main(["--data", str(tmp_path / "notes.txt")])
    assert str(raised.value) == (
        f"--data {tmp_path / 'notes.txt'}: no task reads a file named notes.txt or a folder "
        "with train/ inside; write TASK=PATH."
    )


def test_a_task_without_a_course_model_is_refused(tmp_path):
    with pytest.raises(SystemExit) as raised:
        quality.main(["--data", f"linear={tmp_path}"])
    assert str(raised.value) == (
        "linear: no course model to compare with; course models "
        "exist for cats_vs_dogs, sarcasm, sunspots."
    )
