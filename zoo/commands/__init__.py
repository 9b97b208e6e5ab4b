"""The `zoo` subcommands for practice tasks: tasks, practice, grade, train, exam, score.

Each module provides `add_arguments(parser)` and `run(args) -> int`, and
imports TensorFlow (through the tasks) only inside `run`, so `zoo --help`
answers at once.
"""


def add_data_argument(parser):
    """Adds `--data PATH`, the local copy that replaces a download."""
    parser.add_argument(
        "--data", metavar="PATH",
        help="local copy of the data instead of downloading it: the downloaded "
             "file, the folder it extracts to, or a tfds data_dir")


def load_task(name):
    """Returns the task called `name`, or None after printing why not.

    Args:
        name: the task's name from the command line.

    Returns:
        A `zoo.task.Task` or None.
    """
    import sys

    from tasks import get_task

    try:
        return get_task(name)
    except KeyError as error:
        print(error.args[0], file=sys.stderr)
        return None
