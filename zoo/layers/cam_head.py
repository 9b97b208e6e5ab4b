"""Classification head that also yields class activation maps."""

import keras
from keras import ops

from zoo.layers.argument_utils import check_positive_int


@keras.saving.register_keras_serializable(package="zoo")
class CAMHead(keras.layers.Layer):
    """Global average pooling and a dense classifier, with class activation maps.

    On a feature map `f` of shape `(batch, h, w, K)` the head predicts
    `act(GAP(f) W + b)`. Because pooling comes before the only dense layer,
    the class score decomposes over positions, and the class activation map
    of class `c` is `M_c(x, y) = Σ_k w_k^c f_k(x, y)` (the bias is left out,
    as in the paper).

    Under a mixed precision policy the classifier computes in the policy's
    compute dtype, but the predictions and maps are float32, as the last
    layer of a Keras model should be: the activation runs in a float32
    `Activation` sublayer and the maps are summed in float32.

    Args:
        num_classes: int, number of classes.
        activation: activation of the predictions, `"softmax"` by default;
            `"sigmoid"` for one-unit binary heads; None for logits.
        kernel_initializer: initializer of the class weights.
        **kwargs: passed to `keras.layers.Layer` (`name`, `dtype`, ...).

    Call arguments:
        feature_map: tensor `(batch, h, w, K)`, the last convolutional features.
        return_cam: bool, whether to also return the class activation maps.
        class_index: optional int or integer tensor `(batch,)`, the class
            whose map to return; the predicted class when None (for a
            one-unit sigmoid head there is one map, of the positive class).

    Returns:
        The float32 predictions `(batch, num_classes)`, and with
        `return_cam=True` also the float32 maps `(batch, h, w)`.

    Example:
    >>> head = zoo.layers.CAMHead(num_classes=3)
    >>> features = keras.random.normal((2, 7, 7, 64))
    >>> probabilities, maps = head(features, return_cam=True)
    >>> tuple(probabilities.shape), tuple(maps.shape)
    ((2, 3), (2, 7, 7))

    References:
        Zhou et al., "Learning Deep Features for Discriminative
        Localization", CVPR 2016.
    """

    def __init__(
        self, num_classes, activation="softmax", kernel_initializer="glorot_uniform", **kwargs
    ):
        super().__init__(**kwargs)
        check_positive_int("num_classes", num_classes)
        self.num_classes = num_classes
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, feature_map_shape):
        if len(feature_map_shape) != 4:
            raise ValueError(
                "CAMHead expects a feature map (batch, height, width, "
                f"channels). Received shape {tuple(feature_map_shape)}; put "
                "it after the last convolution, before any pooling or Flatten."
            )
        self.classifier = keras.layers.Dense(
            self.num_classes,
            kernel_initializer=self.kernel_initializer,
            dtype=self.dtype_policy,
            name="classifier",
        )
        self.classifier.build((feature_map_shape[0], feature_map_shape[-1]))
        # The one float32 sublayer: probabilities in float16 round small
        # ones to 0 and saturate large logits.
        self.output_activation = keras.layers.Activation(
            self.activation, dtype="float32", name="output_activation"
        )

    def call(self, feature_map, return_cam=False, class_index=None):
        logits = self.classifier(ops.mean(feature_map, axis=(1, 2)))
        predictions = self.output_activation(logits)
        if not return_cam:
            return predictions
        if class_index is None:
            class_index = ops.argmax(predictions, axis=-1)
        class_index = ops.broadcast_to(ops.cast(class_index, "int32"), ops.shape(feature_map)[:1])
        # (batch, K): each image's weights for its chosen class, the values
        # the classifier computed with.
        class_weights = ops.take(
            ops.transpose(ops.cast(self.classifier.kernel, "float32")), class_index, axis=0
        )
        maps = ops.einsum("bhwk,bk->bhw", ops.cast(feature_map, "float32"), class_weights)
        return predictions, maps

    def compute_output_shape(self, feature_map_shape):
        return (feature_map_shape[0], self.num_classes)

    def compute_output_spec(self, feature_map, return_cam=False, class_index=None):
        predictions = keras.KerasTensor(
            self.compute_output_shape(feature_map.shape), dtype="float32"
        )
        if not return_cam:
            return predictions
        maps = keras.KerasTensor(feature_map.shape[:3], dtype="float32")
        return predictions, maps

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "activation": keras.activations.serialize(self.activation),
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }
