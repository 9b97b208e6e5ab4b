"""One training loop for one device, several GPUs, several workers, and JAX devices.

Keras 3's `fit` fails under `tf.distribute.MultiWorkerMirroredStrategy`
(keras-team/keras#20585). `distributed_fit` trains under any strategy, and
keeps what `fit` gives: the Keras callbacks see the same calls in the same
order (so progress bars, `History`, validation logs, `EarlyStopping` with
its best weights, `ModelCheckpoint` and `TensorBoard` work unchanged), and
`model.stop_training` ends training.

Each step runs the model's own `train_step`: Keras' for compiled models
(a `GradientTape` around `compute_loss`, then the Keras optimizer), or a
model's own, such as the DCGAN's. On TensorFlow it runs on every replica
with `strategy.run`, each replica taking its slice of the global batch, and
the metrics are read across replicas; on other backends it is
`train_on_batch` on the whole batch, which `keras.distribution.DataParallel`
(JAX) splits across the local devices.

Batches: every epoch shuffles the examples with a permutation seeded by
`(shuffle_seed, epoch)`, the same on every worker, and cuts it into global
batches. Each global batch is split into equal, consecutive slices, one per
replica, so the replicas' losses, each scaled by 1/replicas, add up to the
loss of the whole batch: N replicas take the steps one device takes at the
same global batch size. Hence the batch size must divide by the number of
replicas, and the last, short batch of an epoch (and of the validation
data) is cut to a multiple of it: at most replicas − 1 examples sit out an
epoch; with one replica, none. Each worker feeds only its own replicas'
slices.

A loss that is not a finite number stops training with a
`zoo.training.errors.TrainingDivergedError`. A `zoo.training.backup.RunBackup`
among the callbacks makes the run resumable.

Example:
>>> history = distributed_fit(model, x, y, validation_data=(x_val, y_val),
...                           epochs=10, batch_size=32,
...                           callbacks=[keras.callbacks.EarlyStopping()])
>>> history.history["val_loss"][-1]
"""

import keras
import numpy as np

from zoo.training.backup import RunBackup
from zoo.training.errors import TrainingDivergedError, TrainingSetupError, first_not_finite


