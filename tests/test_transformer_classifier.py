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
