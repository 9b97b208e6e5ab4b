"""A loss that becomes NaN or infinite stops training: the epoch, the likely cause, no export."""

import argparse
import dataclasses
import math

import keras
import pytest

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
    assert str(error) == (
        f"Training diverged in epoch {len(losses) + 1} of 60 (batch 1 of 1): loss became inf. "
        "Likely cause: the learning rate is too high (it is 0.5: try 0.05); the training "
        "inputs range over [-1, 6], so they look scaled. Training stopped; nothing was "
        "exported."
    )
    assert not (tmp_path / "run" / "backup").exists()


def test_unscaled_inputs_are_named_first_with_their_range(tmp_path):
    error, losses = diverge(diverging_linear(0.01, scale=1000.0), tmp_path)
    assert error.epoch == len(losses)
    assert str(error).startswith(
        f"Training diverged in epoch {len(losses) + 1} of 60 (batch 1 of 1): loss became "
    )
    assert str(error).endswith(
        "Likely causes: the inputs are not scaled (the training inputs range over "
        "[-1000, 6000]: scale them to about [-1, 1] inside the model, e.g. "
        "keras.layers.Rescaling(1 / 6000), if it does not already); the learning rate "
        "is too high (it is 0.01: try 0.001). Training stopped; nothing was exported."
    )


def test_zoo_train_exits_1_with_the_message_and_exports_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    parser = argparse.ArgumentParser()
    add_training_arguments(parser)
    args = parser.parse_args(["--models-dir", str(tmp_path / "saved_models")])

    assert run_training(diverging_linear(0.5), args) == 1
    err = capsys.readouterr().err
    assert err.startswith("Training diverged in epoch ")
    assert err.rstrip().endswith("Training stopped; nothing was exported.")
    assert not (tmp_path / "saved_models").exists()
    (run,) = (tmp_path / "runs" / "linear").iterdir()
    assert not (run / "backup").exists()  # nothing for --resume to pick up
