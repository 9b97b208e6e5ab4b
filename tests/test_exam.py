"""`zoo exam`: the quick mock exam end to end, learners' folders, and the HTML report
as a real headless Chromium renders it."""

import re
import subprocess
from pathlib import Path

import keras
import numpy as np
import pytest

from zoo.cli import main
from zoo.exam import QUICK_EXAM, run_exam
from zoo.export import read_card

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def quick_exam(tmp_path_factory):
    """The quick mock exam through the command line, two epochs per task."""
    folder = tmp_path_factory.mktemp("exam")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        code = main(["exam", "--quick", "--epochs", "2", "--out", "report",
                     "--models-dir", "models"])
    return folder, code


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


def test_learner_folder_is_graded_and_missing_files_score_zero(tmp_path):
    solutions = tmp_path / "mine"
    solutions.mkdir()
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.layers[0].set_weights([np.array([[2.0]]), np.array([-1.0])])  # exactly y = 2x − 1
    model.save(solutions / "linear.h5")
    result = run_exam(QUICK_EXAM, tmp_path / "report", solutions=solutions)
    by_task = {row["task"]: row for row in result.rows}
    assert by_task["linear"]["score"] == 5
    assert by_task["linear"]["points"] == pytest.approx(100 / 9)
    assert by_task["shapes"]["score"] == 0
    assert by_task["shapes"]["error"] == (
        f"no solution for shapes in {solutions} (shapes.py, .keras, .h5 or a SavedModel).")
    assert result.total == pytest.approx(100 / 9) and not result.passed
    assert "total: 11.1 / 100 -> FAIL (pass mark 90)" in result.scoreboard()
    page = (tmp_path / "report" / "index.html").read_text()
    assert "no solution for synthetic_series in" in page and "FAIL" in page


def chromium(*arguments, user_data_dir):
    return subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={user_data_dir}", *arguments],
        capture_output=True, text=True, timeout=120, check=True)


@pytest.mark.skipif(not CHROMIUM.exists(),
                    reason="/usr/bin/chromium is not installed (apt-get install chromium); "
                           "the HTML report is not checked in a browser")
def test_report_renders_in_headless_chromium(quick_exam, tmp_path):
    folder, code = quick_exam
    index = folder / "report" / "index.html"
    dom = chromium("--virtual-time-budget=5000", "--dump-dom", index.as_uri(),
                   user_data_dir=tmp_path / "profile").stdout
    # The page's own script counts the pictures the browser actually decoded.
    shown = re.search(r"pictures shown: (\d+) of (\d+)", dom)
    assert shown, dom[:2000]
    cards = [read_card(folder / "models" / name / "1") for name in QUICK_EXAM]
    expected = sum(len(card["pictures"]) for card in cards)
    assert int(shown.group(1)) == int(shown.group(2)) == expected >= 6
    verdict = "PASS" if code == 0 else "FAIL"
    assert f'class="{verdict}">{verdict}</strong>' in dom
    rows = re.findall(r"<tr><td>(\w+)</td>", dom)
    assert rows == list(QUICK_EXAM)

    screenshot = tmp_path / "report.png"
    chromium(f"--screenshot={screenshot}", "--window-size=1000,1400", index.as_uri(),
             user_data_dir=tmp_path / "profile")
    assert screenshot.read_bytes()[:4] == b"\x89PNG" and screenshot.stat().st_size > 20000
