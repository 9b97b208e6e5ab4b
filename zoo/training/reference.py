"""Training a task's reference solution: fit, export, grade the export, report.

Training runs `zoo.training.fit.fit` (Keras's `fit`; a small loop on
several workers) inside the distribution chosen when training starts: on
TensorFlow a `tf.distribute` strategy (several GPUs, or several workers
named by `TF_CONFIG`, else one device), on JAX
`keras.distribution.DataParallel` over the local devices. It shows
progress bars, stops early restoring the best epoch's weights, keeps a
best-so-far `.keras` checkpoint and TensorBoard logs under
`runs/<task>/<time>/`, and backs the run up after every epoch, so that
`resume=True` (`--resume`) continues a killed run where it stopped. A
task that monitors no metric (a GAN, whose losses do not measure its
samples) trains for all its epochs and keeps the final weights.

Under several workers every worker trains; the chief alone exports, grades
and reports, and the other workers keep their checkpoints and logs in
temporary folders that they remove.

Example:
>>> from zoo.tasks import get_task
>>> result = train_task(get_task("linear"), epochs=50)
>>> result.grade.score
5
"""

import contextlib
import dataclasses
import datetime
import functools
import importlib.util
import shutil
import tempfile
import time
from pathlib import Path

import keras

from zoo.export import export_version
from zoo.training.backup import RunBackup, interrupted_run
from zoo.training.cluster import this_worker
from zoo.training.fit import fit
from zoo.training.progress import fit_progress
from zoo.training.transfer import build_transfer_model, start_fine_tuning, training_spec

RUNS_DIR = Path("runs")
MODELS_DIR = Path("saved_models")


@functools.cache
def get_strategy():
    """Picks the `tf.distribute` strategy for this machine, once per process.

    The first call creates it, which configures collective ops; they must
    be configured before TensorFlow runs anything else, so training calls
    this before it loads data.

    Returns:
        `MultiWorkerMirroredStrategy` when `TF_CONFIG` names a cluster,
        `MirroredStrategy` with several GPUs, else the default strategy.
    """
    import tensorflow as tf

    if this_worker().task_type is not None:
        return tf.distribute.MultiWorkerMirroredStrategy()
    if len(tf.config.list_physical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


@functools.cache
def get_data_parallel():
    """JAX: `keras.distribution.DataParallel` over the local devices, once per process.

    Returns:
        The `DataParallel`, or None with a single device.
    """
    devices = keras.distribution.list_devices()
    return keras.distribution.DataParallel(devices=devices) if len(devices) > 1 else None


def distribution_scope():
    """Starts this process's distribution and returns the scope to train in.

    Returns:
        A context manager: the strategy's scope on TensorFlow, the
        `DataParallel` scope on JAX with several devices, else one that
        does nothing.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return get_strategy().scope()
    if backend == "jax" and get_data_parallel() is not None:
        return get_data_parallel().scope()
    return contextlib.nullcontext()


def describe_distribution():
    """Says how training is spread, e.g. `"MultiWorkerMirroredStrategy: 2 workers, 2 replicas"`."""
    backend = keras.backend.backend()
    if backend == "tensorflow" and get_strategy().num_replicas_in_sync > 1:
        strategy, workers = get_strategy(), this_worker().count
        if workers > 1:
            return (
                f"MultiWorkerMirroredStrategy: {workers} workers, "
                f"{strategy.num_replicas_in_sync} replicas"
            )
        return f"{type(strategy).__name__}: {strategy.num_replicas_in_sync} replicas"
    if backend == "jax" and get_data_parallel() is not None:
        return f"DataParallel: {len(keras.distribution.list_devices())} devices"
    return "one device"


def mixed_precision_policy():
    """The mixed-precision policy for this machine's accelerator.

    Returns:
        `"mixed_float16"` on a GPU (whose tensor cores want float16; the
        optimizer scales the loss), `"mixed_bfloat16"` on a CPU (and on
        backends other than TensorFlow and JAX).
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        gpu = bool(tf.config.list_physical_devices("GPU"))
    else:
        gpu = backend == "jax" and keras.distribution.list_devices()[0].startswith("gpu")
    return "mixed_float16" if gpu else "mixed_bfloat16"


@contextlib.contextmanager
def dtype_policy(name):
    """Sets Keras' global dtype policy inside the block, and restores it after.

    Args:
        name: a policy name, e.g. `"mixed_bfloat16"` or `"float32"`.
    """
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


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
            keras.callbacks.EarlyStopping(
                monitor=task.monitor, mode=mode, patience=task.patience, restore_best_weights=True
            ),
            keras.callbacks.ModelCheckpoint(
                checkpoint, monitor=task.monitor, mode=mode, save_best_only=True
            ),
        ]
    # TensorFlow no longer brings TensorBoard along; without it, no logs.
    if importlib.util.find_spec("tensorboard") is not None:
        chosen.append(keras.callbacks.TensorBoard(log_dir=str(run_dir / "logs")))
    return chosen


