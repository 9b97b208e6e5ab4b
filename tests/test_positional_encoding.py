import warnings

import keras
import numpy as np
import pytest
from layer_harness import run_layer_test
from message_helpers import assert_says
from training_helpers import environment, run_for_json

from zoo.layers import (
    PositionEmbedding,
    SinusoidalPositionalEncoding,
    TokenAndPositionEmbedding,
)

# The layer and model tests run in the core install too (Keras and NumPy, JAX).
pytestmark = pytest.mark.core


def _closed_form(length, width, max_wavelength=10000.0):
    """The paper's formula, one position and dimension at a time."""
    table = np.zeros((length, width))
    for pos in range(length):
        for dim in range(width):
            i = dim // 2
            angle = pos / max_wavelength ** (2 * i / width)
            table[pos, dim] = np.sin(angle) if dim % 2 == 0 else np.cos(angle)
    return table


def test_sinusoidal_harness(tmp_path):
    x = np.random.default_rng(0).normal(size=(2, 7, 6)).astype("float32")
    run_layer_test(
        SinusoidalPositionalEncoding,
        {},
        x,
        (2, 7, 6),
        expected_num_trainable_weights=0,
        tmp_path=tmp_path,
    )


@pytest.mark.parametrize("length, width", [(50, 16), (7, 5), (300, 32)])
def test_sinusoidal_equals_closed_form(length, width):
    encoding = SinusoidalPositionalEncoding()(np.zeros((2, length, width), "float32"))
    encoding = keras.ops.convert_to_numpy(encoding)
    np.testing.assert_allclose(encoding[0], _closed_form(length, width), atol=1e-4)
    np.testing.assert_array_equal(encoding[0], encoding[1])


def test_sinusoidal_start_index_shifts_positions():
    layer = SinusoidalPositionalEncoding(max_wavelength=100.0)
    full = keras.ops.convert_to_numpy(layer(np.zeros((1, 10, 8), "float32")))
    tail = keras.ops.convert_to_numpy(layer(np.zeros((1, 3, 8), "float32"), start_index=7))
    np.testing.assert_allclose(tail[0], full[0, 7:], atol=1e-5)
    np.testing.assert_allclose(full[0], _closed_form(10, 8, 100.0), atol=1e-5)


def test_position_embedding_harness(tmp_path):
    x = np.random.default_rng(0).normal(size=(2, 7, 6)).astype("float32")
    run_layer_test(
        PositionEmbedding,
        {"sequence_length": 10},
        x,
        (2, 7, 6),
        expected_num_trainable_weights=1,
        tmp_path=tmp_path,
    )


def test_position_embedding_returns_its_table_rows():
    layer = PositionEmbedding(sequence_length=10)
    out = keras.ops.convert_to_numpy(layer(np.zeros((3, 4, 6), "float32")))
    table = keras.ops.convert_to_numpy(layer.position_embeddings)
    for row in out:
        np.testing.assert_array_equal(row, table[:4])


def test_position_embedding_rejects_longer_inputs():
    message = (
        "Inputs have 12 positions but this PositionEmbedding holds only "
        "sequence_length=10. Truncate the inputs or build the layer with a "
        "larger sequence_length."
    )
    with pytest.raises(ValueError, match=message):
        PositionEmbedding(sequence_length=10)(np.zeros((1, 12, 4), "float32"))
    with pytest.raises(ValueError, match=message):
        PositionEmbedding(sequence_length=10)(keras.Input((12, 4)))


@pytest.mark.parametrize("position, weights", [("learned", 2), ("sinusoidal", 1)])
def test_token_and_position_embedding_harness(position, weights, tmp_path):
    ids = np.random.default_rng(0).integers(0, 20, size=(2, 9)).astype("int32")
    run_layer_test(
        TokenAndPositionEmbedding,
        {"vocabulary_size": 20, "sequence_length": 12, "embedding_dim": 8, "position": position},
        ids,
        (2, 9, 8),
        expected_num_trainable_weights=weights,
        tmp_path=tmp_path,
    )


