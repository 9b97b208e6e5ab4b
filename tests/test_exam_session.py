"""A timed mock exam in a folder: `zoo exam start`, the learner's files, `zoo exam submit`;
and `zoo grade` of a `.py`, which keeps the trained model and no temporary folder."""

import contextlib
import html
import io
import os
import re
import runpy
import shutil
import tempfile
import time

import keras
import pytest
from message_helpers import assert_says
from tasks_helpers import write_sarcasm, write_sunspots

from zoo.cli import main
from zoo.data import sha256
from zoo.exam import starters
from zoo.exam.session import (
    FULL_EXAM,
    POOLS,
    SESSION_FILE,
    Session,
    draw_tasks,
    find_solution,
    run_exam,
    start_session,
)
from zoo.grading import solution
from zoo.grading.solution import read_record, write_record
from zoo.tasks import get_task

LINEAR_FIT = (
    "    model.compile(optimizer='sgd', loss='mean_squared_error')\n"
    "    model.fit(xs, ys, epochs={epochs}, verbose=0)\n"
)
SUNSPOTS_LAYERS = (
    "        tf.keras.layers.Flatten(), tf.keras.layers.Dense(8, activation='relu'),\n"
)
SUNSPOTS_FIT = (
    "    model.compile(optimizer='adam', loss='huber')\n"
    "    model.fit(train_data, validation_data=valid_data, epochs=1, verbose=0)\n"
)


def fill(path, layers, training):
    """Replaces a starter's two TODO comment blocks in place."""
    lines = path.read_text().splitlines(keepends=True)
    todo = [i for i, line in enumerate(lines) if line.lstrip().startswith("# TODO")]
    assert len(todo) == 2
    blocks = []
    for start in todo:
        end = start + 1
        while lines[end].lstrip().startswith("#") and "TODO" not in lines[end]:
            end += 1
        blocks.append((start, end))
    (a, b), (c, d) = blocks
    path.write_text("".join(lines[:a] + [layers] + lines[b:c] + [training] + lines[d:]))


def age(path, seconds):
    """Moves a file's modification time `seconds` into the past."""
    stamp = path.stat().st_mtime - seconds
    os.utime(path, (stamp, stamp))


def test_start_writes_the_exams_five_starters_and_the_clock(tmp_path, capsys):
    folder = tmp_path / "exam"
    before = time.time()
    assert main(["exam", "start", str(folder)]) == 0
    out = capsys.readouterr().out
    session = Session.load(folder)
    assert session.tasks == list(FULL_EXAM) and session.hours == 5 and session.seed is None
    assert before <= session.started <= time.time()
    for name in FULL_EXAM:
        path = folder / name / f"{name}.py"
        assert path.read_text() == starters.source(name)
        assert f"  {path}\n" in out
    assert_says(out, "5 questions", str(folder), "5 hours", f"zoo exam submit {folder}\n")
    # A second start would wipe the learner's work: refused unless forced.
    assert main(["exam", "start", str(folder)]) == 1
    assert capsys.readouterr().err == (
        f"{folder / SESSION_FILE} exists: {folder} already holds an exam. Submit it with "
        f"`zoo exam submit {folder}`, or pass --force to start again (your files there are "
        "overwritten).\n"
    )
    assert main(["exam", "start", str(folder), "--force", "--tasks", "iris,sunspots"]) == 0
    assert Session.load(folder).tasks == ["iris", "sunspots"]


def test_random_start_draws_one_task_per_category_seeded(tmp_path, capsys):
    draws = {seed: draw_tasks(seed) for seed in range(12)}
    for names in draws.values():
        assert [str(get_task(n).category) for n in names] == ["1", "2", "3", "4", "5"]
    assert draw_tasks(5) == draws[5]
    assert len({tuple(names) for names in draws.values()}) > 3
    assert main(["exam", "start", str(tmp_path / "a"), "--random", "--seed", "5"]) == 0
    assert_says(capsys.readouterr().out, "seed 5", "--random --seed 5")
    session = Session.load(tmp_path / "a")
    assert session.tasks == draws[5] and session.seed == 5
    assert all((tmp_path / "a" / n / f"{n}.py").is_file() for n in draws[5])


def test_the_default_pool_is_2020_2021_and_2022_2024_draws_from_its_own(tmp_path, capsys):
    # The 2020–2021 pool draws exactly as before the last versions' tasks came.
    old = {name for seed in range(40) for name in draw_tasks(seed)}
    assert old == set(POOLS["2020"]) and not old & {"cifar10", "us_diesel", "beans"}
    drawn = {seed: draw_tasks(seed, "2022") for seed in range(40)}
    for names in drawn.values():
        assert [str(get_task(n).category) for n in names] == ["1", "2", "3", "4", "5"]
    assert {name for names in drawn.values() for name in names} == set(POOLS["2022"])
    assert (
        main(["exam", "start", str(tmp_path / "a"), "--random", "--pool", "2022", "--seed", "3"])
        == 0
    )
    assert (
        "tasks drawn from the 2022–2024 pool with seed 3 (--random --pool 2022 --seed 3 "
        "draws them again)"
    ) in capsys.readouterr().out
    assert Session.load(tmp_path / "a").tasks == drawn[3]


