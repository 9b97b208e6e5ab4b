"""`benchmarks/quality.py`: the course's notebook models beside the references, on small data."""

import contextlib
import io
import shlex
import statistics
import sys
from pathlib import Path

import numpy as np
import pytest

from tasks_helpers import (write_bbc, write_cats_and_dogs, write_sarcasm, write_sunspots,
                           write_temperatures)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import course_models  # noqa: E402
import quality  # noqa: E402

SEEDS = (0, 1)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    # The folder the zip was extracted into: it holds cats_and_dogs_filtered/ alone.
    write_cats_and_dogs(folder / "unzipped", per_class=4)
    return {"sunspots": write_sunspots(folder / "Sunspots.csv"),
            "cats_vs_dogs": folder / "unzipped"}


@pytest.fixture(scope="module")
def benchmark(data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("benchmark")
    argv = ["--data", str(data["sunspots"]), "--data", str(data["cats_vs_dogs"]),
            "--seeds", ",".join(map(str, SEEDS)), "--epochs", "1",
            "--models-dir", str(folder / "models")]
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.chdir(folder)  # the reference's training writes runs/ here
        summaries = quality.main(argv)
    return argv, summaries, printed.getvalue()


def test_every_task_and_seed_trains_both_models_and_grades_the_course_one_as_a_learners(
        benchmark):
    argv, summaries, _ = benchmark
    models = Path(argv[argv.index("--models-dir") + 1])
    assert [s.task for s in summaries] == ["sunspots", "cats_vs_dogs"]
    for summary in summaries:
        assert [r.seed for r in summary.course] == [r.seed for r in summary.ours] == [0, 1]
        for run in summary.course:
            # The exam's .h5, and the grader chose the exam starter's convention itself.
            assert run.grade.artifact == "Keras model from mymodel.h5"
            assert (models / "course" / run.task / f"seed{run.seed}" / "mymodel.h5").is_file()
            assert run.convention == "exam"
        assert {r.convention for r in summary.ours} == {"raw"}
    sunspots = summaries[0].course[0].grade
    assert sunspots.metric == "normalised mae"
    assert sunspots.score == min(5, int(np.ceil(17 - 100 * sunspots.value)))


def test_values_are_compared_in_the_tasks_own_metric(benchmark, data):
    _, summaries, _ = benchmark
    for summary in summaries:
        for run in summary.ours:  # graded raw: the grade is already in the task's metric
            assert (run.value, run.low, run.high) == pytest.approx(
                (run.grade.value, run.grade.confidence.low, run.grade.confidence.high),
                rel=1e-9)
            assert run.low <= run.value <= run.high
    # The exam's MAE is on (series − min) / max; back in sunspot numbers it is max times it.
    series = np.loadtxt(data["sunspots"], delimiter=",", skiprows=1, usecols=2)
    for run in summaries[0].course:
        assert run.value == pytest.approx(run.grade.value * series.max(), rel=1e-6)
        assert run.low == pytest.approx(run.grade.confidence.low * series.max(), rel=1e-6)
    for run in summaries[1].course:
        assert run.value == run.grade.value


def test_the_printed_table_is_the_runs_means_spreads_and_ratios(benchmark):
    argv, summaries, printed = benchmark
    lines = printed.splitlines()
    assert lines[0] == f"$ python benchmarks/quality.py {shlex.join(argv)}"
    assert lines[1].startswith("device: CPU") or lines[1].startswith("device: GPU")
    for summary, lower_is_better in zip(summaries, (True, False), strict=True):
        mean = {m: statistics.mean(r.value for r in getattr(summary, m))
                for m in ("course", "ours")}
        seconds = {m: statistics.mean(r.seconds for r in getattr(summary, m))
                   for m in ("course", "ours")}
        ratio = mean["course"] / mean["ours"] if lower_is_better else mean["ours"] / mean["course"]
        assert summary.value_ratio == pytest.approx(ratio)
        assert summary.time_ratio == pytest.approx(seconds["ours"] / seconds["course"])
        row = next(line for line in lines if line.startswith(f"| `{summary.task}` | ours |"))
        cells = [cell.strip() for cell in row.split("|")[1:-1]]
        values = [r.value for r in summary.ours]
        assert cells[4] == f"{mean['ours']:.4g}"
        assert cells[5] == f"{min(values):.4g}–{max(values):.4g}"
        assert cells[8] == ", ".join(f"{r.low:.4g}–{r.high:.4g}" for r in summary.ours)
        assert cells[10] == f"{ratio:.3f} ({'course/ours' if lower_is_better else 'ours/course'})"
        assert cells[11] == f"{seconds['ours'] / seconds['course']:.2f}"
        for run in summary.course + summary.ours:
            assert run.describe() in lines


def test_the_same_seed_trains_the_same_course_model(benchmark, data, tmp_path):
    from zoo.grading import grade
    from zoo.tasks import get_task

    _, summaries, _ = benchmark
    task = get_task("cats_vs_dogs")
    splits, _ = course_models.train_course_model(task, data["cats_vs_dogs"], 0,
                                                 tmp_path / "mymodel.h5", epochs=1)
    again = grade(task, tmp_path / "mymodel.h5", splits)
    first, other_seed = summaries[1].course
    assert np.array_equal(again.predictions, first.grade.predictions)
    assert not np.array_equal(other_seed.grade.predictions, first.grade.predictions)


def test_the_sarcasm_course_model_learns_on_the_starters_ids(tmp_path):
    from zoo.grading import grade
    from zoo.tasks import get_task

    task = get_task("sarcasm")
    path = write_sarcasm(tmp_path / "sarcasm.json")
    assert quality.task_for(str(path)) == (task, str(path))
    splits, _ = course_models.train_course_model(task, path, 0, tmp_path / "mymodel.h5",
                                                 epochs=1)
    result = grade(task, tmp_path / "mymodel.h5", splits)
    assert result.convention.convention.name == "exam"
    # The written headlines' first word tells the label: one epoch learns it.
    assert quality.in_task_units(task, result, splits)[0] == result.value > 0.95


def test_the_temperatures_course_model_is_the_sunspots_notebooks_on_64_days(tmp_path):
    from zoo.tasks import get_task

    task = get_task("daily_min_temperatures")
    path = write_temperatures(tmp_path / "Daily-Min-Temperatures.csv")
    assert quality.task_for(str(path)) == (task, str(path))
    model = course_models.train_forecaster(task, task.load(path), epochs=0)
    assert model.input_shape == (None, 64, 1)
    assert model.output_shape == (None, 1)
    assert [layer.__class__.__name__ for layer in model.layers] == [
        "Conv1D", "LSTM", "LSTM", "Dense", "Dense", "Dense"]


def test_the_bbc_course_model_takes_the_starters_ids_without_stop_words(tmp_path):
    from zoo.tasks import get_task

    task = get_task("bbc_news")
    path = write_bbc(tmp_path / "bbc-text.csv")
    splits = task.load(path)
    model = course_models.train_text_classifier(task, splits, epochs=1)
    assert model.input_shape == (None, 120)
    assert model.output_shape == (None, 6)
    assert [layer.__class__.__name__ for layer in model.layers] == [
        "Embedding", "GlobalAveragePooling1D", "Dense", "Dense"]
    ids = task.exam.encode(splits, ["the sport story"])
    assert ids[0, 0] == task.exam.tokenizer(splits).word_index["sport"]  # "the" removed


def test_a_folder_in_the_zips_layout_is_recognised_and_its_parent_too(data):
    extracted = data["cats_vs_dogs"] / "cats_and_dogs_filtered"
    for folder in (extracted, data["cats_vs_dogs"]):
        assert quality.task_for(str(folder))[0].name == "cats_vs_dogs"
    task, path = quality.task_for(f"daily_min_temperatures={data['sunspots']}")
    assert (task.name, path) == ("daily_min_temperatures", str(data["sunspots"]))
    with pytest.raises(SystemExit, match=r"^--data sunspot=x: Unknown task 'sunspot'"):
        quality.task_for("sunspot=x")


def test_a_path_no_task_reads_is_refused_with_the_fix(tmp_path):
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(SystemExit) as raised:
        quality.main(["--data", str(tmp_path / "notes.txt")])
    assert str(raised.value) == (
        f"--data {tmp_path / 'notes.txt'} matches no task: it is neither a file a task "
        "reads (bbc-text.csv, sarcasm.json, daily-min-temperatures.csv, Sunspots.csv) nor a "
        "folder in a zip's layout (train/ and validation/ with a folder per class, or the "
        "folder holding them). Name the task: --data TASK=PATH.")
    with pytest.raises(SystemExit) as raised:
        quality.main(["--data", str(tmp_path / "missing.csv")])
    assert str(raised.value) == f"--data {tmp_path / 'missing.csv'}: no such file or folder."


def test_a_task_without_a_course_model_is_refused(tmp_path):
    with pytest.raises(SystemExit) as raised:
        quality.main(["--data", f"linear={tmp_path}"])
    assert str(raised.value) == (
        "linear: no course model to compare with; course models exist for bbc_news, "
        "cats_vs_dogs, daily_min_temperatures, sarcasm, sunspots.")
