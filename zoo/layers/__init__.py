"""The zoo's reusable Keras layers, registered for serialization as `zoo>Name`.

Example:
>>> from zoo.layers import TransformerEncoder, TokenAndPositionEmbedding
"""

from zoo.layers.cam_head import CAMHead
from zoo.layers.multi_head_attention import MultiHeadAttention
from zoo.layers.position_embedding import PositionEmbedding
from zoo.layers.positionwise_feed_forward import PositionwiseFeedForward
from zoo.layers.sampling import Sampling
from zoo.layers.sinusoidal_positional_encoding import SinusoidalPositionalEncoding
from zoo.layers.token_and_position_embedding import TokenAndPositionEmbedding
from zoo.layers.transformer_encoder import TransformerEncoder

__all__ = [
    "CAMHead",
    "MultiHeadAttention",
    "PositionEmbedding",
    "PositionwiseFeedForward",
    "Sampling",
    "SinusoidalPositionalEncoding",
    "TokenAndPositionEmbedding",
    "TransformerEncoder",
]
