"""tensorflow-datasets' own downloads, written small, and a network that serves them.

`prepare(name, data_dir, served_dir)` writes a dataset's download files in
the format its tfds builder reads (gz IDX files, zip archives of PNG or JPEG
pictures, tar.gz archives of text files and trimaps, a CSV in a zip), then
runs the builder's real `download_and_prepare`: tfds's download manager
fetches every URL, checks its checksum, extracts it, and the builder's
`_split_generators` and `_generate_examples` write the TFRecords, as on a
user's machine. Only the network is replaced: `served` hands the written
files to `requests` at their URLs and refuses every other address at once,
so a test never waits on tfds's retries. (MNIST's builder also hard-codes
how many digits its files hold; see `write_mnist`.)

Every picture of class `label` is filled with `shade(label)`, every review
says whether it liked the film, and every iris's petal grows with its
species, so a test can check that examples kept their labels all the way
to the task's arrays.

Example:
>>> prepared = prepare("iris", tmp_path / "tensorflow_datasets", tmp_path / "served")
>>> prepared.builder.info.splits["train"].num_examples
30
"""

import contextlib
import dataclasses
import gzip
import io
import struct
import sys
import tarfile
import urllib.parse
import zipfile
from pathlib import Path
from unittest import mock

import numpy as np
import requests
import urllib3

MNIST_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"
FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
IRIS_URL = "https://archive.ics.uci.edu/static/public/53/iris.zip"
TF_DATA_URL = "https://storage.googleapis.com/download.tensorflow.org/data/"
BEANS_URL = "https://storage.googleapis.com/ibeans/"
IMDB_URL = "http://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
PETS_URL = "https://thor.robots.ox.ac.uk/~vgg/data/pets/"
CATS_VS_DOGS_URL = (
    "https://download.microsoft.com/download/3/E/1/"
    "3E1C3F21-ECDB-4869-8368-6DEBA77B919F/kagglecatsanddogs_5340.zip"
)
# The cats_vs_dogs builder insists on skipping exactly this many pictures
# without a JFIF header, as the real archive has.
CATS_VS_DOGS_CORRUPT = 1738


@dataclasses.dataclass
class Downloads:
    """A tfds dataset's download files, written, and what its builder should make of them.

    Args:
        files: `{url: Path}`, every URL the builder fetches and the file
            written for it.
        labels: `{split: [label, ...]}`, the label of each example each split
            should hold (as tfds's `ClassLabel` numbers them; -1 unlabelled).
        constants: `{name: value}` for builder-module constants that hard-code
            the real dataset's size where the files' own headers say it.

    Example:
    >>> downloads = write_iris(tmp_path)
    >>> sorted(downloads.labels), len(downloads.labels["train"])
    (['train'], 30)
    """

    files: dict
    labels: dict
    constants: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Prepared:
    """A dataset that tfds's builder prepared from written downloads.

    Args:
        data_dir: the tfds data_dir it was prepared in (a task's `--data`).
        builder: the prepared `tfds.core.DatasetBuilder`.
        downloads: the `Downloads` it was prepared from.
        requested: every URL asked of the fake network, in order.

    Example:
    >>> prepared = prepare("mnist", tmp_path / "data", tmp_path / "served")
    >>> sorted(prepared.requested) == sorted(prepared.downloads.files)
    True
    """

    data_dir: Path
    builder: object
    downloads: Downloads
    requested: list


def shade(label):
    """The grey level every generated picture of class `label` is filled with.

    Args:
        label: an int class number, 0 to 9.

    Returns:
        An int from 20 to 227.

    Example:
    >>> shade(0), shade(9)
    (20, 227)
    """
    return 20 + 23 * label


def picture(height, width, label, channels=3):
    """A uint8 picture of class `label`: `shade(label)` everywhere.

    Args:
        height: rows.
        width: columns.
        label: class number, picks the shade.
        channels: 1, 3 or 4.

    Returns:
        A `(height, width, channels)` uint8 array (the alpha channel, if
        any, opaque).

    Example:
    >>> picture(2, 3, 1).shape
    (2, 3, 3)
    """
    pixels = np.full((height, width, channels), shade(label), np.uint8)
    if channels == 4:
        pixels[..., 3] = 255
    return pixels


