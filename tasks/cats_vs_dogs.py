"""Category 3: cat or dog? The course's `cats_and_dogs_filtered` zip, 150×150×3 → 1 sigmoid.

The zip extracts to `cats_and_dogs_filtered/{train,validation}/{cats,dogs}/`.
The `validation` folder is held out for grading; a tenth of `train`, the
very images the exam starter holds out, validates while training. The
reference is `photo_backbone` under a CAM head, trained from scratch for 40
epochs along a warm-up and cosine learning rate; the last epoch's weights
are exported (no early stopping, no best epoch).
"""

import sys

from zoo.data import fetch_file
from zoo.task import REAL_WORLD_IMAGES, Source
from zoo.tasks._images import image_folder_splits, image_task
from zoo.tasks._photo_classifier import build_photo_classifier, fit_photo_classifier
from zoo.training.script import run_script

SIZE = 150
CLASS_FOLDERS = ("cats", "dogs")
SOURCE = Source(
    "url",
    "cats_and_dogs_filtered.zip",
    url="https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip",
    extract=True,
)


def load(data=None):
    """Returns the `Splits` of the extracted zip (downloaded, or `data`)."""
    return image_folder_splits(
        fetch_file(SOURCE, data),
        CLASS_FOLDERS,
        SIZE,
        "the folder the zip extracts to (cats_and_dogs_filtered, with train/ and validation/)",
    )


TASK = image_task(
    "cats_vs_dogs",
    REAL_WORLD_IMAGES,
    "tell cats from dogs, trained from scratch",
    SOURCE,
    load,
    (SIZE, SIZE, 3),
    ("cat", "dog"),
    num_classes=1,
    threshold=0.72,
    step=0.03,
    build=build_photo_classifier,
    fit=fit_photo_classifier,
    monitor=None,
    epochs=40,
    batch_size=32,
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
