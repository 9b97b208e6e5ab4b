"""Test-wide settings: quiet TensorFlow logs, seeded runs, default dtype policy, no network."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _seeded_float32():
    """Seeds every test and restores the float32 policy after it."""
    keras.utils.set_random_seed(1234)
    yield
    keras.config.set_dtype_policy("float32")


@pytest.fixture(autouse=True, scope="session")
def _no_network():
    """Tests never download: `requests`, what tfds downloads with, refuses at once."""
    from tfds_downloads import no_network

    with no_network():
        yield
