"""`zoo grade` on .py, .keras, .h5 and SavedModel, and its messages and hints."""

import json
import subprocess

import keras
import numpy as np
import pytest
from message_helpers import assert_says
from tasks_helpers import data_for, mocked_tfds

from zoo.cli import main
from zoo.device import describe_device
from zoo.grading.grade import GradingError, grade, grade_path, run_solution_file
from zoo.tasks import get_task
from zoo.training.reference import export_for_task, solve

LINEAR_SOLUTION = """
import keras
from zoo.tasks import get_task


def solution_model():
    data = get_task("linear").load()
    model = keras.Sequential([keras.Input((1,)),
                              keras.layers.Normalization(mean=2.5, variance=5.25),
                              keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.3), "mse")
    model.fit(*data.train, epochs=40, batch_size=8, verbose=0)
    return model


if __name__ == "__main__":
    raise SystemExit("the grader imports this file; it must not run this block")
"""


@pytest.fixture(scope="module")
def linear_artifacts(tmp_path_factory, learning_seed):
    """The linear reference, trained once, saved as .keras, .h5 and SavedModel."""
    folder = tmp_path_factory.mktemp("linear")
    task = get_task("linear")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        model = solve(task, seed=learning_seed, verbose=0)[0]
        model.save(folder / "mymodel.keras")
        model.save(folder / "mymodel.h5")
        version_dir = export_for_task(
            task, model, folder / "saved_models" / "linear", card={"task": "linear"}
        )
    return {
        "keras": folder / "mymodel.keras",
        "h5": folder / "mymodel.h5",
        "saved_model": version_dir,
    }


@pytest.mark.slow
def test_keras_h5_and_saved_model_grade_alike(linear_artifacts, bound):
    task = get_task("linear")
    grades = {kind: grade(task, path) for kind, path in linear_artifacts.items()}
    values = [g.value for g in grades.values()]
    # The reference's held-out MSE, where 5/5 begins at 1e-4.
    bound("held-out MSE of the linear reference", max(values), at_most=1e-4)
    assert all(g.score == 5 for g in grades.values())
    assert values == pytest.approx([values[0]] * 3, abs=1e-9)
    assert all(g.device == describe_device() and not g.hints for g in grades.values())
    assert grades["saved_model"].artifact.startswith("SavedModel")


@pytest.mark.slow
def test_zoo_grade_and_zoo_score_print_the_result(linear_artifacts, capsys):
    assert main(["grade", "linear", str(linear_artifacts["h5"])]) == 0
    assert main(["score", str(linear_artifacts["saved_model"])]) == 0
    out = capsys.readouterr().out
    assert out.count("score: 5/5") == 2
    assert out.count(f"device: {describe_device()}") == 2
    assert "linear: mse = " in out and "(5/5 at ≤ 0.0001; rule: " in out
    assert out.count("convention: raw: raw inputs as the task has them (1 float32 → 1)") == 2
    assert out.count("held-out: 17 examples; 95% interval of mse: ") == 2
    assert out.count("resamples: 5/5 in 100%") == 2
    assert out.count("next marks: up: none (top marks); down: 4/5 at mse > 0.0001") == 2


