"""`zoo tasks`: the table of practice tasks."""

import textwrap

EXAMPLES = """examples:
  zoo tasks
  zoo tasks --category 5
  zoo tasks --wide          # the data's full address and each score rule
  zoo tasks --markdown      # the table in Markdown, as in the README
"""

# The width the table fits by default: a terminal's, or less.
WIDTH = 100


def add_arguments(parser):
    """Adds the command's options."""
    parser.epilog = EXAMPLES
    parser.add_argument("--category", help="only this category (1-5 or zoo)")
    parser.add_argument(
        "--wide",
        action="store_true",
        help="every column in full: the data's address, the contract's "
        "dtypes and each score rule (wider than 100 columns)",
    )
    parser.add_argument(
        "--markdown",
        action="store_true",
        help="the short table as Markdown (the README's task table)",
    )


def format_table(header, rows, width=None):
    """Formats rows as a plain-text table, cutting the widest column to fit `width`.

    Args:
        header: the column names.
        rows: tuples of strings.
        width: most characters per line, or None for no limit.

    Returns:
        The table as one string.

    Example:
    >>> print(format_table(("a", "b"), [("xx", "long text")], width=9))
    a   b
    --  ----
    xx  long…
    """
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    if width is not None:
        over = sum(widths) + 2 * (len(widths) - 1) - width
        widest = widths.index(max(widths))
        widths[widest] = max(len(header[widest]), widths[widest] - max(over, 0))

    def cell(text, size):
        return text if len(text) <= size else text[: size - 1] + "…"

    lines = [
        "  ".join(cell(text, size).ljust(size) for text, size in zip(row, widths)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * size for size in widths))
    return "\n".join(lines)


def table(tasks, wide=False):
    """The tasks as a plain-text table, then how tasks graded two ways are scored.

    Args:
        tasks: list of `zoo.task.Task`.
        wide: every column in full; otherwise short cells (the data's file
            or tfds name, where 5/5 begins) that fit 100 columns.

    Returns:
        The table as one string.
    """
    header, rows = (_wide if wide else _short)(tasks)
    notes = [
        textwrap.fill(note, WIDTH, subsequent_indent="  ") for note in map(_two_ways, tasks) if note
    ]
    return "\n".join([format_table(header, rows, None if wide else WIDTH), *notes])


def markdown_table(tasks):
    """The short table as Markdown, with the two-way notes as a list below it.

    Args:
        tasks: list of `zoo.task.Task`.

    Returns:
        The Markdown text.

    Example:
    >>> from zoo.tasks import get_task
    >>> print(markdown_table([get_task("linear")]))
    | task | cat | data | input → output | 5/5 at |
    |---|---|---|---|---|
    | linear | 1 | generated | 1 → 1 | mse ≤ 0.0001 |
    """
    header, rows = _short(tasks)
    lines = ["| " + " | ".join(row) + " |" for row in [header, *rows]]
    lines.insert(1, "|" + "---|" * len(header))
    notes = [f"- {note}" for note in map(_two_ways, tasks) if note]
    return "\n".join([*lines, *([""] + notes if notes else [])])


def _wide(tasks):
    header = ("task", "cat", "data", "contract", "metric", "top marks")
    return header, [
        (t.name, str(t.category), t.source.describe(), t.contract(), t.metric, t.scoring.describe())
        for t in tasks
    ]


def _short(tasks):
    header = ("task", "cat", "data", "input → output", "5/5 at")
    return header, [
        (t.name, str(t.category), _short_source(t.source), _short_contract(t), _top(t))
        for t in tasks
    ]


def _short_source(source):
    if source.kind == "tfds":
        return f"tfds:{source.name}"
    return source.name if source.kind == "url" else "generated"


def _short_contract(task):
    # The dtype only where there is no shape to say (a string, a label).
    shape_in = "×".join(str(d) for d in task.input_shape) or task.input_dtype
    return f"{shape_in} → {task.contract().split(' → ', 1)[1]}"


def _top(task):
    top = task.scoring.boundary(5)
    return f"{task.metric} {top.describe()}" if top else "always"


def _two_ways(task):
    # A task whose exam convention has a rule of its own is scored by one of two.
    exam = task.exam
    if exam is None or exam.scoring is None or exam.scoring == task.scoring:
        return ""
    return (
        f"{task.name} is scored one of two ways. A model fed the raw values: "
        f"{task.scoring.describe()}, {task.scoring.top_marks()} ({task.metric}). A "
        f"model fed {exam.describe()}: {exam.scoring.describe()}, "
        f"{exam.scoring.top_marks()} ({exam.metric})."
    )


def run(args):
    """Prints the table; returns the exit code."""
    from zoo.tasks import all_tasks

    tasks = [t for t in all_tasks() if args.category in (None, str(t.category))]
    print(markdown_table(tasks) if args.markdown else table(tasks, wide=args.wide))
    return 0
