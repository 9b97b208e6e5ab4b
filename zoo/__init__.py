"""keras-cert-zoo: reusable Keras 3 layers and models, practice tasks, export and serving.

`import zoo` is light: it imports neither Keras nor TensorFlow, so the `zoo`
command and the server start fast. `zoo.layers` and `zoo.models` load on
first use; importing them registers every layer and model for Keras
serialization, so `.keras` files made with them reload with plain
`keras.saving.load_model` after `import zoo.models`.

Example:
>>> import zoo
>>> zoo.layers.PositionwiseFeedForward.__name__
'PositionwiseFeedForward'
"""

import importlib

__version__ = "0.1.0"

__all__ = ["layers", "models", "__version__"]

_LAZY_SUBPACKAGES = ("layers", "models")


def __getattr__(name):
    # PEP 562: the Keras-backed subpackages load when first named.
    if name in _LAZY_SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
