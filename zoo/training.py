"""Training a task's reference solution: fit, export, grade the export, report.

Fitting uses Keras' progress bars, early stopping with the best weights
restored, a best-so-far `.keras` checkpoint and TensorBoard logs under
`runs/<task>/<time>/`, inside a `tf.distribute` strategy chosen from the
machine (several GPUs, several workers via `TF_CONFIG`, or the default).
A task that monitors no metric (a GAN, whose losses do not measure its
samples) trains for all its epochs and keeps the final weights.

Example:
>>> from zoo.tasks import get_task
>>> result = train_task(get_task("linear"), epochs=50)
>>> result.grade.score
5
"""

import dataclasses
import datetime
import importlib.util
import json
import os
import time
from pathlib import Path

import keras

from zoo.export import export_version

RUNS_DIR = Path("runs")
MODELS_DIR = Path("saved_models")


def get_strategy():
    """Picks the `tf.distribute` strategy for this machine.

    Returns:
        `MultiWorkerMirroredStrategy` when `TF_CONFIG` names a cluster,
        `MirroredStrategy` with several GPUs, else the default strategy.
    """
    import tensorflow as tf

    if json.loads(os.environ.get("TF_CONFIG", "{}")).get("cluster"):
        return tf.distribute.MultiWorkerMirroredStrategy()
    if len(tf.config.list_physical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def callbacks(task, run_dir):
    """The callbacks every reference training uses.

    Args:
        task: the `Task` (for the monitored metric and patience).
        run_dir: folder for `checkpoint.keras` and TensorBoard `logs/`
            (written when the `tensorboard` package is installed).

    Returns:
        A list of Keras callbacks: early stopping that restores the best
        epoch's weights and a checkpoint of the best epoch, by
        `task.monitor`; when `task.monitor` is None, only a checkpoint of
        the latest epoch, so training keeps its final weights.
    """
    run_dir = Path(run_dir)
    checkpoint = str(run_dir / "checkpoint.keras")
    if task.monitor is None:
        chosen = [keras.callbacks.ModelCheckpoint(checkpoint)]
    else:
        mode = "max" if "acc" in task.monitor else "min"
        chosen = [
            keras.callbacks.EarlyStopping(monitor=task.monitor, mode=mode,
                                          patience=task.patience,
                                          restore_best_weights=True),
            keras.callbacks.ModelCheckpoint(checkpoint, monitor=task.monitor,
                                            mode=mode, save_best_only=True),
        ]
    # TensorFlow no longer brings TensorBoard along; without it, no logs.
    if importlib.util.find_spec("tensorboard") is not None:
        chosen.append(keras.callbacks.TensorBoard(log_dir=str(run_dir / "logs")))
    return chosen


def solve(task, data=None, epochs=None, batch_size=None, seed=0, run_dir=None,
          verbose="auto"):
    """Loads the task's data and trains its reference model.

    Args:
        task: a `Task`.
        data: optional local data path (`--data`).
        epochs: int; the task's default when None.
        batch_size: int; the task's default when None.
        seed: int, seeds Python, NumPy and the backend.
        run_dir: folder for checkpoints and logs; a new
            `runs/<task>/<time>/` when None.
        verbose: Keras' verbosity (`"auto"` shows progress bars).

    Returns:
        `(model, history, splits)`: the trained Keras model, the history dict
        of per-epoch metrics, and the `Splits` it was trained on.
    """
    keras.utils.set_random_seed(seed)
    splits = task.load(data)
    run_dir = Path(run_dir) if run_dir else new_run_dir(task.name)
    with get_strategy().scope():
        model = task.build(splits)
    fit = task.fit or fit_pairs
    history = fit(model, splits, epochs=epochs or task.epochs,
                  batch_size=batch_size or task.batch_size,
                  callbacks=callbacks(task, run_dir), verbose=verbose)
    return model, history, splits


def fit_pairs(model, splits, epochs, batch_size, callbacks, verbose):
    """Fits a model on `(x, y)` pairs, watching the validation split.

    Args:
        model: a compiled Keras model.
        splits: the task's `Splits`.
        epochs: int.
        batch_size: int.
        callbacks: list of Keras callbacks.
        verbose: Keras' verbosity.

    Returns:
        The history dict.
    """
    x, y = splits.train
    history = model.fit(x, y, validation_data=splits.validation, epochs=epochs,
                        batch_size=batch_size, callbacks=callbacks,
                        shuffle=True, verbose=verbose)
    return history.history


def new_run_dir(name):
    """Returns a fresh `runs/<name>/<UTC time>/` path (not created yet)."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S-%f")
    return RUNS_DIR / name / stamp


def export_for_task(task, model, base_dir, card):
    """Exports a trained model as the next version, in the task's contract.

    A model that declares its signatures (the zoo's models do, with
    `serving_endpoints()`) exports those; any other exports
    `serving_default` on the contract's input (`inputs`: batch ×
    `task.input_shape` of `task.input_dtype`). See `zoo.export.export_version`.

    Args:
        task: the `Task`.
        model: the trained Keras model.
        base_dir: the task's folder, e.g. `saved_models/sunspots`.
        card: dict of facts for the JSON card.

    Returns:
        The `Path` of the new version directory.
    """
    import tensorflow as tf

    spec = tf.TensorSpec((None, *task.input_shape), task.input_dtype, name="inputs")
    return export_version(model, base_dir, input_signature=[spec], card=card)


@dataclasses.dataclass
class TrainResult:
    """What `train_task` produced.

    Args:
        version_dir: the exported version's folder.
        grade: the `zoo.grading.Grade` of the export.
        card: the JSON card written beside the export.
        pictures: paths of the PNGs written.
    """

    version_dir: Path
    grade: object
    card: dict
    pictures: list


def train_task(task, data=None, epochs=None, batch_size=None, seed=0,
               models_dir=MODELS_DIR, verbose="auto"):
    """Trains the reference solution, exports it, grades the export, reports.

    Args:
        task: a `Task`.
        data: optional local data path (`--data`).
        epochs: int; the task's default when None.
        batch_size: int; the task's default when None.
        seed: int.
        models_dir: root of the exports; the version goes to
            `models_dir/<task>/<next>/`.
        verbose: Keras' verbosity.

    Returns:
        A `TrainResult`.
    """
    from zoo import grading, report

    started = time.monotonic()
    model, history, splits = solve(task, data=data, epochs=epochs,
                                   batch_size=batch_size, seed=seed, verbose=verbose)
    train_seconds = time.monotonic() - started
    version_dir = export_for_task(task, model, Path(models_dir) / task.name,
                                  card={"task": task.name, "category": str(task.category),
                                        "data": splits.source})
    grade = grading.grade(task, version_dir, splits)
    pictures = report.write_pictures(task, model, history, splits, grade, version_dir)
    card = report.update_card(version_dir, {
        **grade.facts(),
        "epochs": len(next(iter(history.values()), [])),
        "seed": seed,
        "train_seconds": round(train_seconds, 1),
        "pictures": [p.name for p in pictures],
    })
    return TrainResult(version_dir, grade, card, pictures)
