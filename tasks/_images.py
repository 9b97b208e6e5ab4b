"""What the image-classification tasks share: the CAM classifier and its pictures.

The exported model takes uint8 pixels as they are; scaling to [0, 1] is the
backbone's first layer. The head is a `CAMHead`, so every image task can
show where the evidence for its prediction lies.

The exam's image starters scaled pixels outside the model instead
(`ImageDataGenerator(rescale=1./255)`, or `x / 255.0` for the MNIST sets),
at the task's size; `ImageStarter` declares that, so such a model is fed
the held-out images scaled the same way.
"""

import contextlib
import functools
import io
import math
from pathlib import Path

import numpy as np

from zoo.grading.conventions import EXAM, FLOAT_DTYPES, Convention, HeldOut, evenly
from zoo.task import Splits, Steps, Task, accuracy, classifier_output

SCALE = 1 / 255
# The share of train/ an image-folder starter validates on (its validation_split).
STARTER_VALIDATION = 0.1
# The files keras.utils.image_dataset_from_directory reads.
IMAGE_SUFFIXES = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def scaling_layers(model):
    """The layers of a Keras model that scale pixels by 1/255 (or to [−1, 1]).

    Args:
        model: a Keras model, or None.

    Returns:
        A list of `keras.layers.Rescaling` layers (empty for None).
    """
    from zoo.grading.predictor import keras_layers

    if model is None:
        return []
    return [
        layer
        for layer in keras_layers(model)
        if type(layer).__name__ == "Rescaling"
        and np.isclose(float(np.ravel(layer.scale)[0]), (SCALE, 2 * SCALE)).any()
    ]


def read_image_folder(folder, class_folders, size, expected, validation_split=None):
    """Reads `folder/<class>/*` as `size`×`size` uint8 images, as the starters read them.

    The images go through `keras.utils.image_dataset_from_directory` at the
    task's size, as the exam starters' own reading did, so the grader sees
    the pixels a learner's model saw (rounded back to whole levels).

    Args:
        folder: a folder with one subfolder per class.
        class_folders: the class folders in label order (the order
            `image_dataset_from_directory` infers: sorted by name).
        size: the side the images are resized to.
        expected: what `--data` should be, in words, for the error.
        validation_split: the share to hold out as the exam starter did
            (`image_dataset_from_directory`'s own split, seed 0), or None
            for every image.

    Returns:
        `(images, labels)`; with `validation_split`, a pair of them:
        training, then validation.

    Raises:
        FileNotFoundError: when class folders are missing, naming them.
    """
    import keras

    missing = [name for name in class_folders if not (Path(folder) / name).is_dir()]
    if missing:
        named = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        raise FileNotFoundError(f"{folder} lacks {named}/: pass --data {expected}.")
    read = functools.partial(
        keras.utils.image_dataset_from_directory,
        folder,
        labels="inferred",
        label_mode="int",
        class_names=list(class_folders),
        image_size=(size, size),
        batch_size=64,
        verbose=False,
    )
    if validation_split is None:
        return _arrays(read(shuffle=False))
    images = sum(
        1
        for name in class_folders
        for path in (Path(folder) / name).rglob("*")  # Keras reads subfolders too
        if path.suffix.lower() in IMAGE_SUFFIXES
    )
    if int(images * validation_split) == 0:
        # Keras would hold out no image and train on none ("No training images found").
        raise ValueError(
            f"{folder} has {images} images: the starter's {validation_split:.0%} validation "
            f"split needs at least {math.ceil(1 / validation_split)}. Pass --data {expected}."
        )
    # The starter's own split: the same files, whatever order they come in.
    # Keras prints how many files each part has, whatever `verbose` says.
    with contextlib.redirect_stdout(io.StringIO()):
        training, validation = read(validation_split=validation_split, subset="both", seed=0)
    return _arrays(training), _arrays(validation)


def _arrays(dataset):
    images, labels = zip(*((x.numpy(), y.numpy()) for x, y in dataset))
    return np.concatenate(images).round().astype("uint8"), np.concatenate(labels)


