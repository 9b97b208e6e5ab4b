"""`zoo exam`: the quick mock exam end to end, learners' folders, and the HTML report
as a real headless Chromium renders it."""

import re
import subprocess
from pathlib import Path

import keras
import numpy as np
import pytest
from message_helpers import assert_says
from tasks_helpers import write_sarcasm

from zoo.cli import main
from zoo.exam.session import QUICK_EXAM, run_exam
from zoo.report.card import read_card

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def quick_exam(tmp_path_factory):
    """The quick mock exam through the command line, two epochs per task."""
    folder = tmp_path_factory.mktemp("exam")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        code = main(
            ["exam", "--quick", "--epochs", "2", "--out", "report", "--models-dir", "models"]
        )
    return folder, code


@pytest.mark.slow
def test_quick_exam_trains_exports_and_grades_each_task(quick_exam):
    folder, code = quick_exam
    cards = {name: read_card(folder / "models" / name / "1") for name in QUICK_EXAM}
    # The total from the exported cards alone: linear (category 1), shapes (a zoo
    # task weighing 3) and synthetic_series (category 5), 100 × Σ w·score / 5 / 9.
    weights = {"linear": 1, "shapes": 3, "synthetic_series": 5}
    total = 100 * sum(weights[n] * cards[n]["score"] for n in QUICK_EXAM) / 5 / 9
    assert code == (0 if total >= 90 else 1)
    page = (folder / "report" / "index.html").read_text()
    assert f"Total: <strong>{total:.1f}</strong> / 100" in page
    for name, card in cards.items():
        assert card["task"] == name and 0 <= card["score"] <= 5
        assert card["artifact"] == f"SavedModel {Path('models') / name / '1'}"
        for picture in card["pictures"]:
            assert (folder / "report" / name / picture).is_file()
    assert page.count("<section id=") == 3


def exact_line():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.layers[0].set_weights([np.array([[2.0]]), np.array([-1.0])])  # exactly y = 2x − 1
    return model


def test_learner_folder_is_graded_and_missing_files_score_zero(tmp_path):
    solutions = tmp_path / "mine"
    solutions.mkdir()
    exact_line().save(solutions / "linear.h5")
    result = run_exam(QUICK_EXAM, tmp_path / "report", solutions=solutions)
    by_task = {row["task"]: row for row in result.rows}
    assert by_task["linear"]["score"] == 5
    assert by_task["linear"]["points"] == pytest.approx(100 / 9)
    assert by_task["linear"]["graded"] == str(solutions / "linear.h5")
    assert by_task["shapes"]["score"] == 0
    assert_says(
        by_task["shapes"]["error"],
        f"no solution for shapes in {solutions}",
        f"{solutions}/shapes/shapes.py",
        "mymodel.h5",
        ".keras, .h5 or a SavedModel",
    )
    assert result.total == pytest.approx(100 / 9) and not result.passed
    assert_says(result.scoreboard(), "11.1 / 100", "FAIL", "pass mark 90")
    page = (tmp_path / "report" / "index.html").read_text()
    assert "no solution for synthetic_series in" in page and "FAIL" in page


def test_a_wrong_data_file_scores_zero_and_the_exam_goes_on(tmp_path):
    solutions = tmp_path / "mine"
    for name in ("linear", "sunspots", "cats_vs_dogs"):
        (solutions / name).mkdir(parents=True)
    exact_line().save(solutions / "linear" / "mymodel.h5")
    (solutions / "sunspots" / "mymodel.h5").write_bytes(b"never read")
    (solutions / "cats_vs_dogs" / "mymodel.h5").write_bytes(b"never read")
    wrong = write_sarcasm(tmp_path / "sarcasm.json", records=50)
    result = run_exam(
        ["linear", "sunspots", "cats_vs_dogs"],
        tmp_path / "report",
        solutions=solutions,
        data={"sunspots": wrong, "cats_vs_dogs": wrong},
    )
    by_task = {row["task"]: row for row in result.rows}
    assert by_task["linear"]["score"] == 5 and "error" not in by_task["linear"]
    assert by_task["sunspots"]["score"] == 0
    assert by_task["sunspots"]["error"].startswith(
        f"{wrong} is not in the format this task reads: the course's Sunspots.csv"
    )
    # Neither the zip nor the folder it extracts to: said so, with the format expected.
    assert by_task["cats_vs_dogs"]["error"].startswith(
        f"{wrong} is not in the format this task reads: a zip archive"
    )
    page = (tmp_path / "report" / "index.html").read_text()
    assert page.count('<p class="error">not graded: ') == 2
    assert f"not graded: {wrong} is not in the format" in result.scoreboard()


def test_the_reference_exam_goes_on_past_a_wrong_data_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    wrong = write_sarcasm(tmp_path / "sarcasm.json", records=50)
    code = main(
        [
            "exam",
            "--tasks",
            "linear,sunspots",
            "--data",
            f"sunspots={wrong}",
            "--epochs",
            "1",
            "--out",
            "report",
            "--models-dir",
            "models",
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert_says(out, "    not graded: ", str(wrong), "not in the format")
    assert (tmp_path / "models" / "linear" / "1" / "saved_model.pb").is_file()
    assert (tmp_path / "report" / "index.html").is_file()


def chromium(*arguments, user_data_dir):
    return subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={user_data_dir}",
            *arguments,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@pytest.mark.slow
@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is not installed (apt-get install chromium); "
    "the HTML report is not checked in a browser",
)
def test_report_renders_in_headless_chromium(quick_exam, tmp_path):
    folder, code = quick_exam
    index = folder / "report" / "index.html"
    dom = chromium(
        "--virtual-time-budget=5000",
        "--dump-dom",
        index.as_uri(),
        user_data_dir=tmp_path / "profile",
    ).stdout
    # The page's own script counts the pictures the browser actually decoded.
    shown = re.search(r"pictures shown: (\d+) of (\d+)", dom)
    assert shown, dom[:2000]
    cards = [read_card(folder / "models" / name / "1") for name in QUICK_EXAM]
    expected = sum(len(card["pictures"]) + len(card["misclassified"]) for card in cards)
    assert int(shown.group(1)) == int(shown.group(2)) == expected >= 6
    verdict = "PASS" if code == 0 else "FAIL"
    assert f'class="{verdict}">{verdict}</strong>' in dom
    rows = re.findall(r"<tr><td>(\w+)</td>", dom)
    assert rows == list(QUICK_EXAM)

    screenshot = tmp_path / "report.png"
    chromium(
        f"--screenshot={screenshot}",
        "--window-size=1000,1400",
        index.as_uri(),
        user_data_dir=tmp_path / "profile",
    )
    assert screenshot.read_bytes()[:4] == b"\x89PNG" and screenshot.stat().st_size > 20000
