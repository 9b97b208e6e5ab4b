"""The practice tasks: one module per task, found here by name.

Each public module in this package defines `TASK` (a `zoo.task.Task`) and
runs as a script that trains, exports and grades the reference solution
(`python tasks/sarcasm.py --data sarcasm.json`). Modules whose names start
with `_` hold helpers shared by several tasks. The folder installs as the
package `zoo.tasks`, so adding a task is adding one file here. Task
modules import Keras, TensorFlow and `zoo.models` inside the functions that
use them, so listing the tasks (`zoo tasks`) does not start TensorFlow.

Example:
>>> from zoo.tasks import get_task, all_tasks
>>> str(get_task("sunspots").category)
'5'
"""

import importlib
import pkgutil


def task_names():
    """Returns the names of all tasks, sorted by category then name."""
    return [task.name for task in all_tasks()]


def all_tasks():
    """Returns every task, exam categories 1–5 first, then the zoo's.

    Returns:
        A list of `zoo.task.Task`.
    """
    tasks = [
        importlib.import_module(f"{__name__}.{info.name}").TASK
        for info in pkgutil.iter_modules(__path__)
        if not info.name.startswith("_")
    ]
    # Digits sort before "zoo", so exam categories come first.
    return sorted(tasks, key=lambda t: (str(t.category), t.name))


def get_task(name):
    """Returns the task called `name`.

    Args:
        name: a task name, e.g. `"sarcasm"` (hyphens are accepted too).

    Returns:
        A `zoo.task.Task`.

    Raises:
        KeyError: for an unknown name, listing the known ones.
    """
    module_name = name.replace("-", "_")
    if module_name.startswith("_") or not any(
        info.name == module_name for info in pkgutil.iter_modules(__path__)
    ):
        raise KeyError(
            f"Unknown task {name!r}. Known tasks: {', '.join(task_names())}. "
            "Run `zoo tasks` for the table."
        )
    return importlib.import_module(f"{__name__}.{module_name}").TASK
