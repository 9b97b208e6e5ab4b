"""What a training run reports to its user instead of a traceback.

Example:
>>> error = TrainingDivergedError(2, 5, 28, 10, "loss", float("nan"),
...                               learning_rate=0.5, input_range=(0.0, 255.0))
>>> print(error)  # doctest: +NORMALIZE_WHITESPACE
Training diverged in epoch 3 of 10 (batch 6 of 28): loss became nan. Likely
causes: the inputs are not scaled (the training inputs range over [0, 255]:
scale them to about [-1, 1] inside the model, e.g. keras.layers.Rescaling(1 / 255),
if it does not already); the learning rate is too high (it is 0.5: try 0.05).
Training stopped; nothing was exported.
"""

import math

# Inputs whose largest magnitude exceeds this are worth naming as unscaled.
LARGE_INPUT = 10.0


class TrainingSetupError(ValueError):
    """A training run cannot start as asked; the message says what to change."""


class TrainingDivergedError(RuntimeError):
    """Training produced a loss that is not a finite number, so it stopped.

    The message names the epoch and batch (counted from 1, as the progress
    bar counts), the value, and the likely causes, with the numbers that
    point to them: the learning rate, and the range of the training inputs
    when it is far from unit scale.

    Args:
        epoch: index of the epoch (from 0).
        batch: index of the batch in the epoch (from 0).
        steps: batches per epoch.
        epochs: epochs planned.
        name: the log that was not finite, e.g. `"loss"`.
        value: its value.
        learning_rate: the optimizer's learning rate, when it has one.
        input_range: `(low, high)` of the numeric training inputs, or None.
    """

    def __init__(
        self, epoch, batch, steps, epochs, name, value, learning_rate=None, input_range=None
    ):
        self.epoch, self.batch = epoch, batch
        rate = (
            f"the learning rate is too high (it is {learning_rate:g}: try {learning_rate / 10:g})"
            if learning_rate is not None
            else "the learning rate is too high (try a tenth of it)"
        )
        if input_range is None:
            causes = f"Likely causes: {rate}; or inputs far from unit scale."
        elif max(map(abs, input_range)) > LARGE_INPUT:
            low, high = input_range
            causes = (
                f"Likely causes: the inputs are not scaled (the training inputs range over "
                f"[{low:g}, {high:g}]: scale them to about [-1, 1] inside the model, e.g. "
                f"keras.layers.Rescaling(1 / {max(abs(low), abs(high)):g}), if it does not "
                f"already); {rate}."
            )
        else:
            causes = (
                f"Likely cause: {rate}; the training inputs range over "
                f"[{input_range[0]:g}, {input_range[1]:g}], so they look scaled."
            )
        super().__init__(
            f"Training diverged in epoch {epoch + 1} of {epochs} (batch {batch + 1} of "
            f"{steps}): {name} became {value}. {causes} Training stopped; nothing was "
            "exported."
        )


def first_not_finite(logs):
    """Returns `(name, value)` of the first scalar log that is NaN or infinite, or None.

    Args:
        logs: dict of floats (and possibly arrays, which are skipped).

    Example:
    >>> first_not_finite({"loss": float("inf"), "accuracy": 0.5})
    ('loss', inf)
    """
    for name, value in logs.items():
        if isinstance(value, float) and not math.isfinite(value):
            return name, value
    return None
