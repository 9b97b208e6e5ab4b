"""The `zoo` command line: one subcommand per module.

Each module named in `COMMANDS` provides `add_arguments(parser)` and
`run(args) -> int`, and keeps its heavy imports (Keras, TensorFlow,
datasets) inside `run`, so `zoo --help`, `zoo tasks` and `zoo practice`
never start TensorFlow. TensorFlow's and CUDA's native log lines are
dropped from the `zoo` script's stderr unless `--verbose` is given.

Example:
>>> main(["tasks", "--category", "1"])  # doctest: +ELLIPSIS
task    cat  data ...
0
"""

import argparse
import contextlib
import importlib
import importlib.util
import os
import sys

from zoo.native_logs import NativeLogFilter

# What each extra installs, by the modules it brings (looked up, never imported).
EXTRAS = {
    "exam": (
        "tensorflow",
        "tensorflow_datasets",
        "importlib_resources",
        "matplotlib",
        "tensorflow_serving",
    ),
    "serve": ("tensorflow", "tensorflow_serving", "aiohttp", "grpc", "prometheus_client"),
}

# name: (module, the extra it needs, help line)
COMMANDS = {
    "demo": (
        "zoo.demo",
        "exam",
        "train, export and reload a small Transformer text classifier on generated data",
    ),
    "serve": (
        "zoo.serving.cli",
        "serve",
        "serve exported models over TF Serving's REST and gRPC APIs",
    ),
    "tasks": (
        "zoo.commands.tasks",
        "exam",
        "list the practice tasks: category, data, contract, where 5/5 begins",
    ),
    "practice": ("zoo.commands.practice", "exam", "write an exam-format starter file for a task"),
    "grade": (
        "zoo.commands.grade",
        "exam",
        "grade a solution (.py, .keras, .h5, SavedModel) on the task's held-out data",
    ),
    "train": (
        "zoo.commands.train",
        "exam",
        "train a task's reference solution, export it, grade the export, write its report",
    ),
    "exam": (
        "zoo.commands.exam",
        "exam",
        "sit a mock exam: `exam start DIR` and `exam submit DIR` for a timed session, "
        "or --quick; a scoreboard out of 100 and an HTML report",
    ),
    "score": ("zoo.commands.score", "exam", "grade an existing export saved_models/TASK/VERSION"),
    "lab": (
        "zoo.commands.lab",
        "exam",
        "the classic training lessons as seeded experiments: pictures and a page",
    ),
}


def missing_extra(extra):
    """The modules of an extra that are not installed.

    Args:
        extra: a key of `EXTRAS`.

    Returns:
        A list of module names, empty when the extra is installed.

    Example:
    >>> missing_extra("exam") in ([], ["tensorflow"])
    True
    """
    return [module for module in EXTRAS[extra] if importlib.util.find_spec(module) is None]


def build_parser(command=None):
    """Builds the `zoo` argument parser: every subcommand, the options of one.

    Only `command`'s module is imported for its options, so `zoo serve`
    imports nothing of the tasks or training and `zoo --help` nothing heavy.
    A command whose extra is not installed keeps its place in `zoo --help`;
    running it says which extra to install (`main`).

    Args:
        command: the subcommand whose options to add, or None for none.

    Returns:
        An `argparse.ArgumentParser`.
    """
    parser = argparse.ArgumentParser(
        prog="zoo",
        description="keras-cert-zoo: practise TensorFlow-certificate tasks, "
        "train, export, grade and serve Keras models.",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="show TensorFlow's and CUDA's own log lines"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name, (module_name, extra, help_line) in COMMANDS.items():
        installed = not missing_extra(extra)
        sub = subparsers.add_parser(
            name,
            help=help_line,
            description=help_line,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            add_help=installed,
        )
        sub.set_defaults(module_name=module_name, extra=extra)
        if installed and name == command:
            importlib.import_module(module_name).add_arguments(sub)
    return parser


def chosen_command(argv):
    """The subcommand an argument list names: its first argument that is not an option.

    Example:
    >>> chosen_command(["--verbose", "tasks", "--category", "5"])
    'tasks'
    """
    return next((argument for argument in argv if not argument.startswith("-")), None)


def main(argv=None):
    """Runs the `zoo` command line.

    Args:
        argv: list of arguments; `sys.argv[1:]` when None.

    Returns:
        The process exit code: the command's, or 2 when its extra is not
        installed (one line on stderr names it).
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(chosen_command(argv))
    args, _ = parser.parse_known_args(argv)
    if missing_extra(args.extra):
        print(
            f"zoo {args.command} needs the {args.extra} extra: "
            f"pip install 'keras-cert-zoo[{args.extra}]'",
            file=sys.stderr,
        )
        return 2
    args = parser.parse_args(argv)
    return importlib.import_module(args.module_name).run(args)


def console_main():
    """Runs the `zoo` script (and `python -m zoo`) and exits with its code.

    Unless `--verbose` is given, TensorFlow's and CUDA's native log lines
    are dropped from stderr (`zoo.native_logs.NativeLogFilter`). When the
    reader of the output goes away (`zoo tasks | head -3`), the command
    ends quietly with exit code 0, as `cat` and `ls` do in a pipe.
    """
    verbose = build_parser().parse_known_args()[0].verbose
    try:
        with contextlib.nullcontext() if verbose else NativeLogFilter():
            code = main()
            sys.stdout.flush()
    except BrokenPipeError:
        # Later writes (and the flush at exit) would fail again: send them nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    sys.exit(code)


if __name__ == "__main__":
    console_main()
