"""The lab's digits: MNIST from tensorflow-datasets when it is there, else generated digits.

MNIST is used when `--data DIR` names a tfds `data_dir` holding it, or when
the zoo's own tfds cache already holds it (`zoo train mnist` puts it there).
The lab never downloads it: offline, tfds retries for minutes before it
gives up, and a lesson should start at once.

Without MNIST the lab draws its own digits: each of 0-9 in the fonts that
matplotlib installs (DejaVu, STIX and Computer Modern, upright and slanted,
regular and bold), fitted into a 20×20 box centred on 28×28 as MNIST's are,
then rotated, sheared, scaled, shifted and thickened at random. They are
not handwriting, but they are images a network must learn to read, and
they need nothing but the packages the zoo already depends on.

Example:
>>> digits = load_digits(train_size=100, validation_size=50, seed=0)
>>> digits.x_train.shape, digits.x_train.dtype, digits.source.startswith("generated")
((100, 28, 28), dtype('uint8'), True)
"""

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SIDE = 28
BOX = 20  # MNIST fits each digit into a 20×20 box centred in 28×28
FONT_FILES = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSansMono-Oblique.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic.ttf",
    "DejaVuSerif-BoldItalic.ttf",
    "STIXGeneral.ttf",
    "STIXGeneralBol.ttf",
    "STIXGeneralItalic.ttf",
    "STIXGeneralBolIta.ttf",
    "cmr10.ttf",
    "cmb10.ttf",
    "cmss10.ttf",
    "cmtt10.ttf",
    "cmti10.ttf",
)
MNIST_NOTE = (
    "MNIST was not found in {where}; `zoo train mnist` (online) or "
    "`tfds build mnist --data_dir DIR` prepares it, then `--data DIR` uses it."
)


