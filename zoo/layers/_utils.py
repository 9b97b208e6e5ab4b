"""Helpers shared by the zoo's layers: attention masks and argument checks."""

from keras import ops


def merge_attention_masks(query, value, query_mask=None, value_mask=None,
                          key_mask=None, attention_mask=None,
                          use_causal_mask=False):
    """Merges padding, causal and explicit masks into one boolean mask.

    A position `(t, s)` of the result is True when query token `t` may attend
    to key token `s`: both are real tokens (not padding), `s <= t` if the mask
    is causal, and the explicit `attention_mask` allows it.

    Args:
        query: tensor `(batch, T, ...)`.
        value: tensor `(batch, S, ...)`.
        query_mask: optional boolean `(batch, T)`, True for real tokens.
        value_mask: optional boolean `(batch, S)`.
        key_mask: optional boolean `(batch, S)`.
        attention_mask: optional boolean, broadcastable to `(batch, T, S)`.
        use_causal_mask: bool, whether to forbid attending to later tokens.

    Returns:
        A boolean tensor broadcastable to `(batch, T, S)`, or None when no
        mask applies.
    """
    masks = []
    if query_mask is not None:
        masks.append(ops.expand_dims(ops.cast(query_mask, "bool"), -1))
    for mask in (value_mask, key_mask):
        if mask is not None:
            masks.append(ops.expand_dims(ops.cast(mask, "bool"), -2))
    if use_causal_mask:
        masks.append(causal_mask(ops.shape(query)[1], ops.shape(value)[1]))
    if attention_mask is not None:
        masks.append(ops.cast(attention_mask, "bool"))
    if not masks:
        return None
    merged = masks[0]
    for mask in masks[1:]:
        merged = ops.logical_and(merged, mask)
    return merged


def causal_mask(query_length, key_length):
    """Lower-triangular boolean mask `(1, T, S)`: token t sees tokens <= t.

    Args:
        query_length: int or scalar tensor, T.
        key_length: int or scalar tensor, S.

    Returns:
        A boolean tensor of shape `(1, T, S)`.
    """
    rows = ops.expand_dims(ops.arange(query_length), -1)
    cols = ops.expand_dims(ops.arange(key_length), 0)
    return ops.expand_dims(ops.greater_equal(rows, cols), 0)


def check_positive_int(name, value):
    """Raises a ValueError unless `value` is a positive int.

    Args:
        name: the argument's name, used in the message.
        value: the value to check.
    """
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r}"
        )


def check_rate(name, value):
    """Raises a ValueError unless `0 <= value < 1`.

    Args:
        name: the argument's name, used in the message.
        value: the value to check.
    """
    if not 0.0 <= float(value) < 1.0:
        raise ValueError(
            f"`{name}` must be in [0, 1). Received: {name}={value!r}"
        )


def clone_initializer(initializer):
    """Returns a fresh copy of a Keras initializer.

    Each sublayer gets its own instance, so seeded initializers do not hand
    the same values to several weights. The copy is made from the config
    alone: `keras.initializers.serialize` would import TensorFlow on every
    backend.

    Args:
        initializer: a `keras.initializers.Initializer`.

    Returns:
        A new initializer with the same config.
    """
    return initializer.__class__.from_config(initializer.get_config())


def padding_mask_of(inputs, padding_mask=None, mask=None):
    """Returns the first padding mask given: explicit, then Keras-filled.

    Args:
        inputs: the layer's input tensor, which may carry a Keras mask.
        padding_mask: a mask the caller passed explicitly.
        mask: the mask Keras filled in for the layer's `mask` argument.

    Returns:
        A boolean `(batch, length)` tensor or None.
    """
    for candidate in (padding_mask, mask):
        if candidate is not None:
            return candidate
    return None
