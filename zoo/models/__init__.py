"""The zoo's Keras models, registered for serialization as `zoo>Name`.

Every model but the Transformer classifier also has `export_version(base_dir)`,
which writes the next SavedModel version with the model's named signatures.

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
