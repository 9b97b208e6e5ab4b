"""Category 3: rock, paper or scissors hands (tfds `rock_paper_scissors`), 150×150×3 → 3."""

import tensorflow as tf

from tasks._images import image_task
from zoo.data import tfds_splits
from zoo.task import Source
from zoo.training import solve

SIZE = 150


def resize(image, label):
    """Resizes tfds' 300×300 pictures to the contract's 150×150 uint8."""
    image = tf.image.resize(image, (SIZE, SIZE), antialias=True)
    return tf.cast(tf.round(image), tf.uint8), label


def load(data=None):
    """Returns the `Splits` (tfds train 90/10, held-out: tfds test)."""
    return tfds_splits("rock_paper_scissors", data, transform=resize)


TASK = image_task(
    "rock_paper_scissors", 3, "tell rock, paper and scissors hands apart",
    Source("tfds", "rock_paper_scissors"), load, (SIZE, SIZE, 3),
    ("rock", "paper", "scissors"), threshold=0.97, step=0.03,
    filters=(16, 32, 64, 64), augment=True, epochs=15, batch_size=32, patience=4)


def solution_model():
    """Trains the reference solution and returns the model (the exam's format)."""
    return solve(TASK)[0]
