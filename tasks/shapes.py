"""A zoo task on generated images: which shape is drawn, and where (CAM).

Needs no download: 64×64 colour images of a circle, a square or a triangle
of random size, colour and place on a noisy background. The reference is a
`CAMClassifier`, so its report shows where it saw each shape.
"""

import sys

import numpy as np

from zoo.task import ZOO_MODEL, Source, Splits
from zoo.tasks._images import image_task
from zoo.training.script import run_script

SIZE = 64
CLASS_NAMES = ("circle", "square", "triangle")


def draw_shapes(count, seed):
    """Draws `count` images with one random shape each.

    Args:
        count: number of images.
        seed: seed of the generator.

    Returns:
        `(images, labels)`: uint8 `(count, 64, 64, 3)` and int `(count,)`.
    """
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:SIZE, 0:SIZE]
    images = rng.integers(0, 60, (count, SIZE, SIZE, 3)).astype("uint8")
    labels = rng.integers(0, len(CLASS_NAMES), count)
    for image, label in zip(images, labels):
        radius = rng.uniform(7, 14)
        cy, cx = rng.uniform(radius + 1, SIZE - radius - 1, 2)
        dy, dx = rows - cy, cols - cx
        if label == 0:
            inside = dy**2 + dx**2 <= radius**2
        elif label == 1:
            inside = (np.abs(dy) <= radius * 0.8) & (np.abs(dx) <= radius * 0.8)
        else:  # apex up: below the apex, within the widening sides
            inside = (dy >= -radius) & (dy <= radius * 0.7) & (np.abs(dx) <= (dy + radius) * 0.6)
        image[inside] = rng.integers(120, 256, 3)
    return images, labels


def load(data=None):
    """Returns generated `Splits`; `data` is ignored (nothing to download)."""
    return Splits(
        train=draw_shapes(1200, seed=1),
        validation=draw_shapes(200, seed=2),
        test=draw_shapes(300, seed=3),
        source="generated: shapes on noise",
    )


TASK = image_task(
    "shapes",
    ZOO_MODEL,
    "tell circles, squares and triangles apart, with CAM heatmaps",
    Source("generated", "64×64 shapes on noise"),
    load,
    (SIZE, SIZE, 3),
    CLASS_NAMES,
    threshold=0.95,
    step=0.03,
    filters=(16, 32, 32),
    epochs=12,
    batch_size=32,
    patience=3,
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
