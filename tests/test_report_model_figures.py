"""zoo.report.model_figures: every helper writes a PNG of the expected pixel size that shows,
in each cell, the array it was given for that cell."""

import struct

import keras
import matplotlib
import matplotlib.image
import numpy as np
import pytest

from zoo.layers import CAMHead
from zoo.report import model_figures

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    """Returns `(width, height)` from a PNG's header, checking it is a PNG."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    return struct.unpack(">II", data[16:24])


def spot(path, rows, columns, row, column, y, x):
    """The RGB colour at `(y, x)` (fractions of the cell) of the cell at `(row, column)`.

    The colour is the mean of a 3×3 patch, so that a cell's edge never falls in it
    while the spots are kept away from the edges.
    """
    picture = matplotlib.image.imread(path)[..., :3]
    height, width = picture.shape[0] / rows, picture.shape[1] / columns
    top, left = int((row + y) * height), int((column + x) * width)
    return picture[top - 1 : top + 2, left - 1 : left + 2].mean(axis=(0, 1))


def halves(count, side, split):
    """Grey images, 0 on one half and `(i + 1) / count` on the other, `(count, side, side, 1)`.

    `split` is `"left"` (bright right half) or `"top"` (bright top half).
    """
    images = np.zeros((count, side, side, 1), "float32")
    for i in range(count):
        bright = (slice(None), slice(side // 2, None)) if split == "left" else (slice(side // 2),)
        images[i][bright] = (i + 1) / count
    return images


def grey(colour):
    """The grey level of an RGB colour, checking it is grey."""
    np.testing.assert_allclose(colour, colour.mean(), atol=0.02)
    return colour.mean()


def test_reconstructions(tmp_path):
    # Inputs are bright on the right, reconstructions at the top: each row shows its own.
    inputs, reconstructions = halves(5, 16, "left"), halves(5, 16, "top")
    path = model_figures.plot_reconstructions(
        inputs, reconstructions, tmp_path / "rec.png", cell_pixels=40
    )
    assert png_size(path) == (5 * 40, 2 * 40)
    for i in range(5):
        level = (i + 1) / 5
        assert grey(spot(path, 2, 5, 0, i, 0.5, 0.25)) == pytest.approx(0.0, abs=0.02)
        assert grey(spot(path, 2, 5, 0, i, 0.5, 0.75)) == pytest.approx(level, abs=0.02)
        assert grey(spot(path, 2, 5, 1, i, 0.25, 0.5)) == pytest.approx(level, abs=0.02)
        assert grey(spot(path, 2, 5, 1, i, 0.75, 0.5)) == pytest.approx(0.0, abs=0.02)


def test_samples_grid_wraps_rows_and_shows_tanh_pixels(tmp_path):
    # Sample k is one colour, k / 9 after the [-1, 1] pixels are mapped to [0, 1].
    levels = np.arange(10) / 9
    samples = np.ones((10, 16, 16, 3)) * (levels * 2 - 1)[:, None, None, None]
    path = model_figures.plot_samples(samples, tmp_path / "nested" / "samples.png", columns=4)
    assert png_size(path) == (4 * 64, 3 * 64)
    for k, level in enumerate(levels):
        colour = spot(path, 3, 4, k // 4, k % 4, 0.5, 0.5)
        assert grey(colour) == pytest.approx(level, abs=0.02), k
    assert spot(path, 3, 4, 2, 3, 0.5, 0.5) == pytest.approx([1.0, 1.0, 1.0])  # no 12th sample


def test_latent_traversals_vary_one_dimension_a_row(tmp_path):
    def decode(codes):
        # Left half shows dimension 0, right half dimension 1, each from [-2, 2] to [0, 1].
        sides = (keras.ops.convert_to_tensor(codes[:, :2]) + 2.0) / 4.0
        return keras.ops.repeat(keras.ops.repeat(sides[:, None, :], 8, axis=1), 4, axis=2)

    values = np.linspace(-2, 2, 5)
    path = model_figures.plot_latent_traversals(
        decode, 3, tmp_path / "traverse.png", values=values, cell_pixels=32
    )
    assert png_size(path) == (5 * 32, 3 * 32)
    for column, value in enumerate(values):
        varied = (value + 2) / 4
        for row, expected in enumerate([(varied, 0.5), (0.5, varied), (0.5, 0.5)]):
            shown = [grey(spot(path, 3, 5, row, column, 0.5, x)) for x in (0.25, 0.75)]
            assert shown == pytest.approx(expected, abs=0.02), (row, column)


def test_masks_with_truth(tmp_path):
    # Grey images; true class 1 on the left half, predicted class 2 on the top half.
    images = np.full((5, 16, 16), 0.5, "float32")
    true_masks = np.zeros((5, 16, 16), "int32")
    true_masks[:, :, :8] = 1
    probabilities = np.zeros((5, 16, 16, 3), "float32")
    probabilities[:, :8, :, 2] = 0.9
    probabilities[:, 8:, :, 0] = 0.9
    path = model_figures.plot_masks(
        images, probabilities, tmp_path / "masks.png", true_masks=true_masks, cell_pixels=48
    )
    assert png_size(path) == (5 * 48, 3 * 48)

    def over_grey(label):
        colour = np.array(matplotlib.colormaps["tab10"](label / 9)[:3])
        return 0.6 * colour + 0.4 * 0.5

    for i in range(5):
        assert grey(spot(path, 3, 5, 0, i, 0.5, 0.5)) == pytest.approx(0.5, abs=0.02)
        assert spot(path, 3, 5, 1, i, 0.5, 0.25) == pytest.approx(over_grey(1), abs=0.02)
        assert grey(spot(path, 3, 5, 1, i, 0.5, 0.75)) == pytest.approx(0.5, abs=0.02)
        assert spot(path, 3, 5, 2, i, 0.25, 0.5) == pytest.approx(over_grey(2), abs=0.02)
        assert grey(spot(path, 3, 5, 2, i, 0.75, 0.5)) == pytest.approx(0.5, abs=0.02)


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


def test_cams_show_the_hot_spot_over_the_image(tmp_path):
    images = np.full((2, 32, 32, 3), 0.5, "float32")
    maps = np.zeros((2, 4, 4), "float32")
    maps[:, 0, 3] = 1.0  # hot top-right corner
    path = model_figures.plot_cams(images, maps, tmp_path / "cam.png", alpha=0.5)
    for i in range(2):
        assert grey(spot(path, 2, 2, 0, i, 0.1, 0.9)) == pytest.approx(0.5, abs=0.02)
        (red, _, blue), cold = spot(path, 2, 2, 1, i, 0.1, 0.9), spot(path, 2, 2, 1, i, 0.9, 0.1)
        assert red > blue + 0.2  # jet's hot end over the grey image
        assert cold[2] > cold[0] + 0.2  # and its cold end


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
