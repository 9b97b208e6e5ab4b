"""keras-cert-zoo: reusable Keras 3 layers and models, practice tasks, export and serving.

Importing `zoo` registers every layer and model for Keras serialization, so
`.keras` files made with them reload with plain `keras.saving.load_model`.
It does not import TensorFlow: the layers and models run on any backend.
"""

from zoo import layers, models

__version__ = "0.1.0"

__all__ = ["layers", "models", "__version__"]
