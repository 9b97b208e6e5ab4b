"""Small data files and shared steps for the practice-task tests (offline, seeded)."""

import contextlib
import csv
import datetime
import importlib.util
import io
import itertools
import json
import math
import pickle
import struct
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def write_sunspots(path, rows=3100):
    """Writes a `Sunspots.csv` in the course's format with an 11-year-like cycle."""
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["", "Date", "Monthly Mean Total Sunspot Number"])
        for i in range(rows):
            value = 80 + 70 * math.sin(2 * math.pi * i / 132) + (i * 7919 % 13)
            writer.writerow([i, f"{1749 + i // 12}-{i % 12 + 1:02d}-28", f"{value:.1f}"])
    return Path(path)


def write_sarcasm(path, records=20200):
    """Writes a `sarcasm.json` array whose label is told by its first word."""
    words = ["local", "nation", "area", "study", "report", "senator", "city", "man"]
    data = [
        {
            "article_link": f"https://example.com/{i}",
            "headline": f"{'shocking' if i % 2 else 'plain'} {words[i % 8]} news {i % 97}",
            "is_sarcastic": i % 2,
        }
        for i in range(records)
    ]
    Path(path).write_text(json.dumps(data))
    return Path(path)


def write_bbc(path, rows=60):
    """Writes a `bbc-text.csv` (`category,text`) whose topic word is in the text."""
    topics = ["sport", "business", "politics", "tech", "entertainment"]
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["category", "text"])
        for i in range(rows):
            topic = topics[i % 5]
            writer.writerow([topic, f"the {topic} story number {i} about {topic} today"])
    return Path(path)


def write_temperatures(path, rows=2600):
    """Writes a `daily-min-temperatures.csv` with a yearly cycle, one value marked '?'."""
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["Date", "Temp"])
        for i in range(rows):
            value = 11 + 6 * math.sin(2 * math.pi * i / 365) + (i * 31 % 7) / 3
            text = f"?{value:.1f}" if i == 5 else f"{value:.1f}"
            writer.writerow([f"1981-01-{i % 28 + 1:02d}", text])
    return Path(path)


def write_cats_and_dogs(root, per_class=6):
    """Writes `cats_and_dogs_filtered/{train,validation}/{cats,dogs}/*.jpg`."""
    import tensorflow as tf

    root = Path(root) / "cats_and_dogs_filtered"
    rng = np.random.default_rng(0)
    for part in ("train", "validation"):
        for label, animal in enumerate(("cats", "dogs")):
            folder = root / part / animal
            folder.mkdir(parents=True)
            for i in range(per_class):
                pixels = rng.integers(0, 80, (40, 50, 3)) + 150 * label
                image = tf.io.encode_jpeg(pixels.astype("uint8")).numpy()
                (folder / f"{animal}.{i}.jpg").write_bytes(image)
    return root


def class_colours(classes):
    """One colour per class, each at least 70 levels from the others in some channel.

    Args:
        classes: how many classes (at most 64).

    Returns:
        A uint8 array `(classes, 3)`.

    Example:
    >>> class_colours(2).tolist()
    [[30, 30, 30], [240, 240, 240]]
    """
    grid = np.array(list(itertools.product((30, 100, 170, 240), repeat=3)), dtype="uint8")
    return grid[np.linspace(0, len(grid) - 1, classes).round().astype(int)]


def class_pictures(labels, size, classes, seed=0, noise=20):
    """Pictures whose class is told by their colour: the class's colour, ± `noise` levels.

    Args:
        labels: the class of each picture.
        size: the side of the square pictures.
        classes: how many classes there are.
        seed: the noise's seed.
        noise: the most levels a pixel strays from its class's colour.

    Returns:
        A uint8 array `(len(labels), size, size, 3)`.
    """
    colours = class_colours(classes).astype("int16")[np.asarray(labels)]
    pictures = np.broadcast_to(colours[:, None, None, :], (len(colours), size, size, 3))
    if noise:
        rng = np.random.default_rng(seed)
        pictures = pictures + rng.integers(-noise, noise + 1, pictures.shape, dtype="int16")
    return np.clip(pictures, 0, 255).astype("uint8")


class Python2Pickler(pickle._Pickler):
    """Pickles as Python 2's cPickle did at protocol 2: bytes as `str` (BINSTRING), not `_codecs`.

    Python 3 writes bytes at protocol 2 through `_codecs.encode`, which the
    real CIFAR-10 batches (pickled by Python 2) never hold, and which
    Keras's and the zoo's readers refuse.
    """

    dispatch = pickle._Pickler.dispatch.copy()

    def save_python2_str(self, data):
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)
        self.memoize(data)

    dispatch[bytes] = save_python2_str


