"""The learner's report page: its facts, and how headless Chromium shows it at desktop
and phone widths (every picture decoded, nothing wider than a phone's screen)."""

import base64
import doctest
import importlib
import io
import json
import os
import struct
import subprocess
from html import escape
from pathlib import Path

import keras
import numpy as np
import pytest

from tasks_helpers import data_for
from zoo import report
from zoo.exam import Session, run_exam
from zoo.solution import record_path
from zoo.task import Splits

CHROMIUM = Path("/usr/bin/chromium")
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
    images = keras.Sequential([keras.Input((150, 150, 3)), keras.layers.GlobalAveragePooling2D(),
                               keras.layers.Dense(1, activation="sigmoid")])
    images.save(folder / "cats_vs_dogs" / "mymodel.h5")
    text = keras.Sequential([keras.Input((120,)), keras.layers.Embedding(1000, 4),
                             keras.layers.GlobalAveragePooling1D(),
                             keras.layers.Dense(1, activation="sigmoid")])
    text.save(folder / "sarcasm" / "mymodel.h5")
    series = keras.Sequential([keras.Input((30, 1)), keras.layers.Flatten(),
                               keras.layers.Dense(1)])
    series.compile("adam", "mae")
    windows = np.random.default_rng(0).random((64, 30, 1)).astype("float32")
    history = series.fit(windows, windows[:, -1], validation_split=0.25, epochs=3,
                         verbose=0).history
    model_path = folder / "sunspots" / "mymodel.keras"
    series.save(model_path)
    record_path(model_path).write_text(json.dumps(
        {"source": "sunspots.py", "seconds": 12.5, "history": history}))
    timing = Session(folder, TASKS, started=0.0).timing(now=3 * 3600 + 7 * 60)
    result = run_exam(TASKS, folder / "report", solutions=folder, data=data, timing=timing)
    return result


def test_the_top_says_the_total_the_time_and_what_to_work_on_first(page):
    html = page.index.read_text()
    rows = {row["task"]: row for row in page.rows}
    assert 'Time used: <strong>3 h 07 min</strong> of 5 h (1 h 53 min left)' in html
    # Every task but linear below 5/5; the next mark of sunspots (weight 5) is worth most.
    order = [row["task"] for row in report.work_order(page.rows)]
    assert order[0] == "sunspots" and order == sorted(
        order, key=lambda name: -rows[name]["weight"])
    focus = html[html.index('<div id="focus"'):html.index('<p id="images-status"')]
    assert focus.index(">sunspots<") < focus.index(">sarcasm<") < focus.index(">cats_vs_dogs<")
    up, metric = rows["sunspots"]["marks"]["up"], rows["sunspots"]["metric"]
    assert escape(f"{up['marks']}/5 at {metric} {up['side']}: {up['distance']:.4g} away, "
                  f"worth {100 * 5 / 5 / 15:.1f} points.") in focus
    assert "fashion_mnist</a>: not graded, so 0/5" in focus


def test_each_section_has_what_a_learner_needs(page):
    html = page.index.read_text()
    rows = {row["task"]: row for row in page.rows}
    section = {name: html[html.index(f'<section id="{name}"'):] for name in TASKS}
    linear = rows["linear"]
    low, high = linear["confidence"]["interval"]
    assert f"<dt>95% interval</dt><dd>{low:.4g} to {high:.4g} (17 held-out examples)" in html
    assert "<dt>score distribution</dt>" in section["linear"]
    assert f"<dt>graded</dt><dd>{rows['linear']['graded']}</dd>" in html
    assert rows["linear"]["graded"].endswith("exam/linear/mymodel.h5")
    assert "<dt>time</dt><dd>graded in " in section["linear"]
    assert "<dt>time</dt><dd>trained in 12 s, graded in " in section["sunspots"]
    pictures = {row["task"]: sorted(Path(p).name for p in row.get("pictures", []))
                for row in page.rows}
    assert pictures == {"linear": ["fit.png"], "fashion_mnist": [],
                        "cats_vs_dogs": ["confusion_matrix.png", "misclassified.png"],
                        "sarcasm": ["confusion_matrix.png"],
                        "sunspots": ["forecast.png", "training_curves.png"]}
    # Headlines the model got wrong, with their labels, in a table.
    examples = rows["sarcasm"]["examples"]
    assert 1 <= len(examples) <= report.EXAMPLES
    assert all(e["true"] != e["predicted"] for e in examples)
    assert f"<td>{escape(examples[0]['text'])}</td><td>{examples[0]['true']}</td>" in html
    assert '<p class="error">not graded: no solution for fashion_mnist in ' in html


def test_misclassified_examples_are_the_most_confident_mistakes_first():
    splits = Splits(None, None, (np.arange(6), np.array([0, 0, 1, 1, 2, 2])), "test")
    predictions = np.array([[0.9, 0.05, 0.05], [0.2, 0.7, 0.1], [0.1, 0.8, 0.1],
                            [0.1, 0.1, 0.8], [0.4, 0.3, 0.3], [0.1, 0.1, 0.8]])
    assert report.misclassified(splits, predictions) == [
        (3, 1, 2, 0.8), (1, 0, 1, 0.7), (4, 2, 0, 0.4)]
    assert report.misclassified(splits, predictions, count=1) == [(3, 1, 2, 0.8)]


