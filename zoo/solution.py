"""Running a learner's `solution_model()` in a separate process, under a time limit.

The file is imported in a child Python (so its `if __name__ == "__main__":`
block does not run), `solution_model()` is called, and the returned model
is saved as `.keras` for the grader. The child's output goes to stderr, so
`zoo grade --json` keeps stdout for the grade alone.

Example:
>>> keras_file = run_solution_file("sarcasm.py", time_limit=600, data="sarcasm.json")
"""

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from zoo.data import DATA_VARIABLE

DEFAULT_TIME_LIMIT = 30 * 60


def run_solution_file(path, time_limit=DEFAULT_TIME_LIMIT, data=None):
    """Runs a learner's `solution_model()` in a separate process and saves it.

    Args:
        path: the learner's `.py` file.
        time_limit: seconds before the process is stopped.
        data: optional local data path, passed as `ZOO_DATA` to the process.

    Returns:
        The `Path` of the saved `.keras` file.

    Raises:
        zoo.grading.GradingError: when the file is missing, fails, returns no
            model, or runs too long.
    """
    from zoo.grading import GradingError

    path = Path(path)
    if not path.is_file():
        raise GradingError(f"{path}: no such file.")
    out = Path(tempfile.mkdtemp(prefix="zoo-grade-")) / "solution.keras"
    env = dict(os.environ)
    if data is not None:
        env[DATA_VARIABLE] = str(Path(data).resolve())
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
    return out


def save_solution(py_path, out_path):
    """Imports a solution file, calls its `solution_model()`, saves the model.

    Args:
        py_path: the learner's `.py`.
        out_path: where to save the returned model (`.keras`).

    Raises:
        SystemExit: with a message when there is no `solution_model()` or it
            returns something else than a Keras model.
    """
    spec = importlib.util.spec_from_file_location("solution", py_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, "solution_model"):
        sys.exit(f"{py_path} defines no solution_model() function.")
    model = module.solution_model()
    if not hasattr(model, "save"):
        sys.exit(f"solution_model() in {py_path} returned {type(model).__name__}, "
                 "not a Keras model.")
    model.save(out_path)


if __name__ == "__main__":
    save_solution(sys.argv[1], sys.argv[2])
