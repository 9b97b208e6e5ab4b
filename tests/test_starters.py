"""The exam's starter files: self-contained, in the exam's shape, and in step with the grader.

Every starter is filled with a tiny course-style model, trained for one
epoch on small local data (files written here, tfds' mock data), saved as
the exam saved it (`mymodel.h5`) and graded by the grader. Then each
starter's fixed preprocessing is run on the same data as the grader's
convention and the two are compared.
"""

import ast
import re
import urllib.error
import urllib.request

import keras
import numpy as np
import pytest
import tensorflow_datasets as tfds
from message_helpers import assert_says
from tasks_helpers import data_for, import_file, mocked_tfds, write_sarcasm
from tfds_downloads import WRITERS, served

from zoo.exam import starters
from zoo.grading.grade import grade
from zoo.grading.tokenizer import Tokenizer, pad_sequences
from zoo.task import Splits
from zoo.tasks import all_tasks, get_task

EXAM_TASKS = [
    t.name for t in all_tasks() if str(t.category) in "12345" and t.name != "synthetic_series"
]
ALLOWED_IMPORTS = {
    "csv",
    "hashlib",
    "json",
    "os",
    "pickle",
    "tarfile",
    "time",
    "urllib.request",
    "zipfile",
    "numpy",
    "tensorflow",
    "tensorflow_datasets",
}

CONV = (
    "tf.keras.layers.Conv2D(4, 3, activation='relu'), "
    "tf.keras.layers.MaxPooling2D(4), tf.keras.layers.Flatten(),"
)
EMBED = (
    "tf.keras.layers.Embedding(VOCAB_SIZE, EMBEDDING_DIM), "
    "tf.keras.layers.GlobalAveragePooling1D(),"
)
DENSE = "tf.keras.layers.Flatten(), tf.keras.layers.Dense(8, activation='relu'),"
# tanh, not relu: a small relu network with small biases scales its output with its
# inputs, so fed raw values it forecasts about what it forecasts fed the normalised
# series, and no probe can tell which way it was trained.
SERIES_DENSE = "tf.keras.layers.Flatten(), tf.keras.layers.Dense(8, activation='tanh'),"
SPARSE = (
    "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])"
)
BINARY = "model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])"
CATEGORICAL = (
    "model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])"
)
# A per-step Dense keeps the windows' time steps, so the last Dense(N_FEATURES)
# gives (N_FUTURE, N_FEATURES) when N_FUTURE = N_PAST, as in both starters.
PER_STEP = "tf.keras.layers.Dense(8, activation='relu'),"
FIT_SETS = (
    "model.compile(optimizer='adam', loss='mae'); "
    "model.fit(train_set, validation_data=valid_set, epochs=1, verbose=0)"
)
FIT_ARRAYS = "model.fit({x}, {y}, validation_data=({vx}, {vy}), epochs=1, verbose=0)"
FIT_DATA = "model.fit(train_data, validation_data=valid_data, epochs=1, verbose=0)"
TEXT_FIT = FIT_ARRAYS.format(x="train_x", y="train_y", vx="valid_x", vy="valid_y")
# What a learner writes in place of each starter's two TODOs: a course-style model.
FILLS = {
    "linear": (
        "",
        "model.compile(optimizer='sgd', loss='mean_squared_error'); "
        "model.fit(xs, ys, epochs=1, verbose=0)",
    ),
    "fashion_mnist": (
        DENSE,
        SPARSE
        + "; "
        + FIT_ARRAYS.format(
            x="train_images", y="train_labels", vx="valid_images", vy="valid_labels"
        ),
    ),
    "iris": ("tf.keras.layers.Dense(8, activation='relu'),", SPARSE + "; " + TEXT_FIT),
    "cats_vs_dogs": (CONV, BINARY + "; " + FIT_DATA),
    "horses_or_humans": (CONV, SPARSE + "; " + FIT_DATA),
    "rock_paper_scissors": (CONV, SPARSE + "; " + FIT_DATA),
    "bbc_news": (EMBED, SPARSE + "; " + TEXT_FIT),
    "imdb_reviews": (EMBED, BINARY + "; " + TEXT_FIT),
    "sarcasm": (EMBED, BINARY + "; " + TEXT_FIT),
    "daily_min_temperatures": (
        SERIES_DENSE,
        "model.compile(optimizer='adam', loss='huber'); " + FIT_DATA,
    ),
    "sunspots": (SERIES_DENSE, "model.compile(optimizer='adam', loss='huber'); " + FIT_DATA),
    "cifar10": (
        CONV,
        SPARSE
        + "; "
        + FIT_ARRAYS.format(
            x="train_images", y="train_labels", vx="valid_images", vy="valid_labels"
        ),
    ),
    "german_traffic_signs": (CONV, CATEGORICAL + "; " + FIT_DATA),
    "hurricane_damage": (CONV, BINARY + "; " + FIT_DATA),
    "beans": (CONV, SPARSE + "; " + FIT_DATA),
    "cats_vs_dogs_224": (CONV, BINARY + "; " + FIT_DATA),
    "household_power": (PER_STEP, FIT_SETS),
    "us_diesel": (PER_STEP, FIT_SETS),
}
FILLS["mnist"] = FILLS["fashion_mnist"]
TODO = re.compile(r"^( *)# TODO:.*\n(?:\1# .*\n)*", re.MULTILINE)


