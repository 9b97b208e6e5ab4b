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
#     zoo grade hurricane_damage mymodel.h5   (in a session: zoo exam submit DIR)
# Offline: set ZOO_DATA to a local copy of the data (see download_data).
# ==========================================================================
#
# QUESTION
#
# Build and train a classifier that tells damaged from undamaged buildings
# in satellite pictures of Texas after Hurricane Harvey, a question of the
# exam's last versions (2022-2024). The zip holds train/ and validation/,
# each with damage/ and no_damage/. The grader feeds 128x128 colour images,
# read, resized and scaled as load_images() and preprocess() do, so the
# input shape is (128, 128, 3). End with the 1-unit sigmoid layer given:
# 0 is damage, 1 no_damage.
#
# How you are graded: accuracy on the zip's validation/ folder, which this
# file never reads. 5/5 from 0.95 (the exam's hint: "a validation accuracy
# of approximately 0.95 or above"); one mark less per 0.03 below.

import os
import urllib.request
import zipfile

import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
URL = (
    "https://storage.googleapis.com/download.tensorflow.org/data/certificate/"
    "satellitehurricaneimages.zip"
)
FOLDER = "satellitehurricaneimages"
CLASS_FOLDERS = ["damage", "no_damage"]
IMAGE_SIZE = 128
BATCH_SIZE = 64


def download_data():
    """Returns the folder the zip extracts to, with train/ and validation/ inside.

    With ZOO_DATA set, it is your local copy: the zip, or the folder it
    extracts to. Otherwise the zip is downloaded and extracted beside this
    file, once, into satellitehurricaneimages/.
    """
    local = os.environ.get("ZOO_DATA")
    if local:
        if zipfile.is_zipfile(local):
            with zipfile.ZipFile(local) as archive:
                archive.extractall(os.path.join(HERE, FOLDER))
            local = os.path.join(HERE, FOLDER)
        for folder in (local, os.path.join(local, FOLDER)):
            if os.path.isdir(os.path.join(folder, "train")):
                return folder
        raise SystemExit(
            f"ZOO_DATA={local}: no train/ there. Point ZOO_DATA at {FOLDER}.zip "
            "or the folder it extracts to."
        )
    folder = os.path.join(HERE, FOLDER)
    if not os.path.isdir(os.path.join(folder, "train")):
        archive = os.path.join(HERE, f"{FOLDER}.zip")
        try:
            urllib.request.urlretrieve(URL, f"{archive}.part")
        except OSError as error:
            raise SystemExit(
                f"Could not download {URL} ({error}). Offline? Download {FOLDER}.zip on "
                f"a machine with network access and run: ZOO_DATA=/path/to/{FOLDER}.zip "
                f"python {os.path.basename(__file__)}"
            ) from None
        os.replace(f"{archive}.part", archive)
        with zipfile.ZipFile(archive) as opened:
            opened.extractall(folder)
    return folder


# DO NOT CHANGE: the grader reads its held-out images the same way.
def load_images(folder, validation_split=None, subset=None):
    """Reads folder/{damage,no_damage}/* as batches of 128x128 images and 0/1 labels."""
    return tf.keras.utils.image_dataset_from_directory(
        folder,
        labels="inferred",
        label_mode="binary",
        class_names=CLASS_FOLDERS,
        image_size=(IMAGE_SIZE, IMAGE_SIZE),
        batch_size=BATCH_SIZE,
        validation_split=validation_split,
        subset=subset,
        seed=0 if validation_split else None,
    )


# DO NOT CHANGE: the grader resizes and scales its held-out pixels the same way.
def preprocess(image, label):
    """Resizes to 128x128 (load_images already has) and scales pixels to [0, 1]."""
    image = tf.image.resize(image, (IMAGE_SIZE, IMAGE_SIZE))
    return image / 255.0, label


def solution_model():
    root = download_data()
    # train/ alone: 90% of it trains, 10% validates. validation/ is the grader's.
    train_data, valid_data = load_images(
        os.path.join(root, "train"), validation_split=0.1, subset="both"
    )
    train_data, valid_data = train_data.map(preprocess), valid_data.map(preprocess)

    model = tf.keras.Sequential(
        [
            tf.keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 3)),
            # TODO: your layers here: Conv2D and MaxPooling2D blocks, then
            # Flatten and Dense; RandomFlip and RandomRotation at the start
            # augment the pictures while training.
            tf.keras.layers.Dense(1, activation="sigmoid"),  # DO NOT CHANGE
        ]
    )
    # TODO: compile the model (binary_crossentropy), then fit it on
    # train_data, watching valid_data.
    return model
