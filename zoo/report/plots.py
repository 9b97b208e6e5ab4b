"""Pictures of what the zoo's models do, written as PNG files.

One helper per family: reconstructions beside inputs (autoencoders, VAEs),
a grid of generated samples (GAN, VAEs), latent traversals (β-VAE), masks
over images (U-Net), a forecast against the actual values (forecaster) and
class activation maps over images (`zoo.layers.CAMHead`); and for the lab's
lessons, line charts in panels, grids of histograms and paths over the
contours of a surface. Each returns the path it wrote. Images are
`(n, height, width)` or `(n, height, width, channels)` with pixels in
[0, 1], or in [-1, 1] (recognised by values below -0.5) such as a `tanh`
generator's. Image grids are exactly
`columns * cell_pixels` wide and `rows * cell_pixels` high.

Matplotlib is imported inside the helpers and draws on its non-interactive
Agg canvas, so importing this module does not import it.
"""

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

DPI = 100


def plot_reconstructions(inputs, reconstructions, path, cell_pixels=64):
    """Writes inputs (top row) above their reconstructions (bottom row).

    Args:
        inputs: array of images.
        reconstructions: array of images shaped like `inputs`.
        path: where to write the PNG.
        cell_pixels: int, side of each image in the picture.

    Returns:
        The `Path` written.
    """
    return _save_grid([_image_cells(inputs), _image_cells(reconstructions)],
                      path, cell_pixels)


def plot_samples(samples, path, columns=8, cell_pixels=64):
    """Writes generated images as a grid, `columns` per row.

    Args:
        samples: array of images.
        path: where to write the PNG.
        columns: int, images per row.
        cell_pixels: int, side of each image in the picture.

    Returns:
        The `Path` written.
    """
    cells = _image_cells(samples)
    rows = [cells[i:i + columns] for i in range(0, len(cells), columns)]
    return _save_grid(rows, path, cell_pixels)


def plot_latent_traversals(decode, latent_dim, path, values=np.linspace(-3.0, 3.0, 7),
                           base_code=None, cell_pixels=64):
    """Writes one row per latent dimension, varying it alone across `values`.

    With a β-VAE each row tends to change one factor of the images (size,
    position, thickness...) while the others stay put.

    Args:
        decode: function mapping codes `(batch, latent_dim)` to images, e.g.
            `vae.decode`.
        latent_dim: int, width of the code.
        path: where to write the PNG.
        values: the values given to each dimension in turn.
        base_code: optional array `(latent_dim,)`, the code the others keep;
            zeros (the prior's mean) when None.
        cell_pixels: int, side of each image in the picture.

    Returns:
        The `Path` written.
    """
    import keras

    values = np.asarray(values, "float32")
    base = np.zeros(latent_dim, "float32") if base_code is None else np.asarray(
        base_code, "float32")
    codes = np.repeat(base[None, None, :], latent_dim, axis=0).repeat(len(values), axis=1)
    for dim in range(latent_dim):
        codes[dim, :, dim] = values
    cells = _image_cells(keras.ops.convert_to_numpy(decode(codes.reshape(-1, latent_dim))))
    rows = [cells[i:i + len(values)] for i in range(0, len(cells), len(values))]
    return _save_grid(rows, path, cell_pixels)


def plot_masks(images, masks, path, true_masks=None, cell_pixels=64):
    """Writes images, then (optionally) true masks and predicted masks over them.

    Class 0 is background and left clear; every other class has its own
    colour, the same in every picture.

    Args:
        images: array of images.
        masks: integer masks `(n, height, width)`, or per-pixel class
            probabilities `(n, height, width, classes)`.
        path: where to write the PNG.
        true_masks: optional integer masks to show above the predicted ones.
        cell_pixels: int, side of each image in the picture.

    Returns:
        The `Path` written.
    """
    images = _displayable(images)
    rows = [_image_cells(images)]
    for mask_set in (true_masks, masks):
        if mask_set is not None:
            rows.append([partial(_draw_mask, image=image, class_ids=class_ids)
                         for image, class_ids in zip(images, _class_ids(mask_set))])
    return _save_grid(rows, path, cell_pixels)


def plot_cams(images, maps, path, alpha=0.5, cell_pixels=96):
    """Writes images (top row) and their class activation maps over them.

    Each map is resized to its image and scaled to [0, 1] (its own minimum
    to its own maximum), so the hottest region of each image stands out.

    Args:
        images: array of images.
        maps: array `(n, h, w)`, e.g. the maps of
            `CAMHead(..., return_cam=True)`; any resolution.
        path: where to write the PNG.
        alpha: float, opacity of the heat map.
        cell_pixels: int, side of each image in the picture.

    Returns:
        The `Path` written.
    """
    images = _displayable(images)
    heat = normalized_maps(maps, images.shape[1:3])
    overlays = [partial(_draw_heat, image=image, heat=heat_map, alpha=alpha)
                for image, heat_map in zip(images, heat)]
    return _save_grid([_image_cells(images), overlays], path, cell_pixels)


