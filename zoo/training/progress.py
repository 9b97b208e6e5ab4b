"""Progress of a training where it is read: Keras's bar on a terminal, plain lines in a log.

A progress bar redraws itself with carriage returns and colour codes; in a
file or a CI log every redraw becomes text. Written anywhere but a
terminal, a training prints plain lines instead: one per finished epoch,
at most one every `EVERY_SECONDS` (the first, and the last one always), so
a run of many short epochs stays a few lines long.

Example:
>>> fit_progress(2, epochs=3)  # a verbosity asked for is kept
(2, [])
"""

import sys
import time

import keras

# Fewest seconds between two epoch lines in a log.
EVERY_SECONDS = 10.0


class EpochLines(keras.callbacks.Callback):
    """Prints one plain line per finished epoch, at most one every `every` seconds.

    The first epoch's line and the last one's are always printed; a line
    reads `epoch 3/60: loss 0.9345, val_loss 0.7933 (2 s)`.

    Args:
        epochs: the number of epochs asked for.
        every: fewest seconds between two lines.
        stream: where to write; `sys.stdout` when None.

    Example:
    >>> lines = EpochLines(epochs=2, stream=sys.stdout)
    >>> lines.on_train_begin(); lines.on_epoch_end(0, {"loss": 0.5}); lines.on_train_end()
    epoch 1/2: loss 0.5 (0 s)
    """

    def __init__(self, epochs, every=EVERY_SECONDS, stream=None):
        super().__init__()
        self.epochs, self.every, self.stream = epochs, every, stream

    def on_train_begin(self, logs=None):
        self.started = time.monotonic()
        self.printed_at = None
        self.pending = None

    def on_epoch_end(self, epoch, logs=None):
        now = time.monotonic()
        values = ", ".join(
            f"{name} {float(value):.4g}"
            for name, value in (logs or {}).items()
            if name != "learning_rate"
        )
        line = f"epoch {epoch + 1}/{self.epochs}: {values} ({now - self.started:.0f} s)"
        if self.printed_at is not None and now - self.printed_at < self.every:
            self.pending = line
            return
        self._print(line, now)

    def on_train_end(self, logs=None):
        if self.pending is not None:
            self._print(self.pending, time.monotonic())

    def _print(self, line, now):
        print(line, file=self.stream or sys.stdout, flush=True)
        self.printed_at, self.pending = now, None


def fit_progress(verbose, epochs, stream=None):
    """The Keras verbosity and callbacks that show a training's progress.

    Args:
        verbose: `"auto"`, or a Keras verbosity (0, 1, 2) kept as it is.
        epochs: the number of epochs asked for.
        stream: where progress goes; `sys.stdout` when None.

    Returns:
        `(verbose, callbacks)`: with `"auto"`, Keras's progress bar (1) on
        a terminal; elsewhere 0 and an `EpochLines`.
    """
    stream = stream or sys.stdout
    if verbose != "auto":
        return verbose, []
    if stream.isatty():
        return 1, []
    return 0, [EpochLines(epochs, stream=stream)]
