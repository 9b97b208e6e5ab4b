"""Keras' `fit` against the zoo's `distributed_fit`, side by side, on one device.

For each task, the reference model is built twice from the same seed and
trained for the same epochs at the same batch size: once with `model.fit`,
once with `zoo.training.loop.distributed_fit` (which `zoo train` uses on
every strategy). The two runs alternate, and the fastest of `--repeats`
counts. Prints seconds per epoch and the ratio (loop / fit), and the final
validation loss of each, which should agree closely.

Usage:
    python benchmarks/training_loop.py synthetic_series
    python benchmarks/training_loop.py sarcasm=../shared/data/sarcasm.json --epochs 2
"""

import argparse
import time


def timed(train):
    started = time.perf_counter()
    history = train()
    return time.perf_counter() - started, history["val_loss"][-1]


def main(argv=None):
    """Times both loops per task; prints one line per task."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tasks", nargs="+", metavar="TASK[=DATA]")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    import keras

    from zoo.device import describe_device
    from zoo.training.loop import distributed_fit
    from zoo.tasks import get_task

    print(f"device: {describe_device()}")
    print(f"{'task':<18} {'batch':>5}  {'fit s/epoch':>11}  {'loop s/epoch':>12}  "
          f"{'loop/fit':>8}  val_loss fit / loop")
    for item in args.tasks:
        name, _, data = item.partition("=")
        task = get_task(name)
        splits = task.load(data or None)
        x, y = splits.train

        def build():
            keras.utils.set_random_seed(0)
            return task.build(splits)

        def with_fit():
            return build().fit(x, y, validation_data=splits.validation, epochs=args.epochs,
                               batch_size=task.batch_size, verbose=0).history

        def with_loop():
            return distributed_fit(build(), x, y, validation_data=splits.validation,
                                   epochs=args.epochs, batch_size=task.batch_size,
                                   verbose=0).history

        fit_runs, loop_runs = [], []
        for _ in range(args.repeats):
            fit_runs.append(timed(with_fit))
            loop_runs.append(timed(with_loop))
        (fit_s, fit_loss), (loop_s, loop_loss) = min(fit_runs), min(loop_runs)
        print(f"{name:<18} {task.batch_size:>5}  {fit_s / args.epochs:>11.3f}  "
              f"{loop_s / args.epochs:>12.3f}  {loop_s / fit_s:>8.2f}  "
              f"{fit_loss:.4g} / {loop_loss:.4g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
