"""Loading a saved model, whatever it was saved as, behind one `predict`.

A SavedModel directory (a zoo export or a learner's), a Keras 3 `.keras`
file or a legacy exam `.h5` becomes a `Predictor` that declares its input
shape and dtype. Files that cannot be loaded get a `zoo.grading.errors.GradingError`
saying why and what to do: a corrupt file, a `Lambda` layer, or a
`TextVectorization` whose vocabulary an `.h5` file did not keep.

Example:
>>> predictor = load_predictor("saved_models/linear/1")
>>> predictor.input_shape, predictor.input_dtype, predictor.zoo_export
((1,), 'float32', True)
"""

import zipfile
from pathlib import Path

import numpy as np

from zoo.grading.errors import GradingError
from zoo.layer_walk import keras_layers

PREDICT_BATCH = 256


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
        model: the Keras model, when one was loaded (its layers are
            evidence of how it takes its inputs), else None.
        zoo_export: whether this is a zoo export (a SavedModel with a
            `card.json` naming its task), whose signature takes raw inputs.
    """

    def __init__(
        self,
        predict,
        input_shape,
        input_dtype,
        description,
        owner=None,
        model=None,
        zoo_export=False,
    ):
        self._predict = predict
        self.input_shape = input_shape
        self.input_dtype = input_dtype
        self.description = description
        self._owner = owner
        self.model = model
        self.zoo_export = zoo_export

    def predict(self, x):
        """Predicts in batches.

        Args:
            x: numpy array of inputs.

        Returns:
            A numpy array of outputs.
        """
        outputs = [
            np.asarray(self._predict(x[i : i + PREDICT_BATCH]))
            for i in range(0, len(x), PREDICT_BATCH)
        ]
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
        zoo.grading.errors.GradingError: when the path is missing or the model
            cannot be loaded, saying what to do instead.
    """
    path = Path(path)
    if not path.exists():
        raise GradingError(f"{path}: no such file or folder.")
    if path.is_dir():
        if not (path / "saved_model.pb").exists():
            raise GradingError(
                f"{path} is a folder without saved_model.pb: pass a SavedModel "
                "version folder (e.g. saved_models/TASK/1), a .keras or an .h5 file."
            )
        return _load_saved_model(path, signature)
    if path.suffix not in (".keras", ".h5"):
        raise GradingError(f"{path}: expected a .py, .keras or .h5 file or a SavedModel folder.")
    corruption = _corruption(path)
    if corruption:
        raise GradingError(corruption)
    return _load_keras(path, signature)


def _corruption(path):
    if path.suffix == ".keras" and not zipfile.is_zipfile(path):
        return (
            f"{path} is corrupt: a .keras file is a zip archive, and this one is not "
            "a readable zip (was it cut short while copying?). Save the model again "
            f"with model.save('{path.name}')."
        )
    if path.suffix == ".h5":
        import h5py

        try:
            h5py.File(path, "r").close()
        except OSError:
            return (
                f"{path} is corrupt: an .h5 file is an HDF5 file, and this one is not "
                "readable as HDF5 (was it cut short while copying?). Save the model "
                f"again with model.save('{path.name}')."
            )
    return None


def _load_keras(path, signature):
    import keras

    import zoo.models  # noqa: F401  (registers the zoo's layers and models for loading)

    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as error:  # loading fails in many ways; all get one message
        raise GradingError(_load_failure(path, error)) from error
    if path.suffix == ".h5":
        _check_vocabularies(model, path)
    description = f"Keras model from {path.name}"
    if signature != "serving_default":
        if not hasattr(model, signature):
            raise GradingError(
                f"{path}: the model has no {signature}() method, which this task calls to grade it."
            )
        method = getattr(model, signature)
        return Predictor(
            lambda batch: np.asarray(method(batch)), None, None, description, model=model
        )
    try:
        spec = model.inputs[0]
        shape, dtype = tuple(spec.shape[1:]), str(spec.dtype)
    except (AttributeError, IndexError, TypeError, ValueError):
        shape, dtype = None, None  # subclassed models declare no inputs

    def predict(batch):
        return _first_output(model.predict(batch, verbose=0))

    return Predictor(predict, shape, dtype, description, model=model)


def _check_vocabularies(model, path):
    # Keras 3 writes only weights and config to .h5: an adapted vocabulary is lost.
    for layer in keras_layers(model):
        if type(layer).__name__ == "TextVectorization" and layer.vocabulary_size() <= 2:
            raise GradingError(
                f"{path} holds a TextVectorization layer ({layer.name}) whose vocabulary "
                ".h5 files do not store, so the loaded model knows no words. Save it "
                "as .keras (model.save('mymodel.keras')), or do as the exam's starter "
                "did: tokenise outside the model with the starter's Tokenizer and "
                "pad_sequences, and let the model take the padded ids; such a model "
                "saves as .h5 and is graded with the starter's tokeniser."
            )


def _load_failure(path, error):
    text = str(error)
    if "Lambda" in text or "lambda" in text:
        return (
            f"{path} cannot be loaded: it contains a Lambda layer, whose "
            "Python code is not stored safely in the file (the exam's grader "
            "refused these too). Replace it with a built-in layer, e.g. "
            "keras.layers.Rescaling(1/255) for scaling, or Reshape."
        )
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    return (
        f"{path} cannot be loaded ({type(error).__name__}: {first_line}). "
        "Save the model with Keras 3 as model.save('mymodel.keras'), using "
        "only built-in or registered layers."
    )


def _load_saved_model(path, signature_name):
    import tensorflow as tf

    from zoo.report.card import CARD_NAME

    try:
        loaded = tf.saved_model.load(str(path))
        signature = loaded.signatures[signature_name]
    except Exception as error:  # a broken SavedModel fails in many ways
        raise GradingError(
            f"{path} is not a loadable SavedModel with a {signature_name} signature ({error})."
        ) from error
    inputs = signature.structured_input_signature[1]
    if len(inputs) != 1:
        raise GradingError(
            f"{path}: the {signature_name} signature takes "
            f"{len(inputs)} inputs ({', '.join(sorted(inputs))}); the "
            "grader feeds one."
        )
    ((name, spec),) = inputs.items()
    outputs = sorted(signature.structured_outputs)
    key = "probabilities" if "probabilities" in outputs else outputs[0]

    def predict(batch):
        return signature(**{name: tf.constant(batch, spec.dtype)})[key].numpy()

    return Predictor(
        predict,
        tuple(spec.shape[1:]),
        spec.dtype.name,
        f"SavedModel {path}",
        owner=loaded,
        zoo_export=(path / CARD_NAME).is_file(),
    )


def _first_output(outputs):
    if isinstance(outputs, dict):
        return (
            outputs["probabilities"] if "probabilities" in outputs else outputs[sorted(outputs)[0]]
        )
    if isinstance(outputs, (list, tuple)):
        return outputs[0]
    return outputs
