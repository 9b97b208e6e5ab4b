"""What the category-5 (time series) tasks share: windows, the model, the tester, the task shape.

The exported model takes a window of raw values `(window, 1)` and returns
the next raw value `(1,)`; scaling to and from the network's range happens
inside it, with constants measured on the training part of the series.

Every series model is graded with the exam tester's computation, which the
exam-style sunspots starters print: forecast every window of the whole
series (`model_forecast(model, series[..., np.newaxis], window_size)`),
then keep `[split_time - window_size:-1, -1, 0]`, the forecasts of the
held-out values. A sequence-to-sequence model `(window, 1)` → `(window, 1)`
is read at its last step, as the tester read it; a model with one output
per window is read as it is. An exam task's starter convention normalises
the series first, as its starter did (`series -= min; series /= max`).
"""

import numpy as np

from zoo.grading.conventions import EXAM, RAW, Convention, HeldOut, evenly
from zoo.data import windows
from zoo.task import TIME_SERIES, Splits, Task, mean_absolute_error

VALIDATION_FRACTION = 0.1


def series_splits(series, split, window, source, time=None):
    """Cuts a series into training windows and held-out windows at `split`.

    The held-out targets are `series[split:]`; their input windows reach back
    before `split`, as the exam's forecasts did. The windows whose targets
    lie in the last tenth before `split` validate, as in the exam starters
    (`VALID_TIME = 0.9 × SPLIT_TIME`): the training windows end before them.

    Args:
        series: 1-D array of raw values.
        split: index of the first held-out value.
        window: number of past values per input.
        source: where the series came from, in words.
        time: optional time axis for plots.

    Returns:
        `Splits` with `(n, window, 1)` inputs and `(n, 1)` targets.

    Example:
    >>> splits = series_splits(np.arange(100.0), 50, 5, "example")
    >>> splits.train[1][[0, -1], 0], splits.validation[1][[0, -1], 0]
    (array([ 5., 44.], dtype=float32), array([45., 49.], dtype=float32))
    """
    valid_time = int(split * (1 - VALIDATION_FRACTION))
    # The whole series keeps its own precision: the exam's tester compares
    # forecasts with the values as its CSV reader parsed them (float64).
    return Splits(windows(series, window, window, valid_time),
                  windows(series, window, valid_time, split),
                  windows(series, window, split, len(series)), source,
                  extras={"series": np.asarray(series), "split": split, "time": time},
                  validation_source=f"the windows whose targets are values {valid_time} to "
                                    f"{split - 1} (the exam starter's valid_data)")


def last_values(outputs):
    """One forecast per window: the last step of sequence outputs, as the exam's tester read them.

    Args:
        outputs: model outputs `(n, 1)`, `(n,)` or `(n, steps, 1)`.

    Returns:
        A `(n, 1)` array.

    Raises:
        zoo.grading.grade.GradingError: for other shapes.

    Example:
    >>> last_values(np.arange(6.0).reshape(2, 3, 1)).tolist()
    [[2.0], [5.0]]
    """
    from zoo.grading.errors import GradingError

    outputs = np.asarray(outputs)
    if outputs.ndim == 1:
        return outputs[:, None]
    if outputs.ndim == 2 and outputs.shape[1] == 1:
        return outputs
    if outputs.ndim == 3 and outputs.shape[2] == 1:
        return outputs[:, -1, :]  # the tester's [..., -1, 0]
    raise GradingError(
        f"The model outputs shape {tuple(outputs.shape[1:])}; a forecaster gives one "
        "value per window, (1,), or one per time step, (window, 1), whose last the "
        "exam's tester read. End the model with Dense(1).")


