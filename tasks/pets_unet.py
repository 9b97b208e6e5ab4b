"""A zoo task: segment pets from background (tfds `oxford_iiit_pet`, `zoo.models.UNet`).

Images and their trimaps are resized to 128×128; pixel classes are
0 background, 1 pet, 2 outline. The exported model takes uint8 images and
returns per-pixel class probabilities; scored by mean IoU over the three
classes on the tfds test split.
"""

import sys

import numpy as np

from zoo.data import tfds_splits
from zoo.task import ZOO_MODEL, Source, Steps, Task
from zoo.training.script import run_script

SIZE = 128
CLASS_NAMES = ("background", "pet", "outline")
# tfds' trimap: 1 pet, 2 background, 3 outline (0 unused).
TRIMAP_TO_CLASS = (0, 1, 0, 2)


def resize(image, mask):
    """Resizes an image (smoothly) and its trimap (nearest) to 128×128 classes."""
    import tensorflow as tf

    image = tf.cast(tf.round(tf.image.resize(image, (SIZE, SIZE), antialias=True)), tf.uint8)
    mask = tf.image.resize(mask, (SIZE, SIZE), method="nearest")[..., 0]
    mask = tf.gather(
        tf.constant(TRIMAP_TO_CLASS, tf.uint8), tf.clip_by_value(tf.cast(mask, tf.int32), 0, 3)
    )
    return image, mask


def load(data=None):
    """Returns the `Splits` (tfds train 90/10, held-out: tfds test)."""
    return tfds_splits(
        "oxford_iiit_pet", data, transform=resize, keys=("image", "segmentation_mask")
    )


def mean_iou(y_true, y_pred):
    """Mean intersection over union of the classes present in either mask.

    Args:
        y_true: integer masks `(n, h, w)`.
        y_pred: class probabilities `(n, h, w, classes)`.

    Returns:
        A float in [0, 1].
    """
    y_true = np.asarray(y_true).astype(int)
    predicted = np.asarray(y_pred).argmax(-1)
    ious = []
    for c in range(np.asarray(y_pred).shape[-1]):
        union = np.logical_or(y_true == c, predicted == c).sum()
        if union:
            ious.append(np.logical_and(y_true == c, predicted == c).sum() / union)
    return float(np.mean(ious))


def build(splits):
    """A U-Net of depth 3 behind the uint8 input, softmax per pixel."""
    import keras

    from zoo.models import UNet

    layers = keras.layers
    inputs = keras.Input((SIZE, SIZE, 3), dtype="uint8", name="images")
    logits = UNet(num_classes=3, depth=3, filters=16, name="unet")(
        layers.Rescaling(1 / 255)(inputs)
    )
    model = keras.Model(inputs, layers.Softmax(name="probabilities")(logits), name="segmenter")
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def mask_pictures(task, model, splits, predictions, out_dir, count=6):
    """Writes `masks.png`: held-out images, true masks, predicted masks."""
    from zoo.report.model_figures import plot_masks

    return [
        plot_masks(
            splits.test[0][:count] / 255.0,
            predictions[:count],
            f"{out_dir}/masks.png",
            true_masks=splits.test[1][:count],
        )
    ]


TASK = Task(
    name="pets_unet",
    category=ZOO_MODEL,
    summary="segment pets from the background",
    source=Source("tfds", "oxford_iiit_pet"),
    load=load,
    build=build,
    input_shape=(SIZE, SIZE, 3),
    input_dtype="uint8",
    output_shape=(SIZE, SIZE, 3),
    output_activation=None,
    metric="mean IoU",
    measure=mean_iou,
    scoring=Steps(threshold=0.70, step=0.05),
    epochs=15,
    batch_size=32,
    patience=3,
    pictures=mask_pictures,
    class_names=CLASS_NAMES,
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
