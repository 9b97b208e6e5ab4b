"""What the category-5 (time series) tasks share: windows, the model, the task shape.

The exported model takes a window of raw values `(window, 1)` and returns
the next raw value `(1,)`; scaling to and from the network's range happens
inside it, with constants measured on the training part of the series.
"""

import numpy as np

from zoo.data import split_tail, windows
from zoo.task import TIME_SERIES, Splits, Task, mean_absolute_error

VALIDATION_FRACTION = 0.1


def series_splits(series, split, window, source, time=None):
    """Cuts a series into training windows and held-out windows at `split`.

    The held-out targets are `series[split:]`; their input windows reach back
    before `split`, as the exam's forecasts did. The last tenth of the
    training windows validates.

    Args:
        series: 1-D array of raw values.
        split: index of the first held-out value.
        window: number of past values per input.
        source: where the series came from, in words.
        time: optional time axis for plots.

    Returns:
        `Splits` with `(n, window, 1)` inputs and `(n, 1)` targets.
    """
    train, validation = split_tail(windows(series, window, window, split),
                                   VALIDATION_FRACTION)
    test = windows(series, window, split, len(series))
    return Splits(train, validation, test, source,
                  extras={"series": np.asarray(series, "float32"), "split": split,
                          "time": time})


def build_forecaster(splits, units=32, learning_rate=1e-3):
    """The reference forecaster: the zoo's `LSTMForecaster` on scaled values.

    `LSTMForecaster` predicts the change from the window's last value, so it
    follows trends beyond the range of the training values; dividing by the
    training targets' spread outside it, and multiplying back after, keeps
    its inputs near unit scale while the model still takes raw values.

    Args:
        splits: the task's `Splits` (their training targets set the scale).
        units: width of the convolution front and the LSTM.
        learning_rate: Adam's learning rate.

    Returns:
        A compiled Keras model `(window, 1)` → `(1,)`.
    """
    import keras

    from zoo.models import LSTMForecaster

    layers = keras.layers
    std = float(splits.train[1].std() or 1.0)
    window = splits.train[0].shape[1]
    inputs = keras.Input((window, 1), name="window")
    x = layers.Rescaling(1.0 / std, name="scale")(inputs)
    x = LSTMForecaster(horizon=1, lstm_units=(units,), conv_filters=units,
                       conv_kernel_size=5, name="lstm_forecaster")(x)
    x = layers.Reshape((1,), name="next_value")(x)
    outputs = layers.Rescaling(std, name="unscale")(x)
    model = keras.Model(inputs, outputs, name="forecaster")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.Huber(), metrics=["mae"])
    return model


def series_task(name, summary, source, load, window, scoring, metric="mae",
                measure=mean_absolute_error, build=build_forecaster, **fields):
    """Declares a category-5 task: window of raw values → next value.

    Args:
        name: the task's name.
        summary: one line on the task.
        source: a `zoo.task.Source`.
        load: `load(data=None) -> Splits`.
        window: input length.
        scoring: a `Steps` or `Formula` on the metric.
        metric: the metric's name.
        measure: `measure(y_true, y_pred) -> float`.
        build: the reference model builder.
        **fields: other `Task` fields (epochs, batch_size, patience...).

    Returns:
        A `Task`.
    """
    return Task(name=name, category=TIME_SERIES, summary=summary, source=source, load=load,
                build=build, input_shape=(window, 1), input_dtype="float32",
                output_shape=(1,), output_activation=None, metric=metric,
                measure=measure, scoring=scoring, monitor="val_mae",
                starter_hint="e.g. Conv1D, LSTM and Dense layers", **fields)