def image_folder_splits(root, class_folders, size, expected):
    """The `Splits` of an exam zip of image folders: `train/` and `validation/`.

    `validation/` is held out for grading; `STARTER_VALIDATION` of `train/`,
    the very images the exam-style starter holds out, validates while
    training, and the rest trains.

    Args:
        root: the folder the zip extracts to.
        class_folders: the class folders in label order.
        size: the side of the images.
        expected: what `--data` should be, in words, for errors.

    Returns:
        `Splits`.
    """
    train, validation = read_image_folder(
        Path(root) / "train", class_folders, size, expected, STARTER_VALIDATION
    )
    return Splits(
        train,
        validation,
        read_image_folder(Path(root) / "validation", class_folders, size, expected),
        source=str(root),
        validation_source=f"the {STARTER_VALIDATION:.0%} of train/ that the exam "
        "starter holds out (seed 0)",
    )


def resized(size):
    """A tfds pipeline step that resizes pictures to `size`×`size` uint8, as the starters do.

    Args:
        size: the side of the contract's images.

    Returns:
        `transform(image, label) -> (image, label)` on tensors (for
        `zoo.data.tfds_splits`): bilinear with antialiasing, rounded.
    """

    def transform(image, label):
        import tensorflow as tf

        image = tf.image.resize(image, (size, size), antialias=True)
        return tf.cast(tf.round(image), tf.uint8), label

    return transform


class ImageStarter(Convention):
    """An exam image starter's preprocessing: pixels scaled by 1/255 outside the model.

    Args:
        image_shape: the starter's image size, e.g. `(150, 150, 3)`.
        how: the starter's scaling code in words.

    Example:
    >>> from zoo.tasks import get_task
    >>> starter = get_task("cats_vs_dogs").exam
    >>> starter.input_shape, starter.input_dtype, starter.how
    ((150, 150, 3), 'float32', 'ImageDataGenerator(rescale=1./255)')
    """

    name = EXAM

    def __init__(self, image_shape, how="ImageDataGenerator(rescale=1./255)"):
        self.how = how
        self.metric, self.measure, self.scoring = "accuracy", accuracy, None
        self.input_shape, self.input_dtype = tuple(image_shape), "float32"

    def describe(self):
        """Returns what the model is fed, in words."""
        shape = "×".join(str(d) for d in self.input_shape)
        return f"pixels scaled by 1/255 outside the model, as {self.how} did ({shape} float32)"

    def admits(self, dtype, shape):
        """Float pixels only: uint8 or string inputs are not scaled pixels."""
        return dtype is None or dtype in FLOAT_DTYPES

    def rules_out(self, model):
        """A Rescaling(1/255) inside means the model takes raw pixels."""
        if scaling_layers(model):
            return (
                "the model rescales pixels itself (a Rescaling(1/255) layer inside), "
                "so it takes raw 0–255 pixels"
            )
        return None

    def suggests(self, model):
        """A Keras model with no scaling layer expects pixels scaled outside it."""
        if model is not None and not scaling_layers(model):
            return (
                "no layer inside the model scales its pixels, so it expects them "
                f"scaled outside, as {self.how} did"
            )
        return None

    def held_out(self, splits):
        """The held-out images scaled by 1/255, as float32."""
        x, y = splits.test
        return HeldOut(x.astype("float32") * np.float32(SCALE), y)

    def sample(self, splits, count):
        """Validation images scaled by 1/255, as float32."""
        x, y = evenly(splits.validation, count)
        return HeldOut(x.astype("float32") * np.float32(SCALE), y)


def build_cam_classifier(
    splits, num_classes, filters=(16, 32, 64), learning_rate=1e-3, augment=False
):
    """A small convolutional backbone under a CAM head, compiled.

    Args:
        splits: the task's `Splits` (for the image shape).
        num_classes: number of classes; 1 gives one sigmoid unit.
        filters: channels of the convolution blocks; each block but the last
            halves the resolution.
        learning_rate: Adam's learning rate.
        augment: whether to flip and rotate the training images a little.

    Returns:
        A compiled `CAMClassifier`.
    """
    import keras

    from zoo.models import CAMClassifier

    layers = keras.layers
    shape = splits.train[0].shape[1:]
    blocks = [keras.Input(shape, dtype="uint8", name="images")]
    if len(shape) == 2:  # grey images without a channel axis
        blocks.append(layers.Reshape((*shape, 1)))
    blocks.append(layers.Rescaling(1.0 / 255))
    if augment:
        blocks += [layers.RandomFlip("horizontal"), layers.RandomRotation(0.05)]
    for i, width in enumerate(filters):
        blocks.append(layers.Conv2D(width, 3, padding="same", activation="relu"))
        if i < len(filters) - 1:
            blocks.append(layers.MaxPooling2D())
    backbone = keras.Sequential(blocks, name="backbone")
    activation, loss = classifier_output(num_classes)
    model = CAMClassifier(backbone, num_classes, activation=activation)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=["accuracy"])
    return model


