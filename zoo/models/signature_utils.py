"""What the zoo's models need to declare their exported signatures."""

import keras


def serving_spec(shape, name, dtype="float32"):
    """Describes one named input of an exported signature, with a dynamic batch.

    Args:
        shape: tuple, the shape of one example (without the batch axis);
            `None` entries are dynamic.
        name: str, the input's name in the signature.
        dtype: the input's dtype.

    Returns:
        A `keras.InputSpec` of shape `(None, *shape)`.

    Example:
    >>> from zoo.models.signature_utils import serving_spec
    >>> spec = serving_spec((None,), "token_ids", dtype="int32")
    >>> spec.shape, spec.dtype, spec.name
    ((None, None), 'int32', 'token_ids')
    """
    return keras.InputSpec(shape=(None, *shape), dtype=dtype, name=name)


def built_input_shape(model):
    """Returns the input shape a subclassed model was built with.

    Args:
        model: a `keras.Model` called (or built) on data once.

    Returns:
        The input shape as a tuple, batch axis first.

    Raises:
        ValueError: when the model has not been built yet.

    Example:
    >>> from zoo.models.signature_utils import built_input_shape
    >>> model = zoo.models.LSTMForecaster(horizon=1, lstm_units=(4,))
    >>> built_input_shape(model)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: LSTMForecaster ... has not been built, ... Call it on a batch (or fit it) first.
    >>> _ = model(keras.ops.zeros((2, 10, 3)))
    >>> built_input_shape(model)
    (2, 10, 3)
    """
    shape = (model.get_build_config() or {}).get("input_shape")
    if shape is None:
        raise ValueError(
            f"{type(model).__name__} {model.name!r} has not been built, so its "
            "input shape is unknown. Call it on a batch (or fit it) first."
        )
    return tuple(shape)
