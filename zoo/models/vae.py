"""A variational autoencoder with a weight on the KL term (β-VAE)."""

import keras
from keras import ops

from zoo.layers import Sampling
from zoo.models.distribution_utils import scale_for_replicas
from zoo.models.encoder_decoder_utils import encoder_decoder
from zoo.models.signature_utils import serving_spec
from zoo.models.sub_model_utils import (
    deserialize_sub_models,
    mark_built,
    serialize_sub_models,
)

RECONSTRUCTION_LOSSES = ("binary_crossentropy", "squared_error")
# The encoder's outputs: the mean and log-variance of the posterior q(z|x).
POSTERIOR_HEADS = ("mean", "log_var")


@keras.saving.register_keras_serializable(package="zoo")
class VAE(keras.Model):
    """Variational autoencoder; `beta` weights the KL term (β-VAE when > 1).

    The encoder predicts a Gaussian `q(z|x) = N(mean, exp(log_var))`, the
    zoo's `Sampling` layer draws `z` from it, and the decoder maps `z` back.
    Training minimizes `reconstruction + beta * KL(q(z|x) || N(0, I))`, each
    term summed over an example's dimensions and averaged over the batch;
    with `beta=1` that is the negative evidence lower bound (ELBO).
    `fit` and `evaluate` report `loss`, `reconstruction_loss` and `kl_loss`.

    Compile with an optimizer only (`model.compile(optimizer="adam")`) and
    fit on inputs alone (`model.fit(x)`). The loss is the model's
    `compute_loss`, under Keras' standard training step, so `fit` runs on
    TensorFlow and JAX alike, and N `tf.distribute` replicas take the step
    one device takes on the same global batch. A reloaded `.keras` model
    resumes training as saved.

    Args:
        encoder: a `keras.Model` mapping inputs to `[mean, log_var]`, each
            `(batch, latent_dim)`.
        decoder: a `keras.Model` mapping codes `(batch, latent_dim)` to the
            inputs' shape.
        beta: float > 0, weight of the KL term.
        reconstruction_loss: `"binary_crossentropy"` (inputs in [0, 1],
            decoder output a sigmoid) or `"squared_error"`.
        seed: int, seed of the sampling noise.
        **kwargs: passed to `keras.Model` (`name`, ...).

    Call arguments:
        inputs: tensor of the encoder's input shape.
        training: bool, passed to the encoder and decoder.

    Returns:
        The reconstructions decoded from the mean code (deterministic).

    Export (`zoo.export.export_version`): `serving_default` (`inputs` →
    `reconstruction`), `encode` (`inputs` → `mean`, `log_variance`),
    `decode` (`latent` → `reconstruction`).

    Example:
    >>> vae = zoo.models.VAE.convolutional((28, 28, 1), latent_dim=2, beta=4.0)
    >>> vae.compile(optimizer="adam")
    >>> tuple(vae.generate(3).shape)
    (3, 28, 28, 1)

    References:
        Kingma and Welling, "Auto-Encoding Variational Bayes", ICLR 2014;
        Higgins et al., "beta-VAE: Learning Basic Visual Concepts with a
        Constrained Variational Framework", ICLR 2017.
    """

    def __init__(
        self,
        encoder,
        decoder,
        beta=1.0,
        reconstruction_loss="binary_crossentropy",
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not beta > 0:
            raise ValueError(
                "`beta` weights the KL term and must be > 0 (1 for a plain "
                f"VAE, more for a beta-VAE). Received: beta={beta}"
            )
        if reconstruction_loss not in RECONSTRUCTION_LOSSES:
            raise ValueError(
                f"`reconstruction_loss` must be one of {RECONSTRUCTION_LOSSES}. "
                f"Received: reconstruction_loss={reconstruction_loss!r}"
            )
        self.encoder = encoder
        self.decoder = decoder
        self.beta = beta
        self.reconstruction_loss = reconstruction_loss
        self.seed = seed
        self.sampling = Sampling(seed=seed, dtype=self.dtype_policy, name="sampling")
        # Its own stream, so that generating does not shift training's noise.
        self.prior_seed_generator = keras.random.SeedGenerator(
            None if seed is None else seed + 1, name="prior_seed_generator"
        )
        # `loss` itself is tracked by Keras' training step.
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")
        mark_built(self, encoder=encoder, decoder=decoder)

    @classmethod
    def dense(cls, input_shape, latent_dim, units=(128,), output_activation="sigmoid", **kwargs):
        """Builds a VAE with dense encoder and decoder.

        Args:
            input_shape: tuple, shape of one example.
            latent_dim: int, width of the code.
            units: tuple of ints, hidden widths of the encoder (mirrored).
            output_activation: `"sigmoid"` for binary cross-entropy, None
                with `reconstruction_loss="squared_error"`.
            **kwargs: passed to the constructor (`beta`, `seed`...).

        Returns:
            A `VAE`.
        """
        return cls(
            *encoder_decoder(
                "dense",
                input_shape,
                latent_dim,
                units,
                output_activation,
                POSTERIOR_HEADS,
                dtype=kwargs.get("dtype"),
            ),
            **kwargs,
        )

    @classmethod
    def convolutional(
        cls, input_shape, latent_dim, filters=(16, 32), output_activation="sigmoid", **kwargs
    ):
        """Builds a VAE with convolutional encoder and decoder.

        Args:
            input_shape: tuple `(height, width, channels)`, sides divisible
                by `2 ** len(filters)`.
            latent_dim: int, width of the code.
            filters: tuple of ints, filters of the strided convolutions.
            output_activation: `"sigmoid"` for binary cross-entropy.
            **kwargs: passed to the constructor (`beta`, `seed`...).

        Returns:
            A `VAE`.
        """
        return cls(
            *encoder_decoder(
                "convolutional",
                input_shape,
                latent_dim,
                filters,
                output_activation,
                POSTERIOR_HEADS,
                dtype=kwargs.get("dtype"),
            ),
            **kwargs,
        )

    @property
    def latent_dim(self):
        """int, width of the code."""
        return self.decoder.inputs[0].shape[-1]

    def call(self, inputs, training=None):
        mean, _ = self.encode(inputs, training=training)
        return self.decode(mean, training=training)

    def encode(self, inputs, training=False):
        """Returns `(mean, log_var)` of `q(z|inputs)`, each `(batch, latent_dim)`."""
        return self.encoder(inputs, training=training)

    def decode(self, latent, training=False):
        """Returns the decoded examples of codes `(batch, latent_dim)`."""
        return self.decoder(latent, training=training)

    def generate(self, num_samples):
        """Decodes `num_samples` codes drawn from the prior `N(0, I)`."""
        return self.decode(self._prior_sample(num_samples))

    def _prior_sample(self, num_samples):
        return keras.random.normal((num_samples, self.latent_dim), seed=self.prior_seed_generator)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Returns `reconstruction + beta * KL` of the batch `x`, one code per example.

        `y_pred`, the deterministic reconstruction `call` returns, is not
        used: the loss needs a sampled code and the posterior's mean and
        variance, so it runs the encoder and decoder itself. Updates the
        `reconstruction_loss` and `kl_loss` metrics.

        Args:
            x: the inputs (what `call` takes).
            y: must be None: a VAE reconstructs its inputs.
            y_pred: unused.
            sample_weight: unused.
            training: bool, passed to the encoder and decoder.

        Returns:
            The scalar loss, divided by the number of `tf.distribute`
            replicas as Keras' own losses are.
        """
        del y_pred, sample_weight
        targets, condition = self._split_inputs(x, y)
        mean, log_var = self.encode(targets, *condition, training=training)
        reconstruction = self.decode(self.sampling([mean, log_var]), *condition, training=training)
        reconstruction_loss = self._reconstruction_loss(targets, reconstruction)
        kl_loss = self._kl_loss(mean, log_var)
        batch_size = ops.shape(targets)[0]
        self.reconstruction_loss_tracker.update_state(reconstruction_loss, sample_weight=batch_size)
        self.kl_loss_tracker.update_state(kl_loss, sample_weight=batch_size)
        return scale_for_replicas(reconstruction_loss + self.beta * kl_loss)

    def _split_inputs(self, x, y):
        """Returns the inputs to reconstruct and the further arguments of `encode`."""
        if y is not None:
            raise ValueError(
                "A VAE reconstructs its inputs and takes no targets: call "
                "`fit(x)`, not `fit(x, y)`."
            )
        return x, ()

    def _reconstruction_loss(self, x, reconstruction):
        x = ops.cast(x, "float32")
        reconstruction = ops.cast(reconstruction, "float32")
        if self.reconstruction_loss == "binary_crossentropy":
            per_value = keras.losses.binary_crossentropy(
                ops.expand_dims(x, -1), ops.expand_dims(reconstruction, -1)
            )
        else:
            per_value = ops.square(x - reconstruction)
        per_example = ops.sum(ops.reshape(per_value, (ops.shape(x)[0], -1)), axis=1)
        return ops.mean(per_example)

    @staticmethod
    def _kl_loss(mean, log_var):
        mean = ops.cast(mean, "float32")
        log_var = ops.cast(log_var, "float32")
        kl = -0.5 * (1.0 + log_var - ops.square(mean) - ops.exp(log_var))
        return ops.mean(ops.sum(kl, axis=1))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def serving_endpoints(self):
        """Returns the export signatures: `serving_default`, `encode`, `decode`."""
        input_spec = serving_spec(self.encoder.inputs[0].shape[1:], "inputs")
        latent_spec = serving_spec((self.latent_dim,), "latent")
        return {
            "serving_default": (
                lambda inputs: {"reconstruction": self(inputs, training=False)},
                [input_spec],
            ),
            "encode": (self._encode_endpoint, [input_spec]),
            "decode": (lambda latent: {"reconstruction": self.decode(latent)}, [latent_spec]),
        }

    def _encode_endpoint(self, *inputs):
        mean, log_var = self.encode(*inputs)
        return {"mean": mean, "log_variance": log_var}

    def get_config(self):
        return {
            **super().get_config(),
            **serialize_sub_models(self, ("encoder", "decoder")),
            "beta": self.beta,
            "reconstruction_loss": self.reconstruction_loss,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_sub_models(config, ("encoder", "decoder")))
