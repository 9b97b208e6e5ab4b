"""Builders of the zoo's encoder and decoder networks, dense or convolutional.

The autoencoder and the VAEs take a mirrored pair from `encoder_decoder`; the
DCGAN's generator is a decoder and its discriminator an encoder with one logit.
"""

import math

import keras

from zoo.layers.argument_utils import check_divisible_sides


def dense_encoder(
    input_shape,
    latent_dim,
    units=(128,),
    head_names=("latent",),
    condition_dim=None,
    activation="relu",
    name="encoder",
    dtype=None,
):
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

    Example:
    >>> from zoo.models.encoder_decoder_utils import dense_encoder
    >>> encoder = dense_encoder((12,), latent_dim=3, head_names=("mean", "log_var"))
    >>> [tuple(output.shape) for output in encoder.outputs]
    [(None, 3), (None, 3)]
    """

    def features(x):
        x = keras.layers.Flatten(dtype=dtype, name="flatten")(x)
        for i, width in enumerate(units):
            x = keras.layers.Dense(width, activation=activation, dtype=dtype, name=f"dense_{i}")(x)
        return x

    return _encoder(input_shape, latent_dim, head_names, condition_dim, features, name, dtype)


def conv_encoder(
    input_shape,
    latent_dim,
    filters=(16, 32),
    head_names=("latent",),
    condition_dim=None,
    activation="relu",
    name="encoder",
    dtype=None,
):
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

    Example:
    >>> from zoo.models.encoder_decoder_utils import conv_encoder
    >>> encoder = conv_encoder((8, 8, 1), latent_dim=1, head_names=("logit",),
    ...                        activation="leaky_relu", name="discriminator")
    >>> tuple(encoder.output.shape)
    (None, 1)
    """
    check_divisible_sides("A convolutional encoder", input_shape[0], input_shape[1], len(filters))

    def features(x):
        for i, count in enumerate(filters):
            x = keras.layers.Conv2D(
                count,
                3,
                strides=2,
                padding="same",
                activation=activation,
                dtype=dtype,
                name=f"conv_{i}",
            )(x)
        return keras.layers.Flatten(dtype=dtype, name="flatten")(x)

    return _encoder(input_shape, latent_dim, head_names, condition_dim, features, name, dtype)


def _encoder(input_shape, latent_dim, head_names, condition_dim, features, name, dtype):
    inputs = [keras.Input(tuple(input_shape), name="inputs")]
    x = features(inputs[0])
    if condition_dim:
        inputs.append(keras.Input((condition_dim,), name="condition"))
        x = keras.layers.Concatenate(dtype=dtype, name="join_condition")([x, inputs[1]])
    # Heads in float32: under mixed precision, log-variances and logits
    # overflow float16 easily.
    outputs = [keras.layers.Dense(latent_dim, dtype="float32", name=head)(x) for head in head_names]
    return keras.Model(
        inputs if condition_dim else inputs[0],
        outputs if len(outputs) > 1 else outputs[0],
        name=name,
    )


