"""Loading the tasks' data: tensorflow-datasets, the exam's files, local copies.

Every loader takes `data`, a local path given with `--data`, that replaces
the download; without it the data is fetched and cached (tfds under its
`data_dir`, files with `keras.utils.get_file` and a checksum). When data
cannot be had, `DataUnavailableError` names the source and `--data`, and
says "Could not download" only when the download itself failed; a module
missing from the install is a `BrokenInstallError` instead, naming the
module and the reinstall command. A local file in another format gets a
`DataFormatError` naming the format expected; a local file that differs
from the known one (by SHA-256) gets a warning naming both hashes.

Example:
>>> path = fetch_file(Source("url", "sarcasm.json", url=URL, sha256=SHA))
>>> train = load_tfds("mnist", "train[:90%]")
"""

import contextlib
import csv
import hashlib
import os
import shutil
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np

from zoo.data.failures import failed_download, missing_module, reinstall_command

# A learner's solution file, run by the grader, finds `--data` here.
DATA_VARIABLE = "ZOO_DATA"
CACHE_DIR = Path(os.environ.get("ZOO_DATA_DIR", Path.home() / ".keras-cert-zoo"))


class DataUnavailableError(RuntimeError):
    """The task's data could not be downloaded and no local copy was given."""


class DataFormatError(DataUnavailableError, ValueError):
    """A data file is not in the format its task reads; the message names that format.

    It is a `DataUnavailableError` (the task's data cannot be had from this
    file), so every command reports it as such, and a `ValueError`.
    """


@contextlib.contextmanager
def file_format(path, expected):
    """Reports any failure to parse a file inside as a `DataFormatError`.

    Args:
        path: the file being read.
        expected: the format the task reads, in words.

    Raises:
        DataFormatError: naming `path`, `expected` and what went wrong.

    Example:
    >>> with file_format("notes.txt", "a CSV with a header"):  # doctest: +ELLIPSIS
    ...     int("x")
    Traceback (most recent call last):
    ...
    zoo.data.DataFormatError: notes.txt is not in the format this task reads: a CSV ...
    """
    try:
        yield
    except DataFormatError:
        raise
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, csv.Error) as error:
        detail = f"{type(error).__name__}: {error}"
        if len(detail) > 200:
            detail = detail[:197] + "..."
        raise DataFormatError(
            f"{path} is not in the format this task reads: {expected} ({detail}). "
            "Pass --data a file in that format."
        ) from error


class BrokenInstallError(DataUnavailableError):
    """A module the data loading needs is missing: the install is broken, not the network.

    The message names the module, what needs it, and the command that
    reinstalls keras-cert-zoo with its dependencies. It is a
    `DataUnavailableError` (the data cannot be had), so every command
    reports it in one line.
    """


def _broken_install(missing, needed_for):
    if isinstance(missing, ModuleNotFoundError) and missing.name:
        what = f"module {missing.name} is missing"
    else:
        what = f"an import failed ({missing})"
    return BrokenInstallError(
        f"{what}, which {needed_for} needs: the install is broken, not the network. "
        f"Reinstall with: {reinstall_command()}"
    )


