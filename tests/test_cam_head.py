import keras
import numpy as np
import pytest
from layer_harness import run_layer_test
from message_helpers import assert_says

from zoo.layers import CAMHead

# The layer and model tests run in the core install too (Keras and NumPy, JAX).
pytestmark = pytest.mark.core


def test_harness(tmp_path):
    features = np.random.default_rng(0).normal(size=(2, 5, 4, 8)).astype("float32")
    run_layer_test(
        CAMHead,
        {"num_classes": 3},
        features,
        (2, 3),
        expected_num_trainable_weights=2,
        dynamic_axes=(1, 2),
        output_dynamic_axes=(),
        tmp_path=tmp_path,
    )


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_predictions_and_maps_equal_numpy_formula():
    features = np.random.default_rng(1).normal(size=(4, 6, 5, 8)).astype("float32")
    head = CAMHead(num_classes=3)
    probabilities, maps = head(features, return_cam=True)
    w, b = (keras.ops.convert_to_numpy(v) for v in head.classifier.weights)
    expected = _softmax(features.mean(axis=(1, 2)) @ w + b)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(probabilities), expected, atol=1e-5)
    predicted = expected.argmax(-1)
    # M_c(x, y) = sum_k w_k^c f_k(x, y) for each image's predicted class.
    expected_maps = np.stack([features[i] @ w[:, c] for i, c in enumerate(predicted)])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(maps), expected_maps, atol=1e-5)
    # The class score (before the bias) is the map's mean.
    np.testing.assert_allclose(
        expected_maps.mean(axis=(1, 2)),
        (features.mean(axis=(1, 2)) @ w)[np.arange(4), predicted],
        atol=1e-5,
    )


def test_maps_for_chosen_classes():
    features = np.random.default_rng(2).normal(size=(2, 3, 3, 4)).astype("float32")
    head = CAMHead(num_classes=5, activation=None)
    _, maps = head(features, return_cam=True, class_index=np.array([4, 1]))
    w = keras.ops.convert_to_numpy(head.classifier.kernel)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(maps),
        np.stack([features[0] @ w[:, 4], features[1] @ w[:, 1]]),
        atol=1e-5,
    )
    _, same_class = head(features, return_cam=True, class_index=2)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(same_class), features @ w[:, 2], atol=1e-5
    )


def test_symbolic_call_with_maps():
    features = keras.Input((7, 7, 16))
    probabilities, maps = CAMHead(4)(features, return_cam=True)
    assert probabilities.shape == (None, 4)
    assert maps.shape == (None, 7, 7)


def test_rejects_pooled_inputs():
    with pytest.raises(ValueError) as pooled:
        CAMHead(3)(np.zeros((2, 16), "float32"))
    assert_says(
        str(pooled.value),
        "CAMHead expects a feature map (batch, height, width, channels)",
        "Received shape (2, 16)",
        "after the last convolution, before any pooling or Flatten",
    )


def test_rejects_a_class_count_below_one():
    with pytest.raises(ValueError) as none:
        CAMHead(num_classes=0)
    assert_says(str(none.value), "`num_classes`", "num_classes=0")


def test_kernel_initializer_reaches_the_classifier_and_survives_its_config():
    head = CAMHead(num_classes=3, kernel_initializer="ones", name="cam")
    twin = CAMHead.from_config(head.get_config())
    for layer in (head, twin):
        layer.build((None, 4, 4, 8))
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.classifier.kernel), 1.0)
    # Checkpoints and the SavedModel's variables are found by these paths.
    assert [w.path for w in head.weights] == [
        "cam/classifier/kernel",
        "cam/classifier/bias",
    ]


@pytest.mark.parametrize("scope", ["global", "instance"])
def test_mixed_precision_gives_float32_predictions_and_maps(scope):
    features = np.random.default_rng(3).normal(size=(2, 4, 4, 8)).astype("float32")
    if scope == "global":
        keras.config.set_dtype_policy("mixed_float16")
        head = CAMHead(num_classes=3)
    else:
        head = CAMHead(num_classes=3, dtype="mixed_float16")
    probabilities, maps = head(features, return_cam=True)
    assert keras.backend.standardize_dtype(probabilities.dtype) == "float32"
    assert keras.backend.standardize_dtype(maps.dtype) == "float32"
    # The classifier itself computes in float16; only the activation is float32.
    assert head.classifier.compute_dtype == "float16"
    assert head.output_activation.compute_dtype == "float32"
    symbolic = head(keras.Input((4, 4, 8)), return_cam=True)
    assert [x.dtype for x in symbolic] == ["float32", "float32"]
    # Same numbers as the float32 formula, to float16's precision.
    w, b = (keras.ops.convert_to_numpy(v) for v in head.classifier.weights)
    expected = _softmax(features.mean(axis=(1, 2)) @ w + b)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(probabilities), expected, atol=2e-3)
    expected_maps = np.stack([features[i] @ w[:, c] for i, c in enumerate(expected.argmax(-1))])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(maps), expected_maps, atol=2e-2)