@pytest.mark.slow
def test_zoo_grade_json_is_one_object_with_the_confidence_facts(linear_artifacts, capsys):
    assert main(["grade", "linear", str(linear_artifacts["keras"]), "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["graded"] is True and facts["task"] == "linear" and facts["score"] == 5
    assert facts["top_marks"] == "5/5 at ≤ 0.0001" and facts["threshold"] == 0.0001
    assert facts["convention"] == {
        "name": "raw",
        "inputs": "raw inputs as the task has them (1 float32 → 1)",
        "reason": "the task has one convention",
        "clear": True,
    }
    assert facts["held_out"] == 17
    confidence = facts["confidence"]
    assert confidence["level"] == 0.95 and confidence["resamples"] == 1000
    assert confidence["seed"] == 0 and confidence["shares"] == {"5": 1.0}
    low, high = confidence["interval"]
    assert 0 <= low <= facts["value"] <= high < 1e-4
    assert facts["shares"] == "5/5 in 100%"
    assert facts["marks"]["up"] is None and facts["marks"]["down"]["marks"] == 4
    assert main(["grade", "linear", "missing.keras", "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == {
        "graded": False,
        "error": "missing.keras: no such file or folder.",
    }


@pytest.mark.slow
def test_py_solution_runs_in_its_own_process(tmp_path, capsys):
    path = tmp_path / "linear.py"
    path.write_text(LINEAR_SOLUTION)
    assert main(["grade", "linear", str(path), "--time-limit", "300"]) == 0
    assert "score: 5/5" in capsys.readouterr().out


@pytest.mark.slow
def test_py_solution_past_its_time_limit_is_stopped(tmp_path):
    path = tmp_path / "slow.py"
    path.write_text("import time\n\ndef solution_model():\n    time.sleep(60)\n")
    with pytest.raises(GradingError) as error:
        run_solution_file(path, time_limit=2)
    assert_says(str(error.value), str(path), "solution_model()", "within 2 s", "--time-limit")


def test_missing_py_is_reported_at_once_without_a_process(tmp_path, monkeypatch, capsys):
    def no_process(*args, **kwargs):
        raise AssertionError("a process was started for a missing file")

    monkeypatch.setattr(subprocess, "run", no_process)
    path = tmp_path / "nothing.py"
    assert main(["grade", "linear", str(path)]) == 1
    assert capsys.readouterr().err == f"not graded: {path}: no such file.\n"


@pytest.mark.slow
def test_py_solution_that_fails_says_so(tmp_path, capfd):
    path = tmp_path / "broken.py"
    path.write_text("def solution_model():\n    raise RuntimeError('oops')\n")
    assert main(["grade", "linear", str(path)]) == 1
    err = capfd.readouterr().err
    assert "RuntimeError: oops" in err
    assert (
        f"not graded: {path} failed at line 2 (`raise RuntimeError('oops')`): RuntimeError: oops\n"
    ) in err


def test_lambda_layer_in_h5_gets_a_message_not_a_traceback(tmp_path, capsys):
    model = keras.Sequential(
        [keras.Input((1,)), keras.layers.Lambda(lambda x: x * 2.0), keras.layers.Dense(1)]
    )
    path = tmp_path / "mymodel.h5"
    model.save(path)
    assert main(["grade", "linear", str(path)]) == 1
    assert_says(capsys.readouterr().err, f"not graded: {path}", "Lambda layer", "Rescaling(1/255)")


@pytest.mark.slow
@pytest.mark.parametrize(
    "suffix, what",
    [
        (".keras", "a .keras file is a zip archive, and this one is not a readable zip"),
        (".h5", "an .h5 file is an HDF5 file, and this one is not readable as HDF5"),
    ],
)
def test_corrupt_model_files_are_called_corrupt(tmp_path, suffix, what, linear_artifacts):
    path = tmp_path / f"mymodel{suffix}"
    path.write_bytes(linear_artifacts[suffix[1:]].read_bytes()[:300])  # cut short
    with pytest.raises(GradingError) as error:
        grade_path(get_task("linear"), path)
    assert_says(str(error.value), f"{path} is corrupt", what, f"model.save('mymodel{suffix}')")


def test_missing_and_foreign_paths(tmp_path):
    task = get_task("linear")
    with pytest.raises(GradingError, match="no such file or folder"):
        grade_path(task, tmp_path / "nothing.keras")
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(GradingError, match="expected a .py, .keras or .h5 file"):
        grade_path(task, tmp_path / "notes.txt")
    with pytest.raises(GradingError, match="folder without saved_model.pb"):
        grade_path(task, tmp_path)


def save(model, tmp_path, name="model.keras"):
    path = tmp_path / name
    model.save(path)
    return path


@pytest.fixture(scope="module")
def shapes_splits():
    return get_task("shapes").load()


def image_model(input_dtype, units, activation):
    return keras.Sequential(
        [
            keras.Input((64, 64, 3), dtype=input_dtype),
            keras.layers.Rescaling(1 / 255),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(units, activation=activation),
        ]
    )


def test_float_input_that_scales_itself_is_graded_raw_without_a_hint(tmp_path, shapes_splits):
    result = grade(
        get_task("shapes"), save(image_model("float32", 3, "softmax"), tmp_path), shapes_splits
    )
    assert result.convention.convention.name == "raw" and result.hints == []


def trained_on(pixels, splits, seed=0):
    """A small model trained two epochs on the shapes as `pixels` makes them.

    Its inputs are standardised and squashed (tanh) first, so pixels on
    another scale than its training's wash out: on seeds 0-4 its accuracy
    is 0.88-0.99 fed its own way and 0.26-0.40 fed the other (chance: 0.33).
    """
    keras.utils.set_random_seed(seed)
    x, y = splits.train
    standardise = keras.layers.Normalization()
    standardise.adapt(pixels(x[:200]))
    model = keras.Sequential(
        [
            keras.Input((64, 64, 3)),
            standardise,
            keras.layers.Activation("tanh"),
            keras.layers.Conv2D(16, 3, strides=2, activation="relu"),
            keras.layers.Conv2D(32, 3, strides=2, activation="relu"),
            keras.layers.GlobalMaxPooling2D(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(pixels(x), y, epochs=2, batch_size=32, verbose=0)
    return model


@pytest.mark.slow
@pytest.mark.parametrize(
    "pixels, hinted",
    [(lambda x: x / 255.0, True), (lambda x: x.astype("float32"), False)],
    ids=["scaled_outside", "never_scaled"],
)
def test_a_convention_asked_for_is_questioned_only_against_evidence(
    tmp_path, shapes_splits, pixels, hinted, learning_seed
):
    path = save(trained_on(pixels, shapes_splits, learning_seed), tmp_path)
    result = grade(get_task("shapes"), path, shapes_splits, convention="raw")
    assert result.convention.reason == "chosen with --convention"
    if not hinted:  # trained on raw pixels: raw is its way, nothing to say
        assert result.hints == []
        return
    (hint,) = result.hints
    assert hint.startswith(
        "on 200 examples of the validation split, which training never sees, its accuracy is "
    )
    assert hint.endswith(
        "it takes pixels scaled by 1/255 outside the model, as "
        "ImageDataGenerator(rescale=1./255) did (64×64×3 float32), so "
        "--convention exam grades it the way it was trained."
    )


def test_wrong_number_of_classes_is_refused(tmp_path, shapes_splits):
    with pytest.raises(GradingError) as error:
        grade(get_task("shapes"), save(image_model("uint8", 2, "softmax"), tmp_path), shapes_splits)
    assert_says(
        str(error.value),
        "shape (2,)",
        "shapes expects (3,)",
        "64×64×3 uint8 → 3 softmax",
        "Dense(3, activation='softmax')",
        "sparse_categorical_crossentropy",
    )


def test_missing_softmax_is_hinted(tmp_path, shapes_splits):
    result = grade(get_task("shapes"), save(image_model("uint8", 3, None), tmp_path), shapes_splits)
    assert len(result.hints) == 1 and "should use activation='softmax'" in result.hints[0]


@pytest.fixture(scope="module")
def cats_and_dogs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cats")
    root = data_for("cats_vs_dogs", folder)
    return root, get_task("cats_vs_dogs").load(root)


def cats_model(units, activation):
    return keras.Sequential(
        [
            keras.Input((150, 150, 3), dtype="uint8"),
            keras.layers.Rescaling(1 / 255),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(units, activation=activation),
        ]
    )


@pytest.mark.slow
def test_softmax_pair_on_a_sigmoid_task_is_refused(tmp_path, cats_and_dogs):
    with pytest.raises(
        GradingError,
        match=r"This task is binary with one sigmoid unit: "
        r"end with Dense\(1, activation='sigmoid'\)",
    ):
        grade(get_task("cats_vs_dogs"), save(cats_model(2, "softmax"), tmp_path), cats_and_dogs[1])


@pytest.mark.slow
def test_unbounded_output_on_a_sigmoid_task_is_hinted(tmp_path, cats_and_dogs):
    model = cats_model(1, None)
    model.layers[-1].set_weights([np.full((3, 1), 50.0), np.array([-60.0])])
    result = grade(get_task("cats_vs_dogs"), save(model, tmp_path), cats_and_dogs[1])
    assert result.hints == [
        "the outputs leave [0, 1]: the last layer should use "
        "activation='sigmoid' (the grader reads > 0.5 as positive)."
    ]


def ids_model(length, units):
    return keras.Sequential(
        [
            keras.Input((length,), dtype="int32"),
            keras.layers.Embedding(1000, 4),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(units, activation="softmax"),
        ]
    )


def test_text_task_grades_a_model_on_token_ids_the_exam_starters_way(tmp_path):
    data = data_for("bbc_news", tmp_path)
    result = grade_path(get_task("bbc_news"), save(ids_model(120, 6), tmp_path), data=data)
    assert result.convention.convention.name == "exam" and result.convention.clear
    assert result.convention.reason == "the model takes int32 word ids of shape (120,)"
    assert result.held_out == 12 and result.metric == "accuracy"


def test_token_ids_of_another_length_fit_neither_convention(tmp_path):
    data = data_for("bbc_news", tmp_path)
    with pytest.raises(GradingError) as error:
        grade_path(get_task("bbc_news"), save(ids_model(100, 6), tmp_path), data=data)
    assert_says(
        str(error.value),
        "int32 inputs of shape (100,)",
        "bbc_news",
        "string → 6 softmax",
        "153 stop words",
        "Tokenizer(num_words=1000, oov_token='<OOV>')",
        "first 80% of the articles",
        "pad_sequences(maxlen=120, padding='post', truncating='post')",
        "keras.Input(shape=..., dtype=...)",
    )


def test_text_vectorization_in_an_h5_is_explained(tmp_path):
    vectorizer = keras.layers.TextVectorization(
        max_tokens=50, output_sequence_length=8, name="vectorizer"
    )
    vectorizer.adapt(["plain news", "shocking news today"])
    inputs = keras.Input((), dtype="string")
    outputs = keras.layers.Dense(1, activation="sigmoid")(
        keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(50, 4)(vectorizer(inputs)))
    )
    path = save(keras.Model(inputs, outputs), tmp_path, "mymodel.h5")
    with pytest.raises(GradingError) as error:
        grade_path(get_task("sarcasm"), path, data=data_for("sarcasm", tmp_path))
    assert_says(
        str(error.value),
        str(path),
        "TextVectorization layer (vectorizer)",
        "model.save('mymodel.keras')",
        "Tokenizer and pad_sequences",
    )


@pytest.mark.slow
def test_convention_option_on_a_task_without_an_exam_convention(linear_artifacts):
    with pytest.raises(GradingError) as error:
        grade(get_task("linear"), linear_artifacts["keras"], convention="exam")
    assert_says(str(error.value), "--convention exam", "linear", "graded raw", "1 float32 → 1")


def test_series_model_without_channel_axis_is_adapted_with_a_hint(tmp_path):
    model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(1)])
    result = grade(get_task("synthetic_series"), save(model, tmp_path))
    assert result.hints == [
        "the model takes inputs of shape (20,); the task's contract is (20, 1). Use "
        "keras.Input(shape=(20, 1)) (a Reshape layer inside can adapt it)."
    ]


def test_series_outputs_other_than_one_value_or_one_per_step_are_refused(tmp_path):
    model = keras.Sequential([keras.Input((20, 1)), keras.layers.Dense(2)])
    with pytest.raises(GradingError) as error:
        grade(get_task("synthetic_series"), save(model, tmp_path))
    assert_says(str(error.value), "shape (20, 2)", "(1,)", "(window, 1)", "Dense(1)")


def test_mocked_tfds_task_grades_a_learner_keras_file(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    with mocked_tfds():
        result = grade_path(get_task("iris"), save(model, tmp_path))
    assert result.metric == "accuracy" and 0.0 <= result.value <= 1.0 and not result.hints


def test_generative_task_needs_its_signature(tmp_path):
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(784)])
    path = save(model, tmp_path)
    with pytest.raises(GradingError) as error:
        grade(get_task("mnist_conditional_vae"), path)
    assert_says(str(error.value), str(path), "no generate() method")
