"""The from-scratch reference for real-world photos: small, batch-normalised, and quick on a CPU.

The course's cats-and-dogs network (three Conv2D/MaxPooling2D blocks on
150×150 pixels, then a 512-unit Dense layer) learns slowly from 2,000
photos and costs most of its time on its first, full-size convolution.
This backbone shrinks the photo to 96×96 inside the model, augments it
there (flips, rotations, zooms), starts with a strided convolution, and
normalises every convolution's output, so it learns in tens of epochs and
each epoch is cheap. Its last feature map goes to the `CAMHead`, so the
heatmaps still show where the evidence lies. Training warms the learning
rate up for two epochs, then lowers it along a cosine to nearly zero, so the
last epoch's weights, the ones exported, are settled ones.
"""

import math

IMAGE_SIDE = 96
WARMUP_EPOCHS = 2


def photo_backbone(image_shape, width=24, dropout=0.2, dtype=None):
    """The convolutional backbone: uint8 photo → `(6, 6, 8 × width)` feature map.

    Args:
        image_shape: shape of one photo, e.g. `(150, 150, 3)`.
        width: channels of the first blocks; later blocks double them.
        dropout: dropout rate on the last feature map.
        dtype: the dtype policy of every layer (None: the global one).

    Returns:
        A functional `keras.Model` taking uint8 pixels.

    Example:
    >>> photo_backbone((150, 150, 3)).output_shape
    (None, 6, 6, 192)
    """
    import keras

    layers = keras.layers

    def normalised(x, filters, strides=1):
        x = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False, dtype=dtype)(
            x
        )
        # Momentum 0.9: with ~45 steps an epoch, the default 0.99 leaves the
        # inference statistics far from the training ones for many epochs.
        x = layers.BatchNormalization(momentum=0.9, dtype=dtype)(x)
        return layers.Activation("relu", dtype=dtype)(x)

    images = keras.Input(image_shape, dtype="uint8", name="images")
    x = layers.Rescaling(1.0 / 255, dtype=dtype)(images)
    x = layers.Resizing(IMAGE_SIDE, IMAGE_SIDE, dtype=dtype)(x)
    x = layers.RandomFlip("horizontal", dtype=dtype)(x)
    x = layers.RandomRotation(0.1, dtype=dtype)(x)
    x = layers.RandomZoom(0.2, dtype=dtype)(x)
    x = normalised(x, width, strides=2)
    x = normalised(x, width)
    for multiple in (2, 4, 8):
        x = layers.MaxPooling2D(dtype=dtype)(x)
        x = normalised(x, multiple * width)
        x = normalised(x, multiple * width)
    x = layers.Dropout(dropout, dtype=dtype)(x)
    return keras.Model(images, x, name="photo_backbone")


def build_photo_classifier(splits, num_classes, width=24, learning_rate=2e-3, weight_decay=1e-4):
    """A `CAMClassifier` on `photo_backbone`, compiled with AdamW.

    Args:
        splits: the task's `Splits` (for the image shape).
        num_classes: number of classes; 1 gives one sigmoid unit.
        width: the backbone's first width.
        learning_rate: the peak learning rate (see `warmup_cosine`).
        weight_decay: AdamW's decoupled weight decay.

    Returns:
        A compiled `CAMClassifier`.
    """
    import keras

    from zoo.models import CAMClassifier
    from zoo.task import classifier_output

    backbone = photo_backbone(splits.train[0].shape[1:], width=width)
    activation, loss = classifier_output(num_classes)
    model = CAMClassifier(backbone, num_classes, activation=activation)
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate, weight_decay=weight_decay),
        loss=loss,
        metrics=["accuracy"],
    )
    return model


def warmup_cosine(epoch, epochs, peak, warmup=WARMUP_EPOCHS):
    """The learning rate of an epoch: a linear warm-up to `peak`, then a cosine towards zero.

    Args:
        epoch: the epoch, from 0.
        epochs: the number of epochs of the run.
        peak: the highest learning rate.
        warmup: epochs of warm-up.

    Returns:
        The learning rate, a float.

    Example:
    >>> [round(warmup_cosine(e, 6, 1.0), 3) for e in range(6)]
    [0.5, 1.0, 1.0, 0.854, 0.5, 0.146]
    """
    if epoch < warmup:
        return peak * (epoch + 1) / warmup
    progress = min(1.0, (epoch - warmup) / max(1, epochs - warmup))
    return peak * 0.5 * (1 + math.cos(math.pi * progress))


def fit_photo_classifier(model, splits, epochs, batch_size, callbacks, verbose):
    """Fits the classifier with the learning rate along `warmup_cosine` over `epochs`.

    Args:
        model: the compiled model of `build_photo_classifier`.
        splits: the task's `Splits`.
        epochs: int, the epochs of the run (the schedule spans them).
        batch_size: int, the global batch size.
        callbacks: the run's Keras callbacks.
        verbose: Keras' verbosity.

    Returns:
        The history dict.
    """
    import keras

    from zoo.training.reference import fit_pairs

    peak = float(model.optimizer.learning_rate)  # as compiled: the schedule's peak
    schedule = keras.callbacks.LearningRateScheduler(
        lambda epoch: warmup_cosine(epoch, epochs, peak)
    )
    return fit_pairs(model, splits, epochs, batch_size, [schedule, *callbacks], verbose)
