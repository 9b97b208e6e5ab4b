"""A broken install, a failed download and anything else, told apart by the data loaders.

Through tensorflow-datasets' and Keras's real download code, with only the
network replaced (`tfds_downloads.served` for tfds's `requests`, a refusing
`urllib.request.urlopen` for Keras): a missing module names the module and
the reinstall command and never says "offline"; "Could not download" only
when the download itself failed; anything else is reported as what it is.
The messages are checked for their facts, not their sentences.
"""

import os
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import keras
import pytest
from tfds_downloads import WRITERS, served

import zoo.data
from zoo.data import BrokenInstallError, DataUnavailableError, fetch_file, load_tfds
from zoo.data.failures import failed_download, missing_module, reinstall_command
from zoo.task import Source

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
NOT_THE_NETWORK = ("Could not download", "Offline", "network access")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """The zoo's download cache in a fresh folder, and no `$ZOO_DATA`."""
    monkeypatch.delenv("ZOO_DATA", raising=False)
    monkeypatch.setattr(zoo.data, "CACHE_DIR", tmp_path / "cache")
    return tmp_path / "cache"


def test_an_editable_checkout_is_reinstalled_from_its_folder():
    # The suite runs from an editable install (make test: pip install -e).
    assert reinstall_command() == f"{sys.executable} -m pip install -e {ROOT}"


def test_the_error_behind_the_error_is_found():
    # keras.utils.get_file raises a bare Exception while handling urllib's URLError.
    wrapped = Exception("URL fetch failure")
    wrapped.__context__ = urllib.error.URLError("unreachable")
    assert failed_download(wrapped) is wrapped.__context__
    assert missing_module(wrapped) is None
    assert failed_download(PermissionError("read-only cache")) is None


def test_a_failed_tfds_download_is_offline_and_names_the_dataset_and_option(cache):
    with served({}) as requested, pytest.raises(DataUnavailableError) as error:
        load_tfds("mnist", "test")
    assert requested, "tfds never tried to download"
    assert not isinstance(error.value, BrokenInstallError)
    message = str(error.value)
    assert message.startswith(
        "Could not download tensorflow-datasets 'mnist' into "
        f"{cache / 'tensorflow_datasets'} (ConnectionError: "
    )
    for fact in ("Offline?", "`tfds build mnist --data_dir DIR`", "--data DIR"):
        assert fact in message


def test_tfds_missing_a_module_is_a_broken_install_not_offline(tmp_path):
    # A new interpreter in which importlib_resources cannot be imported (None
    # in sys.modules), as on an install without it: tfds's lazy import of it
    # fails inside its real download path.
    code = f"""
        import sys
        sys.modules["importlib_resources"] = None
        sys.path.insert(0, {str(TESTS)!r})
        from pathlib import Path
        import zoo.data
        from tfds_downloads import served
        zoo.data.CACHE_DIR = Path({str(tmp_path)!r})
        try:
            with served({{}}):
                zoo.data.load_tfds("mnist", "test")
        except zoo.data.BrokenInstallError as error:
            print(error)
    """
    env = {key: value for key, value in os.environ.items() if key != "ZOO_DATA"}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        check=False,
        capture_output=True,
        text=True,
        env={**env, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    message = result.stdout.strip().splitlines()[-1]
    for fact in (
        "module importlib_resources is missing",
        "tensorflow-datasets 'mnist'",
        f"Reinstall with: {reinstall_command()}",
    ):
        assert fact in message
    assert not any(words in message for words in NOT_THE_NETWORK)


def test_a_data_dir_without_the_dataset_says_so_and_never_downloads(tmp_path):
    with served({}) as requested, pytest.raises(DataUnavailableError) as error:
        load_tfds("mnist", "test", data=tmp_path)
    assert requested == []
    message = str(error.value)
    for fact in (
        f"{tmp_path} (--data, or $ZOO_DATA) holds no prepared tensorflow-datasets 'mnist'",
        "`tfds build mnist --data_dir DIR`",
        "--data DIR",
    ):
        assert fact in message
    assert not any(words in message for words in NOT_THE_NETWORK)


def test_a_tfds_download_that_fails_its_checksum_is_reported_as_that(cache, tmp_path):
    # The written files are not the ones tfds registered: the download worked.
    downloads = WRITERS["mnist"](tmp_path)
    with served(downloads.files), pytest.raises(DataUnavailableError) as error:
        load_tfds("mnist", "test")
    message = str(error.value)
    assert message.startswith(
        "tensorflow-datasets could not load 'mnist' from "
        f"{cache / 'tensorflow_datasets'} (NonMatchingChecksumError: "
    )
    assert "--data DIR" in message
    assert not any(words in message for words in NOT_THE_NETWORK)


def unreachable(url, *args, **kwargs):
    raise urllib.error.URLError(OSError(101, "Network is unreachable"))


def test_a_failed_file_download_is_offline_and_names_the_url_and_option(cache, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", unreachable)
    url = "https://example.com/data/sarcasm.json"
    with pytest.raises(DataUnavailableError) as error:
        fetch_file(Source("url", "sarcasm.json", url=url))
    assert not isinstance(error.value, BrokenInstallError)
    message = str(error.value)
    assert message.startswith(f"Could not download sarcasm.json from {url} (")
    for fact in ("Network is unreachable", "network access", "--data PATH"):
        assert fact in message


def test_a_downloaded_file_with_the_wrong_checksum_is_reported_as_that(cache, tmp_path):
    served_file = tmp_path / "Sunspots.csv"
    served_file.write_text("not the sunspots\n")
    url = served_file.as_uri()  # urllib reads file: URLs without a network
    with pytest.raises(DataUnavailableError) as error:
        fetch_file(Source("url", "Sunspots.csv", url=url, sha256="0" * 64))
    message = str(error.value)
    assert message.startswith(f"Sunspots.csv from {url} cannot be used (ValueError: ")
    assert "--data PATH" in message
    assert not any(words in message for words in NOT_THE_NETWORK)


def test_a_file_download_missing_a_module_is_a_broken_install(cache, monkeypatch):
    def missing(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'h5py'", name="h5py")

    monkeypatch.setattr(keras.utils, "get_file", missing)
    with pytest.raises(BrokenInstallError) as error:
        fetch_file(Source("url", "sarcasm.json", url="https://example.com/sarcasm.json"))
    message = str(error.value)
    for fact in (
        "module h5py is missing",
        "sarcasm.json",
        f"Reinstall with: {reinstall_command()}",
    ):
        assert fact in message
    assert not any(words in message for words in NOT_THE_NETWORK)
