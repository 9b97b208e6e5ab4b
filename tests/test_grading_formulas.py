"""The grader's formulas at and around each threshold, the metrics and the weights."""

import math

import numpy as np
import pytest

from zoo.exam.session import PASS_MARK, add_points
from zoo.task import (
    CATEGORIES,
    Boundary,
    Formula,
    Steps,
    absolute_errors,
    accuracy,
    classifier_output,
    correct,
    mean_absolute_error,
    mean_squared_error,
    squared_errors,
)
from zoo.tasks import all_tasks, get_task


@pytest.mark.parametrize(
    "mae, marks",
    [
        (0.0, 5),
        (14.99, 5),
        (15.0, 5),
        (15.01, 5),
        (15.99, 5),
        (16.0, 4),
        (16.5, 4),
        (17.0, 3),
        (19.5, 1),
        (19.99, 1),
        (20.0, 0),
        (35.0, 0),
        (float("nan"), 0),
    ],
)
def test_sunspots_uses_the_exams_formula(mae, marks):
    scoring = get_task("sunspots").scoring
    assert scoring.score(mae) == marks
    if math.isfinite(mae):
        assert marks == max(0, min(5, math.ceil(20 - mae)))


@pytest.mark.parametrize(
    "mse, marks",
    [
        (1e-12, 5),
        (1e-4, 5),
        (1.01e-4, 4),
        (1e-3, 4),
        (1.01e-3, 3),
        (1e-1, 2),
        (0.5, 1),
        (1.0, 1),
        (1.5, 0),
        (float("inf"), 0),
    ],
)
def test_linear_loses_a_mark_per_decade_above_1e_4(mse, marks):
    assert get_task("linear").scoring.score(mse) == marks


@pytest.mark.parametrize(
    "value, marks",
    [(1.0, 5), (0.83, 5), (0.8299, 4), (0.81, 4), (0.8099, 3), (0.75, 1), (0.7299, 0), (0.5, 0)],
)
def test_accuracy_steps_for_sarcasm(value, marks):
    assert get_task("sarcasm").scoring.score(value) == marks


@pytest.mark.parametrize(
    "value, marks",
    [(0.05, 5), (0.19, 5), (0.1901, 4), (0.20, 4), (0.2001, 3), (0.23, 1), (0.2401, 0)],
)
def test_normalised_mae_steps_for_daily_min_temperatures(value, marks):
    assert get_task("daily_min_temperatures").scoring.score(value) == marks


@pytest.mark.parametrize(
    "mae, marks",
    [
        (0.0, 5),
        (0.0382, 5),
        (0.12, 5),
        (0.1299, 5),
        (0.13, 4),
        (0.135, 4),
        (0.14, 3),
        (0.1650, 1),
        (0.17, 0),
        (0.5, 0),
        (float("nan"), 0),
    ],
)
def test_normalised_sunspots_use_the_exam_starters_formula(mae, marks):
    scoring = get_task("sunspots").exam.scoring
    assert scoring.score(mae) == marks
    if math.isfinite(mae):
        assert marks == max(0, min(5, math.ceil(17 - 100 * mae)))


def every_rule():
    for task in all_tasks():
        for convention in task.conventions():
            yield f"{task.name}/{convention.name}", convention.scoring


@pytest.mark.parametrize("name, rule", list(every_rule()))
def test_the_printed_top_marks_boundary_is_the_one_the_rule_applies(name, rule):
    top = rule.boundary(5)
    nudge = max(abs(top.value), 1e-12) * 1e-6
    better = top.value + nudge if rule.higher_is_better else top.value - nudge
    worse = top.value - nudge if rule.higher_is_better else top.value + nudge
    assert rule.score(better) == 5 and rule.score(worse) == 4, name
    assert rule.score(top.value) == (5 if top.inclusive else 4), name
    assert rule.score(rule.threshold) == 5, name


@pytest.mark.parametrize(
    "name, top_marks",
    [
        ("sunspots", "5/5 below 16"),
        ("sarcasm", "5/5 at ≥ 0.83"),
        ("linear", "5/5 at ≤ 0.0001"),
        ("daily_min_temperatures", "5/5 at ≤ 0.19"),
    ],
)
def test_top_marks_in_words(name, top_marks):
    assert get_task(name).scoring.top_marks() == top_marks


def test_no_metric_or_nan_scores_0():
    for rule in (Steps(0.83, 0.02), Formula(lambda v: 5, "5", 0.0)):
        assert [rule.score(v) for v in (None, math.nan, math.inf)] == [0, 0, 0]


def test_steps_and_formulas_clip_to_0_to_5():
    assert Steps(0.5, 0.1).score(-10.0) == 0
    assert Formula(lambda v: 10 * v, "10 v", threshold=0.5, higher_is_better=True).score(3) == 5
    assert Formula(lambda v: 10 * v, "10 v", threshold=0.5, higher_is_better=True).score(-1) == 0


