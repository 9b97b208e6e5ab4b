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
#     zoo grade rock_paper_scissors mymodel.h5   (in a session: zoo exam submit DIR)
# Offline: set ZOO_DATA to a tensorflow-datasets folder (see load_split).
# For transfer learning, set ZOO_WEIGHTS to InceptionV3's weights file
# (see inception_weights).
# ==========================================================================
#
# QUESTION
#
# Build and train a classifier for the rock_paper_scissors TensorFlow
# dataset: computer-rendered hands showing rock, paper or scissors. The
# grader feeds 150x150 colour images, resized and scaled as preprocess()
# does, so the input shape is (150, 150, 3). End with the 3-unit softmax
# layer given: labels 0, 1, 2 are rock, paper, scissors.
#
# How you are graded: accuracy on tfds' test images (the model never sees
# them here). 5/5 from 0.97; one mark less per 0.03 below.
#
# Keras 3 no longer has ImageDataGenerator, the course's way to resize,
# scale and augment images. preprocess() below does its target_size and
# rescale=1./255 on a tf.data pipeline; for its rotation_range, zoom_range
# or horizontal_flip, put layers such as tf.keras.layers.RandomFlip,
# RandomRotation and RandomZoom at the start of your model (they only act
# while training).

import os
import urllib.request

import tensorflow as tf
import tensorflow_datasets as tfds

HERE = os.path.dirname(os.path.abspath(__file__))
DATASET = "rock_paper_scissors"
IMAGE_SIZE = 150
BATCH_SIZE = 32


def load_split(split):
    """Returns tfds' rock_paper_scissors `split` as a dataset of (image, label) pairs.

    tfds downloads the dataset into ~/tensorflow_datasets the first time.
    Offline, prepare it on a machine with network access
    (`tfds build rock_paper_scissors --data_dir DIR`), copy DIR over, and
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
    """Resizes tfds' 300x300 pictures to 150x150 and scales pixels to [0, 1]."""
    image = tf.image.resize(image, (IMAGE_SIZE, IMAGE_SIZE), antialias=True)
    return image / 255.0, label


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
    # The first 90% of tfds' training images train, the rest validate.
    train_data = load_split("train[:90%]").map(preprocess).shuffle(1000).batch(BATCH_SIZE)
    valid_data = load_split("train[90%:]").map(preprocess).batch(BATCH_SIZE)

    model = tf.keras.Sequential(
        [
            tf.keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 3)),
            # TODO: your layers here: Conv2D and MaxPooling2D blocks, then
            # Flatten and Dense; or the course's week-3 transfer learning:
            # pretrained_inception(), tf.keras.layers.Flatten(),
            # tf.keras.layers.Dense(1024, activation="relu"),
            # tf.keras.layers.Dropout(0.2), and compile with
            # tf.keras.optimizers.RMSprop(learning_rate=1e-4).
            tf.keras.layers.Dense(3, activation="softmax"),  # DO NOT CHANGE
        ]
    )
    # TODO: compile the model, then fit it on train_data, watching valid_data.
    return model