def fill(source, layers, training):
    """Replaces a starter's two TODO comments (with their continuation lines)."""
    blocks = list(TODO.finditer(source))
    assert len(blocks) == 2, f"expected 2 TODOs, found {len(blocks)}"
    (first, second) = blocks
    indent_1, indent_2 = first.group(1), second.group(1)
    return (
        source[: first.start()]
        + (f"{indent_1}{layers}\n" if layers else "")
        + source[first.end() : second.start()]
        + f"{indent_2}{training}\n"
        + source[second.end() :]
    )


def test_every_exam_task_has_a_starter():
    assert starters.names() == list(starters.ORDER)
    assert sorted(starters.names()) == sorted(EXAM_TASKS)
    assert len(EXAM_TASKS) == 19


@pytest.mark.parametrize("name", starters.ORDER)
def test_a_starter_is_self_contained_and_shaped_like_the_exams(name):
    text = starters.source(name)
    task = get_task(name)
    tree = ast.parse(text)
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= ALLOWED_IMPORTS  # never this project
    assert f"QUESTION {task.category.key} OF 5" in text
    assert "def solution_model():" in text and len(TODO.findall(text)) == 2
    units = task.output_shape[-1]  # a sequence's last axis: its features
    layer = (
        f'tf.keras.layers.Dense({units}, activation="{task.output_activation}")'
        if task.output_activation
        else f"tf.keras.layers.Dense({units})"
    )
    assert f"        {layer},  # DO NOT CHANGE" in text
    assert text.endswith(starters.ENDING.read_text())
    assert 'if __name__ == "__main__":' in starters.ENDING.read_text()
    assert "ZOO_DATA" in text or name == "linear"


