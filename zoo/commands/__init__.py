"""The `zoo` subcommands for practice tasks: tasks, practice, grade, train, exam, score.

Each module provides `add_arguments(parser)` and `run(args) -> int`, and
imports TensorFlow (through the tasks) only inside `run`, so building the
parser costs only the import of `zoo` itself.
"""


def load_task(name):
    """Returns the task called `name`, or None after printing why not.

    Args:
        name: the task's name from the command line.

    Returns:
        A `zoo.task.Task` or None.
    """
    import sys

    from zoo.tasks import get_task

    try:
        return get_task(name)
    except KeyError as error:
        print(error.args[0], file=sys.stderr)
        return None


def print_grade(compute_grade):
    """Runs a grading function and prints its result or why it failed.

    Args:
        compute_grade: function of no argument returning a `zoo.grading.Grade`.

    Returns:
        The exit code: 0 when graded, 1 when the model or data could not be.
    """
    import sys

    from zoo.data import DataUnavailableError
    from zoo.grading import GradingError

    try:
        result = compute_grade()
    except (GradingError, DataUnavailableError, FileNotFoundError) as error:
        print(f"not graded: {error}", file=sys.stderr)
        return 1
    print(result.summary())
    return 0
