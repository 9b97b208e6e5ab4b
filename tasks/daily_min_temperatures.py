"""Category 5: Melbourne's daily minimum temperature (`daily-min-temperatures.csv`).

The model takes 64 days of raw temperatures (°C) and forecasts the next
day's. As in the exam, it is judged on the min-max normalised scale: the
MAE in °C divided by the series' range (0.0 to 26.3 °C); below 0.19 earns
top marks. Split at day 2500.
"""

import csv
import sys

import numpy as np

from zoo.data import fetch_file
from zoo.task import Source, Steps, mean_absolute_error
from zoo.tasks._series import series_splits, series_task
from zoo.training_script import run_script

SPLIT, WINDOW = 2500, 64
# The range of the whole 1981–1990 series, which the exam normalised by.
LOW, HIGH = 0.0, 26.3
SOURCE = Source(
    "url", "daily-min-temperatures.csv",
    url="https://raw.githubusercontent.com/jbrownlee/Datasets/master/"
        "daily-min-temperatures.csv")


def read_temperatures(path):
    """Reads the CSV (`"Date","Temp"` with a header).

    Args:
        path: path of the file.

    Returns:
        A float32 array of daily minimum temperatures in °C.
    """
    with open(path, newline="", encoding="utf-8") as file:
        rows = csv.reader(file)
        next(rows)
        # Some copies of the file mark a few values with a stray "?".
        return np.array([float(row[1].strip("? ")) for row in rows if row], dtype="float32")


def normalised_mae(y_true, y_pred):
    """MAE on the exam's min-max normalised scale: MAE in °C / 26.3."""
    return mean_absolute_error(y_true, y_pred) / (HIGH - LOW)


def load(data=None):
    """Returns the `Splits` of the CSV (downloaded, or `data`)."""
    path = fetch_file(SOURCE, data)
    return series_splits(read_temperatures(path), SPLIT, WINDOW, str(path))


TASK = series_task(
    "daily_min_temperatures", "forecast tomorrow's minimum temperature in Melbourne",
    SOURCE, load, WINDOW, Steps(threshold=0.19, step=0.01, higher_is_better=False),
    metric="normalised mae", measure=normalised_mae, epochs=30, batch_size=32,
    patience=5)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
