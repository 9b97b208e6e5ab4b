"""`zoo.grading.tokenizer` against the course's own `Tokenizer` and Keras' `pad_sequences`.

The oracle is the original `keras-preprocessing` package (a test-only
dependency: only its `text` module is imported, which works with NumPy 2).
"""

import itertools
import json

import keras
import numpy as np
import pytest
from tasks_helpers import SHARED_DATA

from zoo.grading.tokenizer import Tokenizer, pad_sequences

try:
    from keras_preprocessing import text as original_text
except ImportError:  # reported by the fixture below: a missing oracle fails the tests
    original_text = None


@pytest.fixture
def original():
    """The original `keras_preprocessing.text` module; its absence is a failure."""
    if original_text is None:
        pytest.fail(
            "keras-preprocessing is not installed: it is the oracle of these "
            "tests. Install the test extra: pip install -e '.[test]' (or pip "
            "install --no-deps keras-preprocessing)."
        )
    return original_text


def both(original, texts, fit_texts=None, **options):
    """Fits our tokenizer and the original on the same texts; encodes `texts`."""
    ours, theirs = Tokenizer(**options), original.Tokenizer(**options)
    ours.fit_on_texts(fit_texts if fit_texts is not None else texts)
    theirs.fit_on_texts(fit_texts if fit_texts is not None else texts)
    return ours, theirs


@pytest.mark.skipif(
    not (SHARED_DATA / "sarcasm.json").exists(),
    reason="../shared/data/sarcasm.json is absent (CI has it): the "
    "tokenizer is not checked on the course's headlines here",
)
def test_sarcasm_headlines_get_the_courses_ids(original):
    records = json.loads((SHARED_DATA / "sarcasm.json").read_text(encoding="utf-8"))
    headlines = [r["headline"] for r in records]
    # The exam starter: vocab 1000, OOV "<OOV>", fitted on the first 20,000 headlines.
    ours, theirs = both(
        original, headlines, fit_texts=headlines[:20000], num_words=1000, oov_token="<OOV>"
    )
    assert ours.word_index == theirs.word_index
    assert list(ours.word_index)[:3] == list(theirs.word_index)[:3] == ["<OOV>", "to", "of"]
    assert len(ours.word_index) == len(theirs.word_index) > 20000
    ours_ids = ours.texts_to_sequences(headlines)
    assert ours_ids == theirs.texts_to_sequences(headlines)
    assert max(max(ids, default=0) for ids in ours_ids) == 999
    padded = pad_sequences(ours_ids, maxlen=120, padding="post", truncating="post")
    np.testing.assert_array_equal(
        padded, keras.utils.pad_sequences(ours_ids, maxlen=120, padding="post", truncating="post")
    )
    assert padded.shape == (26709, 120) and padded.dtype == np.int32


AWKWARD_TEXTS = [
    "Hello, World! Hello again.",
    "tabs\tand\nnewlines\rand a carriage return",
    "non\u00a0breaking space and ÉCOLE Straße İstanbul",
    "the <OOV> token <oov> itself, and OOV",
    "  leading and trailing  spaces   ",
    "",
    "don't stop-words: it's 3.14 or 42%",
    "emoji 🙂 and 中文 text",
    "hello hello hello world",
]


@pytest.mark.parametrize(
    "options",
    [
        {"num_words": 5, "oov_token": "<OOV>"},
        {"num_words": 5},
        {"oov_token": "<OOV>"},
        {},
        {"oov_token": "hello"},  # an OOV token that is also a word of the texts
        {"lower": False, "oov_token": "<OOV>"},
        {"filters": "", "split": " "},
        {"filters": "!", "split": "l"},
        {"split": "--", "oov_token": "x"},
    ],
)
def test_awkward_texts_and_options_match_the_original(original, options):
    ours, theirs = both(original, AWKWARD_TEXTS, **options)
    assert ours.word_index == theirs.word_index
    assert list(ours.word_index) == list(theirs.word_index)
    unseen = ["unseen words and hello", "World", "\u00a0"]
    assert ours.texts_to_sequences(AWKWARD_TEXTS + unseen) == theirs.texts_to_sequences(
        AWKWARD_TEXTS + unseen
    )


def test_fitting_twice_adds_up_counts_as_the_original_does(original):
    ours, theirs = both(original, ["a b b"], num_words=3, oov_token="?")
    ours.fit_on_texts(["a a c"])
    theirs.fit_on_texts(["a a c"])
    assert ours.word_index == theirs.word_index == {"?": 1, "a": 2, "b": 3, "c": 4}
    assert ours.texts_to_sequences(["c b a"]) == theirs.texts_to_sequences(["c b a"]) == [[1, 1, 2]]
    assert ours.word_counts == dict(theirs.word_counts) == {"a": 3, "b": 2, "c": 1}


def test_an_unfitted_tokenizer_encodes_as_the_original(original):
    ours, theirs = Tokenizer(oov_token="?"), original.Tokenizer(oov_token="?")
    assert ours.texts_to_sequences(["a b"]) == theirs.texts_to_sequences(["a b"]) == [[None, None]]
    assert Tokenizer().texts_to_sequences(["a b"]) == [[]]


SEQUENCES = [[1, 2, 3, 4, 5], [6], [], [7, 8, 9]]


@pytest.mark.parametrize(
    "maxlen, padding, truncating",
    list(itertools.product([None, 1, 3, 7], ["pre", "post"], ["pre", "post"])),
)
def test_pad_sequences_matches_keras(maxlen, padding, truncating):
    ours = pad_sequences(SEQUENCES, maxlen=maxlen, padding=padding, truncating=truncating)
    expected = keras.utils.pad_sequences(
        SEQUENCES, maxlen=maxlen, padding=padding, truncating=truncating
    )
    assert ours.dtype == expected.dtype
    np.testing.assert_array_equal(ours, expected)


def test_pad_sequences_defaults_are_keras_defaults():
    np.testing.assert_array_equal(
        pad_sequences(SEQUENCES, maxlen=3), keras.utils.pad_sequences(SEQUENCES, maxlen=3)
    )
    # Keras's own fails on no sequences (the maximum of no lengths); ours gives no rows.
    assert pad_sequences([]).shape == (0, 0)


@pytest.mark.parametrize("side", ["padding", "truncating"])
def test_pad_sequences_refuses_unknown_sides(side):
    with pytest.raises(ValueError, match=rf"{side}='middle': expected 'pre' or 'post'"):
        pad_sequences([[1]], **{side: "middle"})
