import warnings

import keras
import numpy as np
import pytest
from layer_harness import run_layer_test
from message_helpers import assert_says

from zoo.layers import MultiHeadAttention

# The layer and model tests run in the core install too (Keras and NumPy, JAX).
pytestmark = pytest.mark.core

BATCH, QUERY_LEN, VALUE_LEN, DIM = 3, 6, 5, 16


@pytest.fixture
def inputs():
    rng = np.random.default_rng(0)
    return {
        "query": rng.normal(size=(BATCH, QUERY_LEN, DIM)).astype("float32"),
        "value": rng.normal(size=(BATCH, VALUE_LEN, 8)).astype("float32"),
    }


def test_harness(inputs, tmp_path):
    run_layer_test(
        MultiHeadAttention,
        {"num_heads": 4, "key_dim": 4},
        inputs,
        (BATCH, QUERY_LEN, DIM),
        expected_num_trainable_weights=8,
        tmp_path=tmp_path,
    )


def test_harness_with_output_dim_and_no_bias(inputs, tmp_path):
    run_layer_test(
        MultiHeadAttention,
        {"num_heads": 2, "key_dim": 3, "value_dim": 5, "output_dim": 7, "use_bias": False},
        inputs,
        (BATCH, QUERY_LEN, 7),
        expected_num_trainable_weights=4,
        tmp_path=tmp_path,
    )


def _pair(num_heads=4, key_dim=4, **kwargs):
    """A zoo layer and a Keras built-in with the same weights."""
    ours = MultiHeadAttention(num_heads, key_dim, **kwargs)
    theirs = keras.layers.MultiHeadAttention(num_heads, key_dim, **kwargs)
    shape = (BATCH, QUERY_LEN, DIM)
    ours.build(shape, shape)
    theirs.build(shape, shape)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def _max_difference(a, b):
    return float(np.max(np.abs(keras.ops.convert_to_numpy(a) - keras.ops.convert_to_numpy(b))))


def test_equals_keras_without_mask(inputs):
    ours, theirs = _pair()
    x = inputs["query"]
    assert _max_difference(ours(x, x), theirs(x, x)) <= 1e-5


def test_equals_keras_with_padding_mask():
    ours, theirs = _pair()
    ids = np.array([[4, 8, 15, 16, 23, 42], [4, 8, 15, 16, 0, 0], [4, 8, 0, 0, 0, 0]])
    # Through a Keras mask, the way both layers receive padding in a model.
    embedding = keras.layers.Embedding(50, DIM, mask_zero=True)
    x, y = embedding(ids), embedding(ids)  # Keras' layer clears the mask it reads
    assert _max_difference(ours(x, x), theirs(y, y)) <= 1e-5


def test_equals_keras_with_causal_mask(inputs):
    ours, theirs = _pair()
    x = inputs["query"]
    assert (
        _max_difference(ours(x, x, use_causal_mask=True), theirs(x, x, use_causal_mask=True))
        <= 1e-5
    )


def test_equals_keras_with_attention_mask_and_scores(inputs):
    ours, theirs = _pair()
    x = inputs["query"]
    attention_mask = np.random.default_rng(1).random((BATCH, QUERY_LEN, QUERY_LEN)) > 0.3
    attention_mask[:, :, 0] = True  # every query keeps one key
    out, scores = ours(x, x, attention_mask=attention_mask, return_attention_scores=True)
    ref_out, ref_scores = theirs(x, x, attention_mask=attention_mask, return_attention_scores=True)
    assert _max_difference(out, ref_out) <= 1e-5
    assert _max_difference(scores, ref_scores) <= 1e-5
    np.testing.assert_allclose(keras.ops.convert_to_numpy(scores).sum(-1), 1.0, atol=1e-5)


def test_equals_keras_with_a_key_of_its_own_width_and_mask(inputs):
    query, value = inputs["query"], inputs["value"]
    key = np.random.default_rng(3).normal(size=(BATCH, VALUE_LEN, 12)).astype("float32")
    key_mask = np.arange(VALUE_LEN)[None, :] < np.array([[5], [3], [1]])
    ours = MultiHeadAttention(2, 4)
    theirs = keras.layers.MultiHeadAttention(2, 4)
    ours.build(query.shape, value.shape, key.shape)
    theirs.build(query.shape, value.shape, key.shape)
    ours.set_weights(theirs.get_weights())
    got = ours(query, value, key=key, key_mask=key_mask)
    assert _max_difference(got, theirs(query, value, key=key, key_mask=key_mask)) <= 1e-5
    assert _max_difference(got, ours(query, value, key=key)) > 1e-3


