"""The one way the zoo trains a model: Keras's own `fit`, fed batches that survive a resume.

`fit` trains with `model.fit` on one device, under
`tf.distribute.MirroredStrategy` and under JAX's
`keras.distribution.DataParallel`. Under
`tf.distribute.MultiWorkerMirroredStrategy`, where Keras 3's `fit` fails
(keras-team/keras#20585), it trains with
`zoo.training.multi_worker.multi_worker_fit`, which drives the same
callbacks the same way. Either way:

- the batches are `zoo.training.batches.batch_plan`'s: every epoch shuffled
  by `(shuffle_seed, epoch)`, each global batch split evenly into the
  replicas, so N replicas take the steps one device takes at the same
  global batch size, and a resumed run takes the batches it would have
  taken had it never stopped;
- a `zoo.training.backup.RunBackup` among the callbacks makes the run
  resumable: it restores the newest backup before training begins, and
  training goes on from the epoch after it, with the history of the epochs
  before;
- a loss or metric that is NaN or infinite stops training with a
  `zoo.training.errors.TrainingDivergedError`, and the backups are removed.
"""

import contextlib

import keras
import numpy as np

from zoo.training.backup import RunBackup
from zoo.training.batches import (
    PlannedBatches,
    batch_plan,
    check_batch_size,
    count,
    training_arrays,
)
from zoo.training.divergence import StopOnDivergence
from zoo.training.errors import TrainingDivergedError
from zoo.training.multi_worker import multi_worker_fit


def fit(
    model,
    x,
    y=None,
    *,
    validation_data=None,
    epochs=1,
    batch_size=32,
    callbacks=None,
    verbose="auto",
    shuffle_seed=None,
):
    """Trains a compiled model under the current distribution, like `model.fit`.

    Args:
        model: a compiled Keras model, built (and compiled) inside the
            strategy's scope on TensorFlow.
        x: inputs: an array, or a list of arrays for several inputs.
        y: targets, or None for models that train on `x` alone.
        validation_data: `(x_val, y_val)` or `(x_val,)`, or None.
        epochs: int, the number of epochs.
        batch_size: int, the global batch size (all replicas together).
        callbacks: list of Keras callbacks.
        verbose: `"auto"`, 0, 1 (progress bars) or 2 (a line per epoch).
        shuffle_seed: int seeding the epochs' shuffling; drawn from NumPy's
            global generator when None (so `keras.utils.set_random_seed`
            fixes it). A resumed run keeps its original seed.

    Returns:
        The `keras.callbacks.History`; its `history` dict holds the logs
        of every epoch, those before a resume included.

    Raises:
        TrainingSetupError: when the batch size does not split evenly into
            the replicas, or there are fewer examples than replicas.
        TrainingDivergedError: when a loss or metric is NaN or infinite.

    Example:
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    >>> model.compile("sgd", "mse")
    >>> x, y = np.ones((10, 3)), np.ones((10, 1))
    >>> history = fit(model, x, y, validation_data=(x, y), epochs=2, batch_size=4, verbose=0)
    >>> sorted(history.history), len(history.history["loss"])
    (['loss', 'val_loss'], 2)
    """
    data = training_arrays(x, y)
    validation = None if validation_data is None else training_arrays(*validation_data)
    replicas = replica_count(model)
    check_batch_size(batch_size, replicas, count(data))
    if shuffle_seed is None:
        shuffle_seed = int(np.random.randint(2**31 - 1))
    callbacks = list(callbacks or [])
    build_for_training(model, data)
    backup = next((c for c in callbacks if isinstance(c, RunBackup)), None)
    first_epoch, history = 0, keras.callbacks.History()
    if backup is not None:
        backup.set_model(model)
        resumed = backup.resume(callbacks, shuffle_seed)
        first_epoch = epochs if resumed.stopped else resumed.epoch
        shuffle_seed = resumed.shuffle_seed
        for logs in resumed.logs:
            for name, value in logs.items():
                history.history.setdefault(name, []).append(value)
    steps = len(batch_plan(count(data), batch_size, replicas))
    train = multi_worker_fit if on_several_workers(model) else keras_fit
    try:
        train(
            model,
            data,
            validation,
            epochs=epochs,
            first_epoch=first_epoch,
            batch_size=batch_size,
            shuffle_seed=shuffle_seed,
            callbacks=[StopOnDivergence(epochs, steps, data[0]), *callbacks, history],
            verbose=verbose,
        )
    except TrainingDivergedError:
        if backup is not None:
            backup.discard()  # nothing for --resume to pick up
        raise
    return history