def normalized_maps(maps, size):
    """Resizes maps bilinearly to `size` and scales each to [0, 1].

    Args:
        maps: array `(n, h, w)`.
        size: `(height, width)` of the result.

    Returns:
        A float32 array `(n, height, width)`; a constant map becomes zeros.
    """
    maps = np.asarray(maps, "float32")
    resized = np.stack([_resize_bilinear(m, size) for m in maps])
    low = resized.min(axis=(1, 2), keepdims=True)
    span = resized.max(axis=(1, 2), keepdims=True) - low
    return np.where(span > 0, (resized - low) / np.where(span > 0, span, 1.0), 0.0)


def plot_forecast(history, actual, forecast, path, size=(640, 320)):
    """Writes a line chart: the history, then the actual values and the forecast.

    Args:
        history: 1-D array, the window the forecast was made from.
        actual: 1-D array, what happened next.
        forecast: 1-D array, what the model predicted, as long as `actual`.
        path: where to write the PNG.
        size: `(width, height)` of the picture in pixels.

    Returns:
        The `Path` written.
    """
    history, actual, forecast = (np.asarray(a, "float32").ravel()
                                 for a in (history, actual, forecast))
    if len(actual) != len(forecast):
        raise ValueError(
            "`actual` and `forecast` must cover the same steps. Received "
            f"{len(actual)} actual and {len(forecast)} forecast values."
        )
    fig = _figure(*size)
    ax = fig.add_subplot()
    future = np.arange(len(actual))
    ax.plot(np.arange(-len(history), 0), history, color="gray", label="history")
    ax.plot(future, actual, color="black", label="actual")
    ax.plot(future, forecast, color="tab:orange", linestyle="--", label="forecast")
    ax.axvline(-0.5, color="lightgray", linewidth=1)
    ax.set_xlabel("step (0 = first forecast step)")
    ax.legend(loc="best")
    fig.tight_layout()
    return _save(fig, path)


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
    fig = _figure(columns * panel_pixels[0], rows * panel_pixels[1] + legend_pixels)
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, panel in zip(axes, panels):
        for label, values in panel.lines.items():
            x, y = values if isinstance(values, tuple) else (
                np.arange(1, len(values) + 1), values)
            ax.plot(x, y, label=label, **panel.styles.get(label, {}))
        for text, x in panel.marks.items():
            ax.axvline(x, color="gray", linestyle=":", linewidth=1.5)
            ax.annotate(text, (x, 1), xycoords=("data", "axes fraction"),
                        xytext=(3, -3), textcoords="offset points", va="top", fontsize=8,
                        color="dimgray")
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
    for ax in axes[len(panels):]:
        ax.set_axis_off()
    if shared_legend:
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="upper center", ncol=len(labels), fontsize=9,
                   frameon=False)
        fig.tight_layout(rect=(0, 0, 1, 1 - legend_pixels / fig.bbox.height))
    else:
        fig.tight_layout()
    return _save(fig, path)


