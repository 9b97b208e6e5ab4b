"""Category 4: is a news headline sarcastic? (`sarcasm.json`, the course's JSON array).

As in the exam, the first 20,000 headlines are for training (the last 2,000
of them validate) and the rest are held out for grading.
"""

import json
import sys

import numpy as np

from zoo.data import fetch_file
from zoo.task import TEXT_CLASSIFICATION, Source, Splits
from zoo.tasks._text import text_task
from zoo.training_script import run_script

TRAINING_SIZE, VALIDATION_SIZE = 20000, 2000
SOURCE = Source(
    "url", "sarcasm.json",
    url="https://storage.googleapis.com/tensorflow-1-public/course3/sarcasm.json",
    sha256="6ffa7bac24c05e20934a9454c3631d8bb813ae2796c9177fb9e8c067f4809100")


def read_sarcasm(path):
    """Reads the course's `sarcasm.json` (a JSON array of records).

    Args:
        path: path of the file.

    Returns:
        `(headlines, labels)`: an object array of strings and an int array.
    """
    with open(path, encoding="utf-8") as file:
        records = json.load(file)
    return (np.array([r["headline"] for r in records], dtype=object),
            np.array([int(r["is_sarcastic"]) for r in records]))


def load(data=None):
    """Returns the `Splits` of `sarcasm.json` (downloaded, or `data`)."""
    path = fetch_file(SOURCE, data)
    x, y = read_sarcasm(path)
    cut = TRAINING_SIZE - VALIDATION_SIZE
    return Splits(train=(x[:cut], y[:cut]),
                  validation=(x[cut:TRAINING_SIZE], y[cut:TRAINING_SIZE]),
                  test=(x[TRAINING_SIZE:], y[TRAINING_SIZE:]), source=str(path))


TASK = text_task(
    "sarcasm", TEXT_CLASSIFICATION, "tell sarcastic headlines from plain ones", SOURCE, load,
    num_classes=1, threshold=0.83, class_names=("plain", "sarcastic"),
    epochs=10, batch_size=64, patience=2)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
