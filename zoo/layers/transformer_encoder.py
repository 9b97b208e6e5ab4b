"""One Transformer encoder block: self-attention and feed-forward."""

import keras

from zoo.layers.argument_utils import check_positive_int, check_rate
from zoo.layers.initializer_utils import clone_initializer
from zoo.layers.masking_utils import padding_mask_of
from zoo.layers.multi_head_attention import MultiHeadAttention
from zoo.layers.positionwise_feed_forward import PositionwiseFeedForward


@keras.saving.register_keras_serializable(package="zoo")
class TransformerEncoder(keras.layers.Layer):
    """Transformer encoder block: self-attention, then a feed-forward network.

    Each sublayer is wrapped in dropout, a residual connection and layer
    normalization. Post-norm (the paper's), `x = LN(x + Sublayer(x))`, by
    default; pre-norm, `x = x + Sublayer(LN(x))`, with
    `normalize_first=True`, which trains more stably in deep stacks.
    Padding masks from a `mask_zero` embedding flow through.

    The arguments come in the order of keras-hub's `TransformerEncoder`
    (`intermediate_dim`, then `num_heads`), so calls port between the two.

    Args:
        intermediate_dim: int, width of the feed-forward inner layer.
        num_heads: int, number of attention heads; must divide the width of
            the inputs.
        dropout: float in [0, 1), dropout on the attention weights, inside
            the feed-forward network and on each sublayer's output.
        activation: activation of the feed-forward inner layer.
        layer_norm_epsilon: float, epsilon of the layer normalizations.
        kernel_initializer: initializer of all kernels.
        bias_initializer: initializer of all biases.
        normalize_first: bool, pre-norm instead of post-norm.
        **kwargs: passed to `keras.layers.Layer` (`name`, `dtype`, ...).

    Call arguments:
        inputs: tensor `(batch, length, hidden_dim)`.
        padding_mask: optional boolean `(batch, length)`, True for real tokens.
            Taken from the inputs' Keras mask when not given.
        attention_mask: optional boolean broadcastable to
            `(batch, length, length)`.
        use_causal_mask: bool, whether token `t` may only attend to `s <= t`.
        training: bool, whether dropout is active.

    Returns:
        A tensor shaped like `inputs`.

    Example:
    >>> ids = keras.Input((120,), dtype="int32")
    >>> x = zoo.layers.TokenAndPositionEmbedding(1000, 120, 32, mask_zero=True)(ids)
    >>> x = zoo.layers.TransformerEncoder(intermediate_dim=64, num_heads=4)(x)
    >>> tuple(x.shape)
    (None, 120, 32)

    References:
        Vaswani et al., "Attention Is All You Need", 2017, section 3.1;
        Xiong et al., "On Layer Normalization in the Transformer
        Architecture", 2020 (pre-norm).
    """

    def __init__(
        self,
        intermediate_dim,
        num_heads,
        dropout=0.0,
        activation="relu",
        layer_norm_epsilon=1e-5,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        normalize_first=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_positive_int("intermediate_dim", intermediate_dim)
        check_positive_int("num_heads", num_heads)
        check_rate("dropout", dropout)
        self.num_heads = num_heads
        self.intermediate_dim = intermediate_dim
        self.dropout = dropout
        self.activation = keras.activations.get(activation)
        self.layer_norm_epsilon = layer_norm_epsilon
        self.normalize_first = normalize_first
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.supports_masking = True

    def build(self, input_shape):
        hidden_dim = input_shape[-1]
        if hidden_dim is None or hidden_dim % self.num_heads:
            raise ValueError(
                f"The inputs' last dimension ({hidden_dim}) must be divisible "
                f"by num_heads={self.num_heads}. Change the embedding width "
                "or the number of heads."
            )
        sublayer_args = dict(
            kernel_initializer=clone_initializer(self.kernel_initializer),
            bias_initializer=clone_initializer(self.bias_initializer),
            dtype=self.dtype_policy,
        )
        self.attention = MultiHeadAttention(
            self.num_heads,
            hidden_dim // self.num_heads,
            dropout=self.dropout,
            name="self_attention",
            **sublayer_args,
        )
        self.attention.build(input_shape, input_shape)
        self.feed_forward = PositionwiseFeedForward(
            self.intermediate_dim,
            activation=self.activation,
            dropout=self.dropout,
            name="feed_forward",
            **sublayer_args,
        )
        self.feed_forward.build(input_shape)
        self.attention_norm, self.feed_forward_norm = (
            keras.layers.LayerNormalization(
                epsilon=self.layer_norm_epsilon, dtype=self.dtype_policy, name=name
            )
            for name in ("attention_norm", "feed_forward_norm")
        )
        self.attention_norm.build(input_shape)
        self.feed_forward_norm.build(input_shape)
        self.attention_dropout = keras.layers.Dropout(
            self.dropout, dtype=self.dtype_policy, name="attention_dropout"
        )
        self.feed_forward_dropout = keras.layers.Dropout(
            self.dropout, dtype=self.dtype_policy, name="feed_forward_dropout"
        )

    def _residual(self, inputs, sublayer, norm, dropout, training):
        if self.normalize_first:
            return inputs + dropout(sublayer(norm(inputs)), training=training)
        return norm(inputs + dropout(sublayer(inputs), training=training))

    def call(
        self,
        inputs,
        padding_mask=None,
        attention_mask=None,
        use_causal_mask=False,
        training=None,
        mask=None,
    ):
        padding_mask = padding_mask_of(padding_mask, mask)

        def self_attention(x):
            return self.attention(
                x,
                x,
                query_mask=padding_mask,
                value_mask=padding_mask,
                attention_mask=attention_mask,
                use_causal_mask=use_causal_mask,
                training=training,
            )

        x = self._residual(
            inputs, self_attention, self.attention_norm, self.attention_dropout, training
        )
        return self._residual(
            x,
            lambda h: self.feed_forward(h, training=training),
            self.feed_forward_norm,
            self.feed_forward_dropout,
            training,
        )

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "intermediate_dim": self.intermediate_dim,
            "num_heads": self.num_heads,
            "dropout": self.dropout,
            "activation": keras.activations.serialize(self.activation),
            "layer_norm_epsilon": self.layer_norm_epsilon,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "normalize_first": self.normalize_first,
        }
