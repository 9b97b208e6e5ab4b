"""How sure a grade is: the bootstrap, the shares of marks, the next marks, and where
they are shown (terminal, --json, card, HTML report)."""

import dataclasses
import json

import keras
import numpy as np
import pytest
from tasks_helpers import data_for

from zoo.cli import main
from zoo.grading.confidence import Confidence, bootstrap, resampled_means
from zoo.grading.grade import grade, next_marks
from zoo.report.card import update_card
from zoo.report.page import write_index
from zoo.task import Steps
from zoo.tasks import get_task


def test_vectorised_resampling_equals_drawing_one_resample_at_a_time():
    values = np.random.default_rng(5).normal(15.0, 8.0, 235)
    rng = np.random.default_rng(7)
    one_at_a_time = [
        values[rng.integers(0, len(values), len(values), dtype=np.int32)].mean() for _ in range(300)
    ]
    np.testing.assert_allclose(
        resampled_means(values, resamples=300, seed=7), one_at_a_time, rtol=1e-12
    )


def test_interval_and_shares_come_from_the_resampled_means():
    correct = (np.random.default_rng(1).random(6709) < 0.8065).astype(float)
    rule = Steps(0.83, 0.02)
    confidence = bootstrap(correct, rule, resamples=1000, seed=3)
    means = resampled_means(correct, resamples=1000, seed=3)
    assert (confidence.low, confidence.high) == tuple(np.quantile(means, [0.025, 0.975]))
    marks = [5 if m >= 0.83 else max(0, 5 - int(np.ceil((0.83 - m) / 0.02))) for m in means]
    assert confidence.shares == {s: marks.count(s) / 1000 for s in set(marks)}
    assert sum(confidence.shares.values()) == pytest.approx(1.0)
    assert confidence.held_out == 6709 and confidence.marks == rule.score(correct.mean())
    # A proportion's 95% interval is about ±1.96 standard errors wide.
    half_width = 1.96 * np.sqrt(correct.mean() * (1 - correct.mean()) / len(correct))
    assert (confidence.high - confidence.low) / 2 == pytest.approx(half_width, rel=0.1)


def test_bootstrap_is_seeded_and_repeatable():
    errors = np.abs(np.random.default_rng(2).normal(0, 20, 235))
    rule = get_task("sunspots").scoring
    first, again = bootstrap(errors, rule, seed=0), bootstrap(errors, rule, seed=0)
    other = bootstrap(errors, rule, seed=1)
    assert (first.low, first.high, first.shares) == (again.low, again.high, again.shares)
    assert (first.low, first.high) != (other.low, other.high)


def test_bootstrap_refuses_no_examples_or_no_resamples_and_records_its_settings():
    rule = Steps(0.83, 0.02)
    for examples, resamples in (([], 10), ([1.0], 0)):
        with pytest.raises(ValueError, match="one example and one resample"):
            bootstrap(np.array(examples), rule, resamples=resamples)
    one = bootstrap(np.array([1.0]), rule, resamples=1, seed=4, level=0.9)
    assert (one.held_out, one.marks, one.low, one.high, one.shares) == (1, 5, 1.0, 1.0, {5: 1.0})
    assert (one.level, one.resamples, one.seed) == (0.9, 1, 4)
    assert 0 <= one.seconds < 10


def test_a_column_of_values_resamples_as_the_flat_values():
    values = np.random.default_rng(3).normal(size=50)
    np.testing.assert_array_equal(
        resampled_means(values[:, None], resamples=20, seed=1),
        resampled_means(values, resamples=20, seed=1),
    )


def confidence(marks, shares):
    return Confidence(
        held_out=235,
        marks=marks,
        low=0.0,
        high=1.0,
        level=0.95,
        resamples=1000,
        seed=0,
        shares=shares,
        seconds=0.0,
    )


@pytest.mark.parametrize(
    "marks, shares, words",
    [
        (5, {5: 0.59, 4: 0.29, 3: 0.08, 2: 0.04}, "5/5 in 59%, 4/5 in 29%, ≤3/5 in 12%"),
        (5, {5: 1.0}, "5/5 in 100%"),
        (4, {5: 0.2, 4: 0.5, 3: 0.3}, "5/5 in 20%, 4/5 in 50%, 3/5 in 30%"),
        (
            3,
            {5: 0.001, 4: 0.2, 3: 0.6, 2: 0.15, 0: 0.049},
            "≥4/5 in 20%, 3/5 in 60%, 2/5 in 15%, ≤1/5 in 5%",
        ),
        (0, {0: 0.996, 1: 0.004}, "≥1/5 in <1%, 0/5 in >99%"),
        # Half a percent rounds to 0% and 99.5% to 100%: neither is printed as such.
        (0, {0: 0.995, 1: 0.005}, "≥1/5 in <1%, 0/5 in >99%"),
        (0, {0: 0.994, 1: 0.006}, "≥1/5 in 1%, 0/5 in 99%"),
    ],
)
def test_shares_are_told_around_the_grades_own_marks(marks, shares, words):
    assert confidence(marks, shares).describe_shares() == words


