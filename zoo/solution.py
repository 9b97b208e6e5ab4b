"""Running a learner's `solution_model()` in a separate process, under a time limit.

The file is imported in a child Python (so its `if __name__ == "__main__":`
block does not run), `solution_model()` is called, and the returned model
is saved for the grader as `mymodel.keras` beside the `.py` (Keras 3's own
format keeps everything, a TextVectorization's vocabulary included). While
it trains, every `fit` of the returned model is recorded; the history and
the training time are kept beside it in `mymodel.history.json`, so reports
can draw the training curves. The child writes into a temporary folder,
which is removed afterwards, whatever happens. The child's output goes to
stderr, so `zoo grade --json` keeps stdout for the grade alone.

Example:
>>> keras_file = run_solution_file("sarcasm/sarcasm.py", time_limit=600, data="sarcasm.json")
>>> keras_file.name, read_record(keras_file)["seconds"] > 0
('mymodel.keras', True)
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from zoo.data import DATA_VARIABLE

DEFAULT_TIME_LIMIT = 30 * 60
# What a solution file's trained model is saved as, beside the file.
MODEL_FILE = "mymodel.keras"


def record_path(model_path):
    """Returns where the training record of a saved model is kept: `<stem>.history.json`."""
    model_path = Path(model_path)
    return model_path.with_name(f"{model_path.stem}.history.json")


def read_record(model_path):
    """The training record zoo kept when it trained `model_path`, or None.

    Args:
        model_path: a saved model (e.g. `mymodel.keras`).

    Returns:
        A dict with `history` (per-epoch metrics, as `fit` returns them,
        possibly empty), `seconds` (the run of `solution_model()`) and
        `source` (the `.py`), or None when there is none, or when it is
        older than the model (so it belongs to an earlier model).
    """
    model_path, path = Path(model_path), record_path(model_path)
    if not path.is_file() or not model_path.exists():
        return None
    if path.stat().st_mtime < model_path.stat().st_mtime:
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # a damaged record only costs the curves
        return None


def run_solution_file(path, time_limit=DEFAULT_TIME_LIMIT, data=None):
    """Runs a learner's `solution_model()` in a separate process and saves its model.

    Args:
        path: the learner's `.py` file.
        time_limit: seconds before the process is stopped.
        data: optional local data path, passed as `ZOO_DATA` to the process
            (the variable the exam starters read their local copy from).

    Returns:
        The `Path` of the saved model, `mymodel.keras` beside the `.py`
        (replacing an earlier one); its training record is beside it.

    Raises:
        zoo.grading.GradingError: when the file is missing, fails, returns no
            model, or runs too long.
    """
    from zoo.grading import GradingError

    path = Path(path)
    if not path.is_file():
        raise GradingError(f"{path}: no such file.")
    env = dict(os.environ)
    if data is not None:
        env[DATA_VARIABLE] = str(Path(data).resolve())
    staging = Path(tempfile.mkdtemp(prefix="zoo-grade-"))
    try:
        out = staging / MODEL_FILE
        started = time.monotonic()
        try:
            process = subprocess.run(
                [sys.executable, "-m", "zoo.solution", str(path), str(out)],
                env=env, timeout=time_limit, check=False, stdout=2)
        except subprocess.TimeoutExpired as error:
            raise GradingError(
                f"{path}: solution_model() did not finish within {time_limit:g} s. "
                "Train fewer epochs or a smaller model, or raise --time-limit.") from error
        if process.returncode != 0 or not out.exists():
            raise GradingError(f"{path}: solution_model() failed (exit code "
                               f"{process.returncode}); its error is printed above.")
        return _keep(path, out, time.monotonic() - started)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _keep(py_path, staged, seconds):
    # The model first, then its record, so the record is never older than it.
    target = py_path.parent / MODEL_FILE
    shutil.move(str(staged), str(target))
    history = staged.with_name("history.json")
    record = {"source": py_path.name, "seconds": round(seconds, 1),
              "history": json.loads(history.read_text()) if history.exists() else {}}
    record_path(target).write_text(json.dumps(record) + "\n", encoding="utf-8")
    return target


def save_solution(py_path, out_path):
    """Imports a solution file, calls its `solution_model()`, saves the model and its history.

    Every `fit` of the returned model is recorded; the histories, joined
    epoch after epoch, go to `history.json` beside `out_path`.

    Args:
        py_path: the learner's `.py`.
        out_path: where to save the returned model (`.keras`).

    Raises:
        SystemExit: with a message when there is no `solution_model()` or it
            returns something else than a Keras model.
    """
    import keras

    fits = []
    original_fit = keras.Model.fit

    def recorded_fit(model, *args, **kwargs):
        history = original_fit(model, *args, **kwargs)
        fits.append((model, getattr(history, "history", None) or {}))
        return history

    keras.Model.fit = recorded_fit
    spec = importlib.util.spec_from_file_location("solution", py_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # AutoGraph finds the file's functions there
    spec.loader.exec_module(module)
    if not hasattr(module, "solution_model"):
        sys.exit(f"{py_path} defines no solution_model() function.")
    model = module.solution_model()
    if not hasattr(model, "save"):
        sys.exit(f"solution_model() in {py_path} returned {type(model).__name__}, "
                 "not a Keras model.")
    model.save(out_path)
    joined = {}
    for fitted, history in fits:
        if fitted is model:
            for name, values in history.items():
                joined.setdefault(name, []).extend(float(v) for v in values)
    Path(out_path).with_name("history.json").write_text(json.dumps(joined))


if __name__ == "__main__":
    save_solution(sys.argv[1], sys.argv[2])
