"""Stopping a training whose loss is no longer a number, with the likely cause.

`zoo.training.fit.fit` puts a `StopOnDivergence` first among the callbacks
on every distribution; the error it raises is
`zoo.training.errors.TrainingDivergedError`.
"""

import keras
import numpy as np

from zoo.training.errors import TrainingDivergedError, first_not_finite


class StopOnDivergence(keras.callbacks.Callback):
    """Raises `TrainingDivergedError` after the first batch with a NaN or infinite loss or metric.

    Put it first among the callbacks, so that it stops training before the
    others see the batch (a progress bar would print `nan`, a checkpoint
    would save it). The error names the epoch and batch, the optimizer's
    learning rate, and the range of the training inputs.

    Args:
        epochs: the number of epochs asked for.
        steps: batches per epoch.
        inputs: the training inputs (an array, or a list of arrays); their
            range is computed only when training diverges.

    Example:
    >>> stop = StopOnDivergence(epochs=2, steps=1, inputs=np.zeros((4, 3)))
    >>> stop.on_epoch_begin(0); stop.on_train_batch_end(0, {"loss": 0.5})
    """

    def __init__(self, epochs, steps, inputs):
        super().__init__()
        self.epochs, self.steps, self.inputs = epochs, steps, inputs
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        bad = first_not_finite(logs or {})
        if bad is not None:
            raise TrainingDivergedError(
                self.epoch,
                batch,
                self.steps,
                self.epochs,
                *bad,
                learning_rate=self._learning_rate(),
                input_range=numeric_range(self.inputs),
            )

    def _learning_rate(self):
        # Read only here: on JAX, reading `self.model` syncs the training state.
        rate = getattr(getattr(self.model, "optimizer", None), "learning_rate", None)
        return None if rate is None else float(keras.ops.convert_to_numpy(rate))


def numeric_range(inputs):
    """`(low, high)` over the numeric arrays of the inputs, or None when there are none.

    Args:
        inputs: an array, or a structure (list, tuple, dict) of arrays.

    Example:
    >>> numeric_range([np.array([1, 5]), np.array([-2.0])])
    (-2.0, 5.0)
    """
    arrays = [np.asarray(a) for a in keras.tree.flatten(inputs)]
    arrays = [a for a in arrays if np.issubdtype(a.dtype, np.number) and a.size]
    if not arrays:
        return None
    return (min(float(a.min()) for a in arrays), max(float(a.max()) for a in arrays))
