"""`--mixed-precision`: bfloat16 on a CPU, float16 on a GPU, recorded in the card."""

import keras
import pytest
import tensorflow as tf

from zoo.report.card import read_card
from zoo.tasks import get_task
from zoo.training.reference import mixed_precision_policy, train_task
from zoo.training.script import run_script


@pytest.mark.slow
def test_mixed_precision_trains_in_bfloat16_on_a_cpu_and_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert keras.config.dtype_policy().name == "float32"
    assert run_script(get_task("linear"), ["--epochs", "5", "--mixed-precision"]) == 0

    version = tmp_path / "saved_models" / "linear" / "1"
    assert read_card(version)["precision"] == "mixed_bfloat16"
    model = keras.saving.load_model(version / "model.keras")
    dense = model.layers[-1]
    assert dense.dtype_policy.name == "mixed_bfloat16"
    assert (dense.compute_dtype, dense.kernel.dtype) == ("bfloat16", "float32")
    # The process's own policy is back to what it was.
    assert keras.config.dtype_policy().name == "float32"


def test_without_the_option_the_card_says_float32(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = train_task(get_task("linear"), epochs=2, models_dir=tmp_path / "models", verbose=0)
    assert read_card(result.version_dir)["precision"] == "float32"


def test_a_gpu_gets_float16(monkeypatch):
    assert mixed_precision_policy() == "mixed_bfloat16"
    gpu = tf.config.PhysicalDevice("/physical_device:GPU:0", "GPU")
    real = tf.config.list_physical_devices
    monkeypatch.setattr(
        tf.config, "list_physical_devices", lambda kind=None: [gpu] if kind == "GPU" else real(kind)
    )
    assert mixed_precision_policy() == "mixed_float16"
