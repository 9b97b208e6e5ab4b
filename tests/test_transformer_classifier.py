import keras
import numpy as np
import pytest

from zoo.models import TransformerClassifier


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
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(short)),
                               keras.ops.convert_to_numpy(model(longer)), atol=1e-6)


def test_mixed_precision_keeps_float32_probabilities():
    keras.config.set_dtype_policy("mixed_float16")
    model = TransformerClassifier(50, 8, num_classes=1)
    out = model(np.ones((2, 8), "int32"))
    assert keras.backend.standardize_dtype(out.dtype) == "float32"


def test_rejects_zero_classes():
    with pytest.raises(ValueError, match=r"`num_classes` must be a positive integer\. "
                                         r"Received: num_classes=0"):
        TransformerClassifier(50, 8, num_classes=0)
