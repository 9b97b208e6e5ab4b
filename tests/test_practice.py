"""`zoo practice`: the exam's own starter for an exam task, the zoo's template for the others,
written to `OUT/TASK/TASK.py`, where `zoo exam` and the solution finder look."""

import runpy

import pytest

from zoo.cli import main
from zoo.exam import starters
from zoo.exam.practice import starter_source
from zoo.tasks import all_tasks, get_task

ZOO_TASKS = [
    t.name
    for t in all_tasks()
    if not starters.has_starter(t.name) and t.evaluate is None and len(t.output_shape) == 1
]


@pytest.mark.parametrize("name", ["linear", "sarcasm", "sunspots"])
def test_an_exam_task_gets_the_exams_starter(name, tmp_path, capsys):
    assert main(["practice", name, "--out", str(tmp_path)]) == 0
    path = tmp_path / name / f"{name}.py"
    assert path.read_text() == starters.source(name)
    assert capsys.readouterr().out == (
        f"wrote {path}\nfill in its TODOs and run it (python {path}); it saves "
        f"{tmp_path / name / 'mymodel.h5'}.\nthen grade the model:   zoo grade {name} "
        f"{tmp_path / name / 'mymodel.h5'}\nor let the grader run it: zoo grade {name} {path}\n"
    )


@pytest.mark.parametrize("name", ZOO_TASKS)
def test_a_zoo_task_gets_a_template_with_the_fixed_output_layer(name):
    task = get_task(name)
    source = starter_source(task, f"{name}.py")
    compile(source, f"{name}.py", "exec")
    assert "def solution_model():" in source and source.count("# TODO") == 2
    assert f'get_task("{name}").load()' in source
    assert f'keras.Input(shape={tuple(task.input_shape)!r}, dtype="{task.input_dtype}")' in source
    units = task.output_shape[0]
    layer = (
        f'keras.layers.Dense({units}, activation="{task.output_activation}")'
        if task.output_activation
        else f"keras.layers.Dense({units})"
    )
    assert f"{layer},  # fixed by the task: do not change" in source
    assert source.endswith(
        "    model.save(os.path.join(os.path.dirname(os.path.abspath(__file__)), "
        '"mymodel.keras"))\n'
    )


def test_practice_refuses_to_overwrite(tmp_path, capsys):
    assert main(["practice", "linear", "--out", str(tmp_path)]) == 0
    assert main(["practice", "linear", "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"{tmp_path / 'linear' / 'linear.py'} exists; pass --force to overwrite it, or --out "
        "DIR to write elsewhere.\n"
    )
    assert main(["practice", "linear", "--out", str(tmp_path), "--force"]) == 0
    assert main(["practice", "no_such_task"]) == 2


def test_filled_zoo_template_runs_as_a_script_saving_beside_itself(tmp_path, capsys, monkeypatch):
    assert main(["practice", "synthetic_series", "--out", str(tmp_path)]) == 0
    path = tmp_path / "synthetic_series" / "synthetic_series.py"
    source = path.read_text()
    filled = source.replace(
        "        # TODO: e.g. Conv1D, LSTM and Dense layers.\n",
        "        keras.layers.Flatten(),\n",
    ).replace(
        "    # TODO: compile the model, then fit it on (train_x, train_y) with\n"
        "    # validation_data=(valid_x, valid_y).\n",
        "    model.compile('adam', 'mae')\n"
        "    model.fit(train_x, train_y, validation_data=(valid_x, valid_y), epochs=1,\n"
        "              verbose=0)\n",
    )
    assert filled != source and "# TODO" not in filled
    path.write_text(filled)
    # Run as a script from elsewhere (in this process, to spare starting TensorFlow
    # again): the model lands beside the file, not in the working folder.
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(path), run_name="__main__")
    model = tmp_path / "synthetic_series" / "mymodel.keras"
    assert model.is_file() and not (tmp_path / "mymodel.keras").exists()
    assert main(["grade", "synthetic_series", str(model)]) == 0
    assert "synthetic_series: mae = " in capsys.readouterr().out


def test_tasks_without_a_single_output_layer_have_no_starter():
    others = [t for t in all_tasks() if not (t.evaluate is None and len(t.output_shape) == 1)]
    assert {"mnist_autoencoder", "pets_unet"} <= {t.name for t in others}
    for task in others:
        with pytest.raises(ValueError, match="has no exam-format starter"):
            starter_source(task, "x.py")
