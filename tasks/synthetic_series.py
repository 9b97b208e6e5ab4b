"""Category 5 on the course's synthetic series: trend, yearly seasonality, noise.

Needs no download: the series is generated exactly as the TensorFlow course
generated it (4 years of days, baseline 10, slope 0.05, amplitude 40, noise
level 5, seed 42), split at day 1000, windows of 20 days.
"""

import sys

import numpy as np

from zoo.task import Source, Steps
from zoo.tasks._series import series_splits, series_task
from zoo.training.script import run_script

SPLIT, WINDOW = 1000, 20


def course_series(seed=42):
    """Generates the course's series.

    Args:
        seed: seed of the noise (the course used 42).

    Returns:
        `(time, series)`, float32 arrays of 1461 days.
    """
    time = np.arange(4 * 365 + 1, dtype="float32")
    season_time = (time % 365) / 365
    # The course's seasonal shape: a cosine for 40% of the year, then a decay.
    pattern = np.where(
        season_time < 0.4, np.cos(season_time * 2 * np.pi), 1 / np.exp(3 * season_time)
    )
    noise = np.random.RandomState(seed).randn(len(time)) * 5
    return time, (10 + 0.05 * time + 40 * pattern + noise).astype("float32")


def load(data=None):
    """Returns the series' `Splits`; `data` is ignored (nothing to download)."""
    time, series = course_series()
    return series_splits(
        series, SPLIT, WINDOW, "generated: the course's synthetic series", time=time
    )


TASK = series_task(
    "synthetic_series",
    "forecast the course's synthetic series (trend + seasonality + noise)",
    Source("generated", "trend + seasonality + noise, seed 42"),
    load,
    WINDOW,
    # The noise alone (σ = 5) leaves an MAE of about 4: 5.0 is a good forecast.
    Steps(threshold=5.0, step=0.5, higher_is_better=False),
    epochs=20,
    batch_size=32,
    patience=5,
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
