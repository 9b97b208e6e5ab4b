"""Category 4: the topic of a BBC news article (`bbc-text.csv`), text → `Dense(6)` softmax.

As in the exam, the five topics are labels 1..5 as the course's label
tokenizer numbered them (a `Tokenizer` fitted on the category column: by
frequency, so sport, business, politics, tech, entertainment on the
course's file), so the output has 6 units and label 0 is never used. The
first 80% of the rows train (their last tenth validates); the last 20% are
held out.

The exam starter fixed `vocab_size = 1000`, `max_length = 120`, post
padding and truncation and `oov_tok = "<OOV>"`, and gave a list of stop
words to remove before tokenising, as the course's `remove_stopwords` did.
"""

import csv
import sys

import numpy as np

from zoo.data import DataFormatError, fetch_file, file_format
from zoo.grading.tokenizer import Tokenizer
from zoo.task import TEXT_CLASSIFICATION, Source, Splits
from zoo.tasks._text import TextStarter, text_task
from zoo.training.script import run_script

TOPICS = ("sport", "business", "politics", "tech", "entertainment")
TRAINING_PORTION = 0.8
SOURCE = Source(
    "url", "bbc-text.csv", url="https://storage.googleapis.com/learning-datasets/bbc-text.csv"
)
EXPECTED = "the course's bbc-text.csv, a CSV with the header category,text"
# The exam starter's stop words.
STOPWORDS = (
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "he'd",
    "he'll",
    "he's",
    "her",
    "here",
    "here's",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "how's",
    "i",
    "i'd",
    "i'll",
    "i'm",
    "i've",
    "if",
    "in",
    "into",
    "is",
    "it",
    "it's",
    "its",
    "itself",
    "let's",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "nor",
    "of",
    "on",
    "once",
    "only",
    "or",
    "other",
    "ought",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "same",
    "she",
    "she'd",
    "she'll",
    "she's",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "that's",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "there's",
    "these",
    "they",
    "they'd",
    "they'll",
    "they're",
    "they've",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "we'd",
    "we'll",
    "we're",
    "we've",
    "were",
    "what",
    "what's",
    "when",
    "when's",
    "where",
    "where's",
    "which",
    "while",
    "who",
    "who's",
    "whom",
    "why",
    "why's",
    "with",
    "would",
    "you",
    "you'd",
    "you'll",
    "you're",
    "you've",
    "your",
    "yours",
    "yourself",
    "yourselves",
)


def label_ids(categories):
    """Numbers topics as the course's label tokenizer did: by frequency, from 1.

    Args:
        categories: the category of every row.

    Returns:
        An int array of labels.

    Example:
    >>> label_ids(["tech", "sport", "sport"]).tolist()
    [2, 1, 1]
    """
    tokenizer = Tokenizer()
    tokenizer.fit_on_texts(categories)
    return np.array([tokenizer.word_index[c] for c in categories])


def read_bbc(path):
    """Reads `bbc-text.csv` (`category,text` with a header).

    Args:
        path: path of the file.

    Returns:
        `(texts, labels)`: an object array of strings and labels 1..5.

    Raises:
        zoo.data.DataFormatError: for another format, or a category outside
            the five topics.
    """
    with file_format(path, EXPECTED), open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
        texts = [row["text"] for row in rows]
        categories = [row["category"] for row in rows]
        if not rows:
            raise ValueError("no rows after the header")
    unknown = set(categories) - set(TOPICS)
    if unknown:
        raise DataFormatError(
            f"{path}: unknown categories {sorted(unknown)}; expected {', '.join(TOPICS)}."
        )
    return np.array(texts, dtype=object), label_ids(categories)


def load(data=None):
    """Returns the `Splits` of `bbc-text.csv` (downloaded, or `data`)."""
    path = fetch_file(SOURCE, data)
    x, y = read_bbc(path)
    cut = int(len(x) * TRAINING_PORTION)
    validation_cut = cut - max(1, cut // 10)
    return Splits(
        train=(x[:validation_cut], y[:validation_cut]),
        validation=(x[validation_cut:cut], y[validation_cut:cut]),
        test=(x[cut:], y[cut:]),
        source=str(path),
        validation_source=f"articles {validation_cut:,} to {cut - 1:,} (the exam "
        "starter's valid_x)",
    )


TASK = text_task(
    "bbc_news",
    TEXT_CLASSIFICATION,
    "tell the topic of a BBC news article",
    SOURCE,
    load,
    num_classes=6,
    threshold=0.91,
    class_names=("(unused)", *TOPICS),
    model_options={"vocabulary_size": 10000, "sequence_length": 200, "learning_rate": 2e-3},
    exam=TextStarter(
        vocab_size=1000,
        max_length=120,
        stopwords=STOPWORDS,
        fitted_on=f"the first {TRAINING_PORTION:.0%} of the articles",
    ),
    epochs=20,
    batch_size=32,
    patience=4,
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
