"""Category 4: is a news headline sarcastic? (`sarcasm.json`, the course's JSON array).

As in the exam, the first 20,000 headlines are for training (the last 2,000
of them validate) and the rest are held out for grading. Kaggle's
`Sarcasm_Headlines_Dataset.json` (one record per line) is read too.

The exam starter fixed `vocab_size = 1000`, `max_length = 120`,
`trunc_type = padding_type = 'post'`, `oov_tok = "<OOV>"` and
`training_size = 20000`, and fitted its Tokenizer on the training
headlines: a model trained that way is graded on the same ids.
"""

import json
import sys
from pathlib import Path

import numpy as np

from zoo.data import fetch_file, file_format
from zoo.task import TEXT_CLASSIFICATION, Source, Splits
from zoo.tasks._text import TextStarter, text_task
from zoo.training.script import run_script

TRAINING_SIZE, VALIDATION_SIZE = 20000, 2000
SOURCE = Source(
    "url",
    "sarcasm.json",
    url="https://storage.googleapis.com/tensorflow-1-public/course3/sarcasm.json",
    sha256="6ffa7bac24c05e20934a9454c3631d8bb813ae2796c9177fb9e8c067f4809100",
)


EXPECTED = (
    'the course\'s sarcasm.json, a JSON array of records with "headline" and '
    '"is_sarcastic" (or Kaggle\'s Sarcasm_Headlines_Dataset.json, one such '
    "record per line)"
)


def read_sarcasm(path):
    """Reads the course's `sarcasm.json` (a JSON array) or Kaggle's (a record per line).

    Args:
        path: path of the file.

    Returns:
        `(headlines, labels)`: an object array of strings and an int array.

    Raises:
        zoo.data.DataFormatError: for any other format, naming the two above.
    """
    with file_format(path, EXPECTED):
        text = Path(path).read_text(encoding="utf-8")
        try:
            records = json.loads(text)
        except json.JSONDecodeError:
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
        if isinstance(records, dict):  # a single record on one line
            records = [records]
        if not isinstance(records, list) or not records:
            raise ValueError("the file holds no list of records")
        return (
            np.array([str(r["headline"]) for r in records], dtype=object),
            np.array([int(r["is_sarcastic"]) for r in records]),
        )


def load(data=None):
    """Returns the `Splits` of `sarcasm.json` (downloaded, or `data`)."""
    path = fetch_file(SOURCE, data)
    x, y = read_sarcasm(path)
    cut = TRAINING_SIZE - VALIDATION_SIZE
    return Splits(
        train=(x[:cut], y[:cut]),
        validation=(x[cut:TRAINING_SIZE], y[cut:TRAINING_SIZE]),
        test=(x[TRAINING_SIZE:], y[TRAINING_SIZE:]),
        source=str(path),
        validation_source=f"headlines {cut:,} to {TRAINING_SIZE - 1:,} (the exam "
        "starter's valid_x)",
    )


TASK = text_task(
    "sarcasm",
    TEXT_CLASSIFICATION,
    "tell sarcastic headlines from plain ones",
    SOURCE,
    load,
    num_classes=1,
    threshold=0.83,
    class_names=("plain", "sarcastic"),
    exam=TextStarter(
        vocab_size=1000, max_length=120, fitted_on=f"the first {TRAINING_SIZE:,} headlines"
    ),
    # Headlines are short (32 tokens keep all but the longest few); a wide
    # vocabulary and embedding learn more of them, and a lower learning rate
    # with more dropout keeps the best epoch from being the first one.
    model_options={
        "vocabulary_size": 20000,
        "sequence_length": 32,
        "embedding_dim": 64,
        "dropout": 0.3,
        "learning_rate": 3e-4,
    },
    epochs=10,
    batch_size=64,
    patience=2,
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
