"""Initializers of the zoo's layers: one fresh instance per sublayer."""


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

    Example:
    >>> from zoo.layers.initializer_utils import clone_initializer
    >>> initializer = keras.initializers.GlorotUniform(seed=1)
    >>> copy = clone_initializer(initializer)
    >>> copy is initializer, copy.get_config() == initializer.get_config()
    (False, True)
    """
    return initializer.__class__.from_config(initializer.get_config())
