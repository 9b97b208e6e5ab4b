import keras
import numpy as np
import pytest
from precision_harness import check_sublayer_policies

from zoo.models import TransformerClassifier

# The layer and model tests run in the core install too (Keras and NumPy, JAX).
pytestmark = pytest.mark.core


def test_config_round_trip_and_keras_file(tmp_path):
    model = TransformerClassifier(50, 10, num_classes=3, num_layers=2, position="sinusoidal")
    ids = np.array([[4, 5, 6, 0, 0, 0, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]])
    probabilities = keras.ops.convert_to_numpy(model(ids))
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, atol=1e-6)
    clone = TransformerClassifier.from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    model.save(tmp_path / "classifier.keras")
    reloaded = keras.saving.load_model(tmp_path / "classifier.keras")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(reloaded(ids)), probabilities)


@pytest.mark.parametrize("num_classes", [1, 2])
def test_is_the_zoo_layers_then_masked_pooling_and_the_head(num_classes):
    # The reference: the documented stack built apart from the zoo's layers with
    # the same configs and weights, then the mean over real tokens and the head
    # (sigmoid for one class, softmax for more) in NumPy.
    from zoo.layers import TokenAndPositionEmbedding, TransformerEncoder

    keras.utils.set_random_seed(0)
    model = TransformerClassifier(
        30,
        7,
        num_classes,
        embedding_dim=4,
        num_heads=2,
        intermediate_dim=6,
        num_layers=2,
        dropout=0.2,
        position="sinusoidal",
    )
    ids = np.array([[4, 5, 6, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6, 7]], "int32")
    probabilities = keras.ops.convert_to_numpy(model(ids))
    embedding = TokenAndPositionEmbedding(
        30, 7, 4, position="sinusoidal", mask_zero=True, name="embedding"
    )
    blocks = [TransformerEncoder(6, 2, dropout=0.2, name=f"encoder_{i}") for i in range(2)]
    head_dropout = keras.layers.Dropout(0.2, name="head_dropout")
    ours = [model.embedding, *model.encoder_blocks, model.head_dropout]
    for layer, wanted in zip(ours, [embedding, *blocks, head_dropout], strict=True):
        assert layer.get_config() == wanted.get_config(), layer.name
    embedding(ids)
    embedding.set_weights(model.embedding.get_weights())
    x = embedding(ids)
    for block, layer in zip(blocks, model.encoder_blocks):
        block(x, padding_mask=ids != 0)
        block.set_weights(layer.get_weights())
        x = block(x, padding_mask=ids != 0)
    real = (ids != 0)[..., None]
    pooled = (keras.ops.convert_to_numpy(x) * real).sum(1) / real.sum(1)
    kernel, bias = model.head.get_weights()
    logits = pooled.astype("float64") @ kernel + bias
    if num_classes == 1:
        expected = 1 / (1 + np.exp(-logits))
    else:
        expected = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    assert model.head.get_config()["units"] == num_classes
    np.testing.assert_allclose(probabilities, expected, atol=1e-6)


def test_padding_does_not_change_predictions():
    model = TransformerClassifier(50, 12, num_classes=1)
    short = np.array([[7, 8, 9, 0, 0, 0, 0, 0]])
    longer = np.array([[7, 8, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0]])
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(model(short)),
        keras.ops.convert_to_numpy(model(longer)),
        atol=1e-6,
    )


def _dtype(x):
    return keras.backend.standardize_dtype(x.dtype)


@pytest.mark.slow
@pytest.mark.parametrize("scope", ["global", "instance"])
def test_mixed_precision_computes_in_float16_with_float32_probabilities(scope):
    ids = np.array([[4, 5, 6, 7, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6, 7, 8]], "int32")
    if scope == "global":
        keras.config.set_dtype_policy("mixed_float16")
        mixed = TransformerClassifier(50, 8, num_classes=3, dropout=0.0)
        keras.config.set_dtype_policy("float32")
    else:
        mixed = TransformerClassifier(50, 8, num_classes=3, dropout=0.0, dtype="mixed_float16")
    probabilities = mixed(ids)
    # Every sublayer computes in float16 but the head, with float32 weights.
    assert mixed.compute_dtype == "float16"
    check_sublayer_policies(mixed, keras.DTypePolicy("mixed_float16"), {"head"})
    assert all(_dtype(w) == "float32" for w in mixed.weights)
    # The activations between them are float16 ...
    x = mixed.embedding(ids)
    assert _dtype(x) == "float16"
    x = mixed.encoder_blocks[0](x, padding_mask=ids != 0)
    assert _dtype(x) == "float16"
    assert _dtype(mixed.pooling(x, mask=ids != 0)) == "float16"
    # ... and the probabilities float32.
    assert _dtype(probabilities) == "float32"
    probabilities = keras.ops.convert_to_numpy(probabilities)
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, atol=1e-6)
    # float16 rounding shows in the result: the same weights in float32 give
    # slightly different probabilities.
    exact = TransformerClassifier(50, 8, num_classes=3, dropout=0.0)
    exact(ids)
    exact.set_weights(mixed.get_weights())
    difference = np.abs(keras.ops.convert_to_numpy(exact(ids)) - probabilities).max()
    assert 0 < difference < 1e-2, difference


def test_rejects_zero_classes():
    with pytest.raises(
        ValueError,
        match=r"`num_classes` must be a positive integer\. "
        r"Received: num_classes=0",
    ):
        TransformerClassifier(50, 8, num_classes=0)
