"""The report's CAM overlays show the evidence for the class each image is predicted as."""

import numpy as np

from zoo.report import model_figures
from zoo.task import Splits
from zoo.tasks._images import cam_pictures


def shown_maps(probabilities, maps, tmp_path, monkeypatch):
    """The maps `cam_pictures` hands to `plot_cams` for a model giving these outputs."""
    shown = {}
    monkeypatch.setattr(
        model_figures,
        "plot_cams",
        lambda images, heatmaps, path: shown.setdefault("maps", heatmaps),
    )
    images = np.zeros((len(maps), 3, 3, 3), "uint8")
    cam_pictures(
        None,
        lambda images, return_cam: (probabilities, maps),
        Splits(None, None, (images, None), source=""),
        None,
        tmp_path,
        count=len(maps),
    )
    return shown["maps"]


def test_a_one_unit_heads_map_is_negated_where_the_negative_class_is_predicted(
    tmp_path, monkeypatch
):
    maps = np.arange(2 * 3 * 3, dtype="float32").reshape(2, 3, 3)
    shown = shown_maps(np.array([[0.9], [0.2]], "float32"), maps, tmp_path, monkeypatch)
    np.testing.assert_array_equal(shown, [maps[0], -maps[1]])


def test_a_softmax_heads_maps_are_shown_as_they_are(tmp_path, monkeypatch):
    maps = np.ones((2, 3, 3), "float32")
    shown = shown_maps(np.array([[0.1, 0.9], [0.8, 0.2]], "float32"), maps, tmp_path, monkeypatch)
    np.testing.assert_array_equal(shown, maps)
