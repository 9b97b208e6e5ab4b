"""The batches a training takes: the same on one device, on N replicas, and after a resume.

Every epoch shuffles the examples with a permutation seeded by
`(shuffle_seed, epoch)`, the same on every worker, and cuts it into global
batches. A global batch is split into equal, consecutive slices, one per
replica, so that the replicas' losses, each scaled by 1/replicas, add up to
the loss of the whole batch: N replicas take the steps one device takes at
the same global batch size. Hence the batch size must divide by the number
of replicas, and the last, short batch of an epoch (and of the validation
data) is cut to a multiple of it: at most replicas − 1 examples sit out an
epoch; with one replica, none.

Example:
>>> [b.tolist() for b in batch_plan(7, 4, replicas=2)]
[[0, 1, 2, 3], [4, 5]]
"""

import keras
import numpy as np

from zoo.training.errors import TrainingSetupError


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
    >>> [b.tolist() for b in batch_plan(5, 4, replicas=1)]
    [[0, 1, 2, 3], [4]]
    """
    order = (
        np.arange(count)
        if seed is None
        else np.random.default_rng([seed, epoch]).permutation(count)
    )
    batches = [order[start : start + batch_size] for start in range(0, count, batch_size)]
    if batches:
        last = batches[-1]
        batches[-1] = last[: len(last) - len(last) % replicas]
        if not len(batches[-1]):
            batches.pop()
    return batches


class PlannedBatches(keras.utils.PyDataset):
    """The batches of `batch_plan`, epoch after epoch, as Keras's `fit` reads them.

    Item `i` is batch `i % steps` of epoch `first_epoch + i // steps`: what
    Keras gets depends on nothing but the item it asks for, so a pipeline
    that reads ahead, or a resumed run that starts at `first_epoch`, sees
    the same batches as a run that never stopped. The dataset never ends;
    give `fit` its `steps` as `steps_per_epoch` (or `validation_steps`).

    Args:
        data: tuple of arrays (or of lists of arrays), e.g. `(x, y)`.
        batch_size: int, the global batch size.
        replicas: int, the replicas each batch is split into.
        seed: int, the shuffling seed; None keeps every epoch in order
            (for validation data).
        first_epoch: int, the epoch of item 0.

    Example:
    >>> batches = PlannedBatches((np.arange(10.0),), batch_size=4, replicas=2)
    >>> batches.steps, batches[2][0].tolist(), batches[3][0].tolist()
    (3, [8.0, 9.0], [0.0, 1.0, 2.0, 3.0])
    """

    def __init__(self, data, batch_size, replicas, seed=None, first_epoch=0):
        super().__init__()
        self.data = data
        self.batch_size = batch_size
        self.replicas = replicas
        self.seed = seed
        self.first_epoch = first_epoch
        self.steps = len(batch_plan(count(data), batch_size, replicas))
        self.epoch, self.plan = None, None

    @property
    def num_batches(self):
        """None: the batches go on epoch after epoch."""
        return None

    def __getitem__(self, index):
        epoch, step = divmod(index, self.steps)
        epoch += self.first_epoch
        if epoch != self.epoch:
            self.epoch = epoch
            self.plan = batch_plan(
                count(self.data), self.batch_size, self.replicas, seed=self.seed, epoch=epoch
            )
        return keras.tree.map_structure(_text_as_tensor, take(self.data, self.plan[step]))


def _text_as_tensor(array):
    # Keras reads no NumPy strings from a PyDataset; TensorFlow, the one
    # backend whose layers take text, holds them as a string tensor.
    if array.dtype.kind not in "OUS":
        return array
    import tensorflow as tf

    return tf.constant(array)


def training_arrays(x, y=None):
    """`(x,)` or `(x, y)` as NumPy arrays, floating ones in Keras's float type, as `fit` feeds them.

    Args:
        x: inputs: an array, or a list of arrays for several inputs.
        y: targets, or None for models that train on `x` alone.

    Returns:
        A tuple of arrays; lists of arrays become tuples, as `tf.data`
        (which `fit` reads through on TensorFlow) takes no lists.

    Example:
    >>> training_arrays(np.zeros(2, "float64"))[0].dtype
    dtype('float32')
    """
    floatx = keras.config.floatx()

    def cast(array):
        array = np.asarray(array)
        if np.issubdtype(array.dtype, np.floating) and array.dtype != floatx:
            return array.astype(floatx)
        return array

    return keras.tree.lists_to_tuples(keras.tree.map_structure(cast, (x,) if y is None else (x, y)))


def count(data):
    """The number of examples in `data`: the length of its first array.

    Example:
    >>> count(((np.zeros((5, 2)), np.zeros(5)), np.zeros(5)))
    5
    """
    return len(keras.tree.flatten(data)[0])


def take(data, indices):
    """The examples `indices` of every array in `data`, in the same structure.

    Example:
    >>> take((np.arange(5), np.arange(5) * 10), [1, 3])
    (array([1, 3]), array([10, 30]))
    """
    return keras.tree.map_structure(lambda array: array[indices], data)


def check_batch_size(batch_size, replicas, examples):
    """Refuses a batch size that does not split into the replicas, or too few examples.

    Args:
        batch_size: int, the global batch size.
        replicas: int, the replicas training together.
        examples: int, the number of training examples.

    Raises:
        TrainingSetupError: naming the sizes that would split evenly.

    Example:
    >>> check_batch_size(64, replicas=2, examples=100)  # fine: says nothing
    """
    if batch_size < replicas or batch_size % replicas:
        low = max(replicas, batch_size - batch_size % replicas)
        raise TrainingSetupError(
            f"The batch size {batch_size} does not split evenly into {replicas} "
            f"replicas (each takes an equal slice of every batch, so that they train "
            f"as one device would). Use a multiple of {replicas}, e.g. --batch-size "
            f"{low} or {low + replicas}."
        )
    if examples < replicas:
        raise TrainingSetupError(
            f"{examples} training examples cannot feed {replicas} replicas: each needs "
            "at least one per step. Train on fewer devices or workers."
        )
