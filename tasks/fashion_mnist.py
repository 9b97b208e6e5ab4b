"""Category 2: clothing pictures (tfds `fashion_mnist`), 28×28 uint8 → 10 classes."""

from tasks._images import image_task
from tasks.mnist import squeeze_channel
from zoo.data import tfds_splits
from zoo.task import Source
from zoo.training import solve

CLASS_NAMES = ("T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
               "sneaker", "bag", "ankle boot")


def load(data=None):
    """Returns the `Splits` (tfds train 90/10, held-out: tfds test)."""
    return tfds_splits("fashion_mnist", data, transform=squeeze_channel)


TASK = image_task(
    "fashion_mnist", 2, "recognise clothing in 28×28 greyscale pictures",
    Source("tfds", "fashion_mnist"), load, (28, 28), CLASS_NAMES, threshold=0.89,
    step=0.02, filters=(32, 64, 64), epochs=15, batch_size=128)


def solution_model():
    """Trains the reference solution and returns the model (the exam's format)."""
    return solve(TASK)[0]
