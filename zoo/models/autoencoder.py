"""An autoencoder with separate encoder and decoder, optionally denoising."""

import keras

from zoo.models.encoder_decoder_utils import encoder_decoder
from zoo.models.signature_utils import serving_spec
from zoo.models.sub_model_utils import (
    deserialize_sub_models,
    mark_built,
    serialize_sub_models,
)


@keras.saving.register_keras_serializable(package="zoo")
class Autoencoder(keras.Model):
    """Encoder to a small code, decoder back to the input; optionally denoising.

    With `noise_stddev > 0` Gaussian noise is added to the inputs during
    training only, and the model is still fitted against the clean inputs,
    so it learns to remove noise (a denoising autoencoder). Train with
    `compile(optimizer, loss="mse")` and `fit(x, x)`.

    `Autoencoder.dense(...)` and `Autoencoder.convolutional(...)` build the
    two usual variants; any pair of models with matching shapes also works.

    Args:
        encoder: a `keras.Model` mapping inputs to codes `(batch, latent_dim)`.
        decoder: a `keras.Model` mapping codes back to inputs' shape.
        noise_stddev: float >= 0, standard deviation of the training noise;
            0 gives a plain autoencoder.
        seed: int, seed of the training noise.
        **kwargs: passed to `keras.Model` (`name`, ...).

    Call arguments:
        inputs: tensor of the encoder's input shape.
        training: bool, whether to add the training noise.

    Returns:
        The reconstructions, shaped like `inputs`.

    Export (`zoo.export.export_version`): `serving_default` (`inputs` →
    `reconstruction`), `encode` (`inputs` → `latent`), `decode` (`latent` →
    `reconstruction`).

    Example:
    >>> model = zoo.models.Autoencoder.convolutional((28, 28, 1), latent_dim=16)
    >>> model.compile(optimizer="adam", loss="mse")
    >>> tuple(model(keras.ops.zeros((2, 28, 28, 1))).shape)
    (2, 28, 28, 1)

    References:
        Hinton and Salakhutdinov, "Reducing the Dimensionality of Data with
        Neural Networks", Science 2006; Vincent et al., "Extracting and
        Composing Robust Features with Denoising Autoencoders", ICML 2008.
    """

    def __init__(self, encoder, decoder, noise_stddev=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if noise_stddev < 0:
            raise ValueError(
                "`noise_stddev` is the standard deviation of the training "
                f"noise and must be >= 0. Received: noise_stddev={noise_stddev}"
            )
        self.encoder = encoder
        self.decoder = decoder
        self.noise_stddev = noise_stddev
        self.seed = seed
        self.noise = keras.layers.GaussianNoise(
            noise_stddev, seed=seed, dtype=self.dtype_policy, name="noise"
        )
        mark_built(self, encoder=encoder, decoder=decoder)

    @classmethod
    def dense(cls, input_shape, latent_dim, units=(128,), output_activation="sigmoid", **kwargs):
        """Builds a dense autoencoder.

        Args:
            input_shape: tuple, shape of one example.
            latent_dim: int, width of the code.
            units: tuple of ints, hidden widths of the encoder (the decoder
                mirrors them).
            output_activation: `"sigmoid"` for inputs in [0, 1], None for
                real values.
            **kwargs: passed to the constructor (`noise_stddev`, `seed`...).

        Returns:
            An `Autoencoder`.
        """
        return cls(
            *encoder_decoder(
                "dense",
                input_shape,
                latent_dim,
                units,
                output_activation,
                dtype=kwargs.get("dtype"),
            ),
            **kwargs,
        )

    @classmethod
    def convolutional(
        cls, input_shape, latent_dim, filters=(16, 32), output_activation="sigmoid", **kwargs
    ):
        """Builds a convolutional autoencoder.

        Args:
            input_shape: tuple `(height, width, channels)`, sides divisible
                by `2 ** len(filters)`.
            latent_dim: int, width of the code.
            filters: tuple of ints, filters of the strided convolutions.
            output_activation: `"sigmoid"` for pixels in [0, 1].
            **kwargs: passed to the constructor (`noise_stddev`, `seed`...).

        Returns:
            An `Autoencoder`.
        """
        return cls(
            *encoder_decoder(
                "convolutional",
                input_shape,
                latent_dim,
                filters,
                output_activation,
                dtype=kwargs.get("dtype"),
            ),
            **kwargs,
        )

    def call(self, inputs, training=None):
        return self.decoder(
            self.encoder(self.noise(inputs, training=training), training=training),
            training=training,
        )

    def encode(self, inputs):
        """Returns the codes `(batch, latent_dim)` of `inputs`."""
        return self.encoder(inputs, training=False)

    def decode(self, latent):
        """Returns the decoded examples of codes `(batch, latent_dim)`."""
        return self.decoder(latent, training=False)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def serving_endpoints(self):
        """Returns the export signatures: `serving_default`, `encode`, `decode`."""
        input_shape = tuple(self.encoder.inputs[0].shape[1:])
        latent_shape = tuple(self.decoder.inputs[0].shape[1:])
        return {
            "serving_default": (
                lambda inputs: {"reconstruction": self(inputs, training=False)},
                [serving_spec(input_shape, "inputs")],
            ),
            "encode": (
                lambda inputs: {"latent": self.encode(inputs)},
                [serving_spec(input_shape, "inputs")],
            ),
            "decode": (
                lambda latent: {"reconstruction": self.decode(latent)},
                [serving_spec(latent_shape, "latent")],
            ),
        }

    def get_config(self):
        return {
            **super().get_config(),
            **serialize_sub_models(self, ("encoder", "decoder")),
            "noise_stddev": self.noise_stddev,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_sub_models(config, ("encoder", "decoder")))