# What holds each starter's validation split inside its solution_model().
VALIDATION = {
    "fashion_mnist": "(valid_images, valid_labels)",
    "mnist": "(valid_images, valid_labels)",
    "linear": "None",
}
VALIDATION.update(
    dict.fromkeys(("iris", "bbc_news", "imdb_reviews", "sarcasm"), "(valid_x, valid_y)")
)
VALIDATION.update(
    dict.fromkeys(
        (
            "cats_vs_dogs",
            "horses_or_humans",
            "rock_paper_scissors",
            "daily_min_temperatures",
            "sunspots",
            "german_traffic_signs",
            "hurricane_damage",
            "beans",
            "cats_vs_dogs_224",
        ),
        "valid_data",
    )
)
VALIDATION.update(
    cifar10="(valid_images, valid_labels)", household_power="valid_set", us_diesel="valid_set"
)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every starter, filled, trained for one epoch on small data, saved and graded.

    Returns:
        `{name: (grade, the starter's validation split, the task's splits)}`.
    """
    root = tmp_path_factory.mktemp("starters")
    results = {}
    with pytest.MonkeyPatch.context() as patch, mocked_tfds(num_examples=12):
        for name in starters.names():
            folder = root / name
            folder.mkdir()
            data = data_for(name, folder)
            if data is None:
                patch.delenv("ZOO_DATA", raising=False)
            else:
                patch.setenv("ZOO_DATA", str(data))
            path = starters.starter_path(root, name)
            layers, training = FILLS[name]
            keep = f"; globals()['VALIDATION'] = {VALIDATION[name]}"
            path.write_text(fill(starters.source(name), layers, training + keep))
            module = import_file(path, name)
            # Each starter trains from the same seed, whichever starters came before it.
            keras.utils.set_random_seed(0)
            model = module.solution_model()
            model.save(folder / "mymodel.h5")
            task = get_task(name)
            splits = task.load(data)
            results[name] = (
                grade(task, folder / "mymodel.h5", splits=splits),
                module.VALIDATION,
                splits,
            )
    return results


@pytest.mark.slow
@pytest.mark.parametrize("name", starters.ORDER)
def test_a_filled_starter_trains_and_is_graded_in_the_exams_convention(graded, name):
    result = graded[name][0]
    task = get_task(name)
    expected = "exam" if task.exam is not None else "raw"
    assert result.convention.convention.name == expected, result.convention.reason
    assert 0 <= result.score <= 5 and result.held_out > 0
    assert result.artifact.endswith("mymodel.h5")


def as_arrays(validation):
    """A starter's validation split, `(x, y)` arrays or batches of a dataset, as arrays."""
    if isinstance(validation, tuple):
        return tuple(np.asarray(part) for part in validation)
    batches = [(np.asarray(x), np.asarray(y)) for x, y in validation]
    return tuple(np.concatenate(part) for part in zip(*batches))


def assert_same_examples(starter, probe, atol):
    """Asserts that two splits hold the same examples, in whatever order, within `atol`."""
    starter = np.asarray(starter, "float64").reshape(len(starter), -1)
    probe = np.asarray(probe, "float64").reshape(len(probe), -1)
    assert starter.shape == probe.shape and len(probe) > 0
    if atol <= 1e-6:  # exact values, repeats possible: compare them sorted
        np.testing.assert_allclose(
            starter[np.lexsort(starter.T[::-1])],
            probe[np.lexsort(probe.T[::-1])],
            atol=atol,
            rtol=0,
        )
        return
    nearest = [int(np.abs(probe - row).max(axis=1).argmin()) for row in starter]
    assert sorted(nearest) == list(range(len(probe)))  # each probe example once
    np.testing.assert_allclose(starter, probe[nearest], atol=atol, rtol=0)


@pytest.mark.slow
@pytest.mark.parametrize("name", [name for name in starters.ORDER if name != "linear"])
def test_the_grader_probes_on_the_starters_own_validation_split(graded, name):
    # The convention probe must judge a learner's model on examples it never trained on.
    _, validation, splits = graded[name]
    task = get_task(name)
    probe = (task.exam or task.conventions()[0]).sample(splits, 10**9)
    # The grader reads pixels as uint8 where the starter keeps resized floats.
    atol = 0.5 / 255 + 1e-6 if task.input_dtype == "uint8" else 1e-6
    assert_same_examples(as_arrays(validation)[0], probe.inputs, atol)


@pytest.fixture(scope="module")
def modules():
    """Each starter as written, imported (nothing runs at import)."""
    return {name: import_file(starters.FOLDER / f"{name}.py", name) for name in starters.ORDER}


