"""Backups of a training run after every epoch, so that a killed run resumes.

After each epoch, `RunBackup` saves everything the next epoch depends on:
every model variable (weights, and the random seeds of dropout and of
samplers), every optimizer variable (its step count and moments), the
progress of early stopping and of the best-epoch checkpoint (with the best
weights so far), the per-epoch logs, and the seed of the epochs' shuffling.
A run resumed from epoch k therefore takes the same steps that the run
would have taken had it not stopped.

A backup is written into a hidden temporary folder, flushed to disk, and
renamed to `epoch-<k>` only when complete; the state file records the
SHA-256 of the arrays. Loading skips any folder that is not a complete,
intact backup (a crash while writing leaves only a `.tmp-` folder), so a
half-written backup is never loaded. The two newest backups are kept; the
folder is removed when training ends.

Example:
>>> backup = RunBackup("runs/sunspots/20250101-000000/backup",
...                    settings={"epochs": 20, "batch_size": 32, "seed": 0})
>>> history = zoo.training.fit.fit(model, x, y, epochs=20, callbacks=[backup])
"""

import dataclasses
import json
import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path

import keras
import numpy as np

from zoo.data import sha256
from zoo.training.errors import TrainingSetupError

ARRAYS = "arrays.npz"
STATE = "state.json"
FORMAT = 1
EPOCH_FOLDER = re.compile(r"epoch-(\d+)")

# The attributes that carry a callback's progress from epoch to epoch.
CALLBACK_STATE = {
    keras.callbacks.EarlyStopping: ("wait", "best", "best_epoch", "stopped_epoch", "best_weights"),
    keras.callbacks.ModelCheckpoint: ("best",),
}


@dataclasses.dataclass(frozen=True)
class Resumed:
    """Where a run goes on, as `RunBackup.resume` found it.

    Args:
        epoch: the epochs already done, so the epoch to run next (0 for a
            new run).
        shuffle_seed: the seed the run shuffles its epochs with.
        logs: list of the per-epoch log dicts of the epochs done.
        stopped: whether early stopping had ended the run: it trains no more.
    """

    epoch: int
    shuffle_seed: int
    logs: list
    stopped: bool = False


