"""Category 2: clothing pictures (tfds `fashion_mnist`), 28×28 uint8 → 10 classes."""

import sys

from zoo.data import tfds_splits
from zoo.task import LEARNING_DATASET, Source
from zoo.tasks._images import image_task
from zoo.tasks.mnist import squeeze_channel
from zoo.training.script import run_script

CLASS_NAMES = (
    "T-shirt/top",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle boot",
)


def load(data=None):
    """Returns the `Splits` (tfds train 90/10, held-out: tfds test)."""
    return tfds_splits("fashion_mnist", data, transform=squeeze_channel)


TASK = image_task(
    "fashion_mnist",
    LEARNING_DATASET,
    "recognise clothing in 28×28 greyscale pictures",
    Source("tfds", "fashion_mnist"),
    load,
    (28, 28),
    CLASS_NAMES,
    threshold=0.89,
    step=0.02,
    filters=(32, 64, 64),
    scaled_by="the starter's x / 255.0",
    epochs=15,
    batch_size=128,
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