def png(pixels):
    """Encodes a `(height, width, channels)` uint8 array as PNG bytes.

    Example:
    >>> png(picture(2, 2, 0))[:4]
    b'\\x89PNG'
    """
    import tensorflow as tf

    return tf.io.encode_png(pixels).numpy()


def jpeg(pixels):
    """Encodes a `(height, width, 3)` uint8 array as JPEG bytes (with a JFIF header).

    Example:
    >>> jpeg(picture(2, 2, 0))[6:10]
    b'JFIF'
    """
    import tensorflow as tf

    return tf.io.encode_jpeg(pixels).numpy()


def write_idx(path, array):
    """Writes a uint8 array as a gzipped IDX file, MNIST's download format.

    Args:
        path: where to write (`*-idx3-ubyte.gz` for images, `idx1` labels).
        array: uint8 array; its shape goes in the header.

    Returns:
        `path`, as a `Path`.

    Example:
    >>> gzip.open(write_idx(tmp_path / "l.gz", np.zeros(5, np.uint8))).read()[:8]
    b'\\x00\\x00\\x08\\x01\\x00\\x00\\x00\\x05'
    """
    array = np.asarray(array, np.uint8)
    # Two zero bytes, 0x08 for unsigned bytes, the number of dimensions, then
    # each dimension as a big-endian int32.
    header = struct.pack(f">HBB{array.ndim}I", 0, 0x08, array.ndim, *array.shape)
    with gzip.open(path, "wb") as file:
        file.write(header + array.tobytes())
    return Path(path)


def write_zip(path, members):
    """Writes a zip archive of `{name: bytes}`.

    Returns:
        `path`, as a `Path`.

    Example:
    >>> zipfile.ZipFile(write_zip(tmp_path / "a.zip", {"x/y.txt": b"hi"})).namelist()
    ['x/y.txt']
    """
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return Path(path)


def write_tar_gz(path, members):
    """Writes a gzipped tar archive of `{name: bytes}`, folders implied.

    Returns:
        `path`, as a `Path`.

    Example:
    >>> tarfile.open(write_tar_gz(tmp_path / "a.tar.gz", {"x/y.txt": b"hi"})).getnames()
    ['x/y.txt']
    """
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return Path(path)


def write_mnist(folder, url=MNIST_URL):
    """MNIST's four gz IDX files: 20 training digits and 10 test digits.

    The builder reads a fixed 60,000 and 10,000 digits rather than the count
    in the IDX header, so `constants` sets those two numbers to the counts
    written here, as tfds's own MNIST test does: the one change besides the
    network, which spares the suite 70,000 generated digits per dataset.

    Args:
        folder: a `Path` to write into.
        url: the folder URL the builder downloads from (Fashion MNIST's
            files have the same names under another URL).

    Returns:
        `Downloads`.

    Example:
    >>> sorted(name.rsplit("/", 1)[1] for name in write_mnist(tmp_path).files)[0]
    't10k-images-idx3-ubyte.gz'
    """
    files, labels = {}, {}
    for split, prefix, count in (("train", "train", 20), ("test", "t10k", 10)):
        digits = np.arange(count) % 10
        images = np.stack([picture(28, 28, label, channels=1)[..., 0] for label in digits])
        for kind, array in (("images-idx3", images), ("labels-idx1", digits)):
            name = f"{prefix}-{kind}-ubyte.gz"
            files[url + name] = write_idx(folder / name, array)
        labels[split] = digits.tolist()
    return Downloads(
        files,
        labels,
        constants={"_TRAIN_EXAMPLES": len(labels["train"]), "_TEST_EXAMPLES": len(labels["test"])},
    )


def write_fashion_mnist(folder):
    """Fashion MNIST's four gz IDX files, laid out as MNIST's (see `write_mnist`).

    Args:
        folder: a `Path` to write into.

    Returns:
        `Downloads`.

    Example:
    >>> next(iter(write_fashion_mnist(tmp_path).files)).startswith(FASHION_MNIST_URL)
    True
    """
    return write_mnist(folder, FASHION_MNIST_URL)


IRIS_SPECIES = ("Iris-setosa", "Iris-versicolor", "Iris-virginica")


