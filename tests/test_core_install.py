"""The core install: `pip install keras-cert-zoo` alone, Keras on JAX, no TensorFlow.

CI builds the wheel, installs it into a fresh environment with JAX and pytest, and runs
`pytest -m core` there with `ZOO_CORE_ONLY=1` (`.ci/run`). These tests check that
environment itself; in the full one they are skipped.
"""

import importlib.util
import os
import shutil
import subprocess
import sys

import pytest

pytestmark = [
    pytest.mark.core,
    pytest.mark.skipif(
        os.environ.get("ZOO_CORE_ONLY") != "1", reason="checks the core-only install CI builds"
    ),
]


def test_tensorflow_is_not_importable_and_keras_runs_on_jax():
    assert importlib.util.find_spec("tensorflow") is None
    import keras

    import zoo.layers
    import zoo.models

    assert keras.backend.backend() == "jax"
    layer = zoo.layers.PositionwiseFeedForward(intermediate_dim=8)
    assert tuple(layer(keras.ops.ones((2, 3, 4))).shape) == (2, 3, 4)
    assert "tensorflow" not in sys.modules and zoo.models.UNet


def test_a_command_of_the_exam_extra_names_it_and_exits_2():
    zoo = shutil.which("zoo", path=os.path.dirname(sys.executable))
    done = subprocess.run([zoo, "train", "linear"], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (
        2,
        "zoo train needs the exam extra: pip install 'keras-cert-zoo[exam]'\n",
    )