def sha256(path):
    """Returns the SHA-256 of a file as 64 hex digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_file(source, data=None):
    """Returns a local path to an exam file, downloading it when needed.

    Args:
        source: a `zoo.task.Source` of kind `"url"`.
        data: optional local path (`--data`, else `$ZOO_DATA`): the file
            itself, a folder that holds it, or for archives the folder they
            extract to.

    Returns:
        A `Path` to the file, or to the extracted folder for archives.

    Raises:
        BrokenInstallError: a module that downloading needs is missing.
        DataUnavailableError: the download failed ("Could not download",
            offline), or the file it brought is unusable (a checksum
            mismatch), naming the URL and `--data`.
        FileNotFoundError: when `data` does not exist.

    A local file whose SHA-256 differs from `source.sha256` is used all the
    same, with a warning on stderr that names both hashes.
    """
    data = data or os.environ.get(DATA_VARIABLE)
    if data is not None:
        return _local_copy(source, Path(data))
    try:
        import keras

        path = keras.utils.get_file(
            source.name,
            origin=source.url,
            file_hash=source.sha256,
            hash_algorithm="sha256",
            extract=source.extract,
            cache_dir=str(CACHE_DIR),
        )
    except Exception as error:  # get_file wraps urllib's errors in a bare Exception
        raise _fetch_error(source, error) from error
    path = Path(path)
    if source.extract:
        return _extracted_root(path)
    return path


def _fetch_error(source, error):
    if (missing := missing_module(error)) is not None:
        return _broken_install(missing, f"downloading {source.name}")
    option = "pass --data PATH (the file, or the folder it extracts to)"
    if failed_download(error) is not None:
        return DataUnavailableError(
            f"Could not download {source.name} from {source.url} ({error}). "
            f"Fetch it on a machine with network access and {option}."
        )
    return DataUnavailableError(
        f"{source.name} from {source.url} cannot be used ({type(error).__name__}: "
        f"{error}). Fetch a good copy and {option}."
    )


def _local_copy(source, path):
    if not path.exists():
        raise FileNotFoundError(
            f"--data {path}: no such file or folder. Pass the downloaded "
            f"{source.name} or the folder it extracts to."
        )
    if path.is_dir() and not source.extract:
        candidate = path / source.name
        if not candidate.exists():
            raise FileNotFoundError(
                f"--data {path} is a folder without {source.name}. Pass the "
                f"file itself (downloaded from {source.url})."
            )
        path = candidate
    if source.extract:
        return _extracted_root(_extract_archive(source, path) if path.is_file() else path)
    if source.sha256:
        _warn_if_different(source, path)
    return path


def _extract_archive(source, path):
    # A local archive is extracted once into the cache, beside downloaded ones.
    tar = source.name.lower().endswith((".tar.gz", ".tgz", ".tar"))
    with file_format(path, "a tar archive (.tar.gz)" if tar else "a zip archive"):
        if not (tarfile.is_tarfile(path) if tar else zipfile.is_zipfile(path)):
            raise ValueError(f"not a {'tar' if tar else 'zip'} file")
        target = CACHE_DIR / "extracted" / f"{_stem(path.name)}-{sha256(path)[:12]}"
        if not target.is_dir():
            staging = target.with_name(f".{target.name}.partial")
            shutil.rmtree(staging, ignore_errors=True)
            if tar:
                with tarfile.open(path) as archive:
                    # The "data" filter refuses links and paths out of the folder.
                    archive.extractall(staging, filter="data")
            else:
                with zipfile.ZipFile(path) as archive:
                    archive.extractall(staging)
            os.replace(staging, target)
    return target


def _stem(name):
    # The name without its archive extension: cifar-10-python.tar.gz → cifar-10-python.
    lower = name.lower()
    for extension in (".tar.gz", ".tgz", ".tar", ".zip"):
        if lower.endswith(extension):
            return name[: -len(extension)]
    return name


def copy_names(source):
    """The names a local copy of a source's data goes by, lowercase.

    Args:
        source: a `zoo.task.Source`.

    Returns:
        A tuple of names: the file (`sarcasm.json`), for an archive also the
        folder it extracts to (`Source.folder`, else the archive's name
        without its extension), for tfds the dataset's folder in a data_dir;
        empty for generated data.

    Example:
    >>> from zoo.task import Source
    >>> copy_names(Source("url", "cats_and_dogs_filtered.zip", extract=True))
    ('cats_and_dogs_filtered.zip', 'cats_and_dogs_filtered')
    >>> copy_names(Source("url", "cifar-10-python.tar.gz", extract=True,
    ...                   folder="cifar-10-batches-py"))
    ('cifar-10-python.tar.gz', 'cifar-10-batches-py')
    """
    if source.kind == "url":
        name = source.name.lower()
        if not source.extract:
            return (name,)
        return name, (source.folder or _stem(source.name)).lower()
    return (source.name.lower(),) if source.kind == "tfds" else ()


def is_copy_of(source, path):
    """Whether a local path is a copy of a source's data, by its own name.

    A file task's copy is the file (or the archive, or the folder it
    extracts to) under its usual name, in any case; a tfds task's copy is a
    tfds data_dir holding the dataset's folder.

    Args:
        source: a `zoo.task.Source`.
        path: a local file or folder.

    Returns:
        A bool.
    """
    path = Path(path)
    if source.kind == "tfds":
        return path.is_dir() and (path / source.name).is_dir()
    return source.kind == "url" and path.exists() and path.name.lower() in copy_names(source)


def find_copy(source, directory):
    """Finds a copy of a source's data in a folder by its own name.

    Args:
        source: a `zoo.task.Source`.
        directory: a folder holding the exam's files (`sarcasm.json`,
            `Sunspots.csv`, `cats_and_dogs_filtered/`, a tfds data_dir or
            its `tensorflow_datasets/` folder).

    Returns:
        A `Path` to pass as the task's data, or None.
    """
    directory = Path(directory)
    if source.kind == "tfds":
        return next(
            (
                root
                for root in (directory, directory / "tensorflow_datasets")
                if is_copy_of(source, root)
            ),
            None,
        )
    if not directory.is_dir():
        return None
    # An extracted folder before its zip: nothing to extract.
    found = sorted(
        (child for child in directory.iterdir() if is_copy_of(source, child)),
        key=lambda child: not child.is_dir(),
    )
    return found[0] if found else None


def _warn_if_different(source, path):
    # A different copy is still graded, but its numbers are not the exam's.
    actual = sha256(path)
    if actual != source.sha256:
        print(
            f"warning: {path} is not the known {source.name}: its SHA-256 is {actual}, "
            f"the known file's is {source.sha256}. It is read all the same; grades on "
            "it are not comparable with grades on the original.",
            file=sys.stderr,
        )


def _extracted_root(path):
    # An archive may extract to a single folder: step into it.
    children = [p for p in path.iterdir() if not p.name.startswith((".", "__"))]
    if len(children) == 1 and children[0].is_dir():
        return children[0]
    return path


def load_tfds(name, split, data=None, transform=None, keys=None):
    """Loads a tensorflow-datasets split as numpy `(x, y)` arrays.

    Args:
        name: tfds dataset name, e.g. `"mnist"`.
        split: tfds split string, e.g. `"train[:90%]"`.
        data: optional tfds `data_dir` holding the prepared dataset
            (`--data`, else `$ZOO_DATA`).
        transform: optional function `(x, y) -> (x, y)` on tensors, applied
            in the input pipeline (e.g. resizing, before images pile up).
        keys: optional pair of feature names to use as `(x, y)` instead of
            the dataset's supervised keys (e.g. an image and its mask).

    Returns:
        A tuple `(x, y)` of numpy arrays (strings come back as `object`).

    Raises:
        BrokenInstallError: a module that tensorflow-datasets needs is missing.
        DataUnavailableError: the download failed ("Could not download",
            offline), `data` holds no prepared copy, or tfds failed otherwise;
            naming the dataset and `--data`.
    """
    data = data or os.environ.get(DATA_VARIABLE)
    data_dir = str(data) if data is not None else str(CACHE_DIR / "tensorflow_datasets")
    try:
        import tensorflow_datasets as tfds

        dataset = tfds.load(
            name, split=split, as_supervised=keys is None, data_dir=data_dir, download=data is None
        )
    except Exception as error:  # tfds raises many kinds, from many libraries
        raise _tfds_error(name, data_dir, error, downloading=data is None) from error
    if keys is not None:
        dataset = dataset.map(lambda example: (example[keys[0]], example[keys[1]]))
    if transform is not None:
        dataset = dataset.map(transform)
    xs, ys = [], []
    for x, y in tfds.as_numpy(dataset):
        xs.append(x)
        ys.append(y)
    return _stack(xs), np.asarray(ys)


def _tfds_error(name, data_dir, error, downloading):
    detail = f"{type(error).__name__}: {error}"
    build = f"`tfds build {name} --data_dir DIR`"
    if (missing := missing_module(error)) is not None:
        return _broken_install(missing, f"loading tensorflow-datasets '{name}'")
    if failed_download(error) is not None:
        return DataUnavailableError(
            f"Could not download tensorflow-datasets '{name}' into {data_dir} ({detail}). "
            f"Offline? Prepare it on a machine with network access ({build}) and pass "
            f"--data DIR."
        )
    if not downloading and isinstance(error, AssertionError):
        # tfds.load(download=False) asserts that the prepared data is there.
        return DataUnavailableError(
            f"{data_dir} (--data, or ${DATA_VARIABLE}) holds no prepared tensorflow-datasets "
            f"'{name}'. Prepare it ({build}) and pass --data DIR."
        )
    return DataUnavailableError(
        f"tensorflow-datasets could not load '{name}' from {data_dir} ({detail}). To use a "
        f"copy prepared elsewhere ({build}), pass --data DIR."
    )


def tfds_splits(
    name,
    data=None,
    train="train[:90%]",
    validation="train[90%:]",
    test="test",
    transform=None,
    keys=None,
):
    """Loads a tfds dataset's training, validation and held-out splits.

    Args:
        name: tfds dataset name.
        data: optional tfds `data_dir` (`--data`).
        train: split string of the training part.
        validation: split string of the validation part.
        test: split string of the held-out part the grader uses.
        transform: optional `(x, y) -> (x, y)` on tensors (see `load_tfds`).
        keys: optional pair of feature names for `(x, y)` (see `load_tfds`).

    Returns:
        A `zoo.task.Splits`.
    """
    from zoo.task import Splits

    parts = [load_tfds(name, split, data, transform, keys) for split in (train, validation, test)]
    return Splits(
        *parts,
        source=f"tfds:{name}",
        validation_source=f"tfds {name} {validation} (the exam starter's validation split)",
    )


def _stack(values):
    if values and isinstance(values[0], bytes):
        return np.array([v.decode("utf-8") for v in values], dtype=object)
    return np.stack(values)


def windows(series, window, start, stop):
    """Cuts `(window → next value)` pairs whose targets lie in `[start, stop)`.

    Args:
        series: 1-D array of values.
        window: number of past values in each input.
        start: index of the first target (at least `window`).
        stop: index after the last target.

    Returns:
        `(x, y)`: `x` of shape `(n, window, 1)` and `y` of shape `(n, 1)`,
        float32.

    Example:
    >>> x, y = windows(np.arange(10.0), 3, 3, 10)
    >>> x.shape, y[:2, 0]
    ((7, 3, 1), array([3., 4.], dtype=float32))
    """
    x, y = sequence_windows(np.asarray(series)[:, None], window, 1, start, stop)
    return x, y[:, :, 0]


def sequence_windows(series, past, future, start, stop):
    """Cuts `(past steps → the next future steps)` pairs whose targets begin in `[start, stop)`.

    Every window of `past + future` consecutive steps, shifted by one, whose
    future part begins at `start` or later and ends by `stop`: the pairs the
    exam's `windowed_dataset(series, n_past, n_future, shift=1)` made.

    Args:
        series: array `(steps, features)` of values.
        past: steps in each input.
        future: steps in each target.
        start: index of the first target's first step (at least `past`).
        stop: index after the last target's last step.

    Returns:
        `(x, y)`: `x` of shape `(n, past, features)` and `y` of shape
        `(n, future, features)`, float32.

    Example:
    >>> x, y = sequence_windows(np.arange(20.0).reshape(10, 2), 3, 2, 3, 10)
    >>> x.shape, y.shape, y[0, :, 0].tolist()
    ((6, 3, 2), (6, 2, 2), [6.0, 8.0])
    """
    series = np.asarray(series, dtype="float32")
    start = max(start, past)
    view = np.lib.stride_tricks.sliding_window_view(
        series[start - past : stop], past + future, axis=0
    ).transpose(0, 2, 1)
    return view[:, :past].copy(), view[:, past:].copy()


def split_tail(pairs, fraction):
    """Splits `(x, y)` into a head and its last `fraction` (for validation).

    Args:
        pairs: a tuple `(x, y)` of arrays with the same length.
        fraction: float in (0, 1), the share that goes to the tail.

    Returns:
        `((x_head, y_head), (x_tail, y_tail))`.
    """
    x, y = pairs
    cut = len(x) - max(1, round(len(x) * fraction))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])
