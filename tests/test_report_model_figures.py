"""zoo.report.model_figures: every helper writes a non-empty PNG of the expected pixel size."""

import struct

import keras
import numpy as np
import pytest

from zoo.layers import CAMHead
from zoo.models import VAE
from zoo.report import model_figures

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    """Returns `(width, height)` from a PNG's header, checking it is a PNG."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 1000, "suspiciously small picture"
    return struct.unpack(">II", data[16:24])


@pytest.fixture
def images():
    return np.random.default_rng(0).random((5, 16, 16, 1)).astype("float32")


def test_reconstructions(images, tmp_path):
    path = model_figures.plot_reconstructions(
        images, 1.0 - images, tmp_path / "rec.png", cell_pixels=40
    )
    assert png_size(path) == (5 * 40, 2 * 40)


def test_samples_grid_wraps_rows(tmp_path):
    samples = np.random.default_rng(0).uniform(-1, 1, (10, 16, 16, 3))
    path = model_figures.plot_samples(samples, tmp_path / "nested" / "samples.png", columns=4)
    assert png_size(path) == (4 * 64, 3 * 64)


def test_latent_traversals_of_a_vae(tmp_path):
    keras.utils.set_random_seed(0)
    vae = VAE.dense((8, 8, 1), latent_dim=3, units=(16,))
    path = model_figures.plot_latent_traversals(
        vae.decode, 3, tmp_path / "traverse.png", values=np.linspace(-2, 2, 5), cell_pixels=32
    )
    assert png_size(path) == (5 * 32, 3 * 32)


def test_masks_with_truth(images, tmp_path):
    rng = np.random.default_rng(0)
    true_masks = rng.integers(0, 3, (5, 16, 16))
    probabilities = rng.random((5, 16, 16, 3))
    path = model_figures.plot_masks(
        images, probabilities, tmp_path / "masks.png", true_masks=true_masks, cell_pixels=48
    )
    assert png_size(path) == (5 * 48, 3 * 48)


def test_forecast(tmp_path):
    rng = np.random.default_rng(0)
    path = model_figures.plot_forecast(
        rng.random(36), rng.random(12), rng.random(12), tmp_path / "forecast.png", size=(500, 250)
    )
    assert png_size(path) == (500, 250)


def test_forecast_length_mismatch_is_explained(tmp_path):
    with pytest.raises(ValueError, match="same steps"):
        model_figures.plot_forecast(np.zeros(5), np.zeros(3), np.zeros(4), tmp_path / "f.png")


def test_cams_from_cam_head(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.random((3, 32, 32, 3)).astype("float32")
    features = rng.random((3, 4, 4, 8)).astype("float32")
    _, maps = CAMHead(num_classes=2)(features, return_cam=True)
    path = model_figures.plot_cams(images, keras.ops.convert_to_numpy(maps), tmp_path / "cam.png")
    assert png_size(path) == (3 * 96, 2 * 96)


def test_normalized_maps_resize_and_scale():
    maps = np.zeros((2, 4, 4), "float32")
    maps[0, 0, 3] = 5.0  # hot top-right corner
    maps[0] -= 2.0
    heat = model_figures.normalized_maps(maps, (16, 12))
    assert heat.shape == (2, 16, 12)
    assert heat[0].min() == 0.0 and heat[0].max() == pytest.approx(1.0)
    assert np.unravel_index(heat[0].argmax(), heat[0].shape) == (0, 11)
    assert not heat[1].any()  # a constant map has no hot spot


def test_pixel_ranges():
    # A tanh image is rescaled from [-1, 1]; slight undershoot of a [0, 1]
    # image is only clipped.
    displayable = model_figures._displayable
    assert displayable(np.array([[[-1.0, 0.0, 1.0]]])).tolist() == [[[0.0, 0.5, 1.0]]]
    assert displayable(np.array([[[-0.01, 0.5, 1.0]]])).tolist() == [[[0.0, 0.5, 1.0]]]
