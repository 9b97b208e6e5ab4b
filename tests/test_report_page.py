"""The learner's report page: its facts, and how headless Chromium shows it at desktop
and phone widths (every picture decoded, nothing wider than a phone's screen)."""

import contextlib
import doctest
import importlib
import io
import re
import shutil
from html import escape, unescape
from pathlib import Path

import keras
import numpy as np
import pytest
from browser import assert_readable, look_at, needs_chromium, png_size
from tasks_helpers import data_for

from zoo.exam.session import Session, run_exam
from zoo.grading.solution import write_record
from zoo.report import page as report_page
from zoo.report import task_figures
from zoo.report.misclassified import EXAMPLES, misclassified
from zoo.report.scoreboard import work_order
from zoo.task import Splits

TASKS = ["linear", "fashion_mnist", "cats_vs_dogs", "sarcasm", "sunspots"]


def off_line():
    """y = 2.01x − 1: close to the rule, off by a little more far out."""
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.layers[0].set_weights([np.array([[2.01]]), np.array([-1.0])])
    return model


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """A session's report: a graded model per category but one, each kind of picture."""
    root = tmp_path_factory.mktemp("page")
    folder = root / "exam"
    for name in TASKS:
        (folder / name).mkdir(parents=True)
    data = {name: data_for(name, root) for name in ("cats_vs_dogs", "sarcasm", "sunspots")}
    off_line().save(folder / "linear" / "mymodel.h5")
    images = keras.Sequential(
        [
            keras.Input((150, 150, 3)),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    images.save(folder / "cats_vs_dogs" / "mymodel.h5")
    text = keras.Sequential(
        [
            keras.Input((120,)),
            keras.layers.Embedding(1000, 4),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    text.save(folder / "sarcasm" / "mymodel.h5")
    series = keras.Sequential([keras.Input((30, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    series.compile("adam", "mae")
    windows = np.random.default_rng(0).random((64, 30, 1)).astype("float32")
    history = series.fit(
        windows, windows[:, -1], validation_split=0.25, epochs=3, verbose=0
    ).history
    model_path = folder / "sunspots" / "mymodel.keras"
    series.save(model_path)
    write_record(model_path, "sunspots.py", "0" * 64, None, 12.5, history)
    timing = Session(folder, TASKS, started=0.0).timing(now=3 * 3600 + 7 * 60)
    result = run_exam(TASKS, folder / "report", solutions=folder, data=data, timing=timing)
    return result


@pytest.mark.slow
def test_the_top_says_the_total_the_time_and_what_to_work_on_first(page):
    html = page.index.read_text()
    rows = {row["task"]: row for row in page.rows}
    assert "Time used: <strong>3 h 07 min</strong> of 5 h (1 h 53 min left)" in html
    # Every task but linear below 5/5; the next mark of sunspots (weight 5) is worth most.
    order = [row["task"] for row in work_order(page.rows)]
    assert order[0] == "sunspots" and order == sorted(order, key=lambda name: -rows[name]["weight"])
    focus = html[html.index('<div id="focus"') : html.index('<p id="images-status"')]
    assert focus.index(">sunspots<") < focus.index(">sarcasm<") < focus.index(">cats_vs_dogs<")
    up, metric = rows["sunspots"]["marks"]["up"], rows["sunspots"]["metric"]
    assert (
        escape(
            f"{up['marks']}/5 at {metric} {up['side']}: {up['distance']:.4g} away, "
            f"worth {100 * 5 / 5 / 15:.1f} points."
        )
        in focus
    )
    assert "fashion_mnist</a>: not graded, so 0/5" in focus


@pytest.mark.slow
def test_each_section_has_what_a_learner_needs(page):
    html = page.index.read_text()
    rows = {row["task"]: row for row in page.rows}
    section = {name: html[html.index(f'<section id="{name}"') :] for name in TASKS}
    linear = rows["linear"]
    low, high = linear["confidence"]["interval"]
    assert f"<dt>95% interval</dt><dd>{low:.4g} to {high:.4g} (17 held-out examples)" in html
    assert "<dt>score distribution</dt>" in section["linear"]
    assert f"<dt>graded</dt><dd>{rows['linear']['graded']}</dd>" in html
    assert rows["linear"]["graded"].endswith("exam/linear/mymodel.h5")
    assert "<dt>time</dt><dd>graded in " in section["linear"]
    assert "<dt>time</dt><dd>trained in 12 s, graded in " in section["sunspots"]
    pictures = {
        row["task"]: sorted(Path(p).name for p in row.get("pictures", [])) for row in page.rows
    }
    assert pictures == {
        "linear": ["fit.png"],
        "fashion_mnist": [],
        "cats_vs_dogs": ["confusion_matrix.png"],
        "sarcasm": ["confusion_matrix.png"],
        "sunspots": ["forecast.png", "training_curves.png"],
    }
    # Headlines the model got wrong, with their labels, in a table.
    examples = rows["sarcasm"]["examples"]
    assert 1 <= len(examples) <= EXAMPLES
    assert all(e["true"] != e["predicted"] for e in examples)
    first = examples[0]
    assert (
        f"<td>{first['true']} → {first['predicted']} "
        f"({escape(report_page._sure(first['confidence']))})"
        f"</td><td>{escape(first['text'])}</td>"
    ) in html
    # Images the model got wrong: each a thumbnail over its caption in text.
    images = rows["cats_vs_dogs"]["image_examples"]
    assert 1 <= len(images) <= 6 and all(e["true"] != e["predicted"] for e in images)
    for number, image in enumerate(images, start=1):
        assert Path(image["picture"]).name == f"misclassified_{number}.png"
        shown = page.index.parent / "cats_vs_dogs" / f"misclassified_{number}.png"
        assert png_size(shown) == (150, 150)
        assert (
            f"<figcaption>true: {image['true']}<br>predicted: {image['predicted']} "
            f"({escape(report_page._sure(image['confidence']))})</figcaption>"
        ) in html
    assert '<p class="error">not graded: no solution for fashion_mnist in ' in html


@pytest.mark.slow
def test_a_copied_report_folder_holds_everything_its_page_shows(page, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(page.index.parent, copy)
    html = (copy / "index.html").read_text()
    # The stylesheets and the script are in the page; nothing is linked from elsewhere.
    assert "<link" not in html and "<script src" not in html
    ids = set(re.findall(r'id="([^"]+)"', html))
    targets = [unescape(t) for t in re.findall(r'(?:src|href)="([^"]+)"', html)]
    assert len(targets) > 10
    for target in targets:
        if target.startswith("#"):
            assert target[1:] in ids, target
        else:
            assert not Path(target).is_absolute() and (copy / target).is_file(), target


def test_shares_that_round_to_0_or_100_percent_are_written_as_text(tmp_path):
    row = {
        "task": "sarcasm",
        "category": "4",
        "weight": 4,
        "score": 4,
        "points": 20.0,
        "metric": "accuracy",
        "value": 0.9,
        "held_out": 1000,
        "confidence": {
            "interval": [0.88, 0.92],
            "level": 0.95,
            "resamples": 1000,
            "shares": {"4": 0.999, "5": 0.001},
        },
        "examples": [{"text": "t", "true": "real", "predicted": "sarcastic", "confidence": 0.9999}],
    }
    html = report_page.write_index([row], tmp_path, total=20.0, passed=False).read_text()
    assert '<span class="share">&gt;99%</span>' in html
    assert '<span class="share">&lt;1%</span>' in html
    assert "<td>real → sarcastic (&gt;99% sure)</td>" in html


def test_misclassified_examples_are_the_most_confident_mistakes_first():
    splits = Splits(None, None, (np.arange(6), np.array([0, 0, 1, 1, 2, 2])), "test")
    predictions = np.array(
        [
            [0.9, 0.05, 0.05],
            [0.2, 0.7, 0.1],
            [0.1, 0.8, 0.1],
            [0.1, 0.1, 0.8],
            [0.4, 0.3, 0.3],
            [0.1, 0.1, 0.8],
        ]
    )
    assert misclassified(splits, predictions) == [(3, 1, 2, 0.8), (1, 0, 1, 0.7), (4, 2, 0, 0.4)]
    assert misclassified(splits, predictions, count=1) == [(3, 1, 2, 0.8)]


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("width", [1280, 390])
def test_chromium_shows_every_picture_and_nothing_wider_than_the_screen(page, width, tmp_path):
    screenshot = tmp_path / f"report-{width}.png"
    facts = look_at(page.index, width, tmp_path / "profile", screenshot)
    pictures = sum(
        len(row.get("pictures", [])) + len(row.get("image_examples", [])) for row in page.rows
    )
    assert facts["status"] == f"pictures shown: {pictures} of {pictures}" and pictures > 6
    assert_readable(facts, width)
    assert min(facts["text"]) >= 14  # pixels: body text stays easy to read on a phone
    assert png_size(screenshot) == (width, 2400) and screenshot.stat().st_size > 50_000


def test_a_loss_falling_over_decades_is_drawn_on_a_log_axis(tmp_path, monkeypatch):
    scales, png_figure = [], task_figures.png_figure

    @contextlib.contextmanager
    def keep_scales(*args, **kwargs):
        with png_figure(*args, **kwargs) as figure:
            yield figure
            scales.extend(axis.get_yscale() for axis in figure.axes)

    monkeypatch.setattr(task_figures, "png_figure", keep_scales)
    # An MSE that reaches 0.0 exactly (the linear task's), and an error that falls 10 times.
    task_figures.plot_history(
        {"loss": [36.5, 5.8, 0.9, 0.0], "mae": [5.0, 2.0, 1.0, 0.5]}, tmp_path / "curves.png"
    )
    assert scales == ["log", "linear"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "path",
    [
        "zoo.report.misclassified",
        "zoo.report.scoreboard",
        "zoo.report.template",
        "zoo.report.canvas",
        "zoo.report.lab_figures",
        "zoo.report.model_figures",
        "zoo.report.task_figures.spans_decades",
        "zoo.report.task_figures.plot_history",
        "zoo.report.task_figures.plot_confusion",
        "zoo.report.task_figures.plot_feature_forecasts",
        "zoo.exam.session.draw_tasks",
        "zoo.exam.session.sitting_tasks",
        "zoo.exam.starters",
    ],
)
def test_docstring_examples_print_what_they_show(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that draw write their pictures here
    try:  # a whole module
        module, name = importlib.import_module(path), None
    except ModuleNotFoundError:  # one function of a module
        module_name, _, name = path.rpartition(".")
        module = importlib.import_module(module_name)
    target = getattr(module, name) if name else module
    runner = doctest.DocTestRunner(verbose=False)
    out = io.StringIO()
    for test in doctest.DocTestFinder().find(target, name or path, globs=vars(module).copy()):
        runner.run(test, out=out.write)
    assert out.getvalue() == ""
    assert runner.summarize(verbose=False).attempted > 0
