"""The builder class methods (`dense`, `convolutional`) of the autoencoder, the
VAEs and the DCGAN make the networks they always made: the same layers, names,
activations, output shapes and weight shapes that `.keras` files saved by
earlier versions are read back into."""

import re
import textwrap

import keras
import pytest

from zoo.models import DCGAN, VAE, Autoencoder, ConditionalVAE
from zoo.models.encoder_decoder_utils import encoder_decoder

# The layer and model tests run in the core install too (Keras and NumPy, JAX).
pytestmark = pytest.mark.core

# One line per layer: name, class, activation (- for none), output shape,
# then the shapes of its weights.
BUILDS = {
    "Autoencoder.dense": (
        lambda **kwargs: Autoencoder.dense((12,), latent_dim=3, units=(8, 6), **kwargs),
        {
            "encoder": """
            inputs InputLayer - (None, 12)
            flatten Flatten - (None, 12)
            dense_0 Dense relu (None, 8) (12, 8) (8,)
            dense_1 Dense relu (None, 6) (8, 6) (6,)
            latent Dense linear (None, 3) (6, 3) (3,)
         """,
            "decoder": """
            code InputLayer - (None, 3)
            dense_0 Dense relu (None, 6) (3, 6) (6,)
            dense_1 Dense relu (None, 8) (6, 8) (8,)
            output Dense sigmoid (None, 12) (8, 12) (12,)
            reshape Reshape - (None, 12)
         """,
        },
    ),
    "Autoencoder.convolutional": (
        lambda **kwargs: Autoencoder.convolutional(
            (8, 8, 1), latent_dim=3, filters=(4, 6), **kwargs
        ),
        {
            "encoder": """
            inputs InputLayer - (None, 8, 8, 1)
            conv_0 Conv2D relu (None, 4, 4, 4) (3, 3, 1, 4) (4,)
            conv_1 Conv2D relu (None, 2, 2, 6) (3, 3, 4, 6) (6,)
            flatten Flatten - (None, 24)
            latent Dense linear (None, 3) (24, 3) (3,)
         """,
            "decoder": """
            code InputLayer - (None, 3)
            project Dense relu (None, 24) (3, 24) (24,)
            reshape Reshape - (None, 2, 2, 6)
            deconv_0 Conv2DTranspose relu (None, 4, 4, 6) (3, 3, 6, 6) (6,)
            deconv_1 Conv2DTranspose relu (None, 8, 8, 4) (3, 3, 4, 6) (4,)
            output Conv2D sigmoid (None, 8, 8, 1) (3, 3, 4, 1) (1,)
         """,
        },
    ),
    "VAE.dense": (
        lambda **kwargs: VAE.dense((12,), latent_dim=3, units=(8, 6), **kwargs),
        {
            "encoder": """
            inputs InputLayer - (None, 12)
            flatten Flatten - (None, 12)
            dense_0 Dense relu (None, 8) (12, 8) (8,)
            dense_1 Dense relu (None, 6) (8, 6) (6,)
            mean Dense linear (None, 3) (6, 3) (3,)
            log_var Dense linear (None, 3) (6, 3) (3,)
         """,
            "decoder": """
            code InputLayer - (None, 3)
            dense_0 Dense relu (None, 6) (3, 6) (6,)
            dense_1 Dense relu (None, 8) (6, 8) (8,)
            output Dense sigmoid (None, 12) (8, 12) (12,)
            reshape Reshape - (None, 12)
         """,
        },
    ),
    "VAE.convolutional": (
        lambda **kwargs: VAE.convolutional(
            (8, 8, 2), latent_dim=3, filters=(4, 6), output_activation="tanh", **kwargs
        ),
        {
            "encoder": """
            inputs InputLayer - (None, 8, 8, 2)
            conv_0 Conv2D relu (None, 4, 4, 4) (3, 3, 2, 4) (4,)
            conv_1 Conv2D relu (None, 2, 2, 6) (3, 3, 4, 6) (6,)
            flatten Flatten - (None, 24)
            mean Dense linear (None, 3) (24, 3) (3,)
            log_var Dense linear (None, 3) (24, 3) (3,)
         """,
            "decoder": """
            code InputLayer - (None, 3)
            project Dense relu (None, 24) (3, 24) (24,)
            reshape Reshape - (None, 2, 2, 6)
            deconv_0 Conv2DTranspose relu (None, 4, 4, 6) (3, 3, 6, 6) (6,)
            deconv_1 Conv2DTranspose relu (None, 8, 8, 4) (3, 3, 4, 6) (4,)
            output Conv2D tanh (None, 8, 8, 2) (3, 3, 4, 2) (2,)
         """,
        },
    ),
    "ConditionalVAE.dense": (
        lambda **kwargs: ConditionalVAE.dense(
            (12,), num_classes=5, latent_dim=3, units=(8, 6), **kwargs
        ),
        {
            "encoder": """
            inputs InputLayer - (None, 12)
            flatten Flatten - (None, 12)
            dense_0 Dense relu (None, 8) (12, 8) (8,)
            dense_1 Dense relu (None, 6) (8, 6) (6,)
            condition InputLayer - (None, 5)
            join_condition Concatenate - (None, 11)
            mean Dense linear (None, 3) (11, 3) (3,)
            log_var Dense linear (None, 3) (11, 3) (3,)
         """,
            "decoder": """
            code InputLayer - (None, 3)
            condition InputLayer - (None, 5)
            join_condition Concatenate - (None, 8)
            dense_0 Dense relu (None, 6) (8, 6) (6,)
            dense_1 Dense relu (None, 8) (6, 8) (8,)
            output Dense sigmoid (None, 12) (8, 12) (12,)
            reshape Reshape - (None, 12)
         """,
        },
    ),
    "ConditionalVAE.convolutional": (
        lambda **kwargs: ConditionalVAE.convolutional(
            (8, 8, 1), num_classes=5, latent_dim=3, filters=(4, 6), **kwargs
        ),
        {
            "encoder": """
            inputs InputLayer - (None, 8, 8, 1)
            conv_0 Conv2D relu (None, 4, 4, 4) (3, 3, 1, 4) (4,)
            conv_1 Conv2D relu (None, 2, 2, 6) (3, 3, 4, 6) (6,)
            flatten Flatten - (None, 24)
            condition InputLayer - (None, 5)
            join_condition Concatenate - (None, 29)
            mean Dense linear (None, 3) (29, 3) (3,)
            log_var Dense linear (None, 3) (29, 3) (3,)
         """,
            "decoder": """
            code InputLayer - (None, 3)
            condition InputLayer - (None, 5)
            join_condition Concatenate - (None, 8)
            project Dense relu (None, 24) (8, 24) (24,)
            reshape Reshape - (None, 2, 2, 6)
            deconv_0 Conv2DTranspose relu (None, 4, 4, 6) (3, 3, 6, 6) (6,)
            deconv_1 Conv2DTranspose relu (None, 8, 8, 4) (3, 3, 4, 6) (4,)
            output Conv2D sigmoid (None, 8, 8, 1) (3, 3, 4, 1) (1,)
         """,
        },
    ),
    "DCGAN.dense": (
        lambda **kwargs: DCGAN.dense(12, latent_dim=3, units=(8, 6), **kwargs),
        {
            "generator": """
            code InputLayer - (None, 3)
            dense_0 Dense relu (None, 6) (3, 6) (6,)
            dense_1 Dense relu (None, 8) (6, 8) (8,)
            output Dense linear (None, 12) (8, 12) (12,)
            reshape Reshape - (None, 12)
         """,
            "discriminator": """
            inputs InputLayer - (None, 12)
            flatten Flatten - (None, 12)
            dense_0 Dense leaky_relu (None, 8) (12, 8) (8,)
            dense_1 Dense leaky_relu (None, 6) (8, 6) (6,)
            logit Dense linear (None, 1) (6, 1) (1,)
         """,
        },
    ),
    "DCGAN.convolutional": (
        lambda **kwargs: DCGAN.convolutional((8, 8, 1), latent_dim=3, filters=(4, 6), **kwargs),
        {
            "generator": """
            code InputLayer - (None, 3)
            project Dense relu (None, 24) (3, 24) (24,)
            reshape Reshape - (None, 2, 2, 6)
            deconv_0 Conv2DTranspose relu (None, 4, 4, 6) (3, 3, 6, 6) (6,)
            deconv_1 Conv2DTranspose relu (None, 8, 8, 4) (3, 3, 4, 6) (4,)
            output Conv2D tanh (None, 8, 8, 1) (3, 3, 4, 1) (1,)
         """,
            "discriminator": """
            inputs InputLayer - (None, 8, 8, 1)
            conv_0 Conv2D leaky_relu (None, 4, 4, 4) (3, 3, 1, 4) (4,)
            conv_1 Conv2D leaky_relu (None, 2, 2, 6) (3, 3, 4, 6) (6,)
            flatten Flatten - (None, 24)
            logit Dense linear (None, 1) (24, 1) (1,)
         """,
        },
    ),
}


