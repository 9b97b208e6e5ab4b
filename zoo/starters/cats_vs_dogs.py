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
#     zoo grade cats_vs_dogs mymodel.h5    (in a session: zoo exam submit DIR)
# Offline: set ZOO_DATA to a local copy of the data (see download_data).
# ==========================================================================
#
# QUESTION
#
# Build and train a classifier that tells cats from dogs, from scratch, on
# the course's cats_and_dogs_filtered pictures. The grader feeds 150x150
# colour images, read and scaled as load_images() and preprocess() do, so
# the input shape is (150, 150, 3). End with the 1-unit sigmoid layer
# given: 0 is a cat, 1 a dog.
#
# How you are graded: accuracy on the zip's validation/ folder, which this
# file never reads. 5/5 from 0.72; one mark less per 0.03 below.
#
# Keras 3 no longer has ImageDataGenerator, the course's way to read, scale
# and augment image folders. tf.keras.utils.image_dataset_from_directory
# replaces its flow_from_directory (labels from the folder names), and
# preprocess() does its rescale=1./255; for its rotation_range, zoom_range
# or horizontal_flip, put layers such as tf.keras.layers.RandomFlip,
# RandomRotation and RandomZoom at the start of your model (they only act
# while training).

import os
import urllib.request
import zipfile

import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
URL = "https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip"
FOLDER = "cats_and_dogs_filtered"
CLASS_FOLDERS = ["cats", "dogs"]
IMAGE_SIZE = 150
BATCH_SIZE = 32


def download_data():
    """Returns the cats_and_dogs_filtered folder, with train/ inside.

    With ZOO_DATA set, it is your local copy: the zip, or the folder it
    extracts to. Otherwise the zip is downloaded and extracted beside this
    file, once.
    """
    local = os.environ.get("ZOO_DATA")
    if local:
        if zipfile.is_zipfile(local):
            with zipfile.ZipFile(local) as archive:
                archive.extractall(HERE)
            local = HERE
        for folder in (local, os.path.join(local, FOLDER)):
            if os.path.isdir(os.path.join(folder, "train")):
                return folder
        raise SystemExit(f"ZOO_DATA={local}: no {FOLDER}/train/ there. Point ZOO_DATA "
                         f"at {FOLDER}.zip or the folder it extracts to.")
    folder = os.path.join(HERE, FOLDER)
    if not os.path.isdir(os.path.join(folder, "train")):
        archive = os.path.join(HERE, f"{FOLDER}.zip")
        try:
            urllib.request.urlretrieve(URL, f"{archive}.part")
        except OSError as error:
            raise SystemExit(
                f"Could not download {URL} ({error}). Offline? Download {FOLDER}.zip on "
                f"a machine with network access and run: ZOO_DATA=/path/to/{FOLDER}.zip "
                f"python {os.path.basename(__file__)}") from None
        os.replace(f"{archive}.part", archive)
        with zipfile.ZipFile(archive) as opened:
            opened.extractall(HERE)
    return folder


# DO NOT CHANGE: the grader reads its held-out images the same way.
def load_images(folder, validation_split=None, subset=None):
    """Reads folder/{cats,dogs}/*.jpg as batches of 150x150 images and 0/1 labels."""
    return tf.keras.utils.image_dataset_from_directory(
        folder, labels="inferred", label_mode="binary", class_names=CLASS_FOLDERS,
        image_size=(IMAGE_SIZE, IMAGE_SIZE), batch_size=BATCH_SIZE,
        validation_split=validation_split, subset=subset,
        seed=0 if validation_split else None)


# DO NOT CHANGE: the grader scales its held-out pixels the same way.
def preprocess(images, labels):
    """Scales pixels 0-255 to floats in [0, 1], as rescale=1./255 did."""
    return images / 255.0, labels


def solution_model():
    root = download_data()
    # train/ alone: 90% of it trains, 10% validates. validation/ is the grader's.
    train_data, valid_data = load_images(os.path.join(root, "train"),
                                         validation_split=0.1, subset="both")
    train_data, valid_data = train_data.map(preprocess), valid_data.map(preprocess)

    model = tf.keras.Sequential([
        tf.keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 3)),
        # TODO: your layers here (e.g. Conv2D and MaxPooling2D blocks, then
        # Flatten and Dense).
        tf.keras.layers.Dense(1, activation="sigmoid"),  # DO NOT CHANGE
    ])
    # TODO: compile the model, then fit it on train_data, watching valid_data.
    return model


# Running the file trains the model and saves mymodel.h5, the file the exam
# uploaded. Keras 3 calls .h5 its legacy format, but writes and reads it.
if __name__ == "__main__":
    model = solution_model()
    model.save(os.path.join(HERE, "mymodel.h5"))