def distributed_fit(model, x, y=None, *, validation_data=None, epochs=1, batch_size=32,
                    callbacks=None, verbose="auto", shuffle_seed=None):
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
        verbose: 0, 1 (progress bars; also `"auto"`) or 2 (a line per epoch).
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
    """
    steps_of = _StrategySteps if keras.backend.backend() == "tensorflow" else _KerasSteps
    runner = steps_of(model)
    data = _as_floatx(_pack(x, y))
    validation = None if validation_data is None else _as_floatx(tuple(validation_data))
    count = _count(data)
    _check_batch_size(batch_size, runner.replicas, count)
    verbose = 1 if verbose == "auto" else verbose
    if shuffle_seed is None:
        shuffle_seed = int(np.random.randint(2**31 - 1))
    steps = len(batch_plan(count, batch_size, runner.replicas))
    callback_list = keras.callbacks.CallbackList(
        callbacks, add_history=True, add_progbar=verbose != 0, model=model,
        verbose=verbose, epochs=epochs, steps=steps)
    runner.build(_take(data, np.arange(runner.replicas)))
    model.stop_training = False
    callback_list.on_train_begin()
    backup = next((c for c in callback_list.callbacks if isinstance(c, RunBackup)), None)
    first, past_logs = 0, []
    if backup is not None:
        first, shuffle_seed, past_logs = backup.resume(callback_list.callbacks, shuffle_seed)
    runner.agree(first)
    for epoch, logs in enumerate(past_logs):
        model.history.on_epoch_end(epoch, logs)
    epoch_logs = dict(past_logs[-1]) if past_logs else {}
    for epoch in range(first, epochs):
        if model.stop_training:
            break
        model.reset_metrics()
        callback_list.on_epoch_begin(epoch)
        plan = batch_plan(count, batch_size, runner.replicas, seed=shuffle_seed, epoch=epoch)
        for step, indices in enumerate(plan):
            callback_list.on_train_batch_begin(step)
            logs = runner.train(data, indices)
            bad = first_not_finite(logs)
            if bad is not None:
                if backup is not None:
                    backup.discard()
                raise TrainingDivergedError(epoch, step, steps, epochs, *bad,
                                            learning_rate=_learning_rate(model),
                                            input_range=_numeric_range(data[0]))
            callback_list.on_train_batch_end(step, logs)
            if model.stop_training:
                break
        epoch_logs = dict(logs)
        if validation is not None:
            validation_logs = _validate(runner, callback_list, validation, batch_size)
            epoch_logs.update({f"val_{name}": value for name, value in validation_logs.items()})
        callback_list.on_epoch_end(epoch, epoch_logs)
    callback_list.on_train_end(logs=epoch_logs)
    return model.history


def batch_plan(count, batch_size, replicas, seed=None, epoch=0):
    """The examples of each global batch of one epoch, as index arrays.

    Args:
        count: number of examples.
        batch_size: global batch size, a multiple of `replicas`.
        replicas: number of replicas the batches are split into.
        seed: int shuffling seed; None keeps the examples in order.
        epoch: the epoch (the permutation is seeded by `(seed, epoch)`).

    Returns:
        A list of int arrays, each a multiple of `replicas` long: the last,
        short batch loses its `len % replicas` extra examples.

    Example:
    >>> [b.tolist() for b in batch_plan(7, 4, 2)]
    [[0, 1, 2, 3], [4, 5]]
    """
    order = (np.arange(count) if seed is None
             else np.random.default_rng([seed, epoch]).permutation(count))
    batches = [order[start:start + batch_size] for start in range(0, count, batch_size)]
    if batches:
        last = batches[-1]
        batches[-1] = last[:len(last) - len(last) % replicas]
        if not len(batches[-1]):
            batches.pop()
    return batches


def _validate(runner, callback_list, data, batch_size):
    """Evaluates the validation data as `fit` does; returns the metric results."""
    runner.model.reset_metrics()
    callback_list.on_test_begin()
    logs = {}
    for step, indices in enumerate(batch_plan(_count(data), batch_size, runner.replicas)):
        callback_list.on_test_batch_begin(step)
        logs = runner.test(data, indices)
        callback_list.on_test_batch_end(step, logs)
    callback_list.on_test_end(logs)
    return logs


class _StrategySteps:
    """TensorFlow: the model's steps on every replica of its `tf.distribute` strategy."""

    def __init__(self, model):
        self.model = model
        self.strategy = model.distribute_strategy
        self.replicas = self.strategy.num_replicas_in_sync
        self._train = self._distributed(model.train_step)
        self._test = self._distributed(model.test_step)

    def _distributed(self, step):
        import tensorflow as tf

        model, strategy = self.model, self.strategy
        if model.jit_compile and not model.run_eagerly:
            # As `fit` compiles the replica's step where XLA is worth it (GPUs).
            step = tf.function(step, reduce_retracing=True, jit_compile=True)

        def run(batch):
            strategy.run(step, args=(batch,))
            # Read outside the replicas: metric variables sum over all of them.
            return model.get_metrics_result()

        return run if model.run_eagerly else tf.function(run, reduce_retracing=True)

    def build(self, batch):
        import tensorflow as tf

        with self.strategy.scope():
            # What `fit` does first: create the compiled loss's and metrics'
            # (and the optimizer's) variables, from a plain batch; `fit`
            # itself trips over the per-replica batch under several workers.
            self.model._symbolic_build(
                data_batch=keras.tree.map_structure(tf.convert_to_tensor, batch))

    def agree(self, first_epoch):
        """Checks that every worker resumes at the same epoch."""
        if self.replicas == 1:
            return
        import tensorflow as tf

        @tf.function
        def sums():
            mine = self.strategy.run(lambda: tf.constant([first_epoch, first_epoch ** 2],
                                                         tf.int64))
            return self.strategy.reduce("SUM", mine, axis=None)

        total, squares = sums().numpy().tolist()
        # Equal values, and only they, make the sum of squares n · mean².
        if squares * self.replicas != total * total:
            raise TrainingSetupError(
                f"The workers would resume at different epochs (this one after epoch "
                f"{first_epoch}): each reads the run's backup from its own runs/ folder. "
                "Put runs/ on storage that every worker shares (the chief writes the "
                "backups, all workers read them), or start without --resume.")

    def train(self, data, indices):
        return _numbers(self._train(self._distribute(data, indices)))

    def test(self, data, indices):
        return _numbers(self._test(self._distribute(data, indices)))

    def _distribute(self, data, indices):
        import tensorflow as tf

        slices = np.split(indices, self.replicas)

        def replica_batch(context):
            mine = slices[context.replica_id_in_sync_group]
            return keras.tree.map_structure(lambda a: tf.convert_to_tensor(a[mine]), data)

        # Each worker is asked only for its own replicas' slices.
        return self.strategy.experimental_distribute_values_from_function(replica_batch)


