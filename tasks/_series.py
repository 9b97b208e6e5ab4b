"""What the category-5 (time series) tasks share: windows, scaling, the testers, the models.

Two kinds of series task:

- one step ahead (`sunspots`, `daily_min_temperatures`, `synthetic_series`):
  a window of raw values `(window, 1)` → the next raw value `(1,)`;
- sequence to sequence, as the exam's last versions asked (`us_diesel`,
  `household_power`): `(N_PAST, N_FEATURES)` → `(N_FUTURE, N_FEATURES)`,
  the next `N_FUTURE` steps of every feature.

The exported models take raw values and return raw values; scaling happens
inside them, with constants measured on the training part of the series.
A model trained the exam starter's way takes the series normalised as the
starters did it, per feature: `(data - min) / max`, with the minimum and
maximum of the whole series (`normalize_series(data, data.min(axis=0),
data.max(axis=0))`).

Every series model is graded by its exam tester's computation:

- `SeriesForecast`, the tester the exam-style starters print: forecast
  every window of the whole series (sunspots: `model_forecast(model,
  series[..., np.newaxis], window_size)`; US diesel: the same in batches of
  32 with the remainder dropped), read one step of each forecast, keep
  `[split - window:-1]`, the forecasts of the held-out values, and take
  the MAE against them. A one-step task reads the last step of a
  sequence-to-sequence model's `(window, 1)` outputs, as the sunspots
  tester read them (`[..., -1, 0]`); a sequence-to-sequence task reads the
  first, as the diesel tester does (`[..., 0, 0]`).
- `WindowForecast`, the zoo's reading of the household starter's hint (no
  public source shows that tester): the MAE of the whole forecast of every
  window of the normalised held-out part.

A sequence-to-sequence model must give `(BATCH, N_FUTURE, N_FEATURES)`;
any other shape is refused with the shape expected, the shape received and
what to change (`read_forecasts`).
"""

import csv

import numpy as np

from zoo.data import file_format, sequence_windows, windows
from zoo.grading.conventions import EXAM, RAW, Convention, HeldOut, evenly
from zoo.task import TIME_SERIES, Splits, Task, mean_absolute_error

VALIDATION_FRACTION = 0.1


def valid_time(split):
    """Where the starters' validation part begins: the last tenth before `split`.

    Example:
    >>> valid_time(3000)
    2700
    """
    return int(split * (1 - VALIDATION_FRACTION))


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
    start = valid_time(split)
    # The whole series keeps its own precision: the exam's tester compares
    # forecasts with the values as its CSV reader parsed them (float64).
    return Splits(
        windows(series, window, window, start),
        windows(series, window, start, split),
        windows(series, window, split, len(series)),
        source,
        extras={"series": np.asarray(series), "split": split, "time": time},
        validation_source=f"the windows whose targets are values {start} to "
        f"{split - 1} (the exam starter's valid_data)",
    )


def sequence_splits(series, split, past, future, source, test, features=None):
    """Cuts a `(steps, features)` series into sequence-to-sequence windows at `split`.

    Training and validation hold the exam starters' `windowed_dataset`
    pairs, `past` steps → the next `future` steps: training the windows
    wholly before `valid_time(split)`, validation those whose targets lie
    in `[valid_time(split), split)`. Nothing from `split` on is in either:
    that part is the grader's.

    Args:
        series: array `(steps, features)` of raw values.
        split: index of the first held-out step.
        past: steps per input.
        future: steps per target.
        source: where the series came from, in words.
        test: `(x, y)`, the held-out pairs the task's tester scores (see
            `SeriesForecast` and `WindowForecast`).
        features: names of the features, or None.

    Returns:
        `Splits` with `(n, past, features)` inputs and `(n, future,
        features)` targets for training and validation.

    Example:
    >>> series = np.arange(200.0).reshape(100, 2)
    >>> splits = sequence_splits(series, 50, 3, 2, "example",
    ...                          test=sequence_windows(series, 3, 2, 53, 100))
    >>> splits.train[1].shape, splits.validation[1][[0, -1], 0, 0].tolist()
    ((41, 2, 2), [90.0, 96.0])
    """
    start = valid_time(split)
    series = np.asarray(series)
    return Splits(
        sequence_windows(series, past, future, past, start),
        sequence_windows(series, past, future, start, split),
        test,
        source,
        extras={"series": series, "split": split, "features": features},
        validation_source=f"the windows whose targets lie in steps {start} to "
        f"{split - 1} (the exam starter's valid_set)",
    )