def layer_lines(network):
    """One line per layer of a functional model, in the format of `BUILDS`."""
    lines = []
    for layer in network.layers:
        words = [
            layer.name,
            type(layer).__name__,
            layer.get_config().get("activation") or "-",
            str(tuple(layer.output.shape)),
        ]
        words += [str(tuple(weight.shape)) for weight in layer.weights]
        lines.append(" ".join(words))
    return lines


@pytest.mark.parametrize("builder", BUILDS)
def test_builder_makes_the_networks_it_always_made(builder):
    build, expected = BUILDS[builder]
    model = build()
    for network, layers in expected.items():
        # Named as the attribute that holds it: its weights' paths begin so.
        assert getattr(model, network).name == network
        assert (
            layer_lines(getattr(model, network)) == textwrap.dedent(layers).strip().splitlines()
        ), network


# The networks' float32 outputs: under mixed precision each computes in float32
# from here on, as Keras advises for a model's last layers.
FLOAT32_HEADS = {"latent", "mean", "log_var", "logit", "output"}


@pytest.mark.parametrize("builder", BUILDS)
def test_builder_hands_the_dtype_policy_to_both_networks(builder):
    build, expected = BUILDS[builder]
    model = build(dtype="mixed_bfloat16")
    assert model.dtype_policy.name == "mixed_bfloat16"
    for network in expected:
        layers = [
            layer
            for layer in getattr(model, network).layers
            if not isinstance(layer, keras.layers.InputLayer)
        ]
        heads = next(i for i, layer in enumerate(layers) if layer.name in FLOAT32_HEADS)
        assert [layer.compute_dtype for layer in layers] == ["bfloat16"] * heads + ["float32"] * (
            len(layers) - heads
        ), network


