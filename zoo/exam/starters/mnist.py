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
# grader loads that file and scores it 0-5 on images it has never seen:
#     zoo grade mnist mymodel.h5           (in a session: zoo exam submit DIR)
# Offline: set ZOO_DATA to a tensorflow-datasets folder (see load_split).
# ==========================================================================
#
# QUESTION
#
# Build and train a classifier for the MNIST dataset: handwritten digits
# 0-9 in 28x28 greyscale pictures. The grader feeds the model 28x28
# images, so its input shape is (28, 28): do not resize them. End with the
# 10-unit softmax layer given.
#
# How you are graded: accuracy on tfds' test images (the model never sees
# them here). 5/5 from 0.97; one mark less per 0.01 below.

import os

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

HERE = os.path.dirname(os.path.abspath(__file__))
DATASET = "mnist"


def load_split(split):
    """Returns tfds' mnist `split` as (images, labels) NumPy arrays.

    tfds downloads the dataset into ~/tensorflow_datasets the first time.
    Offline, prepare it on a machine with network access
    (`tfds build mnist --data_dir DIR`), copy DIR over, and run this
    file with ZOO_DATA=DIR.
    """
    data_dir = os.environ.get("ZOO_DATA")
    try:
        pairs = list(
            tfds.as_numpy(tfds.load(DATASET, split=split, as_supervised=True, data_dir=data_dir))
        )
    except ImportError as error:  # a module is missing: no download can help
        raise SystemExit(
            f"module {error.name} is missing, which tensorflow-datasets needs to load "
            f"'{DATASET}' ({error}). The install is broken, not the network: reinstall "
            f"with: python -m pip install keras-cert-zoo"
        ) from None
    except Exception as error:
        # requests' errors (tfds downloads with it) and tfds' DownloadError mean
        # the download failed; anything else is shown as it is.
        kinds = {kind.__name__ for kind in type(error).__mro__}
        if not kinds & {"ConnectionError", "RequestException", "DownloadError"}:
            raise
        raise SystemExit(
            f"Could not download tensorflow-datasets '{DATASET}' ({type(error).__name__}: "
            f"{error}). Offline? Run `tfds build {DATASET} --data_dir DIR` on a machine "
            f"with network access, copy DIR here, and run: ZOO_DATA=DIR python "
            f"{os.path.basename(__file__)}"
        ) from None
    # tfds adds a channel axis; the exam's arrays are 28x28.
    images = np.stack([image[..., 0] for image, _ in pairs])
    labels = np.array([label for _, label in pairs])
    return images, labels


# DO NOT CHANGE: the grader scales its held-out pixels the same way.
def preprocess(images):
    """Scales uint8 pixels 0-255 to floats in [0, 1]."""
    return images.astype("float32") / 255.0


def solution_model():
    # The first 90% of tfds' training images train, the rest validate.
    train_images, train_labels = load_split("train[:90%]")
    valid_images, valid_labels = load_split("train[90%:]")
    train_images, valid_images = preprocess(train_images), preprocess(valid_images)

    model = tf.keras.Sequential(
        [
            tf.keras.Input(shape=(28, 28)),
            # TODO: your layers here (e.g. Flatten and Dense, or Reshape and Conv2D).
            tf.keras.layers.Dense(10, activation="softmax"),  # DO NOT CHANGE
        ]
    )
    # TODO: compile the model, then fit it on (train_images, train_labels),
    # watching (valid_images, valid_labels).
    return model
