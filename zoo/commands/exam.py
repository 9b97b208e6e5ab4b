"""`zoo exam`: a mock exam, one task per category, scored out of 100."""

EXAMPLES = """examples:
  zoo exam --quick                    # offline, generated data, under a minute
  zoo exam --data sarcasm=sarcasm.json --data sunspots=Sunspots.csv
  zoo exam --solutions ~/exam         # grade your linear.py, sarcasm.keras, ...
"""


def add_arguments(parser):
    """Adds the command's options."""
    from zoo.exam import FULL_EXAM, QUICK_EXAM

    parser.epilog = EXAMPLES
    parser.add_argument("--quick", action="store_true",
                        help=f"the offline mock exam on generated data: "
                             f"{', '.join(QUICK_EXAM)}")
    parser.add_argument("--tasks", metavar="A,B,...",
                        help=f"tasks to sit (default: {', '.join(FULL_EXAM)})")
    parser.add_argument("--solutions", metavar="DIR",
                        help="grade the learner's files in DIR (TASK.py, TASK.keras, "
                             "TASK.h5 or a SavedModel folder TASK/) instead of "
                             "training the reference solutions")
    parser.add_argument("--data", action="append", default=[], metavar="TASK=PATH",
                        help="local copy of a task's data; repeat for several tasks")
    parser.add_argument("--epochs", type=int, help="most epochs for every reference training")
    parser.add_argument("--out", default="reports/exam", metavar="DIR",
                        help="folder of the HTML report (default reports/exam)")
    parser.add_argument("--models-dir", default="saved_models", metavar="DIR",
                        help="root of the reference exports (default saved_models)")
    parser.add_argument("--time-limit", type=float, default=30 * 60, metavar="SECONDS",
                        help="time allowed to each learner .py (default 1800)")


def run(args):
    """Runs the exam and prints the scoreboard; 0 when it passes, else 1."""
    import sys

    from zoo.exam import FULL_EXAM, QUICK_EXAM, run_exam

    if args.tasks:
        names = args.tasks.split(",")
    else:
        names = QUICK_EXAM if args.quick else FULL_EXAM
    data = {}
    for item in args.data:
        task, separator, path = item.partition("=")
        if not separator:
            print(f"--data {item}: expected TASK=PATH, e.g. sunspots=Sunspots.csv",
                  file=sys.stderr)
            return 2
        data[task] = path
    try:
        result = run_exam(names, args.out, solutions=args.solutions, data=data,
                          models_dir=args.models_dir, epochs=args.epochs,
                          time_limit=args.time_limit)
    except KeyError as error:
        print(error.args[0], file=sys.stderr)
        return 2
    print(result.scoreboard())
    return 0 if result.passed else 1