def read_dated_csv(path, index, features, expected):
    """Reads a CSV of dated rows: the date column, and every other column as a feature.

    As the last versions' starters read it, `pd.read_csv(path,
    index_col=index, header=0).values`: the rows in the file's order.

    Args:
        path: the CSV file.
        index: the name of the date column (`"datetime"`, `"Week of"`).
        features: how many feature columns the task's contract has.
        expected: the format, in words, for the error.

    Returns:
        `(dates, values, names)`: the dates as written, a float64 array
        `(rows, features)` in the file's order, and the features' names.

    Raises:
        zoo.data.DataFormatError: for another format, naming this one.
    """
    with file_format(path, expected), open(path, newline="", encoding="utf-8") as file:
        rows = csv.reader(file)
        header = next(rows)
        column = header.index(index)
        names = [name for i, name in enumerate(header) if i != column]
        if len(names) != features:
            raise ValueError(f"{len(names)} feature columns ({', '.join(names)}), not {features}")
        dates, values = [], []
        for row in rows:
            if row:
                dates.append(row[column])
                values.append([float(value) for i, value in enumerate(row) if i != column])
        return dates, np.array(values, dtype="float64").reshape(len(values), features), names


def read_forecasts(outputs, future=1, features=1):
    """The model's forecasts as `(n, future, features)`, checked against the tester's contract.

    A one-step forecaster (`future == features == 1`) may give one value per
    window, `(n,)` or `(n, 1)`, or one per time step, `(n, steps, 1)`, whose
    last the sunspots tester read. A sequence-to-sequence forecaster must
    give exactly `(n, future, features)`.

    Args:
        outputs: the model's outputs for `n` windows.
        future: the steps each forecast holds (`N_FUTURE`).
        features: the features each step holds (`N_FEATURES`).

    Returns:
        A `(n, future, features)` array.

    Raises:
        zoo.grading.errors.GradingError: for another shape, naming the shape
            expected, the shape received and what to change.

    Example:
    >>> read_forecasts(np.arange(6.0).reshape(2, 3, 1))[:, 0, 0].tolist()
    [2.0, 5.0]
    >>> read_forecasts(np.zeros((2, 10)), future=10)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    zoo.grading.errors.GradingError: The model's output shape is (BATCH, 10), but ...
    """
    from zoo.grading.errors import GradingError

    outputs = np.asarray(outputs)
    if outputs.ndim == 3 and outputs.shape[1:] == (future, features):
        return outputs
    if (future, features) == (1, 1):
        if outputs.ndim == 1 or (outputs.ndim == 2 and outputs.shape[1] == 1):
            return outputs.reshape(-1, 1, 1)
        if outputs.ndim == 3 and outputs.shape[2] == 1:
            return outputs[:, -1:, :]  # the tester's [..., -1, 0]
        raise GradingError(
            f"The model outputs shape {tuple(outputs.shape[1:])}; a forecaster gives one "
            "value per window, (1,), or one per time step, (window, 1), whose last the "
            "exam's tester read. End the model with Dense(1)."
        )
    received = ", ".join(["BATCH", *map(str, outputs.shape[1:])])
    raise GradingError(
        f"The model's output shape is ({received}), but the tester expects (BATCH, "
        f"N_FUTURE = {future}, N_FEATURES = {features}): {future} forecast steps of "
        f"{features} feature{'s' if features > 1 else ''} for every window. End with "
        f"Dense({features}) after a layer that keeps the {future} time steps (an LSTM or "
        f"GRU with return_sequences=True, or a Reshape(({future}, {features})) after a "
        f"Dense({future * features}))."
    )