@pytest.mark.parametrize("name", ["sarcasm", "bbc_news", "imdb_reviews"])
def test_text_starters_make_the_graders_word_ids(modules, name, tmp_path):
    module, task = modules[name], get_task(name)
    starter = task.exam
    assert (
        module.VOCAB_SIZE,
        module.MAX_LENGTH,
        module.OOV_TOKEN,
        module.PADDING_TYPE,
        module.TRUNC_TYPE,
    ) == (
        starter.vocab_size,
        starter.max_length,
        starter.oov_token,
        starter.padding,
        starter.truncating,
    )
    if name == "imdb_reviews":
        with mocked_tfds(num_examples=12):
            splits = task.load()
            train_texts = module.load_split("train[:90%]")[0]
    else:
        splits = task.load(data_for(name, tmp_path))
        train_texts = None
    texts = list(np.concatenate([splits.train[0], splits.validation[0]]))
    held_out = list(splits.test[0])
    if name == "bbc_news":
        assert module.STOPWORDS == starter.stopwords
        texts, held_out = map(lambda t: [module.remove_stopwords(x) for x in t], (texts, held_out))
    if train_texts is not None:  # tfds' texts, read the starter's way
        assert train_texts == list(splits.train[0])
    word_index = module.fit_tokenizer(texts)
    assert word_index == starter.tokenizer(splits).word_index
    np.testing.assert_array_equal(
        module.texts_to_padded(held_out, word_index), starter.held_out(splits).inputs
    )


def test_the_starters_tokenizer_is_the_courses_for_every_padding(modules, tmp_path, monkeypatch):
    # The grader's tokenizer is checked against keras-preprocessing itself
    # (test_tokenizer_parity.py); the starter's must give the same ids.
    module = modules["sarcasm"]
    headlines = module.read_headlines(write_sarcasm(tmp_path / "sarcasm.json", 300))[0] + [
        "Don't panic: it's 3 a.m. -- U.S. news!",
        "tabs\tand\nnew lines",
        "",
    ]
    tokenizer = Tokenizer(num_words=20, oov_token=module.OOV_TOKEN)
    tokenizer.fit_on_texts(headlines)
    assert module.fit_tokenizer(headlines) == tokenizer.word_index
    monkeypatch.setattr(module, "VOCAB_SIZE", 20)
    monkeypatch.setattr(module, "MAX_LENGTH", 3)
    for padding in ("pre", "post"):
        for truncating in ("pre", "post"):
            monkeypatch.setattr(module, "PADDING_TYPE", padding)
            monkeypatch.setattr(module, "TRUNC_TYPE", truncating)
            expected = pad_sequences(
                tokenizer.texts_to_sequences(headlines),
                maxlen=3,
                padding=padding,
                truncating=truncating,
            )
            np.testing.assert_array_equal(
                module.texts_to_padded(headlines, tokenizer.word_index), expected
            )


def held_out_of(task, images):
    """The grader's exam-convention inputs for `images` as a task's held-out split."""
    splits = Splits(
        train=None, validation=None, test=(images, np.zeros(len(images))), source="test"
    )
    return task.exam.held_out(splits).inputs


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_digit_and_clothing_starters_scale_pixels_as_the_grader(modules, name):
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    np.testing.assert_allclose(
        modules[name].preprocess(images), held_out_of(get_task(name), images), rtol=1e-6, atol=0
    )


def test_horses_or_humans_starter_scales_pixels_as_the_grader(modules):
    images = np.random.default_rng(0).integers(0, 256, (2, 300, 300, 3), dtype=np.uint8)
    scaled = np.stack(
        [modules["horses_or_humans"].preprocess(image, 0)[0].numpy() for image in images]
    )
    np.testing.assert_allclose(
        scaled, held_out_of(get_task("horses_or_humans"), images), rtol=1e-6, atol=0
    )


