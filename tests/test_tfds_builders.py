"""tensorflow-datasets' real builders on their own download formats, only the network replaced.

For every tfds dataset the task pool uses, the builder module imports from the installed
package, and its `download_and_prepare` runs end to end (download manager,
checksums, extraction, `_split_generators`, `_generate_examples`) on small
files written in the real download format (`tfds_downloads`). Then each
task's own loader reads the prepared data_dir as `--data`. No
`tfds.testing.mock_data` here: it never runs this code.
"""

import importlib
from pathlib import Path

import numpy as np
import pytest
import tensorflow_datasets as tfds
from tfds_downloads import WRITERS, iris_petal_length, prepare, shade

from zoo.tasks import all_tasks, get_task

TFDS_TASKS = sorted(task.name for task in all_tasks() if task.source.kind == "tfds")
POOL = sorted({get_task(name).source.name for name in TFDS_TASKS})


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """`prepared(name)`: the dataset prepared by its real builder, once per module."""
    root = tmp_path_factory.mktemp("tfds")
    done = {}

    def get(name):
        if name not in done:
            done[name] = prepare(name, root / name / "tensorflow_datasets", root / name / "served")
        return done[name]

    return get


def test_every_tfds_dataset_of_the_pool_has_its_downloads_written():
    assert POOL and set(POOL) <= set(WRITERS), (
        f"tfds datasets without a writer in tests/tfds_downloads.py: "
        f"{sorted(set(POOL) - set(WRITERS))}"
    )


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_builder_module_imports_from_the_installed_package(name):
    builder_class = tfds.builder_cls(name)
    module = importlib.import_module(builder_class.__module__)
    # code_path is what tfds reads its checksums and metadata beside, on
    # every download (it needs importlib_resources).
    code_path = Path(str(builder_class.code_path))
    assert code_path == Path(module.__file__)
    assert Path(tfds.__file__).parent in code_path.parents
    assert builder_class.url_infos, f"{name}'s registered checksums are not beside {code_path}"


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_real_builder_prepares_the_real_download_format(prepared, name):
    result = prepared(name)
    # Every URL went through the (fake) network once; nothing else was asked.
    assert sorted(result.requested) == sorted(result.downloads.files)
    splits = result.builder.info.splits
    assert {split: splits[split].num_examples for split in result.downloads.labels} == {
        split: len(labels) for split, labels in result.downloads.labels.items()
    }
    for split, labels in result.downloads.labels.items():
        examples = list(tfds.as_numpy(result.builder.as_dataset(split=split)))
        assert sorted(int(example["label"]) for example in examples) == sorted(labels)
        for example in examples:
            if "image" in example:
                # Each picture was decoded, and kept its own label.
                assert abs(example["image"].mean() - shade(example["label"])) <= 2


def shaded_by_label(x, y):
    return np.abs(x.reshape(len(x), -1).mean(axis=1) - shade(y)) <= 2


def reconstructs(x, y):
    return np.isin(x, [shade(label) for label in range(10)]).all() and np.allclose(y, x / 255.0)


def petals_grow_with_species(x, y):
    return np.allclose(x[:, 2], iris_petal_length(y))


def reviews_say_their_label(x, y):
    return np.array(["wonderful" in text for text in x]) == y.astype(bool)


def masks_mark_the_pet_in_the_middle(x, y):
    # The written trimaps: background around, the pet in the middle, its outline between.
    return (y[:, 0, 0] == 0) & (y[:, 64, 64] == 1) & (y == 2).any(axis=(1, 2))


# Each task's arrays: one example's shape and dtype in, one label's out, and
# how the two agree on the written data.
CONTRACTS = {
    "fashion_mnist": ((28, 28), "uint8", (), "int64", shaded_by_label),
    "mnist": ((28, 28), "uint8", (), "int64", shaded_by_label),
    "mnist_conditional_vae": ((28, 28), "uint8", (), "int64", shaded_by_label),
    "mnist_dcgan": ((28, 28), "uint8", (), "int64", shaded_by_label),
    "mnist_autoencoder": ((28, 28), "uint8", (28, 28), "float32", reconstructs),
    "mnist_beta_vae": ((28, 28), "uint8", (28, 28), "float32", reconstructs),
    "iris": ((4,), "float32", (), "int64", petals_grow_with_species),
    "horses_or_humans": ((300, 300, 3), "uint8", (), "int64", shaded_by_label),
    "rock_paper_scissors": ((150, 150, 3), "uint8", (), "int64", shaded_by_label),
    "imdb_reviews": ((), "object", (), "int64", reviews_say_their_label),
    "pets_unet": ((128, 128, 3), "uint8", (128, 128), "uint8", masks_mark_the_pet_in_the_middle),
    "beans": ((300, 300, 3), "uint8", (), "int64", shaded_by_label),
    "cats_vs_dogs_224": ((224, 224, 3), "uint8", (), "int64", shaded_by_label),
}


# Their models take noise (mnist_dcgan) or a digit (mnist_conditional_vae);
# every other task's model takes the examples its loader returns.
GENERATORS = ("mnist_conditional_vae", "mnist_dcgan")


def test_every_tfds_task_has_its_contract_here():
    assert sorted(CONTRACTS) == TFDS_TASKS
    for name, (x_shape, *_) in CONTRACTS.items():
        assert name in GENERATORS or get_task(name).input_shape == x_shape, name


@pytest.mark.parametrize("task_name", TFDS_TASKS)
def test_task_loader_reads_what_the_real_builder_prepared(prepared, task_name, monkeypatch):
    monkeypatch.delenv("ZOO_DATA", raising=False)
    task = get_task(task_name)
    result = prepared(task.source.name)
    splits = task.load(result.data_dir)
    x_shape, x_dtype, y_shape, y_dtype, agree = CONTRACTS[task_name]
    for part in ("train", "validation", "test"):
        x, y = getattr(splits, part)
        assert len(x) == len(y) > 0, part
        assert (x.shape[1:], x.dtype, y.shape[1:], y.dtype) == (
            x_shape,
            np.dtype(x_dtype),
            y_shape,
            np.dtype(y_dtype),
        ), part
        assert np.all(agree(x, y)), part
    # Every labelled example lands in one part (tfds' unlabelled reviews in none).
    labelled = sum(
        len(values) for split, values in result.downloads.labels.items() if split != "unsupervised"
    )
    assert (
        sum(len(getattr(splits, part)[0]) for part in ("train", "validation", "test")) == labelled
    )
