# ==========================================================================
# MOCK EXAM, QUESTION 3 OF 5 (category 3: a CNN on real-world images)
#
# The exam had five questions, one per category, from 1 (easiest) to 5
# (hardest), and five hours for all of them. A question's weight grows with
# its category: this one counts three times a category-1 question.
#
# As in the exam:
# - no Lambda layers: the grader cannot load them from mymodel.h5;
# - keep the input shape and the last layer exactly as given;
# - code marked DO NOT CHANGE prepares the data the way the grader prepares
#   its held-out data: change it and your model is fed something else.
# Running this file trains your model and saves mymodel.h5 beside it. The
# grader loads that file and scores it 0-5 on images it has never seen:
#     zoo grade beans mymodel.h5        (in a session: zoo exam submit DIR)
# Offline: set ZOO_DATA to a tensorflow-datasets folder (see load_split).
# ==========================================================================
#
# QUESTION
#
# Build and train a classifier for the beans TensorFlow dataset, a question
# of the exam's last versions (2022-2024): pictures of bean leaves with
# angular leaf spot (label 0), with bean rust (1), or healthy (2). tfds'
# pictures are 500x500; the grader feeds them resized to 300x300 and scaled
# as preprocess() does, so the input shape is (300, 300, 3). End with the
# 3-unit softmax layer given.
#
# How you are graded: accuracy on tfds' test pictures (the model never sees
# them here). 5/5 from 0.75 (the exam's hint: "a validation accuracy of
# approximately 0.75 or above"); one mark less per 0.03 below.

import os

import tensorflow as tf
import tensorflow_datasets as tfds

DATASET = "beans"
IMAGE_SIZE = 300
BATCH_SIZE = 32


def load_split(split):
    """Returns tfds' beans `split` as a dataset of (image, label) pairs.

    tfds downloads the dataset into ~/tensorflow_datasets the first time.
    Offline, prepare it on a machine with network access
    (`tfds build beans --data_dir DIR`), copy DIR over, and
    run this file with ZOO_DATA=DIR.
    """
    try:
        return tfds.load(
            DATASET, split=split, as_supervised=True, data_dir=os.environ.get("ZOO_DATA")
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


# DO NOT CHANGE: the grader resizes and scales its held-out images the same way.
def preprocess(image, label):
    """Resizes tfds' 500x500 pictures to 300x300 and scales pixels to [0, 1]."""
    image = tf.image.resize(image, (IMAGE_SIZE, IMAGE_SIZE), antialias=True)
    return image / 255.0, label


def solution_model():
    # tfds' train split trains and its validation split validates; test is the grader's.
    train_data = load_split("train").map(preprocess).shuffle(1000).batch(BATCH_SIZE)
    valid_data = load_split("validation").map(preprocess).batch(BATCH_SIZE)

    model = tf.keras.Sequential(
        [
            tf.keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 3)),
            # TODO: your layers here: Conv2D and MaxPooling2D blocks, then
            # Flatten and Dense; RandomFlip, RandomRotation and RandomZoom at the
            # start augment the pictures while training.
            tf.keras.layers.Dense(3, activation="softmax"),  # DO NOT CHANGE
        ]
    )
    # TODO: compile the model (sparse_categorical_crossentropy: the labels are
    # class numbers), then fit it on train_data, watching valid_data.
    return model