def iris_petal_length(label):
    """The petal length (cm) every generated iris of species `label` has.

    Args:
        label: species number, 0 to 2 (an int or an array of them).

    Returns:
        The length, 1.5 cm for setosa and 2 cm more for each next species.

    Example:
    >>> iris_petal_length(2)
    5.5
    """
    return 1.5 + 2.0 * label


def write_iris(folder):
    """UCI's iris.zip: `iris.data`, CSV rows ending in the species, a blank line last.

    Args:
        folder: a `Path` to write into.

    Returns:
        `Downloads` of 30 flowers, 10 of each species, in one train split.

    Example:
    >>> write_iris(tmp_path).files
    {'https://archive.ics.uci.edu/static/public/53/iris.zip': PosixPath('.../iris.zip')}
    """
    rows, labels = [], []
    for label, species in enumerate(IRIS_SPECIES):
        for i in range(10):
            rows.append(
                f"{5.0 + 0.1 * i:.1f},{3.0 + 0.05 * i:.2f},"
                f"{iris_petal_length(label):.1f},{0.2 + 0.8 * label:.1f},{species}"
            )
            labels.append(label)
    data = ("\n".join(rows) + "\n\n").encode()
    path = write_zip(
        folder / "iris.zip",
        {
            "iris.data": data,
            "bezdekIris.data": data,
            "Index": b"Index of iris\n",
            "iris.names": b"1. Title: Iris Plants Database\n",
        },
    )
    return Downloads({IRIS_URL: path}, {"train": labels})


def _picture_zips(folder, archives, size, encode):
    # archives: {(split, url): {member name: label}}, one zip of square
    # pictures per split the builder makes.
    files, labels = {}, {}
    for (split, url), members in archives.items():
        files[url] = write_zip(
            folder / url.rsplit("/", 1)[1],
            {name: encode(picture(size, size, label)) for name, label in members.items()},
        )
        labels[split] = list(members.values())
    return Downloads(files, labels)


def write_horses_or_humans(folder):
    """horse-or-human.zip and its validation zip: 300×300 PNGs in `horses/` and `humans/`.

    Args:
        folder: a `Path` to write into.

    Returns:
        `Downloads`: 3 pictures of each class to train, 2 to test.

    Example:
    >>> write_horses_or_humans(tmp_path).labels["test"]
    [0, 0, 1, 1]
    """

    def members(prefix, count):
        return {
            f"{kind}/{kind[:-1]}{prefix}-{i:02d}.png": label
            for label, kind in enumerate(("horses", "humans"))
            for i in range(count)
        }

    return _picture_zips(
        folder,
        {
            ("train", TF_DATA_URL + "horse-or-human.zip"): members("01", 3),
            ("test", TF_DATA_URL + "validation-horse-or-human.zip"): members("1", 2),
        },
        300,
        png,
    )


def write_rock_paper_scissors(folder):
    """rps.zip and rps-test-set.zip: 300×300 PNGs in `rps/rock/`, `rps-test-set/paper/`, ...

    Args:
        folder: a `Path` to write into.

    Returns:
        `Downloads`: 2 pictures of each hand to train, 1 to test.

    Example:
    >>> write_rock_paper_scissors(tmp_path).labels["test"]
    [0, 1, 2]
    """
    hands = ("rock", "paper", "scissors")

    def members(top, prefix, count):
        return {
            f"{top}/{hand}/{prefix}{hand}01-{i:03d}.png": label
            for label, hand in enumerate(hands)
            for i in range(count)
        }

    return _picture_zips(
        folder,
        {
            ("train", TF_DATA_URL + "rps.zip"): members("rps", "", 2),
            ("test", TF_DATA_URL + "rps-test-set.zip"): members("rps-test-set", "test", 1),
        },
        300,
        png,
    )


def write_beans(folder):
    """ibeans' train, validation and test zips: 500×500 JPEGs in `train/healthy/`, ...

    Args:
        folder: a `Path` to write into.

    Returns:
        `Downloads`: 2 leaves of each class to train, 1 to validate, 1 to test.

    Example:
    >>> sorted(write_beans(tmp_path).labels)
    ['test', 'train', 'validation']
    """
    leaves = ("angular_leaf_spot", "bean_rust", "healthy")
    return _picture_zips(
        folder,
        {
            (split, f"{BEANS_URL}{split}.zip"): {
                f"{split}/{leaf}/{leaf}_{split}.{i}.jpg": label
                for label, leaf in enumerate(leaves)
                for i in range(count)
            }
            for split, count in (("train", 2), ("validation", 1), ("test", 1))
        },
        500,
        jpeg,
    )


