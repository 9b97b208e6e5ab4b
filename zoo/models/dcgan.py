"""A deep convolutional generative adversarial network (DCGAN)."""

import keras
from keras import ops

from zoo.models._utils import (
    ExportableModel,
    conv_decoder,
    conv_encoder,
    dense_decoder,
    dense_encoder,
    from_config_with_sub_models,
    mark_built,
    optimizer_step,
    serving_spec,
)


@keras.saving.register_keras_serializable(package="zoo")
class DCGAN(ExportableModel, keras.Model):
    """Generator and discriminator trained against each other, one optimizer each.

    Each training step draws latent vectors from `N(0, I)`, updates the
    discriminator to tell real from generated examples, then the generator
    to fool it (the non-saturating loss of the paper). `fit` reports
    `d_loss` and `g_loss`. The discriminator outputs one logit.

    Compile with `compile(generator_optimizer, discriminator_optimizer)`
    and fit on real examples alone (`model.fit(x)`). The training step is
    written for the TensorFlow backend; `call` and `generate` run on every
    backend. A reloaded `.keras` model has both optimizers back, with their
    state, and resumes training without compiling again.

    Args:
        generator: a `keras.Model` mapping `(batch, latent_dim)` to examples.
        discriminator: a `keras.Model` mapping examples to logits `(batch, 1)`.
        latent_dim: int, width of the latent vectors.
        seed: int, seed of the latent draws.
        **kwargs: passed to `keras.Model` (`name`, ...).

    Call arguments:
        latent: tensor `(batch, latent_dim)`.

    Returns:
        The generated examples.

    Export (`export_version`): `serving_default` (`latent` → `generated`).

    Example:
    >>> gan = zoo.models.DCGAN.convolutional((28, 28, 1), latent_dim=32)
    >>> gan.compile(keras.optimizers.Adam(2e-4, beta_1=0.5),
    ...             keras.optimizers.Adam(2e-4, beta_1=0.5))
    >>> tuple(gan.generate(4).shape)
    (4, 28, 28, 1)

    References:
        Radford, Metz and Chintala, "Unsupervised Representation Learning
        with Deep Convolutional Generative Adversarial Networks", ICLR 2016;
        Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
    """

    def __init__(self, generator, discriminator, latent_dim, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        mark_built(self, generator=generator, discriminator=discriminator)

    @classmethod
    def convolutional(cls, image_shape, latent_dim, filters=(32, 64), **kwargs):
        """Builds a DCGAN for images with pixels in [-1, 1].

        The generator projects the latent vector and upsamples it with
        stride-2 transposed convolutions to a `tanh` image; the
        discriminator downsamples with stride-2 convolutions and leaky ReLUs.

        Args:
            image_shape: tuple `(height, width, channels)`, sides divisible
                by `2 ** len(filters)`.
            latent_dim: int, width of the latent vectors.
            filters: tuple of ints, filters per resolution, finest first.
            **kwargs: passed to the constructor (`seed`, `name`...).

        Returns:
            A `DCGAN`.
        """
        dtype = kwargs.get("dtype")
        return cls(
            conv_decoder(latent_dim, image_shape, filters, "tanh",
                         name="generator", dtype=dtype),
            conv_encoder(image_shape, 1, filters, ("logit",),
                         activation="leaky_relu", name="discriminator",
                         dtype=dtype),
            latent_dim, **kwargs)

    @classmethod
    def dense(cls, data_dim, latent_dim, units=(64, 64), **kwargs):
        """Builds a GAN of dense networks for vectors of real values.

        Args:
            data_dim: int, width of one example.
            latent_dim: int, width of the latent vectors.
            units: tuple of ints, hidden widths of both networks.
            **kwargs: passed to the constructor (`seed`, `name`...).

        Returns:
            A `DCGAN`.
        """
        dtype = kwargs.get("dtype")
        return cls(
            dense_decoder(latent_dim, (data_dim,), units, None, name="generator",
                          dtype=dtype),
            dense_encoder((data_dim,), 1, units, ("logit",),
                          activation="leaky_relu", name="discriminator",
                          dtype=dtype),
            latent_dim, **kwargs)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, generator_optimizer="adam", discriminator_optimizer="adam",
                **kwargs):
        """Configures the two optimizers.

        Under a `mixed_float16` policy each is wrapped in a
        `keras.optimizers.LossScaleOptimizer`.

        Args:
            generator_optimizer: optimizer (or its name) of the generator.
            discriminator_optimizer: optimizer (or its name) of the
                discriminator.
            **kwargs: passed to `keras.Model.compile` (`run_eagerly`,
                `jit_compile`, `steps_per_execution`).
        """
        super().compile(optimizer=None, **kwargs)
        self.generator_optimizer = self._loss_scaled(generator_optimizer)
        self.discriminator_optimizer = self._loss_scaled(discriminator_optimizer)
        self._compile_kwargs = kwargs

    def _loss_scaled(self, optimizer):
        optimizer = keras.optimizers.get(optimizer)
        if (self.dtype_policy.name == "mixed_float16"
                and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer)):
            return keras.optimizers.LossScaleOptimizer(optimizer)
        return optimizer

    def get_compile_config(self):
        if not self.compiled:
            return {}
        return {
            "generator_optimizer": keras.saving.serialize_keras_object(
                self.generator_optimizer),
            "discriminator_optimizer": keras.saving.serialize_keras_object(
                self.discriminator_optimizer),
            **self._compile_kwargs,
        }

    def compile_from_config(self, config):
        config = dict(config)
        for key in ("generator_optimizer", "discriminator_optimizer"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        self.compile(**config)
        # Variables must exist before the saved optimizer state is loaded.
        self.generator_optimizer.build(self.generator.trainable_variables)
        self.discriminator_optimizer.build(self.discriminator.trainable_variables)

    def call(self, latent):
        return self.generator(latent)

    def generate(self, num_samples):
        """Generates `num_samples` examples from random latent vectors."""
        return self.generator(self._latent_sample(num_samples), training=False)

    def _latent_sample(self, num_samples):
        return keras.random.normal((num_samples, self.latent_dim),
                                   seed=self.seed_generator)

    def train_step(self, data):
        real, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        batch_size = ops.shape(real)[0]
        real_labels = ops.ones((batch_size, 1))
        fake_labels = ops.zeros((batch_size, 1))

        def discriminator_loss():
            fake = self.generator(self._latent_sample(batch_size), training=True)
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            return self._bce(real_labels, real_logits) + self._bce(
                fake_labels, fake_logits), None

        def generator_loss():
            fake = self.generator(self._latent_sample(batch_size), training=True)
            # Non-saturating: maximize log D(G(z)) rather than minimize
            # log(1 - D(G(z))), whose gradient vanishes early in training.
            return self._bce(real_labels, self.discriminator(fake, training=True)), None

        d_loss, _ = optimizer_step(self.discriminator_optimizer,
                                   self.discriminator.trainable_variables,
                                   discriminator_loss)
        g_loss, _ = optimizer_step(self.generator_optimizer,
                                   self.generator.trainable_variables,
                                   generator_loss)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}

    @staticmethod
    def _bce(labels, logits):
        return ops.mean(keras.losses.binary_crossentropy(
            labels, ops.cast(logits, "float32"), from_logits=True))

    def compute_output_shape(self, latent_shape):
        return self.generator.compute_output_shape(latent_shape)

    def serving_endpoints(self):
        """Returns the export signature `serving_default`: latent → generated."""
        return {"serving_default": (
            lambda latent: {"generated": self(latent)},
            [serving_spec((self.latent_dim,), "latent")])}

    def get_config(self):
        return {
            **super().get_config(),
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        return from_config_with_sub_models(cls, config, ("generator", "discriminator"))
