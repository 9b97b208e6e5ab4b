"""`zoo practice TASK`: write the task's starter file, `OUT/TASK/TASK.py`."""

from zoo.commands import load_task

EXAMPLES = """examples:
  zoo practice sarcasm
  zoo practice sunspots --out ~/exam
"""


def add_arguments(parser):
    """Adds the command's options."""
    parser.epilog = EXAMPLES
    parser.add_argument("task", help="task name (see `zoo tasks`)")
    parser.add_argument(
        "--out",
        default=".",
        metavar="DIR",
        help="folder for TASK/TASK.py (default: the current folder)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite an existing starter")


def run(args):
    """Writes the starter; returns the exit code."""
    import sys

    from zoo.exam import starters
    from zoo.exam.practice import write_starter

    task = load_task(args.task)
    if task is None:
        return 2
    try:
        path = write_starter(task, args.out, overwrite=args.force)
    except (FileExistsError, ValueError) as error:
        print(error, file=sys.stderr)
        return 1
    model = path.parent / starters.MODEL_FILES[0 if starters.has_starter(task.name) else 1]
    print(
        f"wrote {path}\nfill in its TODOs and run it (python {path}); it saves {model}."
        f"\nthen grade the model:   zoo grade {task.name} {model}"
        f"\nor let the grader run it: zoo grade {task.name} {path}"
    )
    return 0
