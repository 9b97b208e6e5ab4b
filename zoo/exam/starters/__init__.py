"""The exam's starter files: one plain Python file per exam task, for a learner to complete.

Each `<task>.py` in this folder is a whole exam question as the exam handed
it out: the question, the data download and parsing, the fixed
preprocessing marked "DO NOT CHANGE" (the very constants the grader's
conventions use), `solution_model()` with the fixed input and output
layers and two TODOs, and the `if __name__ == "__main__":` block that
saves `mymodel.h5` with the record of what made it (the same for every
starter, kept once in `_ending.py` and added by `source`). They import
only the standard library, NumPy, TensorFlow and (for tfds datasets)
tensorflow-datasets: never this project. This package only lists and
reads them; it imports nothing heavy.

Every learner's folder follows one layout, which `zoo practice`, `zoo exam
start` and the grader's solution finder share: `<folder>/<task>/<task>.py`,
and the model it saves beside it, `<folder>/<task>/mymodel.h5`.

Example:
>>> names()[:3]
['linear', 'cifar10', 'fashion_mnist']
>>> starter_path("exam", "sarcasm").as_posix()
'exam/sarcasm/sarcasm.py'
>>> "def solution_model():" in source("sarcasm")
True
"""

from pathlib import Path

FOLDER = Path(__file__).resolve().parent
# What every starter ends with: the __main__ block that saves mymodel.h5 and its record.
ENDING = FOLDER / "_ending.py"
# What a starter's __main__ block saves, and what `zoo grade` saves after
# running a starter's solution_model() (the native format keeps everything).
MODEL_FILES = ("mymodel.h5", "mymodel.keras")
# The environment variable a starter reads its local copy of the data from.
DATA_VARIABLE = "ZOO_DATA"
# The exam's order: category 1 to 5, then by name within a category.
ORDER = (
    "linear",
    "cifar10",
    "fashion_mnist",
    "iris",
    "mnist",
    "beans",
    "cats_vs_dogs",
    "cats_vs_dogs_224",
    "german_traffic_signs",
    "horses_or_humans",
    "hurricane_damage",
    "rock_paper_scissors",
    "bbc_news",
    "imdb_reviews",
    "sarcasm",
    "daily_min_temperatures",
    "household_power",
    "sunspots",
    "us_diesel",
)


def names():
    """Returns the tasks that have an exam starter, by category then name.

    Returns:
        A list of task names.
    """
    present = {path.stem for path in FOLDER.glob("*.py") if not path.stem.startswith("_")}
    return [name for name in ORDER if name in present] + sorted(present - set(ORDER))


def has_starter(name):
    """Whether the task called `name` has an exam starter."""
    return (FOLDER / f"{name}.py").is_file() and not name.startswith("_")


def source(name):
    """Returns the text of a task's exam starter.

    Args:
        name: a task name with a starter (see `names`).

    Returns:
        The file's text: the question (`<name>.py` here), then the ending
        every starter shares (`_ending.py`: the `__main__` block that saves
        `mymodel.h5` and the record of what made it).

    Raises:
        KeyError: for a task without an exam starter.
    """
    if not has_starter(name):
        raise KeyError(f"{name!r} has no exam starter; the exam's tasks are {', '.join(names())}.")
    question = (FOLDER / f"{name}.py").read_text(encoding="utf-8")
    return f"{question}\n\n{ENDING.read_text(encoding='utf-8')}"


def task_folder(folder, name):
    """Returns `<folder>/<name>`: where a task's starter and its model live."""
    return Path(folder) / name


def starter_path(folder, name):
    """Returns `<folder>/<name>/<name>.py`: where a task's starter is written."""
    return task_folder(folder, name) / f"{name}.py"
