"""The zoo's Keras models, registered for serialization as `zoo>Name`.

Example:
>>> from zoo.models import TransformerClassifier
"""

from zoo.models.transformer_classifier import TransformerClassifier

__all__ = [
    "TransformerClassifier",
]
