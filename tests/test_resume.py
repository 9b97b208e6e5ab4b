"""A killed `zoo train` run resumes from its last finished epoch and ends as if never stopped.

The kills are deterministic: a callback placed after the zoo's own (so after
the epoch's backup) sends SIGKILL to its own process after epoch 2 of 4; a
second run is killed while its third backup is half written. The model is
the β-VAE task on mocked MNIST: its step draws noise from a seeded
generator and its Adam optimizer has moments, so a resume that lost either
would end elsewhere.
"""

import signal
import subprocess

import keras
import numpy as np
import pytest
from tasks_helpers import mocked_tfds
from training_helpers import environment, killed_run_command, largest_difference

from zoo.report.card import read_card
from zoo.tasks import get_task
from zoo.training import reference as training
from zoo.training.backup import RunBackup, interrupted_run
from zoo.training.errors import TrainingSetupError
from zoo.training.fit import fit
from zoo.training.script import run_script

TASK, EPOCHS, BATCH_SIZE, MOCK_EXAMPLES = "mnist_beta_vae", 4, 8, 40
TOLERANCE = 1e-6


class EpochsRun(keras.callbacks.Callback):
    """Records which epochs a run trained, and its final weights."""

    def on_train_begin(self, logs=None):
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)

    def on_train_end(self, logs=None):
        self.weights = self.model.get_weights()


def kill_a_run(folder, after_epoch=0, die_in_backup=0):
    """Runs the task in a new process that kills itself; returns the run's folder."""
    result = subprocess.run(
        killed_run_command(
            TASK,
            EPOCHS,
            BATCH_SIZE,
            MOCK_EXAMPLES,
            after_epoch=after_epoch,
            die_in_backup=die_in_backup,
        ),
        cwd=folder,
        capture_output=True,
        text=True,
        env=environment(folder),
        timeout=300,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr[-3000:]
    return interrupted_run(folder / "runs" / TASK)


def train(**options):
    recorder = EpochsRun()
    with mocked_tfds(MOCK_EXAMPLES):
        _, history, _ = training.solve(
            get_task(TASK),
            epochs=EPOCHS,
            batch_size=BATCH_SIZE,
            seed=0,
            verbose=0,
            more_callbacks=[recorder],
            **options,
        )
    return recorder, history


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    return train(run_dir=tmp_path_factory.mktemp("uninterrupted"))


@pytest.mark.slow
def test_a_run_killed_after_epoch_2_of_4_resumes_and_ends_as_if_never_stopped(
    tmp_path, monkeypatch, capsys, uninterrupted
):
    run = kill_a_run(tmp_path, after_epoch=2)
    assert sorted(p.name for p in (run / "backup").iterdir()) == ["epoch-0001", "epoch-0002"]
    monkeypatch.chdir(tmp_path)
    # `zoo train --resume`, watched by a recorder added to its callbacks.
    resumed, original, histories = EpochsRun(), training.solve, []

    def watched(*args, **options):
        model, history, splits = original(*args, more_callbacks=[resumed], **options)
        histories.append(history)
        return model, history, splits

    monkeypatch.setattr(training, "solve", watched)
    with mocked_tfds(MOCK_EXAMPLES):
        code = run_script(
            get_task(TASK), ["--epochs", str(EPOCHS), "--batch-size", str(BATCH_SIZE), "--resume"]
        )

    assert code == 0
    out = capsys.readouterr().out
    assert f"Resuming from {run.relative_to(tmp_path)}/backup/epoch-0002, after epoch 2." in out
    assert resumed.epochs == [2, 3]  # only the epochs the killed run had not finished
    reference, reference_history = uninterrupted
    assert largest_difference(resumed.weights, reference.weights) <= TOLERANCE
    # The history has every epoch, those before the kill (from the backup) too.
    assert histories[0].keys() == reference_history.keys()
    for name, values in reference_history.items():
        np.testing.assert_allclose(histories[0][name], values, rtol=1e-6)
    # The export holds those weights, and the card counts the four epochs.
    version = tmp_path / "saved_models" / TASK / "1"
    exported = keras.saving.load_model(version / "model.keras").get_weights()
    assert largest_difference(exported, reference.weights) <= TOLERANCE
    assert read_card(version)["epochs"] == EPOCHS
    # It finished in the killed run's folder, and left no backup behind.
    assert list((tmp_path / "runs" / TASK).iterdir()) == [run]
    assert not (run / "backup").exists()


@pytest.mark.slow
def test_a_backup_half_written_when_killed_is_never_loaded(
    tmp_path, monkeypatch, capsys, uninterrupted
):
    run = kill_a_run(tmp_path, die_in_backup=3)
    (unfinished,) = (run / "backup").glob(".tmp-*")
    assert sorted(p.name for p in unfinished.iterdir()) == ["arrays.npz"]
    assert sorted(p.name for p in (run / "backup").glob("epoch-*")) == ["epoch-0001", "epoch-0002"]
    monkeypatch.chdir(tmp_path)
    resumed, _ = train(resume=True)

    assert "backup/epoch-0002, after epoch 2." in capsys.readouterr().out
    assert resumed.epochs == [2, 3]
    assert largest_difference(resumed.weights, uninterrupted[0].weights) <= TOLERANCE


def small_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(4, activation="relu"),
            keras.layers.Dropout(0.5, seed=1),
            keras.layers.Dense(1),
        ]
    )
    model.compile(keras.optimizers.Adam(0.01), "mse")
    return model


