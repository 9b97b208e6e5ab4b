"""The series testers: the grader's numbers equal the exam testers' own computations.

The sunspots and US diesel starters print their testers; each is written out
here with tf.data as the starters wrote it and run on the same saved model
as the grader. The household tester is the zoo's reading of the hint (no
public source shows it): every window of the normalised second half, cut by
the starter's own `windowed_dataset`. A model fed raw values, with the
starter's normalisation inside it, is graded to the same number. A model that
breaks the (BATCH, N_FUTURE, N_FEATURES) contract is refused with the shape
expected, the shape received and the fix.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from tasks_helpers import data_for, import_file

from zoo.cli import main
from zoo.exam import starters
from zoo.grading.errors import GradingError
from zoo.grading.grade import grade
from zoo.tasks import get_task


def saved(model, folder, name="mymodel.h5"):
    path = folder / name
    model.save(path)
    return path


def windows_of(series, size):
    """Every run of `size` consecutive values, as the testers' tf.data windows cut them."""
    dataset = tf.data.Dataset.from_tensor_slices(series)
    dataset = dataset.window(size, shift=1, drop_remainder=True)
    return dataset.flat_map(lambda window: window.batch(size))


def diesel_tester(model, data, split, n_past, batch_size):
    """The tester the US diesel starter prints in a comment, on its normalised `data`."""
    dataset = windows_of(data, n_past).batch(batch_size, drop_remainder=True).prefetch(1)
    forecast = model.predict(dataset, verbose=0)[split - n_past : -1, 0, 0]
    x_valid = np.squeeze(data[split:][: forecast.shape[0]])
    return float(keras.losses.mean_absolute_error(x_valid, forecast))


def sunspots_tester(model, series, split, window):
    """The tester the sunspots starters print: `model_forecast(...)[split - window:-1, -1, 0]`."""
    forecast = model.predict(windows_of(series[..., np.newaxis], window).batch(32), verbose=0)[
        split - window : -1, -1, 0
    ]
    return float(np.mean(np.abs(series[split:] - forecast)))


def sequence_model(window, features, seed=0):
    """An untrained sequence-to-sequence model (window, features) → (window, features)."""
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((window, features)),
            keras.layers.LSTM(8, return_sequences=True),
            keras.layers.Dense(features),
        ]
    )


def with_normalisation_inside(model, low, high):
    """`model` taking and giving raw values: the starter's (x − low) / high around it."""
    window, features = model.input_shape[1:]
    low, high = np.broadcast_to(low, (features,)), np.broadcast_to(high, (features,))
    return keras.Sequential(
        [
            keras.Input((window, features)),
            keras.layers.Normalization(mean=low, variance=high**2),
            *model.layers,
            keras.layers.Normalization(mean=low, variance=high**2, invert=True),
        ]
    )


@pytest.fixture(scope="module")
def diesel(tmp_path_factory):
    folder = tmp_path_factory.mktemp("diesel")
    task = get_task("us_diesel")
    path = data_for("us_diesel", folder)
    return task, path, task.load(path)


@pytest.mark.slow
def test_us_diesel_is_graded_by_the_testers_own_code(diesel, tmp_path):
    task, path, splits = diesel
    module = import_file(starters.FOLDER / "us_diesel.py", "us_diesel_tester")
    prices = module.read_series(path)
    low, high = prices.min(axis=0), prices.max(axis=0)
    data = module.normalize_series(prices, low, high)
    split = int(len(data) * 0.8)
    model = sequence_model(10, 1)
    expected = diesel_tester(model, data, split, module.N_PAST, module.BATCH_SIZE)
    exam = grade(task, saved(model, tmp_path), splits=splits, convention="exam", resamples=0)
    assert exam.value == pytest.approx(expected, rel=1e-5)
    # 300 weeks: 291 windows, 288 in whole batches of 32, then [230:-1] leaves 57.
    assert exam.held_out == 57
    assert exam.convention.note == f"min {low[0]:g}, max {high[0]:g}" and low[0] > 0
    # Fed raw prices, with the normalisation inside, the same forecasts score the same.
    raw = grade(
        task,
        saved(with_normalisation_inside(model, low, high), tmp_path, "raw.keras"),
        splits=splits,
        convention="raw",
        resamples=0,
    )
    assert raw.value == pytest.approx(expected, rel=1e-5)


