"""Category 3: cat or dog? The course's `cats_and_dogs_filtered` zip, 150×150×3 → 1 sigmoid.

The zip extracts to `cats_and_dogs_filtered/{train,validation}/{cats,dogs}/`.
The `validation` folder is held out for grading; the last tenth of `train`
validates while training. The reference is `photo_backbone` under a CAM head,
trained from scratch for 40 epochs along a warm-up and cosine learning rate;
the last epoch's weights are exported (no early stopping, no best epoch).
"""

import sys
from pathlib import Path

import numpy as np

from zoo.data import fetch_file, split_tail
from zoo.task import REAL_WORLD_IMAGES, Source, Splits
from zoo.tasks._images import image_task
from zoo.tasks._photo_classifier import build_photo_classifier, fit_photo_classifier
from zoo.training_script import run_script

SIZE = 150
CLASS_FOLDERS = ("cats", "dogs")
SOURCE = Source("url", "cats_and_dogs_filtered.zip",
                url="https://storage.googleapis.com/mledu-datasets/"
                    "cats_and_dogs_filtered.zip", extract=True)


def read_folder(folder):
    """Reads `folder/{cats,dogs}/*.jpg` as 150×150 uint8 images.

    Args:
        folder: a folder with `cats/` and `dogs/` inside.

    Returns:
        `(images, labels)` with label 0 for cats and 1 for dogs.

    Raises:
        FileNotFoundError: when the class folders are missing.
    """
    import keras

    missing = [name for name in CLASS_FOLDERS if not (Path(folder) / name).is_dir()]
    if missing:
        raise FileNotFoundError(
            f"{folder} lacks {', '.join(missing)}/: pass --data the folder the zip "
            "extracts to (cats_and_dogs_filtered, with train/ and validation/).")
    dataset = keras.utils.image_dataset_from_directory(
        folder, labels="inferred", label_mode="int", class_names=list(CLASS_FOLDERS),
        image_size=(SIZE, SIZE), batch_size=64, shuffle=False, verbose=False)
    images, labels = zip(*((x.numpy(), y.numpy()) for x, y in dataset))
    return np.concatenate(images).round().astype("uint8"), np.concatenate(labels)


def load(data=None):
    """Returns the `Splits` of the extracted zip (downloaded, or `data`)."""
    root = fetch_file(SOURCE, data)
    x, y = read_folder(root / "train")
    order = np.random.default_rng(0).permutation(len(x))  # folders come sorted by class
    train, validation = split_tail((x[order], y[order]), 0.1)
    return Splits(train, validation, read_folder(root / "validation"), source=str(root))


TASK = image_task(
    "cats_vs_dogs", REAL_WORLD_IMAGES, "tell cats from dogs, trained from scratch", SOURCE, load,
    (SIZE, SIZE, 3), ("cat", "dog"), num_classes=1, threshold=0.72, step=0.03,
    build=build_photo_classifier, fit=fit_photo_classifier, monitor=None, epochs=40,
    batch_size=32)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
