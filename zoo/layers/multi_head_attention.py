"""Multi-head scaled dot-product attention."""

import math

import keras
from keras import ops

from zoo.layers.argument_utils import check_positive_int, check_rate
from zoo.layers.initializer_utils import clone_initializer
from zoo.layers.masking_utils import merge_attention_masks


def _output_dim(output_dim, output_shape):
    """Returns the output width given as `output_dim` or as Keras' `output_shape`."""
    if output_shape is None:
        return output_dim
    if output_dim is not None:
        raise ValueError(
            "`output_dim` and `output_shape` name the same thing; give one of "
            f"them. Received: output_dim={output_dim!r}, "
            f"output_shape={output_shape!r}"
        )
    if isinstance(output_shape, (list, tuple)):
        if len(output_shape) != 1:
            raise ValueError(
                "This MultiHeadAttention projects to one feature axis, so "
                "`output_shape` must be an int or a tuple of one int. "
                f"Received: output_shape={output_shape!r}"
            )
        (output_shape,) = output_shape
    check_positive_int("output_shape", output_shape)
    return output_shape


@keras.saving.register_keras_serializable(package="zoo")
class MultiHeadAttention(keras.layers.Layer):
    """Multi-head attention: `softmax(Q Kᵀ / √d_k) V` over `num_heads` heads.

    Queries, keys and values are projected per head with learned kernels,
    attended to with scaled dot-product attention, concatenated and projected
    back to the query's width (or `output_dim`). The arguments and call
    signature follow `keras.layers.MultiHeadAttention`, and so do the weight
    shapes, so weights copy across between the two; Keras' `output_shape`
    spelling is accepted for `output_dim`.

    Without dropout in training and without `return_attention_scores`, the
    attention itself runs through `keras.ops.dot_product_attention`, the
    backend's fused kernel (flash attention on GPUs where the backend has it);
    otherwise it is computed explicitly, with the softmax in float32.

    Args:
        num_heads: int, number of attention heads.
        key_dim: int, width of each head's queries and keys.
        value_dim: int, width of each head's values. Defaults to `key_dim`.
        dropout: float in [0, 1), dropout rate on the attention weights.
        use_bias: bool, whether the projections have biases.
        output_dim: int, width of the output. Defaults to the query's width.
        output_shape: Keras' name for `output_dim`: an int, or a tuple of
            one int. Give one of the two, not both.
        kernel_initializer: initializer of the projection kernels.
        bias_initializer: initializer of the projection biases.
        seed: int, seed of the attention dropout.
        **kwargs: passed to `keras.layers.Layer` (`name`, `dtype`, ...).

    Call arguments:
        query: tensor `(batch, T, query_dim)`.
        value: tensor `(batch, S, value_dim)`.
        key: optional tensor `(batch, S, key_dim)`; defaults to `value`.
        query_mask, value_mask, key_mask: optional booleans `(batch, T)` or
            `(batch, S)`, True for real tokens. Filled in automatically from
            Keras masks (e.g. an `Embedding` with `mask_zero=True`).
        attention_mask: optional boolean, broadcastable to `(batch, T, S)`;
            True where query `t` may attend to key `s`.
        return_attention_scores: bool, whether to also return the attention
            weights `(batch, num_heads, T, S)`.
        training: bool, whether attention dropout is active.
        use_causal_mask: bool, whether token `t` may only attend to `s <= t`.

    Returns:
        The attention output `(batch, T, output_dim)`, and the attention
        weights when `return_attention_scores=True`.

    Example:
    >>> mha = zoo.layers.MultiHeadAttention(num_heads=4, key_dim=16)
    >>> x = keras.random.normal((2, 10, 64))
    >>> tuple(mha(x, x).shape)
    (2, 10, 64)
    >>> mha = zoo.layers.MultiHeadAttention(4, 16, output_shape=32)
    >>> tuple(mha(x, x).shape)
    (2, 10, 32)

    References:
        Vaswani et al., "Attention Is All You Need", 2017, section 3.2.
    """

    def __init__(
        self,
        num_heads,
        key_dim,
        value_dim=None,
        dropout=0.0,
        use_bias=True,
        output_dim=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        seed=None,
        output_shape=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        output_dim = _output_dim(output_dim, output_shape)
        check_positive_int("num_heads", num_heads)
        check_positive_int("key_dim", key_dim)
        if value_dim is not None:
            check_positive_int("value_dim", value_dim)
        if output_dim is not None:
            check_positive_int("output_dim", output_dim)
        check_rate("dropout", dropout)
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.value_dim = value_dim or key_dim
        self.dropout = dropout
        self.use_bias = use_bias
        self.output_dim = output_dim
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.seed = seed
        self.supports_masking = True
        self._scale = 1.0 / math.sqrt(key_dim)

    def _projection(self, name, equation, output_shape, bias_axes):
        projection = keras.layers.EinsumDense(
            equation,
            output_shape=output_shape,
            bias_axes=bias_axes if self.use_bias else None,
            kernel_initializer=clone_initializer(self.kernel_initializer),
            bias_initializer=clone_initializer(self.bias_initializer),
            dtype=self.dtype_policy,
            name=name,
        )
        # A projection acts on each position alone, so a padding mask on its
        # input still holds for its output.
        projection.supports_masking = True
        return projection

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        for name, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3:
                raise ValueError(
                    f"`{name}` must have rank 3, (batch, sequence, features). "
                    f"Received: {name}.shape={tuple(shape)}"
                )
        if (
            value_shape[1] is not None
            and key_shape[1] is not None
            and value_shape[1] != key_shape[1]
        ):
            raise ValueError(
                "`key` and `value` must have the same sequence length. "
                f"Received: key.shape={tuple(key_shape)}, "
                f"value.shape={tuple(value_shape)}"
            )
        self.query_dense = self._projection(
            "query", "abc,cde->abde", (None, self.num_heads, self.key_dim), "de"
        )
        self.query_dense.build(query_shape)
        self.key_dense = self._projection(
            "key", "abc,cde->abde", (None, self.num_heads, self.key_dim), "de"
        )
        self.key_dense.build(key_shape)
        self.value_dense = self._projection(
            "value", "abc,cde->abde", (None, self.num_heads, self.value_dim), "de"
        )
        self.value_dense.build(value_shape)
        self.output_dense = self._projection(
            "attention_output", "abcd,cde->abe", (None, self.output_dim or query_shape[-1]), "e"
        )
        self.output_dense.build((query_shape[0], query_shape[1], self.num_heads, self.value_dim))
        self.dropout_layer = keras.layers.Dropout(
            self.dropout, seed=self.seed, dtype=self.dtype_policy, name="attention_dropout"
        )

    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        return_attention_scores=False,
        training=None,
        use_causal_mask=False,
    ):
        if key is None:
            key = value
            key_mask = None
        mask = merge_attention_masks(
            query,
            value,
            query_mask=query_mask,
            value_mask=value_mask,
            key_mask=key_mask,
            attention_mask=attention_mask,
            use_causal_mask=use_causal_mask,
        )
        if mask is not None:
            mask = ops.expand_dims(mask, 1)  # one mask for every head
        # (batch, length, heads, head_dim)
        query = self.query_dense(query)
        key = self.key_dense(key)
        value = self.value_dense(value)
        dropout_active = self.dropout > 0 and bool(training)
        # The fused kernel of the JAX backend takes value heads as wide as the key heads
        # only; narrower or wider value heads go the explicit way on every backend.
        if return_attention_scores or dropout_active or self.value_dim != self.key_dim:
            output, scores = self._explicit_attention(query, key, value, mask, training)
        else:
            output = ops.dot_product_attention(query, key, value, mask=mask, scale=self._scale)
            scores = None
        output = self.output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    def _explicit_attention(self, query, key, value, mask, training):
        # Scaling the queries costs T·H multiplications, the logits T·S.
        query = query * ops.cast(self._scale, query.dtype)
        logits = ops.cast(ops.einsum("btnh,bsnh->bnts", query, key), "float32")
        if mask is not None:
            logits = ops.where(mask, logits, ops.cast(-1e9, "float32"))
        weights = ops.softmax(logits, axis=-1)
        if mask is not None:
            # A query whose keys are all masked (a padded token) attends to
            # nothing rather than uniformly to everything.
            weights = ops.where(mask, weights, ops.zeros_like(weights))
        weights = ops.cast(weights, self.compute_dtype)
        dropped = self.dropout_layer(weights, training=training)
        return ops.einsum("bnts,bsnh->btnh", dropped, value), weights

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        return (*query_shape[:-1], self.output_dim or query_shape[-1])

    def compute_output_spec(self, query, value, key=None, return_attention_scores=False, **kwargs):
        output = keras.KerasTensor(
            self.compute_output_shape(query.shape, value.shape), dtype=self.compute_dtype
        )
        if return_attention_scores:
            scores = keras.KerasTensor(
                (query.shape[0], self.num_heads, query.shape[1], value.shape[1]),
                dtype=self.compute_dtype,
            )
            return output, scores
        return output

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "output_dim": self.output_dim,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "seed": self.seed,
        }
