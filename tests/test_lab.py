"""zoo.lab: each lesson's direction with a fixed seed and stated thresholds, and `zoo lab`.

The lessons run on small configurations here (the experiments' own
functions, fewer images or epochs where the lesson still shows); `zoo lab`
runs end to end once, on the cheapest experiment. Digits are generated
(fonts matplotlib installs), so nothing is downloaded; MNIST's path is
checked with `tfds.testing.mock_data`.
"""

import doctest
import importlib
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from browser import assert_readable, look_at, needs_chromium

from zoo.cli import main
from zoo.lab import (
    EXPERIMENTS,
    batchnorm,
    get_experiment,
    init,
    optimizers,
    regularization,
    transfer,
    vanishing,
)
from zoo.lab.digits import generate_digits, load_digits
from zoo.lab.page import Figure, write_page


@pytest.fixture(scope="module")
def digits(learning_seed):
    return load_digits(1000, 1000, seed=learning_seed)


# -- init: 1000 N(0, 1) inputs through 5 Dense layers of 100 units ------------------


def test_std_1_saturates_sigmoid_where_xavier_does_not(learning_seed, bound):
    # A layer-5 pre-activation has std ≈ √(100 · E[a²]) ≈ 6.7, so theory puts the
    # share beyond |z| > 2.94 (outputs < 0.05 or > 0.95) near 66%; seeds 0-4 measured
    # 0.61-0.69 with std 1 and 0 with Xavier.
    share = init.saturated_share(init.layer_activations("std 1", "sigmoid", seed=learning_seed)[-1])
    xavier = init.saturated_share(
        init.layer_activations("Xavier", "sigmoid", seed=learning_seed)[-1]
    )
    bound("saturated share, std 1", share, at_least=0.5)
    bound("saturated share, Xavier", xavier, at_most=0.01)


def test_he_keeps_relu_spread_where_std_001_shrinks_it(learning_seed, bound):
    he = init.stds(init.layer_activations("He", "relu", seed=learning_seed))
    small = init.stds(init.layer_activations("std 0.01", "relu", seed=learning_seed))
    # Seeds 0-4 measured 1.26-1.36 with He, and 3.5e4-4.9e4 with std 0.01.
    bound("largest / smallest layer std, He", max(he) / min(he), at_most=2.0)
    bound("first / last layer std, std 0.01", small[0] / small[-1], at_least=10.0)


# -- optimizers ----------------------------------------------------------------------


def test_adam_reaches_the_minimum_region_before_sgd():
    adam = optimizers.steps_to_region(optimizers.surface_path("Adam"))
    sgd = optimizers.steps_to_region(optimizers.surface_path("SGD"))
    assert (adam, sgd) == (15, 27)
    # SGD cannot do better at any stable rate: x shrinks by (1 - rate / 10) a step.
    for rate in (0.5, 0.9, 0.99):
        steps = optimizers.steps_to_region(optimizers.surface_path("SGD", learning_rate=rate))
        assert steps is None or steps > adam


def test_the_surface_path_is_kerass_own_update():
    # One SGD step from (-7, 2) with rate 0.95: (x, y) - 0.95 · (x / 10, 2y).
    first = optimizers.surface_path("SGD", steps=1)[1]
    np.testing.assert_allclose(first, [-7 + 0.95 * 0.7, 2 - 0.95 * 4], rtol=1e-6)


@pytest.mark.slow
def test_adam_lowers_the_network_loss_faster_than_sgd(digits, learning_seed, bound):
    small = replace(
        digits,
        x_train=digits.x_train[:500],
        y_train=digits.y_train[:500],
        x_validation=digits.x_validation[:100],
        y_validation=digits.y_validation[:100],
    )
    losses, accuracies = optimizers.network_losses(
        small, steps=60, seed=learning_seed, names=("SGD", "Adam")
    )
    # Seeds 0-4 measured 0.20-0.24 for the ratio; SGD's own loss fell to 0.91-0.97 of
    # its start, and Adam's accuracy was 0.49-0.65 above SGD's.
    bound(
        "Adam's / SGD's loss over the last 10 steps",
        losses["Adam"][-10:].mean() / losses["SGD"][-10:].mean(),
        at_most=0.5,
    )
    bound(
        "SGD's loss, last / first 10 steps",
        losses["SGD"][-10:].mean() / losses["SGD"][:10].mean(),
        at_most=1.0,
    )
    bound("Adam's accuracy - SGD's", accuracies["Adam"] - accuracies["SGD"], at_least=0.0)


