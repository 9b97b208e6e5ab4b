"""A U-Net for per-pixel classification (semantic segmentation)."""

import keras
from keras import ops

from zoo.layers.argument_utils import (
    check_divisible_sides,
    check_positive_int,
    check_rate,
)
from zoo.models.signature_utils import built_input_shape, serving_spec


@keras.saving.register_keras_serializable(package="zoo")
class UNet(keras.Model):
    """Encoder-decoder of convolution blocks with skip connections, per-pixel logits.

    Each of the `depth` encoder levels applies two 3x3 convolutions and
    halves the sides with max pooling; a bottleneck block follows; each
    decoder level doubles the sides with a 2x2 transposed convolution,
    concatenates the encoder features of the same resolution (the skip
    connection) and applies two 3x3 convolutions. A 1x1 convolution gives
    the class logits of every pixel. The network is fully convolutional:
    any image whose height and width divide by `2 ** depth` works, and the
    exported signature accepts any such size.

    Train with `loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)`
    on integer masks `(batch, height, width)`.

    Args:
        num_classes: int, number of pixel classes (background included).
        depth: int, number of downsampling levels.
        filters: int, filters of the first level, doubled at each level.
        batch_norm: bool, batch normalization after each convolution, over
            the global batch under `tf.distribute`.
        dropout: float in [0, 1), dropout on the bottleneck's features.
        **kwargs: passed to `keras.Model` (`name`, ...).

    Call arguments:
        images: tensor `(batch, height, width, channels)`.
        training: bool, whether batch normalization and dropout train.

    Returns:
        Logits `(batch, height, width, num_classes)`.

    Export (`zoo.export.export_version`): `serving_default` (`images` →
    `probabilities` per pixel and class, `classes` the most probable class
    of each pixel).

    Example:
    >>> unet = zoo.models.UNet(num_classes=3, depth=3, filters=16)
    >>> tuple(unet(keras.ops.zeros((2, 64, 96, 3))).shape)
    (2, 64, 96, 3)

    References:
        Ronneberger, Fischer and Brox, "U-Net: Convolutional Networks for
        Biomedical Image Segmentation", MICCAI 2015.
    """

    def __init__(self, num_classes, depth=3, filters=16, batch_norm=True, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        check_positive_int("num_classes", num_classes)
        check_positive_int("depth", depth)
        check_positive_int("filters", filters)
        check_rate("dropout", dropout)
        self.num_classes = num_classes
        self.depth = depth
        self.filters = filters
        self.batch_norm = batch_norm
        self.dropout = dropout
        self.down_blocks = [
            self._conv_block(filters * 2**level, f"down_{level}") for level in range(depth)
        ]
        self.pools = [
            keras.layers.MaxPooling2D(2, dtype=self.dtype_policy, name=f"pool_{level}")
            for level in range(depth)
        ]
        self.bottleneck = self._conv_block(filters * 2**depth, "bottleneck")
        self.bottleneck_dropout = keras.layers.Dropout(
            dropout, dtype=self.dtype_policy, name="bottleneck_dropout"
        )
        self.upsamplers = [
            keras.layers.Conv2DTranspose(
                filters * 2**level, 2, strides=2, dtype=self.dtype_policy, name=f"upsample_{level}"
            )
            for level in reversed(range(depth))
        ]
        self.up_blocks = [
            self._conv_block(filters * 2**level, f"up_{level}") for level in reversed(range(depth))
        ]
        # Float32 logits, as Keras advises for a model's last layer.
        self.head = keras.layers.Conv2D(num_classes, 1, dtype="float32", name="head")

    def _conv_block(self, filters, name):
        layers = []
        for i in range(2):
            # Batch normalization's shift makes the convolution's bias redundant.
            layers.append(
                keras.layers.Conv2D(
                    filters,
                    3,
                    padding="same",
                    use_bias=not self.batch_norm,
                    dtype=self.dtype_policy,
                    name=f"{name}_conv_{i}",
                )
            )
            if self.batch_norm:
                # Statistics of the global batch under tf.distribute, so that
                # N replicas train as one device does (JAX's data parallelism
                # sees the global batch already; the option is TF-only).
                layers.append(
                    keras.layers.BatchNormalization(
                        synchronized=keras.backend.backend() == "tensorflow",
                        dtype=self.dtype_policy,
                        name=f"{name}_norm_{i}",
                    )
                )
            layers.append(
                keras.layers.Activation("relu", dtype=self.dtype_policy, name=f"{name}_relu_{i}")
            )
        return keras.Sequential(layers, name=name)

    def call(self, images, training=None):
        check_divisible_sides("UNet", images.shape[1], images.shape[2], self.depth)
        x = images
        skips = []
        for block, pool in zip(self.down_blocks, self.pools):
            x = block(x, training=training)
            skips.append(x)
            x = pool(x)
        x = self.bottleneck_dropout(self.bottleneck(x, training=training), training=training)
        for upsample, block, skip in zip(self.upsamplers, self.up_blocks, reversed(skips)):
            x = block(ops.concatenate([upsample(x), skip], axis=-1), training=training)
        return self.head(x)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:3], self.num_classes)

    def serving_endpoints(self):
        """Returns the export signature `serving_default`: images → per-pixel
        `probabilities` and `classes`, for images of any divisible size."""
        channels = built_input_shape(self)[-1]

        def segment(images):
            probabilities = ops.softmax(self(images, training=False), axis=-1)
            return {
                "probabilities": probabilities,
                "classes": ops.cast(ops.argmax(probabilities, axis=-1), "int32"),
            }

        return {"serving_default": (segment, [serving_spec((None, None, channels), "images")])}

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "depth": self.depth,
            "filters": self.filters,
            "batch_norm": self.batch_norm,
            "dropout": self.dropout,
        }