# tfds' picture sizes: rock_paper_scissors' 300×300, beans' 500×500, and one
# of the many sizes of cats_vs_dogs' photos.
@pytest.mark.parametrize(
    "name, tfds_size",
    [("rock_paper_scissors", (300, 300)), ("beans", (500, 500)), ("cats_vs_dogs_224", (375, 500))],
)
def test_tfds_image_starters_resize_and_scale_as_the_grader(modules, name, tfds_size):
    from zoo.tasks._images import resized

    task = get_task(name)
    side = task.input_shape[0]
    images = np.random.default_rng(0).integers(0, 256, (2, *tfds_size, 3), dtype=np.uint8)
    scaled = np.stack([modules[name].preprocess(image, 0)[0].numpy() for image in images])
    # What the task's loader makes of tfds' pictures (`resized`, in its pipeline).
    loaded = np.stack([resized(side)(image, 0)[0].numpy() for image in images])
    # The grader keeps resized pixels as whole numbers (uint8): half a level apart at most.
    np.testing.assert_allclose(scaled, held_out_of(task, loaded), rtol=0, atol=0.5 / 255 + 1e-6)
    assert scaled.shape == (2, side, side, 3)


@pytest.mark.parametrize("name", ["cats_vs_dogs", "german_traffic_signs", "hurricane_damage"])
def test_image_folder_starters_read_and_scale_images_as_the_grader(modules, name, tmp_path):
    module, task = modules[name], get_task(name)
    root = data_for(name, tmp_path)
    batches = [module.preprocess(x, y) for x, y in module.load_images(root / "validation")]
    images = np.concatenate([x.numpy() for x, _ in batches])
    labels = np.concatenate([y.numpy() for _, y in batches])
    # One-hot labels (German traffic signs) name their class by their largest entry.
    labels = labels.argmax(axis=-1) if labels.shape[-1] > 1 else labels[:, 0]
    held_out = task.exam.held_out(task.load(root))
    # The starter's reader shuffles; compare image by image in a fixed order.
    order, expected_order = (
        np.argsort(images.sum((1, 2, 3))),
        np.argsort(held_out.inputs.sum((1, 2, 3))),
    )
    np.testing.assert_allclose(
        images[order], held_out.inputs[expected_order], rtol=0, atol=0.5 / 255 + 1e-6
    )
    np.testing.assert_array_equal(labels[order], held_out.targets[expected_order])


@pytest.mark.parametrize("name", ["sunspots", "daily_min_temperatures"])
def test_series_starters_normalise_and_window_as_the_grader(modules, name, tmp_path):
    module, task = modules[name], get_task(name)
    path = data_for(name, tmp_path)
    splits = task.load(path)
    assert (module.SPLIT_TIME, module.WINDOW_SIZE) == (splits.extras["split"], task.exam.window)
    series = module.normalize(module.read_series(path))
    held_out = task.exam.held_out(splits)
    np.testing.assert_array_equal(series[module.SPLIT_TIME :, None], held_out.targets)
    np.testing.assert_array_equal(
        held_out.inputs[:, :, 0],
        np.lib.stride_tricks.sliding_window_view(series, module.WINDOW_SIZE),
    )
    # The training windows: every WINDOW_SIZE values and the one after, in any order.
    start = series[: module.WINDOW_SIZE + 40]
    pairs = [np.c_[x.numpy()[..., 0], y.numpy()] for x, y in module.windowed_dataset(start)]
    rows = np.concatenate(pairs)
    expected = np.lib.stride_tricks.sliding_window_view(start, module.WINDOW_SIZE + 1)
    np.testing.assert_allclose(
        rows[np.lexsort(rows.T[::-1])], expected[np.lexsort(expected.T[::-1])], rtol=1e-6
    )
    assert rows.shape == (40, module.WINDOW_SIZE + 1)


