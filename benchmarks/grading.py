"""What the confidence facts cost: grading with and without the bootstrap, side by side.

For each task a small course-style solution is trained for one epoch
(token ids for `sarcasm`, a normalised sequence-to-sequence forecaster for
`sunspots`, pixels scaled outside the model for `shapes`) and saved as the
exam's `.h5`. It is then graded `--repeats` times with the bootstrap (1000
resamples) and as often without it, alternately, each grade loading the
model and the data as `zoo grade` does. The table shows the median grading
times, the bootstrap's own time, and its share of grading time.

Usage:
    python benchmarks/grading.py --data ../shared/data/sarcasm.json \
        --data ../shared/data/Sunspots.csv
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path


def course_solution(task, splits, folder):
    """Trains a one-epoch course-style model for a task and saves it as `.h5`."""
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    layers = keras.layers
    if task.name == "sarcasm":
        x = task.exam.encode(splits, np.concatenate([splits.train[0], splits.validation[0]]))
        y = np.concatenate([splits.train[1], splits.validation[1]])
        model = keras.Sequential(
            [
                keras.Input((120,)),
                layers.Embedding(1000, 16),
                layers.GlobalAveragePooling1D(),
                layers.Dense(1, activation="sigmoid"),
            ]
        )
        loss = "binary_crossentropy"
    elif task.name == "sunspots":
        series = splits.extras["series"]
        series = (series - series.min()) / series.max()
        pairs = np.lib.stride_tricks.sliding_window_view(series[:3000], 31)[..., None]
        x, y = pairs[:, :-1], pairs[:, 1:]
        model = keras.Sequential(
            [
                keras.Input((None, 1)),
                layers.Conv1D(16, 5, padding="causal", activation="relu"),
                layers.LSTM(16, return_sequences=True),
                layers.Dense(1),
            ]
        )
        loss = "mae"
    else:
        x, y = splits.train[0] / 255.0, splits.train[1]
        model = keras.Sequential(
            [
                keras.Input(x.shape[1:]),
                layers.Conv2D(8, 3, strides=2, activation="relu"),
                layers.GlobalAveragePooling2D(),
                layers.Dense(task.output_shape[0], activation="softmax"),
            ]
        )
        loss = "sparse_categorical_crossentropy"
    model.compile(optimizer="adam", loss=loss)
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    path = Path(folder) / f"{task.name}.h5"
    model.save(path)
    return path


def measure(task, path, data, repeats):
    """Grades alternately without and with the bootstrap; returns the timings."""
    from zoo.grading.grade import grade

    plain, full, own = [], [], []
    for _ in range(repeats):
        started = time.perf_counter()
        grade(task, path, data=data, resamples=0)
        plain.append(time.perf_counter() - started)
        started = time.perf_counter()
        result = grade(task, path, data=data)
        full.append(time.perf_counter() - started)
        own.append(result.confidence.seconds)
    return result, statistics.median(plain), statistics.median(full), statistics.median(own)


def main(argv=None):
    """Prints one line per task: grading seconds without and with the bootstrap."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="PATH",
        help="sarcasm.json and Sunspots.csv (shapes needs none)",
    )
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    from zoo.device import describe_device
    from zoo.tasks import get_task

    data = {Path(p).name: p for p in args.data}
    work = [
        ("sarcasm", data.get("sarcasm.json")),
        ("sunspots", data.get("Sunspots.csv")),
        ("shapes", None),
    ]
    folder = tempfile.mkdtemp(prefix="zoo-grading-bench-")
    rows = []
    for name, path in work:
        task = get_task(name)
        if task.source.kind == "url" and path is None:
            print(f"skipping {name}: pass --data {task.source.name}", file=sys.stderr)
            continue
        model = course_solution(task, task.load(path), folder)
        result, plain, full, own = measure(task, model, path, args.repeats)
        rows.append((name, result.held_out, plain, full, own))
    print(f"\ndevice: {describe_device()}; median of {args.repeats} grades each; 1000 resamples")
    print(
        f"{'task':<9} {'held-out':>8} {'grade s':>8} {'+bootstrap s':>13} "
        f"{'bootstrap s':>12} {'share of grading':>17}"
    )
    for name, held_out, plain, full, own in rows:
        print(
            f"{name:<9} {held_out:>8} {plain:>8.3f} {full:>13.3f} {own:>12.4f} {own / full:>16.1%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
