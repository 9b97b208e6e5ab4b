"""Keras's `fit`, the zoo's `fit` and the zoo's loop for several workers, side by side.

For each task, the reference model is built three times from the same seed
and trained for the same epochs at the same batch size: with `model.fit` on
the arrays (Keras's own shuffling), with `zoo.training.fit.fit` (which
`zoo train` uses: `model.fit` on the planned batches, with the NaN stop),
and with `zoo.training.multi_worker.multi_worker_fit` (the loop `zoo train`
runs on several workers), here on one device. The three alternate, and the
fastest of `--repeats` counts. Prints seconds per epoch, each zoo way's
ratio to Keras's `fit`, and the final validation loss of each: the zoo's
two ways take the same batches (shuffling seed 0) and should end with the
same loss; Keras's own shuffling ends nearby.

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


def three_ways(task, splits, epochs):
    """The three trainings of one task, as functions returning the history dict."""
    import keras

    from zoo.training.batches import training_arrays
    from zoo.training.fit import build_for_training, fit
    from zoo.training.multi_worker import multi_worker_fit

    x, y = splits.train
    options = {"epochs": epochs, "batch_size": task.batch_size}

    def build():
        keras.utils.set_random_seed(0)
        return task.build(splits)

    def with_keras_fit():
        return build().fit(x, y, validation_data=splits.validation, verbose=0, **options).history

    def with_zoo_fit():
        return fit(
            build(), x, y, validation_data=splits.validation, verbose=0, shuffle_seed=0, **options
        ).history

    def with_loop():
        model, arrays = build(), training_arrays(x, y)
        build_for_training(model, arrays)
        history = keras.callbacks.History()
        multi_worker_fit(
            model,
            arrays,
            training_arrays(*splits.validation),
            first_epoch=0,
            shuffle_seed=0,
            callbacks=[history],
            verbose=0,
            **options,
        )
        return history.history

    return with_keras_fit, with_zoo_fit, with_loop


def main(argv=None):
    """Times the three ways per task; prints one line per task."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tasks", nargs="+", metavar="TASK[=DATA]")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    from zoo.device import describe_device
    from zoo.tasks import get_task

    print(f"device: {describe_device()}")
    print(
        f"{'task':<18} {'batch':>5}  {'Keras fit':>9}  {'zoo fit':>7}  {'loop':>6}  "
        f"{'zoo fit/Keras':>13}  {'loop/Keras':>10}  val_loss Keras / zoo fit / loop"
    )
    for item in args.tasks:
        name, _, data = item.partition("=")
        task = get_task(name)
        ways = three_ways(task, task.load(data or None), args.epochs)
        runs = {way: [] for way in ways}
        for _ in range(args.repeats):
            for way, times in runs.items():
                times.append(timed(way))
        (keras_s, keras_loss), (zoo_s, zoo_loss), (loop_s, loop_loss) = (
            min(times) for times in runs.values()
        )
        print(
            f"{name:<18} {task.batch_size:>5}  {keras_s / args.epochs:>9.3f}  "
            f"{zoo_s / args.epochs:>7.3f}  {loop_s / args.epochs:>6.3f}  "
            f"{zoo_s / keras_s:>13.2f}  {loop_s / keras_s:>10.2f}  "
            f"{keras_loss:.4g} / {zoo_loss:.4g} / {loop_loss:.4g}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