def test_an_unknown_architecture_names_the_two_there_are():
    with pytest.raises(
        ValueError,
        match=r"\('dense', 'convolutional'\). Received: "
        r"architecture='recurrent'",
    ):
        encoder_decoder("recurrent", (12,), latent_dim=3, sizes=(8,), output_activation=None)


@pytest.mark.parametrize(
    "build, network, received, suggested",
    [
        (lambda: VAE.convolutional((18, 12, 1), 2, filters=(4, 6)), "encoder", (18, 12), "20x12"),
        (
            lambda: DCGAN.convolutional((12, 18, 1), 2, filters=(4, 6)),
            "decoder",
            (12, 18),
            "12x20",
        ),
    ],
    ids=["encoder", "decoder"],
)
def test_an_indivisible_image_size_is_explained(build, network, received, suggested):
    height, width = received
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"A convolutional {network} halves the image 2 times, so its height and width "
            f"must be divisible by 2**2 = 4. Received height={height}, width={width}. Resize "
            f"or pad the images to a multiple of 4, e.g. {suggested}."
        ),
    ):
        build()


def test_three_levels_decode_to_the_image_size():
    # 24 / 2**3 = 3 rows to start from; 2 * 3 levels would give 4, and 32 rows.
    model = VAE.convolutional((24, 24, 1), latent_dim=2, filters=(2, 3, 4))
    assert tuple(model.decoder.output.shape) == (None, 24, 24, 1)
