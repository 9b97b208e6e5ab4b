"""Category 4: is a film review positive? (tfds `imdb_reviews`), text → 1 sigmoid.

The course's IMDB lesson tokenised outside the model: `vocab_size = 10000`,
`max_length = 120`, `trunc_type = 'post'`, `oov_tok = "<OOV>"`, the Tokenizer
fitted on the 25,000 training reviews, and `pad_sequences` left at its
default, pre padding: a model trained that way is graded on the same ids.
"""

import sys

from zoo.data import tfds_splits
from zoo.task import TEXT_CLASSIFICATION, Source
from zoo.tasks._text import TextStarter, text_task
from zoo.training.script import run_script


def load(data=None):
    """Returns the `Splits` (tfds train 90/10, held-out: tfds test)."""
    return tfds_splits("imdb_reviews", data)


TASK = text_task(
    "imdb_reviews",
    TEXT_CLASSIFICATION,
    "tell positive film reviews from negative ones",
    Source("tfds", "imdb_reviews"),
    load,
    num_classes=1,
    threshold=0.83,
    class_names=("negative", "positive"),
    model_options={"vocabulary_size": 10000, "sequence_length": 120},
    exam=TextStarter(
        vocab_size=10000,
        max_length=120,
        padding="pre",
        truncating="post",
        fitted_on="tfds' 25,000 training reviews",
    ),
    epochs=6,
    batch_size=64,
    patience=2,
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
