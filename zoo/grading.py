"""The exam-style grader: the same code for reference and learners' solutions.

A solution is a SavedModel directory (such as `saved_models/<task>/<n>/`),
a `.keras` file, a legacy exam `.h5`, or a learner's `.py` whose
`solution_model()` is run in a separate process under a time limit. The
model is scored on the task's held-out split only, 0–5 marks by the task's
formula, on the GPU when TensorFlow sees one, else on the CPU.

Example:
>>> from zoo.tasks import get_task
>>> grade = grade_path(get_task("linear"), "saved_models/linear/1")
>>> print(grade.summary())
"""

import dataclasses
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from zoo.data import DATA_VARIABLE

DEFAULT_TIME_LIMIT = 30 * 60
PREDICT_BATCH = 256


class GradingError(Exception):
    """A solution could not be graded; the message says why and what to do."""


@dataclasses.dataclass
class Grade:
    """The result of grading one solution.

    Args:
        task: the task's name.
        metric: the metric's name.
        value: the metric on the held-out split.
        threshold: the value that earns 5/5.
        score: marks, 0–5.
        rule: the score formula in words.
        device: where the model ran.
        artifact: what was graded.
        hints: list of strings on how the solution breaks the contract.
        seconds: how long grading took.
        predictions: the held-out predictions (not written to cards).
    """

    task: str
    metric: str
    value: float
    threshold: float
    score: int
    rule: str
    device: str
    artifact: str
    hints: list
    seconds: float
    predictions: object = None

    def facts(self):
        """Returns the JSON-ready facts for a card or a scoreboard."""
        facts = dataclasses.asdict(self)
        facts.pop("predictions")
        facts["seconds"] = round(self.seconds, 2)
        return facts

    def summary(self):
        """Returns the grade in a few lines for the terminal."""
        lines = [f"{self.task}: {self.metric} = {self.value:.6g} "
                 f"(5/5 at {self.threshold:g}; rule: {self.rule})",
                 f"score: {self.score}/5   device: {self.device}"]
        lines += [f"hint: {hint}" for hint in self.hints]
        return "\n".join(lines)


class Predictor:
    """A loaded model, whatever it was saved as, behind one `predict`.

    Args:
        predict: function from a numpy batch to a numpy array.
        input_shape: declared shape of one example (None dims allowed), or
            None when the artifact does not say.
        input_dtype: declared input dtype name, or None.
        description: what was loaded, in words.
        owner: object that must stay alive while `predict` is used (a
            loaded SavedModel, whose signatures die with it).
    """

    def __init__(self, predict, input_shape, input_dtype, description, owner=None):
        self._predict = predict
        self.input_shape = input_shape
        self.input_dtype = input_dtype
        self.description = description
        self._owner = owner

    def predict(self, x):
        """Predicts in batches.

        Args:
            x: numpy array of inputs.

        Returns:
            A numpy array of outputs.
        """
        outputs = [np.asarray(self._predict(x[i:i + PREDICT_BATCH]))
                   for i in range(0, len(x), PREDICT_BATCH)]
        return np.concatenate(outputs) if outputs else np.zeros((0,))


def load_predictor(path, signature="serving_default"):
    """Loads a SavedModel directory, a `.keras` or an `.h5` file.

    Args:
        path: path of the artifact.
        signature: the SavedModel signature to call; for Keras files, any
            other name than `serving_default` is the model's method of that
            name (e.g. `generate`).

    Returns:
        A `Predictor`.

    Raises:
        GradingError: when the path is missing or the model cannot be loaded
            (e.g. a Lambda layer in an `.h5`), saying what to do instead.
    """
    path = Path(path)
    if not path.exists():
        raise GradingError(f"{path}: no such file or folder.")
    if path.is_dir():
        if not (path / "saved_model.pb").exists():
            raise GradingError(
                f"{path} is a folder without saved_model.pb: pass a SavedModel "
                "version folder (e.g. saved_models/TASK/1), a .keras or an .h5 file.")
        return _load_saved_model(path, signature)
    if path.suffix not in (".keras", ".h5"):
        raise GradingError(f"{path}: expected a .py, .keras or .h5 file or a "
                           "SavedModel folder.")
    return _load_keras(path, signature)


def _load_keras(path, signature):
    import keras

    import zoo.models  # noqa: F401  (registers the zoo's layers and models for loading)

    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as error:  # loading fails in many ways; all get one message
        raise GradingError(_load_failure(path, error)) from error
    description = f"Keras model from {path.name}"
    if signature != "serving_default":
        if not hasattr(model, signature):
            raise GradingError(f"{path}: the model has no {signature}() method, which "
                               "this task calls to grade it.")
        method = getattr(model, signature)
        return Predictor(lambda batch: np.asarray(method(batch)), None, None, description)
    try:
        spec = model.inputs[0]
        shape, dtype = tuple(spec.shape[1:]), str(spec.dtype)
    except (AttributeError, IndexError, TypeError, ValueError):
        shape, dtype = None, None  # subclassed models declare no inputs

    def predict(batch):
        return _first_output(model.predict(batch, verbose=0))

    return Predictor(predict, shape, dtype, description)