class Scale:
    """A per-feature affine scale: values are seen as `(values − low) / high`.

    Args:
        low: the values subtracted, one per feature (or a number).
        high: the divisors, one per feature (or a number).

    Example:
    >>> scale = Scale(np.array([1.0]), np.array([4.0]))
    >>> scale.apply(np.array([[5.0]])).tolist(), scale.invert(np.array([[1.0]])).tolist()
    ([[1.0]], [[5.0]])
    """

    def __init__(self, low, high):
        self.low, self.high = low, high

    def apply(self, values):
        """Returns the values on this scale."""
        return (np.asarray(values, "float64") - self.low) / self.high

    def invert(self, scaled):
        """Returns values on this scale back in raw units."""
        return np.asarray(scaled, "float64") * self.high + self.low


RAW_SCALE = Scale(0.0, 1.0)


def as_columns(series):
    """A series as `(steps, features)` float64: a 1-D series becomes one column."""
    series = np.asarray(series, "float64")
    return series.reshape(len(series), -1)


def exam_scale(series):
    """The exam starters' normalisation: per feature, minus the minimum, over the maximum.

    As `series -= min; series /= max` (sunspots) and `normalize_series(data,
    data.min(axis=0), data.max(axis=0))` (the last versions) did: both
    taken from the whole series, before the shift.

    Args:
        series: the whole series, `(steps,)` or `(steps, features)`.

    Returns:
        A `Scale` with one `low` and `high` per feature.

    Example:
    >>> exam_scale(np.array([2.0, 6.0])).apply(np.array([[6.0]])).tolist()
    [[0.6666666666666666]]
    """
    columns = as_columns(series)
    return Scale(columns.min(axis=0), columns.max(axis=0))


