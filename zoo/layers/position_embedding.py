"""A learned position embedding of fixed maximum length."""

import keras
from keras import ops

from zoo.layers.argument_utils import check_positive_int


@keras.saving.register_keras_serializable(package="zoo")
class PositionEmbedding(keras.layers.Layer):
    """Learned position embedding: one trained vector per position.

    Returns the embeddings of positions `0 .. length - 1`, shaped like its
    inputs, to be added to token embeddings. Inputs may be shorter than
    `sequence_length`, never longer.

    Args:
        sequence_length: int, the maximum sequence length.
        initializer: initializer of the embedding table.
        **kwargs: passed to `keras.layers.Layer` (`name`, `dtype`, ...).

    Call arguments:
        inputs: tensor `(batch, length, features)` with
            `length <= sequence_length`.
        start_index: int or scalar tensor, position of the first token.
            Defaults to 0.

    Returns:
        A tensor shaped like `inputs`.

    Example:
    >>> tokens = keras.random.normal((2, 20, 32))
    >>> positions = zoo.layers.PositionEmbedding(sequence_length=64)(tokens)
    >>> tuple(positions.shape)
    (2, 20, 32)

    References:
        Gehring et al., "Convolutional Sequence to Sequence Learning", 2017;
        Devlin et al., "BERT", 2019 (learned absolute positions).
    """

    def __init__(self, sequence_length, initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        check_positive_int("sequence_length", sequence_length)
        self.sequence_length = sequence_length
        self.initializer = keras.initializers.get(initializer)
        self.supports_masking = True

    def build(self, input_shape):
        self._check_length(input_shape[-2])
        self.position_embeddings = self.add_weight(
            name="embeddings",
            shape=(self.sequence_length, input_shape[-1]),
            initializer=self.initializer,
            trainable=True,
        )

    def _check_length(self, length):
        if isinstance(length, int) and length > self.sequence_length:
            raise ValueError(
                f"Inputs have {length} positions but this PositionEmbedding "
                f"holds only sequence_length={self.sequence_length}. Truncate "
                "the inputs or build the layer with a larger sequence_length."
            )

    def call(self, inputs, start_index=0):
        shape = ops.shape(inputs)
        if isinstance(start_index, int) and isinstance(shape[-2], int):
            self._check_length(start_index + shape[-2])
        # A gather, not a slice: JAX cannot export a slice whose size is a
        # symbolic sequence length (it must prove the size fits the table).
        positions = ops.take(self.position_embeddings, ops.arange(shape[-2]) + start_index, axis=0)
        return ops.broadcast_to(ops.cast(positions, self.compute_dtype), shape)

    def compute_output_shape(self, input_shape):
        self._check_length(input_shape[-2])
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "sequence_length": self.sequence_length,
            "initializer": keras.initializers.serialize(self.initializer),
        }
