"""Every task end to end, offline: train one epoch, export, grade the export."""

import pytest
from tasks_helpers import data_for, mocked_tfds

from zoo import data as zoo_data
from zoo.grading.grade import grade, load_predictor
from zoo.report.card import read_card
from zoo.tasks import all_tasks, get_task
from zoo.training.reference import train_task

CARD_FIELDS = {
    "task",
    "metric",
    "value",
    "threshold",
    "score",
    "data",
    "device",
    "tensorflow",
    "keras",
    "time",
    "version",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", [task.name for task in all_tasks()])
def test_train_export_and_grade_the_export(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # runs/ (checkpoints, logs) lands here
    monkeypatch.setattr(zoo_data, "CACHE_DIR", tmp_path / "cache")  # e.g. digit judges
    task = get_task(name)
    data = data_for(name, tmp_path)
    with mocked_tfds():
        result = train_task(
            task,
            data=data,
            epochs=1,
            batch_size=256,
            models_dir=tmp_path / "saved_models",
            verbose=0,
        )
        regraded = grade(task, result.version_dir, data=data)

    assert result.version_dir == tmp_path / "saved_models" / name / "1"
    assert (result.version_dir / "saved_model.pb").is_file()
    card = read_card(result.version_dir)
    assert CARD_FIELDS <= set(card)
    assert card["task"] == name and card["metric"] == task.metric
    assert card["score"] == task.scoring.score(card["value"])
    assert 0 <= card["score"] <= 5
    assert card["artifact"] == f"SavedModel {result.version_dir}"
    # Grading the export again gives the same number: it is the export that is graded.
    assert regraded.value == pytest.approx(card["value"], rel=1e-5, abs=1e-7)
    assert card["pictures"] and all(
        (result.version_dir / p).read_bytes()[:4] == b"\x89PNG" for p in card["pictures"]
    )
    assert list((tmp_path / "runs" / name).glob("*/checkpoint.keras"))

    predictor = load_predictor(result.version_dir, task.signature)
    assert predictor.input_dtype == task.input_dtype
    assert predictor.input_shape == tuple(task.input_shape)
