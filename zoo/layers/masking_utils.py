"""Masks of the zoo's sequence layers: padding, causal and explicit attention masks."""

from keras import ops


def merge_attention_masks(
    query,
    value,
    query_mask=None,
    value_mask=None,
    key_mask=None,
    attention_mask=None,
    use_causal_mask=False,
):
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

    Example:
    >>> from zoo.layers.masking_utils import merge_attention_masks
    >>> tokens = keras.ops.zeros((1, 3, 4))
    >>> mask = merge_attention_masks(tokens, tokens, value_mask=np.array([[1, 1, 0]]),
    ...                              use_causal_mask=True)
    >>> keras.ops.convert_to_numpy(mask).astype(int).tolist()
    [[[1, 0, 0], [1, 1, 0], [1, 1, 0]]]
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

    Example:
    >>> from zoo.layers.masking_utils import causal_mask
    >>> keras.ops.convert_to_numpy(causal_mask(2, 3)).astype(int).tolist()
    [[[1, 0, 0], [1, 1, 0]]]
    """
    rows = ops.expand_dims(ops.arange(query_length), -1)
    cols = ops.expand_dims(ops.arange(key_length), 0)
    return ops.expand_dims(ops.greater_equal(rows, cols), 0)


def padding_mask_of(padding_mask=None, mask=None):
    """Returns the first padding mask given: explicit, then Keras-filled.

    Args:
        padding_mask: a mask the caller passed explicitly.
        mask: the mask Keras filled in for the layer's `mask` argument (the
            inputs' own mask, e.g. from `Embedding(mask_zero=True)`).

    Returns:
        A boolean `(batch, length)` tensor or None.

    Example:
    >>> from zoo.layers.masking_utils import padding_mask_of
    >>> padding_mask_of(None, [[True, False]])
    [[True, False]]
    """
    return padding_mask if padding_mask is not None else mask