def test_the_november_2022_sitting_and_the_2022_pools_own_set(tmp_path, capsys):
    sitting = ["linear", "cifar10", "cats_vs_dogs_224", "bbc_news", "us_diesel"]
    assert main(["exam", "start", str(tmp_path / "a"), "--sitting", "2022-11"]) == 0
    assert_says(capsys.readouterr().out, "2022-11 sitting")
    assert Session.load(tmp_path / "a").tasks == sitting
    for name in sitting:
        assert (tmp_path / "a" / name / f"{name}.py").read_text() == starters.source(name)
    # Without --random, the 2022–2024 pool's set is that sitting's.
    assert main(["exam", "start", str(tmp_path / "b"), "--pool", "2022"]) == 0
    assert Session.load(tmp_path / "b").tasks == sitting


@pytest.mark.parametrize(
    "options, named",
    [
        (["--sitting", "2022-11", "--random"], "--sitting and --random"),
        (["--tasks", "linear", "--pool", "2022"], "--tasks and --pool"),
        (["--sitting", "2022-11", "--pool", "2022"], "--sitting and --pool"),
    ],
)
def test_options_that_each_choose_the_questions_are_refused_together(
    options, named, tmp_path, capsys
):
    assert main(["exam", "start", str(tmp_path / "a"), *options]) == 2
    assert capsys.readouterr().err == (
        f"zoo exam start: {named} each choose the questions: give one (--pool goes with "
        "--random, or alone for the pool's set).\n"
    )
    assert not (tmp_path / "a").exists()