def test_the_facts_carry_the_interval_and_the_shares_best_marks_first():
    facts = dataclasses.replace(
        confidence(4, {3: 0.25, 5: 0.125, 4: 0.625}), low=0.5, high=0.75, seconds=0.123456
    ).facts()
    assert facts == {
        "level": 0.95,
        "interval": [0.5, 0.75],
        "resamples": 1000,
        "seed": 0,
        "shares": {"5": 0.125, "4": 0.625, "3": 0.25},
        "seconds": 0.1235,
    }
    assert list(facts["shares"]) == ["5", "4", "3"]
    assert json.loads(json.dumps(facts)) == facts


@pytest.mark.parametrize(
    "task, value, marks",
    [
        # The model: 15.8054 scores 5/5, 0.19 below the boundary at 16.
        (
            "sunspots",
            15.8054,
            {"up": None, "down": {"marks": 4, "side": "≥ 16", "distance": 0.1946}},
        ),
        (
            "sunspots",
            17.5,
            {
                "up": {"marks": 4, "side": "< 17", "distance": 0.5},
                "down": {"marks": 2, "side": "≥ 18", "distance": 0.5},
            },
        ),
        (
            "sarcasm",
            0.8065,
            {
                "up": {"marks": 4, "side": "≥ 0.81", "distance": 0.0035},
                "down": {"marks": 2, "side": "< 0.79", "distance": 0.0165},
            },
        ),
        (
            "linear",
            1e-12,
            {"up": None, "down": {"marks": 4, "side": "> 0.0001", "distance": 1e-4 - 1e-12}},
        ),
    ],
)
def test_next_marks_up_and_down(task, value, marks):
    for side in ("up", "down"):
        if marks[side] is not None:
            marks[side]["distance"] = pytest.approx(marks[side]["distance"])
    assert next_marks(get_task(task).scoring, value) == marks


def test_exam_normalised_sunspots_marks_follow_its_own_formula():
    rule = get_task("sunspots").exam.scoring
    assert rule.top_marks() == "5/5 below 0.13"
    assert next_marks(rule, 0.0382)["down"] == {
        "marks": 4,
        "side": "≥ 0.13",
        "distance": pytest.approx(0.0918),
    }


@pytest.fixture(scope="module")
def naive_sunspots(tmp_path_factory):
    """A window → last value forecaster: it forecasts alike on raw and normalised values."""
    folder = tmp_path_factory.mktemp("naive")
    model = keras.Sequential(
        [keras.Input((30, 1)), keras.layers.Flatten(), keras.layers.Dense(1, use_bias=False)]
    )
    model.layers[-1].set_weights([np.eye(30)[:, -1:]])
    model.save(folder / "naive.h5")
    return folder / "naive.h5", data_for("sunspots", folder)


@pytest.mark.slow
def test_grades_are_repeatable_and_the_seed_changes_the_resamples(naive_sunspots):
    path, data = naive_sunspots
    task = get_task("sunspots")
    splits = task.load(data)
    first, again = grade(task, path, splits), grade(task, path, splits)
    other = grade(task, path, splits, seed=1)
    assert first.confidence.facts() | {"seconds": 0} == again.confidence.facts() | {"seconds": 0}
    assert first.confidence.facts()["interval"] != other.confidence.facts()["interval"]
    assert first.value == other.value and first.held_out == 100


@pytest.mark.slow
def test_an_undecided_convention_says_so_and_names_the_option(naive_sunspots, capsys):
    path, data = naive_sunspots
    assert main(["grade", "sunspots", str(path), "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "convention: raw: the raw series, windows of 30\n" in out
    assert (
        "  why: unclear: on 256 examples of the windows whose targets are values 2700 "
        "to 2999 (the exam starter's valid_data), which training never sees, its mae "
        "is "
    ) in out
    assert (
        "graded raw. Pass --convention exam to grade it the exam starter's way "
        "(--convention raw keeps this)."
    ) in out
    assert (
        main(
            ["grade", "sunspots", str(path), "--data", str(data), "--convention", "exam", "--json"]
        )
        == 0
    )
    facts = json.loads(capsys.readouterr().out)
    assert facts["convention"]["name"] == "exam" and facts["metric"] == "normalised mae"
    assert facts["convention"]["reason"] == "chosen with --convention"
    assert facts["rule"] == "min(5, ceil(17 − 100 × MAE))"


def test_confidence_reaches_the_card_and_the_html_report(naive_sunspots, tmp_path):
    path, data = naive_sunspots
    result = grade(get_task("sunspots"), path, data=data)
    version_dir = tmp_path / "1"
    version_dir.mkdir()
    (version_dir / "card.json").write_text(json.dumps({"task": "sunspots"}))
    card = update_card(version_dir, result.facts())
    assert card["held_out"] == 100 and card["confidence"]["resamples"] == 1000
    assert card["shares"] == result.confidence.describe_shares()
    assert card["marks"] == json.loads(json.dumps(result.marks))
    row = {**card, "category": "5", "weight": 5, "points": 0.0, "pictures": []}
    page = write_index([row], tmp_path / "report", total=0.0, passed=False)
    html = page.read_text()
    low, high = card["confidence"]["interval"]
    assert f"<td>100</td><td>{low:.4g} to {high:.4g}</td>" in html
    assert f"<td>{card['shares']}</td>" in html
    assert "<th>95% interval</th>" in html and "<th>resamples at each score</th>" in html
    assert "<td>raw (unclear: see --convention)</td>" in html
    assert "5/5 below 16" in html
