# ==========================================================================
# MOCK EXAM, QUESTION 2 OF 5 (category 2: a model from a learning dataset)
#
# The exam had five questions, one per category, from 1 (easiest) to 5
# (hardest), and five hours for all of them. A question's weight grows with
# its category: this one counts twice a category-1 question.
#
# As in the exam:
# - no Lambda layers: the grader cannot load them from mymodel.h5;
# - keep the input shape and the last layer exactly as given;
# - code marked DO NOT CHANGE prepares the data the way the grader prepares
#   its held-out data: change it and your model is fed something else.
# Running this file trains your model and saves mymodel.h5 beside it. The
# grader loads that file and scores it 0-5 on pictures it has never seen:
#     zoo grade cifar10 mymodel.h5         (in a session: zoo exam submit DIR)
# Offline: set ZOO_DATA to a local copy of the data (see load_data).
# ==========================================================================
#
# QUESTION
#
# Build and train a classifier for the CIFAR-10 dataset, as the November
# 2022 sitting asked: 32x32 colour pictures of ten kinds of thing (airplane,
# automobile, bird, cat, deer, dog, frog, horse, ship, truck). The grader
# feeds the model pictures at CIFAR's own size, 32x32 with 3 colour
# channels, scaled as preprocess() scales them, so the input shape is
# (32, 32, 3). End with the 10-unit softmax layer given.
#
# How you are graded: accuracy on CIFAR-10's 10,000 test pictures, which
# this file never trains on. 5/5 from 0.70; one mark less per 0.03 below.
# No public source gives the exam's own threshold for this question: 0.70 is
# what TensorFlow's CNN tutorial says its small network reaches.

import os
import pickle
import tarfile

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
ARCHIVE = "cifar-10-python.tar.gz"
FOLDER = "cifar-10-batches-py"
# The share of the training pictures that validates: the last 5,000 of 50,000.
VALIDATION_SHARE = 0.1


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
    """Unpickles NumPy arrays and plain values only, so a tampered file cannot run code."""

    def find_class(self, module, name):
        if (module, name) in ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"a CIFAR-10 batch holds no {module}.{name}")


def read_batch(path):
    """Reads one pickled batch as Keras reads it: (n, 32, 32, 3) uint8 pictures, (n, 1) labels."""
    with open(path, "rb") as file:
        batch = ArraysOnly(file, encoding="bytes").load()
    pixels = np.asarray(batch[b"data"], dtype="uint8")
    pictures = pixels.reshape(len(pixels), 3, 32, 32).transpose(0, 2, 3, 1)
    return pictures, np.asarray(batch[b"labels"], dtype="uint8").reshape(-1, 1)


def read_local_copy(local):
    """Reads ZOO_DATA: cifar-10-python.tar.gz, or the cifar-10-batches-py folder."""
    if os.path.isfile(local) and tarfile.is_tarfile(local):
        with tarfile.open(local) as archive:
            archive.extractall(HERE, filter="data")
        local = HERE
    for folder in (local, os.path.join(local, FOLDER)):
        if os.path.isfile(os.path.join(folder, "test_batch")):
            train = [read_batch(os.path.join(folder, f"data_batch_{i}")) for i in range(1, 6)]
            x_train, y_train = (np.concatenate(part) for part in zip(*train))
            return (x_train, y_train), read_batch(os.path.join(folder, "test_batch"))
    raise SystemExit(
        f"ZOO_DATA={local}: no {FOLDER} there. Point ZOO_DATA at {ARCHIVE} or "
        f"the {FOLDER} folder it extracts to."
    )


def load_data():
    """Returns CIFAR-10 as tf.keras.datasets.cifar10.load_data() does.

    That is (x_train, y_train), (x_test, y_test): uint8 pictures
    (n, 32, 32, 3) and labels (n, 1). With ZOO_DATA set, it is your local
    copy (cifar-10-python.tar.gz, or the cifar-10-batches-py folder it
    extracts to), read the way Keras reads it. Otherwise Keras downloads the
    archive once into ~/.keras/datasets.
    """
    local = os.environ.get("ZOO_DATA")
    if local:
        return read_local_copy(local)
    try:
        return tf.keras.datasets.cifar10.load_data()
    except Exception as error:
        # Keras reports a failed download as "URL fetch failure on ...".
        if "URL fetch failure" not in str(error):
            raise
        raise SystemExit(
            f"Could not download {URL} ({error}). Offline? Download {ARCHIVE} on a machine "
            f"with network access and run: ZOO_DATA=/path/to/{ARCHIVE} python "
            f"{os.path.basename(__file__)}"
        ) from None


# DO NOT CHANGE: the grader scales its held-out pixels the same way.
def preprocess(images):
    """Scales uint8 pixels 0-255 to floats in [0, 1]."""
    return images.astype("float32") / 255.0


def solution_model():
    (train_images, train_labels), _ = load_data()
    # The last tenth of the training pictures validates; the test pictures
    # are the grader's.
    cut = len(train_images) - round(len(train_images) * VALIDATION_SHARE)
    valid_images, valid_labels = preprocess(train_images[cut:]), train_labels[cut:]
    train_images, train_labels = preprocess(train_images[:cut]), train_labels[:cut]

    model = tf.keras.Sequential(
        [
            tf.keras.Input(shape=(32, 32, 3)),
            # TODO: your layers here: Conv2D and MaxPooling2D blocks, then
            # Flatten and Dense (e.g. the tutorial's Conv2D 32, 64, 64 with
            # Dense(64)); augmentation layers such as RandomFlip help against
            # overfitting.
            tf.keras.layers.Dense(10, activation="softmax"),  # DO NOT CHANGE
        ]
    )
    # TODO: compile the model (sparse_categorical_crossentropy: the labels are
    # class numbers), then fit it on (train_images, train_labels), watching
    # (valid_images, valid_labels).
    return model
