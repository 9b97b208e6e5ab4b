import inspect

import keras
import numpy as np
import pytest
from layer_harness import run_layer_test
from message_helpers import assert_says

from zoo.layers import TokenAndPositionEmbedding, TransformerEncoder

# The layer and model tests run in the core install too (Keras and NumPy, JAX).
pytestmark = pytest.mark.core

DIM, HEADS, FFN = 16, 4, 32


@pytest.mark.slow
@pytest.mark.parametrize("normalize_first", [False, True])
def test_harness(normalize_first, tmp_path):
    x = np.random.default_rng(0).normal(size=(2, 7, DIM)).astype("float32")
    run_layer_test(
        TransformerEncoder,
        {
            "num_heads": HEADS,
            "intermediate_dim": FFN,
            "dropout": 0.1,
            "normalize_first": normalize_first,
        },
        x,
        (2, 7, DIM),
        expected_num_trainable_weights=16,
        tmp_path=tmp_path,
    )


def _keras_reference(encoder, x, normalize_first, mask=None, allowed=None):
    """The same block from Keras built-ins, with the encoder's weights.

    `mask` is a padding mask `(batch, length)`, `allowed` an attention mask
    `(batch, queries, keys)`.
    """
    attention = keras.layers.MultiHeadAttention(HEADS, DIM // HEADS)
    attention.build(x.shape, x.shape)
    attention.set_weights(encoder.attention.get_weights())
    inner = keras.layers.Dense(FFN, activation="relu")
    inner.build(x.shape)
    inner.set_weights(encoder.feed_forward.inner.get_weights())
    outer = keras.layers.Dense(DIM)
    outer.build((*x.shape[:-1], FFN))
    outer.set_weights(encoder.feed_forward.outer.get_weights())
    norms = []
    for ours in (encoder.attention_norm, encoder.feed_forward_norm):
        norm = keras.layers.LayerNormalization(epsilon=1e-5)
        norm.build(x.shape)
        norm.set_weights(ours.get_weights())
        norms.append(norm)

    if mask is not None:
        allowed = mask[:, None, :] & mask[:, :, None]

    def attend(h):
        return attention(h, h, attention_mask=allowed)

    def feed_forward(h):
        return outer(inner(h))

    for sublayer, norm in ((attend, norms[0]), (feed_forward, norms[1])):
        x = x + sublayer(norm(x)) if normalize_first else norm(x + sublayer(x))
    return keras.ops.convert_to_numpy(x)


@pytest.mark.parametrize("normalize_first", [False, True])
def test_equals_block_of_keras_layers(normalize_first):
    x = np.random.default_rng(1).normal(size=(3, 6, DIM)).astype("float32")
    encoder = TransformerEncoder(FFN, HEADS, normalize_first=normalize_first)
    out = keras.ops.convert_to_numpy(encoder(x))
    np.testing.assert_allclose(out, _keras_reference(encoder, x, normalize_first), atol=1e-5)


def test_equals_block_of_keras_layers_with_padding_mask():
    x = np.random.default_rng(2).normal(size=(3, 6, DIM)).astype("float32")
    mask = np.arange(6)[None, :] < np.array([[6], [3], [1]])
    encoder = TransformerEncoder(FFN, HEADS)
    out = keras.ops.convert_to_numpy(encoder(x, padding_mask=mask))
    # Padded rows too: a padded query attends to nothing, as in Keras.
    np.testing.assert_allclose(out, _keras_reference(encoder, x, False, mask), atol=1e-5)
    # The same mask given as Keras gives it (the `mask` argument) acts the same.
    by_keras = keras.ops.convert_to_numpy(encoder(x, mask=mask))
    np.testing.assert_allclose(by_keras, out, atol=1e-6)


def test_equals_block_of_keras_layers_with_attention_mask():
    x = np.random.default_rng(5).normal(size=(2, 5, DIM)).astype("float32")
    allowed = np.random.default_rng(6).random((2, 5, 5)) < 0.6
    allowed |= np.eye(5, dtype=bool)  # every query sees at least itself
    encoder = TransformerEncoder(FFN, HEADS)
    out = keras.ops.convert_to_numpy(encoder(x, attention_mask=allowed))
    np.testing.assert_allclose(out, _keras_reference(encoder, x, False, allowed=allowed), atol=1e-5)


@pytest.mark.parametrize("normalize_first", [False, True])
def test_dropout_acts_in_training_only(normalize_first):
    x = np.random.default_rng(7).normal(size=(2, 5, DIM)).astype("float32")
    encoder = TransformerEncoder(FFN, HEADS, dropout=0.5, normalize_first=normalize_first)
    inference = keras.ops.convert_to_numpy(encoder(x))
    np.testing.assert_allclose(inference, _keras_reference(encoder, x, normalize_first), atol=1e-5)
    training = keras.ops.convert_to_numpy(encoder(x, training=True))
    assert np.abs(training - inference).mean() > 0.1


def test_padded_tokens_do_not_change_real_outputs():
    embed = TokenAndPositionEmbedding(30, 8, DIM, mask_zero=True)
    encoder = TransformerEncoder(FFN, HEADS)
    ids = np.array([[5, 6, 7, 0, 0, 0], [1, 2, 3, 4, 5, 0]])
    # Mask tokens that follow the padding must not leak into real positions,
    # whatever the padded positions hold.
    before = keras.ops.convert_to_numpy(encoder(embed(ids)))
    x = embed(ids)
    noisy = keras.ops.convert_to_numpy(x) + 50.0 * (ids == 0)[..., None]
    after = keras.ops.convert_to_numpy(encoder(noisy, padding_mask=ids != 0))
    real = ids != 0
    np.testing.assert_allclose(after[real], before[real], atol=1e-4)


def test_mask_flows_through_to_next_layer():
    ids = keras.Input((6,), dtype="int32")
    x = TokenAndPositionEmbedding(30, 6, DIM, mask_zero=True)(ids)
    x = TransformerEncoder(FFN, HEADS)(x)
    x = TransformerEncoder(FFN, HEADS)(x)
    pooled = keras.layers.GlobalAveragePooling1D()(x)
    ids_value = np.array([[5, 6, 7, 0, 0, 0]])
    pooled_value = keras.Model(ids, pooled)(ids_value)
    # The pooling saw the mask through both blocks: it averages the 3 real
    # tokens only, not all 6 positions.
    encoded = keras.Model(ids, x)(ids_value)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(pooled_value),
        keras.ops.convert_to_numpy(keras.ops.mean(encoded[:, :3], axis=1)),
        atol=1e-5,
    )
    assert not np.allclose(
        keras.ops.convert_to_numpy(pooled_value),
        keras.ops.convert_to_numpy(keras.ops.mean(encoded, axis=1)),
    )


