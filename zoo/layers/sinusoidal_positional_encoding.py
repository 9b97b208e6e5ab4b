"""The Transformer's fixed sinusoidal positional encoding."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="zoo")
class SinusoidalPositionalEncoding(keras.layers.Layer):
    """Sinusoidal positional encoding, with no weights and any length.

    `PE(pos, 2i) = sin(pos / max_wavelength^(2i / d))` and
    `PE(pos, 2i + 1) = cos(pos / max_wavelength^(2i / d))`, where `d` is the
    inputs' last dimension. The layer returns the encoding itself, shaped
    like its inputs, to be added to token embeddings; the inputs only lend
    their shape and dtype.

    Args:
        max_wavelength: float, the base of the wavelengths (10000 in the paper).
        **kwargs: passed to `keras.layers.Layer` (`name`, `dtype`, ...).

    Call arguments:
        inputs: tensor `(batch, sequence, features)`.
        start_index: int or scalar tensor, position of the first token
            (for decoding one token at a time). Defaults to 0.

    Returns:
        A tensor shaped like `inputs` holding the encoding of each position.

    Example:
    >>> tokens = keras.random.normal((2, 50, 32))
    >>> encoding = zoo.layers.SinusoidalPositionalEncoding()(tokens)
    >>> tuple((tokens + encoding).shape)
    (2, 50, 32)

    References:
        Vaswani et al., "Attention Is All You Need", 2017, section 3.5.
    """

    def __init__(self, max_wavelength=10000.0, **kwargs):
        super().__init__(**kwargs)
        if float(max_wavelength) <= 1.0:
            raise ValueError(
                "`max_wavelength` must be greater than 1. "
                f"Received: max_wavelength={max_wavelength!r}"
            )
        self.max_wavelength = max_wavelength
        self.supports_masking = True
        self.built = True

    def call(self, inputs, start_index=0):
        shape = ops.shape(inputs)
        length, width = shape[-2], shape[-1]
        positions = ops.cast(ops.arange(length) + start_index, "float32")
        dims = ops.arange(width)
        # Dimensions 2i and 2i + 1 share the frequency of dimension 2i.
        exponents = ops.cast(2 * (dims // 2), "float32") / ops.cast(width, "float32")
        rates = ops.power(ops.cast(self.max_wavelength, "float32"), -exponents)
        angles = ops.expand_dims(positions, -1) * ops.expand_dims(rates, 0)
        encoding = ops.where(ops.equal(dims % 2, 0), ops.sin(angles), ops.cos(angles))
        return ops.broadcast_to(ops.cast(encoding, self.compute_dtype), shape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "max_wavelength": self.max_wavelength}
