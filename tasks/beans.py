"""Category 3: bean leaves, healthy or diseased (tfds `beans`), 300×300×3 uint8 → 3 softmax.

A question of the exam's last versions (2022–2024): leaves with angular
leaf spot, with bean rust, or healthy. tfds' 500×500 pictures are resized to
the contract's 300×300, as the starter's `preprocess()` resized them
before scaling by 1/255. tfds' own splits serve: `train` trains,
`validation` (the starter's validation split) validates, `test` is held
out for grading.

The starter's hint sets top marks: "a validation accuracy of approximately
0.75 or above"; one mark less per 0.03 below, as the pool's image tasks
lose marks. The reference is the photo classifier of `cats_vs_dogs`.
"""

import sys

from zoo.data import tfds_splits
from zoo.task import REAL_WORLD_IMAGES, Source
from zoo.tasks._images import image_task, resized
from zoo.tasks._photo_classifier import build_photo_classifier, fit_photo_classifier
from zoo.training.script import run_script

SIZE = 300


def load(data=None):
    """Returns the `Splits` (tfds train, validation and, held out, test)."""
    return tfds_splits(
        "beans", data, train="train", validation="validation", test="test", transform=resized(SIZE)
    )


TASK = image_task(
    "beans",
    REAL_WORLD_IMAGES,
    "tell healthy bean leaves from two diseases",
    Source("tfds", "beans"),
    load,
    (SIZE, SIZE, 3),
    ("angular_leaf_spot", "bean_rust", "healthy"),
    threshold=0.75,
    step=0.03,
    build=build_photo_classifier,
    fit=fit_photo_classifier,
    monitor=None,
    scaled_by="preprocess(): resize, then image / 255",
    epochs=30,
    batch_size=32,
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
