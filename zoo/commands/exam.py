"""`zoo exam`: a timed mock exam in a folder, or a mock exam of the reference solutions."""

from pathlib import Path

EXAMPLES = """examples:
  zoo exam start ~/exam               # the exam's five starters, the clock starts
  zoo exam start ~/exam --random --seed 7   # one task per category, drawn
  zoo exam start ~/exam --pool 2022         # the last versions' pool (2022-2024)
  zoo exam start ~/exam --pool 2022 --random   # drawn from that pool
  zoo exam start ~/exam --sitting 2022-11   # the November 2022 sitting's questions
  zoo exam submit ~/exam              # grade what ~/exam holds: time, scoreboard, report
  zoo exam --quick                    # offline, generated data, about a minute
  zoo exam submit ~/exam --data ~/data/sarcasm.json   # the file names its task
  zoo exam submit ~/exam --data-dir ~/data            # finds each task's file by its name
  zoo exam --data sarcasm=sarcasm.json --data sunspots=Sunspots.csv
  zoo exam --solutions ~/exam         # grade a folder without a session
"""


def add_arguments(parser):
    """Adds the command's options."""
    from zoo.exam.session import (
        DEFAULT_POOL,
        EXAM_HOURS,
        FULL_EXAM,
        POOL_EXAMS,
        POOL_YEARS,
        QUICK_EXAM,
        SITTINGS,
    )

    parser.epilog = EXAMPLES
    parser.add_argument(
        "action",
        nargs="?",
        choices=("start", "submit"),
        help=f"start: write the five category starters into DIR and start "
        f"the {EXAM_HOURS}-hour clock; submit: grade what DIR holds. "
        "Without it, sit the mock exam of the reference solutions",
    )
    parser.add_argument(
        "folder", nargs="?", metavar="DIR", help="the session's folder (for start and submit)"
    )
    parser.add_argument(
        "--random",
        action="store_true",
        help="start: draw one task per category from the pool instead of "
        f"its set ({', '.join(FULL_EXAM)} for {DEFAULT_POOL})",
    )
    parser.add_argument(
        "--pool",
        choices=tuple(POOL_YEARS),
        help="start: the exam's questions as they were from "
        + "; ".join(f"{key}: {years}" for key, years in POOL_YEARS.items())
        + f" (default {DEFAULT_POOL}). Without --random, the pool's set: "
        f"2022 gives the November 2022 sitting "
        f"({', '.join(POOL_EXAMS['2022'])})",
    )
    parser.add_argument(
        "--sitting",
        choices=tuple(SITTINGS),
        help="start: the five questions of a sitting that public material "
        "shows: " + "; ".join(f"{key}: {', '.join(names)}" for key, names in SITTINGS.items()),
    )
    parser.add_argument(
        "--seed", type=int, help="start --random: the draw's seed (the same seed, the same tasks)"
    )
    parser.add_argument(
        "--force", action="store_true", help="start: overwrite a session already in DIR"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"the offline mock exam on generated data: {', '.join(QUICK_EXAM)}",
    )
    parser.add_argument(
        "--tasks",
        metavar="A,B,...",
        help=f"tasks to sit or start (default: {', '.join(FULL_EXAM)})",
    )
    parser.add_argument(
        "--solutions",
        metavar="DIR",
        help="grade the learner's files in DIR (see `zoo exam submit`) "
        "instead of training the reference solutions",
    )
    parser.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="[TASK=]PATH",
        help="local copy of a task's data; TASK= may be left out when the "
        "file's own name says the task (sarcasm.json, Sunspots.csv, "
        "cats_and_dogs_filtered.zip or its folder, a tfds data_dir); "
        "repeat for several tasks. A session remembers it",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="a folder holding the exam's files under their own names "
        "(and tfds datasets): each task's copy is found there",
    )
    parser.add_argument("--epochs", type=int, help="most epochs for every reference training")
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="folder of the HTML report (default reports/exam; for submit, DIR/report)",
    )
    parser.add_argument(
        "--models-dir",
        default="saved_models",
        metavar="DIR",
        help="root of the reference exports (default saved_models)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=30 * 60,
        metavar="SECONDS",
        help="time allowed to each learner .py (default 1800)",
    )


def run(args):
    """Runs the chosen part of the exam; 0 when it passes or starts, else 1 (2: bad usage)."""
    import sys

    if args.action and not args.folder:
        print(f"zoo exam {args.action} needs a folder: zoo exam {args.action} DIR", file=sys.stderr)
        return 2
    try:
        if args.action == "start":
            return _start(args)
        result = _submit(args) if args.action == "submit" else _sit(args)
    except DataOptionError as error:
        print(error, file=sys.stderr)
        return 2
    except KeyError as error:
        print(error.args[0], file=sys.stderr)
        return 2
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 2
    print(result.scoreboard())
    return 0 if result.passed else 1


