"""Data loading: local copies, the exam's file formats, and the offline messages (exact)."""

import hashlib
import json
import urllib.error
import urllib.request

import keras
import numpy as np
import pytest
from tasks_helpers import SHARED_DATA, data_for

from zoo.cli import main
from zoo.data import DataUnavailableError, fetch_file, windows
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
        "access and pass --data PATH (the file, or the folder it extracts to).")


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
        "access and pass --data PATH (the file, or the folder it extracts to).\n")


def test_unreachable_server_is_reported_not_raised_raw(tmp_path, monkeypatch):
    from zoo import data
    from zoo.task import Source

    monkeypatch.delenv("ZOO_DATA", raising=False)
    monkeypatch.setattr(data, "CACHE_DIR", tmp_path)
    source = Source("url", "nothing.csv", url="http://127.0.0.1:9/nothing.csv")
    with pytest.raises(DataUnavailableError, match=r"^Could not download nothing.csv from "
                                                   r"http://127.0.0.1:9/nothing.csv \("):
        fetch_file(source)


def test_missing_local_copy_says_what_to_pass(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        get_task("sunspots").load(tmp_path / "missing.csv")
    assert str(error.value) == (f"--data {tmp_path / 'missing.csv'}: no such file or "
                                "folder. Pass the downloaded Sunspots.csv or the folder it "
                                "extracts to.")


def test_folder_holding_the_file_is_accepted(tmp_path):
    data_for("sunspots", tmp_path)
    splits = get_task("sunspots").load(tmp_path)
    assert splits.source == str(tmp_path / "Sunspots.csv")


@pytest.mark.skipif(not (SHARED_DATA / "Sunspots.csv").exists(),
                    reason="the real Sunspots.csv is not in ../shared/data")
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


@pytest.mark.skipif(not (SHARED_DATA / "sarcasm.json").exists(),
                    reason="the real sarcasm.json is not in ../shared/data")
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
    splits = get_task("daily_min_temperatures").load(data_for("daily_min_temperatures",
                                                              tmp_path))
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
    assert linear.test[0].min() < linear.train[0].min() < linear.train[0].max() < \
        linear.test[0].max()
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
    "the course's sarcasm.json, a JSON array of records with \"headline\" and "
    "\"is_sarcastic\" (or Kaggle's Sarcasm_Headlines_Dataset.json, one such record per line)")
SUNSPOTS_FORMAT = (
    "the course's Sunspots.csv, a header line, then rows of index,date,monthly mean total "
    "sunspot number (a number in the third column)")


@pytest.mark.parametrize("task, name, content, detail, expected", [
    ("sarcasm", "sarcasm.csv", "headline,is_sarcastic\nhi,1\n",
     "JSONDecodeError: Expecting value: line 1 column 1 (char 0)", SARCASM_FORMAT),
    ("sarcasm", "sarcasm.json", '[{"title": "hi", "label": 1}]',
     "KeyError: 'headline'", SARCASM_FORMAT),
    ("sunspots", "temperatures.csv", '"Date","Temp"\n"1981-01-01",20.7\n',
     "IndexError: list index out of range", SUNSPOTS_FORMAT),
    ("sunspots", "Sunspots.csv", ",Date,Monthly Mean Total Sunspot Number\n0,1749-01-31,x\n",
     "ValueError: could not convert string to float: 'x'", SUNSPOTS_FORMAT),
])
def test_wrong_data_files_get_the_expected_format_not_a_traceback(
        tmp_path, capsys, task, name, content, detail, expected):
    path = tmp_path / name
    path.write_text(content)
    assert main(["grade", task, str(any_model(tmp_path)), "--data", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.endswith(
        f"not graded: {path} is not in the format this task reads: {expected} ({detail}). "
        "Pass --data a file in that format.\n")
    assert "Traceback" not in err


def test_a_local_copy_that_differs_from_the_known_file_is_read_with_a_warning(
        tmp_path, capsys):
    path = data_for("sunspots", tmp_path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    splits = get_task("sunspots").load(path)
    assert len(splits.extras["series"]) == 3100
    assert capsys.readouterr().err == (
        f"warning: {path} is not the known Sunspots.csv: its SHA-256 is {digest}, the "
        "known file's is 0ef4cf0379879a9be0043885d8de1c1907ae852c903a0fcbbc58ba813efb3f10. "
        "It is read all the same; grades on it are not comparable with grades on the "
        "original.\n")


@pytest.mark.skipif(not (SHARED_DATA / "Sunspots.csv").exists(),
                    reason="the real Sunspots.csv is not in ../shared/data")
def test_the_known_file_reads_without_a_warning(capsys):
    get_task("sunspots").load(SHARED_DATA / "Sunspots.csv")
    assert capsys.readouterr().err == ""


def test_bbc_starter_removes_its_stop_words_and_numbers_labels_by_frequency():
    from zoo.tasks.bbc_news import label_ids

    starter = get_task("bbc_news").exam
    assert starter.clean(["The cat and THE dog, you've seen"]) == ["cat dog, seen"]
    assert label_ids(["tech", "sport", "business", "sport", "tech", "sport"]).tolist() == \
        [2, 1, 3, 1, 2, 1]
