"""`zoo tasks`: the table of practice tasks."""

EXAMPLES = """examples:
  zoo tasks
  zoo tasks --category 5
"""


def add_arguments(parser):
    """Adds the command's options."""
    parser.epilog = EXAMPLES
    parser.add_argument("--category", help="only this category (1-5 or zoo)")


def table(tasks):
    """Formats tasks as a plain-text table.

    Args:
        tasks: list of `zoo.task.Task`.

    Returns:
        The table as one string.
    """
    header = ("task", "cat", "data", "contract", "metric", "top marks")
    rows = [(t.name, str(t.category), t.source.describe(), t.contract(), t.metric,
             t.scoring.describe()) for t in tasks]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
             for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run(args):
    """Prints the table; returns the exit code."""
    from zoo.tasks import all_tasks

    tasks = [t for t in all_tasks() if args.category in (None, str(t.category))]
    print(table(tasks))
    return 0
