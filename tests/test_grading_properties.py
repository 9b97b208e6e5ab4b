"""Property-based tests of the grader's open-ended parts: the course's tokenizer and padding
against their originals on random text, the bootstrap interval's coverage on known
distributions, and every score rule's marks at and around each of its boundaries."""

import math

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zoo.grading.confidence import bootstrap
from zoo.grading.tokenizer import Tokenizer, pad_sequences
from zoo.task import Formula, Steps
from zoo.tasks import all_tasks

keras_preprocessing_text = pytest.importorskip("keras_preprocessing.text")

# Words of a few letters (with capitals), the course's default filters, other whitespace
# (kept inside words: only spaces split) and a few letters outside ASCII.
WORD = st.text(alphabet="abcXYZéß", min_size=1, max_size=4)
SEPARATOR = st.sampled_from([" ", "  ", ", ", ". ", "!", "\t", "\n", "-", "'", "\r", "_"])
TEXT = st.lists(st.tuples(WORD, SEPARATOR), max_size=12).map(
    lambda pairs: "".join(word + separator for word, separator in pairs)
)


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(TEXT, min_size=1, max_size=8),
    others=st.lists(TEXT, max_size=4),
    num_words=st.one_of(st.none(), st.integers(1, 12)),
    oov_token=st.sampled_from([None, "<OOV>"]),
)
def test_the_tokenizer_numbers_and_encodes_as_the_original(texts, others, num_words, oov_token):
    ours = Tokenizer(num_words=num_words, oov_token=oov_token)
    theirs = keras_preprocessing_text.Tokenizer(num_words=num_words, oov_token=oov_token)
    ours.fit_on_texts(texts)
    theirs.fit_on_texts(texts)
    assert ours.word_index == theirs.word_index
    # Texts it was fitted on, and texts with words it never saw.
    assert ours.texts_to_sequences(texts + others) == theirs.texts_to_sequences(texts + others)


SEQUENCES = st.lists(st.lists(st.integers(1, 50), max_size=9), min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(
    sequences=SEQUENCES,
    maxlen=st.one_of(st.none(), st.integers(1, 10)),
    padding=st.sampled_from(["pre", "post"]),
    truncating=st.sampled_from(["pre", "post"]),
    value=st.integers(-1, 3),
)
def test_pad_sequences_follows_keras_rules(sequences, maxlen, padding, truncating, value):
    ours = pad_sequences(
        sequences, maxlen=maxlen, padding=padding, truncating=truncating, value=value
    )
    theirs = keras.utils.pad_sequences(
        sequences, maxlen=maxlen, padding=padding, truncating=truncating, value=value
    )
    np.testing.assert_array_equal(ours, theirs)
    assert ours.dtype == np.int32


# Known distributions of a per-example number, with their true mean.
DISTRIBUTIONS = {
    "right or wrong, p = 0.8": (lambda rng, n: (rng.random(n) < 0.8).astype(float), 0.8),
    "absolute errors, exponential": (lambda rng, n: rng.exponential(2.0, n), 2.0),
    "squared errors, chi-squared 1": (lambda rng, n: rng.normal(0.0, 1.5, n) ** 2, 2.25),
}


@pytest.mark.parametrize("name", DISTRIBUTIONS)
def test_the_95_percent_interval_covers_the_true_mean_about_95_times_in_100(name):
    draw, true_mean = DISTRIBUTIONS[name]
    rng = np.random.default_rng(7)
    rule = Steps(threshold=1.0, step=0.1)
    covered = []
    for experiment in range(300):
        confidence = bootstrap(draw(rng, 200), rule, resamples=400, seed=experiment)
        covered.append(confidence.low <= true_mean <= confidence.high)
    # A percentile interval on 200 examples covers a little under its level; 300
    # experiments put the share within about ±0.025 of it.
    assert 0.88 <= np.mean(covered) <= 0.99, np.mean(covered)


RULES = sorted(
    {
        (task.name, convention.name): convention.scoring
        for task in all_tasks()
        for convention in task.conventions()
        if convention.scoring is not None
    }.items()
)


def good_side(boundary, value):
    """Whether `value` earns the boundary's marks, by its stated side."""
    if boundary.higher_is_better:
        return value >= boundary.value if boundary.inclusive else value > boundary.value
    return value <= boundary.value if boundary.inclusive else value < boundary.value


@pytest.mark.parametrize("key, rule", RULES, ids=[f"{t}-{c}" for (t, c), _ in RULES])
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_score_band_starts_where_its_boundary_says(key, rule, data):
    boundaries = {marks: rule.boundary(marks) for marks in range(1, 6)}
    if isinstance(rule, Steps):  # the pool's pattern: one mark less per step beyond
        sign = -1.0 if rule.higher_is_better else 1.0
        for wanted, boundary in boundaries.items():
            assert boundary.inclusive and boundary.value == pytest.approx(
                rule.threshold + sign * (5 - wanted) * rule.step, abs=1e-9
            )
    # Values at, just around, and anywhere near every boundary.
    anchors = [b.value for b in boundaries.values() if b is not None] or [rule.threshold]
    anchor = data.draw(st.sampled_from(anchors))
    offset = data.draw(
        st.one_of(
            st.just(0.0),
            st.sampled_from([-1e-9, 1e-9, -1e-6, 1e-6]),
            st.floats(-abs(anchor) - 1, abs(anchor) + 1, allow_nan=False),
        )
    )
    value = anchor + offset * max(abs(anchor), 1.0)
    marks = rule.score(value)
    assert marks in range(6)
    for wanted, boundary in boundaries.items():
        if boundary is None:  # nothing scores fewer: every value earns them
            assert marks >= wanted
        elif abs(value - boundary.value) <= 1e-8 * max(abs(boundary.value), 1.0):
            # Within rounding noise of a boundary the side does not decide alone: a rule
            # forgives noise on the bad side (81/100 computed as 0.8099999999999998 keeps
            # its mark), and at an exclusive boundary the exam's own formula, computed in
            # floats, may fall either way. On the good side of an inclusive boundary,
            # the boundary itself included, the marks are always earned.
            if boundary.inclusive and good_side(boundary, value):
                assert marks >= wanted, (wanted, boundary, value)
        else:
            assert (marks >= wanted) == good_side(boundary, value), (wanted, boundary, value)


@pytest.mark.parametrize(
    "rule",
    [
        Steps(0.83, 0.02),
        Steps(0.19, 0.01, higher_is_better=False),
        Formula(lambda mae: min(5, math.ceil(20 - mae)), "min(5, ceil(20 − MAE))", 15.0, False),
    ],
)
def test_a_score_never_rises_as_the_metric_gets_worse(rule):
    direction = 1.0 if rule.higher_is_better else -1.0
    values = rule.threshold + direction * np.linspace(1.0, -40.0, 4001)
    scores = [rule.score(float(v)) for v in values]
    assert all(a >= b for a, b in zip(scores, scores[1:]))
    assert scores[0] == 5 and scores[-1] == 0
