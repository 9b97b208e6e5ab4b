"""Category 5: US weekly diesel prices, 1994–2021, 10 weeks → the next 10.

The November 2022 sitting's category-5 question: the weekly US retail price
of on-highway diesel, all types, from the US Energy Information
Administration, one feature indexed by `Week of`, in
`Weekly_U.S.Diesel_Retail_Prices.csv`. The exam shipped the file with the
question; practice material downloads it from the address below. The
starter normalised it as `normalize_series(data, data.min(axis=0),
data.max(axis=0))`, split at 80% of the rows, and cut windows of N_PAST =
10 weeks → the next N_FUTURE = 10, shifted by 1, in batches of 32 (seed
42); the last layer was `Dense(1)`, its output (BATCH, 10, 1).

Graded with the tester the starter prints in a comment (`SeriesForecast`):
forecast every window of the whole normalised series in batches of 32,
the last partial batch dropped, keep `forecast[SPLIT_TIME - N_PAST:-1, 0,
0]` (each window's first forecast step), and take the MAE against as many
values of the validation part. The hint: "a validation MAE of approximately
0.02 or less on the normalized validation dataset may fetch you top
marks". Top marks at 0.02 or less; one mark less per 0.01 above, as the
pool's normalised-MAE tasks lose marks. The weeks from the split on are
held out: the exam-style starter trains on the windows before the last
tenth of the first 80% and validates on that tenth.
"""

import functools
import sys

from zoo.data import fetch_file, windows
from zoo.task import Source, Steps
from zoo.tasks._series import (
    SeriesForecast,
    read_dated_csv,
    sequence_splits,
    sequence_task,
)
from zoo.training.script import run_script

N_PAST = N_FUTURE = 10
BATCH_SIZE = 32
SOURCE = Source(
    "url",
    "Weekly_U.S.Diesel_Retail_Prices.csv",
    url="https://www.dropbox.com/s/eduk281didil1km/Weekly_U.S.Diesel_Retail_Prices.csv?dl=1",
)
EXPECTED = (
    'Weekly_U.S.Diesel_Retail_Prices.csv: a header line "Week of" and one price '
    "column, then one row a week (a date, a price in dollars per gallon)"
)


def split_time(rows):
    """Where the held-out weeks begin, as the starter split: `int(len(data) * 0.8)`."""
    return int(rows * 0.8)


def load(data=None):
    """Returns the `Splits` of the CSV (downloaded, or `data`)."""
    path = fetch_file(SOURCE, data)
    dates, series, names = read_dated_csv(path, "Week of", 1, EXPECTED)
    split = split_time(len(series))
    if split < 2 * (N_PAST + N_FUTURE):
        raise ValueError(
            f"{path} has {len(series)} rows: too few to split at 80% and cut "
            f"windows of {N_PAST} + {N_FUTURE} weeks"
        )
    splits = sequence_splits(
        series,
        split,
        N_PAST,
        N_FUTURE,
        str(path),
        test=windows(series[:, 0], N_PAST, split, len(series)),
        features=names,
    )
    splits.extras["time"] = dates
    return splits


TASK = sequence_task(
    "us_diesel",
    "forecast the US weekly diesel price for the next 10 weeks",
    SOURCE,
    load,
    N_PAST,
    N_FUTURE,
    1,
    Steps(threshold=0.02, step=0.01, higher_is_better=False),
    tester=functools.partial(SeriesForecast, batch=BATCH_SIZE),
    epochs=100,
    batch_size=32,
    patience=10,
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
