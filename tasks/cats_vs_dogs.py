"""Category 3: cat or dog? The course's `cats_and_dogs_filtered` zip, 150×150×3 → 1 sigmoid.

The zip extracts to `cats_and_dogs_filtered/{train,validation}/{cats,dogs}/`.
The `validation` folder is held out for grading; a tenth of `train`, the
very images the exam starter holds out, validates while training. The
reference is `photo_backbone` under a CAM head, trained from scratch for 40
epochs along a warm-up and cosine learning rate; the last epoch's weights
are exported (no early stopping, no best epoch).
"""

import contextlib
import functools
import io
import sys
from pathlib import Path

import numpy as np

from zoo.data import fetch_file
from zoo.task import REAL_WORLD_IMAGES, Source, Splits
from zoo.tasks._images import image_task
from zoo.tasks._photo_classifier import build_photo_classifier, fit_photo_classifier
from zoo.training.script import run_script

SIZE = 150
CLASS_FOLDERS = ("cats", "dogs")
# The share of train/ the starter validates on (its load_images' validation_split).
STARTER_VALIDATION = 0.1
SOURCE = Source("url", "cats_and_dogs_filtered.zip",
                url="https://storage.googleapis.com/mledu-datasets/"
                    "cats_and_dogs_filtered.zip", extract=True)


def read_folder(folder, validation_split=None):
    """Reads `folder/{cats,dogs}/*.jpg` as 150×150 uint8 images.

    Args:
        folder: a folder with `cats/` and `dogs/` inside.
        validation_split: the share to hold out as the exam starter's
            `load_images` did (`image_dataset_from_directory`'s own split,
            seed 0), or None for every image.

    Returns:
        `(images, labels)` with label 0 for cats and 1 for dogs; with
        `validation_split`, a pair of them: training, then validation.

    Raises:
        FileNotFoundError: when the class folders are missing.
    """
    import keras

    missing = [name for name in CLASS_FOLDERS if not (Path(folder) / name).is_dir()]
    if missing:
        raise FileNotFoundError(
            f"{folder} lacks {', '.join(missing)}/: pass --data the folder the zip "
            "extracts to (cats_and_dogs_filtered, with train/ and validation/).")
    read = functools.partial(
        keras.utils.image_dataset_from_directory, folder, labels="inferred",
        label_mode="int", class_names=list(CLASS_FOLDERS), image_size=(SIZE, SIZE),
        batch_size=64, verbose=False)
    if validation_split is None:
        return _arrays(read(shuffle=False))
    # The starter's own split: the same files, whatever order they come in.
    # Keras prints how many files each part has, whatever `verbose` says.
    with contextlib.redirect_stdout(io.StringIO()):
        training, validation = read(validation_split=validation_split, subset="both",
                                    seed=0)
    return _arrays(training), _arrays(validation)


def _arrays(dataset):
    images, labels = zip(*((x.numpy(), y.numpy()) for x, y in dataset))
    return np.concatenate(images).round().astype("uint8"), np.concatenate(labels)


def load(data=None):
    """Returns the `Splits` of the extracted zip (downloaded, or `data`)."""
    root = fetch_file(SOURCE, data)
    train, validation = read_folder(root / "train", STARTER_VALIDATION)
    return Splits(train, validation, read_folder(root / "validation"), source=str(root),
                  validation_source=f"the {STARTER_VALIDATION:.0%} of train/ that the exam "
                                    "starter's load_images holds out (seed 0)")


TASK = image_task(
    "cats_vs_dogs", REAL_WORLD_IMAGES, "tell cats from dogs, trained from scratch", SOURCE, load,
    (SIZE, SIZE, 3), ("cat", "dog"), num_classes=1, threshold=0.72, step=0.03,
    build=build_photo_classifier, fit=fit_photo_classifier, monitor=None, epochs=40,
    batch_size=32)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
