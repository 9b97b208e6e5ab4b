"""The reparameterization trick of variational autoencoders."""

import keras
from keras import ops

from zoo.layers.argument_utils import unpack_pair

USAGE = "Sampling is called on [mean, log_var], a list of two tensors"


@keras.saving.register_keras_serializable(package="zoo")
class Sampling(keras.layers.Layer):
    """Draws `z = μ + exp(½ · log σ²) · ε` with `ε ~ N(0, I)`.

    Sampling this way keeps `z` differentiable with respect to `μ` and
    `log σ²`, so an encoder that predicts them trains by backpropagation.
    It samples in training and inference alike; use `μ` directly for a
    deterministic code.

    Args:
        seed: int, seed of the noise, for reproducible draws.
        **kwargs: passed to `keras.layers.Layer` (`name`, `dtype`, ...).

    Call arguments:
        inputs: list `[mean, log_var]` of two tensors of the same shape.

    Returns:
        A tensor shaped like `mean`.

    Example:
    >>> mean, log_var = keras.ops.zeros((4, 2)), keras.ops.zeros((4, 2))
    >>> z = zoo.layers.Sampling(seed=0)([mean, log_var])
    >>> tuple(z.shape)
    (4, 2)

    References:
        Kingma and Welling, "Auto-Encoding Variational Bayes", 2014,
        section 2.4.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    def call(self, inputs):
        mean, log_var = unpack_pair(inputs, USAGE)
        noise = keras.random.normal(
            ops.shape(mean), dtype=self.compute_dtype, seed=self.seed_generator
        )
        return mean + ops.exp(0.5 * log_var) * noise

    def compute_output_shape(self, input_shape):
        mean_shape, log_var_shape = unpack_pair(input_shape, USAGE)
        if tuple(mean_shape) != tuple(log_var_shape):
            raise ValueError(
                "`mean` and `log_var` must have the same shape. Received: "
                f"mean.shape={tuple(mean_shape)}, log_var.shape={tuple(log_var_shape)}"
            )
        return mean_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}
