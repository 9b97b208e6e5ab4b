"""Starter files for the practice tasks, written where the grader looks for them.

An exam task (categories 1–5 in `zoo tasks`) gets the exam's own starter
from `zoo.exam.starters`: self-contained, with the download and the fixed
preprocessing in the open, saving `mymodel.h5`. The zoo's own tasks get a
template that loads the data through `zoo.tasks` and saves `mymodel.keras`.
Either way the learner fills in the TODOs inside `solution_model()`, and
the file goes to `<out>/<task>/<task>.py`, the layout `zoo exam` grades.

Example:
>>> from zoo.tasks import get_task
>>> write_starter(get_task("sunspots"), "exam/")
PosixPath('exam/sunspots/sunspots.py')
"""

from zoo.exam import starters

TEMPLATE = '''"""Practice task: {name} (category {category}), one of the zoo's own tasks.

Goal: {summary}.
Data: {source}
Contract: {contract}. Preprocessing belongs inside the model: it receives
exactly this input when graded.
Scored on held-out data by {metric}: {rule}.

Fill in the TODOs, run this file to train and save mymodel.keras beside it,
then grade it (add --data PATH to use a local copy of the data):
    zoo grade {name} mymodel.keras
or let the grader run it: zoo grade {name} {filename}
"""

import os

import keras

from zoo.tasks import get_task


def solution_model():
    # Data loading, given. The held-out split that grades you is not here.
    data = get_task("{name}").load()
    train_x, train_y = data.train
    valid_x, valid_y = data.validation

    model = keras.Sequential([
        keras.Input(shape={input_shape!r}, dtype="{input_dtype}"),
        # TODO: {hint}.
        {output_layer},  # fixed by the task: do not change
    ])
    # TODO: compile the model, then fit it on (train_x, train_y) with
    # validation_data=(valid_x, valid_y).
    return model


# Keras 3's own format keeps everything (a TextVectorization's vocabulary,
# for one), so save .keras, beside this file.
if __name__ == "__main__":
    model = solution_model()
    model.save(os.path.join(os.path.dirname(os.path.abspath(__file__)), "mymodel.keras"))
'''


def output_layer(task):
    """Returns the fixed last layer of the task's contract, as code.

    Args:
        task: the `Task`.

    Returns:
        A string such as `keras.layers.Dense(1, activation="sigmoid")`.
    """
    units = task.output_shape[0]
    if task.output_activation:
        return f'keras.layers.Dense({units}, activation="{task.output_activation}")'
    return f"keras.layers.Dense({units})"


def starter_source(task, filename):
    """Returns the zoo template's Python source for a task.

    Args:
        task: the `Task`.
        filename: the name the file will have (for the grading line).

    Returns:
        The source as a string.

    Raises:
        ValueError: for tasks graded on something else than predictions of
            a classifier or regressor (e.g. generated samples).
    """
    if task.evaluate is not None or len(task.output_shape) != 1:
        raise ValueError(
            f"{task.name} is not graded on a single output layer, so it "
            f"has no exam-format starter; run `zoo train {task.name}` to "
            "see its reference solution."
        )
    return TEMPLATE.format(
        name=task.name,
        category=task.category,
        summary=task.summary,
        source=task.source.describe(),
        contract=task.contract(),
        metric=task.metric,
        rule=task.scoring.describe(),
        filename=filename,
        input_shape=tuple(task.input_shape),
        input_dtype=task.input_dtype,
        hint=task.starter_hint,
        output_layer=output_layer(task),
    )


def write_starter(task, out_dir=".", overwrite=False):
    """Writes `<out_dir>/<task>/<task>.py`, the task's starter.

    Args:
        task: the `Task`.
        out_dir: folder to write into; `<task>/` is created inside it.
        overwrite: whether to replace an existing file.

    Returns:
        The `Path` written.

    Raises:
        FileExistsError: when the file exists and `overwrite` is False.
        ValueError: for tasks without a starter.
    """
    path = starters.starter_path(out_dir, task.name)
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{path} exists; pass --force to overwrite it, or --out DIR to write elsewhere."
        )
    source = (
        starters.source(task.name)
        if starters.has_starter(task.name)
        else starter_source(task, path.name)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    return path