@pytest.mark.parametrize("name", ["household_power", "us_diesel"])
def test_sequence_starters_normalise_and_window_as_the_grader(modules, name, tmp_path):
    module, task = modules[name], get_task(name)
    path = data_for(name, tmp_path)
    splits = task.load(path)
    assert (module.N_PAST, module.N_FUTURE) == (task.exam.window, task.exam.future)
    data = module.read_series(path / module.FILE_NAME if path.is_dir() else path)
    data = module.normalize_series(data, data.min(axis=0), data.max(axis=0))
    split = splits.extras["split"]
    assert split == int(len(data) * (0.5 if name == "household_power" else 0.8))
    held_out = task.exam.held_out(splits)
    if name == "household_power":  # every window of the normalised second half, whole
        pairs = [(x.numpy(), y.numpy()) for x, y in module.windowed_dataset(data[split:])]
        inputs, targets = (np.concatenate(part) for part in zip(*pairs))
        np.testing.assert_allclose(held_out.inputs, inputs, rtol=1e-6)
        np.testing.assert_allclose(held_out.targets, targets, rtol=1e-6)
    else:  # every window of the whole normalised series; the values after the split
        count = (len(data) - module.N_PAST + 1) // module.BATCH_SIZE * module.BATCH_SIZE
        np.testing.assert_allclose(
            held_out.inputs[..., 0],
            np.lib.stride_tricks.sliding_window_view(data[:, 0], module.N_PAST)[:count],
            rtol=1e-6,
        )
        np.testing.assert_array_equal(
            held_out.targets, data[split:][: count - 1 - (split - module.N_PAST)]
        )


def test_cifar10_starter_reads_its_local_copy_as_the_grader(modules, tmp_path, monkeypatch):
    module, task = modules["cifar10"], get_task("cifar10")
    folder = data_for("cifar10", tmp_path)
    splits = task.load(folder)
    monkeypatch.setattr(module, "HERE", str(tmp_path / "beside"))
    for local in (folder.parent / "cifar-10-python.tar.gz", folder, folder.parent):
        monkeypatch.setenv("ZOO_DATA", str(local))
        (x_train, y_train), (x_test, y_test) = module.load_data()
        assert y_train.shape == (100, 1) and y_test.shape == (20, 1)  # as Keras gives them
        np.testing.assert_array_equal(
            x_train, np.concatenate([splits.train[0], splits.validation[0]])
        )
        np.testing.assert_array_equal(y_test[:, 0], splits.test[1])
        np.testing.assert_allclose(
            module.preprocess(x_test), task.exam.held_out(splits).inputs, rtol=1e-6
        )
    monkeypatch.setenv("ZOO_DATA", str(tmp_path / "missing"))
    with pytest.raises(
        SystemExit,
        match=r"^ZOO_DATA=.*missing: no cifar-10-batches-py there\. "
        "Point ZOO_DATA at cifar-10-python.tar.gz or",
    ):
        module.load_data()