# -- batch normalisation ------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("scale, epochs", [(0.1, 20), (0.01, 10)])
def test_batch_norm_reaches_90_percent_in_fewer_epochs(scale, epochs, digits, learning_seed, bound):
    with_bn = batchnorm.epochs_to(
        batchnorm.training_accuracy(scale, True, digits, epochs, seed=learning_seed)
    )
    without = batchnorm.epochs_to(
        batchnorm.training_accuracy(scale, False, digits, epochs, seed=learning_seed)
    )
    # Never reaching 90% counts as one epoch past the run. Seeds 0-4: 4 epochs with batch
    # norm at both scales, 7 or more saved.
    with_bn = epochs + 1 if with_bn is None else with_bn
    without = epochs + 1 if without is None else without
    bound("epochs to 90% with batch norm", with_bn, at_most=6)
    bound("epochs saved by batch norm", without - with_bn, at_least=5)


# -- regularisation -------------------------------------------------------------------


@pytest.fixture(scope="module")
def noisy_digits(learning_seed):
    small = load_digits(regularization.TRAIN_SIZE, 500, seed=learning_seed)
    return replace(small, y_train=regularization.noisy_labels(small.y_train, seed=learning_seed))


@pytest.fixture(scope="module")
def unregularized_gap(noisy_digits, learning_seed):
    return regularization.gap(
        regularization.train_variant("none", noisy_digits, epochs=30, seed=learning_seed)
    )


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["dropout", "L2"])
def test_dropout_and_weight_decay_shrink_the_gap(
    variant, noisy_digits, unregularized_gap, learning_seed, bound
):
    gap = regularization.gap(
        regularization.train_variant(variant, noisy_digits, epochs=30, seed=learning_seed)
    )
    # Seeds 0-4 measured gaps of 0.17-0.31 without, closed by 0.13-0.25 with dropout and
    # 0.15-0.25 with L2.
    bound(
        "train - validation accuracy gap without regularisation", unregularized_gap, at_least=0.15
    )
    bound(f"gap closed by {variant}", unregularized_gap - gap, at_least=0.1)


@pytest.mark.slow
def test_early_stopping_keeps_an_early_epoch(noisy_digits, learning_seed):
    curves = regularization.train_variant(
        "early stopping", noisy_digits, epochs=30, seed=learning_seed
    )
    assert curves["stopped_at"] is not None
    best = int(np.argmin(curves["validation_loss"])) + 1
    assert curves["stopped_at"] == best
    assert len(curves["validation_loss"]) == best + regularization.PATIENCE


# -- vanishing gradients ------------------------------------------------------------


@pytest.mark.slow
def test_sigmoids_first_layer_gradient_is_far_smaller_than_relus(digits, learning_seed, bound):
    sigmoid = vanishing.gradient_norms(
        vanishing.deep_network("sigmoid", seed=learning_seed), digits
    )
    relu = vanishing.gradient_norms(vanishing.deep_network("relu", seed=learning_seed), digits)
    # docs/lab.md states 1.8e4 (seed 0) and this band; seeds 0-4 measured 1.6e4-2.7e4.
    ratio = relu[0] / sigmoid[0]
    bound("ReLU's / sigmoid's first-layer gradient", ratio, at_least=5e3)
    bound("ReLU's / sigmoid's first-layer gradient", ratio, at_most=1e5)
    # Sigmoid's gradient shrinks on every step back towards the input.
    assert all(a < b for a, b in zip(sigmoid, sigmoid[1:]))


# -- transfer -------------------------------------------------------------------------


def write_images(folder, per_class):
    from PIL import Image

    rng = np.random.default_rng(0)
    for label, name in enumerate(transfer.CLASS_FOLDERS):
        (folder / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 100, (40, 40, 3)) + 120 * label
            Image.fromarray(pixels.astype("uint8")).save(folder / name / f"{name}.{i}.png")


@pytest.mark.slow
def test_transfer_freezes_then_fine_tunes_the_backbone(tmp_path):
    write_images(tmp_path / "train", 6)
    write_images(tmp_path / "validation", 3)
    train = transfer.read_subset(tmp_path / "train", 5, 32)
    validation = transfer.read_subset(tmp_path / "validation", 3, 32)
    assert train[0].shape == (10, 32, 32, 3) and train[1].tolist() == [0, 1] * 5
    curves, described, changed = transfer.compare(
        train, validation, None, size=32, alpha=0.35, epochs=1, fine_tune_epochs=1
    )
    assert described.startswith("none: random weights")
    assert changed["frozen"] == 0 and changed["fine-tuned"] > 0
    assert [len(c[1]) for c in curves.values()] == [1, 1, 1]