def dense_decoder(
    latent_dim,
    output_shape,
    units=(128,),
    output_activation="sigmoid",
    condition_dim=None,
    activation="relu",
    name="decoder",
    dtype=None,
):
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

    Example:
    >>> from zoo.models.encoder_decoder_utils import dense_decoder
    >>> decoder = dense_decoder(3, (4, 5), condition_dim=10)
    >>> [tuple(input.shape) for input in decoder.inputs], tuple(decoder.output.shape)
    ([(None, 3), (None, 10)], (None, 4, 5))
    """

    def upsample(x):
        for i, width in enumerate(reversed(units)):
            x = keras.layers.Dense(width, activation=activation, dtype=dtype, name=f"dense_{i}")(x)
        x = keras.layers.Dense(
            math.prod(output_shape), activation=output_activation, dtype="float32", name="output"
        )(x)
        return keras.layers.Reshape(tuple(output_shape), dtype="float32", name="reshape")(x)

    return _decoder(latent_dim, condition_dim, upsample, name, dtype)


def conv_decoder(
    latent_dim,
    output_shape,
    filters=(16, 32),
    output_activation="sigmoid",
    condition_dim=None,
    activation="relu",
    name="decoder",
    dtype=None,
):
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

    Example:
    >>> from zoo.models.encoder_decoder_utils import conv_decoder
    >>> generator = conv_decoder(32, (28, 28, 1), output_activation="tanh",
    ...                          name="generator")
    >>> tuple(generator.output.shape)
    (None, 28, 28, 1)
    """
    height, width, channels = output_shape
    check_divisible_sides("A convolutional decoder", height, width, len(filters))
    factor = 2 ** len(filters)
    start_shape = (height // factor, width // factor, filters[-1])

    def upsample(x):
        x = keras.layers.Dense(
            math.prod(start_shape), activation=activation, dtype=dtype, name="project"
        )(x)
        x = keras.layers.Reshape(start_shape, dtype=dtype, name="reshape")(x)
        for i, count in enumerate(reversed(filters)):
            x = keras.layers.Conv2DTranspose(
                count,
                3,
                strides=2,
                padding="same",
                activation=activation,
                dtype=dtype,
                name=f"deconv_{i}",
            )(x)
        return keras.layers.Conv2D(
            channels,
            3,
            padding="same",
            activation=output_activation,
            dtype="float32",
            name="output",
        )(x)

    return _decoder(latent_dim, condition_dim, upsample, name, dtype)


def _decoder(latent_dim, condition_dim, upsample, name, dtype):
    inputs = [keras.Input((latent_dim,), name="code")]
    x = inputs[0]
    if condition_dim:
        inputs.append(keras.Input((condition_dim,), name="condition"))
        x = keras.layers.Concatenate(dtype=dtype, name="join_condition")(inputs)
    return keras.Model(inputs if condition_dim else inputs[0], upsample(x), name=name)


# The builders of each architecture's encoder and decoder, by the name of the
# class methods that use them (`Autoencoder.dense`, `VAE.convolutional`...).
ARCHITECTURES = {
    "dense": (dense_encoder, dense_decoder),
    "convolutional": (conv_encoder, conv_decoder),
}


def encoder_decoder(
    architecture,
    input_shape,
    latent_dim,
    sizes,
    output_activation,
    head_names=("latent",),
    condition_dim=None,
    dtype=None,
):
    """Builds an encoder and the decoder that mirrors it.

    The encoder maps examples of `input_shape` to one code per head name;
    the decoder maps a code back to `input_shape`, its hidden sizes those of
    the encoder in reverse.

    Args:
        architecture: `"dense"` (dense layers) or `"convolutional"` (strided
            3x3 convolutions; height and width divisible by
            `2 ** len(sizes)`).
        input_shape: tuple, shape of one example, and of one decoded example.
        latent_dim: int, width of the code.
        sizes: tuple of ints, the encoder's hidden widths (dense) or filters
            (convolutional).
        output_activation: activation of the decoder's output, e.g.
            `"sigmoid"` for pixels in [0, 1], None for real values.
        head_names: names of the encoder's outputs, e.g. `("mean",
            "log_var")` for a VAE.
        condition_dim: optional int; when given, both networks take a second
            input `(batch, condition_dim)` (e.g. a one-hot label).
        dtype: dtype policy of the layers (the global policy when None); the
            heads and the output are float32 whatever the policy.

    Returns:
        `(encoder, decoder)`, two functional `keras.Model`s named `"encoder"`
        and `"decoder"`.

    Raises:
        ValueError: when `architecture` is neither of the two.

    Example:
    >>> from zoo.models.encoder_decoder_utils import encoder_decoder
    >>> encoder, decoder = encoder_decoder("convolutional", (8, 8, 1), latent_dim=2,
    ...                                    sizes=(4, 8), output_activation="sigmoid")
    >>> tuple(encoder.output.shape), tuple(decoder.output.shape)
    ((None, 2), (None, 8, 8, 1))
    """
    if architecture not in ARCHITECTURES:
        raise ValueError(
            f"`architecture` must be one of {tuple(ARCHITECTURES)}. "
            f"Received: architecture={architecture!r}"
        )
    build_encoder, build_decoder = ARCHITECTURES[architecture]
    return (
        build_encoder(
            input_shape, latent_dim, sizes, head_names, condition_dim=condition_dim, dtype=dtype
        ),
        build_decoder(
            latent_dim,
            input_shape,
            sizes,
            output_activation,
            condition_dim=condition_dim,
            dtype=dtype,
        ),
    )
