"""zoo.report.canvas: every figure module draws with the zoo's text sizes and leaves
matplotlib's own settings as they were; a drawing that fails writes nothing."""

import contextlib

import matplotlib
import numpy as np
import pytest
from browser import png_size

from zoo.report import lab_figures, model_figures, task_figures
from zoo.report.canvas import TEXT_SIZES, png_figure


def test_nothing_is_written_when_drawing_fails(tmp_path):
    with (
        pytest.raises(RuntimeError, match="drawing failed"),
        png_figure(tmp_path / "p.png", 100, 100) as figure,
    ):
        figure.subplots().plot([0, 1])
        raise RuntimeError("drawing failed")
    assert not (tmp_path / "p.png").exists()


DRAWINGS = {
    "task_figures": (
        task_figures,
        lambda path: task_figures.plot_history({"loss": [1.0, 0.5]}, path),
    ),
    "model_figures": (
        model_figures,
        lambda path: model_figures.plot_forecast(np.zeros(8), np.ones(4), np.ones(4), path),
    ),
    "lab_figures": (
        lab_figures,
        lambda path: lab_figures.plot_panels(
            [lab_figures.Panel("loss", {"SGD": [1.0, 0.5]})], path
        ),
    ),
}


@pytest.mark.parametrize("name", DRAWINGS)
def test_each_figure_module_draws_with_the_zoos_text_sizes_and_leaves_matplotlib_alone(
    name, tmp_path, monkeypatch
):
    module, draw = DRAWINGS[name]
    seen = []

    @contextlib.contextmanager
    def recording(*args, **kwargs):
        with png_figure(*args, **kwargs) as figure:
            yield figure
            seen.append({key: matplotlib.rcParams[key] for key in TEXT_SIZES})

    monkeypatch.setattr(module, "png_figure", recording)
    with matplotlib.rc_context({"font.size": 7.0, "legend.fontsize": 7.0}):
        draw(tmp_path / "p.png")
        assert matplotlib.rcParams["font.size"] == 7.0
        assert matplotlib.rcParams["legend.fontsize"] == 7.0
    assert seen == [TEXT_SIZES]
    assert png_size(tmp_path / "p.png")[0] > 0
