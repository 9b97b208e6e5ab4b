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
# grader loads that file and scores it 0-5 on weeks it has never seen:
#     zoo grade us_diesel mymodel.h5        (in a session: zoo exam submit DIR)
# Offline: set ZOO_DATA to a local copy of the data (see download_data).
# ==========================================================================
#
# QUESTION
#
# Build and train a model that forecasts the weekly US retail price of
# on-highway diesel (all types, 1994-2021, from the US Energy Information
# Administration), as the November 2022 sitting asked. The file has a
# "Week of" column and one price column. From the past N_PAST = 10 weeks,
# forecast the next N_FUTURE = 10 weeks.
#
# The model's input shape is (BATCH_SIZE, N_PAST = 10, N_FEATURES = 1) and
# its output shape must be (BATCH_SIZE, N_FUTURE = 10, N_FEATURES = 1): end
# with the Dense(1) given, after a layer that keeps 10 time steps (e.g. an
# LSTM with return_sequences=True; the exam's hint: bidirectional LSTMs may
# help).
#
# How you are graded, as the exam's tester did it (its code came with the
# question): forecast every window of N_PAST weeks of the whole normalised
# series, in batches of BATCH_SIZE with the last partial batch dropped;
# keep the first forecast step of the windows from SPLIT_TIME - N_PAST on,
# leaving out the last, and take their mean absolute error against as many
# weeks from SPLIT_TIME on:
#     forecast = model.predict(every window, batched, remainder dropped)
#     forecast = forecast[SPLIT_TIME - N_PAST:-1, 0, 0]
#     mae = mean(abs(data[SPLIT_TIME:][:len(forecast)] - forecast))
# 5/5 for an MAE of 0.02 or less (the exam's hint: "approximately 0.02 or
# less on the normalized validation dataset"); one mark less per 0.01 more.
# The exam validated on the weeks from SPLIT_TIME on; here they are the
# grader's, and the last tenth of the weeks before SPLIT_TIME validates.

import csv
import os
import urllib.request

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
# The exam shipped the file with the question; practice material downloads it here.
URL = "https://www.dropbox.com/s/eduk281didil1km/Weekly_U.S.Diesel_Retail_Prices.csv?dl=1"
FILE_NAME = "Weekly_U.S.Diesel_Retail_Prices.csv"

# DO NOT CHANGE THESE: the grader cuts and windows its held-out data with them.
N_PAST = 10
N_FUTURE = 10
SHIFT = 1
BATCH_SIZE = 32


def download_data():
    """Returns the path of Weekly_U.S.Diesel_Retail_Prices.csv.

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
    """Reads the CSV as pd.read_csv(path, index_col="Week of").values did.

    Returns the prices in the file's order as a (weeks, 1) float array.
    """
    with open(path, newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        header = next(reader)
        index = header.index("Week of")
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
    """Batches of (n_past weeks, the n_future weeks after them).

    Each run of n_past + n_future consecutive weeks, moved on by `shift`,
    gives one example: inputs (n_past, 1), targets (n_future, 1).
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
    # The weeks before SPLIT_TIME train and validate (their last tenth
    # validates); from SPLIT_TIME on they are the grader's.
    SPLIT_TIME = int(len(data) * 0.8)
    VALID_TIME = int(SPLIT_TIME * 0.9)
    train_set = windowed_dataset(data[:VALID_TIME])
    valid_set = windowed_dataset(data[VALID_TIME - N_PAST : SPLIT_TIME])

    # DO NOT CHANGE: as the exam's starter seeded training.
    tf.keras.backend.clear_session()
    tf.random.set_seed(42)

    model = tf.keras.Sequential(
        [
            tf.keras.Input(shape=(N_PAST, N_FEATURES)),
            # TODO: your layers here (e.g. Conv1D, bidirectional LSTMs with
            # return_sequences=True, Dense). Keep 10 time steps up to the last
            # layer, so that the output is (10, 1).
            tf.keras.layers.Dense(1),  # DO NOT CHANGE
        ]
    )
    # TODO: compile the model (e.g. an MAE loss), then fit it on train_set,
    # watching valid_set.
    return model