class Browser:
    """Headless Chromium driven over its DevTools pipe (file descriptors 3 and 4).

    A window of headless Chromium is never narrower than 500 pixels, so a
    phone's width is emulated the way DevTools does it, with device metrics.
    """

    def __init__(self, profile):
        to_browser, from_browser = os.pipe(), os.pipe()
        reading, writing = to_browser[0], from_browser[1]

        def wire():  # runs in the child, before Chromium starts
            high_reading, high_writing = os.dup(reading), os.dup(writing)
            os.dup2(high_reading, 3)
            os.dup2(high_writing, 4)

        self.process = subprocess.Popen(
            [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--no-first-run", "--disable-background-networking", "--disable-sync",
             "--remote-debugging-pipe", f"--user-data-dir={profile}"],
            pass_fds=(3, 4), preexec_fn=wire, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(reading)
        os.close(writing)
        self.commands, self.replies = to_browser[1], from_browser[0]
        self.pending, self.count = b"", 0

    def send(self, method, session=None, **params):
        """Sends one DevTools command and returns its result."""
        self.count += 1
        message = {"id": self.count, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        return self.wait(lambda reply: reply.get("id") == self.count).get("result", {})

    def wait(self, wanted):
        """Reads messages until one is `wanted`; returns it."""
        while True:
            while b"\0" not in self.pending:
                chunk = os.read(self.replies, 1 << 20)
                assert chunk, "Chromium closed its DevTools pipe"
                self.pending += chunk
            raw, self.pending = self.pending.split(b"\0", 1)
            message = json.loads(raw)
            if wanted(message):
                assert "error" not in message, message["error"]
                return message

    def open(self, url, width, height):
        """Loads `url` in a page `width` CSS pixels wide; returns the page's session."""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.send("Emulation.setDeviceMetricsOverride", session, width=width, height=height,
                  deviceScaleFactor=1, mobile=width < 600)
        self.send("Page.enable", session)
        self.send("Page.navigate", session, url=url)
        self.wait(lambda message: message.get("method") == "Page.loadEventFired")
        return session

    def evaluate(self, session, expression):
        """The value of a JavaScript expression in the page."""
        return self.send("Runtime.evaluate", session, expression=expression,
                         returnByValue=True)["result"]["value"]

    def screenshot(self, session, path, height):
        """Writes the page's top `height` pixels as a PNG."""
        width = self.evaluate(session, "window.innerWidth")
        data = self.send("Page.captureScreenshot", session, format="png",
                         captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1})
        Path(path).write_bytes(base64.b64decode(data["data"]))

    def close(self):
        self.send("Browser.close")
        self.process.wait(timeout=30)


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.skipif(not CHROMIUM.exists(),
                    reason="/usr/bin/chromium is not installed (apt-get install chromium); "
                           "the report is not checked in a browser")
@pytest.mark.parametrize("width", [1280, 390])
def test_chromium_shows_every_picture_and_nothing_wider_than_the_screen(page, width, tmp_path):
    browser = Browser(tmp_path / "profile")
    try:
        session = browser.open(page.index.as_uri(), width, 900)
        facts = browser.evaluate(session, """({
            width: window.innerWidth,
            scroll: document.documentElement.scrollWidth,
            status: document.getElementById("images-status").textContent,
            text: parseFloat(getComputedStyle(document.querySelector("dd")).fontSize),
            overflowing: Array.from(document.querySelectorAll("body *"))
                .filter((e) => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1
                               && !e.closest(".scroll"))
                .map((e) => `${e.tagName}.${e.className}: ${e.textContent.slice(0, 40)}`),
        })""")
        screenshot = tmp_path / f"report-{width}.png"
        browser.screenshot(session, screenshot, 2400)
    finally:
        browser.close()
    pictures = sum(len(row.get("pictures", [])) for row in page.rows)
    assert facts["status"] == f"pictures shown: {pictures} of {pictures}" and pictures == 6
    assert facts["width"] == width
    # Nothing but the tables' own scrolling boxes is wider than the screen.
    assert facts["scroll"] <= width and facts["overflowing"] == [], facts
    assert facts["text"] >= 14  # pixels: body text stays readable on a phone
    assert png_size(screenshot) == (width, 2400) and screenshot.stat().st_size > 50_000


@pytest.mark.parametrize("path", ["zoo.report.predicted_labels", "zoo.report.misclassified",
                                  "zoo.report.work_order", "zoo.report.describe_duration",
                                  "zoo.exam.draw_tasks", "zoo.starters"])
def test_docstring_examples_print_what_they_show(path):
    module_name, _, name = path.rpartition(".")
    if path == "zoo.starters":
        module_name, name = path, None
    module = importlib.import_module(module_name)
    target = getattr(module, name) if name else module
    runner = doctest.DocTestRunner(verbose=False)
    out = io.StringIO()
    for test in doctest.DocTestFinder().find(target, name or module_name,
                                             globs=vars(module).copy()):
        runner.run(test, out=out.write)
    assert out.getvalue() == ""
    assert runner.summarize(verbose=False).attempted > 0
