"""Token embedding plus a learned or sinusoidal position signal."""

import keras
from keras import ops

from zoo.layers.argument_utils import check_positive_int
from zoo.layers.position_embedding import PositionEmbedding
from zoo.layers.sinusoidal_positional_encoding import SinusoidalPositionalEncoding

POSITION_KINDS = ("learned", "sinusoidal")


@keras.saving.register_keras_serializable(package="zoo")
class TokenAndPositionEmbedding(keras.layers.Layer):
    """Embeds token ids and adds the embedding of each token's position.

    Args:
        vocabulary_size: int, number of token ids.
        sequence_length: int, maximum sequence length. Required for
            `position="learned"`; may be None for `"sinusoidal"`, which takes
            any length.
        embedding_dim: int, width of the embeddings.
        position: `"learned"` (`PositionEmbedding`) or `"sinusoidal"`
            (`SinusoidalPositionalEncoding`).
        mask_zero: bool, whether id 0 is padding; if so the output carries a
            Keras mask that downstream layers (e.g. `TransformerEncoder`) use.
        embeddings_initializer: initializer of the token embeddings.
        **kwargs: passed to `keras.layers.Layer` (`name`, `dtype`, ...).

    Call arguments:
        inputs: integer tensor `(batch, length)` of token ids.

    Returns:
        A tensor `(batch, length, embedding_dim)`.

    Example:
    >>> embed = zoo.layers.TokenAndPositionEmbedding(1000, 120, 16, mask_zero=True)
    >>> tuple(embed(keras.ops.ones((2, 120), "int32")).shape)
    (2, 120, 16)

    References:
        Vaswani et al., "Attention Is All You Need", 2017, sections 3.4-3.5.
    """

    def __init__(
        self,
        vocabulary_size,
        sequence_length,
        embedding_dim,
        position="learned",
        mask_zero=False,
        embeddings_initializer="uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_positive_int("vocabulary_size", vocabulary_size)
        check_positive_int("embedding_dim", embedding_dim)
        if position not in POSITION_KINDS:
            raise ValueError(
                f"`position` must be one of {POSITION_KINDS}. Received: position={position!r}"
            )
        if position == "learned" or sequence_length is not None:
            check_positive_int("sequence_length", sequence_length)
        self.vocabulary_size = vocabulary_size
        self.sequence_length = sequence_length
        self.embedding_dim = embedding_dim
        self.position = position
        self.mask_zero = mask_zero
        self.embeddings_initializer = keras.initializers.get(embeddings_initializer)
        self.supports_masking = mask_zero
        self.token_embedding = keras.layers.Embedding(
            vocabulary_size,
            embedding_dim,
            embeddings_initializer=self.embeddings_initializer,
            mask_zero=mask_zero,
            dtype=self.dtype_policy,
            name="token_embedding",
        )
        if position == "learned":
            self.position_embedding = PositionEmbedding(
                sequence_length, dtype=self.dtype_policy, name="position_embedding"
            )
        else:
            self.position_embedding = SinusoidalPositionalEncoding(
                dtype=self.dtype_policy, name="position_embedding"
            )

    def build(self, input_shape):
        self.token_embedding.build(input_shape)
        self.position_embedding.build((*input_shape, self.embedding_dim))

    def call(self, inputs):
        tokens = self.token_embedding(inputs)
        return tokens + self.position_embedding(tokens)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.embedding_dim)

    def get_config(self):
        return {
            **super().get_config(),
            "vocabulary_size": self.vocabulary_size,
            "sequence_length": self.sequence_length,
            "embedding_dim": self.embedding_dim,
            "position": self.position,
            "mask_zero": self.mask_zero,
            "embeddings_initializer": keras.initializers.serialize(self.embeddings_initializer),
        }
