"""`zoo train TASK`: train the reference solution, export it, grade the export."""

from zoo.commands import add_data_argument, load_task

EXAMPLES = """examples:
  zoo train linear
  zoo train sunspots --data Sunspots.csv --epochs 50
  zoo train sarcasm --data sarcasm.json --batch-size 128 --seed 1
"""


def add_arguments(parser):
    """Adds the command's options."""
    parser.epilog = EXAMPLES
    parser.add_argument("task", help="task name (see `zoo tasks`)")
    add_data_argument(parser)
    parser.add_argument("--epochs", type=int, help="most epochs (early stopping may end "
                                                   "sooner); the task's default if omitted")
    parser.add_argument("--batch-size", type=int, help="the task's default if omitted")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--models-dir", default="saved_models", metavar="DIR",
                        help="root of the exports (default saved_models)")


def run(args):
    """Trains, exports, grades and reports; returns the exit code."""
    import sys

    from zoo.data import DataUnavailableError
    from zoo.training import train_task

    task = load_task(args.task)
    if task is None:
        return 2
    try:
        result = train_task(task, data=args.data, epochs=args.epochs,
                            batch_size=args.batch_size, seed=args.seed,
                            models_dir=args.models_dir)
    except (DataUnavailableError, FileNotFoundError) as error:
        print(error, file=sys.stderr)
        return 1
    print(result.grade.summary())
    print(f"exported: {result.version_dir}  (card.json, "
          f"{', '.join(p.name for p in result.pictures)})")
    return 0
