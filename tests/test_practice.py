"""`zoo practice`: starters in the exam's format that run once their TODOs are filled."""

import subprocess
import sys

import pytest

from zoo.tasks import all_tasks, get_task
from zoo.cli import main
from zoo.practice import starter_source


def has_starter(task):
    return task.evaluate is None and len(task.output_shape) == 1


@pytest.mark.parametrize("name", [t.name for t in all_tasks() if has_starter(t)])
def test_every_starter_is_valid_python_with_the_fixed_output_layer(name):
    task = get_task(name)
    source = starter_source(task, f"{name}.py")
    compile(source, f"{name}.py", "exec")
    assert "def solution_model():" in source and source.count("# TODO") == 2
    assert f'get_task("{name}").load()' in source
    assert f"keras.Input(shape={tuple(task.input_shape)!r}, dtype=\"{task.input_dtype}\")" \
        in source
    units = task.output_shape[0]
    layer = (f'keras.layers.Dense({units}, activation="{task.output_activation}")'
             if task.output_activation else f"keras.layers.Dense({units})")
    assert f"{layer},  # fixed by the task: do not change" in source
    assert 'model.save("mymodel.keras")' in source


def test_practice_refuses_to_overwrite(tmp_path, capsys):
    assert main(["practice", "linear", "--out", str(tmp_path)]) == 0
    assert main(["practice", "linear", "--out", str(tmp_path)]) == 1
    assert "exists; pass --force" in capsys.readouterr().err
    assert main(["practice", "linear", "--out", str(tmp_path), "--force"]) == 0
    assert main(["practice", "no_such_task"]) == 2


def test_filled_starter_trains_saves_and_grades(tmp_path, capsys):
    assert main(["practice", "linear", "--out", str(tmp_path)]) == 0
    path = tmp_path / "linear.py"
    source = path.read_text()
    filled = source.replace(
        "        # TODO: one Dense(1) may be all you need; train long enough.\n",
        "        keras.layers.Normalization(mean=2.5, variance=5.25),\n",
    ).replace(
        "    # TODO: compile the model, then fit it on (train_x, train_y) with\n"
        "    # validation_data=(valid_x, valid_y).\n",
        "    model.compile(keras.optimizers.SGD(0.3), 'mse')\n"
        "    model.fit(train_x, train_y, validation_data=(valid_x, valid_y), epochs=40,\n"
        "              verbose=0)\n")
    assert filled != source and "# TODO" not in filled
    path.write_text(filled)

    # As written: run as a script, it trains and saves mymodel.keras.
    subprocess.run([sys.executable, str(path)], cwd=tmp_path, check=True, timeout=300)
    assert (tmp_path / "mymodel.keras").is_file()
    assert main(["grade", "linear", str(tmp_path / "mymodel.keras")]) == 0
    assert "score: 5/5" in capsys.readouterr().out


def test_tasks_without_a_single_output_layer_have_no_starter():
    others = [t for t in all_tasks() if not has_starter(t)]
    assert {"mnist_autoencoder", "pets_unet"} <= {t.name for t in others}
    for task in others:
        with pytest.raises(ValueError, match="has no exam-format starter"):
            starter_source(task, "x.py")
