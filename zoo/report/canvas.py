"""The canvas every picture of the zoo is drawn on, and how it is saved.

A picture is a matplotlib `Figure` on an Agg canvas of its own, drawn and
saved under the zoo's text sizes: no pyplot, no global backend switch and
no change to `matplotlib.rcParams`, so an interactive session's matplotlib
setup is left alone. Matplotlib is imported when a picture is drawn, so
importing the figure modules does not import it.

Example:
>>> with png_figure("line.png", 600, 300) as figure:
...     lines = figure.subplots().plot([1, 3, 2])
>>> Path("line.png").stat().st_size > 0
True
"""

import contextlib
from pathlib import Path

# Pixels per inch: a picture's size in pixels is its size in inches times this.
DPI = 100
# Pictures at most about 650 px wide with 11-point text stay readable when a
# phone shows them at half size. Sizes a figure gives itself win.
TEXT_SIZES = {"font.size": 11, "legend.fontsize": 10}


@contextlib.contextmanager
def png_figure(path, width_pixels, height_pixels, **options):
    """A blank figure, written to `path` as a PNG when the block ends without an error.

    Args:
        path: the PNG to write; its folder is created if missing.
        width_pixels: int, the picture's width.
        height_pixels: int, the picture's height.
        **options: passed to `matplotlib.figure.Figure` (e.g. `layout="constrained"`).

    Yields:
        The `matplotlib.figure.Figure` to draw on.

    Example:
    >>> with png_figure("bars.png", 400, 200) as figure:
    ...     bars = figure.subplots().bar([1, 2], [3, 4])
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # Text takes its size when it is made, and tick labels are made as the
    # picture is saved: the sizes hold for both.
    with matplotlib.rc_context(TEXT_SIZES):
        figure = Figure(figsize=(width_pixels / DPI, height_pixels / DPI), dpi=DPI, **options)
        FigureCanvasAgg(figure)
        yield figure
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=DPI, format="png")
