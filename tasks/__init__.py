"""The practice tasks: one module per task, found here by name.

Each public module in this package defines `TASK` (a `zoo.task.Task`) and
the exam-format `solution_model()` returning its trained reference model.
Modules whose names start with `_` hold helpers shared by several tasks.

Example:
>>> from tasks import get_task, all_tasks
>>> get_task("sunspots").category
5
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
    tasks = [importlib.import_module(f"{__name__}.{info.name}").TASK
             for info in pkgutil.iter_modules(__path__)
             if not info.name.startswith("_")]
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
            info.name == module_name for info in pkgutil.iter_modules(__path__)):
        raise KeyError(f"Unknown task {name!r}. Known tasks: {', '.join(task_names())}. "
                       "Run `zoo tasks` for the table.")
    return importlib.import_module(f"{__name__}.{module_name}").TASK
