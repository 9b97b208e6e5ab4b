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
#   its held-out data: change it and your model is fed something else;
# - a GRU without recurrent_dropout (cuDNN has no kernel for it).
# Running this file trains your model and saves mymodel.h5 beside it. The
# grader loads that file and scores it 0-5 on minutes it has never seen:
#     zoo grade household_power mymodel.h5   (in a session: zoo exam submit DIR)
# Offline: set ZOO_DATA to a local copy of the data (see download_data).
# ==========================================================================
#
# QUESTION
#
# Build and train a model that forecasts a household's electric power, a
# question of the exam's last versions (2022-2024). The data are the first
# 60 days of the UCI "Individual household electric power consumption"
# measurements, one row a minute, cleaned of missing values: a datetime
# column, then 7 features. From the past N_PAST = 24 minutes of the 7
# features, forecast the next N_FUTURE = 24 minutes of the same 7.
#
# The model's input shape is (BATCH_SIZE, N_PAST = 24, N_FEATURES = 7) and
# its output shape must be (BATCH_SIZE, N_FUTURE = 24, N_FEATURES = 7): end
# with the Dense(7) given, after a layer that keeps 24 time steps (e.g. an
# LSTM with return_sequences=True). The exam asked you to complete
# windowed_dataset(); here it is given, because the grader windows its
# held-out data the same way.
#
# How you are graded (no public source shows the exam's tester; this is the
# hint's own measure): every window of N_PAST minutes in the second half of
# the normalised series is forecast, and the mean absolute error of the
# whole forecasts against the minutes that followed is the score's metric.
# 5/5 for an MAE of 0.055 or less (the exam's hint: "approximately 0.055 or
# less on the normalized validation dataset"); one mark less per 0.01 more.
# The exam validated on that second half; here it is the grader's, and the
# last tenth of the first half validates.

import csv
import os
import urllib.request
import zipfile

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
URL = "https://storage.googleapis.com/download.tensorflow.org/data/certificate/household_power.zip"
ARCHIVE = "household_power.zip"
FILE_NAME = "household_power_consumption.csv"

# DO NOT CHANGE THESE: the grader cuts and windows its held-out data with them.
N_PAST = 24
N_FUTURE = 24
SHIFT = 1
BATCH_SIZE = 32


def download_data():
    """Returns the path of household_power_consumption.csv.

    With ZOO_DATA set, it is your local copy: the zip, the folder it
    extracts to, or the CSV itself. Otherwise the zip is downloaded and
    extracted beside this file, once.
    """
    local = os.environ.get("ZOO_DATA")
    if local:
        if zipfile.is_zipfile(local):
            with zipfile.ZipFile(local) as archive:
                archive.extractall(HERE)
            local = HERE
        path = os.path.join(local, FILE_NAME) if os.path.isdir(local) else local
        if not os.path.isfile(path):
            raise SystemExit(
                f"ZOO_DATA={local}: no {FILE_NAME} there. Point ZOO_DATA at "
                f"{ARCHIVE}, the folder it extracts to, or {FILE_NAME}."
            )
        return path
    path = os.path.join(HERE, FILE_NAME)
    if not os.path.isfile(path):
        archive = os.path.join(HERE, ARCHIVE)
        try:
            urllib.request.urlretrieve(URL, f"{archive}.part")
        except OSError as error:
            raise SystemExit(
                f"Could not download {URL} ({error}). Offline? Download {ARCHIVE} on a "
                f"machine with network access and run: ZOO_DATA=/path/to/{ARCHIVE} python "
                f"{os.path.basename(__file__)}"
            ) from None
        os.replace(f"{archive}.part", archive)
        with zipfile.ZipFile(archive) as opened:
            opened.extractall(HERE)
    return path


def read_series(path):
    """Reads the CSV as pd.read_csv(path, index_col="datetime").values did.

    Returns the 7 features of every row, in the file's order, as a
    (rows, 7) float array; the datetime column is left out.
    """
    with open(path, newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        header = next(reader)
        index = header.index("datetime")
        return np.array(
            [[float(value) for i, value in enumerate(row) if i != index] for row in reader if row]
        )


# DO NOT CHANGE: the grader normalises the series the same way.
def normalize_series(data, min, max):
    """Min-max scaling per feature: data minus min, divided by max."""
    data = data - min
    data = data / max
    return data


# DO NOT CHANGE: the grader cuts its held-out windows the same way.
def windowed_dataset(series, batch_size=BATCH_SIZE, n_past=N_PAST, n_future=N_FUTURE, shift=SHIFT):
    """Batches of (n_past steps, the n_future steps after them), every feature.

    Each run of n_past + n_future consecutive rows, moved on by `shift`,
    gives one example: inputs (n_past, features), targets (n_future,
    features).
    """
    dataset = tf.data.Dataset.from_tensor_slices(series)
    dataset = dataset.window(n_past + n_future, shift=shift, drop_remainder=True)
    dataset = dataset.flat_map(lambda window: window.batch(n_past + n_future))
    dataset = dataset.map(lambda window: (window[:n_past], window[n_past:]))
    return dataset.batch(batch_size).prefetch(1)


def solution_model():
    data = read_series(download_data())
    N_FEATURES = data.shape[1]
    data = normalize_series(data, data.min(axis=0), data.max(axis=0))
    # The first half trains and validates (its last tenth validates); the
    # second half, from SPLIT_TIME on, is the grader's.
    SPLIT_TIME = int(len(data) * 0.5)
    VALID_TIME = int(SPLIT_TIME * 0.9)
    train_set = windowed_dataset(data[:VALID_TIME])
    valid_set = windowed_dataset(data[VALID_TIME - N_PAST : SPLIT_TIME])

    model = tf.keras.Sequential(
        [
            tf.keras.Input(shape=(N_PAST, N_FEATURES)),
            # TODO: your layers here (e.g. Conv1D, LSTM or GRU with
            # return_sequences=True, Dense). Keep 24 time steps up to the last
            # layer, so that the output is (24, 7).
            tf.keras.layers.Dense(7),  # DO NOT CHANGE
        ]
    )
    # TODO: compile the model (e.g. an MAE or Huber loss), then fit it on
    # train_set, watching valid_set.
    return model