def solve(
    task,
    data=None,
    epochs=None,
    batch_size=None,
    seed=0,
    run_dir=None,
    verbose="auto",
    resume=False,
    more_callbacks=(),
    transfer=None,
):
    """Loads the task's data and trains its reference model.

    The distribution starts first (before any data is loaded: collective
    ops must be configured at program startup); the model is built and
    trained inside it.

    Args:
        task: a `Task`.
        data: optional local data path (`--data`).
        epochs: int; the task's default when None.
        batch_size: int, the global batch size; the task's default when None.
        seed: int, seeds Python, NumPy and the backend.
        run_dir: folder for checkpoints, logs and backups; a new
            `runs/<task>/<time>/` when None. A backup that a killed run
            left in a given folder is resumed.
        verbose: Keras' verbosity; `"auto"` shows Keras's progress bars on
            a terminal and plain epoch lines elsewhere (`zoo.training.progress`).
            Workers other than the chief train quietly.
        resume: whether to continue the newest run of this task that was
            stopped before it finished (`runs/<task>/*` with a backup), from
            its last finished epoch; a new run starts when there is none.
        more_callbacks: further Keras callbacks, run after the zoo's.
        transfer: optional `zoo.training.transfer.Transfer`: train a
            pretrained backbone's model instead of the task's reference,
            frozen for up to `epochs`, then, with `transfer.fine_tune` > 0,
            its top layers at a tenth of the learning rate for up to `epochs`
            more; each phase stops early on validation accuracy (see
            `zoo.training.transfer.training_spec`), and a run killed while
            fine-tuning starts again when resumed.

    Returns:
        `(model, history, splits)`: the trained Keras model, the history dict
        of per-epoch metrics (both phases', one after the other), and the
        `Splits` it was trained on.

    Raises:
        zoo.training.errors.TrainingDivergedError: when the loss becomes NaN.
        zoo.training.errors.TrainingSetupError: when the batch size does not
            split into the replicas, or `--resume` finds a backup made with
            other settings.
    """
    scope = distribution_scope()
    worker = this_worker()
    if transfer is not None:
        task = training_spec(task)
    keras.utils.set_random_seed(seed)
    splits = task.load(data)
    epochs, batch_size = epochs or task.epochs, batch_size or task.batch_size
    settings = {
        "task": task.name,
        "data": None if data is None else str(data),
        "epochs": epochs,
        "batch_size": batch_size,
        "seed": seed,
        "precision": keras.config.dtype_policy().name,
        **({} if transfer is None else transfer.facts()),
    }
    interrupted = interrupted_run(RUNS_DIR / task.name) if resume and run_dir is None else None
    run_dir = Path(run_dir or interrupted or new_run_dir(task.name))
    # Only the chief keeps files; the others write to a folder of their own
    # and remove it, but read the chief's backups when resuming.
    scratch = (
        None
        if worker.is_chief
        else Path(tempfile.mkdtemp(prefix=f"zoo-{task.name}-{worker.task_type}{worker.index}-"))
    )
    backup = RunBackup(run_dir / "backup", settings, write=worker.is_chief)
    verbose, progress = fit_progress(verbose if worker.is_chief else 0, epochs)
    try:
        with scope:
            model = task.build(splits) if transfer is None else build_transfer_model(task, transfer)
            train = task.fit or fit_pairs
            history = train(
                model,
                splits,
                epochs=epochs,
                batch_size=batch_size,
                callbacks=[
                    *callbacks(task, scratch or run_dir),
                    backup,
                    *more_callbacks,
                    *progress,
                ],
                verbose=verbose,
            )
            if transfer is not None and transfer.fine_tune:
                start_fine_tuning(model, transfer.fine_tune)
                tuned = train(
                    model,
                    splits,
                    epochs=epochs,
                    batch_size=batch_size,
                    callbacks=[*callbacks(task, scratch or run_dir), *more_callbacks, *progress],
                    verbose=verbose,
                )
                history = {key: [*values, *tuned.get(key, [])] for key, values in history.items()}
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return model, history, splits


