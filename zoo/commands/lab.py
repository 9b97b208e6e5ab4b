"""`zoo lab`: list the lab's experiments, or run one and write its pictures and page."""

EXAMPLES = """examples:
  zoo lab                                  # list the experiments
  zoo lab init --quick
  zoo lab optimizers --quick --out lab/optimizers
  zoo lab batchnorm --data ~/tensorflow_datasets    # MNIST from a tfds data_dir
  zoo lab transfer --quick --data cats_and_dogs_filtered --weights none
"""


def add_arguments(parser):
    """Adds the command's options."""
    parser.epilog = EXAMPLES
    parser.add_argument("name", nargs="?", help="the experiment to run (omit to list them)")
    parser.add_argument(
        "--quick", action="store_true", help="a smaller run (about a minute or two on 2 CPU cores)"
    )
    parser.add_argument(
        "--out", metavar="DIR", help="folder for the pictures and index.html (default: lab/NAME)"
    )
    parser.add_argument(
        "--data",
        metavar="PATH",
        help="digits lessons: a tfds data_dir holding MNIST (default: MNIST "
        "if the zoo's tfds cache holds it, else generated digits); "
        "transfer: the cats_and_dogs_filtered folder",
    )
    parser.add_argument("--seed", type=int, default=0, help="the run's seed (default 0)")
    parser.add_argument(
        "--weights",
        metavar="PATH",
        help="transfer only: the backbone's weights, 'imagenet' (default), a "
        "weights file, or 'none' for random weights",
    )


def listing():
    """The experiments as plain text, one a line."""
    from zoo.lab import EXPERIMENTS

    width = max(len(e.name) for e in EXPERIMENTS)
    lines = [f"{e.name.ljust(width)}  {e.summary}" for e in EXPERIMENTS]
    return "\n".join(
        [*lines, "", "run one: zoo lab NAME [--quick] [--out DIR] [--data PATH] [--seed N]"]
    )


def run(args):
    """Lists the experiments, or runs one; returns the exit code."""
    import sys

    from zoo.lab import get_experiment

    if args.name is None:
        print(listing())
        return 0
    try:
        experiment = get_experiment(args.name)
    except KeyError as error:
        print(error.args[0], file=sys.stderr)
        return 2
    options = {}
    if args.weights is not None:
        if experiment.name != "transfer":
            print("--weights is for `zoo lab transfer` only", file=sys.stderr)
            return 2
        options["weights"] = None if args.weights.lower() == "none" else args.weights
    from zoo.data import DataUnavailableError

    out = args.out or f"lab/{experiment.name}"
    try:
        page = experiment.load().run(
            out, quick=args.quick, data=args.data, seed=args.seed, **options
        )
    except (DataUnavailableError, FileNotFoundError, RuntimeError) as error:
        print(f"zoo lab {experiment.name}: {error}", file=sys.stderr)
        return 1
    print(f"wrote {page} (open it in a browser)")
    return 0