def cam_pictures(task, model, splits, predictions, out_dir, count=8):
    """Writes `cam_overlays.png`: held-out images and their heatmaps of the predicted class.

    Args:
        task: the `Task`.
        model: the trained `CAMClassifier`.
        splits: the task's `Splits`.
        predictions: held-out probabilities from the grader (unused: the
            maps are of the predicted class).
        out_dir: folder for the PNG.
        count: how many images to show.

    Returns:
        A one-element list with the PNG's `Path`.
    """
    from zoo.report.model_figures import plot_cams

    # Spread over the held-out set: image folders come sorted by class.
    images = splits.test[0][np.linspace(0, len(splits.test[0]) - 1, count).astype(int)]
    probabilities, heatmaps = (np.asarray(t) for t in model(images, return_cam=True))
    if probabilities.shape[-1] == 1:
        # One sigmoid unit has one map, the positive class's evidence; where
        # the negative class is predicted, its evidence is that map negated.
        heatmaps = np.where(probabilities[:, :, None] >= 0.5, heatmaps, -heatmaps)
    return [plot_cams(images / 255.0, heatmaps, f"{out_dir}/cam_overlays.png")]


def image_task(
    name,
    category,
    summary,
    source,
    load,
    image_shape,
    class_names,
    threshold,
    num_classes=None,
    step=0.02,
    filters=(16, 32, 64),
    augment=False,
    scaled_by="ImageDataGenerator(rescale=1./255)",
    build=None,
    **fields,
):
    """Declares an image-classification task: uint8 pixels → class probabilities.

    Args:
        name: the task's name.
        category: a `zoo.task.Category` (learning dataset, real-world images
            or zoo model).
        summary: one line on the task.
        source: a `zoo.task.Source`.
        load: `load(data=None) -> Splits`.
        image_shape: shape of one image, e.g. `(150, 150, 3)`.
        class_names: names of the classes.
        threshold: accuracy for 5/5.
        num_classes: output units; `len(class_names)` when None (1 for a
            binary task with one sigmoid unit).
        step: accuracy per lost mark.
        filters: the reference backbone's channels.
        augment: whether the reference augments training images.
        build: `build(splits, num_classes) -> model`, a reference builder
            that replaces `build_cam_classifier` (then `filters` and
            `augment` are unused).
        scaled_by: how the exam-style starter scaled pixels outside the
            model, in words (`ImageStarter`).
        **fields: other `Task` fields (epochs, batch_size...).

    Returns:
        A `Task`.
    """
    units = num_classes or len(class_names)

    def build_reference(splits):
        if build is not None:
            return build(splits, units)
        return build_cam_classifier(splits, units, filters=filters, augment=augment)

    fields.setdefault("monitor", "val_accuracy")
    scoring = Steps(threshold=threshold, step=step)
    exam = ImageStarter(image_shape, how=scaled_by)
    exam.scoring = scoring  # the exam scored scaled-pixel models by the same rule
    return Task(
        name=name,
        category=category,
        summary=summary,
        source=source,
        load=load,
        build=build_reference,
        input_shape=tuple(image_shape),
        input_dtype="uint8",
        output_shape=(units,),
        output_activation=classifier_output(units)[0],
        metric="accuracy",
        measure=accuracy,
        scoring=scoring,
        exam=exam,
        pictures=cam_pictures,
        class_names=tuple(class_names),
        starter_hint="Conv2D/MaxPooling2D blocks; scale pixels inside the "
        "model with Rescaling(1/255)",
        **fields,
    )
