"""`zoo grade TASK PATH`: score a learner's solution the way the exam did."""

from zoo.commands import add_grading_arguments, load_task, print_grade
from zoo.training.script import add_data_argument

EXAMPLES = """examples:
  zoo grade sarcasm sarcasm/sarcasm.py --data sarcasm.json   # runs it, keeps sarcasm/mymodel.keras
  zoo grade sunspots mymodel.h5 --data Sunspots.csv
  zoo grade sunspots mymodel.h5 --convention exam --json
  zoo grade fashion_mnist mymodel.keras
  zoo grade linear saved_models/linear/1
"""


def add_arguments(parser):
    """Adds the command's options."""
    parser.epilog = EXAMPLES
    parser.add_argument("task", help="task name (see `zoo tasks`)")
    parser.add_argument(
        "path", help="a .py with solution_model(), a .keras or .h5 file, or a SavedModel folder"
    )
    add_data_argument(parser)
    parser.add_argument(
        "--time-limit",
        type=float,
        default=30 * 60,
        metavar="SECONDS",
        help="time allowed to a .py's solution_model() (default 1800)",
    )
    add_grading_arguments(parser)


def run(args):
    """Grades and prints the result; returns the exit code.

    A `.py` is run first (see `zoo.grading.solution.run_solution_file`); where its
    trained model was saved is printed before the grade (on stderr with
    `--json`, which keeps stdout for the grade alone).
    """
    import sys
    from pathlib import Path

    from zoo.grading.grade import grade_path
    from zoo.grading.solution import run_solution_file

    task = load_task(args.task)
    if task is None:
        return 2

    def compute_grade():
        path = args.path
        if Path(path).suffix == ".py":
            path = run_solution_file(path, time_limit=args.time_limit, data=args.data)
            print(f"trained model saved to {path}", file=sys.stderr if args.json else sys.stdout)
        return grade_path(
            task, path, data=args.data, time_limit=args.time_limit, convention=args.convention
        )

    return print_grade(compute_grade, as_json=args.json)