def test_token_and_position_embedding_adds_both_and_masks_padding():
    layer = TokenAndPositionEmbedding(20, 6, 4, position="sinusoidal", mask_zero=True)
    ids = np.array([[3, 5, 0, 0], [1, 2, 3, 0]])
    out = layer(ids)
    tokens = keras.ops.convert_to_numpy(layer.token_embedding.embeddings)[ids]
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(out), tokens + _closed_form(4, 4)[None], atol=1e-5
    )
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(out._keras_mask), ids != 0)


@pytest.mark.parametrize(
    "arguments, name",
    [
        ({"vocabulary_size": 0}, "vocabulary_size"),
        ({"embedding_dim": 0}, "embedding_dim"),
        ({"sequence_length": 0}, "sequence_length"),
        ({"sequence_length": None}, "sequence_length"),
        ({"sequence_length": 0, "position": "sinusoidal"}, "sequence_length"),
    ],
)
def test_token_and_position_embedding_names_a_bad_argument(arguments, name):
    with pytest.raises(ValueError) as bad:
        TokenAndPositionEmbedding(
            **{"vocabulary_size": 20, "sequence_length": 6, "embedding_dim": 4, **arguments}
        )
    assert_says(str(bad.value), f"`{name}`", f"{name}={arguments[name]!r}")


def test_token_and_position_embedding_sinusoidal_needs_no_length_and_masks_only_when_asked():
    layer = TokenAndPositionEmbedding(20, None, 4, position="sinusoidal", name="embed")
    ids = np.array([[3, 5, 0, 0]])
    assert tuple(layer(ids).shape) == (1, 4, 4)
    assert layer.compute_mask(ids) is None
    learned = TokenAndPositionEmbedding(20, 6, 4, name="embed")
    learned(ids)
    assert [w.path for w in learned.weights] == [
        "embed/token_embedding/embeddings",
        "embed/position_embedding/embeddings",
    ]


def test_token_and_position_embedding_rejects_unknown_position():
    with pytest.raises(
        ValueError,
        match=r"`position` must be one of \('learned', "
        r"'sinusoidal'\)\. Received: position='rotary'",
    ):
        TokenAndPositionEmbedding(20, 6, 4, position="rotary")


def test_position_embedding_start_index_reads_later_rows_and_keeps_the_mask():
    layer = PositionEmbedding(sequence_length=10)
    layer(np.zeros((1, 4, 6), "float32"))
    table = keras.ops.convert_to_numpy(layer.position_embeddings)
    shifted = keras.ops.convert_to_numpy(layer(np.zeros((2, 3, 6), "float32"), start_index=3))
    np.testing.assert_array_equal(shifted[1], table[3:6])
    ids = keras.Input((3,), dtype="int32")
    tokens = keras.layers.Embedding(10, 6, mask_zero=True)(ids)
    # The pooling averages only the positions the mask keeps: here the first two.
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Keras warns when a layer drops a mask
        positions = layer(tokens)
    pooled = keras.layers.GlobalAveragePooling1D()(positions)
    mean = keras.ops.convert_to_numpy(keras.Model(ids, pooled)(np.array([[1, 2, 0]])))
    np.testing.assert_allclose(mean[0], table[:2].mean(0), atol=1e-6)


def test_position_embedding_names_a_bad_length_and_checks_it_when_built():
    with pytest.raises(ValueError) as bad:
        PositionEmbedding(sequence_length=0)
    assert_says(str(bad.value), "`sequence_length`", "sequence_length=0")
    with pytest.raises(ValueError, match="Inputs have 12 positions"):
        PositionEmbedding(sequence_length=10).build((None, 12, 4))