def write_cats_vs_dogs(folder):
    """Microsoft's kagglecatsanddogs_5340.zip: `PetImages/{Cat,Dog}/N.jpg`.

    Besides 10 JPEGs of each animal (enough for `cats_vs_dogs_224`'s three
    parts, 80%, 10% and 10% of them) it holds, as the real archive does, a
    licence, a readme, a `Thumbs.db`, and 1,738 pictures without a JFIF
    header (empty files here) that the builder counts and skips.

    Args:
        folder: a `Path` to write into.

    Returns:
        `Downloads` of one train split.

    Example:
    >>> write_cats_vs_dogs(tmp_path).labels["train"].count(1)
    10
    """
    members = {
        "CDLA-Permissive-2.0.pdf": b"%PDF-1.4\n",
        "readme[1].txt": b"Cats and dogs\n",
        "PetImages/Cat/Thumbs.db": b"\0" * 16,
    }
    labels = []
    for label, animal in enumerate(("Cat", "Dog")):
        for i in range(10):
            members[f"PetImages/{animal}/{i}.jpg"] = jpeg(picture(60 + 10 * i, 80, label))
            labels.append(label)
    for i in range(CATS_VS_DOGS_CORRUPT):
        members[f"PetImages/{('Cat', 'Dog')[i % 2]}/{100 + i}.jpg"] = b""
    path = write_zip(folder / "kagglecatsanddogs_5340.zip", members)
    return Downloads({CATS_VS_DOGS_URL: path}, {"train": labels})


def imdb_review(liked, i):
    """The text of generated review `i`, which says whether it liked the film.

    Args:
        liked: truthy for a positive review.
        i: the review's number, to tell reviews apart.

    Returns:
        A string with "wonderful" in it when `liked`, else "dreadful".

    Example:
    >>> imdb_review(True, 3)
    'A wonderful film.<br /><br />Review number 3, wonderful from start to end.'
    """
    word = "wonderful" if liked else "dreadful"
    return f"A {word} film.<br /><br />Review number {i}, {word} from start to end."


def write_imdb_reviews(folder):
    """aclImdb_v1.tar.gz: `aclImdb/{train,test}/{pos,neg}/ID_RATING.txt` and `train/unsup/`.

    Also the files the builder skips: `imdb.vocab`, `README`,
    `train/labeledBow.feat`, `train/urls_pos.txt`.

    Args:
        folder: a `Path` to write into.

    Returns:
        `Downloads`: 3 reviews of each kind to train, 2 to test, 2 unlabelled.

    Example:
    >>> write_imdb_reviews(tmp_path).labels["unsupervised"]
    [-1, -1]
    """
    members = {
        "aclImdb/README": b"Large Movie Review Dataset v1.0\n",
        "aclImdb/imdb.vocab": b"the\nfilm\n",
        "aclImdb/train/labeledBow.feat": b"9 0:9 1:1\n",
        "aclImdb/train/urls_pos.txt": b"http://www.imdb.com/title/tt0453418/\n",
    }
    labels = {"train": [], "test": []}
    for split, count in (("train", 3), ("test", 2)):
        for label, kind in enumerate(("neg", "pos")):
            for i in range(count):
                rating = 8 + i if label else 1 + i
                members[f"aclImdb/{split}/{kind}/{i}_{rating}.txt"] = imdb_review(label, i).encode()
                labels[split].append(label)
    for i in range(2):
        members[f"aclImdb/train/unsup/{i}_0.txt"] = imdb_review(i % 2, 100 + i).encode()
    labels["unsupervised"] = [-1, -1]
    path = write_tar_gz(folder / "aclImdb_v1.tar.gz", members)
    return Downloads({IMDB_URL: path}, labels)


