# ==========================================================================
# MOCK EXAM, QUESTION 5 OF 5 (category 5: sequences and time series)
#
# The exam had five questions, one per category, from 1 (easiest) to 5
# (hardest), and five hours for all of them. A question's weight grows with
# its category: this one counts five times a category-1 question.
#
# As in the exam:
# - no Lambda layers: the grader cannot load them from mymodel.h5;
# - keep the input shape and the last layer exactly as given;
# - code marked DO NOT CHANGE prepares the data the way the grader prepares
#   its held-out data: change it and your model is fed something else.
# Running this file trains your model and saves mymodel.h5 beside it. The
# grader loads that file and scores it 0-5 on days it has never seen:
#     zoo grade daily_min_temperatures mymodel.h5  (in a session: zoo exam submit DIR)
# Offline: set ZOO_DATA to a local copy of the data (see download_data).
# ==========================================================================
#
# QUESTION
#
# Build and train a model that forecasts the daily minimum temperature in
# Melbourne (daily-min-temperatures.csv, 1981-1990). The grader feeds the
# model WINDOW_SIZE consecutive days of the normalised series, shape
# (WINDOW_SIZE, 1), and compares its output, the Dense(1) given, with the
# day that followed.
#
# How you are graded, as the exam's tester did it: forecast every window of
# the whole normalised series, keep the forecasts of the values from
# SPLIT_TIME on, and take their mean absolute error:
#     forecast = model.predict(every window of normalize(series))
#     forecast = forecast[SPLIT_TIME - WINDOW_SIZE:-1]
#     mae = mean(abs(normalize(series)[SPLIT_TIME:] - forecast))
# A model whose output is a sequence is read at its last step. 5/5 for an
# MAE of 0.19 or less; each 0.01 more costs a mark.

import csv
import os
import urllib.request

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
URL = "https://raw.githubusercontent.com/jbrownlee/Datasets/master/daily-min-temperatures.csv"
FILE_NAME = "daily-min-temperatures.csv"

# DO NOT CHANGE THESE: the grader cuts and windows its held-out data with them.
SPLIT_TIME = 2500
WINDOW_SIZE = 64
BATCH_SIZE = 32
SHUFFLE_BUFFER_SIZE = 1000
# The last 250 days before SPLIT_TIME validate.
VALID_TIME = 2250


def download_data():
    """Returns the path of daily-min-temperatures.csv.

    With ZOO_DATA set, it is your local copy: the file, or the folder that
    holds it. Otherwise the file is downloaded beside this file, once.
    """
    local = os.environ.get("ZOO_DATA")
    if local:
        path = os.path.join(local, FILE_NAME) if os.path.isdir(local) else local
        if not os.path.isfile(path):
            raise SystemExit(
                f"ZOO_DATA={local}: no {FILE_NAME} there. Point ZOO_DATA "
                f"at your copy of {FILE_NAME} (the file, or its folder)."
            )
        return path
    path = os.path.join(HERE, FILE_NAME)
    if not os.path.isfile(path):
        try:
            urllib.request.urlretrieve(URL, f"{path}.part")
        except OSError as error:
            raise SystemExit(
                f"Could not download {URL} ({error}). Offline? Download {FILE_NAME} "
                f"on a machine with network access and run: ZOO_DATA=/path/to/{FILE_NAME} "
                f"python {os.path.basename(__file__)}"
            ) from None
        os.replace(f"{path}.part", path)
    return path


def read_series(path):
    """Reads the CSV: a header line, then rows of "date","temperature" (in °C).

    Some copies of the file mark a few values with a stray "?": it is dropped.
    """
    with open(path, newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        next(reader)
        return np.array([float(row[1].strip("? ")) for row in reader if row])


# DO NOT CHANGE: the grader normalises the series the same way.
def normalize(series):
    """Scales the series as the exam's starter did: series -= min, then series /= max.

    Both are the whole series' minimum and maximum, taken before the shift.
    """
    low, high = np.min(series), np.max(series)
    return (series - low) / high


# DO NOT CHANGE: the grader cuts its held-out windows the same way.
def windowed_dataset(series):
    """Shuffled batches of (WINDOW_SIZE values, the value right after them).

    Every run of WINDOW_SIZE + 1 consecutive values of `series` gives one
    example: inputs of shape (WINDOW_SIZE, 1), a target of shape (1,).
    """
    series = tf.expand_dims(tf.cast(series, tf.float32), axis=-1)
    dataset = tf.data.Dataset.from_tensor_slices(series)
    dataset = dataset.window(WINDOW_SIZE + 1, shift=1, drop_remainder=True)
    dataset = dataset.flat_map(lambda window: window.batch(WINDOW_SIZE + 1))
    dataset = dataset.shuffle(SHUFFLE_BUFFER_SIZE)
    dataset = dataset.map(lambda window: (window[:-1], window[-1]))
    return dataset.batch(BATCH_SIZE).prefetch(1)


def solution_model():
    series = normalize(read_series(download_data()))
    # Values before VALID_TIME train; the windows whose targets run from
    # VALID_TIME to SPLIT_TIME validate. From SPLIT_TIME on is the grader's.
    train_data = windowed_dataset(series[:VALID_TIME])
    valid_data = windowed_dataset(series[VALID_TIME - WINDOW_SIZE : SPLIT_TIME])

    model = tf.keras.Sequential(
        [
            tf.keras.Input(shape=(WINDOW_SIZE, 1)),
            # TODO: your layers here (e.g. Conv1D, LSTM or GRU, Dense). Keep the
            # output one value per window: return_sequences=False on the last
            # recurrent layer, or a Flatten before the Dense layers.
            tf.keras.layers.Dense(1),  # DO NOT CHANGE
        ]
    )
    # TODO: compile the model (e.g. a Huber or MAE loss), then fit it on
    # train_data, watching valid_data.
    return model
