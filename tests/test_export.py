import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.export import (
    export_model,
    latest_version_dir,
    list_versions,
    read_card,
    write_version,
)


def _tiny_model():
    inputs = keras.Input((3,), name="features")
    return keras.Model(inputs, keras.layers.Dense(2, name="scores")(inputs))


def test_versions_count_up_and_never_overwrite(tmp_path):
    model = _tiny_model()
    first = export_model(model, tmp_path / "tiny", card={"task": "tiny"})
    second = export_model(model, tmp_path / "tiny")
    assert (first.name, second.name) == ("1", "2")
    assert list_versions(tmp_path / "tiny") == [1, 2]
    assert latest_version_dir(tmp_path / "tiny") == second
    card = read_card(first)
    assert card["task"] == "tiny" and card["version"] == 1 and card["name"] == "tiny"
    assert {"device", "tensorflow", "keras", "time"} <= set(card)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    served = tf.saved_model.load(str(first)).signatures["serving_default"]
    np.testing.assert_allclose(served(features=tf.constant(x))["output_0"].numpy(),
                               keras.ops.convert_to_numpy(model(x)), atol=1e-6)
    reloaded = keras.saving.load_model(first / "model.keras")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(reloaded(x)),
                                  keras.ops.convert_to_numpy(model(x)))


def test_non_integer_folders_are_not_versions(tmp_path):
    for name in ("3", "7-tmp", ".tmp-abc", "latest"):
        (tmp_path / name).mkdir()
    (tmp_path / "12").write_text("a file, not a version")
    assert list_versions(tmp_path) == [3]
    assert list_versions(tmp_path / "missing") == []


def test_failed_write_leaves_nothing_behind(tmp_path):
    base = tmp_path / "model"
    write_version(base, lambda d: (d / "saved_model.pb").write_text("x"))

    def broken(directory):
        (directory / "saved_model.pb").write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_version(base, broken)
    assert sorted(p.name for p in base.iterdir()) == ["1"]


def test_concurrent_writer_taking_the_number_is_skipped(tmp_path):
    base = tmp_path / "model"

    def write_while_another_writer_publishes(directory):
        (base / "1").mkdir()  # another exporter finished version 1 meanwhile
        (directory / "saved_model.pb").write_text("ours")

    version_dir = write_version(base, write_while_another_writer_publishes)
    assert version_dir.name == "2"
    assert (version_dir / "saved_model.pb").read_text() == "ours"
    assert json.loads((version_dir / "card.json").read_text())["version"] == 2


def test_latest_version_dir_explains_an_empty_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No exported version under .*: expected "
                                                r"integer folders such as 1/, 2/\. Export "
                                                r"a model there first\."):
        latest_version_dir(tmp_path)