class SeriesConvention(Convention):
    """What the series testers share: how the windows are fed, and on which scale they are judged.

    A model is fed raw values (`normalise=False`) or the exam starter's
    normalised series (`normalise=True`). Its forecasts are judged on the
    normalised scale whenever it was fed that way or the task's metric is
    normalised (`normalised_task`), else in raw units. The validation
    sample for the convention probe is on the task metric's scale, the
    same for both conventions of a task, so their errors compare directly.

    Args:
        name: `"raw"` or `"exam"`.
        window: steps per input window (`N_PAST`).
        metric: the metric's name.
        measure: a `zoo.task.MeanMetric` on (targets, forecasts).
        scoring: the score rule.
        normalise: whether the model is fed the normalised series.
        normalised_task: whether the task's own metric is on the normalised
            scale (the sequence-to-sequence tasks' is).
        future: steps each forecast holds (`N_FUTURE`).
        features: features each step holds (`N_FEATURES`).
    """

    def __init__(
        self,
        name,
        window,
        metric,
        measure,
        scoring,
        normalise=False,
        normalised_task=False,
        future=1,
        features=1,
    ):
        self.name, self.window, self.normalise = name, window, normalise
        self.normalised_task = normalised_task
        self.future, self.features = future, features
        self.metric, self.measure, self.scoring = metric, measure, scoring
        self.input_shape, self.input_dtype = (window, features), "float32"

    def describe(self):
        """Returns what the model is fed, in words."""
        shape = (
            f"windows of {self.window}"
            if self.features == 1
            else f"windows of {self.window} steps of {self.features} features"
        )
        if not self.normalise:
            return f"the raw series, {shape}"
        if self.features == 1 and self.future == 1:
            return (
                "the series normalised as the exam starter did (series -= min; "
                f"series /= max), {shape}"
            )
        return (
            "the series normalised as the exam starter did (normalize_series(data, "
            f"data.min(axis=0), data.max(axis=0))), {shape}"
        )

    def admits(self, dtype, shape):
        """Any float input: the windows are floats either way."""
        return dtype is None or dtype.startswith(("float", "bfloat"))

    def feed_scale(self, series):
        """The `Scale` the model's inputs (and so its outputs) are on."""
        return exam_scale(series) if self.normalise else RAW_SCALE

    @property
    def judged_normalised(self):
        """Whether this convention's metric is measured on the normalised scale."""
        return self.normalise or self.normalised_task

    def judged_scale(self, series):
        """The `Scale` this convention's metric is measured on."""
        return exam_scale(series) if self.judged_normalised else RAW_SCALE

    def note(self, series):
        """The normalisation's constants in words, or "" for raw inputs."""
        if not self.normalise:
            return ""
        scale = exam_scale(series)
        return f"min {_numbers(scale.low)}, max {_numbers(scale.high)}"

    def rescaled(self, series, normalised):
        """Model outputs → forecasts checked against the contract, normalised or in raw units.

        Args:
            series: the whole series (its minimum and maximum).
            normalised: whether the forecasts are wanted on the normalised
                scale (else in raw units).

        Returns:
            A function of the model's outputs giving `(n, future, features)`.
        """

        def read(outputs):
            return read_forecasts(outputs, self.future, self.features)

        if normalised == self.normalise:  # already on the scale the model was fed
            return read
        scale = exam_scale(series)
        if normalised:
            return lambda outputs: scale.apply(read(outputs))
        return lambda outputs: scale.invert(read(outputs))

    def sample(self, splits, count):
        """Validation windows fed this way; targets and forecasts on the task metric's scale."""
        series = splits.extras["series"]
        task_scale = exam_scale(series) if self.normalised_task else RAW_SCALE
        x, y = evenly(splits.validation, count)
        targets = task_scale.apply(np.asarray(y).reshape(len(y), self.future, self.features))
        return HeldOut(
            inputs=self.feed_scale(series).apply(x).astype("float32"),
            targets=targets,
            select=self.rescaled(series, self.normalised_task),
        )


def _numbers(values):
    values = np.ravel(values)
    return (
        f"{values[0]:g}"
        if len(values) == 1
        else "[" + ", ".join(f"{value:g}" for value in values) + "]"
    )


