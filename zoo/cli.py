"""The `zoo` command line: one subcommand per module.

Each module named in `COMMANDS` provides `add_arguments(parser)` and
`run(args) -> int`, and keeps its heavy imports (TensorFlow, datasets)
inside `run`, so building the parser costs only the import of `zoo`
itself (Keras, whose registration `.keras` files need).
"""

import argparse
import importlib
import sys

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
    "exam": ("zoo.commands.exam", "sit a mock exam: one task per category, a "
                                  "scoreboard out of 100 and an HTML report"),
    "score": ("zoo.commands.score", "grade an existing export saved_models/TASK/VERSION"),
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


if __name__ == "__main__":
    sys.exit(main())
