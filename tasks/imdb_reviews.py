"""Category 4: is a film review positive? (tfds `imdb_reviews`), text → 1 sigmoid."""

from tasks._text import text_task
from zoo.data import tfds_splits
from zoo.task import Source
from zoo.training import solve


def load(data=None):
    """Returns the `Splits` (tfds train 90/10, held-out: tfds test)."""
    return tfds_splits("imdb_reviews", data)


TASK = text_task(
    "imdb_reviews", 4, "tell positive film reviews from negative ones",
    Source("tfds", "imdb_reviews"), load, num_classes=1, threshold=0.83,
    class_names=("negative", "positive"),
    model_options={"vocabulary_size": 10000, "sequence_length": 120},
    epochs=6, batch_size=64, patience=2)


def solution_model():
    """Trains the reference solution and returns the model (the exam's format)."""
    return solve(TASK)[0]
