"""The zoo's Keras models, registered for serialization as `zoo>Name`.

Every model declares its named serving signatures with `serving_endpoints()`;
`zoo.export.export_version(model, base_dir)` writes them as the next
SavedModel version. Nothing here imports `zoo.export`.

Example:
>>> from zoo.models import TransformerClassifier, UNet, VAE
"""

from zoo.models.autoencoder import Autoencoder
from zoo.models.cam_classifier import CAMClassifier
from zoo.models.conditional_vae import ConditionalVAE
from zoo.models.dcgan import DCGAN
from zoo.models.lstm_forecaster import LSTMForecaster
from zoo.models.transformer_classifier import TransformerClassifier
from zoo.models.unet import UNet
from zoo.models.vae import VAE

__all__ = [
    "Autoencoder",
    "CAMClassifier",
    "ConditionalVAE",
    "DCGAN",
    "LSTMForecaster",
    "TransformerClassifier",
    "UNet",
    "VAE",
]
