"""A conditional variational autoencoder: the label conditions encoder and decoder."""

import keras
from keras import ops

from zoo.layers.argument_utils import unpack_pair
from zoo.models.encoder_decoder_utils import encoder_decoder
from zoo.models.signature_utils import serving_spec
from zoo.models.vae import POSTERIOR_HEADS, VAE

USAGE = (
    "ConditionalVAE takes a list [images, labels] (integer labels, shape (batch,)), "
    "e.g. `model([images, labels])` or `fit([images, labels])`"
)


@keras.saving.register_keras_serializable(package="zoo")
class ConditionalVAE(VAE):
    """Variational autoencoder conditioned on a class label.

    Both networks see the label, one-hot encoded: the encoder predicts
    `q(z|x, y)` and the decoder `p(x|z, y)`, so the code only has to hold
    what the label does not say (style), and `generate(labels)` draws new
    examples of chosen classes. Losses, `beta` and training are those of
    `zoo.models.VAE`. The model takes `[images, labels]`, in `call` and in
    `fit([images, labels])` alike.

    Args:
        encoder: a `keras.Model` mapping `[inputs, one_hot_labels]` to
            `[mean, log_var]`, each `(batch, latent_dim)`.
        decoder: a `keras.Model` mapping `[codes, one_hot_labels]` to the
            inputs' shape.
        num_classes: int, number of labels.
        beta: float > 0, weight of the KL term.
        reconstruction_loss: `"binary_crossentropy"` or `"squared_error"`.
        seed: int, seed of the sampling noise.
        **kwargs: passed to `keras.Model` (`name`, ...).

    Call arguments:
        inputs: list `[inputs, labels]`, labels being integers `(batch,)`.
        training: bool, passed to the encoder and decoder.

    Returns:
        The reconstructions decoded from the mean code (deterministic).

    Export (`zoo.export.export_version`): `serving_default` (`inputs`,
    `label` → `reconstruction`), `encode` (`inputs`, `label` → `mean`,
    `log_variance`), `decode` (`latent`, `label` → `reconstruction`),
    `generate` (`label` → `generated`, a new example of each label).

    Example:
    >>> cvae = zoo.models.ConditionalVAE.convolutional(
    ...     (28, 28, 1), num_classes=10, latent_dim=8)
    >>> cvae.compile(optimizer="adam")
    >>> tuple(cvae.generate(keras.ops.array([3, 7])).shape)
    (2, 28, 28, 1)

    References:
        Sohn, Lee and Yan, "Learning Structured Output Representation using
        Deep Conditional Generative Models", NeurIPS 2015; Kingma et al.,
        "Semi-Supervised Learning with Deep Generative Models", NeurIPS 2014.
    """

    def __init__(self, encoder, decoder, num_classes, **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        self.num_classes = num_classes

    @classmethod
    def dense(
        cls,
        input_shape,
        num_classes,
        latent_dim,
        units=(128,),
        output_activation="sigmoid",
        **kwargs,
    ):
        """Builds a conditional VAE with dense encoder and decoder.

        Args:
            input_shape: tuple, shape of one example.
            num_classes: int, number of labels.
            latent_dim: int, width of the code.
            units: tuple of ints, hidden widths of the encoder (mirrored).
            output_activation: `"sigmoid"` for binary cross-entropy.
            **kwargs: passed to the constructor (`beta`, `seed`...).

        Returns:
            A `ConditionalVAE`.
        """
        return cls(
            *encoder_decoder(
                "dense",
                input_shape,
                latent_dim,
                units,
                output_activation,
                POSTERIOR_HEADS,
                condition_dim=num_classes,
                dtype=kwargs.get("dtype"),
            ),
            num_classes,
            **kwargs,
        )

    @classmethod
    def convolutional(
        cls,
        input_shape,
        num_classes,
        latent_dim,
        filters=(16, 32),
        output_activation="sigmoid",
        **kwargs,
    ):
        """Builds a conditional VAE with convolutional encoder and decoder.

        Args:
            input_shape: tuple `(height, width, channels)`, sides divisible
                by `2 ** len(filters)`.
            num_classes: int, number of labels.
            latent_dim: int, width of the code.
            filters: tuple of ints, filters of the strided convolutions.
            output_activation: `"sigmoid"` for binary cross-entropy.
            **kwargs: passed to the constructor (`beta`, `seed`...).

        Returns:
            A `ConditionalVAE`.
        """
        return cls(
            *encoder_decoder(
                "convolutional",
                input_shape,
                latent_dim,
                filters,
                output_activation,
                POSTERIOR_HEADS,
                condition_dim=num_classes,
                dtype=kwargs.get("dtype"),
            ),
            num_classes,
            **kwargs,
        )

    def call(self, inputs, training=None):
        images, labels = unpack_pair(inputs, USAGE)
        mean, _ = self.encode(images, labels, training=training)
        return self.decode(mean, labels, training=training)

    def encode(self, inputs, labels, training=False):
        """Returns `(mean, log_var)` of `q(z|inputs, labels)`."""
        return self.encoder(
            [ops.convert_to_tensor(inputs), self._one_hot(labels)], training=training
        )

    def decode(self, latent, labels, training=False):
        """Returns examples decoded from codes and their integer labels."""
        return self.decoder(
            [ops.convert_to_tensor(latent), self._one_hot(labels)], training=training
        )

    def generate(self, labels):
        """Decodes one code drawn from the prior `N(0, I)` per label."""
        labels = ops.convert_to_tensor(labels)
        return self.decode(self._prior_sample(ops.shape(labels)[0]), labels)

    def _one_hot(self, labels):
        return ops.one_hot(ops.cast(ops.reshape(labels, (-1,)), "int32"), self.num_classes)

    def _split_inputs(self, x, y):
        if y is not None:
            raise ValueError(
                "ConditionalVAE takes the labels as an input, beside the "
                "images: call `fit([images, labels])`, not `fit(images, labels)`."
            )
        images, labels = unpack_pair(x, USAGE)
        return images, (labels,)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def serving_endpoints(self):
        """Returns the export signatures: `serving_default`, `encode`,
        `decode` and `generate`."""
        input_spec = serving_spec(self.encoder.inputs[0].shape[1:], "inputs")
        label_spec = serving_spec((), "label", dtype="int32")
        latent_spec = serving_spec((self.latent_dim,), "latent")
        return {
            "serving_default": (
                lambda inputs, label: {"reconstruction": self([inputs, label], training=False)},
                [input_spec, label_spec],
            ),
            "encode": (self._encode_endpoint, [input_spec, label_spec]),
            "decode": (
                lambda latent, label: {"reconstruction": self.decode(latent, label)},
                [latent_spec, label_spec],
            ),
            "generate": (lambda label: {"generated": self.generate(label)}, [label_spec]),
        }

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}