@dataclass(frozen=True)
class Digits:
    """Digit images split for training and validation.

    Args:
        x_train: uint8 images `(n, 28, 28)`, ink bright on black as in MNIST.
        y_train: int labels 0-9.
        x_validation: uint8 images held out from training.
        y_validation: int labels of `x_validation`.
        source: where the images come from, in words (shown on the page).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_validation: np.ndarray
    y_validation: np.ndarray
    source: str

    def flat(self):
        """Returns `(x_train, y_train, x_validation, y_validation)` as float32 vectors in [0, 1].

        Example:
        >>> x, y, x_val, y_val = load_digits(20, 10, seed=0).flat()
        >>> x.shape, x.dtype, float(x.max()) <= 1.0
        ((20, 784), dtype('float32'), True)
        """

        def scaled(images):
            return images.reshape(len(images), -1).astype("float32") / 255.0

        return (scaled(self.x_train), self.y_train, scaled(self.x_validation), self.y_validation)


def load_digits(train_size, validation_size, seed=0, data=None):
    """Returns digits for a lesson: MNIST when present, else generated ones.

    Args:
        train_size: int, number of training images.
        validation_size: int, number of validation images.
        seed: int, draws the generated digits.
        data: optional tfds `data_dir` holding MNIST (`--data`); when given,
            MNIST must be there.

    Returns:
        A `Digits`. With MNIST, the first `train_size` images of its `train`
        split train and the first `validation_size` of its `test` split
        validate (the seed does not pick them).

    Raises:
        zoo.data.DataUnavailableError: when `data` is given without MNIST in it.
    """
    from zoo.data import CACHE_DIR

    cache = CACHE_DIR / "tensorflow_datasets"
    if data is not None or _mnist_prepared(cache):
        return _mnist(train_size, validation_size, data if data is not None else cache)
    x, y = generate_digits(train_size + validation_size, seed)
    where = f"the zoo's tfds cache ({cache})"
    return Digits(
        x[:train_size],
        y[:train_size],
        x[train_size:],
        y[train_size:],
        source="generated digits (fonts matplotlib installs, warped at random); "
        + MNIST_NOTE.format(where=where),
    )


def generate_digits(count, seed=0):
    """Draws `count` digit images in MNIST's format from the fonts matplotlib installs.

    Args:
        count: int, number of images.
        seed: int; the same seed gives the same images.

    Returns:
        `(images, labels)`: uint8 `(count, 28, 28)` and int32 `(count,)`,
        the labels balanced over 0-9 and shuffled.

    Example:
    >>> images, labels = generate_digits(30, seed=1)
    >>> images.shape, sorted(set(labels.tolist())) == list(range(10))
    ((30, 28, 28), True)
    """
    from PIL import Image, ImageFilter

    rng = np.random.default_rng(seed)
    glyphs = _glyphs()
    labels = rng.permutation(np.arange(count) % 10).astype("int32")
    fonts = rng.integers(0, glyphs.shape[0], count)
    images = np.empty((count, SIDE, SIDE), "uint8")
    for i, (label, font) in enumerate(zip(labels, fonts)):
        image = Image.fromarray(glyphs[font, label])
        if rng.random() < 0.5:  # a thicker pen
            image = image.filter(ImageFilter.MaxFilter(3))
        image = image.transform(
            (SIDE, SIDE),
            Image.Transform.AFFINE,
            _random_affine(rng),
            resample=Image.Resampling.BILINEAR,
        )
        images[i] = np.asarray(image)
    return images, labels


def _random_affine(rng):
    """Coefficients (output pixel → input pixel) of a small random warp about the centre."""
    angle = np.deg2rad(rng.uniform(-15, 15))
    scale = rng.uniform(0.8, 1.1)
    shear = rng.uniform(-0.25, 0.25)
    shift = rng.uniform(-2, 2, size=2)
    forward = (
        scale
        * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        @ np.array([[1, shear], [0, 1]])
    )
    inverse = np.linalg.inv(forward)
    centre = np.array([SIDE / 2, SIDE / 2])
    offset = centre - inverse @ (centre + shift)
    return (*inverse[0], offset[0], *inverse[1], offset[1])


@functools.lru_cache(maxsize=1)
def _glyphs():
    """Every digit in every font, fitted into MNIST's box: uint8 `(fonts, 10, 28, 28)`."""
    import matplotlib
    from PIL import Image, ImageDraw, ImageFont

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    glyphs = np.zeros((len(FONT_FILES), 10, SIDE, SIDE), "uint8")
    for f, name in enumerate(FONT_FILES):
        font = ImageFont.truetype(str(folder / name), 64)
        for digit in range(10):
            canvas = Image.new("L", (128, 128))
            ImageDraw.Draw(canvas).text((64, 64), str(digit), fill=255, font=font, anchor="mm")
            ink = canvas.crop(canvas.getbbox())
            ratio = BOX / max(ink.size)
            size = (max(1, round(ink.width * ratio)), max(1, round(ink.height * ratio)))
            ink = ink.resize(size, Image.Resampling.LANCZOS)
            cell = Image.new("L", (SIDE, SIDE))
            cell.paste(ink, ((SIDE - size[0]) // 2, (SIDE - size[1]) // 2))
            glyphs[f, digit] = np.asarray(cell)
    return glyphs


def _mnist_prepared(data_dir):
    import tensorflow_datasets as tfds

    return (Path(data_dir) / "mnist").is_dir() and tfds.builder(
        "mnist", data_dir=str(data_dir)
    ).is_prepared()


def _mnist(train_size, validation_size, data_dir):
    from zoo.data import load_tfds

    parts = []
    for split, size in (("train", train_size), ("test", validation_size)):
        x, y = load_tfds("mnist", f"{split}[:{size}]", data=str(data_dir))
        parts += [x[:size].reshape(-1, SIDE, SIDE), y[:size].astype("int32")]
    return Digits(
        *parts,
        source=f"MNIST (tfds, {data_dir}): the first images of its "
        "train split for training, of its test split for validation",
    )