def _load_failure(path, error):
    text = str(error)
    if "Lambda" in text or "lambda" in text:
        return (f"{path} cannot be loaded: it contains a Lambda layer, whose "
                "Python code is not stored safely in the file (the exam's grader "
                "refused these too). Replace it with a built-in layer, e.g. "
                "keras.layers.Rescaling(1/255) for scaling, or Reshape.")
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    return (f"{path} cannot be loaded ({type(error).__name__}: {first_line}). "
            "Save the model with Keras 3 as model.save('mymodel.keras'), using "
            "only built-in or registered layers.")


def _load_saved_model(path, signature_name):
    import tensorflow as tf

    try:
        loaded = tf.saved_model.load(str(path))
        signature = loaded.signatures[signature_name]
    except Exception as error:  # a broken SavedModel fails in many ways
        raise GradingError(f"{path} is not a loadable SavedModel with a "
                           f"{signature_name} signature ({error}).") from error
    inputs = signature.structured_input_signature[1]
    if len(inputs) != 1:
        raise GradingError(f"{path}: the {signature_name} signature takes "
                           f"{len(inputs)} inputs ({', '.join(sorted(inputs))}); the "
                           "grader feeds one.")
    (name, spec), = inputs.items()
    outputs = sorted(signature.structured_outputs)
    key = "probabilities" if "probabilities" in outputs else outputs[0]

    def predict(batch):
        return signature(**{name: tf.constant(batch, spec.dtype)})[key].numpy()

    return Predictor(predict, tuple(spec.shape[1:]), spec.dtype.name,
                     f"SavedModel {path}", owner=loaded)


def _first_output(outputs):
    if isinstance(outputs, dict):
        return outputs["probabilities"] if "probabilities" in outputs else \
            outputs[sorted(outputs)[0]]
    if isinstance(outputs, (list, tuple)):
        return outputs[0]
    return outputs


def fit_inputs(task, predictor, x):
    """Checks the input contract and adapts `x` where that is harmless.

    Args:
        task: the `Task`.
        predictor: the loaded `Predictor`.
        x: held-out inputs in the task's contract.

    Returns:
        `(x, hints)`: inputs in the shape and dtype the model declares, and
        hints on where the model strays from the contract.

    Raises:
        GradingError: when the model cannot take the contract's inputs.
    """
    hints = []
    dtype = predictor.input_dtype
    if dtype not in (None, task.input_dtype) and "string" in (dtype, task.input_dtype):
        raise GradingError(
            f"The model takes {dtype} inputs, but {task.name} feeds {task.input_dtype}. "
            "For text tasks the model takes raw strings: put a "
            "keras.layers.TextVectorization, adapted on the training sentences, "
            "inside the model.")
    declared = predictor.input_shape
    if declared is not None and not _same_shape(declared, task.input_shape):
        if _same_shape(tuple(d for d in declared if d != 1),
                       tuple(d for d in task.input_shape if d != 1)):
            hints.append(f"the model takes inputs of shape {declared}; the task's "
                         f"contract is {task.input_shape}. Use keras.Input(shape="
                         f"{task.input_shape}) (a Reshape layer inside can adapt it).")
            x = x.reshape((len(x), *[d if d is not None else -1 for d in declared]))
        else:
            raise GradingError(
                f"The model takes inputs of shape {declared}, but {task.name} "
                f"feeds {task.input_shape} ({task.contract()}). Start the model "
                f"with keras.Input(shape={task.input_shape}, dtype='{task.input_dtype}').")
    if dtype is None or dtype == task.input_dtype:
        return x, hints
    if task.input_dtype == "uint8":
        hints.append(f"the model declares {dtype} input; the task feeds uint8 pixels "
                     "0–255. If you scaled pixels outside the model, move the "
                     "scaling inside it: keras.layers.Rescaling(1/255).")
    return x.astype(dtype), hints


def _same_shape(declared, expected):
    return len(declared) == len(expected) and all(
        d is None or d == e for d, e in zip(declared, expected))


def check_outputs(task, predictions):
    """Checks the output contract of held-out predictions.

    Args:
        task: the `Task`.
        predictions: numpy array from the model.

    Returns:
        A list of hints (e.g. sigmoid vs softmax).

    Raises:
        GradingError: when the output shape breaks the contract.
    """
    shape = tuple(predictions.shape[1:])
    if shape != tuple(task.output_shape):
        advice = ""
        if task.output_activation == "sigmoid" and shape in ((2,), (2, 1)):
            advice = (" This task is binary with one sigmoid unit: end with "
                      "Dense(1, activation='sigmoid') and binary_crossentropy, "
                      "not 2 softmax units.")
        elif task.output_activation == "softmax":
            advice = (f" End with Dense({task.output_shape[0]}, activation='softmax')"
                      " and sparse_categorical_crossentropy.")
        elif len(shape) > len(task.output_shape):
            advice = (" A sequence model should return one value per window: drop "
                      "return_sequences on the last recurrent layer or end with "
                      f"Dense({task.output_shape[0]}).")
        raise GradingError(f"The model outputs shape {shape}, but {task.name} expects "
                           f"{tuple(task.output_shape)} ({task.contract()}).{advice}")
    hints = []
    if task.output_activation == "softmax" and len(predictions):
        if not np.allclose(predictions.sum(axis=-1), 1.0, atol=1e-3):
            hints.append("the outputs do not sum to 1 over the classes: the last "
                         "layer should use activation='softmax' (sigmoid or no "
                         "activation gives other numbers than the grader expects).")
    if task.output_activation == "sigmoid" and len(predictions):
        if predictions.min() < 0 or predictions.max() > 1:
            hints.append("the outputs leave [0, 1]: the last layer should use "
                         "activation='sigmoid' (the grader reads > 0.5 as positive).")
    return hints


