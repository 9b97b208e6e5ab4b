"""Category 3: horse or human? (tfds `horses_or_humans`), 300×300×3 uint8 → 2 softmax."""

import sys

from zoo.data import tfds_splits
from zoo.task import REAL_WORLD_IMAGES, Source
from zoo.tasks._images import image_task
from zoo.training.script import run_script


def load(data=None):
    """Returns the `Splits` (tfds train 90/10, held-out: tfds test)."""
    return tfds_splits("horses_or_humans", data)


TASK = image_task(
    "horses_or_humans",
    REAL_WORLD_IMAGES,
    "tell horses from humans in rendered pictures",
    Source("tfds", "horses_or_humans"),
    load,
    (300, 300, 3),
    ("horse", "human"),
    threshold=0.98,
    step=0.03,
    filters=(16, 32, 64, 64, 64),
    augment=True,
    epochs=15,
    batch_size=32,
    patience=4,
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