def fit_pairs(model, splits, epochs, batch_size, callbacks, verbose):
    """Fits a model on `(x, y)` pairs, watching the validation split.

    Args:
        model: a compiled Keras model.
        splits: the task's `Splits`.
        epochs: int.
        batch_size: int, the global batch size.
        callbacks: list of Keras callbacks.
        verbose: Keras' verbosity.

    Returns:
        The history dict.
    """
    x, y = splits.train
    return fit(
        model,
        x,
        y,
        validation_data=splits.validation,
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        verbose=verbose,
    ).history


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

    On a worker other than the chief, which trains but neither exports nor
    grades, every field but `history` is None (`pictures` is empty).

    Args:
        version_dir: the exported version's folder.
        grade: the `zoo.grading.grade.Grade` of the export.
        card: the JSON card written beside the export.
        pictures: paths of the PNGs written.
        history: the training history dict.
        image_examples: the misclassified held-out images, as
            `zoo.report.task_figures.image_examples` gives them (thumbnails in the
            version's folder).
    """

    version_dir: Path
    grade: object
    card: dict
    pictures: list
    history: dict = None
    image_examples: list = dataclasses.field(default_factory=list)


def train_task(
    task,
    data=None,
    epochs=None,
    batch_size=None,
    seed=0,
    models_dir=MODELS_DIR,
    verbose="auto",
    resume=False,
    mixed_precision=False,
    transfer=None,
):
    """Trains the reference solution, exports it, grades the export, reports.

    Args:
        task: a `Task`.
        data: optional local data path (`--data`).
        epochs: int; the task's default when None.
        batch_size: int, the global batch size; the task's default when None.
        seed: int.
        models_dir: root of the exports; the version goes to
            `models_dir/<task>/<next>/`.
        verbose: Keras' verbosity.
        resume: continue the task's newest interrupted run (see `solve`).
        mixed_precision: train under `mixed_precision_policy()` (float16 on
            a GPU, bfloat16 on a CPU); the card records the policy.
        transfer: optional `zoo.training.transfer.Transfer` (see `solve`);
            the card records its backbone, weights and fine-tuning.

    Returns:
        A `TrainResult`.

    Raises:
        zoo.training.errors.TrainingDivergedError: when the loss becomes
            NaN; nothing is exported then.
    """
    from zoo.grading import grade as grading
    from zoo.report.card import update_card
    from zoo.report.task_figures import image_examples, write_pictures

    precision = mixed_precision_policy() if mixed_precision else keras.config.dtype_policy().name
    started = time.monotonic()
    with dtype_policy(precision):
        model, history, splits = solve(
            task,
            data=data,
            epochs=epochs,
            batch_size=batch_size,
            seed=seed,
            verbose=verbose,
            resume=resume,
            transfer=transfer,
        )
    train_seconds = time.monotonic() - started
    if not this_worker().is_chief:
        return TrainResult(None, None, None, [], history)
    version_dir = export_for_task(
        task,
        model,
        Path(models_dir) / task.name,
        card={"task": task.name, "category": str(task.category), "data": splits.source},
    )
    grade = grading.grade(task, version_dir, splits)
    pictures = write_pictures(task, model, history, splits, grade, version_dir)
    images = image_examples(task, splits, grade, version_dir)
    card = update_card(
        version_dir,
        {
            **grade.facts(),
            "epochs": len(next(iter(history.values()), [])),
            "seed": seed,
            "train_seconds": round(train_seconds, 1),
            "precision": precision,
            "distribution": describe_distribution(),
            "pictures": [p.name for p in pictures],
            "misclassified": [
                {**image, "picture": Path(image["picture"]).name} for image in images
            ],
            **({} if transfer is None else transfer.facts()),
        },
    )
    return TrainResult(version_dir, grade, card, pictures, history, images)
