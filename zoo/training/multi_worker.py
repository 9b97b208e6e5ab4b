"""The training loop for several workers, where Keras 3's `fit` fails (keras-team/keras#20585).

`multi_worker_fit` trains under `tf.distribute.MultiWorkerMirroredStrategy`
(and, as tested on two logical CPUs, under any other strategy) and keeps
what `fit` gives: the Keras callbacks see the same calls in the same order
(progress bars, `History`, validation logs, `EarlyStopping` with its best
weights, `ModelCheckpoint` and `TensorBoard` work unchanged), and
`model.stop_training` ends training. `zoo.training.fit.fit` calls it on
several workers and `model.fit` everywhere else.

Each step runs the model's own `train_step` (Keras's for compiled models,
or a model's own, such as the DCGAN's) on every replica with
`strategy.run`, each replica taking its consecutive slice of the global
batch, and reads the metrics across replicas. Each worker feeds only its
own replicas' slices.
"""

import keras
import numpy as np

from zoo.training.batches import batch_plan, count, take
from zoo.training.errors import TrainingSetupError


def multi_worker_fit(
    model, data, validation, *, epochs, first_epoch, batch_size, shuffle_seed, callbacks, verbose
):
    """Trains a compiled model on every replica of its strategy, epoch by epoch, like `fit`.

    Args:
        model: a compiled Keras model, built with its optimizer's variables
            (`zoo.training.fit.build_for_training`) inside its strategy's scope.
        data: the training arrays, `(x,)` or `(x, y)`.
        validation: the validation arrays, or None.
        epochs: int, the number of epochs.
        first_epoch: int, the epoch to start at (a resumed run's next one).
        batch_size: int, the global batch size, a multiple of the replicas.
        shuffle_seed: int, the seed of the epochs' shuffling.
        callbacks: list of Keras callbacks.
        verbose: `"auto"`, 0, 1 or 2, as for `fit`.

    Raises:
        TrainingSetupError: when the workers would resume at different epochs.

    Example:
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    >>> model.compile("sgd", "mse")
    >>> history = keras.callbacks.History()
    >>> multi_worker_fit(model, (np.ones((8, 3)), np.ones((8, 1))), None, epochs=2,
    ...                  first_epoch=0, batch_size=4, shuffle_seed=0, callbacks=[history],
    ...                  verbose=0)
    >>> history.epoch
    [0, 1]
    """
    steps = ReplicaSteps(model)
    steps.build(take(data, np.arange(steps.replicas)))
    steps.agree(first_epoch)
    train_steps = len(batch_plan(count(data), batch_size, steps.replicas))
    callback_list = keras.callbacks.CallbackList(
        callbacks,
        add_history=True,
        add_progbar=verbose != 0,
        model=model,
        verbose=verbose,
        epochs=epochs,
        steps=train_steps,
    )
    model.stop_training = False
    callback_list.on_train_begin()
    epoch_logs = None
    for epoch in range(first_epoch, epochs):
        model.reset_metrics()
        callback_list.on_epoch_begin(epoch)
        plan = batch_plan(count(data), batch_size, steps.replicas, seed=shuffle_seed, epoch=epoch)
        for step, indices in enumerate(plan):
            callback_list.on_train_batch_begin(step)
            logs = steps.train(data, indices)
            callback_list.on_train_batch_end(step, logs)
            if model.stop_training:
                break
        epoch_logs = dict(logs)
        if validation is not None:
            validation_logs = _validate(steps, callback_list, validation, batch_size)
            epoch_logs.update({f"val_{name}": value for name, value in validation_logs.items()})
        callback_list.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
    callback_list.on_train_end(logs=epoch_logs)


def _validate(steps, callback_list, data, batch_size):
    """Evaluates the validation data as `fit` does; returns the metric results."""
    steps.model.reset_metrics()
    callback_list.on_test_begin()
    logs = {}
    for step, indices in enumerate(batch_plan(count(data), batch_size, steps.replicas)):
        callback_list.on_test_batch_begin(step)
        logs = steps.test(data, indices)
        callback_list.on_test_batch_end(step, logs)
    callback_list.on_test_end(logs)
    return logs


class ReplicaSteps:
    """The model's training and test steps on every replica of its `tf.distribute` strategy.

    Args:
        model: a compiled Keras model.

    Example:
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    >>> model.compile("sgd", "mse")
    >>> steps = ReplicaSteps(model)
    >>> sorted(steps.train((np.ones((8, 3)), np.ones((8, 1))), np.arange(4)))
    ['loss']
    """

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
        """Creates the compiled loss's and metrics' variables from a plain batch.

        `fit` creates them before its first step, outside the replicas
        (variables cannot be created inside one); here a forward pass and
        the compiled loss and metrics run once on `batch` inside a
        `keras.StatelessScope`, which creates the variables and leaves
        every variable's value as it was. Models with their own step
        (compiled with no loss, such as the GAN and the VAEs) track their
        losses in metrics that exist already.

        Args:
            batch: a few examples, `(x,)` or `(x, y)`.
        """
        if self.model.loss is None:
            return
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(batch)
        with self.strategy.scope(), keras.StatelessScope():
            y_pred = self.model(x, training=False)
            self.model.compute_loss(x, y, y_pred, sample_weight)
            self.model.compute_metrics(x, y, y_pred, sample_weight)

    def agree(self, first_epoch):
        """Checks that every worker resumes at the same epoch.

        Raises:
            TrainingSetupError: when they would not, naming the fix.
        """
        if self.replicas == 1:
            return
        import tensorflow as tf

        @tf.function
        def sums():
            mine = self.strategy.run(lambda: tf.constant([first_epoch, first_epoch**2], tf.int64))
            return self.strategy.reduce("SUM", mine, axis=None)

        total, squares = sums().numpy().tolist()
        # Equal values, and only they, make the sum of squares n · mean².
        if squares * self.replicas != total * total:
            raise TrainingSetupError(
                f"The workers would resume at different epochs (this one after epoch "
                f"{first_epoch}): each reads the run's backup from its own runs/ folder. "
                "Put runs/ on storage that every worker shares (the chief writes the "
                "backups, all workers read them), or start without --resume."
            )

    def train(self, data, indices):
        """One training step on the examples `indices`; returns the logs as numbers."""
        return _numbers(self._train(self.distribute(data, indices)))

    def test(self, data, indices):
        """One test step on the examples `indices`; returns the logs as numbers."""
        return _numbers(self._test(self.distribute(data, indices)))

    def distribute(self, data, indices):
        """The examples `indices`, split into equal consecutive slices, one per replica.

        Each worker is asked only for its own replicas' slices.

        Returns:
            `data`'s structure of per-replica values.
        """
        import tensorflow as tf

        slices = np.split(indices, self.replicas)

        def replica_batch(context):
            mine = slices[context.replica_id_in_sync_group]
            return keras.tree.map_structure(lambda a: tf.convert_to_tensor(a[mine]), data)

        return self.strategy.experimental_distribute_values_from_function(replica_batch)


def _numbers(logs):
    """Logs as Python floats (and arrays for metrics with several values)."""
    numbers = {}
    for name, value in logs.items():
        value = np.asarray(keras.ops.convert_to_numpy(value))
        numbers[name] = float(value) if value.size == 1 else value
    return numbers
