"""Category 3: rock, paper or scissors hands (tfds `rock_paper_scissors`), 150×150×3 → 3."""

import sys

from zoo.data import tfds_splits
from zoo.task import REAL_WORLD_IMAGES, Source
from zoo.tasks._images import image_task, resized
from zoo.training.script import run_script

SIZE = 150
# tfds' 300×300 pictures, resized to the contract's 150×150 uint8.
resize = resized(SIZE)


def load(data=None):
    """Returns the `Splits` (tfds train 90/10, held-out: tfds test)."""
    return tfds_splits("rock_paper_scissors", data, transform=resize)


TASK = image_task(
    "rock_paper_scissors",
    REAL_WORLD_IMAGES,
    "tell rock, paper and scissors hands apart",
    Source("tfds", "rock_paper_scissors"),
    load,
    (SIZE, SIZE, 3),
    ("rock", "paper", "scissors"),
    threshold=0.97,
    step=0.03,
    filters=(16, 32, 64, 64),
    augment=True,
    epochs=15,
    batch_size=32,
    patience=4,
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