def test_causal_outputs_ignore_later_tokens():
    encoder = TransformerEncoder(FFN, HEADS)
    x = np.random.default_rng(3).normal(size=(2, 6, DIM)).astype("float32")
    changed = x.copy()
    changed[:, 4:] += 3.0
    before = keras.ops.convert_to_numpy(encoder(x, use_causal_mask=True))
    after = keras.ops.convert_to_numpy(encoder(changed, use_causal_mask=True))
    np.testing.assert_allclose(after[:, :4], before[:, :4], atol=1e-5)


@pytest.mark.parametrize(
    "name, value", [("intermediate_dim", 0), ("num_heads", 0), ("dropout", 1.0)]
)
def test_a_bad_argument_is_named(name, value):
    arguments = {"intermediate_dim": FFN, "num_heads": HEADS, name: value}
    with pytest.raises(ValueError) as bad:
        TransformerEncoder(**arguments)
    assert_says(str(bad.value), f"`{name}`", f"{name}={value!r}")


def test_the_sublayers_take_the_encoders_settings():
    encoder = TransformerEncoder(
        FFN,
        HEADS,
        dropout=0.25,
        activation="gelu",
        kernel_initializer="ones",
        bias_initializer="ones",
        name="block",
    )
    encoder.build((None, 5, DIM))
    assert encoder.attention.get_config()["dropout"] == 0.25
    feed_forward = encoder.feed_forward.get_config()
    assert feed_forward["dropout"] == 0.25
    assert keras.activations.get(feed_forward["activation"]) is keras.activations.gelu
    sublayers = {"self_attention", "feed_forward", "attention_norm", "feed_forward_norm"}
    for weight in encoder.weights:
        block, sublayer, *_ = weight.path.split("/")
        assert (block, sublayer in sublayers) == ("block", True), weight.path
        if sublayer in ("self_attention", "feed_forward"):
            np.testing.assert_array_equal(keras.ops.convert_to_numpy(weight), 1.0)


def test_rejects_width_not_divisible_by_heads():
    with pytest.raises(
        ValueError,
        match=r"The inputs' last dimension \(10\) must be "
        r"divisible by num_heads=4\. Change the "
        r"embedding width or the number of heads\.",
    ):
        TransformerEncoder(8, 4)(np.zeros((1, 3, 10), "float32"))


# keras_hub.layers.TransformerEncoder's leading parameters, in order.
KERAS_HUB_ORDER = [
    "intermediate_dim",
    "num_heads",
    "dropout",
    "activation",
    "layer_norm_epsilon",
    "kernel_initializer",
    "bias_initializer",
]


def test_positional_arguments_follow_keras_hub_and_keywords_still_work():
    parameters = list(inspect.signature(TransformerEncoder).parameters)
    assert parameters[: len(KERAS_HUB_ORDER)] == KERAS_HUB_ORDER
    positional = TransformerEncoder(FFN, HEADS, 0.1, "gelu", 1e-6, name="block")
    keywords = TransformerEncoder(
        num_heads=HEADS,
        layer_norm_epsilon=1e-6,
        name="block",
        activation="gelu",
        intermediate_dim=FFN,
        dropout=0.1,
    )
    assert (positional.intermediate_dim, positional.num_heads) == (FFN, HEADS)
    assert positional.get_config() == keywords.get_config()
    x = np.random.default_rng(4).normal(size=(2, 5, DIM)).astype("float32")
    positional.build(x.shape)
    keywords.build(x.shape)
    keywords.set_weights(positional.get_weights())
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(positional(x)), keras.ops.convert_to_numpy(keywords(x))
    )
