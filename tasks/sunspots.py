"""Category 5: forecast monthly sunspot numbers (`Sunspots.csv`, split 3000, window 30).

Scored with the exam's own formula on raw values: min(5, ceil(20 − MAE)).
"""

import csv
import math
import sys

import numpy as np

from zoo.data import fetch_file
from zoo.task import Formula, Source
from zoo.tasks._series import series_splits, series_task
from zoo.training_script import run_script

SPLIT, WINDOW = 3000, 30
SOURCE = Source(
    "url", "Sunspots.csv",
    url="https://storage.googleapis.com/tensorflow-1-public/course4/Sunspots.csv",
    sha256="0ef4cf0379879a9be0043885d8de1c1907ae852c903a0fcbbc58ba813efb3f10")


def read_sunspots(path):
    """Reads the course's CSV (`,Date,Monthly Mean Total Sunspot Number`).

    Args:
        path: path of `Sunspots.csv`.

    Returns:
        A float32 array of monthly values.
    """
    with open(path, newline="") as file:
        rows = csv.reader(file)
        next(rows)
        return np.array([float(row[2]) for row in rows], dtype="float32")


def load(data=None):
    """Returns the `Splits` of `Sunspots.csv` (downloaded, or `data`)."""
    path = fetch_file(SOURCE, data)
    return series_splits(read_sunspots(path), SPLIT, WINDOW, str(path))


TASK = series_task(
    "sunspots", "forecast next month's sunspot number from the last 30 months",
    SOURCE, load, WINDOW,
    Formula(lambda mae: min(5, math.ceil(20 - mae)), "min(5, ceil(20 − MAE))",
            threshold=15.0, higher_is_better=False),
    epochs=100, batch_size=32, patience=12)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
