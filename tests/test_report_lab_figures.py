"""zoo.report.lab_figures: each chart is a PNG of the pixels its panels and cells add up to."""

import numpy as np
import pytest
from browser import png_size

from zoo.report.lab_figures import (
    Panel,
    plot_histograms,
    plot_panels,
    plot_paths_on_contours,
)


@pytest.mark.parametrize(
    "count, shared_legend, pixels",
    [
        (5, False, (3 * 360, 2 * 270)),  # three a row, the sixth place left blank
        (2, True, (2 * 360, 270 + 36)),  # one legend above both panels
    ],
)
def test_panels_fill_a_grid_of_their_own_size(count, shared_legend, pixels, tmp_path):
    panels = [
        Panel(
            f"run {i}",
            {"train": [1.0, 0.5, 0.2], "validation": ([1, 3], [1.1, 0.4])},
            log_y=True,
            marks={"stop": 2},
        )
        for i in range(count)
    ]
    path = plot_panels(panels, tmp_path / "panels.png", shared_legend=shared_legend)
    assert png_size(path) == pixels


def test_histograms_leave_room_for_their_labels(tmp_path):
    values = np.random.default_rng(0).normal(size=(2, 3, 200))
    path = plot_histograms(
        values, tmp_path / "hist.png", ["layer 1", "layer 2"], ["a", "b", "c"], [(-3, 3), (-1, 1)]
    )
    assert png_size(path) == (3 * 170 + 90, 2 * 120 + 40)


def test_paths_on_contours_one_panel_per_path(tmp_path):
    paths = {name: np.array([[1.0, 1.0], [0.5, 0.2], [0.0, 0.0]]) for name in ("SGD", "Adam")}
    path = plot_paths_on_contours(
        lambda x, y: x**2 + 10 * y**2, paths, tmp_path / "paths.png", (-2, 2, -2, 2)
    )
    assert png_size(path) == (2 * 330, 250)