def test_initializers_and_names_reach_every_projection():
    layer = MultiHeadAttention(2, 4, kernel_initializer="ones", bias_initializer="ones", name="mha")
    layer.build((None, 3, 8), (None, 5, 8))
    paths = [w.path for w in layer.weights]
    assert paths == [
        f"mha/{name}/{kind}"
        for name in ("query", "key", "value", "attention_output")
        for kind in ("kernel", "bias")
    ]
    for weight in layer.weights:
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(weight), 1.0)


def test_a_masked_input_raises_no_warning():
    tokens = keras.layers.Embedding(10, 8, mask_zero=True)(np.array([[5, 3, 0]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MultiHeadAttention(2, 4)(tokens, tokens)


def test_inputs_of_the_wrong_rank_or_length_are_named():
    query = np.ones((2, 4, 8), "float32")
    with pytest.raises(ValueError) as value_rank:
        MultiHeadAttention(2, 4)(query, np.ones((2, 8), "float32"))
    assert_says(str(value_rank.value), "`value` must have rank 3", "value.shape=(2, 8)")
    with pytest.raises(ValueError) as key_rank:
        MultiHeadAttention(2, 4)(query, query, key=np.ones((2, 8), "float32"))
    assert_says(str(key_rank.value), "`key` must have rank 3", "key.shape=(2, 8)")
    with pytest.raises(ValueError) as lengths:
        MultiHeadAttention(2, 4).build((2, 4, 8), (2, 5, 8), (2, 6, 8))
    assert_says(
        str(lengths.value),
        "`key` and `value` must have the same sequence length",
        "key.shape=(2, 6, 8)",
        "value.shape=(2, 5, 8)",
    )
    # An unknown length is not a different one.
    MultiHeadAttention(2, 4).build((None, 4, 8), (None, None, 8), (None, 5, 8))


def test_explicit_and_fused_paths_agree(inputs):
    layer = MultiHeadAttention(4, 4)
    x = inputs["query"]
    fused = layer(x, x, use_causal_mask=True)
    explicit, _ = layer(x, x, use_causal_mask=True, return_attention_scores=True)
    assert _max_difference(fused, explicit) <= 1e-5


def test_causal_outputs_ignore_later_tokens(inputs):
    layer = MultiHeadAttention(4, 4)
    x = inputs["query"]
    t = 2
    changed = x.copy()
    changed[:, t + 1 :] = np.random.default_rng(2).normal(size=changed[:, t + 1 :].shape)
    before = keras.ops.convert_to_numpy(layer(x, x, use_causal_mask=True))
    after = keras.ops.convert_to_numpy(layer(changed, changed, use_causal_mask=True))
    np.testing.assert_allclose(after[:, : t + 1], before[:, : t + 1], atol=1e-6)
    assert not np.allclose(after[:, t + 1 :], before[:, t + 1 :])


def test_padded_tokens_do_not_change_real_outputs(inputs):
    layer = MultiHeadAttention(4, 4)
    x = inputs["query"]
    lengths = np.array([6, 4, 2])
    mask = np.arange(QUERY_LEN)[None, :] < lengths[:, None]
    changed = np.where(mask[..., None], x, 100.0).astype("float32")
    before = keras.ops.convert_to_numpy(layer(x, x, query_mask=mask, value_mask=mask))
    after = keras.ops.convert_to_numpy(layer(changed, changed, query_mask=mask, value_mask=mask))
    np.testing.assert_allclose(after[mask], before[mask], atol=1e-5)


def test_keras_mask_from_embedding_is_used():
    ids = np.array([[5, 3, 2, 0, 0], [1, 2, 3, 4, 0]])
    embedding = keras.layers.Embedding(10, 8, mask_zero=True)
    layer = MultiHeadAttention(2, 4)
    x = embedding(ids)
    implicit = keras.ops.convert_to_numpy(layer(x, x))
    mask = ids != 0
    explicit = keras.ops.convert_to_numpy(
        layer(embedding(ids), embedding(ids), query_mask=mask, value_mask=mask)
    )
    np.testing.assert_allclose(implicit, explicit, atol=1e-6)


def test_dropout_applies_to_attention_weights_in_training_only(inputs):
    layer = MultiHeadAttention(4, 4, dropout=0.5, seed=3)
    x = inputs["query"]
    inference = [keras.ops.convert_to_numpy(layer(x, x, training=False)) for _ in range(2)]
    np.testing.assert_array_equal(inference[0], inference[1])
    training = keras.ops.convert_to_numpy(layer(x, x, training=True))
    assert not np.allclose(training, inference[0])
    # The seed reaches the dropout: a twin with the same seed and weights drops the same.
    twin = MultiHeadAttention(4, 4, dropout=0.5, seed=3)
    twin.build(x.shape, x.shape)
    twin.set_weights(layer.get_weights())
    first = MultiHeadAttention(4, 4, dropout=0.5, seed=3)
    first.build(x.shape, x.shape)
    first.set_weights(layer.get_weights())
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(first(x, x, training=True)),
        keras.ops.convert_to_numpy(twin(x, x, training=True)),
    )
    assert MultiHeadAttention.from_config(layer.get_config()).get_config()["seed"] == 3


@pytest.mark.parametrize("name", ["key_dim", "value_dim", "output_dim"])
def test_a_bad_size_is_named(name):
    arguments = {"num_heads": 2, "key_dim": 4, name: 0}
    with pytest.raises(ValueError) as bad:
        MultiHeadAttention(**arguments)
    assert_says(str(bad.value), f"`{name}`", f"{name}=0")


@pytest.mark.parametrize("policy", ["float32", "mixed_float16"])
def test_symbolic_call_with_scores(policy):
    query, value = keras.Input((QUERY_LEN, DIM)), keras.Input((VALUE_LEN, 8))
    layer = MultiHeadAttention(2, 4, dtype=policy)
    output, scores = layer(query, value, return_attention_scores=True)
    assert (output.shape, scores.shape) == ((None, QUERY_LEN, DIM), (None, 2, QUERY_LEN, VALUE_LEN))
    compute = keras.DTypePolicy(policy).compute_dtype
    assert (output.dtype, scores.dtype) == (compute, compute)


def test_rejects_bad_arguments():
    with pytest.raises(
        ValueError, match=r"`num_heads` must be a positive integer\. Received: num_heads=0"
    ):
        MultiHeadAttention(0, 4)
    with pytest.raises(ValueError, match=r"`dropout` must be in \[0, 1\)\. Received: dropout=1\.5"):
        MultiHeadAttention(2, 4, dropout=1.5)
    with pytest.raises(
        ValueError,
        match=r"`query` must have rank 3, \(batch, sequence, features\)\. "
        r"Received: query\.shape=\(2, 8\)",
    ):
        MultiHeadAttention(2, 4)(np.ones((2, 8)), np.ones((2, 8)))


@pytest.mark.parametrize("output_shape", [7, (7,), [7]])
def test_keras_output_shape_spelling_means_output_dim(inputs, output_shape):
    ours = MultiHeadAttention(2, 4, output_shape=output_shape)
    reference = MultiHeadAttention(2, 4, output_dim=7)
    query, value = inputs["query"], inputs["value"]
    ours.build(query.shape, value.shape)
    reference.build(query.shape, value.shape)
    reference.set_weights(ours.get_weights())
    out = keras.ops.convert_to_numpy(ours(query, value))
    assert out.shape == (BATCH, QUERY_LEN, 7)
    np.testing.assert_array_equal(out, keras.ops.convert_to_numpy(reference(query, value)))
    # Keras' own layer, same argument, same weights, same outputs.
    theirs = keras.layers.MultiHeadAttention(2, 4, output_shape=output_shape)
    theirs.build(query.shape, value.shape)
    theirs.set_weights(ours.get_weights())
    assert _max_difference(ours(query, value), theirs(query, value)) <= 1e-5
    # The config stores one spelling, and rebuilds the same layer.
    config = ours.get_config()
    assert config["output_dim"] == 7 and "output_shape" not in config
    assert MultiHeadAttention.from_config(config).get_config() == config


def test_output_shape_errors_name_the_fix():
    with pytest.raises(
        ValueError,
        match=r"`output_dim` and `output_shape` name the same "
        r"thing; give one of them\. Received: "
        r"output_dim=7, output_shape=7",
    ):
        MultiHeadAttention(2, 4, output_dim=7, output_shape=7)
    with pytest.raises(
        ValueError,
        match=r"`output_shape` must be an int or a tuple of "
        r"one int\. Received: output_shape=\(2, 3\)",
    ):
        MultiHeadAttention(2, 4, output_shape=(2, 3))
    with pytest.raises(
        ValueError,
        match=r"`output_shape` must be a positive integer\. "
        r"Received: output_shape=0",
    ):
        MultiHeadAttention(2, 4, output_shape=0)
