"""Category 2: CIFAR-10, ten kinds of 32×32 colour picture, 32×32×3 uint8 → 10 softmax.

The November 2022 sitting's category-2 question: its starter loaded the data
with `tf.keras.datasets.cifar10`, which downloads `cifar-10-python.tar.gz`
and reads its pickled batches. This task reads that archive itself, in the
same format: `cifar-10-batches-py/data_batch_1` … `data_batch_5` (the 50,000
training pictures) and `test_batch` (10,000), each a pickled dict whose
`b"data"` holds one picture per row (1,024 red, then green, then blue
values) and whose `b"labels"` holds the classes. `test_batch` is held out
for grading; the last 5,000 training pictures, the exam-style starter's
validation split, validate; the first 45,000 train.

No public source states the exam's top-marks threshold for CIFAR-10, and no
copy of the data is at hand here to measure a course-style model on. The
threshold is provisional: 0.70, from TensorFlow's own CNN tutorial on
CIFAR-10 (tensorflow.org/tutorials/images/cnn: "Your simple CNN has
achieved a test accuracy of over 70%"), with one mark less per 0.03 below.
"""

import pickle
import sys

import numpy as np

from zoo.data import fetch_file, file_format
from zoo.task import LEARNING_DATASET, Source, Splits
from zoo.tasks._images import image_task
from zoo.training.script import run_script

SOURCE = Source(
    "url",
    "cifar-10-python.tar.gz",
    url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    sha256="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    extract=True,
    folder="cifar-10-batches-py",
)
CLASS_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
TRAINING_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
# The share of the training pictures the starter validates on: its last 5,000 of 50,000.
STARTER_VALIDATION = 0.1
EXPECTED = (
    "CIFAR-10's python archive (cifar-10-python.tar.gz, or the cifar-10-batches-py "
    "folder it extracts to): pickled batches data_batch_1 to data_batch_5 and "
    'test_batch, each a dict of b"data" (one 3,072-byte picture per row) and '
    'b"labels"'
)
# What a pickled batch may build: NumPy arrays and nothing else.
ALLOWED_GLOBALS = frozenset(
    {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
    }
)


class ArraysOnly(pickle.Unpickler):
    """Unpickles NumPy arrays and plain values only: a tampered batch cannot run code."""

    def find_class(self, module, name):
        if (module, name) in ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"a CIFAR-10 batch holds no {module}.{name}")


def read_batch(path):
    """Reads one pickled CIFAR-10 batch as `tf.keras.datasets.cifar10` reads it.

    Args:
        path: a batch file, e.g. `cifar-10-batches-py/data_batch_1`.

    Returns:
        `(images, labels)`: uint8 `(n, 32, 32, 3)` (channels last) and int64
        `(n,)`.

    Raises:
        zoo.data.DataFormatError: for another format, naming this one.

    Example:
    >>> images, labels = read_batch("cifar-10-batches-py/test_batch")
    >>> images.shape, labels.shape
    ((10000, 32, 32, 3), (10000,))
    """
    with file_format(path, EXPECTED), open(path, "rb") as file:
        # The batches were pickled by Python 2: their keys are bytes.
        batch = ArraysOnly(file, encoding="bytes").load()
        pixels = np.asarray(batch[b"data"], dtype="uint8")
        images = pixels.reshape(len(pixels), 3, 32, 32).transpose(0, 2, 3, 1)
        labels = np.asarray(batch[b"labels"], dtype="int64")
        if len(labels) != len(images):
            raise ValueError(f"{len(images)} pictures but {len(labels)} labels")
        return images, labels


def read_folder(folder):
    """Reads the extracted archive's training and test batches.

    Args:
        folder: the `cifar-10-batches-py` folder.

    Returns:
        `((train_images, train_labels), (test_images, test_labels))`.

    Raises:
        FileNotFoundError: when a batch is missing, naming it and `--data`.
    """
    missing = [name for name in (*TRAINING_BATCHES, "test_batch") if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{folder} lacks {', '.join(missing)}: pass --data cifar-10-python.tar.gz or "
            "the cifar-10-batches-py folder it extracts to."
        )
    parts = [read_batch(folder / name) for name in TRAINING_BATCHES]
    train = tuple(np.concatenate(arrays) for arrays in zip(*parts))
    return train, read_batch(folder / "test_batch")


def load(data=None):
    """Returns the `Splits` of the archive (downloaded, or `data`)."""
    folder = fetch_file(SOURCE, data)
    (images, labels), test = read_folder(folder)
    cut = len(images) - round(len(images) * STARTER_VALIDATION)
    return Splits(
        (images[:cut], labels[:cut]),
        (images[cut:], labels[cut:]),
        test,
        source=str(folder),
        validation_source=f"the last {len(images) - cut} training pictures, the "
        "exam starter's validation split",
    )


TASK = image_task(
    "cifar10",
    LEARNING_DATASET,
    "tell ten kinds of small colour picture apart",
    SOURCE,
    load,
    (32, 32, 3),
    CLASS_NAMES,
    threshold=0.70,
    step=0.03,
    filters=(32, 64, 128),
    augment=True,
    scaled_by="x / 255.0",
    epochs=30,
    batch_size=64,
    patience=5,
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
