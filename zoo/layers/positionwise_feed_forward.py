"""The Transformer's position-wise feed-forward network."""

import keras

from zoo.layers.argument_utils import check_positive_int, check_rate
from zoo.layers.initializer_utils import clone_initializer


@keras.saving.register_keras_serializable(package="zoo")
class PositionwiseFeedForward(keras.layers.Layer):
    """Position-wise feed-forward network: `FFN(x) = act(x W1 + b1) W2 + b2`.

    The same two dense layers apply to every position; dropout follows the
    inner activation. The output has the width of the input.

    Args:
        intermediate_dim: int, width of the inner layer.
        activation: activation of the inner layer. Defaults to `"relu"`.
        dropout: float in [0, 1), dropout rate after the inner layer.
        kernel_initializer: initializer of both kernels.
        bias_initializer: initializer of both biases.
        **kwargs: passed to `keras.layers.Layer` (`name`, `dtype`, ...).

    Call arguments:
        inputs: tensor `(..., features)`.
        training: bool, whether dropout is active.

    Returns:
        A tensor shaped like `inputs`.

    Example:
    >>> ffn = zoo.layers.PositionwiseFeedForward(intermediate_dim=64)
    >>> tuple(ffn(keras.ops.ones((2, 10, 16))).shape)
    (2, 10, 16)

    References:
        Vaswani et al., "Attention Is All You Need", 2017, section 3.3.
    """

    def __init__(
        self,
        intermediate_dim,
        activation="relu",
        dropout=0.0,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_positive_int("intermediate_dim", intermediate_dim)
        check_rate("dropout", dropout)
        self.intermediate_dim = intermediate_dim
        self.activation = keras.activations.get(activation)
        self.dropout = dropout
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.supports_masking = True

    def _dense(self, units, activation, name):
        return keras.layers.Dense(
            units,
            activation=activation,
            kernel_initializer=clone_initializer(self.kernel_initializer),
            bias_initializer=clone_initializer(self.bias_initializer),
            dtype=self.dtype_policy,
            name=name,
        )

    def build(self, input_shape):
        self.inner = self._dense(self.intermediate_dim, self.activation, "inner")
        self.inner.build(input_shape)
        self.inner_dropout = keras.layers.Dropout(
            self.dropout, dtype=self.dtype_policy, name="inner_dropout"
        )
        self.outer = self._dense(input_shape[-1], None, "outer")
        self.outer.build((*input_shape[:-1], self.intermediate_dim))

    def call(self, inputs, training=None):
        hidden = self.inner_dropout(self.inner(inputs), training=training)
        return self.outer(hidden)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "intermediate_dim": self.intermediate_dim,
            "activation": keras.activations.serialize(self.activation),
            "dropout": self.dropout,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }
