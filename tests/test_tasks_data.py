"""Data loading: local copies, the exam's file formats, and the offline messages (exact)."""

import email.message
import hashlib
import json
import re
import urllib.error
import urllib.request
import urllib.response
import zipfile

import keras
import numpy as np
import pytest
from tasks_helpers import (
    HOUSEHOLD_FEATURES,
    SHARED_DATA,
    class_colours,
    data_for,
    extracted_cifar10,
    write_cats_and_dogs,
    write_cifar10,
    zip_folder,
)

from zoo.cli import main
from zoo.data import DataFormatError, DataUnavailableError, fetch_file, windows
from zoo.tasks import get_task

SARCASM_URL = "https://storage.googleapis.com/tensorflow-1-public/course3/sarcasm.json"
SUNSPOTS_URL = "https://storage.googleapis.com/tensorflow-1-public/course4/Sunspots.csv"


def refuse_download(url, *args, **kwargs):
    # What urllib raises offline; keras.utils.get_file reads URLs with it.
    raise urllib.error.URLError("network is unreachable")


def test_offline_download_names_the_url_and_data_option(monkeypatch, tmp_path):
    from zoo import data

    monkeypatch.delenv("ZOO_DATA", raising=False)
    monkeypatch.setattr(data, "CACHE_DIR", tmp_path)
    monkeypatch.setattr(urllib.request, "urlopen", refuse_download)
    with pytest.raises(DataUnavailableError) as error:
        get_task("sarcasm").load()
    assert str(error.value) == (
        f"Could not download sarcasm.json from {SARCASM_URL} (URL fetch failure on "
        f"{SARCASM_URL}: None -- network is unreachable). Fetch it on a machine with network "
        "access and pass --data PATH (the file, or the folder it extracts to)."
    )


