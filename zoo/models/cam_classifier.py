"""An image classifier whose predictions come with class activation maps."""

import keras
from keras import ops

from zoo.layers import CAMHead
from zoo.models.signature_utils import built_input_shape, serving_spec
from zoo.models.sub_model_utils import deserialize_sub_models, serialize_sub_models


@keras.saving.register_keras_serializable(package="zoo")
class CAMClassifier(keras.Model):
    """A convolutional backbone with a `CAMHead`: predictions and heatmaps.

    The heatmap of a class shows where in the image the evidence for that
    class lies; it is the head's class activation map upsampled (bilinear)
    from the feature map to the image size.

    Args:
        backbone: a Keras model or layer mapping images `(batch, H, W, C)` to
            a feature map `(batch, h, w, K)` (the last convolution, before
            pooling).
        num_classes: int, number of classes (1 with `activation="sigmoid"`).
        activation: activation of the predictions.
        **kwargs: passed to `keras.Model` (`name`, ...).

    Call arguments:
        images: tensor `(batch, H, W, C)`, as the backbone takes them.
        return_cam: bool, whether to also return the heatmaps.
        class_index: optional int or integer tensor `(batch,)`: the class
            whose heatmap to return; the predicted class when None.
        training: bool, passed to the backbone.

    Returns:
        Predictions `(batch, num_classes)`, and with `return_cam=True` also
        heatmaps `(batch, H, W)`.

    Example:
    >>> backbone = keras.Sequential([keras.Input((64, 64, 3)),
    ...                              keras.layers.Conv2D(8, 3, strides=2)])
    >>> model = zoo.models.CAMClassifier(backbone, num_classes=3)
    >>> probabilities, heatmaps = model(keras.ops.ones((2, 64, 64, 3)),
    ...                                 return_cam=True)
    >>> tuple(probabilities.shape), tuple(heatmaps.shape)
    ((2, 3), (2, 64, 64))

    References:
        Zhou et al., "Learning Deep Features for Discriminative
        Localization", CVPR 2016.
    """

    def __init__(self, backbone, num_classes, activation="softmax", **kwargs):
        super().__init__(**kwargs)
        self.backbone = backbone
        self.num_classes = num_classes
        self.activation = activation
        self.head = CAMHead(
            num_classes, activation=activation, dtype=self.dtype_policy, name="cam_head"
        )

    def call(self, images, return_cam=False, class_index=None, training=None):
        # Said explicitly: otherwise the first layer whose `training` defaults
        # to True (Keras' random augmentation layers) would set training mode
        # for every layer after it, batch normalisation and dropout included,
        # in calls such as `model(images)` and the export's signatures.
        features = self.backbone(images, training=bool(training))
        if not return_cam:
            return self.head(features)
        predictions, maps = self.head(features, return_cam=True, class_index=class_index)
        image_size = ops.shape(images)[1:3]
        heatmaps = ops.image.resize(ops.expand_dims(maps, -1), image_size, interpolation="bilinear")
        return predictions, ops.squeeze(heatmaps, -1)

    def serving_endpoints(self):
        """Returns the export signatures, taking images as the backbone does.

        `serving_default` gives `{"probabilities"}`; `cam` gives
        `{"probabilities", "heatmap"}`, the heatmap of the predicted class.
        The image size is the one the model was built with, and the dtype
        the backbone's input dtype: uint8 pixels for a backbone that
        rescales them itself, else float32 (under mixed precision too).
        """
        image_spec = serving_spec(built_input_shape(self)[1:], "images", dtype=self._image_dtype())

        def predict(images):
            return {"probabilities": self(images)}

        def cam(images):
            predictions, heatmaps = self(images, return_cam=True)
            return {"probabilities": predictions, "heatmap": heatmaps}

        return {"serving_default": (predict, [image_spec]), "cam": (cam, [image_spec])}

    def _image_dtype(self):
        inputs = getattr(self.backbone, "inputs", None)
        return inputs[0].dtype if inputs else "float32"

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_classes)

    def get_config(self):
        return {
            **super().get_config(),
            **serialize_sub_models(self, ("backbone",)),
            "num_classes": self.num_classes,
            "activation": self.activation,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_sub_models(config, ("backbone",)))
