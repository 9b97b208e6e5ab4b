"""Pretrained backbones from `keras.applications`, ready to sit under a new head.

Three ImageNet networks, without their top, are offered: `mobilenet_v2`,
`inception_v3` and `efficientnet_b0`. Their weights come from ImageNet
(`"imagenet"`: Keras downloads the "no top" file once into its cache,
`~/.keras/models` or `$KERAS_HOME/models`, and reads it from there
afterwards, offline too), from a local file (a path: that same `.h5` file,
or a `.weights.h5` written by `save_weights`), or from nowhere (None:
random weights, for tests).

`backbone` wraps the application so that it takes uint8 pixels as they are:
the scaling each network was trained with is its first layer
(`Rescaling(1/127.5, offset=-1)` to [-1, 1] for MobileNetV2 and
InceptionV3; EfficientNet scales inside itself), followed by a `Resizing`
only where the network needs another size (`input_side`). No Lambda
layers, so the model saves, exports and reloads like any other.

This module imports Keras only inside its functions, so a command's
`--help` stays quick.

Example:
>>> weights_file("mobilenet_v2", 160)
'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5'
>>> input_side("mobilenet_v2", 150), input_side("inception_v3", 64)
(160, 75)
"""

import dataclasses
from pathlib import Path

IMAGENET = "imagenet"
KERAS_APPLICATIONS = "https://storage.googleapis.com/tensorflow/keras-applications/"
# The sides MobileNetV2's ImageNet weights were trained at (keras.applications
# falls back to the 224 file, with a warning, for any other side).
MOBILENET_V2_SIDES = (96, 128, 160, 192, 224)


class WeightsUnavailableError(RuntimeError):
    """A backbone's weights cannot be had: not downloadable (offline), or a file that won't fit."""


@dataclasses.dataclass(frozen=True)
class _Spec:
    constructor: str  # the keras.applications function
    scale_to_unit_range: bool  # whether pixels go to [-1, 1] before it


SPECS = {
    "mobilenet_v2": _Spec("MobileNetV2", True),
    "inception_v3": _Spec("InceptionV3", True),
    "efficientnet_b0": _Spec("EfficientNetB0", False),
}
BACKBONES = tuple(SPECS)


def check_name(name):
    """Raises ValueError naming the backbones when `name` is not one of them."""
    if name not in SPECS:
        raise ValueError(f"unknown backbone {name!r}: choose one of {', '.join(BACKBONES)}.")


def input_side(name, side):
    """The side the application is built at, for images `side` pixels across.

    MobileNetV2 takes the nearest side its ImageNet weights exist for (150
    becomes 160), so the weights see the resolution they were trained at;
    InceptionV3 needs at least 75 pixels; EfficientNetB0 takes any side from 32.

    Args:
        name: a backbone name (`BACKBONES`).
        side: int, the images' side.

    Returns:
        An int.
    """
    check_name(name)
    if name == "mobilenet_v2":
        return min(MOBILENET_V2_SIDES, key=lambda s: (abs(s - side), -s))
    return max(side, 75 if name == "inception_v3" else 32)


def weights_file(name, side, alpha=1.0):
    """The name of the "no top" ImageNet weights file Keras fetches for a backbone.

    Args:
        name: a backbone name.
        side: int, the side the application is built at (`input_side`).
        alpha: MobileNetV2's width multiplier.

    Returns:
        The file name, as keras.applications spells it.
    """
    check_name(name)
    if name == "mobilenet_v2":
        side = side if side in MOBILENET_V2_SIDES else 224
        return f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{side}_no_top.h5"
    if name == "inception_v3":
        return "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
    return "efficientnetb0_notop.h5"


def weights_url(name, side, alpha=1.0):
    """The address keras.applications downloads `weights_file(...)` from."""
    folder = {
        "mobilenet_v2": "mobilenet_v2/",
        "inception_v3": "inception_v3/",
        "efficientnet_b0": "",
    }[name]
    base = (
        "https://storage.googleapis.com/keras-applications/"
        if name == "efficientnet_b0"
        else KERAS_APPLICATIONS
    )
    return base + folder + weights_file(name, side, alpha)


def describe_weights(weights):
    """The weights in words, for cards and pages.

    Args:
        weights: `"imagenet"`, a path, or None.

    Returns:
        e.g. `"ImageNet, through keras.applications"`.
    """
    if weights is None:
        return "none: random weights, not pretrained"
    if weights == IMAGENET:
        return "ImageNet, through keras.applications"
    return f"from the file {weights}"


def application(name, side, weights=IMAGENET, alpha=1.0):
    """A `keras.applications` network without its top, at `side`×`side`×3.

    Args:
        name: a backbone name.
        side: int, the side it takes (see `input_side`).
        weights: `"imagenet"`, a path to a weights file, or None.
        alpha: MobileNetV2's width multiplier (ignored by the others).

    Returns:
        The Keras model, mapping float images to its last feature map.

    Raises:
        WeightsUnavailableError: when the ImageNet file cannot be downloaded
            (the message names the file and `--weights`), or when the file's
            weights do not fit this network.
        FileNotFoundError: when `weights` is a path with no file.
    """
    import keras

    check_name(name)
    if weights not in (None, IMAGENET) and not Path(weights).is_file():
        raise FileNotFoundError(
            f"--weights {weights}: no such file. Pass the no-top weights "
            f"file of {name} ({weights_file(name, side, alpha)}), or "
            "--weights none for random weights."
        )
    options = {"alpha": alpha} if name == "mobilenet_v2" else {}
    build = getattr(keras.applications, SPECS[name].constructor)
    try:
        return build(
            input_shape=(side, side, 3),
            include_top=False,
            weights=None if weights is None else str(weights),
            **options,
        )
    except Exception as error:  # Keras raises a bare Exception when a download fails
        if weights == IMAGENET:
            raise WeightsUnavailableError(
                f"could not download the ImageNet weights of {name}, the file "
                f"{weights_file(name, side, alpha)} ({weights_url(name, side, alpha)}): "
                f"{error}. Offline, copy that file here from a machine with network access "
                "and pass --weights PATH, or pass --weights none for random "
                "weights."
            ) from None
        if weights is not None:
            raise WeightsUnavailableError(
                f"--weights {weights}: the weights in that file do not fit "
                f"{name} without its top ({error}). Pass the file "
                f"{weights_file(name, side, alpha)}."
            ) from None
        raise


def preprocessing(name):
    """The layers that turn 0–255 pixels into what a backbone was trained on.

    Args:
        name: a backbone name.

    Returns:
        A list of Keras layers (empty for EfficientNet, which rescales inside).
    """
    import keras

    check_name(name)
    if SPECS[name].scale_to_unit_range:
        return [keras.layers.Rescaling(1 / 127.5, offset=-1, name="to_unit_range")]
    return []


def backbone(name, image_shape, weights=IMAGENET):
    """A pretrained backbone taking uint8 pixels: preprocessing, resizing, the application.

    Args:
        name: a backbone name.
        image_shape: the images' shape, `(height, width, 3)`.
        weights: `"imagenet"`, a path to a weights file, or None.

    Returns:
        A `keras.Sequential` named `"backbone"`, from uint8 images to the
        application's last feature map; its last layer is the application.

    Example:
    >>> model = backbone("mobilenet_v2", (64, 64, 3), weights=None)
    >>> model.inputs[0].dtype, model.output_shape
    ('uint8', (None, 3, 3, 1280))
    """
    import keras

    height, width = image_shape[:2]
    side = input_side(name, max(height, width))
    base = application(name, side, weights)
    layers = [keras.Input(tuple(image_shape), dtype="uint8", name="images"), *preprocessing(name)]
    if (height, width) != (side, side):
        layers.append(keras.layers.Resizing(side, side, name="to_backbone_size"))
    return keras.Sequential([*layers, base], name="backbone")


def application_of(model):
    """The `keras.applications` network inside a model built on `backbone`.

    Args:
        model: the `backbone(...)` Sequential, or a model holding it as its
            `backbone` attribute (a `zoo.models.CAMClassifier`).

    Returns:
        The application (a Keras model).
    """
    wrapper = getattr(model, "backbone", model)
    return wrapper.layers[-1]


def unfreeze_top(application_model, count):
    """Makes an application's last `count` layers trainable, batch normalisation excepted.

    Batch normalisation layers stay frozen, so they keep running in inference
    mode on their ImageNet statistics (Keras' transfer-learning guide: updating
    them on a few images would wreck what the layers after them learnt).

    Args:
        application_model: a Keras model (`application_of(...)`).
        count: int, how many of its last layers to unfreeze; 0 unfreezes none.

    Returns:
        The layers made trainable.
    """
    import keras

    application_model.trainable = True
    layers = application_model.layers
    top = layers[len(layers) - count :] if count else []
    for layer in layers:
        layer.trainable = layer in top and not isinstance(layer, keras.layers.BatchNormalization)
    return [layer for layer in top if layer.trainable]


def accepts_backbone(task):
    """Whether a task classifies colour images, so that a backbone fits it.

    Args:
        task: a `zoo.task.Task`.

    Returns:
        True for uint8 `(height, width, 3)` inputs and sigmoid or softmax
        outputs of one axis.
    """
    return (
        task.input_dtype == "uint8"
        and len(task.input_shape) == 3
        and task.input_shape[-1] == 3
        and len(task.output_shape) == 1
        and task.output_activation in ("sigmoid", "softmax")
        and task.evaluate is None
    )


def backbone_error(task, accepting):
    """The error for `--backbone` on a task that does not classify colour images.

    Args:
        task: the `Task`.
        accepting: names of the tasks that do.

    Returns:
        The message.
    """
    shape = "×".join(str(d) for d in task.input_shape) or "scalar"
    return (
        f"--backbone is for colour-image classification tasks (uint8 height×width×3 "
        f"pixels in, sigmoid or softmax out): {', '.join(accepting)}. {task.name} takes "
        f"{task.input_dtype} {shape} inputs; train it without --backbone."
    )