def test_zoo_train_offline_prints_the_message(monkeypatch, capsys, tmp_path):
    from zoo import data

    monkeypatch.delenv("ZOO_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(data, "CACHE_DIR", tmp_path)
    monkeypatch.setattr(urllib.request, "urlopen", refuse_download)
    assert main(["train", "sunspots"]) == 1
    assert capsys.readouterr().err == (
        f"Could not download Sunspots.csv from {SUNSPOTS_URL} (URL fetch failure on "
        f"{SUNSPOTS_URL}: None -- network is unreachable). Fetch it on a machine with network "
        "access and pass --data PATH (the file, or the folder it extracts to).\n"
    )


def test_unreachable_server_is_reported_not_raised_raw(tmp_path, monkeypatch):
    from zoo import data
    from zoo.task import Source

    monkeypatch.delenv("ZOO_DATA", raising=False)
    monkeypatch.setattr(data, "CACHE_DIR", tmp_path)
    source = Source("url", "nothing.csv", url="http://127.0.0.1:9/nothing.csv")
    with pytest.raises(
        DataUnavailableError,
        match=r"^Could not download nothing.csv from "
        r"http://127.0.0.1:9/nothing.csv \(",
    ):
        fetch_file(source)


def test_missing_local_copy_says_what_to_pass(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        get_task("sunspots").load(tmp_path / "missing.csv")
    assert str(error.value) == (
        f"--data {tmp_path / 'missing.csv'}: no such file or "
        "folder. Pass the downloaded Sunspots.csv or the folder it "
        "extracts to."
    )


def test_folder_holding_the_file_is_accepted(tmp_path):
    data_for("sunspots", tmp_path)
    splits = get_task("sunspots").load(tmp_path)
    assert splits.source == str(tmp_path / "Sunspots.csv")


@pytest.mark.skipif(
    not (SHARED_DATA / "Sunspots.csv").exists(),
    reason="the real Sunspots.csv is not in ../shared/data",
)
def test_real_sunspots_split_at_3000_with_windows_of_30():
    splits = get_task("sunspots").load(SHARED_DATA / "Sunspots.csv")
    series = splits.extras["series"]
    # The whole series stays float64, as the exam starter's float(row[2]) parsed it.
    assert series.dtype == np.float64 and len(series) == 3235 and series[0] == 96.7
    assert splits.test[0].shape == (235, 30, 1) and splits.test[1].shape == (235, 1)
    # The first held-out target is month 3000, predicted from months 2970..2999.
    assert splits.test[1][0, 0] == np.float32(series[3000])
    np.testing.assert_array_equal(splits.test[0][0, :, 0], series[2970:3000].astype("float32"))
    assert len(splits.train[0]) + len(splits.validation[0]) == 3000 - 30
    assert splits.validation[1][-1, 0] == np.float32(series[2999])


@pytest.mark.skipif(
    not (SHARED_DATA / "sarcasm.json").exists(),
    reason="the real sarcasm.json is not in ../shared/data",
)
def test_real_sarcasm_first_20000_train_the_rest_is_held_out():
    splits = get_task("sarcasm").load(SHARED_DATA / "sarcasm.json")
    assert len(splits.train[0]) == 18000 and len(splits.validation[0]) == 2000
    assert len(splits.test[0]) == 26709 - 20000
    assert splits.train[0][0].startswith("former versace store clerk")


def test_bbc_labels_run_1_to_5_and_unknown_topics_are_refused(tmp_path):
    path = data_for("bbc_news", tmp_path)
    splits = get_task("bbc_news").load(path)
    assert set(np.concatenate([splits.train[1], splits.test[1]])) == {1, 2, 3, 4, 5}
    assert len(splits.test[0]) == 12
    path.write_text("category,text\nweather,rain again\n")
    with pytest.raises(ValueError, match=r"unknown categories \['weather'\]"):
        get_task("bbc_news").load(path)


def test_temperatures_read_past_stray_question_marks(tmp_path):
    splits = get_task("daily_min_temperatures").load(data_for("daily_min_temperatures", tmp_path))
    assert splits.test[0].shape == (100, 64, 1)
    assert np.isfinite(splits.extras["series"]).all()


def test_cats_and_dogs_folder_gives_uint8_images_and_held_out_validation(tmp_path):
    root = data_for("cats_vs_dogs", tmp_path)
    splits = get_task("cats_vs_dogs").load(root)
    assert splits.test[0].shape == (12, 150, 150, 3) and splits.test[0].dtype == np.uint8
    assert sorted(splits.test[1].tolist()) == [0] * 6 + [1] * 6
    other = tmp_path / "other"
    (other / "train").mkdir(parents=True)
    (other / "notes.txt").write_text("no pictures here")
    with pytest.raises(FileNotFoundError, match="train lacks cats, dogs/: pass --data"):
        get_task("cats_vs_dogs").load(other)


def test_a_train_folder_too_small_to_split_names_its_count_and_the_least(tmp_path):
    # Keras's own split would hold out int(0.1 * 4) = 0 images and train on none.
    root = write_cats_and_dogs(tmp_path, per_class=2)
    with pytest.raises(ValueError) as error:
        get_task("cats_vs_dogs").load(root)
    assert "has 4 images" in str(error.value) and "at least 10" in str(error.value)
    assert "--data" in str(error.value)


def test_windows_pair_each_target_with_the_values_before_it():
    x, y = windows(np.arange(10.0), 3, 3, 10)
    assert x.shape == (7, 3, 1) and y[:, 0].tolist() == [3, 4, 5, 6, 7, 8, 9]
    assert x[0, :, 0].tolist() == [0, 1, 2] and x[-1, :, 0].tolist() == [6, 7, 8]


def test_course_series_is_the_courses():
    from zoo.tasks.synthetic_series import course_series

    time, series = course_series()
    assert len(series) == 1461 and time[-1] == 1460
    # Day 0: baseline 10 + amplitude 40 × cos(0) + the course's first noise draw.
    assert series[0] == pytest.approx(50 + 5 * np.random.RandomState(42).randn(), abs=1e-4)


def test_generated_tasks_hold_out_data_never_trained_on():
    linear = get_task("linear").load()
    assert not set(linear.test[0].ravel()) & set(linear.train[0].ravel())
    assert (
        linear.test[0].min() < linear.train[0].min() < linear.train[0].max() < linear.test[0].max()
    )
    shapes = get_task("shapes").load()
    train_images = {image.tobytes() for image in shapes.train[0]}
    assert not any(image.tobytes() in train_images for image in shapes.test[0])
    series = get_task("synthetic_series").load()
    assert len(series.test[1]) == 1461 - 1000
    assert series.validation[1][-1, 0] == series.extras["series"][999]


def any_model(tmp_path):
    path = tmp_path / "model.keras"
    keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]).save(path)
    return path


def test_kaggles_record_per_line_sarcasm_file_is_read(tmp_path):
    array = data_for("sarcasm", tmp_path)
    records = json.loads(array.read_text())
    lines = tmp_path / "Sarcasm_Headlines_Dataset.json"
    lines.write_text("".join(json.dumps(record) + "\n" for record in records))
    from_array, from_lines = get_task("sarcasm").load(array), get_task("sarcasm").load(lines)
    for part in ("train", "validation", "test"):
        np.testing.assert_array_equal(getattr(from_array, part)[0], getattr(from_lines, part)[0])
        np.testing.assert_array_equal(getattr(from_array, part)[1], getattr(from_lines, part)[1])
    assert len(from_lines.test[0]) == 200


