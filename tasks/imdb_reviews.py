"""Category 4: is a film review positive? (tfds `imdb_reviews`), text → 1 sigmoid."""

import sys

from zoo.data import tfds_splits
from zoo.task import TEXT_CLASSIFICATION, Source
from zoo.tasks._text import text_task
from zoo.training_script import run_script


def load(data=None):
    """Returns the `Splits` (tfds train 90/10, held-out: tfds test)."""
    return tfds_splits("imdb_reviews", data)


TASK = text_task(
    "imdb_reviews", TEXT_CLASSIFICATION, "tell positive film reviews from negative ones",
    Source("tfds", "imdb_reviews"), load, num_classes=1, threshold=0.83,
    class_names=("negative", "positive"),
    model_options={"vocabulary_size": 10000, "sequence_length": 120},
    epochs=6, batch_size=64, patience=2)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
