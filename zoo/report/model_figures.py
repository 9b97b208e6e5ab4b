"""Pictures of what the zoo's models do, written as PNG files.

One helper per family: reconstructions beside inputs (autoencoders, VAEs),
a grid of generated samples (GAN, VAEs), latent traversals (β-VAE), masks
over images (U-Net), a forecast against the actual values (forecaster) and
class activation maps over images (`zoo.layers.CAMHead`). Each returns the
path it wrote. Images are `(n, height, width)` or `(n, height, width,
channels)` with pixels in [0, 1], or in [-1, 1] (recognised by values below
-0.5) such as a `tanh` generator's. Image grids are exactly
`columns * cell_pixels` wide and `rows * cell_pixels` high.

Example:
>>> samples = np.random.default_rng(0).random((16, 28, 28, 1))
>>> plot_samples(samples, "samples.png", columns=8, cell_pixels=32).name
'samples.png'
"""

from functools import partial
from pathlib import Path

import numpy as np

from zoo.report.canvas import png_figure


def plot_reconstructions(inputs, reconstructions, path, cell_pixels=64):
    """Writes inputs (top row) above their reconstructions (bottom row).

    Args:
        inputs: array of images.
        reconstructions: array of images shaped like `inputs`.
        path: where to write the PNG.
        cell_pixels: int, side of each image in the picture.

    Returns:
        The `Path` written.

    Example:
    >>> images = np.random.default_rng(0).random((4, 16, 16))
    >>> plot_reconstructions(images, 1.0 - images, "reconstructions.png").name
    'reconstructions.png'
    """
    return _save_grid([_image_cells(inputs), _image_cells(reconstructions)], path, cell_pixels)


def plot_samples(samples, path, columns=8, cell_pixels=64):
    """Writes generated images as a grid, `columns` per row.

    Args:
        samples: array of images.
        path: where to write the PNG.
        columns: int, images per row.
        cell_pixels: int, side of each image in the picture.

    Returns:
        The `Path` written.

    Example:
    >>> samples = np.random.default_rng(0).uniform(-1, 1, (10, 16, 16, 3))
    >>> plot_samples(samples, "samples.png", columns=5).name
    'samples.png'
    """
    cells = _image_cells(samples)
    rows = [cells[i : i + columns] for i in range(0, len(cells), columns)]
    return _save_grid(rows, path, cell_pixels)


def plot_latent_traversals(
    decode, latent_dim, path, values=(-3, -2, -1, 0, 1, 2, 3), base_code=None, cell_pixels=64
):
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

    Example:
    >>> def decode(codes):  # a stand-in decoder: grey levels from the first dimension
    ...     return np.tile((codes[:, :1, None] + 3) / 6, (1, 8, 8))
    >>> plot_latent_traversals(decode, 2, "traversals.png").name
    'traversals.png'
    """
    import keras

    values = np.asarray(values, "float32")
    base = (
        np.zeros(latent_dim, "float32") if base_code is None else np.asarray(base_code, "float32")
    )
    codes = np.repeat(base[None, None, :], latent_dim, axis=0).repeat(len(values), axis=1)
    for dim in range(latent_dim):
        codes[dim, :, dim] = values
    cells = _image_cells(keras.ops.convert_to_numpy(decode(codes.reshape(-1, latent_dim))))
    rows = [cells[i : i + len(values)] for i in range(0, len(cells), len(values))]
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

    Example:
    >>> rng = np.random.default_rng(0)
    >>> plot_masks(rng.random((3, 16, 16)), rng.random((3, 16, 16, 3)), "masks.png",
    ...            true_masks=rng.integers(0, 3, (3, 16, 16))).name
    'masks.png'
    """
    images = _displayable(images)
    rows = [_image_cells(images)]
    for mask_set in (true_masks, masks):
        if mask_set is not None:
            rows.append(
                [
                    partial(_draw_mask, image=image, class_ids=class_ids)
                    for image, class_ids in zip(images, _class_ids(mask_set))
                ]
            )
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

    Example:
    >>> rng = np.random.default_rng(0)
    >>> plot_cams(rng.random((2, 32, 32, 3)), rng.random((2, 4, 4)), "cams.png").name
    'cams.png'
    """
    images = _displayable(images)
    heat = normalized_maps(maps, images.shape[1:3])
    overlays = [
        partial(_draw_heat, image=image, heat=heat_map, alpha=alpha)
        for image, heat_map in zip(images, heat)
    ]
    return _save_grid([_image_cells(images), overlays], path, cell_pixels)


def normalized_maps(maps, size):
    """Resizes maps bilinearly to `size` and scales each to [0, 1].

    Args:
        maps: array `(n, h, w)`.
        size: `(height, width)` of the result.

    Returns:
        A float32 array `(n, height, width)`; a constant map becomes zeros.

    Example:
    >>> normalized_maps(np.array([[[0.0, 2.0], [4.0, 8.0]]]), (2, 3))[0].tolist()
    [[0.0, 0.125, 0.25], [0.5, 0.75, 1.0]]
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

    Example:
    >>> series = np.sin(np.arange(48) / 4)
    >>> plot_forecast(series[:36], series[36:], series[36:] + 0.1, "forecast.png").name
    'forecast.png'
    """
    history, actual, forecast = (
        np.asarray(a, "float32").ravel() for a in (history, actual, forecast)
    )
    if len(actual) != len(forecast):
        raise ValueError(
            "`actual` and `forecast` must cover the same steps. Received "
            f"{len(actual)} actual and {len(forecast)} forecast values."
        )
    with png_figure(path, *size) as fig:
        ax = fig.add_subplot()
        future = np.arange(len(actual))
        ax.plot(np.arange(-len(history), 0), history, color="gray", label="history")
        ax.plot(future, actual, color="black", label="actual")
        ax.plot(future, forecast, color="tab:orange", linestyle="--", label="forecast")
        ax.axvline(-0.5, color="lightgray", linewidth=1)
        ax.set_xlabel("step (0 = first forecast step)")
        ax.legend(loc="best")
        fig.tight_layout()
    return Path(path)


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
    along_cols = np.stack([np.interp(cols, np.arange(image.shape[1]), row) for row in image])
    return np.stack(
        [np.interp(rows, np.arange(image.shape[0]), column) for column in along_cols.T], axis=1
    )


def _image_cells(images):
    return [partial(_draw_image, image=image) for image in _displayable(images)]


def _draw_image(ax, image):
    ax.imshow(image, cmap="gray", vmin=0.0, vmax=1.0)


def _draw_mask(ax, image, class_ids):
    _draw_image(ax, image)
    # Fixed colour range, so a class has the same colour in every cell.
    ax.imshow(
        np.ma.masked_equal(class_ids, 0),
        cmap="tab10",
        vmin=0,
        vmax=9,
        alpha=0.6,
        interpolation="nearest",
    )


def _draw_heat(ax, image, heat, alpha):
    _draw_image(ax, image)
    ax.imshow(heat, cmap="jet", vmin=0.0, vmax=1.0, alpha=alpha)


def _save_grid(rows, path, cell_pixels):
    """Lays out rows of cells (functions drawing on an axis) and saves them."""
    columns = max(len(row) for row in rows)
    with png_figure(path, columns * cell_pixels, len(rows) * cell_pixels) as fig:
        axes = fig.subplots(len(rows), columns, squeeze=False)
        fig.subplots_adjust(left=0, right=1, bottom=0, top=1, wspace=0.04, hspace=0.04)
        for row, row_axes in zip(rows, axes):
            for i, ax in enumerate(row_axes):
                ax.set_axis_off()
                if i < len(row):
                    row[i](ax)
    return Path(path)