def test_accuracy_reads_sigmoid_and_softmax_outputs():
    assert accuracy([0, 1, 1], np.array([[0.2], [0.7], [0.4]])) == pytest.approx(2 / 3)
    assert accuracy([2, 0], np.array([[0.1, 0.2, 0.7], [0.5, 0.4, 0.1]])) == 1.0
    assert mean_absolute_error([[1.0], [3.0]], np.array([2.0, 1.0])) == 1.5


def test_per_example_metrics_average_each_examples_values():
    # Integer labels and one value per example, as the tasks feed them: 0.5 is not positive.
    assert correct(np.array([[1], [0], [1]]), np.array([0.9, 0.5, 0.2])).tolist() == [1, 1, 0]
    assert correct([1, 2], np.array([[[0.1, 0.8, 0.1]], [[0.6, 0.3, 0.1]]])).tolist() == [1, 0]
    y_true = np.array([[[1], [2]], [[3], [5]]], "int32")
    y_pred = [[1.5, 2.0], [0.0, 9.0]]
    np.testing.assert_array_equal(absolute_errors(y_true, y_pred), [0.25, 3.5])
    np.testing.assert_array_equal(squared_errors(y_true, y_pred), [0.125, 12.5])
    assert mean_squared_error(y_true, y_pred) == 6.3125


def test_classifier_outputs_pair_activation_and_loss():
    assert classifier_output(1) == ("sigmoid", "binary_crossentropy")
    assert classifier_output(2) == ("softmax", "sparse_categorical_crossentropy")


@pytest.mark.parametrize(
    "higher_is_better, inclusive, good_side, bad_side",
    [
        (True, True, "≥", "<"),
        (True, False, ">", "≤"),
        (False, True, "≤", ">"),
        (False, False, "<", "≥"),
    ],
)
def test_a_boundary_names_the_side_that_earns_and_the_side_that_misses(
    higher_is_better, inclusive, good_side, bad_side
):
    boundary = Boundary(4, 0.125, inclusive=inclusive, higher_is_better=higher_is_better)
    assert boundary.describe() == f"{good_side} 0.125"
    assert boundary.describe_below() == f"{bad_side} 0.125"


@pytest.mark.parametrize(
    "rule, side",
    [
        # Declared thresholds that earn 4/5: the search walks toward better values first.
        (Formula(lambda mae: math.ceil(20 - mae), "ceil(20 − MAE)", 16.5, False), "< 16"),
        (Formula(lambda a: 5 if a >= 0.9 else 4, "5 from 0.9", 0.85, True), "≥ 0.9"),
    ],
)
def test_top_marks_are_found_from_a_threshold_short_of_them(rule, side):
    assert rule.boundary(5).describe() == side


def test_top_marks_above_a_strict_boundary_and_the_steps_in_words():
    above = Formula(
        lambda v: 5 if v > 0.9 else 0, "5 above 0.9", threshold=0.95, higher_is_better=True
    )
    assert above.top_marks() == "5/5 above 0.9"
    assert Steps(0.83, 0.02).describe() == "5 if ≥ 0.83, −1 per 0.02 beyond"
    assert Steps(16, 1.5, higher_is_better=False).describe() == "5 if ≤ 16, −1 per 1.5 beyond"
    assert [str(c) for c in CATEGORIES] == ["1", "2", "3", "4", "5", "zoo"]


EXAM_CATEGORIES = CATEGORIES[:5]


def test_category_weights_rise_from_1_to_5():
    assert [(c.key, c.weight) for c in EXAM_CATEGORIES] == [(k, k) for k in range(1, 6)]
    assert [c.weight for c in CATEGORIES if c.key == "zoo"] == [3]
    assert PASS_MARK == 90


@pytest.mark.parametrize(
    "scores, total, passes",
    [
        ([5, 5, 5, 5, 5], 100.0, True),
        ([5, 5, 5, 5, 4], 100 - 100 * 5 / 15 / 5, True),  # 93.3
        ([4, 5, 5, 5, 5], 100 - 100 * 1 / 15 / 5, True),  # 98.7
        ([5, 5, 5, 5, 3], 100 - 2 * 100 * 5 / 15 / 5, False),  # 86.7
        ([5, 5, 4, 4, 5], 100 - 7 * 100 / 15 / 5, True),  # 90.7
        ([5, 5, 5, 3, 5], 100 - 8 * 100 / 15 / 5, False),  # 89.3
        ([0, 0, 0, 0, 0], 0.0, False),
    ],
)
def test_points_are_weighted_by_category(scores, total, passes):
    rows = [{"weight": c.weight, "score": s} for c, s in zip(EXAM_CATEGORIES, scores)]
    assert add_points(rows) == pytest.approx(total)
    assert (add_points(rows) >= PASS_MARK) == passes
    assert rows[-1]["points"] == pytest.approx(100 * 5 * scores[-1] / 5 / 15)
