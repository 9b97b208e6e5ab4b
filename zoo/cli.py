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
import os
import sys

from zoo.native_logs import NativeLogFilter

COMMANDS = {
    "demo": ("zoo.demo", "train, export and reload a small Transformer text "
                         "classifier on generated data"),
    "serve": ("zoo.serving.cli", "serve exported models over TF Serving's REST and gRPC APIs"),
    "tasks": ("zoo.commands.tasks", "list the practice tasks: category, data, "
                                    "contract, metric, top marks"),
    "practice": ("zoo.commands.practice", "write an exam-format starter file for a task"),
    "grade": ("zoo.commands.grade", "grade a solution (.py, .keras, .h5, SavedModel) "
                                    "on the task's held-out data"),
    "train": ("zoo.commands.train", "train a task's reference solution, export it, "
                                    "grade the export, write its report"),
    "exam": ("zoo.commands.exam", "sit a mock exam: `exam start DIR` and `exam submit DIR` "
                                  "for a timed session, or --quick; a scoreboard out of 100 "
                                  "and an HTML report"),
    "score": ("zoo.commands.score", "grade an existing export saved_models/TASK/VERSION"),
    "lab": ("zoo.commands.lab", "the classic training lessons as seeded experiments: "
                                "pictures and a page"),
}


def build_parser():
    """Builds the `zoo` argument parser with every subcommand.

    Returns:
        An `argparse.ArgumentParser`.
    """
    parser = argparse.ArgumentParser(
        prog="zoo",
        description="keras-cert-zoo: practise TensorFlow-certificate tasks, "
                    "train, export, grade and serve Keras models.")
    parser.add_argument("--verbose", action="store_true",
                        help="show TensorFlow's and CUDA's own log lines")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name, (module_name, help_line) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_line, description=help_line,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.set_defaults(module_name=module_name)
        importlib.import_module(module_name).add_arguments(sub)
    return parser


def main(argv=None):
    """Runs the `zoo` command line.

    Args:
        argv: list of arguments; `sys.argv[1:]` when None.

    Returns:
        The process exit code.
    """
    args = build_parser().parse_args(argv)
    return importlib.import_module(args.module_name).run(args)


def console_main():
    """Runs the `zoo` script (and `python -m zoo`) and exits with its code.

    Unless `--verbose` is given, TensorFlow's and CUDA's native log lines
    are dropped from stderr (`zoo.native_logs.NativeLogFilter`). When the
    reader of the output goes away (`zoo tasks | head -3`), the command
    ends quietly with exit code 0, as `cat` and `ls` do in a pipe.
    """
    verbose = build_parser().parse_args().verbose
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
