"""Transfer learning for the image tasks (`zoo train TASK --backbone ...`), offline.

Backbones get random weights (`--weights none`) or weights files the tests
write; no test downloads anything: where Keras would, its download is made
to fail and its cache is an empty folder.
"""

import dataclasses
import json
import urllib.error

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf
from keras.src.backend import config as keras_config
from keras.src.legacy.saving.legacy_h5_format import save_weights_to_hdf5_group
from keras.src.utils import file_utils
from tasks_helpers import write_cats_and_dogs

import zoo
from zoo.cli import main
from zoo.task import Splits
from zoo.tasks import get_task
from zoo.training import pretrained
from zoo.training.reference import solve
from zoo.training.transfer import Transfer


def write_legacy_h5(model, path):
    """Writes a model's weights as keras.applications ships them: a legacy weights-only .h5."""
    with h5py.File(path, "w") as file:
        save_weights_to_hdf5_group(file, model)
    return path


def seeded_application(seed, side=96):
    """MobileNetV2 whose every array, batch-norm statistics too, is random (seeded)."""
    model = pretrained.application("mobilenet_v2", side, weights=None)
    rng = np.random.default_rng(seed)
    model.set_weights(
        [np.abs(rng.normal(size=w.shape)).astype("float32") for w in model.get_weights()]
    )
    return model


@pytest.fixture
def offline_keras(tmp_path, monkeypatch):
    """Keras with an empty cache folder and no network: returns the cache's models/."""

    def no_network(url, *args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(tmp_path / "keras_home"))
    monkeypatch.setattr(file_utils, "urlretrieve", no_network)
    return tmp_path / "keras_home" / "models"


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".h5", ".weights.h5"])
def test_weights_path_loads_exactly_the_weights_in_the_file(tmp_path, suffix):
    saved = seeded_application(seed=1)
    path = tmp_path / f"mobilenet_v2_no_top{suffix}"
    if suffix == ".h5":
        write_legacy_h5(saved, path)
    else:
        saved.save_weights(path)
    loaded = pretrained.application_of(
        pretrained.backbone("mobilenet_v2", (96, 96, 3), weights=str(path))
    )
    fresh = pretrained.application("mobilenet_v2", 96, weights=None).get_weights()
    expected = saved.get_weights()
    assert len(loaded.get_weights()) == len(expected) == 260
    for got, want in zip(loaded.get_weights(), expected):
        np.testing.assert_array_equal(got, want)
    assert sum(not np.array_equal(a, b) for a, b in zip(fresh, expected)) == 260


