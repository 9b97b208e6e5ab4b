"""Helpers shared by the zoo's models: sub-network builders, signatures, losses."""

import math

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
    """
    shape = (model.get_build_config() or {}).get("input_shape")
    if shape is None:
        raise ValueError(
            f"{type(model).__name__} {model.name!r} has not been built, so its "
            "input shape is unknown. Call it on a batch (or fit it) first."
        )
    return tuple(shape)


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


def from_config_with_sub_models(cls, config, keys):
    """Rebuilds a model whose config holds serialized sub-models.

    Args:
        cls: the model class.
        config: the dict from `get_config`.
        keys: names of the config entries that are serialized sub-models.

    Returns:
        An instance of `cls`.
    """
    config = dict(config)
    for key in keys:
        config[key] = keras.saving.deserialize_keras_object(config[key])
    return cls(**config)


def scale_for_replicas(loss):
    """Divides a batch's mean loss by the number of `tf.distribute` replicas.

    Each replica averages its loss over its share of the global batch, and
    the replicas' gradients are summed; dividing by their number makes N
    replicas take the step one device takes on the whole batch. Keras' own
    losses do the same. Outside `tf.distribute` (and on other backends) the
    loss is returned unchanged.

    Args:
        loss: a scalar tensor, the mean loss of this replica's examples.

    Returns:
        The scalar tensor to differentiate.
    """
    if keras.backend.backend() != "tensorflow":
        return loss
    # Imported here so that importing zoo.models stays backend-neutral.
    import tensorflow as tf

    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss / replicas if replicas > 1 else loss


def check_divisible_sides(model_name, height, width, levels):
    """Raises a ValueError unless height and width divide by `2**levels`.

    Sizes that are `None` (unknown until run time) pass.

    Args:
        model_name: str, the class whose constraint this is, for the message.
        height: int or None.
        width: int or None.
        levels: int, the number of times the network halves the sides.
    """
    factor = 2 ** levels
    bad = [s for s in (height, width) if s is not None and s % factor]
    if bad:
        suggestion = "x".join(
            str(max(factor, math.ceil(s / factor) * factor))
            for s in (height, width) if s is not None)
        raise ValueError(
            f"{model_name} halves the image {levels} times, so its height and "
            f"width must be divisible by 2**{levels} = {factor}. Received "
            f"height={height}, width={width}. Resize or pad the images to a "
            f"multiple of {factor}, e.g. {suggestion}."
        )


def dense_encoder(input_shape, latent_dim, units=(128,), head_names=("latent",),
                  condition_dim=None, activation="relu", name="encoder", dtype=None):
    """Builds a dense encoder: flatten, dense layers, one linear head per name.

    Args:
        input_shape: tuple, shape of one example.
        latent_dim: int, width of each head.
        units: tuple of ints, widths of the hidden dense layers.
        head_names: names of the outputs, e.g. `("mean", "log_var")`.
        condition_dim: optional int; when given, the encoder takes a second
            input `(batch, condition_dim)` (e.g. a one-hot label) joined to
            the features before the heads.
        activation: activation of the hidden layers.
        name: the model's name.
        dtype: dtype policy of the layers (the global policy when None);
            the heads are float32 whatever the policy.

    Returns:
        A functional `keras.Model`; one output, or a list of them.
    """
    def features(x):
        x = keras.layers.Flatten(dtype=dtype, name="flatten")(x)
        for i, width in enumerate(units):
            x = keras.layers.Dense(width, activation=activation, dtype=dtype,
                                   name=f"dense_{i}")(x)
        return x

    return _encoder(input_shape, latent_dim, head_names, condition_dim,
                    features, name, dtype)


def conv_encoder(input_shape, latent_dim, filters=(16, 32), head_names=("latent",),
                 condition_dim=None, activation="relu", name="encoder", dtype=None):
    """Builds a convolutional encoder: strided 3x3 convolutions, then heads.

    Each convolution halves the height and width, so both must divide by
    `2 ** len(filters)`.

    Args:
        input_shape: tuple `(height, width, channels)`.
        latent_dim: int, width of each head.
        filters: tuple of ints, filters of each strided convolution.
        head_names: names of the outputs, e.g. `("mean", "log_var")`.
        condition_dim: optional int, width of a second, conditioning input.
        activation: activation of the convolutions.
        name: the model's name.
        dtype: dtype policy of the layers (the global policy when None);
            the heads are float32 whatever the policy.

    Returns:
        A functional `keras.Model`; one output, or a list of them.
    """
    check_divisible_sides("A convolutional encoder", input_shape[0],
                          input_shape[1], len(filters))

    def features(x):
        for i, count in enumerate(filters):
            x = keras.layers.Conv2D(count, 3, strides=2, padding="same",
                                    activation=activation, dtype=dtype,
                                    name=f"conv_{i}")(x)
        return keras.layers.Flatten(dtype=dtype, name="flatten")(x)

    return _encoder(input_shape, latent_dim, head_names, condition_dim,
                    features, name, dtype)


def _encoder(input_shape, latent_dim, head_names, condition_dim, features, name,
             dtype):
    inputs = [keras.Input(tuple(input_shape), name="inputs")]
    x = features(inputs[0])
    if condition_dim:
        inputs.append(keras.Input((condition_dim,), name="condition"))
        x = keras.layers.Concatenate(dtype=dtype, name="join_condition")(
            [x, inputs[1]])
    # Heads in float32: under mixed precision, log-variances and logits
    # overflow float16 easily.
    outputs = [keras.layers.Dense(latent_dim, dtype="float32", name=head)(x)
               for head in head_names]
    return keras.Model(inputs if condition_dim else inputs[0],
                       outputs if len(outputs) > 1 else outputs[0], name=name)


def dense_decoder(latent_dim, output_shape, units=(128,), output_activation="sigmoid",
                  condition_dim=None, activation="relu", name="decoder", dtype=None):
    """Builds a dense decoder: dense layers, then a dense output reshaped.

    Args:
        latent_dim: int, width of the code.
        output_shape: tuple, shape of one decoded example.
        units: tuple of ints, widths of the hidden layers, in encoder order
            (they are applied reversed, mirroring the encoder).
        output_activation: activation of the output, e.g. `"sigmoid"` for
            pixels in [0, 1], None for real values.
        condition_dim: optional int; when given, the decoder takes a second
            input `(batch, condition_dim)` joined to the code.
        activation: activation of the hidden layers.
        name: the model's name.
        dtype: dtype policy of the layers (the global policy when None);
            the output layers are float32 whatever the policy.

    Returns:
        A functional `keras.Model`.
    """
    def upsample(x):
        for i, width in enumerate(reversed(units)):
            x = keras.layers.Dense(width, activation=activation, dtype=dtype,
                                   name=f"dense_{i}")(x)
        x = keras.layers.Dense(math.prod(output_shape), activation=output_activation,
                               dtype="float32", name="output")(x)
        return keras.layers.Reshape(tuple(output_shape), dtype="float32",
                                    name="reshape")(x)

    return _decoder(latent_dim, condition_dim, upsample, name, dtype)


def conv_decoder(latent_dim, output_shape, filters=(16, 32), output_activation="sigmoid",
                 condition_dim=None, activation="relu", name="decoder", dtype=None):
    """Builds a convolutional decoder: dense, reshape, transposed convolutions.

    Args:
        latent_dim: int, width of the code.
        output_shape: tuple `(height, width, channels)`; height and width
            divisible by `2 ** len(filters)`.
        filters: tuple of ints, in encoder order (applied reversed); each
            stride-2 transposed convolution doubles the sides.
        output_activation: activation of the output, e.g. `"sigmoid"` for
            pixels in [0, 1], `"tanh"` for pixels in [-1, 1].
        condition_dim: optional int, width of a second, conditioning input.
        activation: activation of the hidden layers.
        name: the model's name.
        dtype: dtype policy of the layers (the global policy when None);
            the output layer is float32 whatever the policy.

    Returns:
        A functional `keras.Model`.
    """
    height, width, channels = output_shape
    check_divisible_sides("A convolutional decoder", height, width, len(filters))
    factor = 2 ** len(filters)
    start_shape = (height // factor, width // factor, filters[-1])

    def upsample(x):
        x = keras.layers.Dense(math.prod(start_shape), activation=activation,
                               dtype=dtype, name="project")(x)
        x = keras.layers.Reshape(start_shape, dtype=dtype, name="reshape")(x)
        for i, count in enumerate(reversed(filters)):
            x = keras.layers.Conv2DTranspose(
                count, 3, strides=2, padding="same", activation=activation,
                dtype=dtype, name=f"deconv_{i}")(x)
        return keras.layers.Conv2D(channels, 3, padding="same",
                                   activation=output_activation,
                                   dtype="float32", name="output")(x)

    return _decoder(latent_dim, condition_dim, upsample, name, dtype)


def _decoder(latent_dim, condition_dim, upsample, name, dtype):
    inputs = [keras.Input((latent_dim,), name="code")]
    x = inputs[0]
    if condition_dim:
        inputs.append(keras.Input((condition_dim,), name="condition"))
        x = keras.layers.Concatenate(dtype=dtype, name="join_condition")(inputs)
    return keras.Model(inputs if condition_dim else inputs[0], upsample(x),
                       name=name)
