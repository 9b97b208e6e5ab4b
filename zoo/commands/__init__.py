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


def add_grading_arguments(parser):
    """Adds the options `zoo grade` and `zoo score` share: `--convention`, `--json`.

    Args:
        parser: an `argparse.ArgumentParser`.
    """
    parser.add_argument(
        "--convention",
        choices=("raw", "exam"),
        help="how the model takes the data: raw (the zoo's contract: strings, uint8 "
        "pixels, raw values) or exam (the exam starter's preprocessing: word ids, "
        "pixels scaled by 1/255, a normalised series). Decided from the model "
        "when omitted; the grade says which and why",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the grade as one JSON object (for scripts and CI)",
    )


def print_grade(compute_grade, as_json=False):
    """Runs a grading function and prints its result or why it failed.

    Args:
        compute_grade: function of no argument returning a `zoo.grading.grade.Grade`.
        as_json: print one JSON object on stdout (`{"graded": true, ...facts}`
            or `{"graded": false, "error": ...}`) instead of the summary.

    Returns:
        The exit code: 0 when graded, 1 when the model or data could not be.
    """
    import json
    import sys

    from zoo.data import DataUnavailableError
    from zoo.grading.grade import GradingError

    try:
        result = compute_grade()
    except (GradingError, DataUnavailableError, FileNotFoundError) as error:
        print(f"not graded: {error}", file=sys.stderr)
        if as_json:
            print(json.dumps({"graded": False, "error": str(error)}))
        return 1
    if as_json:
        print(json.dumps(_finite({"graded": True, **result.facts()}), allow_nan=False))
    else:
        print(result.summary())
    return 0


def _finite(value):
    import math

    # JSON has no NaN or infinity: a metric that is not a number becomes null.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value
