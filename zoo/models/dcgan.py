"""A deep convolutional generative adversarial network (DCGAN)."""

import keras
from keras import ops

from zoo.models.dcgan_steps import jax_train_step, tensorflow_update
from zoo.models.encoder_decoder_utils import (
    conv_decoder,
    conv_encoder,
    dense_decoder,
    dense_encoder,
)
from zoo.models.signature_utils import serving_spec
from zoo.models.sub_model_utils import (
    deserialize_sub_models,
    mark_built,
    serialize_sub_models,
)

TRAINING_BACKENDS = ("tensorflow", "jax")


@keras.saving.register_keras_serializable(package="zoo")
class DCGAN(keras.Model):
    """Generator and discriminator trained against each other, one optimizer each.

    Each training step draws latent vectors from `N(0, I)`, updates the
    discriminator to tell real from generated examples, then the generator
    to fool it (the non-saturating loss of the paper). `fit` reports
    `d_loss` and `g_loss`. The discriminator outputs one logit.

    Compile with `compile(generator_optimizer, discriminator_optimizer)`
    and fit on real examples alone (`model.fit(x)`). The two optimizers are
    ordinary Keras optimizers, `generator_optimizer` and
    `discriminator_optimizer`; `model.optimizer` is an `OptimizerPair` of
    both, which Keras's callbacks (`LearningRateScheduler`,
    `ReduceLROnPlateau`, `TensorBoard`) act on one by one. `fit` runs on
    the TensorFlow and JAX backends, each with its own optimizer step
    (`zoo.models.dcgan_steps`) around the same losses; under
    `tf.distribute`, N replicas take the step one device takes on the same
    global batch. `call` and `generate` run on every backend. A reloaded
    `.keras` model has both optimizers back, with their state, and resumes
    training without compiling again.

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

    Export (`zoo.export.export_version`): `serving_default` (`latent` → `generated`).

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
            conv_decoder(latent_dim, image_shape, filters, "tanh", name="generator", dtype=dtype),
            conv_encoder(
                image_shape,
                1,
                filters,
                ("logit",),
                activation="leaky_relu",
                name="discriminator",
                dtype=dtype,
            ),
            latent_dim,
            **kwargs,
        )

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
            dense_decoder(latent_dim, (data_dim,), units, None, name="generator", dtype=dtype),
            dense_encoder(
                (data_dim,),
                1,
                units,
                ("logit",),
                activation="leaky_relu",
                name="discriminator",
                dtype=dtype,
            ),
            latent_dim,
            **kwargs,
        )

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, generator_optimizer="adam", discriminator_optimizer="adam", **kwargs):
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
        self.generator_optimizer.build(self.generator.trainable_variables)
        self.discriminator_optimizer.build(self.discriminator.trainable_variables)
        # Keras's trainers carry `model.optimizer.variables` (the JAX one as
        # the state of each step), and its callbacks read and set
        # `model.optimizer`'s learning rate.
        self.optimizer = OptimizerPair(self.generator_optimizer, self.discriminator_optimizer)
        self._compile_kwargs = kwargs

    def _loss_scaled(self, optimizer):
        optimizer = keras.optimizers.get(optimizer)
        if self.dtype_policy.name == "mixed_float16" and not isinstance(
            optimizer, keras.optimizers.LossScaleOptimizer
        ):
            return keras.optimizers.LossScaleOptimizer(optimizer)
        return optimizer

    def get_compile_config(self):
        if not self.compiled:
            return {}
        return {
            "generator_optimizer": keras.saving.serialize_keras_object(self.generator_optimizer),
            "discriminator_optimizer": keras.saving.serialize_keras_object(
                self.discriminator_optimizer
            ),
            **self._compile_kwargs,
        }

    def compile_from_config(self, config):
        config = dict(config)
        for key in ("generator_optimizer", "discriminator_optimizer"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        # `compile` builds the optimizers, so their saved state can load.
        self.compile(**config)

    def call(self, latent):
        return self.generator(latent)

    def generate(self, num_samples):
        """Generates `num_samples` examples from random latent vectors."""
        return self.generator(self._latent_sample(num_samples), training=False)

    def _latent_sample(self, num_samples):
        return keras.random.normal((num_samples, self.latent_dim), seed=self.seed_generator)

    def train_step(self, *args):
        """One discriminator step, then one generator step.

        Keras calls it as `train_step(data)` on TensorFlow and as
        `train_step(state, data)` on JAX, whose steps are stateless.

        Raises:
            NotImplementedError: on a backend other than TensorFlow and JAX.
        """
        backend = keras.backend.backend()
        if backend == "tensorflow":
            (data,) = args
            return self.adversarial_step(data, tensorflow_update)
        if backend == "jax":
            return jax_train_step(self, *args)
        raise NotImplementedError(
            f"DCGAN trains on the {' and '.join(TRAINING_BACKENDS)} backends; "
            f"this process uses {backend!r}. Set KERAS_BACKEND to one of "
            f"{', '.join(TRAINING_BACKENDS)} to train. `call` and `generate` "
            "work on every backend."
        )

    def adversarial_step(self, data, update):
        """One discriminator step, then one generator step, with each backend's `update`.

        Args:
            data: the batch of real examples (`(x,)` or `x`).
            update: `update(network, optimizer, loss_fn)` takes one optimizer
                step on `network` against `loss_fn()` and returns the loss
                (`zoo.models.dcgan_steps`).

        Returns:
            The logs: `d_loss` and `g_loss` averaged over the epoch so far.
        """
        real, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        batch_size = ops.shape(real)[0]
        latent = self._latent_sample(batch_size)
        d_loss = update(
            self.discriminator,
            self.discriminator_optimizer,
            lambda: self._discriminator_loss(real, latent),
        )
        latent = self._latent_sample(batch_size)
        g_loss = update(
            self.generator, self.generator_optimizer, lambda: self._generator_loss(latent)
        )
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}

    def _discriminator_loss(self, real, latent):
        fake = self.generator(latent, training=True)
        real_logits = self.discriminator(real, training=True)
        fake_logits = self.discriminator(fake, training=True)
        return self._bce(ops.ones_like(real_logits), real_logits) + self._bce(
            ops.zeros_like(fake_logits), fake_logits
        )

    def _generator_loss(self, latent):
        fake_logits = self.discriminator(self.generator(latent, training=True), training=True)
        # Non-saturating: maximize log D(G(z)) rather than minimize
        # log(1 - D(G(z))), whose gradient vanishes early in training.
        return self._bce(ops.ones_like(fake_logits), fake_logits)

    @staticmethod
    def _bce(labels, logits):
        return ops.mean(
            keras.losses.binary_crossentropy(labels, ops.cast(logits, "float32"), from_logits=True)
        )

    def compute_output_shape(self, latent_shape):
        return self.generator.compute_output_shape(latent_shape)

    def serving_endpoints(self):
        """Returns the export signature `serving_default`: latent → generated."""
        return {
            "serving_default": (
                lambda latent: {"generated": self.generator(latent, training=False)},
                [serving_spec((self.latent_dim,), "latent")],
            )
        }

    def get_config(self):
        return {
            **super().get_config(),
            **serialize_sub_models(self, ("generator", "discriminator")),
            "latent_dim": self.latent_dim,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_sub_models(config, ("generator", "discriminator")))


class OptimizerPair:
    """A DCGAN's two optimizers, where Keras code expects `model.optimizer`.

    Keras's trainers read `built` and `variables` (both optimizers'
    variables, the generator's first). Keras's callbacks find both
    optimizers in `optimizers` and act on each: `LearningRateScheduler`
    calls its schedule with each one's rate, `ReduceLROnPlateau` multiplies
    each by its factor, `TensorBoard` logs each. Code that reads one
    optimizer's `learning_rate` reads the generator's; setting it sets the
    generator's rate to the value and the discriminator's to the value times
    the ratio of their rates when the pair was made (at `compile`), so two
    rates that differed keep their ratio (and equal rates stay equal; a
    generator's rate of 0 at `compile` counts as equal). `iterations` is the
    generator's step count, which equals the discriminator's: each training
    step updates both once.

    Args:
        generator_optimizer: the generator's Keras optimizer.
        discriminator_optimizer: the discriminator's Keras optimizer.

    Example:
    >>> gan = zoo.models.DCGAN.dense(2, latent_dim=2, units=(4,))
    >>> gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(4e-3))
    >>> gan.optimizer.learning_rate = 5e-4
    >>> [round(float(o.learning_rate), 6) for o in gan.optimizer.optimizers]
    [0.0005, 0.002]
    """

    def __init__(self, generator_optimizer, discriminator_optimizer):
        self.optimizers = (generator_optimizer, discriminator_optimizer)
        generator_rate = _rate(generator_optimizer)
        self.ratio = _rate(discriminator_optimizer) / generator_rate if generator_rate else 1.0

    @property
    def built(self):
        """Whether both optimizers have created their variables."""
        return all(optimizer.built for optimizer in self.optimizers)

    @property
    def variables(self):
        """Both optimizers' variables, the generator's first."""
        return [variable for optimizer in self.optimizers for variable in optimizer.variables]

    @property
    def learning_rate(self):
        """The generator's learning rate; setting it sets both (see the class)."""
        return self.optimizers[0].learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        generator, discriminator = self.optimizers
        generator.learning_rate = value
        discriminator.learning_rate = float(value) * self.ratio

    @property
    def iterations(self):
        """The training steps taken: the generator's count, equal to the discriminator's."""
        return self.optimizers[0].iterations


def _rate(optimizer):
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))