@pytest.mark.slow
def test_imagenet_weights_come_from_keras_cache_without_network(offline_keras):
    # The file name Keras looks for is the one the zoo names offline.
    saved = seeded_application(seed=3, side=160)
    offline_keras.mkdir(parents=True)
    write_legacy_h5(saved, offline_keras / pretrained.weights_file("mobilenet_v2", 160))
    cached = pretrained.application_of(pretrained.backbone("mobilenet_v2", (150, 150, 3)))
    for got, want in zip(cached.get_weights(), saved.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_offline_the_error_names_the_file_and_the_option(
    offline_keras, tmp_path, capsys, monkeypatch
):
    root = write_cats_and_dogs(tmp_path, per_class=5)
    monkeypatch.chdir(tmp_path)
    code = main(
        [
            "train",
            "cats_vs_dogs",
            "--data",
            str(root),
            "--backbone",
            "mobilenet_v2",
            "--models-dir",
            str(tmp_path / "models"),
        ]
    )
    file = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5"
    url = f"https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/{file}"
    assert code == 1
    assert capsys.readouterr().err == (
        f"could not download the ImageNet weights of mobilenet_v2, the file {file} ({url}): "
        f"URL fetch failure on {url}: None -- no network. Offline, copy that file here "
        "from a machine with network access and pass --weights PATH, or pass --weights "
        "none for random weights.\n"
    )
    assert not (tmp_path / "models").exists()


@pytest.mark.parametrize(
    "name,side,file",
    [
        ("inception_v3", 150, "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"),
        ("efficientnet_b0", 150, "efficientnetb0_notop.h5"),
    ],
)
def test_other_backbones_name_the_file_keras_fetches(offline_keras, name, side, file):
    with pytest.raises(pretrained.WeightsUnavailableError) as error:
        pretrained.application(name, side)
    assert str(error.value).startswith(
        f"could not download the ImageNet weights of {name}, the file {file} (https://"
    )
    assert str(error.value).endswith(
        f"/{file}): URL fetch failure on "
        f"{pretrained.weights_url(name, side)}: None -- no "
        "network. Offline, copy that file here from a machine "
        "with network access and pass --weights PATH, or pass "
        "--weights none for random weights."
    )


@pytest.mark.slow
def test_each_backbone_takes_uint8_pixels_scaled_as_it_was_trained():
    images = np.random.default_rng(0).integers(0, 256, (2, 64, 64, 3), dtype=np.uint8)
    for name, side, scaled in [
        ("mobilenet_v2", 96, images / 127.5 - 1),
        ("inception_v3", 75, images / 127.5 - 1),
        ("efficientnet_b0", 64, images.astype("float32")),
    ]:
        model = pretrained.backbone(name, (64, 64, 3), weights=None)
        base = pretrained.application_of(model)
        assert model.inputs[0].dtype == "uint8" and base.input_shape[1:3] == (side, side)
        if side != 64:
            scaled = keras.ops.image.resize(scaled, (side, side))
        np.testing.assert_allclose(
            model(images, training=False), base(scaled), rtol=1e-4, atol=1e-4
        )
        assert not any(isinstance(layer, keras.layers.Lambda) for layer in model.layers)


class PhaseRecorder(keras.callbacks.Callback):
    """The application's weights and the learning rate at the start and end of each fit."""

    def __init__(self):
        super().__init__()
        self.phases = []

    def on_train_begin(self, logs=None):
        self.phases.append(
            {"rate": float(self.model.optimizer.learning_rate.numpy()), "begin": self._weights()}
        )

    def on_train_end(self, logs=None):
        self.phases[-1]["end"] = self._weights()

    def _weights(self):
        return {
            layer.name: [w.numpy().copy() for w in layer.weights]
            for layer in pretrained.application_of(self.model).layers
            if layer.weights
        }


def small_image_task():
    """cats_vs_dogs's contract at 32×32, on 16 generated images."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (16, 32, 32, 3), dtype=np.uint8)
    labels = (images.mean(axis=(1, 2, 3)) > 127).astype("int32")
    splits = Splits(
        (images, labels), (images[:8], labels[:8]), (images[:8], labels[:8]), source="generated"
    )
    return dataclasses.replace(
        get_task("cats_vs_dogs"), input_shape=(32, 32, 3), load=lambda data=None: splits
    )


@pytest.mark.slow
def test_frozen_then_fine_tuned_top_layers_keep_batch_norm_and_the_rest(tmp_path):
    recorder = PhaseRecorder()
    solve(
        small_image_task(),
        epochs=1,
        batch_size=8,
        run_dir=tmp_path,
        verbose=0,
        more_callbacks=[recorder],
        transfer=Transfer("mobilenet_v2", None, fine_tune=5),
    )
    frozen, tuned = recorder.phases
    for name, arrays in frozen["begin"].items():  # bit-identical while frozen
        for before, after in zip(arrays, frozen["end"][name]):
            np.testing.assert_array_equal(before, after)
    changed = {
        name
        for name, arrays in tuned["begin"].items()
        if any(not np.array_equal(a, b) for a, b in zip(arrays, tuned["end"][name]))
    }
    # MobileNetV2's last five layers: block_16_project, block_16_project_BN, Conv_1,
    # Conv_1_bn, out_relu; the two batch normalisations keep weights and statistics.
    assert changed == {"block_16_project", "Conv_1"}
    assert tuned["rate"] == pytest.approx(frozen["rate"] / 10, rel=1e-6)
    assert frozen["rate"] == pytest.approx(1e-3, rel=1e-6)


@pytest.mark.slow
def test_zoo_train_on_a_backbone_exports_grades_and_draws_cams(tmp_path, capsys, monkeypatch):
    root = write_cats_and_dogs(tmp_path, per_class=5)
    monkeypatch.chdir(tmp_path)
    code = main(
        [
            "train",
            "cats_vs_dogs",
            "--data",
            str(root),
            "--backbone",
            "mobilenet_v2",
            "--weights",
            "none",
            "--epochs",
            "1",
            "--fine-tune",
            "5",
            "--models-dir",
            "models",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert (
        "trained on backbone mobilenet_v2 (keras.applications), weights none: random "
        "weights, not pretrained; then its top 5 layers fine-tuned\n"
    ) in out
    version = tmp_path / "models" / "cats_vs_dogs" / "1"
    card = json.loads((version / "card.json").read_text())
    assert {k: card[k] for k in ("backbone", "weights", "fine_tune")} == {
        "backbone": "mobilenet_v2",
        "weights": "none",
        "fine_tune": 5,
    }
    assert card["epochs"] == 2 and 0 <= card["score"] <= 5
    assert (version / "cam_overlays.png").stat().st_size > 0

    images = np.random.default_rng(1).integers(0, 256, (3, 150, 150, 3), dtype=np.uint8)
    served = tf.saved_model.load(str(version)).signatures["cam"](images=tf.constant(images))
    model = keras.saving.load_model(version / "model.keras")
    assert isinstance(model, zoo.models.CAMClassifier)
    probabilities, heatmaps = model(images, return_cam=True)
    assert served["heatmap"].shape == (3, 150, 150)
    np.testing.assert_allclose(served["heatmap"], heatmaps, rtol=0, atol=1e-5)
    np.testing.assert_allclose(served["probabilities"], probabilities, rtol=0, atol=1e-5)


def test_backbone_on_a_task_without_colour_images_names_the_tasks_that_take_one(capsys):
    assert main(["train", "sunspots", "--backbone", "mobilenet_v2"]) == 2
    assert capsys.readouterr().err == (
        "--backbone is for colour-image classification tasks (uint8 height×width×3 pixels "
        "in, sigmoid or softmax out): cifar10, beans, cats_vs_dogs, cats_vs_dogs_224, "
        "german_traffic_signs, horses_or_humans, hurricane_damage, rock_paper_scissors, "
        "shapes. sunspots takes float32 30×1 inputs; train it without --backbone.\n"
    )


def test_fine_tune_without_backbone_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "cats_vs_dogs", "--fine-tune", "5"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.endswith(
        "zoo train: error: --fine-tune needs --backbone (one of mobilenet_v2, inception_v3, "
        "efficientnet_b0)\n"
    )


def test_a_task_script_offers_backbones_only_for_colour_images(capsys):
    from zoo.training.script import run_script

    with pytest.raises(SystemExit):
        run_script(get_task("sunspots"), ["--backbone", "mobilenet_v2"])
    assert "unrecognized arguments: --backbone mobilenet_v2" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_script(get_task("cats_vs_dogs"), ["--help"])
    assert "--backbone {mobilenet_v2,inception_v3,efficientnet_b0}" in capsys.readouterr().out


def test_a_negative_fine_tune_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "cats_vs_dogs", "--backbone", "mobilenet_v2", "--fine-tune", "-3"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.endswith(
        "zoo train: error: --fine-tune -3: the number of layers must be 0 or more.\n"
    )


def test_mobilenet_takes_the_nearest_side_it_has_imagenet_weights_for():
    from zoo.training.pretrained import input_side

    assert [input_side("mobilenet_v2", side) for side in (64, 150, 300)] == [96, 160, 224]
    assert input_side("inception_v3", 64) == 75 and input_side("inception_v3", 150) == 150


@pytest.mark.parametrize(
    "module_name",
    ["zoo.training.pretrained", "zoo.training.transfer", "zoo.tasks._photo_classifier"],
)
def test_examples_print_what_they_show(module_name):
    import doctest
    import importlib

    # The module's own names are in scope, as when the examples are read beside the code.
    failed, attempted = doctest.testmod(
        importlib.import_module(module_name), extraglobs={"keras": keras, "np": np}
    )
    assert attempted > 0 and failed == 0