def _start(args):
    import random
    import sys

    from zoo.exam import starters
    from zoo.exam.session import (
        DEFAULT_POOL,
        POOL_EXAMS,
        POOL_YEARS,
        draw_tasks,
        sitting_tasks,
        start_session,
    )

    chosen = [
        option
        for option, given in (
            ("--tasks", args.tasks),
            ("--sitting", args.sitting),
            ("--random", args.random),
        )
        if given
    ]
    if len(chosen) > 1 or (args.pool and {"--tasks", "--sitting"} & set(chosen)):
        print(
            f"zoo exam start: {' and '.join(chosen + (['--pool'] if args.pool else []))} "
            "each choose the questions: give one (--pool goes with --random, or alone for "
            "the pool's set).",
            file=sys.stderr,
        )
        return 2
    pool = args.pool or DEFAULT_POOL
    seed = None
    if args.random:
        seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
        names = draw_tasks(seed, pool)
    elif args.sitting:
        names = sitting_tasks(args.sitting)
    else:
        names = args.tasks.split(",") if args.tasks else list(POOL_EXAMS[pool])
    try:
        session = start_session(args.folder, names, seed=seed, overwrite=args.force)
    except FileExistsError as error:
        print(error, file=sys.stderr)
        return 1
    print(
        f"exam started: {len(names)} questions in {args.folder}, "
        f"{session.hours:g} hours from now (until {session.deadline():%H:%M %Z}, "
        f"{session.deadline():%Y-%m-%d})"
    )
    if seed is not None and pool == DEFAULT_POOL:
        print(f"tasks drawn with seed {seed} (--random --seed {seed} draws them again)")
    elif seed is not None:
        print(
            f"tasks drawn from the {POOL_YEARS[pool]} pool with seed {seed} (--random "
            f"--pool {pool} --seed {seed} draws them again)"
        )
    elif args.sitting:
        print(f"the questions of the {args.sitting} sitting")
    for name in names:
        print(f"  {starters.starter_path(args.folder, name)}")
    print(
        "fill in each file's TODOs and run it (python FILE) to save mymodel.h5 beside it;\n"
        f"then, as often as you like: zoo exam submit {args.folder}"
    )
    return 0


class DataOptionError(ValueError):
    """A `--data` or `--data-dir` that says no task's data; the message says what to pass."""


def data_options(items, directory, names):
    """The local data of each task from `--data [TASK=]PATH` and `--data-dir DIR`.

    Args:
        items: the `--data` values.
        directory: the `--data-dir` value, or None.
        names: the exam's task names.

    Returns:
        A dict `{task: path}`; `--data` wins over `--data-dir`.

    Raises:
        DataOptionError: for a path whose name matches none of the tasks, or
            a `--data-dir` that is not a folder.
        KeyError: for an unknown task name before `=`.

    Example:
    >>> data_options(["sunspots=my_series.csv"], None, ["linear", "sunspots"])
    {'sunspots': 'my_series.csv'}
    """
    from zoo.data import copy_names, find_copy, is_copy_of
    from zoo.tasks import get_task

    tasks = [get_task(name) for name in names]
    data = {}
    if directory is not None:
        if not Path(directory).is_dir():
            raise DataOptionError(f"--data-dir {directory}: no such folder.")
        for task in tasks:
            found = find_copy(task.source, directory)
            if found is not None:
                data[task.name] = str(found)
    for item in items:
        name, separator, path = item.partition("=")
        if separator and not Path(item).exists():
            get_task(name)  # an unknown name is a KeyError naming the known ones
            data[name] = path
            continue
        matching = [task.name for task in tasks if is_copy_of(task.source, item)]
        if not matching:
            known = sorted({n for task in tasks for n in copy_names(task.source)})
            raise DataOptionError(
                f"--data {item}: its name says none of this exam's tasks ({', '.join(names)}; "
                f"their data goes by {', '.join(known) or 'no file'}). Pass --data TASK=PATH, "
                f"e.g. --data {names[-1]}={item}, or --data-dir DIR to find the files by "
                "their own names."
            )
        data.update(dict.fromkeys(matching, item))
    return data


def _submit(args):
    from zoo.exam.session import Session, submit_session

    data = data_options(args.data, args.data_dir, Session.load(args.folder).tasks)
    return submit_session(args.folder, data=data, out_dir=args.out, time_limit=args.time_limit)


def _sit(args):
    from zoo.exam.session import FULL_EXAM, QUICK_EXAM, run_exam

    if args.tasks:
        names = args.tasks.split(",")
    else:
        names = QUICK_EXAM if args.quick else FULL_EXAM
    data = data_options(args.data, args.data_dir, names)
    return run_exam(
        names,
        args.out or "reports/exam",
        solutions=args.solutions,
        data=data,
        models_dir=args.models_dir,
        epochs=args.epochs,
        time_limit=args.time_limit,
    )