# (file name, breed number 1-37, species 1 cat / 2 dog, breed number in its
# species), as the pets' list files have them.
PETS = {
    split: [
        (f"{breed}_{i}", number, number, 1)
        for number, breed in ((1, "Abyssinian"), (2, "american_bulldog"))
        for i in numbers
    ]
    for split, numbers in (("train", range(1, 6)), ("test", range(10, 12)))
}
# One of the builder's known corrupt files: a PNG with an alpha channel named
# .jpg, which it decodes and re-encodes.
PETS_CORRUPT = "Abyssinian_5"
PETS_XML = """<annotation><filename>{name}.jpg</filename>
<size><width>{width}</width><height>{height}</height><depth>3</depth></size>
<object><name>{species}</name><bndbox><xmin>10</xmin><ymin>8</ymin><xmax>40</xmax><ymax>30</ymax>
</bndbox></object></annotation>
"""


def pets_trimap(height, width):
    """A trimap as the pets' are: 1 pet (a box in the middle), 2 background, 3 its outline.

    Args:
        height: rows.
        width: columns.

    Returns:
        A `(height, width, 1)` uint8 array.

    Example:
    >>> pets_trimap(16, 16)[[0, 4, 8], 8, 0].tolist()
    [2, 3, 1]
    """
    trimap = np.full((height, width, 1), 2, np.uint8)
    trimap[height // 4 : 3 * height // 4, width // 4 : 3 * width // 4] = 3
    trimap[height // 4 + 2 : 3 * height // 4 - 2, width // 4 + 2 : 3 * width // 4 - 2] = 1
    return trimap


def _pets_list(rows):
    return "".join(" ".join(map(str, row)) + "\n" for row in rows).encode()


def write_oxford_iiit_pet(folder):
    """The pets' images.tar.gz and annotations.tar.gz.

    `images/NAME.jpg`; `annotations/{trainval,test,list}.txt` (lines of name,
    breed, species, breed in species), `annotations/trimaps/NAME.png`, and
    `annotations/xmls/NAME.xml` (head boxes) for the training pictures only,
    as most of the real test pictures have none.

    Args:
        folder: a `Path` to write into.

    Returns:
        `Downloads`: 5 cats and 5 dogs to train, 2 of each to test; labels
        are breeds.

    Example:
    >>> write_oxford_iiit_pet(tmp_path).labels["test"]
    [0, 0, 1, 1]
    """
    images = {}
    annotations = {
        "annotations/README": b"OXFORD-IIIT PET Dataset\n",
        "annotations/list.txt": b"#Image CLASS-ID SPECIES BREED ID\n"
        + _pets_list(row for rows in PETS.values() for row in rows),
    }
    labels = {}
    for split, rows in PETS.items():
        annotations[f"annotations/{'trainval' if split == 'train' else split}.txt"] = _pets_list(
            rows
        )
        for i, (name, breed, species, _) in enumerate(rows):
            height, width = 48 + 8 * i, 64
            if name == PETS_CORRUPT:
                images[f"images/{name}.jpg"] = png(picture(height, width, breed - 1, channels=4))
            else:
                images[f"images/{name}.jpg"] = jpeg(picture(height, width, breed - 1))
            annotations[f"annotations/trimaps/{name}.png"] = png(pets_trimap(height, width))
            if split == "train":
                annotations[f"annotations/xmls/{name}.xml"] = PETS_XML.format(
                    name=name, width=width, height=height, species=("cat", "dog")[species - 1]
                ).encode()
        labels[split] = [breed - 1 for _, breed, _, _ in rows]
    files = {
        PETS_URL + "images.tar.gz": write_tar_gz(folder / "images.tar.gz", images),
        PETS_URL + "annotations.tar.gz": write_tar_gz(folder / "annotations.tar.gz", annotations),
    }
    return Downloads(files, labels)


# Every tfds dataset the task pool uses.
WRITERS = {
    "mnist": write_mnist,
    "fashion_mnist": write_fashion_mnist,
    "iris": write_iris,
    "horses_or_humans": write_horses_or_humans,
    "rock_paper_scissors": write_rock_paper_scissors,
    "imdb_reviews": write_imdb_reviews,
    "oxford_iiit_pet": write_oxford_iiit_pet,
    "beans": write_beans,
    "cats_vs_dogs": write_cats_vs_dogs,
}


_REAL_SEND = requests.adapters.HTTPAdapter.send
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
# What the fake network hands out now, and the list it records requests in.
_network = {"files": {}, "requested": []}


def _send(adapter, request, **kwargs):
    # HTTPAdapter.send without sockets: the served files, or a refusal at once.
    if urllib.parse.urlsplit(request.url).hostname in LOCAL_HOSTS:
        return _REAL_SEND(adapter, request, **kwargs)
    _network["requested"].append(request.url)
    path = _network["files"].get(request.url)
    if path is None:
        raise requests.ConnectionError(f"no network in the tests: {request.url}", request=request)
    body = Path(path).read_bytes()
    response = urllib3.HTTPResponse(
        body=io.BytesIO(body),
        headers={"Content-Length": str(len(body))},
        status=200,
        preload_content=False,
        request_url=request.url,
    )
    return adapter.build_response(request, response)


@contextlib.contextmanager
def no_network():
    """`requests` (what tfds downloads with) without a network: every address is refused at once.

    Only this machine's addresses still connect. It replaces the socket
    work of `requests`' `HTTPAdapter.send` and nothing else, so sessions,
    `Response` building, streaming and tfds's download manager run as they
    do online, and a test never waits minutes on tfds's retries. The suite
    holds it for the whole session (`conftest.py`): when a download fails,
    tfds raises before its other downloads, still running in its threads,
    have asked for their URLs.

    Example:
    >>> with no_network():
    ...     requests.get("https://example.com/x")
    Traceback (most recent call last):
    ...
    requests.exceptions.ConnectionError: no network in the tests: https://example.com/x
    """
    with mock.patch.object(requests.adapters.HTTPAdapter, "send", _send):
        yield


@contextlib.contextmanager
def served(files):
    """Serves files at their URLs through `requests`, and refuses every other address at once.

    Args:
        files: `{url: Path}`; `{}` is a machine without network.

    Yields:
        The list of URLs requested in the block (served or refused).

    Example:
    >>> with served({"https://example.com/a.txt": path}) as requested:
    ...     requests.get("https://example.com/a.txt").content
    b'...'
    """
    outside = dict(_network)
    _network.update(files=dict(files), requested=[])
    try:
        with no_network():
            yield _network["requested"]
    finally:
        _network.update(outside)


@contextlib.contextmanager
def registered(builder_class, files):
    """Registers the written files' own checksums for their URLs with a builder.

    The builder's `checksums.tsv` holds the real downloads' sizes and
    SHA-256s, which small written files cannot match. Registering theirs
    (rather than turning validation off) keeps tfds checking every file it
    downloads, so a file mangled between the fake network and the builder
    still fails.

    Args:
        builder_class: a `tfds.core.DatasetBuilder` subclass.
        files: `{url: Path}`.

    Example:
    >>> with registered(type(builder), downloads.files):
    ...     builder.download_and_prepare()
    """
    from tensorflow_datasets.core.download import checksums

    url_infos = {
        **(builder_class.url_infos or {}),
        **{url: checksums.compute_url_info(path) for url, path in files.items()},
    }
    with mock.patch.object(builder_class, "url_infos", url_infos):
        yield


def prepare(name, data_dir, served_dir):
    """Prepares tfds dataset `name` in `data_dir` with its real builder and written downloads.

    Args:
        name: a key of `WRITERS`.
        data_dir: the tfds data_dir to prepare into (the task's `--data`).
        served_dir: a folder for the written download files.

    Returns:
        `Prepared`.

    Example:
    >>> prepared = prepare("beans", tmp_path / "data", tmp_path / "served")
    >>> prepared.builder.info.splits["validation"].num_examples
    3
    """
    import tensorflow_datasets as tfds

    served_dir = Path(served_dir)
    served_dir.mkdir(parents=True, exist_ok=True)
    downloads = WRITERS[name](served_dir)
    builder = tfds.builder(name, data_dir=str(data_dir))
    module = sys.modules[type(builder).__module__]
    with contextlib.ExitStack() as stack:
        requested = stack.enter_context(served(downloads.files))
        stack.enter_context(registered(type(builder), downloads.files))
        for constant, value in downloads.constants.items():
            stack.enter_context(mock.patch.object(module, constant, value))
        builder.download_and_prepare()
    return Prepared(Path(data_dir), builder, downloads, requested)
