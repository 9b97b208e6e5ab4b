"""A timed mock exam in a folder: `zoo exam start`, the learner's files, `zoo exam submit`;
and `zoo grade` of a `.py`, which keeps the trained model and no temporary folder."""

import os
import runpy
import tempfile
import time

import keras
import pytest

from tasks_helpers import write_sarcasm, write_sunspots
from zoo import starters
from zoo.cli import main
from zoo.exam import (FULL_EXAM, SESSION_FILE, Session, draw_tasks, find_solution,
                      start_session)
from zoo.solution import read_record
from zoo.tasks import get_task

LINEAR_FIT = ("    model.compile(optimizer='sgd', loss='mean_squared_error')\n"
              "    model.fit(xs, ys, epochs={epochs}, verbose=0)\n")
SUNSPOTS_LAYERS = ("        tf.keras.layers.Flatten(), "
                   "tf.keras.layers.Dense(8, activation='relu'),\n")
SUNSPOTS_FIT = ("    model.compile(optimizer='adam', loss='huber')\n"
                "    model.fit(train_data, validation_data=valid_data, epochs=1, verbose=0)\n")


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
    assert out.startswith(f"exam started: 5 questions in {folder}, 5 hours from now (until ")
    assert out.endswith(f"then, as often as you like: zoo exam submit {folder}\n")
    # A second start would wipe the learner's work: refused unless forced.
    assert main(["exam", "start", str(folder)]) == 1
    assert capsys.readouterr().err == (
        f"{folder / SESSION_FILE} exists: {folder} already holds an exam. Submit it with "
        f"`zoo exam submit {folder}`, or pass --force to start again (your files there are "
        "overwritten).\n")
    assert main(["exam", "start", str(folder), "--force", "--tasks", "iris,sunspots"]) == 0
    assert Session.load(folder).tasks == ["iris", "sunspots"]


def test_random_start_draws_one_task_per_category_seeded(tmp_path, capsys):
    draws = {seed: draw_tasks(seed) for seed in range(12)}
    for names in draws.values():
        assert [str(get_task(n).category) for n in names] == ["1", "2", "3", "4", "5"]
    assert draw_tasks(5) == draws[5]
    assert len({tuple(names) for names in draws.values()}) > 3
    assert main(["exam", "start", str(tmp_path / "a"), "--random", "--seed", "5"]) == 0
    assert "tasks drawn with seed 5 (--random --seed 5 draws them again)" in \
        capsys.readouterr().out
    session = Session.load(tmp_path / "a")
    assert session.tasks == draws[5] and session.seed == 5
    assert all((tmp_path / "a" / n / f"{n}.py").is_file() for n in draws[5])


def test_submit_without_a_session_says_how_to_start_one(tmp_path, capsys):
    assert main(["exam", "submit", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"{tmp_path} holds no exam session ({SESSION_FILE}). Start one with: zoo exam start "
        f"{tmp_path}\n")
    assert main(["exam", "start"]) == 2
    assert capsys.readouterr().err == "zoo exam start needs a folder: zoo exam start DIR\n"


def test_the_finder_takes_a_model_newer_than_its_py_and_reruns_a_changed_py(tmp_path):
    folder = tmp_path / "sarcasm"
    folder.mkdir()
    script, model = folder / "sarcasm.py", folder / "mymodel.h5"
    script.write_text("# the starter\n")
    model.write_bytes(b"a model")
    age(script, 60)
    found = find_solution(tmp_path, "sarcasm")
    assert found.path == model
    assert found.note == "saved after sarcasm.py last changed, so sarcasm.py was not run again"
    age(model, 120)
    found = find_solution(tmp_path, "sarcasm")
    assert found.path == script
    assert found.note == "sarcasm.py changed after mymodel.h5 was saved, so it was run again"
    # Of two saved models the newer counts; one without a .py is simply graded.
    (folder / "mymodel.keras").write_bytes(b"newer")
    script.unlink()
    assert find_solution(tmp_path, "sarcasm").path == folder / "mymodel.keras"
    assert find_solution(tmp_path, "sarcasm").note == ""
    assert find_solution(tmp_path, "sunspots") is None


@pytest.fixture(scope="module")
def submitted(tmp_path_factory):
    """A session started two hours ago, three questions answered three ways, submitted."""
    root = tmp_path_factory.mktemp("session")
    folder = root / "exam"
    start_session(folder, ["linear", "sarcasm", "sunspots"], now=time.time() - 2 * 3600)
    # linear: filled and run as a script (here, in this process), from another folder;
    # its __main__ block saves mymodel.h5 beside it, newer than the file.
    fill(folder / "linear" / "linear.py", "", LINEAR_FIT.format(epochs=5))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        runpy.run_path(str(folder / "linear" / "linear.py"), run_name="__main__")
    # sarcasm: the starter left as it was, beside a model saved later (the case).
    model = keras.Sequential([keras.Input((120,)), keras.layers.Dense(1, activation="sigmoid")])
    model.save(folder / "sarcasm" / "mymodel.h5")
    # sunspots: filled, never run: the grader runs it.
    fill(folder / "sunspots" / "sunspots.py", SUNSPOTS_LAYERS, SUNSPOTS_FIT)
    sarcasm = write_sarcasm(root / "sarcasm.json", records=20100)
    sunspots = write_sunspots(root / "Sunspots.csv")
    temporary = root / "tmp"
    temporary.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", str(temporary))
        before = time.time()
        code = main(["exam", "submit", str(folder), "--data", f"sarcasm={sarcasm}",
                     "--data", f"sunspots={sunspots}"])
    return folder, code, temporary, (before, time.time())


def test_submit_grades_each_file_the_right_way(submitted, capsys):
    folder, code, temporary, _ = submitted
    report = (folder / "report" / "index.html").read_text()
    assert code == 1  # far from a pass
    assert f"<dt>graded</dt><dd>{folder / 'linear' / 'mymodel.h5'} (saved after linear.py " \
           "last changed, so linear.py was not run again)" in report
    assert f"{folder / 'sarcasm' / 'mymodel.h5'} (saved after sarcasm.py last changed, so " \
           "sarcasm.py was not run again)" in report
    # The grader ran sunspots.py: its model and history stay beside it, nothing in tmp.
    model = folder / "sunspots" / "mymodel.keras"
    assert f"{model} (trained by running sunspots.py)" in report
    record = read_record(model)
    assert record["source"] == "sunspots.py" and record["seconds"] > 0
    assert len(record["history"]["loss"]) == len(record["history"]["val_loss"]) == 1
    assert list(temporary.iterdir()) == []
    assert (folder / "report" / "sunspots" / "training_curves.png").is_file()
    assert "trained in " in report and "graded in " in report


def test_submit_shows_time_used_against_the_five_hours(submitted):
    folder, _, _, (before, after) = submitted
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
        "used": "5 h 25 min", "limit": "5 h: 25 min over the limit", "over": True,
        "seconds": 19500.0}
    assert session.timing(now=1000.0 + 42)["limit"] == "5 h (4 h 59 min left)"


def test_zoo_grade_of_a_py_says_where_the_model_went_and_leaves_no_temporary_folder(
        tmp_path, capsys, monkeypatch):
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