def small_fit(model, backup, epochs):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    fit(
        model,
        x,
        x.sum(axis=1),
        epochs=epochs,
        batch_size=8,
        verbose=0,
        callbacks=[backup],
        shuffle_seed=7,
    )


def test_damaged_backups_are_skipped_for_the_newest_intact_one(tmp_path):
    settings = {"epochs": 3}
    model = small_model()
    kept = RunBackup(tmp_path / "backup", settings)
    kept.on_train_end = lambda logs=None: None  # keep the backups this time
    small_fit(model, kept, epochs=3)
    after_two = np.load(tmp_path / "backup" / "epoch-0002" / "arrays.npz")
    # The newest looks complete but its arrays were cut short (a disk that
    # lost the end of the file); a leftover of an unfinished write sits beside.
    arrays = tmp_path / "backup" / "epoch-0003" / "arrays.npz"
    arrays.write_bytes(arrays.read_bytes()[:100])
    (tmp_path / "backup" / ".tmp-abc").mkdir()

    fresh = small_model()
    fresh.optimizer.build(fresh.trainable_variables)  # as training has, when it resumes
    backup = RunBackup(tmp_path / "backup", settings)
    backup.set_model(fresh)
    with pytest.warns(
        UserWarning, match="Skipping the backup .*epoch-0003: arrays.npz does not match its SHA-256"
    ):
        resumed = backup.resume([backup], shuffle_seed=0)
    assert (resumed.epoch, resumed.shuffle_seed, len(resumed.logs), resumed.stopped) == (
        2,
        7,
        2,
        False,
    )
    for variable, key in zip(
        fresh.variables + fresh.optimizer.variables,
        sorted(k for k in after_two.files if k.startswith("variable_")),
    ):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(variable), after_two[key])
    assert not (tmp_path / "backup" / ".tmp-abc").exists()


def test_a_backup_made_with_other_settings_is_not_resumed(tmp_path):
    model = small_model()
    kept = RunBackup(tmp_path / "backup", {"epochs": 2, "batch_size": 8})
    kept.on_train_end = lambda logs=None: None
    small_fit(model, kept, epochs=2)
    fresh = small_model()
    fresh.optimizer.build(fresh.trainable_variables)
    backup = RunBackup(tmp_path / "backup", {"epochs": 2, "batch_size": 16})
    backup.set_model(fresh)
    with pytest.raises(TrainingSetupError) as caught:
        backup.resume([backup], shuffle_seed=0)
    assert str(caught.value) == (
        f"The backup {tmp_path / 'backup' / 'epoch-0002'} was made with batch_size=8; "
        "this run asks for batch_size=16. Rerun with the same options to resume it, or "
        "without --resume to start a new run."
    )


def test_the_newest_run_with_a_backup_is_the_one_resumed(tmp_path):
    for name, backed_up in [
        ("20250101-000000", True),
        ("20250102-000000", True),
        ("20250103-000000", False),
    ]:
        (tmp_path / name / ("backup/epoch-0001" if backed_up else "logs")).mkdir(parents=True)
    assert interrupted_run(tmp_path) == tmp_path / "20250102-000000"
    assert interrupted_run(tmp_path / "missing") is None


def test_a_run_that_early_stopping_ended_trains_no_more_when_resumed(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    # Validation targets that training only moves away from: it stops early.
    fit_options = dict(
        validation_data=(x, -10 * x.sum(axis=1)), epochs=20, batch_size=8, verbose=0, shuffle_seed=7
    )

    def stopping():
        return keras.callbacks.EarlyStopping(patience=1, restore_best_weights=True)

    model, stop = small_model(), stopping()
    kept = RunBackup(tmp_path / "backup", {"epochs": 20})
    kept.on_train_end = lambda logs=None: None  # as if killed before training ended
    history = fit(model, x, x.sum(axis=1), callbacks=[stop, kept], **fit_options).history
    assert stop.stopped_epoch > 0 and len(history["loss"]) == stop.stopped_epoch + 1

    resumed, recorder = small_model(), EpochsRun()
    again = fit(
        resumed,
        x,
        x.sum(axis=1),
        callbacks=[stopping(), RunBackup(tmp_path / "backup", {"epochs": 20}), recorder],
        **fit_options,
    ).history
    assert recorder.epochs == []
    assert again == history
    assert largest_difference(resumed.get_weights(), model.get_weights()) == 0.0
