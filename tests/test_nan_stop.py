"""A loss that becomes NaN or infinite stops training: the epoch, the likely cause, no export."""

import argparse
import dataclasses
import math

import keras
import pytest
from message_helpers import assert_says

from zoo.tasks import get_task
from zoo.training.errors import TrainingDivergedError
from zoo.training.reference import solve
from zoo.training.script import add_training_arguments, run_training


def diverging_linear(learning_rate, scale=1.0):
    """The linear task with a bare Dense(1), plain SGD, and its xs times `scale`."""
    linear = get_task("linear")

    def load(data=None):
        splits = linear.load(data)
        for part in ("train", "validation"):
            x, y = getattr(splits, part)
            setattr(splits, part, (x * scale, y))
        return splits

    def build(splits):
        model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        model.compile(keras.optimizers.SGD(learning_rate), "mse")
        return model

    # Patience enough that early stopping, watching val_loss rise, waits for the end.
    return dataclasses.replace(linear, load=load, build=build, patience=100)


class FinishedEpochs(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.losses = []

    def on_epoch_end(self, epoch, logs=None):
        self.losses.append(logs["loss"])


def diverge(task, tmp_path):
    finished = FinishedEpochs()
    with pytest.raises(TrainingDivergedError) as caught:
        solve(task, verbose=0, run_dir=tmp_path / "run", more_callbacks=[finished])
    return caught.value, finished.losses


def test_a_learning_rate_too_high_is_named_with_the_epoch_it_diverged_in(tmp_path):
    error, losses = diverge(diverging_linear(0.5), tmp_path)
    # Each step multiplies the error by about 10: finite for some epochs, then not.
    assert len(losses) >= 5 and all(map(math.isfinite, losses))
    assert losses[-1] > 1e3 * losses[0]
    assert (error.epoch, error.batch) == (len(losses), 0)
    assert_says(
        str(error),
        f"epoch {len(losses) + 1} of 60",
        "batch 1 of 1",
        "loss became inf",
        "learning rate",
        "0.5: try 0.05",
        "[-1, 6]",
        "nothing was exported",
    )
    assert not (tmp_path / "run" / "backup").exists()


def test_unscaled_inputs_are_named_first_with_their_range(tmp_path):
    error, losses = diverge(diverging_linear(0.01, scale=1000.0), tmp_path)
    assert error.epoch == len(losses)
    message = str(error)
    assert_says(
        message,
        f"epoch {len(losses) + 1} of 60",
        "batch 1 of 1",
        "[-1000, 6000]",
        "keras.layers.Rescaling(1 / 6000)",
        "0.01: try 0.001",
        "nothing was exported",
    )
    # The inputs' scale is the likelier cause, so it is named before the learning rate.
    assert message.index("Rescaling") < message.index("try 0.001")


def test_zoo_train_exits_1_with_the_message_and_exports_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    parser = argparse.ArgumentParser()
    add_training_arguments(parser)
    args = parser.parse_args(["--models-dir", str(tmp_path / "saved_models")])

    assert run_training(diverging_linear(0.5), args) == 1
    assert_says(capsys.readouterr().err, "diverged in epoch", "try 0.05", "nothing was exported")
    assert not (tmp_path / "saved_models").exists()
    (run,) = (tmp_path / "runs" / "linear").iterdir()
    assert not (run / "backup").exists()  # nothing for --resume to pick up
