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
#     zoo grade horses_or_humans mymodel.h5   (in a session: zoo exam submit DIR)
# Offline: set ZOO_DATA to a tensorflow-datasets folder (see load_split).
# ==========================================================================
#
# QUESTION
#
# Build and train a classifier that tells horses from humans, using the
# horses_or_humans TensorFlow dataset (computer-rendered pictures). The
# grader feeds 300x300 colour images, scaled as preprocess() scales them,
# so the input shape is (300, 300, 3). End with the 2-unit softmax layer
# given: label 0 is a horse, 1 a human.
#
# How you are graded: accuracy on tfds' test images (the model never sees
# them here). 5/5 from 0.98; one mark less per 0.03 below.
#
# Keras 3 no longer has ImageDataGenerator, the course's way to scale and
# augment images. preprocess() below does its rescale=1./255 on a tf.data
# pipeline; for its rotation_range, zoom_range or horizontal_flip, put
# layers such as tf.keras.layers.RandomFlip, RandomRotation and RandomZoom
# at the start of your model (they only act while training).

import os

import tensorflow as tf
import tensorflow_datasets as tfds

HERE = os.path.dirname(os.path.abspath(__file__))
DATASET = "horses_or_humans"
BATCH_SIZE = 32


def load_split(split):
    """Returns tfds' horses_or_humans `split` as a dataset of (image, label) pairs.

    tfds downloads the dataset into ~/tensorflow_datasets the first time.
    Offline, prepare it on a machine with network access
    (`tfds build horses_or_humans --data_dir DIR`), copy DIR over, and run
    this file with ZOO_DATA=DIR.
    """
    try:
        return tfds.load(DATASET, split=split, as_supervised=True,
                         data_dir=os.environ.get("ZOO_DATA"))
    except Exception as error:  # tfds raises many kinds when it cannot download
        raise SystemExit(
            f"Could not load tensorflow-datasets '{DATASET}' ({type(error).__name__}: "
            f"{error}). Offline? Run `tfds build {DATASET} --data_dir DIR` on a machine "
            f"with network access, copy DIR here, and run: ZOO_DATA=DIR python "
            f"{os.path.basename(__file__)}") from None


# DO NOT CHANGE: the grader scales its held-out images the same way.
def preprocess(image, label):
    """Scales uint8 pixels 0-255 to floats in [0, 1], as rescale=1./255 did."""
    return tf.cast(image, tf.float32) / 255.0, label


def solution_model():
    # The first 90% of tfds' training images train, the rest validate.
    train_data = load_split("train[:90%]").map(preprocess).shuffle(1000).batch(BATCH_SIZE)
    valid_data = load_split("train[90%:]").map(preprocess).batch(BATCH_SIZE)

    model = tf.keras.Sequential([
        tf.keras.Input(shape=(300, 300, 3)),
        # TODO: your layers here (e.g. Conv2D and MaxPooling2D blocks, then
        # Flatten and Dense).
        tf.keras.layers.Dense(2, activation="softmax"),  # DO NOT CHANGE
    ])
    # TODO: compile the model, then fit it on train_data, watching valid_data.
    return model


# Running the file trains the model and saves mymodel.h5, the file the exam
# uploaded. Keras 3 calls .h5 its legacy format, but writes and reads it.
if __name__ == "__main__":
    model = solution_model()
    model.save(os.path.join(HERE, "mymodel.h5"))
