"""A Transformer encoder classifier for token sequences."""

import keras

from zoo.layers import TokenAndPositionEmbedding, TransformerEncoder
from zoo.layers.argument_utils import check_positive_int
from zoo.models.signature_utils import serving_spec


@keras.saving.register_keras_serializable(package="zoo")
class TransformerClassifier(keras.Model):
    """Token ids → embeddings with positions → encoder blocks → pooled → classes.

    Id 0 is padding: it is masked in attention and in the average pooling.

    Args:
        vocabulary_size: int, number of token ids (0 is padding).
        sequence_length: int, maximum number of tokens.
        num_classes: int; 1 gives one sigmoid unit (binary), more give softmax.
        embedding_dim: int, width of the embeddings; divisible by `num_heads`.
        num_heads: int, attention heads per block.
        intermediate_dim: int, width of each block's feed-forward layer.
        num_layers: int, number of encoder blocks.
        dropout: float in [0, 1), dropout inside the blocks and before the head.
        position: `"learned"` or `"sinusoidal"` position signal.
        **kwargs: passed to `keras.Model` (`name`, ...).

    Call arguments:
        token_ids: integer tensor `(batch, length)`.
        training: bool, whether dropout is active.

    Returns:
        Probabilities `(batch, num_classes)`.

    Export (`zoo.export.export_version`): `serving_default` (int32
    `token_ids` of any length up to `sequence_length` → `probabilities`).

    Example:
    >>> model = zoo.models.TransformerClassifier(1000, 120, num_classes=1)
    >>> tuple(model(keras.ops.ones((2, 120), "int32")).shape)
    (2, 1)

    References:
        Vaswani et al., "Attention Is All You Need", 2017.
    """

    def __init__(
        self,
        vocabulary_size,
        sequence_length,
        num_classes,
        embedding_dim=32,
        num_heads=4,
        intermediate_dim=64,
        num_layers=1,
        dropout=0.1,
        position="learned",
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_positive_int("num_classes", num_classes)
        check_positive_int("num_layers", num_layers)
        self.vocabulary_size = vocabulary_size
        self.sequence_length = sequence_length
        self.num_classes = num_classes
        self.embedding_dim = embedding_dim
        self.num_heads = num_heads
        self.intermediate_dim = intermediate_dim
        self.num_layers = num_layers
        self.dropout = dropout
        self.position = position
        self.embedding = TokenAndPositionEmbedding(
            vocabulary_size,
            sequence_length,
            embedding_dim,
            position=position,
            mask_zero=True,
            dtype=self.dtype_policy,
            name="embedding",
        )
        self.encoder_blocks = [
            TransformerEncoder(
                intermediate_dim,
                num_heads,
                dropout=dropout,
                dtype=self.dtype_policy,
                name=f"encoder_{i}",
            )
            for i in range(num_layers)
        ]
        self.pooling = keras.layers.GlobalAveragePooling1D(dtype=self.dtype_policy, name="pooling")
        self.head_dropout = keras.layers.Dropout(
            dropout, dtype=self.dtype_policy, name="head_dropout"
        )
        # Float32 probabilities, as Keras advises for a model's last layer.
        self.head = keras.layers.Dense(
            num_classes,
            activation="sigmoid" if num_classes == 1 else "softmax",
            dtype="float32",
            name="head",
        )

    def call(self, token_ids, training=None):
        x = self.embedding(token_ids)
        padding_mask = self.embedding.compute_mask(token_ids)
        for block in self.encoder_blocks:
            x = block(x, padding_mask=padding_mask, training=training)
        x = self.pooling(x, mask=padding_mask)
        return self.head(self.head_dropout(x, training=training))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_classes)

    def serving_endpoints(self):
        """Returns the export signature `serving_default`: int32 token ids →
        probabilities. Ids stay integers under mixed precision, where float16
        would round those above 2048."""

        def classify(token_ids):
            return {"probabilities": self(token_ids, training=False)}

        return {"serving_default": (classify, [serving_spec((None,), "token_ids", dtype="int32")])}

    def get_config(self):
        return {
            **super().get_config(),
            "vocabulary_size": self.vocabulary_size,
            "sequence_length": self.sequence_length,
            "num_classes": self.num_classes,
            "embedding_dim": self.embedding_dim,
            "num_heads": self.num_heads,
            "intermediate_dim": self.intermediate_dim,
            "num_layers": self.num_layers,
            "dropout": self.dropout,
            "position": self.position,
        }