def test_offline_the_cifar10_starter_names_zoo_data(modules, tmp_path, monkeypatch):
    from keras.src.backend import config

    module = modules["cifar10"]
    monkeypatch.delenv("ZOO_DATA", raising=False)
    # Keras keeps its downloads under the folder it read at import: an empty one here.
    monkeypatch.setattr(config, "_KERAS_DIR", str(tmp_path))

    def offline(url, *args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(SystemExit) as error:
        module.load_data()
    assert str(error.value) == (
        f"Could not download {module.URL} (URL fetch failure on {module.URL}: None -- [Errno "
        "-3] Temporary failure in name resolution). Offline? Download cifar-10-python.tar.gz "
        "on a machine with network access and run: ZOO_DATA=/path/to/cifar-10-python.tar.gz "
        "python cifar10.py"
    )


def test_linear_starter_trains_on_the_graders_training_points(modules):
    xs, ys = get_task("linear").load().train
    np.testing.assert_array_equal(modules["linear"].XS, xs[:, 0])
    np.testing.assert_array_equal(modules["linear"].YS, ys[:, 0])


@pytest.mark.parametrize(
    "name",
    [
        "sarcasm",
        "sunspots",
        "bbc_news",
        "daily_min_temperatures",
        "cats_vs_dogs",
        "german_traffic_signs",
        "hurricane_damage",
        "household_power",
        "us_diesel",
    ],
)
def test_offline_a_file_starter_names_zoo_data(modules, name, monkeypatch, tmp_path):
    module = modules[name]
    monkeypatch.setattr(module, "HERE", str(tmp_path))
    monkeypatch.delenv("ZOO_DATA", raising=False)

    def offline(url, path):
        raise OSError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlretrieve", offline)
    with pytest.raises(SystemExit) as error:
        module.download_data()
    message = str(error.value)
    assert_says(message, f"Could not download {module.URL}", "[Errno -3]", f"python {name}.py")
    assert re.search(r"run: ZOO_DATA=/path/to/\S+ python", message)
    monkeypatch.setenv("ZOO_DATA", str(tmp_path / "missing"))
    with pytest.raises(
        SystemExit,
        match=r"^ZOO_DATA=.*missing: no .* there\. Point "
        "ZOO_DATA at",
    ):
        module.download_data()


TFDS_STARTERS = [
    "fashion_mnist",
    "mnist",
    "iris",
    "horses_or_humans",
    "rock_paper_scissors",
    "imdb_reviews",
    "beans",
    "cats_vs_dogs_224",
]


@pytest.mark.parametrize("name", TFDS_STARTERS)
def test_offline_a_tfds_starter_names_zoo_data(modules, name, monkeypatch, tmp_path):
    # An empty ZOO_DATA folder: tfds downloads into it, through the fake network.
    dataset = get_task(name).source.name
    monkeypatch.setenv("ZOO_DATA", str(tmp_path))
    with served({}) as requested, pytest.raises(SystemExit) as error:
        modules[name].load_split("train")
    assert requested, "tfds never tried to download"
    message = str(error.value)
    assert message.startswith(
        f"Could not download tensorflow-datasets '{dataset}' "
        "(ConnectionError: no network in the tests: "
    )
    assert message.endswith(
        f"Offline? Run `tfds build {dataset} --data_dir DIR` on a machine with network "
        f"access, copy DIR here, and run: ZOO_DATA=DIR python {name}.py"
    )


@pytest.mark.parametrize("name", TFDS_STARTERS)
def test_a_tfds_starter_missing_a_module_says_reinstall_not_offline(modules, name, monkeypatch):
    def missing(*args, **kwargs):
        raise ModuleNotFoundError(
            "No module named 'importlib_resources'", name="importlib_resources"
        )

    monkeypatch.setattr(tfds, "load", missing)
    with pytest.raises(SystemExit) as error:
        modules[name].load_split("train")
    message = str(error.value)
    for fact in (
        "module importlib_resources is missing",
        f"'{get_task(name).source.name}'",
        "python -m pip install keras-cert-zoo",
    ):
        assert fact in message
    assert "Offline" not in message and "download" not in message.lower()


@pytest.mark.parametrize("name", TFDS_STARTERS)
def test_a_tfds_starter_shows_other_failures_as_they_are(modules, name, monkeypatch, tmp_path):
    from tensorflow_datasets.core.download.download_manager import NonMatchingChecksumError

    # The downloads arrive, in their real format, but not with the checksums
    # tfds registered: that is no network problem, and the starter says nothing.
    monkeypatch.setenv("ZOO_DATA", str(tmp_path / "data"))
    downloads = WRITERS[get_task(name).source.name](tmp_path)
    with served(downloads.files), pytest.raises(NonMatchingChecksumError):
        modules[name].load_split("train")


# -- transfer learning, as the course's week 3 did it ---------------------------------

TRANSFER_LAYERS = (
    "pretrained_inception(), tf.keras.layers.Flatten(), "
    "tf.keras.layers.Dense(1024, activation='relu'), "
    "tf.keras.layers.Dropout(0.2),"
)
TRANSFER_TRAINING = (
    "model.compile(optimizer=tf.keras.optimizers.RMSprop(learning_rate=1e-4), "
    "loss='binary_crossentropy', metrics=['accuracy']); " + FIT_DATA
)


def write_inception_weights(path):
    """InceptionV3 without its top (random, seeded), saved as the course's legacy .h5 file."""
    import h5py
    import keras
    from keras.src.legacy.saving.legacy_h5_format import save_weights_to_hdf5_group

    keras.utils.set_random_seed(0)
    model = keras.applications.InceptionV3(
        input_shape=(150, 150, 3), include_top=False, weights=None
    )
    with h5py.File(path, "w") as file:
        save_weights_to_hdf5_group(file, model)
    return model


@pytest.mark.parametrize("name", ["cats_vs_dogs", "horses_or_humans", "rock_paper_scissors"])
def test_image_starters_offer_the_courses_transfer_learning(modules, name):
    module = modules[name]
    assert module.WEIGHTS_URL == (
        "https://storage.googleapis.com/mledu-datasets/"
        "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
    )
    assert "pretrained_inception()" in starters.source(name)


@pytest.mark.slow
def test_a_starter_on_the_courses_frozen_inception_trains_saves_h5_and_grades(
    tmp_path, monkeypatch, capsys
):
    import keras

    from zoo.cli import main

    reference = write_inception_weights(tmp_path / "inception_notop.h5")
    monkeypatch.setenv("ZOO_WEIGHTS", str(tmp_path / "inception_notop.h5"))
    root = data_for("cats_vs_dogs", tmp_path)
    monkeypatch.setenv("ZOO_DATA", str(root))
    path = starters.starter_path(tmp_path / "exam", "cats_vs_dogs")
    path.parent.mkdir(parents=True)
    path.write_text(fill(starters.source("cats_vs_dogs"), TRANSFER_LAYERS, TRANSFER_TRAINING))
    model = import_file(path, "cats_vs_dogs_transfer").solution_model()

    base = model.layers[0]
    assert base.layers[-1].name == "mixed7" and base.output.shape[1:] == (7, 7, 768)
    # Frozen: after training, the base still holds exactly the file's weights,
    # and only the course's Dense layers learnt.
    assert [w.shape for w in model.trainable_weights] == [
        (7 * 7 * 768, 1024),
        (1024,),
        (1024, 1),
        (1,),
    ]
    assert len(base.layers) < len(reference.layers)
    for ours, theirs in zip(base.layers, reference.layers):
        for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)

    model.save(path.parent / "mymodel.h5")
    assert (
        main(["grade", "cats_vs_dogs", str(path.parent / "mymodel.h5"), "--data", str(root)]) == 0
    )
    out = capsys.readouterr().out
    assert "cats_vs_dogs: accuracy = " in out and "convention: exam" in out