def test_an_unknown_pool_or_sitting_names_the_known_ones(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_code:
        main(["exam", "start", str(tmp_path), "--sitting", "2023-05"])
    assert exit_code.value.code == 2
    err = capsys.readouterr().err  # Python versions differ in quoting the choices
    assert_says(err, "--sitting", "'2023-05'")
    assert "2022-11" in err.splitlines()[-1]
    with pytest.raises(KeyError) as unknown:
        draw_tasks(0, "2019")
    assert_says(str(unknown.value), "'2019'", "2020 (2020–2021)", "2022 (2022–2024)")


def test_submit_without_a_session_says_how_to_start_one(tmp_path, capsys):
    assert main(["exam", "submit", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"{tmp_path} holds no exam session ({SESSION_FILE}). Start one with: zoo exam start "
        f"{tmp_path}\n"
    )
    assert main(["exam", "start"]) == 2
    assert_says(capsys.readouterr().err, "needs a folder", "zoo exam start DIR")


def test_the_finder_goes_by_content_not_by_file_times(tmp_path):
    folder = tmp_path / "sarcasm"
    folder.mkdir()
    script, model = folder / "sarcasm.py", folder / "mymodel.h5"
    script.write_text("# the starter\n")
    model.write_bytes(b"a model")
    write_record(model, "sarcasm.py", sha256(script), None, 1.0, {})
    # Made from the .py as it is now: graded as it is, however old the model looks.
    age(model, 600)
    found = find_solution(tmp_path, "sarcasm")
    assert (found.path, found.script) == (model, script)
    assert found.note == (
        "made from sarcasm.py as it is now (the same content), so sarcasm.py was not run again"
    )
    # A changed .py is run again, however new the model looks.
    script.write_text("# the starter, filled in\n")
    age(script, 1200)
    found = find_solution(tmp_path, "sarcasm")
    assert found.path == script
    assert_says(found.note, "sarcasm.py changed", "mymodel.h5", "run again")
    # A record that names another model's content is not this model's.
    model.write_bytes(b"saved again by hand")
    assert read_record(model) is None
    found = find_solution(tmp_path, "sarcasm")
    assert found.path == model and found.note.startswith(
        "nothing records which sarcasm.py made mymodel.h5; it was saved after sarcasm.py"
    )
    # What a session noted at an earlier grade counts like a record.
    age(model, 2400)
    assert find_solution(tmp_path, "sarcasm").path == script
    noted = {"model": "mymodel.h5", "model_sha256": sha256(model), "source_sha256": sha256(script)}
    assert find_solution(tmp_path, "sarcasm", noted).path == model
    # Of two saved models the newer counts; one without a .py is simply graded.
    (folder / "mymodel.keras").write_bytes(b"newer")
    script.unlink()
    assert find_solution(tmp_path, "sarcasm").path == folder / "mymodel.keras"
    assert find_solution(tmp_path, "sarcasm").note == ""
    assert find_solution(tmp_path, "sunspots") is None


@pytest.fixture(scope="module")
def data_files(tmp_path_factory):
    """The exam's files for sarcasm and sunspots, under their own names."""
    root = tmp_path_factory.mktemp("data")
    return {
        "sarcasm": write_sarcasm(root / "sarcasm.json", records=20100),
        "sunspots": write_sunspots(root / "Sunspots.csv"),
    }


@pytest.fixture(scope="module")
def submitted(tmp_path_factory, data_files):
    """A session started two hours ago, three questions answered three ways, submitted.

    Returns:
        `(folder, exit code, temporary folder, (before, after) the submit,
        what it printed)`.
    """
    root = tmp_path_factory.mktemp("session")
    folder = root / "exam"
    start_session(folder, ["linear", "sarcasm", "sunspots"], now=time.time() - 2 * 3600)
    # sunspots: filled and run as a script by the learner (here, in this
    # process, from another folder) with ZOO_DATA; the starter's __main__
    # block saves mymodel.h5 and its record beside it.
    fill(folder / "sunspots" / "sunspots.py", SUNSPOTS_LAYERS, SUNSPOTS_FIT)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("ZOO_DATA", str(data_files["sunspots"]))
        runpy.run_path(str(folder / "sunspots" / "sunspots.py"), run_name="__main__")
    # sarcasm: the starter left as it was, beside a model saved later by hand.
    model = keras.Sequential([keras.Input((120,)), keras.layers.Dense(1, activation="sigmoid")])
    model.save(folder / "sarcasm" / "mymodel.h5")
    # linear: filled, never run: the grader runs it.
    fill(folder / "linear" / "linear.py", "", LINEAR_FIT.format(epochs=5))
    temporary = root / "tmp"
    temporary.mkdir()
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setattr(tempfile, "tempdir", str(temporary))
        before = time.time()
        # sarcasm.json names its task: no TASK= needed; sunspots' data is in its record.
        code = main(["exam", "submit", str(folder), "--data", str(data_files["sarcasm"])])
    return folder, code, temporary, (before, time.time()), printed.getvalue()


def scoreboard_values(printed):
    """`{task: value}` from a printed scoreboard."""
    rows = [line.split() for line in printed.splitlines() if not line.startswith(" ")]
    return {row[0]: row[-3] for row in rows if len(row) >= 6 and row[-2].endswith("/5")}


@pytest.mark.slow
def test_submit_grades_each_file_the_right_way(submitted, data_files):
    folder, code, temporary, _, _ = submitted
    report = html.unescape((folder / "report" / "index.html").read_text())
    assert code == 1  # far from a pass
    sunspots = folder / "sunspots" / "mymodel.h5"
    assert (
        f"<dt>graded</dt><dd>{sunspots} (made from sunspots.py as it is now (the same "
        "content), so sunspots.py was not run again)"
    ) in report
    assert f"<dt>data</dt><dd>{data_files['sunspots']} (ZOO_DATA when sunspots.py ran)" in report
    assert (
        f"{folder / 'sarcasm' / 'mymodel.h5'} (nothing records which sarcasm.py made "
        "mymodel.h5; it was saved after sarcasm.py last changed" in report
    )
    assert f"<dt>data</dt><dd>{data_files['sarcasm']} (given with --data)" in report
    # The grader ran linear.py: its model and record stay beside it, nothing in tmp.
    model = folder / "linear" / "mymodel.keras"
    assert f"{model} (made by running linear.py)" in report
    record = read_record(model)
    assert record["source"] == "linear.py" and record["seconds"] > 0
    assert record["source_sha256"] == sha256(folder / "linear" / "linear.py")
    assert len(record["history"]["loss"]) == 5
    assert list(temporary.iterdir()) == []
    # Curves for the file the learner ran, and for the one the grader ran.
    for name in ("linear", "sunspots"):
        assert (folder / "report" / name / "training_curves.png").is_file()
    assert "trained in " in report and "graded in " in report


@pytest.mark.slow
def test_the_terminal_prints_what_the_report_says(submitted):
    folder, printed = submitted[0], submitted[4]
    report = html.unescape(re.sub(r"<[^>]+>", " ", (folder / "report" / "index.html").read_text()))
    report = " ".join(report.split())
    facts = [line.strip() for line in printed.splitlines() if line.startswith("    ")]
    assert any(fact.startswith("95% interval: ") for fact in facts)
    assert any(fact.startswith("convention: exam: ") and "Why: " in fact for fact in facts)
    assert any(fact.startswith("hint: sarcasm.py still has 2 TODO comment(s)") for fact in facts)
    for fact in facts:
        name, _, text = " ".join(fact.split()).partition(": ")
        # A note reads "hint: ..." on the page too; a fact is a term and its description.
        assert f"{name}: {text}" in report or f"{name} {text}" in report, fact


@pytest.mark.slow
def test_the_session_notes_the_data_and_the_graded_models(submitted, data_files):
    folder = submitted[0]
    session = Session.load(folder)
    assert session.data == {name: str(path.resolve()) for name, path in data_files.items()}
    sarcasm = folder / "sarcasm"
    assert session.graded["sarcasm"] == {
        "model": "mymodel.h5",
        "model_sha256": sha256(sarcasm / "mymodel.h5"),
        "source_sha256": sha256(sarcasm / "sarcasm.py"),
    }
    assert session.graded["linear"]["model"] == "mymodel.keras"


@pytest.mark.slow
def test_a_copied_session_with_touched_files_is_graded_without_running_anything(
    submitted, tmp_path, monkeypatch, capsys
):
    folder, printed = submitted[0], submitted[4]
    copy = tmp_path / "copy"
    # As `cp -r` does: the same content, new file times (copyfile keeps no times).
    shutil.copytree(
        folder, copy, copy_function=shutil.copyfile, ignore=shutil.ignore_patterns("report")
    )
    for name in ("linear", "sarcasm", "sunspots"):
        (copy / name / f"{name}.py").touch()

    def no_run(*args, **kwargs):
        raise AssertionError("a .py was run again")

    monkeypatch.setattr(solution, "run_solution_file", no_run)
    capsys.readouterr()
    assert main(["exam", "submit", str(copy)]) == 1  # no --data: the session has it
    out = capsys.readouterr().out
    assert "was run again" not in out and "not graded" not in out
    for name in ("linear", "sarcasm", "sunspots"):
        assert f"{name}.py was not run again" in out
    assert_says(out, "earlier submit")
    assert scoreboard_values(out) == scoreboard_values(printed)
    assert len(scoreboard_values(out)) == 3


@pytest.mark.slow
def test_submit_shows_time_used_against_the_five_hours(submitted):
    folder, _, _, (before, after), _ = submitted
    report = (folder / "report" / "index.html").read_text()
    started = Session.load(folder).started
    # The clock is read as the submission starts, somewhere between these two times.
    possible = [Session(folder, [], started).timing(now) for now in (before, after)]
    shown = [f"Time used: <strong>{t['used']}</strong> of {t['limit']}</p>" for t in possible]
    assert possible[0]["used"].startswith("2 h 0") and not possible[0]["over"]
    assert any(text in report for text in shown), shown


def test_a_session_past_five_hours_says_by_how_much(tmp_path):
    session = Session(tmp_path, ["linear"], started=1000.0)
    assert session.timing(now=1000.0 + 5 * 3600 + 25 * 60) == {
        "used": "5 h 25 min",
        "limit": "5 h: 25 min over the limit",
        "over": True,
        "seconds": 19500.0,
    }
    assert session.timing(now=1000.0 + 42)["limit"] == "5 h (4 h 59 min left)"


@pytest.mark.slow
def test_zoo_grade_of_a_py_says_where_the_model_went_and_leaves_no_temporary_folder(
    tmp_path, capsys, monkeypatch
):
    assert main(["practice", "linear", "--out", str(tmp_path)]) == 0
    script = tmp_path / "linear" / "linear.py"
    fill(script, "", LINEAR_FIT.format(epochs=3))
    capsys.readouterr()
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    assert main(["grade", "linear", str(script)]) == 0
    out = capsys.readouterr().out
    model = tmp_path / "linear" / "mymodel.keras"
    assert out.startswith(f"trained model saved to {model}\nlinear: mse = ")
    assert model.is_file() and list(temporary.iterdir()) == []
    assert len(read_record(model)["history"]["loss"]) == 3


@pytest.mark.slow
def test_a_broken_file_and_an_untrained_model_are_said_so_in_terminal_and_report(tmp_path):
    folder = tmp_path / "exam"
    script = starters.starter_path(folder, "linear")
    script.parent.mkdir(parents=True)
    text = starters.source("linear")
    broken = text.replace("    return model\n", "    return model(\n", 1)
    line = broken.splitlines().index("    return model(") + 1
    script.write_text(broken)
    result = run_exam(["linear"], folder / "report", solutions=folder)
    error = f"{script} failed at line {line} (`return model(`): SyntaxError: '(' was never closed"
    assert f"    not graded: {error}" in result.scoreboard().splitlines()
    assert error in html.unescape(result.index.read_text())
    # The starter as handed out: it runs, but nothing in it trains the model.
    script.write_text(text)
    result = run_exam(["linear"], folder / "report", solutions=folder)
    (row,) = result.rows
    assert row["note"] == "made by running linear.py" and "error" not in row
    assert row["curves_note"] == (
        "none: solution_model() in linear.py never called fit, so the model is untrained."
    )
    assert "trained by" not in result.scoreboard()