class _KerasSteps:
    """Other backends: `train_on_batch` on the global batch, split by the distribution."""

    def __init__(self, model):
        self.model = model
        distribution = keras.distribution.distribution()
        self.replicas = 1
        if isinstance(distribution, keras.distribution.DataParallel):
            mesh = distribution.device_mesh
            self.replicas = dict(zip(mesh.axis_names, mesh.shape))[distribution.batch_dim_name]

    def build(self, batch):
        # Before a backup restores the optimizer's state, it must exist.
        self.model._symbolic_build(data_batch=batch)

    def agree(self, first_epoch):
        """One process: nothing to agree on."""

    def train(self, data, indices):
        return _numbers(self.model.train_on_batch(*_take(data, indices), return_dict=True))

    def test(self, data, indices):
        return _numbers(self.model.test_on_batch(*_take(data, indices), return_dict=True))


def _pack(x, y):
    return (x,) if y is None else (x, y)


def _as_floatx(data):
    """Floating arrays in Keras' float type, as `fit` feeds them."""
    floatx = keras.config.floatx()

    def cast(array):
        array = np.asarray(array)
        if np.issubdtype(array.dtype, np.floating) and array.dtype != floatx:
            return array.astype(floatx)
        return array

    return keras.tree.map_structure(cast, data)


def _count(data):
    return len(keras.tree.flatten(data)[0])


def _take(data, indices):
    return keras.tree.map_structure(lambda array: array[indices], data)


def _check_batch_size(batch_size, replicas, count):
    if batch_size < replicas or batch_size % replicas:
        low = max(replicas, batch_size - batch_size % replicas)
        raise TrainingSetupError(
            f"The batch size {batch_size} does not split evenly into {replicas} "
            f"replicas (each takes an equal slice of every batch, so that they train "
            f"as one device would). Use a multiple of {replicas}, e.g. --batch-size "
            f"{low} or {low + replicas}.")
    if count < replicas:
        raise TrainingSetupError(
            f"{count} training examples cannot feed {replicas} replicas: each needs "
            "at least one per step. Train on fewer devices or workers.")


def _numbers(logs):
    """Logs as Python floats (and arrays for metrics with several values)."""
    numbers = {}
    for name, value in logs.items():
        value = np.asarray(keras.ops.convert_to_numpy(value))
        numbers[name] = float(value) if value.size == 1 else value
    return numbers


def _learning_rate(model):
    rate = getattr(getattr(model, "optimizer", None), "learning_rate", None)
    return None if rate is None else float(keras.ops.convert_to_numpy(rate))


def _numeric_range(x):
    """`(low, high)` over the numeric arrays of the inputs, or None."""
    arrays = [np.asarray(a) for a in keras.tree.flatten(x)]
    arrays = [a for a in arrays if np.issubdtype(a.dtype, np.number) and a.size]
    if not arrays:
        return None
    return (min(float(a.min()) for a in arrays), max(float(a.max()) for a in arrays))
