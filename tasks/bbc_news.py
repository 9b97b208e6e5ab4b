"""Category 4: the topic of a BBC news article (`bbc-text.csv`), text → `Dense(6)` softmax.

As in the exam, the five topics are labels 1..5 (in the order the course's
label tokenizer gave them: by frequency), so the output has 6 units and
label 0 is never used. The first 80% of the rows train (their last tenth
validates); the last 20% are held out.
"""

import csv
import sys

import numpy as np

from zoo.data import fetch_file
from zoo.task import TEXT_CLASSIFICATION, Source, Splits
from zoo.tasks._text import text_task
from zoo.training_script import run_script

TOPICS = ("sport", "business", "politics", "tech", "entertainment")
TRAINING_PORTION = 0.8
SOURCE = Source("url", "bbc-text.csv",
                url="https://storage.googleapis.com/learning-datasets/bbc-text.csv")


def read_bbc(path):
    """Reads `bbc-text.csv` (`category,text` with a header).

    Args:
        path: path of the file.

    Returns:
        `(texts, labels)`: an object array of strings and labels 1..5.

    Raises:
        ValueError: for a category outside the five topics.
    """
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    unknown = {row["category"] for row in rows} - set(TOPICS)
    if unknown:
        raise ValueError(f"{path}: unknown categories {sorted(unknown)}; expected "
                         f"{', '.join(TOPICS)}.")
    return (np.array([row["text"] for row in rows], dtype=object),
            np.array([TOPICS.index(row["category"]) + 1 for row in rows]))


def load(data=None):
    """Returns the `Splits` of `bbc-text.csv` (downloaded, or `data`)."""
    path = fetch_file(SOURCE, data)
    x, y = read_bbc(path)
    cut = int(len(x) * TRAINING_PORTION)
    validation_cut = cut - max(1, cut // 10)
    return Splits(train=(x[:validation_cut], y[:validation_cut]),
                  validation=(x[validation_cut:cut], y[validation_cut:cut]),
                  test=(x[cut:], y[cut:]), source=str(path))


TASK = text_task(
    "bbc_news", TEXT_CLASSIFICATION, "tell the topic of a BBC news article", SOURCE, load,
    num_classes=6, threshold=0.91, class_names=("(unused)", *TOPICS),
    model_options={"vocabulary_size": 10000, "sequence_length": 200,
                   "learning_rate": 2e-3},
    epochs=20, batch_size=32, patience=4)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
