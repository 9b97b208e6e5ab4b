"""Running a task's reference training from a command line.

`zoo train TASK` and each task file run as a script (`python tasks/sarcasm.py
--data sarcasm.json`) share these options and this run: train, export the
next version, grade the export, print the grade. Building the parser imports
neither Keras nor TensorFlow, so `--help` answers at once.

Example:
>>> from zoo.tasks import get_task
>>> run_script(get_task("linear"), ["--epochs", "60"])
0
"""

import argparse
import sys


def add_data_argument(parser):
    """Adds `--data PATH`, the local copy that replaces a download.

    Args:
        parser: an `argparse.ArgumentParser`.
    """
    parser.add_argument(
        "--data",
        metavar="PATH",
        help="local copy of the data instead of downloading it: the downloaded "
        "file, the folder it extracts to, or a tfds data_dir",
    )


def add_training_arguments(parser, backbones=True):
    """Adds the options of a reference training run.

    Args:
        parser: an `argparse.ArgumentParser`; gets `--data`, `--epochs`,
            `--batch-size`, `--seed`, `--models-dir`, `--resume` and
            `--mixed-precision`.
        backbones: whether to add the transfer-learning options too
            (`--backbone`, `--weights`, `--fine-tune`); a task that does not
            classify colour images has no use for them.
    """
    add_data_argument(parser)
    parser.add_argument(
        "--epochs",
        type=int,
        help="most epochs (early stopping may end sooner); the task's default if omitted",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        help="the global batch size, split evenly over the workers and "
        "their devices; the task's default if omitted",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--models-dir",
        default="saved_models",
        metavar="DIR",
        help="root of the exports (default saved_models)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue this task's newest run that was stopped before it "
        "finished (runs/TASK/*), from its last finished epoch; "
        "start a new run when there is none",
    )
    parser.add_argument(
        "--mixed-precision",
        action="store_true",
        help="compute in float16 on a GPU, bfloat16 on a CPU (variables "
        "stay float32); the card records the policy",
    )
    # run_training reports option clashes as this parser's own errors.
    parser.set_defaults(training_parser=parser, backbone=None, weights=None, fine_tune=None)
    if backbones:
        add_backbone_arguments(parser)


def add_backbone_arguments(parser):
    """Adds `--backbone`, `--weights` and `--fine-tune`: transfer learning for image tasks.

    Args:
        parser: an `argparse.ArgumentParser`.
    """
    from zoo.training.pretrained import BACKBONES

    group = parser.add_argument_group("transfer learning (colour-image classification tasks)")
    group.add_argument(
        "--backbone",
        choices=BACKBONES,
        help="train a CAM head on this keras.applications network "
        "(ImageNet weights, frozen) instead of the reference model",
    )
    group.add_argument(
        "--weights",
        metavar="PATH",
        help="the backbone's weights: 'imagenet' (default; Keras downloads "
        "the no-top file once into ~/.keras/models), a local weights "
        "file (that .h5, or a .weights.h5), or 'none' for random "
        "weights (tests only: nothing pretrained)",
    )
    group.add_argument(
        "--fine-tune",
        type=int,
        metavar="N",
        help="after the frozen phase, unfreeze the backbone's top N layers "
        "(batch normalisation stays frozen) and train again at a "
        "tenth of the learning rate",
    )


def transfer_settings(args):
    """The `zoo.training.transfer.Transfer` the options ask for, or None.

    Args:
        args: the parsed options of `add_training_arguments`.

    Returns:
        A `Transfer`, or None without `--backbone`.
    """
    from zoo.training.pretrained import BACKBONES, IMAGENET
    from zoo.training.transfer import Transfer

    if args.backbone is None:
        for option, value in (("--weights", args.weights), ("--fine-tune", args.fine_tune)):
            if value is not None:
                args.training_parser.error(
                    f"{option} needs --backbone (one of {', '.join(BACKBONES)})"
                )
        return None
    weights = args.weights or IMAGENET
    try:
        return Transfer(
            args.backbone,
            weights=None if weights.lower() == "none" else weights,
            fine_tune=args.fine_tune or 0,
        )
    except ValueError as error:  # e.g. a negative --fine-tune
        args.training_parser.error(str(error))


def run_training(task, args):
    """Trains, exports and grades a task's reference; prints the outcome.

    Args:
        task: a `zoo.task.Task`.
        args: the parsed options of `add_training_arguments`.

    Under several workers (`TF_CONFIG`), the chief prints the grade; the
    other workers say that they trained.

    Returns:
        The exit code: 0 when trained (and, on the chief, graded); 1 when
        the data or the backbone's weights are missing or training diverged
        (nothing is exported); 2 when the run cannot start as asked (batch
        size, `--resume`, `TF_CONFIG`).
    """
    transfer = transfer_settings(args)
    from zoo.data import DataUnavailableError
    from zoo.training.cluster import this_worker
    from zoo.training.errors import TrainingDivergedError, TrainingSetupError
    from zoo.training.pretrained import WeightsUnavailableError
    from zoo.training.reference import train_task

    try:
        worker = this_worker()
        result = train_task(
            task,
            data=args.data,
            epochs=args.epochs,
            batch_size=args.batch_size,
            seed=args.seed,
            models_dir=args.models_dir,
            resume=args.resume,
            mixed_precision=args.mixed_precision,
            transfer=transfer,
        )
    except (
        DataUnavailableError,
        FileNotFoundError,
        TrainingDivergedError,
        WeightsUnavailableError,
    ) as error:
        print(error, file=sys.stderr)
        return 1
    except TrainingSetupError as error:
        print(error, file=sys.stderr)
        return 2
    if not worker.is_chief:
        print(f"{task.name}: {worker.describe()} trained; the chief exports and grades.")
        return 0
    print(result.grade.summary())
    if transfer is not None:
        print(f"trained on {transfer.describe()}")
    print(
        f"exported: {result.version_dir}  (card.json, {', '.join(p.name for p in result.pictures)})"
    )
    return 0


def run_script(task, argv=None):
    """Runs a task file as a script: parse the options, then `run_training`.

    Args:
        task: the file's `TASK`.
        argv: list of arguments; `sys.argv[1:]` when None.

    Returns:
        The exit code.
    """
    parser = argparse.ArgumentParser(
        prog=f"{task.name}.py",
        description=f"Train the {task.name} reference solution, export it and grade the export.",
    )
    from zoo.training.pretrained import accepts_backbone

    add_training_arguments(parser, backbones=accepts_backbone(task))
    return run_training(task, parser.parse_args(argv))
