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
# For transfer learning, set ZOO_WEIGHTS to InceptionV3's weights file
# (see inception_weights).
# ==========================================================================
#
# QUESTION
#
# Build and train a classifier that tells cats from dogs, on the course's
# cats_and_dogs_filtered pictures: from scratch, or with transfer learning
# as the course's week 3 did it (pretrained_inception() below: InceptionV3's
# ImageNet features, frozen, under your own layers). The grader feeds 150x150
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
        raise SystemExit(
            f"ZOO_DATA={local}: no {FOLDER}/train/ there. Point ZOO_DATA "
            f"at {FOLDER}.zip or the folder it extracts to."
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
            opened.extractall(HERE)
    return folder


# DO NOT CHANGE: the grader reads its held-out images the same way.
def load_images(folder, validation_split=None, subset=None):
    """Reads folder/{cats,dogs}/*.jpg as batches of 150x150 images and 0/1 labels."""
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


# DO NOT CHANGE: the grader scales its held-out pixels the same way.
def preprocess(images, labels):
    """Scales pixels 0-255 to floats in [0, 1], as rescale=1./255 did."""
    return images / 255.0, labels


# Transfer learning, as the course's week 3 did it: InceptionV3 with its
# ImageNet weights (a file downloaded once), all layers frozen, cut at the
# layer 'mixed7', under a new classifier of your own.
WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
WEIGHTS_URL = f"https://storage.googleapis.com/mledu-datasets/{WEIGHTS_FILE}"


def inception_weights(path=None):
    """Returns the path of InceptionV3's no-top ImageNet weights file.

    It is `path` if given, else $ZOO_WEIGHTS if set (your local copy of
    the file), else the file downloaded beside this one, once.
    """
    local = path or os.environ.get("ZOO_WEIGHTS")
    if local:
        if not os.path.isfile(local):
            raise SystemExit(
                f"{local}: no such file. Point ZOO_WEIGHTS at your copy of {WEIGHTS_FILE}."
            )
        return local
    target = os.path.join(HERE, WEIGHTS_FILE)
    if not os.path.isfile(target):
        try:
            urllib.request.urlretrieve(WEIGHTS_URL, f"{target}.part")
        except OSError as error:
            raise SystemExit(
                f"Could not download {WEIGHTS_URL} ({error}). Offline? Download "
                f"{WEIGHTS_FILE} on a machine with network access and run: "
                f"ZOO_WEIGHTS=/path/to/{WEIGHTS_FILE} python "
                f"{os.path.basename(__file__)}"
            ) from None
        os.replace(f"{target}.part", target)
    return target


def pretrained_inception(weights_path=None):
    """InceptionV3 up to its layer 'mixed7', ImageNet weights loaded, every layer frozen.

    As the course built it: InceptionV3(input_shape=(150, 150, 3),
    include_top=False, weights=None), then load_weights from the local
    file. It takes 150x150 images scaled to [0, 1] (as the course fed it)
    and gives 7x7x768 features: put Flatten and Dense layers after it.
    """
    base = tf.keras.applications.InceptionV3(
        input_shape=(150, 150, 3), include_top=False, weights=None
    )
    base.load_weights(inception_weights(weights_path))
    for layer in base.layers:
        layer.trainable = False
    return tf.keras.Model(
        base.input, base.get_layer("mixed7").output, name="inception_v3_to_mixed7"
    )


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
            # Flatten and Dense; or the course's week-3 transfer learning:
            # pretrained_inception(), tf.keras.layers.Flatten(),
            # tf.keras.layers.Dense(1024, activation="relu"),
            # tf.keras.layers.Dropout(0.2), and compile with
            # tf.keras.optimizers.RMSprop(learning_rate=1e-4).
            tf.keras.layers.Dense(1, activation="sigmoid"),  # DO NOT CHANGE
        ]
    )
    # TODO: compile the model, then fit it on train_data, watching valid_data.
    return model
