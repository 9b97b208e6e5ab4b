"""Small data files and shared steps for the practice-task tests (offline, seeded)."""

import contextlib
import csv
import json
import math
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
    data = [{"article_link": f"https://example.com/{i}",
             "headline": f"{'shocking' if i % 2 else 'plain'} {words[i % 8]} news {i % 97}",
             "is_sarcastic": i % 2} for i in range(records)]
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
    writers = {"sunspots": (write_sunspots, "Sunspots.csv"),
               "sarcasm": (write_sarcasm, "sarcasm.json"),
               "bbc_news": (write_bbc, "bbc-text.csv"),
               "daily_min_temperatures": (write_temperatures,
                                          "daily-min-temperatures.csv")}
    if task_name == "cats_vs_dogs":
        return write_cats_and_dogs(folder)
    if task_name in writers:
        write, name = writers[task_name]
        return write(folder / name)
    return None
