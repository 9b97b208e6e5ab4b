"""Running a learner's `solution_model()` in a separate process, and the record of a model.

The file is imported in a child Python (so its `if __name__ == "__main__":`
block does not run), `solution_model()` is called, and the returned model
is saved for the grader as `mymodel.keras` beside the `.py` (Keras 3's own
format keeps everything, a TextVectorization's vocabulary included). While
it trains, every `fit` of the returned model is recorded. The child writes
into a temporary folder, which is removed afterwards, whatever happens. The
child's output goes to stderr, so `zoo grade --json` keeps stdout for the
grade alone. When the file fails, what failed (the line and the message,
e.g. a SyntaxError's) is kept in the error, not only printed.

Beside every model made from a `.py` lies its record, `<model file>.json`
(`mymodel.keras.json`, or `mymodel.h5.json` written by the starter's own
`__main__` block when the learner runs it): the `.py`'s SHA-256, the model
file's SHA-256, the data it trained on (`ZOO_DATA`), the time it took and
the training history. The record belongs to the model whose content it
names, whatever the file times say, so a copied folder keeps its records.

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
import traceback
from pathlib import Path

from zoo.data import DATA_VARIABLE, sha256
from zoo.grading.errors import GradingError

DEFAULT_TIME_LIMIT = 30 * 60
# What a solution file's trained model is saved as, beside the file.
MODEL_FILE = "mymodel.keras"
# Where the child describes what failed, beside the model it was to save.
FAILURE_FILE = "failure.json"


def record_path(model_path):
    """Returns where a saved model's record is kept: `<model file>.json`.

    Example:
    >>> record_path("exam/sarcasm/mymodel.h5").name
    'mymodel.h5.json'
    """
    model_path = Path(model_path)
    return model_path.with_name(f"{model_path.name}.json")


def read_record(model_path):
    """The record of what made a saved model, or None.

    Args:
        model_path: a saved model file (e.g. `mymodel.h5`).

    Returns:
        A dict with `source` (the `.py`'s name), `source_sha256`,
        `model_sha256`, `data` (the local data path, or None), `seconds`
        and `history` (per-epoch metrics as `fit` returns them, possibly
        empty); None when there is none, when it cannot be read, or when
        it names another model's content (the model was saved again since).
    """
    model_path, path = Path(model_path), record_path(model_path)
    if not path.is_file() or not model_path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # a damaged record only costs what it knew
        return None
    if not isinstance(record, dict) or record.get("model_sha256") != sha256(model_path):
        return None
    return record


def write_record(model_path, source, source_sha256, data, seconds, history):
    """Writes the record of a model made from a `.py` beside it.

    Args:
        model_path: the saved model file.
        source: the `.py`'s file name.
        source_sha256: the `.py`'s SHA-256 when it was run.
        data: the local data path it trained on, or None.
        seconds: how long making the model took.
        history: dict of per-epoch metrics (may be empty).

    Returns:
        The record's `Path`.
    """
    record = {
        "source": source,
        "source_sha256": source_sha256,
        "model_sha256": sha256(model_path),
        "data": None if data is None else str(data),
        "seconds": round(seconds, 1),
        "history": history,
    }
    path = record_path(model_path)
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def run_solution_file(path, time_limit=DEFAULT_TIME_LIMIT, data=None):
    """Runs a learner's `solution_model()` in a separate process and saves its model.

    Args:
        path: the learner's `.py` file.
        time_limit: seconds before the process is stopped.
        data: optional local data path, passed as `ZOO_DATA` to the process
            (the variable the exam starters read their local copy from).

    Returns:
        The `Path` of the saved model, `mymodel.keras` beside the `.py`
        (replacing an earlier one); its record is beside it.

    Raises:
        zoo.grading.errors.GradingError: when the file is missing, fails
            (naming the line and the error), returns no model, or runs too
            long.
    """
    path = Path(path)
    if not path.is_file():
        raise GradingError(f"{path}: no such file.")
    env = dict(os.environ)
    if data is not None:
        data = Path(data).resolve()
        env[DATA_VARIABLE] = str(data)
    source_sha256 = sha256(path)
    staging = Path(tempfile.mkdtemp(prefix="zoo-grade-"))
    try:
        out = staging / MODEL_FILE
        started = time.monotonic()
        try:
            process = subprocess.run(
                [sys.executable, "-m", "zoo.grading.solution", str(path), str(out)],
                env=env,
                timeout=time_limit,
                check=False,
                stdout=2,
            )
        except subprocess.TimeoutExpired as error:
            raise GradingError(
                f"{path}: solution_model() did not finish within {time_limit:g} s. "
                "Train fewer epochs or a smaller model, or raise --time-limit."
            ) from error
        if process.returncode != 0 or not out.exists():
            raise GradingError(_failure_message(path, process.returncode, staging / FAILURE_FILE))
        target = path.parent / MODEL_FILE
        shutil.move(str(out), str(target))
        history = staging / "history.json"
        write_record(
            target,
            path.name,
            source_sha256,
            data,
            time.monotonic() - started,
            json.loads(history.read_text()) if history.exists() else {},
        )
        return target
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _failure_message(path, code, failure_file):
    try:
        failure = json.loads(failure_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # killed before it could say (e.g. out of memory)
        return (
            f"{path} failed (exit code {code}) before it could say why; its output "
            "is printed above."
        )
    where = f" at line {failure['line']}" if failure.get("line") else ""
    code_line = f" (`{failure['code']}`)" if failure.get("code") else ""
    return f"{path} failed{where}{code_line}: {failure['error']}"


def describe_failure(error, py_path):
    """What failed in a learner's file, for the grade: the line, its code and the error.

    Args:
        error: the exception the file raised (a `SyntaxError` while reading
            it, any error while running it, or `SystemExit` with a message).
        py_path: the learner's `.py`.

    Returns:
        A dict with `error` (`"Type: message"`, or the exit message), and
        `line` and `code` (the line in `py_path` where it happened, when it
        did happen there), JSON-ready.

    Example:
    >>> try:
    ...     compile("model.add(\\n", "sarcasm.py", "exec")
    ... except SyntaxError as error:
    ...     describe_failure(error, "sarcasm.py")["line"]
    1
    """
    if isinstance(error, SystemExit):
        message = error.code if isinstance(error.code, str) else f"exit code {error.code}"
        return {"error": message, "line": None, "code": None}
    text = f"{type(error).__name__}: {error}"
    if isinstance(error, SyntaxError):
        text = f"{type(error).__name__}: {error.msg}"
        return {"error": text, "line": error.lineno, "code": (error.text or "").strip() or None}
    name = os.path.abspath(py_path)
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if os.path.abspath(frame.filename) == name
    ]
    if not frames:
        return {"error": text, "line": None, "code": None}
    return {"error": text, "line": frames[-1].lineno, "code": frames[-1].line or None}


def save_solution(py_path, out_path):
    """Imports a solution file, calls its `solution_model()`, saves the model and its history.

    Every `fit` of the returned model is recorded; the histories, joined
    epoch after epoch, go to `history.json` beside `out_path`. Whatever
    fails is described in `failure.json` beside it (`describe_failure`)
    and raised again, so its traceback is printed as well.

    Args:
        py_path: the learner's `.py`.
        out_path: where to save the returned model (`.keras`).

    Raises:
        SystemExit: with a message when there is no `solution_model()` or it
            returns something else than a Keras model.
    """
    try:
        _save_solution(py_path, out_path)
    except BaseException as error:
        Path(out_path).with_name(FAILURE_FILE).write_text(
            json.dumps(describe_failure(error, py_path)), encoding="utf-8"
        )
        raise


def _save_solution(py_path, out_path):
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
        sys.exit(
            f"solution_model() in {py_path} returned {type(model).__name__}, not a Keras model."
        )
    model.save(out_path)
    joined = {}
    for fitted, history in fits:
        if fitted is model:
            for name, values in history.items():
                joined.setdefault(name, []).extend(float(v) for v in values)
    Path(out_path).with_name("history.json").write_text(json.dumps(joined))


if __name__ == "__main__":
    save_solution(sys.argv[1], sys.argv[2])
