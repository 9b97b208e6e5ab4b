"""Models made of sub-models: marking them built, and their configs.

A model that takes its networks as constructor arguments (the autoencoder's
encoder and decoder, the DCGAN's generator and discriminator, the CAM
classifier's backbone) stores each under the argument's name, so one pair of
helpers writes them into `get_config` and reads them back in `from_config`.
"""

import keras


def mark_built(model, **sub_models):
    """Marks a model made of built sub-models as built.

    A model whose `train_step` calls its sub-models directly is never called
    itself during `fit`; marking it built lets it save, reload and restore
    its optimizer state like any other model.

    Args:
        model: the composite `keras.Model`.
        **sub_models: its sub-models by argument name.

    Raises:
        ValueError: naming the sub-models that are not built.

    Example:
    >>> from zoo.models.sub_model_utils import mark_built
    >>> encoder = keras.Sequential([keras.layers.Dense(2)])
    >>> mark_built(keras.Model(), encoder=encoder)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Model needs built sub-models, but encoder is not built. ...
    """
    unbuilt = [name for name, sub_model in sub_models.items() if not sub_model.built]
    if unbuilt:
        raise ValueError(
            f"{type(model).__name__} needs built sub-models, but "
            f"{', '.join(unbuilt)} is not built. Functional models are built "
            "when created; call a subclassed model on a batch (or its "
            "`build(shape)`) before passing it."
        )
    model.built = True


def serialize_sub_models(model, names):
    """Returns the `get_config` entries of a model's sub-models.

    Args:
        model: the composite `keras.Model`.
        names: the attributes holding its sub-models, named as the
            constructor's arguments.

    Returns:
        A dict `{name: config}`, each sub-model serialized with
        `keras.saving.serialize_keras_object`.

    Example:
    >>> from zoo.models.sub_model_utils import serialize_sub_models
    >>> model = zoo.models.Autoencoder.dense((4,), latent_dim=2)
    >>> config = serialize_sub_models(model, ("encoder", "decoder"))
    >>> sorted(config), config["encoder"]["config"]["name"]
    (['decoder', 'encoder'], 'encoder')
    """
    return {name: keras.saving.serialize_keras_object(getattr(model, name)) for name in names}


def deserialize_sub_models(config, names):
    """Returns a copy of a model's config with its sub-models rebuilt.

    The inverse of `serialize_sub_models`: `cls(**deserialize_sub_models(
    config, names))` is the model's `from_config`.

    Args:
        config: the dict from the model's `get_config`.
        names: the entries that hold serialized sub-models.

    Returns:
        A new dict, the sub-models deserialized and the other entries as
        they were.

    Example:
    >>> from zoo.models.sub_model_utils import deserialize_sub_models
    >>> model = zoo.models.Autoencoder.dense((4,), latent_dim=2)
    >>> config = deserialize_sub_models(model.get_config(), ("encoder", "decoder"))
    >>> config["encoder"].output.shape, config["noise_stddev"]
    ((None, 2), 0.0)
    """
    config = dict(config)
    for name in names:
        config[name] = keras.saving.deserialize_keras_object(config[name])
    return config
