"""UNet: segments generated shapes, checks input sizes, round trip, export."""

import keras
import numpy as np
import pytest
from models_helpers import (
    SHAPE_CLASSES,
    assert_same_config,
    assert_same_outputs,
    check_export,
    mixed_precision,
    reload,
    shape_images,
)

from zoo.models import UNet

# The layer and model tests run in the core install too (Keras and NumPy, JAX).
pytestmark = pytest.mark.core

NUM_CLASSES = len(SHAPE_CLASSES) + 1  # and the background


def mean_iou(true_masks, predicted_masks):
    ious = []
    for c in range(NUM_CLASSES):
        true, predicted = true_masks == c, predicted_masks == c
        ious.append((true & predicted).sum() / (true | predicted).sum())
    return float(np.mean(ious))


@pytest.fixture(scope="module")
def trained(learning_seed):
    images, masks, _ = shape_images(512, seed=2 * learning_seed, noise=0.1)
    keras.utils.set_random_seed(learning_seed)
    model = UNet(NUM_CLASSES, depth=2, filters=8, dropout=0.1)
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(images, masks, batch_size=32, epochs=25, verbose=0)
    return model


@pytest.mark.slow
def test_segments_held_out_shapes(trained, learning_seed, bound):
    images, masks, _ = shape_images(200, seed=2 * learning_seed + 1, noise=0.1)
    predicted = trained.predict(images, verbose=0).argmax(axis=-1)
    # Seeds 0-4 measured 0.9997-1.0.
    bound("mean IoU on held-out shapes", mean_iou(masks, predicted), at_least=0.9)


def reference_block(filters, name, batch_norm):
    """Two 3x3 convolutions, each with batch normalization (if any) and ReLU."""
    layers = []
    for i in range(2):
        layers.append(
            keras.layers.Conv2D(
                filters, 3, padding="same", use_bias=not batch_norm, name=f"{name}_conv_{i}"
            )
        )
        if batch_norm:
            layers.append(
                keras.layers.BatchNormalization(
                    synchronized=keras.backend.backend() == "tensorflow", name=f"{name}_norm_{i}"
                )
            )
        layers.append(keras.layers.Activation("relu", name=f"{name}_relu_{i}"))
    return keras.Sequential(layers, name=name)


@pytest.mark.parametrize("batch_norm", [True, False])
def test_is_the_keras_layers_of_the_paper_in_their_order(batch_norm):
    # The reference: Ronneberger et al.'s network built here from Keras layers
    # (three blocks of 4, 8 and 16 filters, a bottleneck of 32, transposed 2x2
    # upsampling, skips joined after the upsampled maps), with the model's weights.
    keras.utils.set_random_seed(0)
    model = UNet(3, depth=3, filters=4, batch_norm=batch_norm, dropout=0.5)
    rng = np.random.default_rng(0)
    images = rng.normal(size=(2, 8, 16, 2)).astype("float32")
    model(images)
    # Away from their initial values, so that batch normalization is no identity.
    for weight in model.weights:
        value = rng.uniform(-0.5, 0.5, weight.shape)
        weight.assign(np.abs(value) + 0.5 if "variance" in weight.path else value)
    logits = model(images, training=False)
    levels = range(3)
    down = [reference_block(4 * 2**level, f"down_{level}", batch_norm) for level in levels]
    pools = [keras.layers.MaxPooling2D(2, name=f"pool_{level}") for level in levels]
    bottleneck = reference_block(32, "bottleneck", batch_norm)
    dropout = keras.layers.Dropout(0.5, name="bottleneck_dropout")
    upsample = [
        keras.layers.Conv2DTranspose(4 * 2**level, 2, strides=2, name=f"upsample_{level}")
        for level in reversed(levels)
    ]
    up = [reference_block(4 * 2**level, f"up_{level}", batch_norm) for level in reversed(levels)]
    head = keras.layers.Conv2D(3, 1, name="head")

    x = inputs = keras.Input((8, 16, 2))
    skips = []
    for block, pool in zip(down, pools):
        x = block(x)
        skips.append(x)
        x = pool(x)
    x = dropout(bottleneck(x))
    for upsampler, block, skip in zip(upsample, up, reversed(skips)):
        x = block(keras.layers.Concatenate()([upsampler(x), skip]))
    reference = keras.Model(inputs, head(x))

    ours = [
        *model.down_blocks,
        *model.pools,
        model.bottleneck,
        model.bottleneck_dropout,
        *model.upsamplers,
        *model.up_blocks,
        model.head,
    ]
    theirs = [*down, *pools, bottleneck, dropout, *upsample, *up, head]
    for layer, wanted in zip(ours, theirs, strict=True):
        configs = [layer.get_config()], [wanted.get_config()]
        if isinstance(layer, keras.Sequential):
            configs = (
                [sub.get_config() for sub in layer.layers],
                [sub.get_config() for sub in wanted.layers],
            )
        assert configs[0] == configs[1], layer.name
        wanted.set_weights(layer.get_weights())
    assert_same_outputs(logits, reference(images, training=False), atol=1e-5)


@pytest.mark.parametrize("size", [(8, 8), (16, 40), (32, 24)])
def test_any_divisible_size(size):
    model = UNet(2, depth=3, filters=2)
    assert model(np.zeros((1, *size, 3), "float32")).shape == (1, *size, 2)


def test_indivisible_size_is_explained():
    model = UNet(2, depth=3, filters=2)
    with pytest.raises(ValueError) as error:
        model(np.zeros((1, 20, 32, 1), "float32"))
    # Keras prefixes the layer's name to errors raised in `call`.
    assert (
        "UNet halves the image 3 times, so its height and width must be "
        "divisible by 2**3 = 8. Received height=20, width=32. Resize or pad "
        "the images to a multiple of 8, e.g. 24x32."
    ) in str(error.value)


@pytest.mark.slow
def test_keras_round_trip(trained, tmp_path):
    images = shape_images(4, seed=2)[0]
    reloaded = reload(trained, tmp_path)
    assert_same_config(reloaded, trained)
    assert_same_outputs(reloaded(images), trained(images), atol=1e-5)


@pytest.mark.slow
@pytest.mark.tensorflow
def test_export_signature_any_size(trained, tmp_path):
    small = shape_images(3, seed=3)[0]
    large = np.tile(small, (1, 2, 3, 1))
    loaded = check_export(
        trained,
        tmp_path,
        {
            "serving_default": (
                {"images": small},
                {
                    "probabilities": keras.ops.softmax(trained(small)),
                    "classes": trained(small).numpy().argmax(axis=-1),
                },
            )
        },
    )
    served = loaded.signatures["serving_default"](images=large)
    np.testing.assert_allclose(
        served["probabilities"].numpy(), keras.ops.softmax(trained(large)), atol=1e-5
    )


@pytest.mark.slow
def test_mixed_precision_trains():
    images, masks, _ = shape_images(32, seed=0)
    with mixed_precision():
        keras.utils.set_random_seed(0)
        model = UNet(NUM_CLASSES, depth=1, filters=4, batch_norm=True)
        model.compile(
            optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        )
        history = model.fit(images, masks, batch_size=16, epochs=1, verbose=0).history
        assert model.down_blocks[0].layers[0].compute_dtype == "float16"
        assert model(images).dtype == "float32"
        assert np.isfinite(history["loss"]).all()


def test_without_batch_norm_has_biases():
    model = UNet(2, depth=1, filters=2, batch_norm=False)
    model(np.zeros((1, 4, 4, 1), "float32"))
    assert not any("norm" in w.path for w in model.weights)
    assert model.down_blocks[0].layers[0].use_bias