def test_offline_the_transfer_helper_names_the_weights_file(modules, monkeypatch, tmp_path):
    module = modules["cats_vs_dogs"]
    monkeypatch.setattr(module, "HERE", str(tmp_path))
    monkeypatch.delenv("ZOO_WEIGHTS", raising=False)

    def offline(url, path):
        raise OSError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlretrieve", offline)
    with pytest.raises(SystemExit) as error:
        module.inception_weights()
    file = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
    assert_says(
        str(error.value),
        f"Could not download https://storage.googleapis.com/mledu-datasets/{file}",
        "[Errno -3]",
        f"ZOO_WEIGHTS=/path/to/{file} python cats_vs_dogs.py",
    )
    monkeypatch.setenv("ZOO_WEIGHTS", str(tmp_path / "missing.h5"))
    with pytest.raises(SystemExit) as missing:
        module.inception_weights()
    assert_says(str(missing.value), "missing.h5: no such file", "ZOO_WEIGHTS", file)


@pytest.mark.parametrize(
    "name",
    ["sarcasm", "bbc_news", "daily_min_temperatures", "sunspots", "household_power", "us_diesel"],
)
def test_a_file_starter_says_which_file_it_returns(modules, name):
    module = modules[name]
    assert module.download_data.__doc__.startswith(f"Returns the path of {module.FILE_NAME}.")