class RunBackup(keras.callbacks.Callback):
    """Saves a run's whole training state after every epoch, and restores it.

    `zoo.training.fit.fit` calls `resume` before training begins, once the
    model's and its optimizer's variables exist: the backup restores them
    from the newest intact epoch (if any) and says where to continue; the
    callbacks get their progress back when training begins, after they
    have reset themselves. Put it after the callbacks whose progress it
    saves, so it records their state at the end of the epoch and restores
    it after their own `on_train_begin`.

    Args:
        directory: folder of this run's backups (created when first written).
        settings: dict of the options the run was started with (epochs,
            batch size, seed...); a backup made with other settings is not
            resumed: the error names the differences.
        write: whether this process writes backups (only the chief of a
            multi-worker run does; the others read the chief's).
        keep: how many of the newest backups to keep.

    Example:
    >>> backup = RunBackup(run_dir / "backup", {"epochs": 4, "seed": 0})
    """

    def __init__(self, directory, settings, write=True, keep=2):
        super().__init__()
        self.directory = Path(directory)
        self.settings = dict(settings)
        self.write = write
        self.keep = keep
        self._callbacks = []
        self._shuffle_seed = None
        self._logs = []
        self._pending = []

    def resume(self, callbacks, shuffle_seed):
        """Restores the newest intact backup into the model, if there is one.

        Call it with the model set (`set_model`), built, and its
        optimizer's variables created (`optimizer.build`).

        Args:
            callbacks: the run's callbacks; those in `CALLBACK_STATE` get
                their saved progress back in `on_train_begin` (and have it
                saved from now on).
            shuffle_seed: the seed this run would shuffle with when new.

        Returns:
            A `Resumed`: the epoch to run next (0 for a new run), the
            shuffling seed of the run being resumed, the logs of the epochs
            already done, and whether early stopping had ended it.

        Raises:
            TrainingSetupError: when the backup was made with other settings.
        """
        self._callbacks = list(callbacks)
        self._shuffle_seed = shuffle_seed
        self._logs = []
        self._pending = []
        if self.write:
            for leftover in self.directory.glob(".tmp-*"):
                shutil.rmtree(leftover, ignore_errors=True)
        found = self._newest_intact()
        if found is None:
            return Resumed(0, shuffle_seed, [])
        folder, state, arrays = found
        differences = {
            key: (state["settings"].get(key), value)
            for key, value in self.settings.items()
            if state["settings"].get(key) != value
        }
        if differences:
            raise TrainingSetupError(
                f"The backup {folder} was made with "
                + ", ".join(f"{key}={before!r}" for key, (before, _) in differences.items())
                + "; this run asks for "
                + ", ".join(f"{key}={now!r}" for key, (_, now) in differences.items())
                + ". Rerun with the same options to resume it, or without --resume to "
                "start a new run."
            )
        for variable, value in zip(_state_variables(self.model), _arrays(arrays, "variable_")):
            variable.assign(value)
        for index, (callback, saved) in enumerate(zip(self._callbacks, state["callbacks"])):
            for name, value in (saved or {}).items():
                if name == "best_weights" and value is not None:
                    value = _arrays(arrays, f"callback{index}_")
                self._pending.append((callback, name, value))
        self._shuffle_seed = state["shuffle_seed"]
        self._logs = state["logs"]
        if self.write:
            print(f"Resuming from {folder}, after epoch {state['epoch']}.")
        # A run killed after early stopping had decided to stop trains no more.
        return Resumed(
            state["epoch"], self._shuffle_seed, list(self._logs), stopped=state["stop_training"]
        )

    def on_train_begin(self, logs=None):
        # The callbacks before this one have just reset their progress.
        for callback, name, value in self._pending:
            setattr(callback, name, value)
        self._pending = []

    def on_epoch_end(self, epoch, logs=None):
        self._logs.append({key: _plain(value) for key, value in (logs or {}).items()})
        if self.write:
            self._save(epoch + 1)

    def on_train_end(self, logs=None):
        self.discard()

    def discard(self):
        """Removes this run's backups (training ended: nothing to resume)."""
        if self.write:
            shutil.rmtree(self.directory, ignore_errors=True)

    def _save(self, epochs_done):
        variables = _state_variables(self.model)
        arrays = {
            f"variable_{i:05d}": keras.ops.convert_to_numpy(v) for i, v in enumerate(variables)
        }
        callbacks = []
        for index, callback in enumerate(self._callbacks):
            names = next(
                (names for kind, names in CALLBACK_STATE.items() if isinstance(callback, kind)),
                None,
            )
            if names is None:
                callbacks.append(None)
                continue
            saved = {}
            for name in names:
                value = getattr(callback, name, None)
                if name == "best_weights" and value is not None:
                    arrays.update(
                        {f"callback{index}_{i:05d}": np.asarray(w) for i, w in enumerate(value)}
                    )
                    value = True
                saved[name] = _plain(value)
            callbacks.append(saved)
        self.directory.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.directory))
        try:
            with open(staging / ARRAYS, "wb") as file:
                np.savez(file, **arrays)
                file.flush()
                os.fsync(file.fileno())
            state = {
                "format": FORMAT,
                "epoch": epochs_done,
                "settings": self.settings,
                "shuffle_seed": self._shuffle_seed,
                "logs": self._logs,
                "stop_training": bool(self.model.stop_training),
                "callbacks": callbacks,
                "arrays_sha256": sha256(staging / ARRAYS),
                "variables": [[v.path, list(v.shape)] for v in variables],
            }
            with open(staging / STATE, "w") as file:
                file.write(json.dumps(state))
                file.flush()
                os.fsync(file.fileno())
            target = self.directory / f"epoch-{epochs_done:04d}"
            shutil.rmtree(target, ignore_errors=True)  # a stale one, skipped on resume
            os.rename(staging, target)
            _fsync_folder(self.directory)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        for old in _epoch_folders(self.directory)[self.keep :]:
            shutil.rmtree(old, ignore_errors=True)

    def _newest_intact(self):
        """Returns `(folder, state, arrays)` of the newest intact backup, or None."""
        variables = _state_variables(self.model)
        for folder in _epoch_folders(self.directory):
            try:
                state = json.loads((folder / STATE).read_text())
                if state.get("format") != FORMAT:
                    raise ValueError(f"format {state.get('format')!r}, expected {FORMAT}")
                if sha256(folder / ARRAYS) != state["arrays_sha256"]:
                    raise ValueError(f"{ARRAYS} does not match its SHA-256")
                shapes = [shape for _, shape in state["variables"]]
                if shapes != [list(v.shape) for v in variables]:
                    raise ValueError("its variables are not this model's")
                with np.load(folder / ARRAYS) as saved:
                    arrays = {key: saved[key] for key in saved.files}
                return folder, state, arrays
            except (OSError, ValueError, KeyError, TypeError) as error:
                warnings.warn(f"Skipping the backup {folder}: {error}.", stacklevel=2)
        return None


def interrupted_run(runs_dir):
    """Finds the newest run under `runs_dir` that left a backup behind.

    Args:
        runs_dir: a task's folder of runs, e.g. `runs/sunspots`.

    Returns:
        The run's folder (`runs_dir/<time>`), or None when every run there
        finished (or none began).
    """
    runs_dir = Path(runs_dir)
    candidates = sorted(runs_dir.glob("*/backup/epoch-*")) if runs_dir.is_dir() else []
    return candidates[-1].parent.parent if candidates else None


def _state_variables(model):
    """The variables a backup holds: the model's (with seeds), then the optimizer's."""
    optimizer = getattr(model, "optimizer", None)
    return list(model.variables) + (list(optimizer.variables) if optimizer else [])


def _arrays(arrays, prefix):
    keys = sorted(key for key in arrays if key.startswith(prefix) and key[len(prefix) :].isdigit())
    return [arrays[key] for key in keys]


def _epoch_folders(directory):
    """Backup folders under `directory`, newest first."""
    if not directory.is_dir():
        return []
    found = [
        (int(match.group(1)), path)
        for path in directory.iterdir()
        if path.is_dir() and (match := EPOCH_FOLDER.fullmatch(path.name))
    ]
    return [path for _, path in sorted(found, reverse=True)]


def _fsync_folder(directory):
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _plain(value):
    """A JSON-ready copy of a log or callback value (NumPy scalars become floats)."""
    if isinstance(value, (bool, int, str)) or value is None:
        return value
    array = np.asarray(value)
    return float(array) if array.size == 1 else array.tolist()
