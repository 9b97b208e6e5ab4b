"""Solutions written as the certificate course taught, saved as the exam's `.h5`.

Each is trained briefly here, graded with no options, and its grade is
checked against the exam tester's number computed independently with NumPy
(and, for text, the original `keras-preprocessing` Tokenizer), within 1e-6,
and against the exam's formula for its score.
"""

import csv
import json
import math

import keras
import numpy as np
import pytest
from tasks_helpers import SHARED_DATA, write_cats_and_dogs

from zoo.grading.grade import grade
from zoo.tasks import get_task

try:
    from keras_preprocessing import text as original_text
except ImportError:  # reported by the test that needs it: a missing oracle fails
    original_text = None

needs_real_data = pytest.mark.skipif(
    not (SHARED_DATA / "sarcasm.json").exists() or not (SHARED_DATA / "Sunspots.csv").exists(),
    reason="../shared/data (sarcasm.json, Sunspots.csv) is absent (CI has it): the course's "
    "solutions are not checked on the course's data here",
)


def steps_score(value, threshold, step):
    """The zoo's rule for accuracy tasks, written out independently."""
    return 5 if value >= threshold else max(0, 5 - math.ceil((threshold - value) / step))


@pytest.mark.slow
@needs_real_data
def test_sarcasm_on_token_ids_saved_as_h5(tmp_path):
    if original_text is None:
        pytest.fail(
            "keras-preprocessing is not installed: it is this test's tokenizer "
            "oracle. Install the test extra: pip install -e '.[test]'."
        )
    records = json.loads((SHARED_DATA / "sarcasm.json").read_text(encoding="utf-8"))
    sentences = [r["headline"] for r in records]
    labels = np.array([r["is_sarcastic"] for r in records])
    # The exam starter's constants, and the course's Tokenizer fitted on the training part.
    tokenizer = original_text.Tokenizer(num_words=1000, oov_token="<OOV>")
    tokenizer.fit_on_texts(sentences[:20000])

    def padded(texts):
        return keras.utils.pad_sequences(
            tokenizer.texts_to_sequences(texts), maxlen=120, padding="post", truncating="post"
        )

    model = keras.Sequential(
        [
            keras.Input((120,)),
            keras.layers.Embedding(1000, 16),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(24, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(
        padded(sentences[:20000]), labels[:20000], epochs=2, batch_size=64, verbose=0
    )
    assert history.history["loss"][-1] < history.history["loss"][0]
    model.save(tmp_path / "mymodel.h5")
    model.save(tmp_path / "mymodel.keras")

    task = get_task("sarcasm")
    splits = task.load(SHARED_DATA / "sarcasm.json")
    result = grade(task, tmp_path / "mymodel.h5", splits)
    again = grade(task, tmp_path / "mymodel.keras", splits)

    probabilities = model.predict(padded(sentences[20000:]), verbose=0)[:, 0]
    accuracy = float(np.mean((probabilities > 0.5) == labels[20000:]))
    assert result.value == pytest.approx(accuracy, abs=1e-6)
    assert again.value == pytest.approx(accuracy, abs=1e-6)
    assert result.score == again.score == steps_score(accuracy, 0.83, 0.02)
    assert result.convention.convention.name == "exam"
    assert result.convention.reason == "the model takes float32 word ids of shape (120,)"
    assert result.held_out == 6709 and result.confidence.held_out == 6709


def sunspots_series():
    """The starter's reading and normalisation: float(row[2]); series -= min; /= max."""
    with open(SHARED_DATA / "Sunspots.csv", newline="") as file:
        reader = csv.reader(file)
        next(reader)
        raw = np.array([float(row[2]) for row in reader])
    return raw, (raw - raw.min()) / raw.max()


def forecast_mae(model, series, three_d):
    """The exam tester: forecast every window, keep [3000 - 30:-1, -1, 0], MAE."""
    windows = np.lib.stride_tricks.sliding_window_view(series, 30)[..., None]
    forecast = model.predict(windows, verbose=0)
    forecast = forecast[3000 - 30 : -1, -1, 0] if three_d else forecast[3000 - 30 : -1, 0]
    return float(np.mean(np.abs(series[3000:] - forecast)))


def train_forecaster(series, layers, three_d, epochs=2):
    """Fits on the starter's training windows: x_train = series[:3000], windows of 30."""
    pairs = np.lib.stride_tricks.sliding_window_view(series[:3000], 31)[..., None]
    targets = pairs[:, 1:] if three_d else pairs[:, -1]
    model = keras.Sequential([keras.Input((None, 1)), *layers])
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mae")
    history = model.fit(pairs[:, :-1], targets, epochs=epochs, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    return model


@pytest.mark.slow
@needs_real_data
@pytest.mark.parametrize("three_d", [True, False], ids=["sequence_to_sequence", "one_value"])
def test_sunspots_normalised_as_the_starter_did(tmp_path, three_d):
    _, series = sunspots_series()
    recurrent = keras.layers.LSTM(16, return_sequences=three_d)
    model = train_forecaster(
        series,
        [
            keras.layers.Conv1D(16, 5, padding="causal", activation="relu"),
            recurrent,
            keras.layers.Dense(1),
        ],
        three_d,
    )
    model.save(tmp_path / "mymodel.h5")

    task = get_task("sunspots")
    result = grade(task, tmp_path / "mymodel.h5", data=SHARED_DATA / "Sunspots.csv")
    mae = forecast_mae(model, series, three_d)
    assert result.value == pytest.approx(mae, abs=1e-6)
    assert result.score == min(5, math.ceil(17 - 100 * mae))
    assert result.metric == "normalised mae" and result.top_marks == "5/5 below 0.13"
    assert result.rule == "min(5, ceil(17 − 100 × MAE))"
    choice = result.convention
    assert choice.convention.name == "exam" and choice.clear
    assert choice.note == "min 0, max 398.2"
    assert choice.reason.startswith(
        "on 256 examples of the windows whose targets are values 2700 to 2999 (the exam "
        "starter's valid_data), which training never sees, its mae is "
    )
    assert result.held_out == 235 and result.predictions.shape == (235, 1)


@pytest.mark.slow
@needs_real_data
def test_sunspots_on_raw_values_use_the_raw_formula(tmp_path):
    raw, _ = sunspots_series()
    model = train_forecaster(
        raw,
        [
            keras.layers.Rescaling(1 / 400),
            keras.layers.LSTM(16, return_sequences=True),
            keras.layers.Dense(1),
            keras.layers.Rescaling(400),
        ],
        three_d=True,
    )
    model.save(tmp_path / "mymodel.h5")

    result = grade(get_task("sunspots"), tmp_path / "mymodel.h5", data=SHARED_DATA / "Sunspots.csv")
    mae = forecast_mae(model, raw, three_d=True)
    assert result.value == pytest.approx(mae, abs=1e-6)
    assert result.score == max(0, min(5, math.ceil(20 - mae)))
    assert result.convention.convention.name == "raw" and result.convention.clear
    assert result.top_marks == "5/5 below 16" and result.metric == "mae"


@pytest.mark.slow
def test_images_scaled_outside_the_model(tmp_path):
    root = write_cats_and_dogs(tmp_path, per_class=30)
    task = get_task("cats_vs_dogs")
    splits = task.load(root)
    model = keras.Sequential(
        [
            keras.Input((150, 150, 3)),
            keras.layers.Conv2D(4, 3, strides=4, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    # The starter's ImageDataGenerator(rescale=1./255), outside the model.
    history = model.fit(splits.train[0] / 255.0, splits.train[1], epochs=3, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    model.save(tmp_path / "mymodel.h5")

    result = grade(task, tmp_path / "mymodel.h5", splits)
    images, labels = splits.test
    probabilities = model.predict(images / 255.0, verbose=0)[:, 0]
    accuracy = float(np.mean((probabilities > 0.5) == labels))
    assert result.value == pytest.approx(accuracy, abs=1e-6)
    assert result.score == steps_score(accuracy, 0.72, 0.03)
    assert result.convention.convention.name == "exam" and result.convention.clear
    assert result.held_out == 60