def grade(task, artifact, splits=None, data=None):
    """Scores a saved model on the task's held-out split.

    Args:
        task: the `Task`.
        artifact: a path (SavedModel folder, `.keras`, `.h5`) or a `Predictor`.
        splits: the task's `Splits`; loaded (with `data`) when None.
        data: optional local data path (`--data`).

    Returns:
        A `Grade`.

    Raises:
        GradingError: when the model cannot be loaded or breaks the contract.
    """
    import tensorflow as tf

    from zoo.device import describe_device

    started = time.monotonic()
    predictor = artifact if isinstance(artifact, Predictor) else \
        load_predictor(artifact, task.signature)
    splits = splits if splits is not None else task.load(data)
    device = describe_device()
    with tf.device("/GPU:0" if device.startswith("GPU") else "/CPU:0"):
        if task.evaluate is not None:
            value, predictions = _run_model(task.evaluate, predictor, splits)
            hints = []
        else:
            x, y = splits.test
            x, hints = fit_inputs(task, predictor, x)
            predictions = _run_model(predictor.predict, x)
            hints += check_outputs(task, predictions)
            value = task.measure(y, predictions)
    return Grade(task=task.name, metric=task.metric, value=float(value),
                 threshold=task.scoring.threshold, score=task.scoring.score(value),
                 rule=task.scoring.describe(), device=device,
                 artifact=predictor.description, hints=hints,
                 seconds=time.monotonic() - started, predictions=predictions)


def _run_model(function, *args):
    try:
        return function(*args)
    except Exception as error:  # the model's own failure, explained below
        text = str(error)
        if "Table not initialized" in text:
            raise GradingError(
                "The model's TextVectorization lost its vocabulary: .h5 files do "
                "not store it. Save with model.save('mymodel.keras') instead.") from error
        raise GradingError(f"The model failed on the held-out inputs "
                           f"({type(error).__name__}: {text.strip()[:300]}).") from error


def run_solution_file(path, time_limit=DEFAULT_TIME_LIMIT, data=None):
    """Runs a learner's `solution_model()` in a separate process and saves it.

    The file is imported (so its `if __name__ == "__main__":` block does not
    run), `solution_model()` is called, and the returned model is saved as
    `.keras` in a temporary folder.

    Args:
        path: the learner's `.py` file.
        time_limit: seconds before the process is stopped.
        data: optional local data path, passed as `ZOO_DATA` to the process.

    Returns:
        The `Path` of the saved `.keras` file.

    Raises:
        GradingError: when the file fails, returns no model, or runs too long.
    """
    out = Path(tempfile.mkdtemp(prefix="zoo-grade-")) / "solution.keras"
    env = dict(os.environ)
    if data is not None:
        env[DATA_VARIABLE] = str(Path(data).resolve())
    try:
        process = subprocess.run(
            [sys.executable, "-m", "zoo.grading", str(path), str(out)],
            env=env, timeout=time_limit, check=False)
    except subprocess.TimeoutExpired as error:
        raise GradingError(
            f"{path}: solution_model() did not finish within {time_limit:g} s. "
            "Train fewer epochs or a smaller model, or raise --time-limit.") from error
    if process.returncode != 0 or not out.exists():
        raise GradingError(f"{path}: solution_model() failed (exit code "
                           f"{process.returncode}); its error is printed above.")
    return out


def grade_path(task, path, data=None, time_limit=DEFAULT_TIME_LIMIT, splits=None):
    """Grades whatever a learner has: a `.py`, `.keras`, `.h5` or SavedModel.

    Args:
        task: the `Task`.
        path: the solution's path.
        data: optional local data path (`--data`), for training and grading.
        time_limit: seconds allowed to a `.py`'s `solution_model()`.
        splits: the task's `Splits` when already loaded.

    Returns:
        A `Grade`.

    Raises:
        GradingError: with a message for the learner.
    """
    path = Path(path)
    if path.suffix == ".py":
        path = run_solution_file(path, time_limit=time_limit, data=data)
    return grade(task, path, splits=splits, data=data)


def _save_solution(py_path, out_path):
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
    _save_solution(sys.argv[1], sys.argv[2])