SARCASM_FORMAT = (
    'the course\'s sarcasm.json, a JSON array of records with "headline" and '
    '"is_sarcastic" (or Kaggle\'s Sarcasm_Headlines_Dataset.json, one such record per line)'
)
SUNSPOTS_FORMAT = (
    "the course's Sunspots.csv, a header line, then rows of index,date,monthly mean total "
    "sunspot number (a number in the third column)"
)


@pytest.mark.parametrize(
    "task, name, content, detail, expected",
    [
        (
            "sarcasm",
            "sarcasm.csv",
            "headline,is_sarcastic\nhi,1\n",
            "JSONDecodeError: Expecting value: line 1 column 1 (char 0)",
            SARCASM_FORMAT,
        ),
        (
            "sarcasm",
            "sarcasm.json",
            '[{"title": "hi", "label": 1}]',
            "KeyError: 'headline'",
            SARCASM_FORMAT,
        ),
        (
            "sunspots",
            "temperatures.csv",
            '"Date","Temp"\n"1981-01-01",20.7\n',
            "IndexError: list index out of range",
            SUNSPOTS_FORMAT,
        ),
        (
            "sunspots",
            "Sunspots.csv",
            ",Date,Monthly Mean Total Sunspot Number\n0,1749-01-31,x\n",
            "ValueError: could not convert string to float: 'x'",
            SUNSPOTS_FORMAT,
        ),
    ],
)
def test_wrong_data_files_get_the_expected_format_not_a_traceback(
    tmp_path, capsys, task, name, content, detail, expected
):
    path = tmp_path / name
    path.write_text(content)
    assert main(["grade", task, str(any_model(tmp_path)), "--data", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.endswith(
        f"not graded: {path} is not in the format this task reads: {expected} ({detail}). "
        "Pass --data a file in that format.\n"
    )
    assert "Traceback" not in err


def test_a_local_copy_that_differs_from_the_known_file_is_read_with_a_warning(tmp_path, capsys):
    path = data_for("sunspots", tmp_path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    splits = get_task("sunspots").load(path)
    assert len(splits.extras["series"]) == 3100
    assert capsys.readouterr().err == (
        f"warning: {path} is not the known Sunspots.csv: its SHA-256 is {digest}, the "
        "known file's is 0ef4cf0379879a9be0043885d8de1c1907ae852c903a0fcbbc58ba813efb3f10. "
        "It is read all the same; grades on it are not comparable with grades on the "
        "original.\n"
    )


@pytest.mark.skipif(
    not (SHARED_DATA / "Sunspots.csv").exists(),
    reason="the real Sunspots.csv is not in ../shared/data",
)
def test_the_known_file_reads_without_a_warning(capsys):
    get_task("sunspots").load(SHARED_DATA / "Sunspots.csv")
    assert capsys.readouterr().err == ""


def test_bbc_starter_removes_its_stop_words_and_numbers_labels_by_frequency():
    from zoo.tasks.bbc_news import label_ids

    starter = get_task("bbc_news").exam
    assert starter.clean(["The cat and THE dog, you've seen"]) == ["cat dog, seen"]
    assert label_ids(["tech", "sport", "business", "sport", "tech", "sport"]).tolist() == [
        2,
        1,
        3,
        1,
        2,
        1,
    ]


# -- the exam's last versions: CIFAR-10's archive, image zips, the two CSVs -----------


def test_cifar10_reads_its_archive_and_the_folder_it_extracts_to_alike(tmp_path, monkeypatch):
    from zoo import data

    monkeypatch.setattr(data, "CACHE_DIR", tmp_path / "cache")
    folder = extracted_cifar10(tmp_path / "copy", per_batch=20)
    archive = tmp_path / "copy" / "cifar-10-python.tar.gz"
    task = get_task("cifar10")
    from_archive, from_folder = task.load(archive), task.load(folder)
    for part in ("train", "validation", "test"):
        for a, b in zip(getattr(from_archive, part), getattr(from_folder, part)):
            np.testing.assert_array_equal(a, b)
    # Five batches of 20: the last tenth of the 100 validates; test_batch is held out.
    assert [len(getattr(from_folder, part)[0]) for part in ("train", "validation", "test")] == [
        90,
        10,
        20,
    ]
    images, labels = from_folder.test
    assert images.shape[1:] == (32, 32, 3) and images.dtype == np.uint8
    assert labels.tolist() == [(i + 5) % 10 for i in range(20)]
    # Each picture has its class's colour: the red, green and blue planes are in place.
    np.testing.assert_allclose(images.mean(axis=(1, 2)), class_colours(10)[labels], atol=3)
    assert data.is_copy_of(task.source, archive) and data.is_copy_of(task.source, folder)


def test_a_cifar10_folder_without_its_batches_names_them(tmp_path):
    folder = extracted_cifar10(tmp_path, per_batch=10)
    (folder / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError) as error:
        get_task("cifar10").load(folder)
    assert str(error.value) == (
        f"{folder} lacks data_batch_3: pass --data "
        "cifar-10-python.tar.gz or the cifar-10-batches-py folder it "
        "extracts to."
    )


def serve_by_urllib(files):
    """`urllib.request.urlopen` that serves `{url: path}` and refuses every other address."""

    def urlopen(url, data=None, *args, **kwargs):
        url = getattr(url, "full_url", url)
        if url not in files:
            raise urllib.error.URLError("no network in the tests")
        headers = email.message.Message()
        headers["Content-Length"] = str(files[url].stat().st_size)
        return urllib.response.addinfourl(open(files[url], "rb"), headers, url, 200)

    return urlopen


@pytest.mark.slow
def test_keras_own_cifar10_loader_reads_the_written_archive_as_the_zoo_does(tmp_path, monkeypatch):
    from keras.src.datasets import cifar10 as keras_cifar10

    from zoo import data

    # Keras's loader hard-codes 50,000 training pictures: 10,000 a batch, as the real ones.
    archive = write_cifar10(tmp_path, per_batch=10000, noise=0)
    url = get_task("cifar10").source.url
    real_get_file = keras_cifar10.get_file
    # Only the network and the checksum change (the written archive's own is registered,
    # as the tfds tests register theirs): Keras downloads, checks, extracts and parses.
    monkeypatch.setattr(
        keras_cifar10,
        "get_file",
        lambda **kwargs: real_get_file(
            **{**kwargs, "file_hash": data.sha256(archive), "cache_dir": str(tmp_path / "keras")}
        ),
    )
    monkeypatch.setattr(urllib.request, "urlopen", serve_by_urllib({url: archive}))
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    monkeypatch.setattr(data, "CACHE_DIR", tmp_path / "cache")
    splits = get_task("cifar10").load(archive)
    np.testing.assert_array_equal(np.concatenate([splits.train[0], splits.validation[0]]), x_train)
    np.testing.assert_array_equal(
        np.concatenate([splits.train[1], splits.validation[1]]), y_train[:, 0]
    )
    np.testing.assert_array_equal(splits.test[0], x_test)
    np.testing.assert_array_equal(splits.test[1], y_test[:, 0])
    assert len(splits.validation[0]) == 5000


@pytest.mark.parametrize(
    "name, archive, classes, per_class",
    [
        ("german_traffic_signs", "germantrafficsigns.zip", 43, (3, 1)),
        ("hurricane_damage", "satellitehurricaneimages.zip", 2, (10, 3)),
    ],
)
def test_an_exam_zip_of_image_folders_reads_as_the_folder_it_extracts_to(
    name, archive, classes, per_class, tmp_path, monkeypatch
):
    from zoo import data

    monkeypatch.setattr(data, "CACHE_DIR", tmp_path / "cache")
    folder = data_for(name, tmp_path)
    # The exam's zips hold train/ and validation/ at their top.
    path = zip_folder(folder, tmp_path / archive)
    assert {member.split("/")[0] for member in zipfile.ZipFile(path).namelist()} == {
        "train",
        "validation",
    }
    task = get_task(name)
    from_zip, from_folder = task.load(path), task.load(folder)
    for part in ("train", "validation", "test"):
        for a, b in zip(getattr(from_zip, part), getattr(from_folder, part)):
            np.testing.assert_array_equal(a, b)
    size = task.input_shape[0]
    assert from_zip.test[0].shape == (classes * per_class[1], size, size, 3)
    assert sorted(from_zip.test[1].tolist()) == sorted(list(range(classes)) * per_class[1])
    assert len(from_zip.train[0]) + len(from_zip.validation[0]) == classes * per_class[0]
    # Labels follow the sorted folder names: each picture has its folder's colour.
    np.testing.assert_allclose(
        from_zip.test[0].mean(axis=(1, 2)), class_colours(classes)[from_zip.test[1]], atol=3
    )
    assert data.is_copy_of(task.source, path)


def test_a_traffic_signs_copy_without_its_class_folders_names_them(tmp_path):
    folder = tmp_path / "germantrafficsigns"
    for part in ("train", "validation"):
        (folder / part / "7").mkdir(parents=True)
    with pytest.raises(FileNotFoundError) as error:
        get_task("german_traffic_signs").load(folder)
    assert str(error.value) == (
        f"{folder / 'train'} lacks 0, 1, 10, 11, 12 and 37 more/: pass --data "
        "germantrafficsigns.zip or the folder it extracts to (with train/ and validation/, "
        "each holding the class folders 0 to 42)."
    )


def test_household_power_splits_at_half_its_minutes_into_24_step_windows(tmp_path, monkeypatch):
    from zoo import data

    monkeypatch.setattr(data, "CACHE_DIR", tmp_path / "cache")
    folder = data_for("household_power", tmp_path)
    splits = get_task("household_power").load(folder)
    series = splits.extras["series"]
    assert series.shape == (600, 7) and splits.extras["features"] == list(HOUSEHOLD_FEATURES)
    assert splits.extras["split"] == 300
    assert [getattr(splits, part)[0].shape for part in ("train", "validation", "test")] == [
        (223, 24, 7),
        (7, 24, 7),
        (253, 24, 7),
    ]
    # Training ends before the last tenth of the first half, validation at the
    # split; the held-out windows start at it.
    np.testing.assert_array_equal(splits.train[1][-1, -1], series[269].astype("float32"))
    np.testing.assert_array_equal(splits.validation[1][-1, -1], series[299].astype("float32"))
    np.testing.assert_array_equal(splits.test[0][0, 0], series[300].astype("float32"))
    # The zip holds the one CSV: read from it, the same.
    path = zip_folder(folder, tmp_path / "household_power.zip")
    np.testing.assert_array_equal(get_task("household_power").load(path).extras["series"], series)


def test_us_diesel_splits_at_80_percent_of_its_weeks(tmp_path):
    path = data_for("us_diesel", tmp_path)
    header, first = path.read_text().splitlines()[:2]
    assert header == "Week of,Weekly U.S. No 2 Diesel Retail Prices Dollars per Gallon"
    assert re.fullmatch(r"1994-03-21,\d\.\d{3}", first)
    splits = get_task("us_diesel").load(path)
    series = splits.extras["series"]
    assert series.shape == (300, 1) and splits.extras["split"] == 240
    assert splits.extras["time"][:2] == ["1994-03-21", "1994-03-28"]
    assert [getattr(splits, part)[0].shape for part in ("train", "validation", "test")] == [
        (197, 10, 1),
        (15, 10, 1),
        (60, 10, 1),
    ]
    # The held-out pairs: the 10 weeks before each week from the split on, and that week.
    np.testing.assert_array_equal(splits.test[1][:, 0], series[240:, 0].astype("float32"))
    np.testing.assert_array_equal(splits.validation[1][-1, -1], series[239].astype("float32"))


HOUSEHOLD_FORMAT = (
    "the exam's household_power_consumption.csv: a header line with a datetime "
    "column and 7 feature columns, then one row of numbers a minute"
)
DIESEL_FORMAT = (
    'Weekly_U.S.Diesel_Retail_Prices.csv: a header line "Week of" and one price '
    "column, then one row a week (a date, a price in dollars per gallon)"
)


@pytest.mark.parametrize(
    "task, content, detail, expected",
    [
        (
            "household_power",
            "datetime,a,b,c,d,e,f\n2006-12-16 17:24:00,1,2,3,4,5,6\n",
            "ValueError: 6 feature columns (a, b, c, d, e, f), not 7",
            HOUSEHOLD_FORMAT,
        ),
        (
            "us_diesel",
            "Date,Price\n1994-03-21,1.106\n",
            "ValueError: 'Week of' is not in list",
            DIESEL_FORMAT,
        ),
        (
            "us_diesel",
            "Week of,Price\n1994-03-21,n/a\n",
            "ValueError: could not convert string to float: 'n/a'",
            DIESEL_FORMAT,
        ),
    ],
)
def test_a_series_csv_in_another_format_names_the_format(task, content, detail, expected, tmp_path):
    name = (
        "household_power_consumption.csv"
        if task == "household_power"
        else "Weekly_U.S.Diesel_Retail_Prices.csv"
    )
    (tmp_path / name).write_text(content)
    with pytest.raises(DataFormatError) as error:
        get_task(task).load(tmp_path if task == "household_power" else tmp_path / name)
    assert str(error.value) == (
        f"{tmp_path / name} is not in the format this task reads: "
        f"{expected} ({detail}). Pass --data a file in that format."
    )