class SeriesForecast(SeriesConvention):
    """The exam tester the starters print: every window of the whole series, one step read.

    The held-out inputs are every window of the whole series, prepared this
    convention's way, in batches of `batch` with the remainder dropped when
    the tester did so (US diesel); each forecast is read at one step (the
    last of a one-step task's sequence outputs, the first of a
    sequence-to-sequence forecast) and sliced as the tester sliced them,
    `[split - window:-1]`, which leaves one forecast per held-out value
    `series[split:]`, compared with as many of them.

    Args:
        name: `"raw"` or `"exam"`.
        window: steps per input window (`N_PAST`).
        metric: the metric's name.
        measure: a `zoo.task.MeanMetric` on (targets, forecasts).
        scoring: the score rule.
        normalise: whether to feed the normalised series, as the exam
            starter did, comparing on that scale.
        normalised_task: whether the task's own metric is on the normalised
            scale.
        future: steps each forecast holds (`N_FUTURE`).
        features: features each step holds (`N_FEATURES`).
        batch: the tester's batch size when it dropped the last, partial
            batch (`ds.batch(32, drop_remainder=True)`), else None.

    Example:
    >>> from zoo.tasks import get_task
    >>> get_task("sunspots").exam.describe()
    'the series normalised as the exam starter did (series -= min; series /= max), windows of 30'
    """

    def __init__(
        self,
        name,
        window,
        metric,
        measure,
        scoring,
        normalise=False,
        normalised_task=False,
        future=1,
        features=1,
        batch=None,
    ):
        super().__init__(
            name, window, metric, measure, scoring, normalise, normalised_task, future, features
        )
        self.batch = batch

    def held_out(self, splits):
        """Every window of the whole series, the tester's slice, and the held-out values."""
        series = splits.extras["series"]
        split, window = splits.extras["split"], self.window
        inputs = np.lib.stride_tricks.sliding_window_view(
            self.feed_scale(series).apply(as_columns(series)), window, axis=0
        ).transpose(0, 2, 1)
        if self.batch:
            inputs = inputs[: len(inputs) // self.batch * self.batch]
        judged = self.judged_scale(series)
        # The tester keeps [split - window:-1] and compares with as many held-out values.
        count = len(inputs) - 1 - (split - window)
        step = 0 if self.future > 1 else -1
        rescale = self.rescaled(series, self.judged_normalised)
        return HeldOut(
            inputs=inputs,
            targets=judged.apply(as_columns(series)[split:][:count]),
            select=lambda outputs: rescale(outputs)[split - window : -1, step],
            restore=judged.invert,
            note=self.note(series),
            shape=(self.features,),
        )


class WindowForecast(SeriesConvention):
    """The zoo's reading of a hint with no public tester: every held-out window, whole.

    The household starter's hint asks for a normalised validation MAE; no
    public source shows its tester. This grades it as the hint reads: every
    window of `N_PAST` steps in the held-out part, `series[split:]`, is
    forecast, and the whole `(N_FUTURE, N_FEATURES)` forecast is compared
    with the steps that followed, on the normalised scale.

    Example:
    >>> from zoo.tasks import get_task
    >>> get_task("household_power").exam.input_shape
    (24, 7)
    """

    def held_out(self, splits):
        """The held-out part's windows prepared this way, and what followed each."""
        series = splits.extras["series"]
        split, columns = splits.extras["split"], as_columns(splits.extras["series"])
        start, judged = split + self.window, self.judged_scale(series)
        inputs, _ = sequence_windows(
            self.feed_scale(series).apply(columns), self.window, self.future, start, len(columns)
        )
        _, targets = sequence_windows(
            judged.apply(columns), self.window, self.future, start, len(columns)
        )
        return HeldOut(
            inputs=inputs,
            targets=targets,
            select=self.rescaled(series, self.judged_normalised),
            restore=judged.invert,
            note=self.note(series),
        )


def build_forecaster(splits, units=32, learning_rate=1e-3, loss="huber"):
    """The one-step reference forecaster: the zoo's `LSTMForecaster` on scaled values.

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
    x = LSTMForecaster(
        horizon=1,
        lstm_units=(units,),
        conv_filters=units,
        conv_kernel_size=5,
        name="lstm_forecaster",
    )(x)
    x = layers.Reshape((1,), name="next_value")(x)
    outputs = layers.Rescaling(std, name="unscale")(x)
    model = keras.Model(inputs, outputs, name="forecaster")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.Huber() if loss == "huber" else loss,
        metrics=["mae"],
    )
    return model


def build_sequence_forecaster(splits, units=32, learning_rate=1e-3, loss="mae"):
    """The sequence-to-sequence reference: `LSTMForecaster` between per-feature scalings.

    Each feature is standardised inside the model with the training
    windows' mean and spread (a household's voltage near 240 V beside a
    kitchen's few watt-hours), the forecaster predicts every step of every
    feature as a change from the window's last step, and the forecast is
    scaled back: the model takes and gives raw values.

    Args:
        splits: the task's `Splits`, `(n, past, features)` → `(n, future,
            features)`.
        units: width of the convolution front and the LSTM.
        learning_rate: Adam's learning rate.
        loss: the Keras loss; `"mae"` trains on the graded metric's kind.

    Returns:
        A compiled Keras model `(past, features)` → `(future, features)`.

    Example:
    >>> splits = sequence_splits(np.random.rand(300, 2), 200, 6, 4, "example",
    ...                          test=sequence_windows(np.random.rand(300, 2), 6, 4, 206, 300))
    >>> build_sequence_forecaster(splits).output_shape
    (None, 4, 2)
    """
    import keras

    from zoo.models import LSTMForecaster

    x, y = splits.train
    past, features = x.shape[1:]
    values = x.reshape(-1, features).astype("float64")
    mean, variance = values.mean(axis=0), values.var(axis=0)
    variance = np.where(variance > 0, variance, 1.0)  # a constant feature stays as it is
    inputs = keras.Input((past, features), name="window")
    scaled = keras.layers.Normalization(mean=mean, variance=variance, name="scale")(inputs)
    forecast = LSTMForecaster(
        horizon=y.shape[1],
        num_targets=features,
        lstm_units=(units,),
        conv_filters=units,
        conv_kernel_size=5,
        name="lstm_forecaster",
    )(scaled)
    outputs = keras.layers.Normalization(mean=mean, variance=variance, invert=True, name="unscale")(
        forecast
    )
    model = keras.Model(inputs, outputs, name="sequence_forecaster")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=["mae"])
    return model


def series_task(
    name,
    summary,
    source,
    load,
    window,
    scoring,
    metric="mae",
    measure=mean_absolute_error,
    build=build_forecaster,
    exam_scoring=None,
    **fields,
):
    """Declares a one-step category-5 task: window of raw values → next value.

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
    exam = (
        None
        if exam_scoring is None
        else SeriesForecast(
            EXAM, window, "normalised mae", mean_absolute_error, exam_scoring, normalise=True
        )
    )
    return Task(
        name=name,
        category=TIME_SERIES,
        summary=summary,
        source=source,
        load=load,
        build=build,
        input_shape=(window, 1),
        input_dtype="float32",
        output_shape=(1,),
        output_activation=None,
        metric=metric,
        measure=measure,
        scoring=scoring,
        monitor="val_mae",
        starter_hint="e.g. Conv1D, LSTM and Dense layers",
        raw=raw,
        exam=exam,
        **fields,
    )


def sequence_task(
    name,
    summary,
    source,
    load,
    past,
    future,
    features,
    scoring,
    tester,
    build=build_sequence_forecaster,
    **fields,
):
    """Declares a sequence-to-sequence category-5 task: `(past, features)` → `(future, features)`.

    Both conventions are judged by the normalised MAE, the hint's metric: a
    model fed raw values has its forecasts normalised as the starter
    normalised the series, so one score rule serves both.

    Args:
        name: the task's name.
        summary: one line on the task.
        source: a `zoo.task.Source`.
        load: `load(data=None) -> Splits` (see `sequence_splits`).
        past: steps per input window (`N_PAST`).
        future: steps per forecast (`N_FUTURE`).
        features: features per step (`N_FEATURES`).
        scoring: the score rule on the normalised MAE.
        tester: `SeriesForecast` (with its `batch` bound) or `WindowForecast`:
            the tester's computation.
        build: the reference model builder.
        **fields: other `Task` fields (epochs, batch_size, patience...).

    Returns:
        A `Task`.
    """
    metric = "normalised mae"

    def convention(convention_name, normalise):
        return tester(
            convention_name,
            past,
            metric,
            mean_absolute_error,
            scoring,
            normalise=normalise,
            normalised_task=True,
            future=future,
            features=features,
        )

    return Task(
        name=name,
        category=TIME_SERIES,
        summary=summary,
        source=source,
        load=load,
        build=build,
        input_shape=(past, features),
        input_dtype="float32",
        output_shape=(future, features),
        output_activation=None,
        metric=metric,
        measure=mean_absolute_error,
        scoring=scoring,
        monitor="val_mae",
        starter_hint=f"e.g. Conv1D, LSTM(return_sequences=True) and a last "
        f"Dense({features}), so that {future} steps come out",
        raw=convention(RAW, False),
        exam=convention(EXAM, True),
        **fields,
    )