@pytest.mark.slow
def test_household_power_is_graded_on_every_window_of_its_second_half(tmp_path):
    task = get_task("household_power")
    folder = data_for("household_power", tmp_path)
    splits = task.load(folder)
    module = import_file(starters.FOLDER / "household_power.py", "household_tester")
    raw_data = module.read_series(folder / module.FILE_NAME)
    low, high = raw_data.min(axis=0), raw_data.max(axis=0)
    data = module.normalize_series(raw_data, low, high)
    split = int(len(data) * 0.5)
    pairs = list(module.windowed_dataset(data[split:]).unbatch().as_numpy_iterator())
    inputs, targets = (np.stack(part) for part in zip(*pairs))
    model = sequence_model(24, 7)
    expected = float(np.mean(np.abs(model.predict(inputs, verbose=0) - targets)))
    exam = grade(task, saved(model, tmp_path), splits=splits, convention="exam", resamples=0)
    # 600 minutes: the second half's 300 hold 300 − 48 + 1 windows.
    assert exam.held_out == len(inputs) == 253
    assert exam.value == pytest.approx(expected, rel=1e-5)
    raw = grade(
        task,
        saved(with_normalisation_inside(model, low, high), tmp_path, "raw.keras"),
        splits=splits,
        convention="raw",
        resamples=0,
    )
    assert raw.value == pytest.approx(expected, rel=1e-5)
    # The report's pictures get whole forecasts in the features' own units.
    np.testing.assert_allclose(
        exam.predictions, model.predict(inputs, verbose=0) * high + low, rtol=1e-5
    )


@pytest.mark.slow
def test_sunspots_sequence_outputs_are_still_read_at_their_last_step(tmp_path):
    task = get_task("sunspots")
    path = data_for("sunspots", tmp_path)
    series = task.load(path).extras["series"]
    normalised = (series - series.min()) / series.max()
    model = sequence_model(30, 1)
    expected = sunspots_tester(model, normalised, 3000, 30)
    result = grade(task, saved(model, tmp_path), data=path, convention="exam", resamples=0)
    assert result.value == pytest.approx(expected, rel=1e-5) and result.held_out == 100


@pytest.mark.parametrize(
    "name, last_layers, received, expected, fix",
    [
        (
            "us_diesel",
            lambda: [keras.layers.Flatten(), keras.layers.Dense(10)],
            "(BATCH, 10)",
            "(BATCH, N_FUTURE = 10, N_FEATURES = 1)",
            "End with Dense(1) after a layer that keeps the 10 time steps",
        ),
        (
            "household_power",
            lambda: [keras.layers.Dense(1)],
            "(BATCH, 24, 1)",
            "(BATCH, N_FUTURE = 24, N_FEATURES = 7)",
            "End with Dense(7) after a layer that keeps the 24 time steps",
        ),
    ],
    ids=["us_diesel", "household_power"],
)
def test_a_model_that_breaks_the_shape_contract_is_told_what_to_change(
    name, last_layers, received, expected, fix, tmp_path
):
    task = get_task(name)
    window, features = task.input_shape
    model = keras.Sequential([keras.Input((window, features)), *last_layers()])
    with pytest.raises(GradingError) as error:
        grade(task, saved(model, tmp_path), data=data_for(name, tmp_path), resamples=0)
    message = str(error.value)
    assert message.startswith(
        f"The model's output shape is {received}, but the tester expects {expected}: "
    )
    assert fix in message and "return_sequences=True" in message


def test_zoo_grade_prints_the_shape_contract_not_a_traceback(diesel, tmp_path, capsys):
    _, path, _ = diesel
    model = keras.Sequential([keras.Input((10, 1)), keras.layers.LSTM(4), keras.layers.Dense(1)])
    assert main(["grade", "us_diesel", str(saved(model, tmp_path)), "--data", str(path)]) == 1
    err = capsys.readouterr().err
    assert (
        "not graded: The model's output shape is (BATCH, 1), but the tester expects "
        "(BATCH, N_FUTURE = 10, N_FEATURES = 1)" in err
    )
    assert "Traceback" not in err
