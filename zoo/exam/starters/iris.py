# ==========================================================================
# MOCK EXAM, QUESTION 2 OF 5 (category 2: a model from a learning dataset)
#
# The exam had five questions, one per category, from 1 (easiest) to 5
# (hardest), and five hours for all of them. A question's weight grows with
# its category: this one counts twice a category-1 question.
#
# As in the exam:
# - no Lambda layers: the grader cannot load them from mymodel.h5;
# - keep the input shape and the last layer exactly as given.
# Running this file trains your model and saves mymodel.h5 beside it. The
# grader loads that file and scores it 0-5 on flowers it has never seen:
#     zoo grade iris mymodel.h5            (in a session: zoo exam submit DIR)
# Offline: set ZOO_DATA to a tensorflow-datasets folder (see load_split).
# ==========================================================================
#
# QUESTION
#
# Train a classifier for the Iris dataset: three species of iris told apart
# by four measurements (sepal and petal length and width, in cm). The model
# takes the four raw measurements, input shape (4,), and ends with the
# 3-unit softmax layer given. Scale them inside the model if you want them
# scaled: the grader feeds the raw numbers.
#
# How you are graded: accuracy on the last 20% of tfds' flowers, which this
# file never loads. 5/5 from 0.93; one mark less per 0.03 below.

import os

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

HERE = os.path.dirname(os.path.abspath(__file__))
DATASET = "iris"


def load_split(split):
    """Returns tfds' iris `split` as (features, labels) NumPy arrays.

    tfds downloads the dataset into ~/tensorflow_datasets the first time.
    Offline, prepare it on a machine with network access
    (`tfds build iris --data_dir DIR`), copy DIR over, and run this file
    with ZOO_DATA=DIR.
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
    features = np.stack([features for features, _ in pairs])
    labels = np.array([label for _, label in pairs])
    return features, labels


def solution_model():
    # tfds has one split of 150 flowers: 70% train, 10% validate, and the
    # last 20% are the grader's.
    train_x, train_y = load_split("train[:70%]")
    valid_x, valid_y = load_split("train[70%:80%]")

    model = tf.keras.Sequential(
        [
            tf.keras.Input(shape=(4,)),
            # TODO: your layers here (a Normalization layer adapted on train_x
            # scales the measurements inside the model).
            tf.keras.layers.Dense(3, activation="softmax"),  # DO NOT CHANGE
        ]
    )
    # TODO: compile the model, then fit it on (train_x, train_y), watching
    # (valid_x, valid_y).
    return model