def test_transfer_loads_a_local_weights_file(tmp_path):
    saved, _ = transfer.backbone(None, 32, 0.35)
    path = tmp_path / "backbone.weights.h5"
    saved.save_weights(path)
    loaded, described = transfer.backbone(str(path), 32, 0.35)
    assert described == f"from the file {path}"
    for a, b in zip(saved.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_transfer_names_the_layout_it_needs(tmp_path):
    with pytest.raises(FileNotFoundError, match="train/{cats,dogs}"):
        transfer.read_subset(tmp_path, 5, 32)


# -- digits, page, registry, command ------------------------------------------------


def test_generated_digits_are_seeded_and_balanced():
    images, labels = generate_digits(200, seed=3)
    again, _ = generate_digits(200, seed=3)
    np.testing.assert_array_equal(images, again)
    assert np.bincount(labels).tolist() == [20] * 10
    assert images.dtype == np.uint8 and images.max() == 255
    # Centred as MNIST's digits are: the ink's centre of mass near the middle.
    ink = images.astype("float64").sum(axis=0)
    centre = [np.average(np.arange(28), weights=ink.sum(axis=other)) for other in (1, 0)]
    np.testing.assert_allclose(centre, [13.5, 13.5], atol=1.0)


def test_mnist_is_used_when_data_names_a_tfds_dir(tmp_path):
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=30):
        mnist = load_digits(20, 10, data=tmp_path)
    assert mnist.source.startswith(f"MNIST (tfds, {tmp_path})")
    assert mnist.x_train.shape == (20, 28, 28) and mnist.x_validation.shape == (10, 28, 28)


@pytest.mark.parametrize(
    "module_name", ["zoo.lab", "zoo.lab.digits", "zoo.lab.page", *(e.module for e in EXPERIMENTS)]
)
def test_docstring_examples_print_what_they_show(module_name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_page_escapes_text_and_keeps_figure_order(tmp_path):
    figures = [Figure("b.png", "B <first>", "look & see"), Figure("a.png", "A", "then this")]
    page = write_page(tmp_path, "T", "lesson", figures, {"seed": 0}, {"x": "1"})
    text = page.read_text()
    assert "B &lt;first&gt;" in text and "look &amp; see" in text
    assert text.index('src="b.png"') < text.index('src="a.png"')


def test_unknown_experiment_names_the_choices():
    with pytest.raises(KeyError, match="there are: optimizers, init, batchnorm"):
        get_experiment("dropout")
    assert main(["lab", "dropout"]) == 2


def test_weights_is_for_transfer_only(capsys):
    assert main(["lab", "init", "--weights", "none"]) == 2
    assert "--weights is for `zoo lab transfer` only" in capsys.readouterr().err


def test_zoo_lab_lists_without_starting_keras_or_tensorflow():
    code = """
import sys
from zoo.cli import main
main(["lab"])
print("heavy:", sorted({"keras", "tensorflow", "jax"} & set(sys.modules)), file=sys.stderr)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.stderr.strip().splitlines()[-1] == "heavy: []", result.stderr[-2000:]
    names = [line.split()[0] for line in result.stdout.splitlines()[: len(EXPERIMENTS)]]
    assert names == [e.name for e in EXPERIMENTS]


INIT_PICTURES = ["init_sigmoid.png", "init_tanh.png", "init_relu.png", "init_std.png"]


@pytest.fixture(scope="module")
def init_page(tmp_path_factory):
    """`zoo lab init --quick` run as a command: its folder and what it printed."""
    out = tmp_path_factory.mktemp("lab_init")
    result = subprocess.run(
        [sys.executable, "-m", "zoo", "lab", "init", "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return out, result.stdout


@pytest.mark.slow
def test_zoo_lab_init_writes_its_pictures_and_page(init_page):
    out, printed = init_page
    assert printed.strip() == f"wrote {out / 'index.html'} (open it in a browser)"
    page = (out / "index.html").read_text()
    for name in INIT_PICTURES:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f'src="{name}"' in page
    assert page.count("What to look for:") == len(INIT_PICTURES)
    assert "zoo lab init --quick --seed 0" in page


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("width", [1280, 390])
def test_a_lab_page_reads_well_on_a_desktop_and_a_phone(init_page, width, tmp_path):
    facts = look_at(init_page[0] / "index.html", width, tmp_path / "profile")
    shown = len(INIT_PICTURES)
    assert facts["status"] == f"pictures shown: {shown} of {shown}"
    assert_readable(facts, width)