def python2_pickle(value):
    """Returns `value` pickled as Python 2's cPickle did (protocol 2, bytes as `str`)."""
    buffer = io.BytesIO()
    Python2Pickler(buffer, protocol=2).dump(value)
    return buffer.getvalue()


def write_cifar10(folder, per_batch=20, seed=0, noise=20):
    """Writes `cifar-10-python.tar.gz` in CIFAR-10's python format, `per_batch` pictures a batch.

    The archive holds `cifar-10-batches-py/` with `data_batch_1` to
    `data_batch_5`, `test_batch` and `batches.meta` (dicts pickled as Python
    2 pickled the real ones, `python2_pickle`, bytes keys: `b"data"` one
    3,072-byte picture per row, red then green then blue planes;
    `b"labels"` a list of ints), and `readme.html`. Each picture has its
    class's colour (`class_pictures`), the labels cycle through the ten.

    Args:
        folder: where to write the archive.
        per_batch: pictures per batch (the real archive has 10,000).
        seed: the pictures' noise seed.
        noise: the most levels a pixel strays from its class's colour.

    Returns:
        The archive's `Path`.
    """
    members = {
        "cifar-10-batches-py/readme.html": b"<html>CIFAR-10</html>\n",
        "cifar-10-batches-py/batches.meta": python2_pickle(
            {
                b"num_cases_per_batch": per_batch,
                b"num_vis": 3072,
                b"label_names": [
                    b"airplane",
                    b"automobile",
                    b"bird",
                    b"cat",
                    b"deer",
                    b"dog",
                    b"frog",
                    b"horse",
                    b"ship",
                    b"truck",
                ],
            }
        ),
    }
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for number, name in enumerate(names):
        labels = [(i + number) % 10 for i in range(per_batch)]
        pictures = class_pictures(labels, 32, 10, seed=seed * 10 + number, noise=noise)
        rows = pictures.transpose(0, 3, 1, 2).reshape(per_batch, 3072)
        members[f"cifar-10-batches-py/{name}"] = python2_pickle(
            {
                b"batch_label": name.encode(),
                b"labels": labels,
                b"data": rows,
                b"filenames": [f"picture_{number}_{i}.png".encode() for i in range(per_batch)],
            }
        )
    Path(folder).mkdir(parents=True, exist_ok=True)
    path = Path(folder) / "cifar-10-python.tar.gz"
    with tarfile.open(path, "w:gz", compresslevel=1) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def extracted_cifar10(folder, per_batch=20, seed=0):
    """Writes CIFAR-10's archive (`write_cifar10`) and extracts it beside itself.

    Returns:
        The `cifar-10-batches-py` folder, as a `Path` (the task's `--data`).
    """
    with tarfile.open(write_cifar10(folder, per_batch, seed)) as archive:
        archive.extractall(folder, filter="data")
    return Path(folder) / "cifar-10-batches-py"


def write_image_folders(root, class_folders, size, per_class, extension="png", seed=0):
    """Writes `root/{train,validation}/<class>/<i>.<extension>`, an exam zip's layout, extracted.

    Args:
        root: the folder to write (the one the zip extracts to).
        class_folders: the class folders, in label order.
        size: the side of the pictures.
        per_class: `(train, validation)` pictures of each class.
        extension: `"png"` or `"jpg"`.
        seed: the pictures' noise seed.

    Returns:
        `root`, as a `Path`.
    """
    import tensorflow as tf

    encode = tf.io.encode_png if extension == "png" else tf.io.encode_jpeg
    root = Path(root)
    for part, count, part_seed in (
        ("train", per_class[0], seed),
        ("validation", per_class[1], seed + 1000),
    ):
        for label, name in enumerate(class_folders):
            folder = root / part / name
            folder.mkdir(parents=True)
            pictures = class_pictures(
                [label] * count, size, len(class_folders), seed=part_seed * 100 + label
            )
            for i, picture in enumerate(pictures):
                (folder / f"{name}_{i}.{extension}").write_bytes(encode(picture).numpy())
    return root


def zip_folder(folder, path):
    """Zips a folder's contents (members relative to it, as the exam's zips hold them)."""
    folder = Path(folder)
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(folder).as_posix())
    return Path(path)


TRAFFIC_SIGN_FOLDERS = tuple(sorted(str(number) for number in range(43)))


def write_traffic_signs(root, per_class=(3, 1), seed=0):
    """Writes `germantrafficsigns/{train,validation}/{0..42}/*.png` at 30×30."""
    return write_image_folders(
        Path(root) / "germantrafficsigns", TRAFFIC_SIGN_FOLDERS, 30, per_class, "png", seed
    )


