"""Category 2: handwritten digits (tfds `mnist`), 28×28 uint8 → 10 classes."""

import sys

from zoo.data import tfds_splits
from zoo.task import LEARNING_DATASET, Source
from zoo.tasks._images import image_task
from zoo.training.script import run_script

DIGITS = tuple(str(d) for d in range(10))


def squeeze_channel(image, label):
    """Drops tfds' channel axis: the exam's arrays are 28×28."""
    return image[..., 0], label


def load(data=None):
    """Returns the `Splits` (tfds train 90/10, held-out: tfds test)."""
    return tfds_splits("mnist", data, transform=squeeze_channel)


TASK = image_task(
    "mnist",
    LEARNING_DATASET,
    "recognise handwritten digits",
    Source("tfds", "mnist"),
    load,
    (28, 28),
    DIGITS,
    threshold=0.97,
    step=0.01,
    filters=(32, 64, 64),
    scaled_by="the starter's x / 255.0",
    epochs=10,
    batch_size=128,
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
