"""LSTMForecaster: beats the naive forecast, exports without cuDNN ops, round trip."""

import importlib
import re

import keras
import numpy as np
import pytest
from models_helpers import (
    assert_same_config,
    assert_same_outputs,
    check_export,
    mixed_precision,
    reload,
    seasonal_series,
    windows,
)

from zoo.models import LSTMForecaster

# The layer and model tests run in the core install too (Keras and NumPy, JAX).
pytestmark = pytest.mark.core

WINDOW, HORIZON = 36, 12


@pytest.fixture(scope="module")
def series(learning_seed):
    return seasonal_series(1000, seed=learning_seed)


@pytest.fixture(scope="module")
def trained(series, learning_seed):
    inputs, targets = windows(series[:800], WINDOW, HORIZON)
    keras.utils.set_random_seed(learning_seed)
    model = LSTMForecaster(HORIZON, lstm_units=(32,), conv_filters=16)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mae")
    model.fit(inputs, targets, batch_size=32, epochs=6, verbose=0)
    return model


@pytest.mark.slow
def test_beats_naive_forecast_by_30_percent(trained, series, bound):
    # Validation windows come after the training range: the trend has moved
    # the series to levels the model never saw.
    inputs, targets = windows(series[800 - WINDOW :], WINDOW, HORIZON)
    naive_mae = np.mean(np.abs(targets - inputs[:, -1:, :]))
    mae = np.mean(np.abs(trained.predict(inputs, verbose=0) - targets))
    # Seeds 0-4 measured 0.17-0.22.
    bound("MAE / naive MAE", mae / naive_mae, at_most=0.7)


@pytest.mark.slow
def test_keras_round_trip(trained, series, tmp_path):
    inputs, _ = windows(series[:100], WINDOW, HORIZON)
    reloaded = reload(trained, tmp_path)
    assert_same_config(reloaded, trained)
    assert_same_outputs(reloaded(inputs), trained(inputs), atol=1e-5)


def op_types(concrete_function):
    graph = concrete_function.graph.as_graph_def()
    nodes = list(graph.node)
    for function in graph.library.function:
        nodes.extend(function.node_def)
    return {node.op for node in nodes}


@pytest.mark.slow
@pytest.mark.tensorflow
def test_export_serves_on_cpu_without_cudnn(trained, series, tmp_path, monkeypatch):
    import tensorflow as tf

    # The module, not the function of the same name its package exports.
    tf_rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")
    # Keras picks the cuDNN kernel when it sees a GPU at trace time; pretend
    # it does, as when a model trained on a GPU is exported there.
    monkeypatch.setattr(tf_rnn, "_is_gpu_available", lambda: True)
    plain_trace = tf.function(trained).get_concrete_function(
        tf.TensorSpec((None, WINDOW, 1), tf.float32)
    )
    assert any(op.startswith("CudnnRNN") for op in op_types(plain_trace))

    inputs, _ = windows(series[:60], WINDOW, HORIZON)
    short = inputs[:, -20:]
    with tf.device("/CPU:0"):
        loaded = check_export(
            trained,
            tmp_path,
            {"serving_default": ({"window": inputs}, {"forecast": trained(inputs)})},
        )
        served_short = loaded.signatures["serving_default"](window=short)["forecast"]
    assert not any(op.startswith("Cudnn") for op in op_types(loaded.signatures["serving_default"]))
    np.testing.assert_allclose(served_short.numpy(), trained(short), atol=1e-5)
    assert all(lstm.use_cudnn == "auto" for lstm in trained.lstms)


def test_several_series_and_options(tmp_path):
    keras.utils.set_random_seed(0)
    model = LSTMForecaster(4, num_targets=2, lstm_units=(8, 8), dense_units=(8,), dropout=0.1)
    window = np.random.default_rng(0).normal(size=(3, 10, 3)).astype("float32")
    forecast = model(window)
    assert forecast.shape == (3, 4, 2)
    assert_same_outputs(reload(model, tmp_path)(window), forecast)


@pytest.mark.parametrize("conv_filters", [None, 5])
def test_forecast_is_the_last_value_plus_the_keras_layers_change(conv_filters):
    # The reference: the same Keras layers, built here from the documented
    # architecture, on the window minus its last step, with the model's weights.
    keras.utils.set_random_seed(0)
    model = LSTMForecaster(
        3,
        num_targets=2,
        lstm_units=(6, 4),
        conv_filters=conv_filters,
        conv_kernel_size=2,
        dense_units=(5,),
        dropout=0.25,
    )
    window = np.random.default_rng(0).normal(size=(4, 7, 3)).astype("float32")
    forecast = keras.ops.convert_to_numpy(model(window))
    front = (
        []
        if conv_filters is None
        else [
            keras.layers.Conv1D(conv_filters, 2, padding="causal", activation="relu", name="conv")
        ]
    )
    reference = keras.Sequential(
        [
            keras.Input((7, 3)),
            *front,
            keras.layers.LSTM(6, return_sequences=True, dropout=0.25, name="lstm_0"),
            keras.layers.LSTM(4, dropout=0.25, name="lstm_1"),
            keras.layers.Dense(5, activation="relu", name="dense_0"),
            keras.layers.Dense(6, name="head"),
        ]
    )
    ours = ([model.conv] if model.conv else []) + model.lstms + model.hidden + [model.head]
    for layer, wanted in zip(ours, reference.layers, strict=True):
        assert layer.get_config() == wanted.get_config(), layer.name
        wanted.set_weights(layer.get_weights())
    last = window[:, -1:, :]
    change = keras.ops.convert_to_numpy(reference(window - last)).reshape(4, 3, 2)
    np.testing.assert_allclose(forecast, last[:, :, :2] + change, atol=1e-6)


def test_too_few_features_is_explained():
    with pytest.raises(ValueError) as error:
        LSTMForecaster(3, num_targets=2)(np.zeros((1, 5, 1), "float32"))
    # Keras prefixes the layer's name to errors raised in `call`.
    assert (
        "LSTMForecaster forecasts the first num_targets=2 series of the window, but the "
        "window has 1 features (last axis). Pass windows (batch, steps, features) with "
        "enough series, or lower `num_targets`."
    ) in str(error.value)
    # As many features as targets is enough.
    assert LSTMForecaster(3, num_targets=2)(np.zeros((1, 5, 2), "float32")).shape == (1, 3, 2)


def test_defaults_forecast_one_series_with_a_kernel_of_three():
    model = LSTMForecaster(2, conv_filters=4)
    assert model(np.zeros((1, 5, 3), "float32")).shape == (1, 2, 1)
    assert model.conv.kernel_size == (3,)


def test_rejects_empty_lstm_units():
    with pytest.raises(
        ValueError,
        match=re.escape(
            "`lstm_units` lists the units of each LSTM and needs at least one entry, "
            "e.g. (32,). Received: lstm_units=()"
        ),
    ):
        LSTMForecaster(3, lstm_units=())


@pytest.mark.slow
def test_mixed_precision_trains(series):
    inputs, targets = windows(series[:200], WINDOW, HORIZON)
    with mixed_precision():
        keras.utils.set_random_seed(0)
        model = LSTMForecaster(HORIZON, lstm_units=(8,), conv_filters=4)
        model.compile(optimizer="adam", loss="mae")
        history = model.fit(inputs, targets, epochs=1, verbose=0).history
        assert model.lstms[0].compute_dtype == "float16"
        assert model(inputs).dtype == "float32"
        assert np.isfinite(history["loss"]).all()