def plot_histograms(cells, path, row_labels, column_labels, value_ranges, bins=30,
                    cell_pixels=(170, 120)):
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
    """
    rows, columns = len(cells), max(len(row) for row in cells)
    fig = _figure(columns * cell_pixels[0] + 90, rows * cell_pixels[1] + 40)
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
    return _save(fig, path)


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
    """
    x, y = np.meshgrid(np.linspace(*extent[:2], 200), np.linspace(*extent[2:], 200))
    heights = function(x, y)
    columns = min(columns, len(paths))
    rows = -(-len(paths) // columns)
    fig = _figure(columns * panel_pixels[0], rows * panel_pixels[1])
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, (label, points) in zip(axes, paths.items()):
        points = np.asarray(points)
        ax.contour(x, y, heights, levels=np.geomspace(0.05, heights.max(), 12),
                   colors="lightgray", linewidths=0.8)
        ax.plot(points[:, 0], points[:, 1], "o-", color="tab:red", markersize=2.5,
                linewidth=1)
        ax.plot(*points[0], "s", color="black", markersize=5)
        ax.plot(0, 0, "+", color="black", markersize=10)
        ax.set_xlim(*extent[:2])
        ax.set_ylim(*extent[2:])
        ax.set_title(label, fontsize=10)
        ax.tick_params(labelsize=8)
    for ax in axes[len(paths):]:
        ax.set_axis_off()
    fig.tight_layout()
    return _save(fig, path)


def _displayable(images):
    """Images as floats in [0, 1], without a channel axis when grey."""
    images = np.asarray(images, "float32")
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    # Pixels in [-1, 1] (tanh outputs) reach well below 0; slight undershoot
    # of a linear output in [0, 1] does not.
    if images.min() < -0.5:
        images = (images + 1.0) / 2.0
    return np.clip(images, 0.0, 1.0)


def _class_ids(masks):
    masks = np.asarray(masks)
    return masks.argmax(axis=-1) if masks.ndim == 4 else masks.astype("int32")


def _resize_bilinear(image, size):
    height, width = size
    rows = np.linspace(0, image.shape[0] - 1, height)
    cols = np.linspace(0, image.shape[1] - 1, width)
    along_cols = np.stack([np.interp(cols, np.arange(image.shape[1]), row)
                           for row in image])
    return np.stack([np.interp(rows, np.arange(image.shape[0]), column)
                     for column in along_cols.T], axis=1)


def _image_cells(images):
    return [partial(_draw_image, image=image) for image in _displayable(images)]


def _draw_image(ax, image):
    ax.imshow(image, cmap="gray", vmin=0.0, vmax=1.0)


def _draw_mask(ax, image, class_ids):
    _draw_image(ax, image)
    # Fixed colour range, so a class has the same colour in every cell.
    ax.imshow(np.ma.masked_equal(class_ids, 0), cmap="tab10", vmin=0, vmax=9,
              alpha=0.6, interpolation="nearest")


def _draw_heat(ax, image, heat, alpha):
    _draw_image(ax, image)
    ax.imshow(heat, cmap="jet", vmin=0.0, vmax=1.0, alpha=alpha)


def _save_grid(rows, path, cell_pixels):
    """Lays out rows of cells (functions drawing on an axis) and saves them."""
    columns = max(len(row) for row in rows)
    fig = _figure(columns * cell_pixels, len(rows) * cell_pixels)
    axes = fig.subplots(len(rows), columns, squeeze=False)
    fig.subplots_adjust(left=0, right=1, bottom=0, top=1, wspace=0.04, hspace=0.04)
    for row, row_axes in zip(rows, axes):
        for i, ax in enumerate(row_axes):
            ax.set_axis_off()
            if i < len(row):
                row[i](ax)
    return _save(fig, path)


def _figure(width_pixels, height_pixels):
    # An Agg canvas of its own: no pyplot, no global backend switch, so an
    # interactive session's matplotlib setup is left alone.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_pixels / DPI, height_pixels / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, format="png")
    return path


def plot_feature_forecasts(actual, forecast, path, names=None, title=None, row_pixels=170):
    """Writes each feature's held-out forecast against what happened, and its error by step.

    For a sequence-to-sequence forecaster, `(windows, steps, features)`: one
    row per feature. On the left, the actual values and the forecasts one
    step ahead over the held-out windows, the absolute error shaded below
    them; on the right, the mean absolute error at each forecast step, which
    shows how far ahead the forecast holds.

    Args:
        actual: array `(windows, steps, features)`, what followed each window.
        forecast: array of the same shape, what the model forecast.
        path: where to write the PNG.
        names: the features' names, or None for their numbers.
        title: a line above the rows (e.g. the graded metric), or None.
        row_pixels: the height of one feature's row.

    Returns:
        The `Path` written.

    Raises:
        ValueError: when the two arrays differ in shape or are not 3-D.

    Example:
    >>> actual = np.random.rand(30, 4, 2)
    >>> plot_feature_forecasts(actual, actual + 0.1, "forecast.png", names=["a", "b"]).name
    'forecast.png'
    """
    actual, forecast = (np.asarray(a, "float64") for a in (actual, forecast))
    if actual.shape != forecast.shape or actual.ndim != 3:
        raise ValueError(
            "`actual` and `forecast` must both be (windows, steps, features). Received "
            f"{actual.shape} and {forecast.shape}.")
    features = actual.shape[2]
    names = list(names) if names is not None else [f"feature {i}" for i in range(features)]
    errors = np.abs(forecast - actual)
    fig = _figure(680, row_pixels * features + (30 if title else 0))
    axes = fig.subplots(features, 2, squeeze=False, gridspec_kw={"width_ratios": [3, 1]})
    windows, steps = np.arange(len(actual)), np.arange(1, actual.shape[1] + 1)
    for feature, (line, by_step) in enumerate(axes):
        line.plot(windows, actual[:, 0, feature], color="black", linewidth=1, label="actual")
        line.plot(windows, forecast[:, 0, feature], color="tab:orange", linestyle="--",
                  linewidth=1, label="forecast, 1 step ahead")
        line.fill_between(windows, actual[:, 0, feature].min(),
                          actual[:, 0, feature].min() + errors[:, 0, feature],
                          color="tab:red", alpha=0.3, step="mid", label="|error|")
        line.set_title(f"{names[feature]}: mean absolute error {errors[..., feature].mean():.4g}"
                       f" over all {actual.shape[1]} steps", fontsize=9)
        line.tick_params(labelsize=8)
        by_step.plot(steps, errors[..., feature].mean(axis=0), color="tab:red", marker=".")
        by_step.set_title("error by step ahead", fontsize=9)
        by_step.tick_params(labelsize=8)
        by_step.set_ylim(bottom=0)
    axes[0, 0].legend(loc="upper left", fontsize=7)
    axes[-1, 0].set_xlabel("held-out window", fontsize=9)
    axes[-1, 1].set_xlabel("step ahead", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return _save(fig, path)
