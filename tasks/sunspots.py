"""Category 5: forecast monthly sunspot numbers (`Sunspots.csv`, split 3000, window 30).

Graded with the exam tester's computation, which the exam-style sunspots
starters print for learners to check their model: forecast every window of
the series, keep `[split_time - window_size:-1, -1, 0]`, take the MAE
against `series[split_time:]`. Each convention has its starter's formula:

- raw values (the zoo's contract; the starter whose comment reads "WE
  EXPECT AN MAE OF 15 or less"): `score = ceil(20 - result)`, capped at 5,
  i.e. min(5, ceil(20 − MAE)): 5/5 below 16;
- normalised as the later starter did (`series -= min; series /= max`, its
  comment "MAE of 0.12 or less on the normalized dataset"):
  `score = math.ceil(17 - 100 * result)`, capped at 5, i.e.
  min(5, ceil(17 − 100 × MAE)): 5/5 below 0.13.
"""

import csv
import functools
import math
import sys

import numpy as np

from zoo.data import fetch_file, file_format
from zoo.task import Formula, Source
from zoo.tasks._series import build_forecaster, series_splits, series_task
from zoo.training.script import run_script

SPLIT, WINDOW = 3000, 30
SOURCE = Source(
    "url",
    "Sunspots.csv",
    url="https://storage.googleapis.com/tensorflow-1-public/course4/Sunspots.csv",
    sha256="0ef4cf0379879a9be0043885d8de1c1907ae852c903a0fcbbc58ba813efb3f10",
)


EXPECTED = (
    "the course's Sunspots.csv, a header line, then rows of index,date,monthly "
    "mean total sunspot number (a number in the third column)"
)


def read_sunspots(path):
    """Reads the course's CSV (`,Date,Monthly Mean Total Sunspot Number`).

    Args:
        path: path of `Sunspots.csv`.

    Returns:
        A float64 array of monthly values, as the starter's `float(row[2])`
        parsed them.

    Raises:
        zoo.data.DataFormatError: for another format, naming this one.
    """
    with file_format(path, EXPECTED), open(path, newline="", encoding="utf-8") as file:
        rows = csv.reader(file)
        next(rows)
        values = [float(row[2]) for row in rows if row]
        if len(values) <= SPLIT:
            raise ValueError(f"{len(values)} rows, but the split is at row {SPLIT}")
        return np.array(values, dtype="float64")


def load(data=None):
    """Returns the `Splits` of `Sunspots.csv` (downloaded, or `data`)."""
    path = fetch_file(SOURCE, data)
    return series_splits(read_sunspots(path), SPLIT, WINDOW, str(path))


TASK = series_task(
    "sunspots",
    "forecast next month's sunspot number from the last 30 months",
    SOURCE,
    load,
    WINDOW,
    Formula(
        lambda mae: min(5, math.ceil(20 - mae)),
        "min(5, ceil(20 − MAE))",
        threshold=15.0,
        higher_is_better=False,
    ),
    exam_scoring=Formula(
        lambda mae: min(5, math.ceil(17 - 100 * mae)),
        "min(5, ceil(17 − 100 × MAE))",
        threshold=0.12,
        higher_is_better=False,
    ),
    # Trained on the MAE it is graded on: the monthly noise is skewed, and the
    # median forecast that an MAE loss learns beats the Huber loss's near-mean
    # one (14.2 against 14.8, seed 0).
    build=functools.partial(build_forecaster, loss="mae", learning_rate=5e-4),
    epochs=100,
    batch_size=32,
    patience=12,
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