def test_position_embedding_checks_the_end_of_a_shifted_or_later_call():
    layer = PositionEmbedding(sequence_length=10)
    layer(np.zeros((1, 4, 6), "float32"))
    with pytest.raises(ValueError, match="Inputs have 11 positions"):
        layer(np.zeros((1, 3, 6), "float32"), start_index=8)
    with pytest.raises(ValueError, match="Inputs have 12 positions"):
        layer(np.zeros((1, 12, 6), "float32"))
    with pytest.raises(ValueError, match="Inputs have 12 positions"):
        layer.compute_output_shape((None, 12, 6))
    assert layer.compute_output_shape((None, 10, 6)) == (None, 10, 6)


def test_an_initializer_survives_the_config():
    table = PositionEmbedding(sequence_length=5, initializer="ones")
    embedding = TokenAndPositionEmbedding(7, 5, 4, embeddings_initializer="ones")
    for layer in (table, PositionEmbedding.from_config(table.get_config())):
        layer(np.zeros((1, 5, 4), "float32"))
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.position_embeddings), 1)
    for layer in (embedding, TokenAndPositionEmbedding.from_config(embedding.get_config())):
        layer(np.ones((1, 5), "int32"))
        tokens = layer.token_embedding.embeddings
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(tokens), 1)


@pytest.mark.parametrize("wavelength", [1, 1.0, 0.5])
def test_sinusoidal_wavelength_must_exceed_one(wavelength):
    with pytest.raises(ValueError) as short:
        SinusoidalPositionalEncoding(max_wavelength=wavelength)
    assert_says(str(short.value), "`max_wavelength`", "greater than 1", f"={wavelength!r}")


def test_sinusoidal_wavelength_just_above_one_is_taken():
    encoding = SinusoidalPositionalEncoding(max_wavelength=1.5)(np.zeros((1, 3, 4), "float32"))
    expected = _closed_form(3, 4, 1.5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(encoding)[0], expected, atol=1e-5)


def test_sinusoidal_passes_the_mask_on_and_computes_in_its_dtype():
    ids = keras.Input((3,), dtype="int32")
    tokens = keras.layers.Embedding(10, 4, mask_zero=True)(ids)
    # The pooling averages only the positions the mask keeps: here the first two.
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Keras warns when a layer drops a mask
        encoding = SinusoidalPositionalEncoding()(tokens)
    pooled = keras.layers.GlobalAveragePooling1D()(encoding)
    mean = keras.Model(ids, pooled)(np.array([[1, 2, 0]]))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(mean)[0], _closed_form(3, 4)[:2].mean(0), atol=1e-6
    )
    mixed = SinusoidalPositionalEncoding(dtype="mixed_float16")(np.zeros((1, 3, 4), "float32"))
    assert keras.backend.standardize_dtype(mixed.dtype) == "float16"


# Exports a learned-position embedding from JAX with an open sequence length
# and prints how far the SavedModel's answers are from the model's, at two lengths.
EXPORT_FROM_JAX = """
    import json
    import sys

    import keras
    import numpy as np
    import tensorflow as tf

    from zoo.layers import TokenAndPositionEmbedding

    ids = keras.Input((None,), dtype="int32")
    model = keras.Model(ids, TokenAndPositionEmbedding(20, 12, 8)(ids))
    model.export(sys.argv[1], format="tf_saved_model", verbose=False)
    served = tf.saved_model.load(sys.argv[1])
    differences = {}
    for length in (5, 12):
        x = (np.arange(2 * length, dtype="int32") % 20).reshape(2, length)
        want = keras.ops.convert_to_numpy(model(x))
        differences[length] = float(np.abs(served.serve(x).numpy() - want).max())
    print(json.dumps({"backend": keras.backend.backend(), "differences": differences}))
"""


@pytest.mark.slow
@pytest.mark.tensorflow
def test_learned_positions_export_from_jax_with_an_open_length(tmp_path):
    env = environment(tmp_path, KERAS_BACKEND="jax")
    result = run_for_json(EXPORT_FROM_JAX, tmp_path / "export", env=env, timeout=300)
    assert result["backend"] == "jax"
    assert max(result["differences"].values()) < 1e-5, result
