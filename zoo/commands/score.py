"""`zoo score saved_models/TASK/VERSION`: grade an existing export."""

from zoo.commands import add_grading_arguments
from zoo.training.script import add_data_argument

EXAMPLES = """examples:
  zoo score saved_models/sunspots/3 --data Sunspots.csv
  zoo score saved_models/linear/1 --json
"""


def add_arguments(parser):
    """Adds the command's options."""
    parser.epilog = EXAMPLES
    parser.add_argument("version_dir", help="an exported version folder")
    parser.add_argument("--task", help="task name; read from the version's card.json when omitted")
    add_data_argument(parser)
    add_grading_arguments(parser)


def run(args):
    """Grades the export and prints the result; returns the exit code."""
    import sys

    from zoo.commands import load_task, print_grade
    from zoo.grading.grade import grade
    from zoo.report.card import read_card

    name = args.task
    if name is None:
        try:
            name = read_card(args.version_dir)["task"]
        except (FileNotFoundError, KeyError):
            print(
                f"{args.version_dir} has no card.json naming its task: pass --task.",
                file=sys.stderr,
            )
            return 2
    task = load_task(name)
    if task is None:
        return 2
    return print_grade(
        lambda: grade(task, args.version_dir, data=args.data, convention=args.convention),
        as_json=args.json,
    )
