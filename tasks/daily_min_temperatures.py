"""Category 5: Melbourne's daily minimum temperature (`daily-min-temperatures.csv`).

The model takes 64 days of raw temperatures (°C) and forecasts the next
day's. As in the exam, it is judged on the min-max normalised scale: the
MAE in °C divided by the series' range (0.0 to 26.3 °C); below 0.19 earns
top marks. Split at day 2500.

A model trained the exam starter's way takes the series normalised as the
starters did (`series -= min; series /= max`) and is judged by the same
rule on that scale, with the exam tester's forecast and slice.
"""

import csv
import sys

import numpy as np

from zoo.data import fetch_file, file_format
from zoo.task import MeanMetric, Source, Steps, absolute_errors
from zoo.tasks._series import series_splits, series_task
from zoo.training.script import run_script

SPLIT, WINDOW = 2500, 64
# The range of the whole 1981–1990 series, which the exam normalised by.
LOW, HIGH = 0.0, 26.3
SOURCE = Source(
    "url",
    "daily-min-temperatures.csv",
    url="https://raw.githubusercontent.com/jbrownlee/Datasets/master/daily-min-temperatures.csv",
)


EXPECTED = (
    "the daily-min-temperatures.csv of jbrownlee/Datasets, a header line, then "
    'rows of "date","temperature"'
)


def read_temperatures(path):
    """Reads the CSV (`"Date","Temp"` with a header).

    Args:
        path: path of the file.

    Returns:
        A float64 array of daily minimum temperatures in °C.

    Raises:
        zoo.data.DataFormatError: for another format, naming this one.
    """
    with file_format(path, EXPECTED), open(path, newline="", encoding="utf-8") as file:
        rows = csv.reader(file)
        next(rows)
        # Some copies of the file mark a few values with a stray "?".
        values = [float(row[1].strip("? ")) for row in rows if row]
        if len(values) <= SPLIT:
            raise ValueError(f"{len(values)} rows, but the split is at row {SPLIT}")
        return np.array(values, dtype="float64")


def normalised_errors(y_true, y_pred):
    """Each forecast's absolute error on the exam's normalised scale: °C / 26.3."""
    return absolute_errors(y_true, y_pred) / (HIGH - LOW)


# MAE on the exam's min-max normalised scale: MAE in °C / 26.3.
normalised_mae = MeanMetric(normalised_errors, "normalised mae")


def load(data=None):
    """Returns the `Splits` of the CSV (downloaded, or `data`)."""
    path = fetch_file(SOURCE, data)
    return series_splits(read_temperatures(path), SPLIT, WINDOW, str(path))


TASK = series_task(
    "daily_min_temperatures",
    "forecast tomorrow's minimum temperature in Melbourne",
    SOURCE,
    load,
    WINDOW,
    Steps(threshold=0.19, step=0.01, higher_is_better=False),
    metric="normalised mae",
    measure=normalised_mae,
    exam_scoring=Steps(threshold=0.19, step=0.01, higher_is_better=False),
    epochs=30,
    batch_size=32,
    patience=5,
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