def write_hurricane(root, per_class=(10, 3), seed=0):
    """Writes `satellitehurricaneimages/{train,validation}/{damage,no_damage}/*.jpg` at 128×128."""
    return write_image_folders(
        Path(root) / "satellitehurricaneimages",
        ("damage", "no_damage"),
        128,
        per_class,
        "jpg",
        seed,
    )


HOUSEHOLD_FEATURES = (
    "Global_active_power",
    "Global_reactive_power",
    "Voltage",
    "Global_intensity",
    "Sub_metering_1",
    "Sub_metering_2",
    "Sub_metering_3",
)


def household_values(rows, seed=0):
    """Seven readings a minute with an hour-long cycle each, at their real scales, and noise."""
    rng = np.random.default_rng(seed)
    minutes = np.arange(rows)[:, None]
    level = np.array([1.1, 0.12, 240.0, 4.6, 1.1, 1.3, 6.4])
    swing = np.array([0.8, 0.05, 3.0, 3.2, 1.0, 1.2, 5.0])
    phase = np.linspace(0, np.pi, 7)
    values = level + swing * np.sin(2 * np.pi * minutes / 60 + phase)
    return np.abs(values + 0.02 * swing * rng.standard_normal((rows, 7)))


def write_household(root, rows=600, seed=0):
    """Writes `household_power/household_power_consumption.csv`, the zip's one file, extracted.

    A header `datetime` and the UCI data's 7 features, then one row a
    minute from 2006-12-16 17:24:00 (`household_values`), 3 decimals.

    Returns:
        The folder, as a `Path` (the task's `--data`).
    """
    folder = Path(root) / "household_power"
    folder.mkdir(parents=True)
    start = datetime.datetime(2006, 12, 16, 17, 24)
    with open(folder / "household_power_consumption.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["datetime", *HOUSEHOLD_FEATURES])
        for minute, values in enumerate(household_values(rows, seed)):
            stamp = start + datetime.timedelta(minutes=minute)
            writer.writerow([f"{stamp:%Y-%m-%d %H:%M:%S}", *(f"{v:.3f}" for v in values)])
    return folder


DIESEL_HEADER = ("Week of", "Weekly U.S. No 2 Diesel Retail Prices Dollars per Gallon")


def diesel_prices(rows, seed=0):
    """Weekly prices in dollars: a slow rise, a yearly swing and small noise."""
    rng = np.random.default_rng(seed)
    weeks = np.arange(rows)
    return (
        1.1
        + 0.0015 * weeks
        + 0.25 * np.sin(2 * np.pi * weeks / 52)
        + 0.01 * rng.standard_normal(rows)
    )


def write_diesel(path, rows=300, seed=0):
    """Writes `Weekly_U.S.Diesel_Retail_Prices.csv`: `Week of` (YYYY-MM-DD) and the price."""
    start = datetime.date(1994, 3, 21)
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(DIESEL_HEADER)
        for week, price in enumerate(diesel_prices(rows, seed)):
            writer.writerow([f"{start + datetime.timedelta(weeks=week):%Y-%m-%d}", f"{price:.3f}"])
    return Path(path)


def import_file(path, name):
    """Imports a starter file as module `starter_<name>` (nothing in it runs at import).

    Returns:
        The module.
    """
    spec = importlib.util.spec_from_file_location(f"starter_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # AutoGraph looks its functions up there
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def mocked_tfds(num_examples=8):
    """tensorflow-datasets returning generated examples, never downloading."""
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=num_examples):
        yield


def data_for(task_name, folder):
    """Writes the small data file a task needs into `folder`.

    Args:
        task_name: the task's name.
        folder: a `Path` to write into.

    Returns:
        The `--data` path for the task, or None when it needs none (generated
        data, or tfds under `mocked_tfds`).
    """
    writers = {
        "sunspots": (write_sunspots, "Sunspots.csv"),
        "sarcasm": (write_sarcasm, "sarcasm.json"),
        "bbc_news": (write_bbc, "bbc-text.csv"),
        "daily_min_temperatures": (write_temperatures, "daily-min-temperatures.csv"),
        "us_diesel": (write_diesel, "Weekly_U.S.Diesel_Retail_Prices.csv"),
    }
    folders = {
        "cats_vs_dogs": write_cats_and_dogs,
        "cifar10": extracted_cifar10,
        "german_traffic_signs": write_traffic_signs,
        "hurricane_damage": write_hurricane,
        "household_power": write_household,
    }
    if task_name in folders:
        return folders[task_name](folder)
    if task_name in writers:
        write, name = writers[task_name]
        return write(folder / name)
    return None