def keras_fit(
    model, data, validation, *, epochs, first_epoch, batch_size, shuffle_seed, callbacks, verbose
):
    """Trains with `model.fit` on the planned batches, from `first_epoch` on.

    Takes the arguments of `zoo.training.multi_worker.multi_worker_fit`, so
    that `fit` calls either the same way.

    Args:
        model: a compiled Keras model.
        data: the training arrays, `(x,)` or `(x, y)`.
        validation: the validation arrays, or None.
        epochs: int, the number of epochs.
        first_epoch: int, the epoch to start at (`fit`'s `initial_epoch`).
        batch_size: int, the global batch size, a multiple of the replicas.
        shuffle_seed: int, the seed of the epochs' shuffling.
        callbacks: list of Keras callbacks.
        verbose: `"auto"`, 0, 1 or 2, as for `fit`.

    Example:
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    >>> model.compile("sgd", "mse")
    >>> history = keras.callbacks.History()
    >>> keras_fit(model, (np.ones((8, 3)), np.ones((8, 1))), None, epochs=3, first_epoch=1,
    ...           batch_size=4, shuffle_seed=0, callbacks=[history], verbose=0)
    >>> history.epoch
    [1, 2]
    """
    replicas = replica_count(model)
    batches = PlannedBatches(data, batch_size, replicas, seed=shuffle_seed, first_epoch=first_epoch)
    validation_batches, validation_steps = None, None
    if validation is not None:
        validation_batches = PlannedBatches(validation, batch_size, replicas)
        validation_steps = validation_batches.steps
    # `shuffle=False`: the planned batches are shuffled already.
    model.fit(
        batches,
        steps_per_epoch=batches.steps,
        epochs=epochs,
        initial_epoch=first_epoch,
        shuffle=False,
        validation_data=validation_batches,
        validation_steps=validation_steps,
        callbacks=callbacks,
        verbose=verbose,
    )


def replica_count(model):
    """How many replicas a global batch is split into when `model` trains.

    Args:
        model: a Keras model.

    Returns:
        The replicas of the model's `tf.distribute` strategy on TensorFlow,
        the devices along the batch axis of a `keras.distribution.DataParallel`
        distribution elsewhere, else 1.

    Example:
    >>> replica_count(keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]))
    1
    """
    if keras.backend.backend() == "tensorflow":
        return model.distribute_strategy.num_replicas_in_sync
    distribution = keras.distribution.distribution()
    if isinstance(distribution, keras.distribution.DataParallel):
        mesh = distribution.device_mesh
        return dict(zip(mesh.axis_names, mesh.shape))[distribution.batch_dim_name]
    return 1


def on_several_workers(model):
    """Whether `model` trains under `tf.distribute.MultiWorkerMirroredStrategy`.

    Args:
        model: a Keras model.

    Returns:
        True on TensorFlow under that strategy (where `fit` takes the loop
        for several workers), else False.

    Example:
    >>> on_several_workers(keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)]))
    False
    """
    if keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    return isinstance(model.distribute_strategy, tf.distribute.MultiWorkerMirroredStrategy)


def build_for_training(model, data):
    """Creates the model's and its optimizer's variables, as training would first.

    A backup can then be restored into them before the first step. An
    unbuilt model is built by a symbolic call on inputs shaped like `data`'s;
    an unbuilt optimizer by `optimizer.build(model.trainable_variables)`,
    inside the model's `tf.distribute` strategy on TensorFlow.

    Args:
        model: a compiled Keras model.
        data: the training arrays, `(x,)` or `(x, y)`.

    Example:
    >>> model = keras.Sequential([keras.layers.Dense(2)])
    >>> model.compile("adam", "mse")
    >>> build_for_training(model, (np.ones((4, 3)), np.ones((4, 2))))
    >>> model.built, len(model.optimizer.variables)
    (True, 6)
    """
    scope = (
        model.distribute_strategy.scope()
        if keras.backend.backend() == "tensorflow"
        else contextlib.nullcontext()
    )
    with scope:
        if not model.built:
            model(
                keras.tree.map_structure(
                    lambda array: keras.Input(array.shape[1:], dtype=str(array.dtype)), data[0]
                )
            )
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
