"""Charts for the lab's lessons, written as PNG files.

Line charts in panels (`Panel`, `plot_panels`: curves per epoch, with marks
such as where early stopping stops), grids of histograms (activations per
layer) and paths over the contours of a surface (optimizers). Each returns
the path it wrote.

Example:
>>> plot_panels([Panel("loss", {"SGD": [1.0, 0.6, 0.4], "Adam": [1.0, 0.3, 0.1]},
...                    xlabel="epoch", log_y=True)], "loss.png").name
'loss.png'
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from zoo.report.canvas import png_figure


@dataclass
class Panel:
    """One line chart among several drawn by `plot_panels`.

    Args:
        title: str, the panel's heading.
        lines: dict mapping a label to its y values (x is 1, 2, ...), or to
            a pair `(x, y)`.
        xlabel: str, the x axis' name.
        ylabel: str, the y axis' name.
        log_y: bool, a logarithmic y axis.
        styles: dict mapping a label to matplotlib line options (`color`,
            `linestyle`, `marker`...).
        marks: dict mapping a text to the x where a dotted vertical line
            marks it (e.g. where early stopping stops).
        xlim: optional `(left, right)` of the x axis.
        ylim: optional `(bottom, top)` of the y axis.
        legend: bool, draw this panel's legend.

    Example:
    >>> panel = Panel("accuracy", {"train": [0.5, 0.8], "validation": [0.5, 0.7]},
    ...               marks={"early stop": 2})
    >>> panel.log_y, panel.legend
    (False, True)
    """

    title: str
    lines: dict
    xlabel: str = ""
    ylabel: str = ""
    log_y: bool = False
    styles: dict = field(default_factory=dict)
    marks: dict = field(default_factory=dict)
    xlim: tuple = None
    ylim: tuple = None
    legend: bool = True


def plot_panels(panels, path, columns=3, panel_pixels=(360, 270), shared_legend=False):
    """Writes line charts in a grid, `columns` per row.

    Args:
        panels: list of `Panel`.
        path: where to write the PNG.
        columns: int, panels per row.
        panel_pixels: `(width, height)` of each panel.
        shared_legend: bool, one legend above the panels (those of the first
            panel's lines) instead of one inside each.

    Returns:
        The `Path` written.

    Example:
    >>> plot_panels([Panel("loss", {"train": [1.0, 0.5, 0.3]}, xlabel="epoch")],
    ...             "loss.png").name
    'loss.png'
    """
    columns = min(columns, len(panels))
    rows = -(-len(panels) // columns)
    legend_pixels = 36 if shared_legend else 0
    with png_figure(path, columns * panel_pixels[0], rows * panel_pixels[1] + legend_pixels) as fig:
        axes = fig.subplots(rows, columns, squeeze=False).ravel()
        for ax, panel in zip(axes, panels):
            for label, values in panel.lines.items():
                x, y = (
                    values if isinstance(values, tuple) else (np.arange(1, len(values) + 1), values)
                )
                ax.plot(x, y, label=label, **panel.styles.get(label, {}))
            for text, x in panel.marks.items():
                ax.axvline(x, color="gray", linestyle=":", linewidth=1.5)
                ax.annotate(
                    text,
                    (x, 1),
                    xycoords=("data", "axes fraction"),
                    xytext=(3, -3),
                    textcoords="offset points",
                    va="top",
                    fontsize=8,
                    color="dimgray",
                )
            if panel.log_y:
                ax.set_yscale("log")
            if panel.xlim is not None:
                ax.set_xlim(*panel.xlim)
            if panel.ylim is not None:
                ax.set_ylim(*panel.ylim)
            ax.set_title(panel.title, fontsize=10)
            ax.set_xlabel(panel.xlabel, fontsize=9)
            ax.set_ylabel(panel.ylabel, fontsize=9)
            ax.tick_params(labelsize=8)
            ax.grid(alpha=0.3)
            if panel.legend and not shared_legend:
                ax.legend(fontsize=8, loc="best")
        for ax in axes[len(panels) :]:
            ax.set_axis_off()
        if shared_legend:
            handles, labels = axes[0].get_legend_handles_labels()
            fig.legend(
                handles, labels, loc="upper center", ncol=len(labels), fontsize=9, frameon=False
            )
            fig.tight_layout(rect=(0, 0, 1, 1 - legend_pixels / fig.bbox.height))
        else:
            fig.tight_layout()
    return Path(path)


def plot_histograms(
    cells, path, row_labels, column_labels, value_ranges, bins=30, cell_pixels=(170, 120)
):
    """Writes a grid of histograms, one per cell, each row over its own range.

    Args:
        cells: nested list, `cells[row][column]` an array of values.
        path: where to write the PNG.
        row_labels: one label per row, written on the left.
        column_labels: one label per column, written on top.
        value_ranges: one `(low, high)` per row, its histograms' x axis;
            values outside are counted in the first or last bin.
        bins: int, bars per histogram.
        cell_pixels: `(width, height)` of each histogram.

    Returns:
        The `Path` written.

    Example:
    >>> values = np.random.default_rng(0).normal(size=(2, 3, 100))
    >>> plot_histograms(values, "histograms.png", ["layer 1", "layer 2"], ["a", "b", "c"],
    ...                 [(-3, 3), (-3, 3)]).name
    'histograms.png'
    """
    rows, columns = len(cells), max(len(row) for row in cells)
    with png_figure(path, columns * cell_pixels[0] + 90, rows * cell_pixels[1] + 40) as fig:
        axes = fig.subplots(rows, columns, squeeze=False)
        for r, (row, row_axes, value_range) in enumerate(zip(cells, axes, value_ranges)):
            for c, (values, ax) in enumerate(zip(row, row_axes)):
                clipped = np.clip(np.ravel(values), *value_range)
                ax.hist(clipped, bins=bins, range=value_range, color="tab:blue")
                ax.set_yticks([])
                ax.tick_params(labelsize=7)
                if r == 0:
                    ax.set_title(column_labels[c], fontsize=9)
                if c == 0:
                    ax.set_ylabel(row_labels[r], fontsize=9)
        fig.tight_layout()
    return Path(path)


def plot_paths_on_contours(function, paths, path, extent, columns=3, panel_pixels=(330, 250)):
    """Writes one panel per path: the path drawn over the contours of `function`.

    Args:
        function: f(x, y) on NumPy arrays, the surface.
        paths: dict mapping a label to an array `(steps + 1, 2)` of points.
        path: where to write the PNG.
        extent: `(x_min, x_max, y_min, y_max)` of every panel.
        columns: int, panels per row.
        panel_pixels: `(width, height)` of each panel.

    Returns:
        The `Path` written.

    Example:
    >>> path = np.array([[1.5, 1.0], [0.8, 0.3], [0.1, 0.0]])
    >>> plot_paths_on_contours(lambda x, y: x ** 2 + 10 * y ** 2, {"SGD": path},
    ...                        "paths.png", (-2, 2, -2, 2)).name
    'paths.png'
    """
    x, y = np.meshgrid(np.linspace(*extent[:2], 200), np.linspace(*extent[2:], 200))
    heights = function(x, y)
    columns = min(columns, len(paths))
    rows = -(-len(paths) // columns)
    with png_figure(path, columns * panel_pixels[0], rows * panel_pixels[1]) as fig:
        axes = fig.subplots(rows, columns, squeeze=False).ravel()
        for ax, (label, points) in zip(axes, paths.items()):
            points = np.asarray(points)
            ax.contour(
                x,
                y,
                heights,
                levels=np.geomspace(0.05, heights.max(), 12),
                colors="lightgray",
                linewidths=0.8,
            )
            ax.plot(points[:, 0], points[:, 1], "o-", color="tab:red", markersize=2.5, linewidth=1)
            ax.plot(*points[0], "s", color="black", markersize=5)
            ax.plot(0, 0, "+", color="black", markersize=10)
            ax.set_xlim(*extent[:2])
            ax.set_ylim(*extent[2:])
            ax.set_title(label, fontsize=10)
            ax.tick_params(labelsize=8)
        for ax in axes[len(paths) :]:
            ax.set_axis_off()
        fig.tight_layout()
    return Path(path)