class SeriesForecast(Convention):
    """The exam tester's grading of a forecaster, on raw or normalised values.

    The held-out inputs are every window of the whole series (prepared this
    convention's way); the model's forecasts are read at their last step and
    sliced as the tester sliced them, `[split - window:-1]`, which leaves one
    forecast per held-out value `series[split:]`.

    Args:
        name: `"raw"` or `"exam"`.
        window: values per window.
        metric: the metric's name.
        measure: a `zoo.task.MeanMetric` on (targets, forecasts).
        scoring: the score rule.
        normalise: whether to feed `(series − min) / max` as the exam starter
            did (min and max of the whole series), comparing on that scale.

    Example:
    >>> from zoo.tasks import get_task
    >>> get_task("sunspots").exam.describe()
    'the series normalised as the exam starter did (series -= min; series /= max), windows of 30'
    """

    def __init__(self, name, window, metric, measure, scoring, normalise=False):
        self.name, self.window, self.normalise = name, window, normalise
        self.metric, self.measure, self.scoring = metric, measure, scoring
        self.input_shape, self.input_dtype = (window, 1), "float32"

    def describe(self):
        """Returns what the model is fed, in words."""
        if self.normalise:
            return ("the series normalised as the exam starter did (series -= min; "
                    f"series /= max), windows of {self.window}")
        return f"the raw series, windows of {self.window}"

    def admits(self, dtype, shape):
        """Any float input: the windows are floats either way."""
        return dtype is None or dtype.startswith(("float", "bfloat"))

    def scale(self, series):
        """Returns `(low, high)`: the series is fed as `(series − low) / high`."""
        series = np.asarray(series, "float64")
        return (float(series.min()), float(series.max())) if self.normalise else (0.0, 1.0)

    def held_out(self, splits):
        """Every window of the whole series, the tester's slice, and the held-out values."""
        series = np.asarray(splits.extras["series"], "float64")
        split, window = splits.extras["split"], self.window
        low, high = self.scale(series)
        prepared = (series - low) / high
        inputs = np.lib.stride_tricks.sliding_window_view(prepared, window)[..., None]
        note = f"min {low:g}, max {high:g}" if self.normalise else ""
        return HeldOut(inputs=inputs, targets=prepared[split:, None],
                       select=lambda outputs: last_values(outputs)[split - window:-1],
                       restore=lambda forecasts: forecasts * high + low, note=note)

    def sample(self, splits, count):
        """Validation windows prepared this way; targets and restored forecasts raw."""
        low, high = self.scale(splits.extras["series"])
        x, y = evenly(splits.validation, count)
        return HeldOut(inputs=(np.asarray(x, "float64") - low) / high, targets=y,
                       select=last_values, restore=lambda forecasts: forecasts * high + low)


def build_forecaster(splits, units=32, learning_rate=1e-3, loss="huber"):
    """The reference forecaster: the zoo's `LSTMForecaster` on scaled values.

    `LSTMForecaster` predicts the change from the window's last value, so it
    follows trends beyond the range of the training values; dividing by the
    training targets' spread outside it, and multiplying back after, keeps
    its inputs near unit scale while the model still takes raw values.

    Args:
        splits: the task's `Splits` (their training targets set the scale).
        units: width of the convolution front and the LSTM.
        learning_rate: Adam's learning rate.
        loss: `"huber"`, or `"mae"` to train on the graded metric itself.

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
                  loss=keras.losses.Huber() if loss == "huber" else loss, metrics=["mae"])
    return model


def series_task(name, summary, source, load, window, scoring, metric="mae",
                measure=mean_absolute_error, build=build_forecaster, exam_scoring=None,
                **fields):
    """Declares a category-5 task: window of raw values → next value.

    Args:
        name: the task's name.
        summary: one line on the task.
        source: a `zoo.task.Source`.
        load: `load(data=None) -> Splits`.
        window: input length.
        scoring: a `Steps` or `Formula` on the metric.
        metric: the metric's name.
        measure: a `zoo.task.MeanMetric` on raw values.
        build: the reference model builder.
        exam_scoring: the exam's score rule on the normalised MAE, for an
            exam task whose starter normalised the series; None for none.
        **fields: other `Task` fields (epochs, batch_size, patience...).

    Returns:
        A `Task`.
    """
    raw = SeriesForecast(RAW, window, metric, measure, scoring)
    exam = None if exam_scoring is None else SeriesForecast(
        EXAM, window, "normalised mae", mean_absolute_error, exam_scoring, normalise=True)
    return Task(name=name, category=TIME_SERIES, summary=summary, source=source, load=load,
                build=build, input_shape=(window, 1), input_dtype="float32",
                output_shape=(1,), output_activation=None, metric=metric,
                measure=measure, scoring=scoring, monitor="val_mae",
                starter_hint="e.g. Conv1D, LSTM and Dense layers", raw=raw, exam=exam,
                **fields)
