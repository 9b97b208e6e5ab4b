"""Checks that need a new interpreter: loading after `import zoo.models`, the JAX backend."""

import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
from training_helpers import kernel_settings

from zoo.layers import (
    CAMHead,
    MultiHeadAttention,
    PositionwiseFeedForward,
    SinusoidalPositionalEncoding,
    TokenAndPositionEmbedding,
    TransformerEncoder,
)


def _run(code, env_backend=None):
    env = {"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin", **kernel_settings()}
    if env_backend:
        env["KERAS_BACKEND"] = env_backend
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _model_with_every_sequence_layer():
    ids = keras.Input((12,), dtype="int32", name="ids")
    x = TokenAndPositionEmbedding(40, 12, 16, mask_zero=True)(ids)
    x = x + SinusoidalPositionalEncoding()(x)
    x = TransformerEncoder(32, 4, normalize_first=True)(x)
    x = MultiHeadAttention(2, 8)(x, x, use_causal_mask=True)
    x = PositionwiseFeedForward(24)(x)
    features = keras.layers.Reshape((3, 4, 16))(x)
    return keras.Model(ids, CAMHead(3)(features))


@pytest.mark.slow
def test_keras_file_loads_in_a_new_process_after_import_zoo_models(tmp_path):
    model = _model_with_every_sequence_layer()
    ids = np.random.default_rng(0).integers(0, 40, size=(4, 12)).astype("int32")
    ids[:, 9:] = 0
    model.save(tmp_path / "model.keras")
    np.save(tmp_path / "ids.npy", ids)
    np.save(tmp_path / "expected.npy", keras.ops.convert_to_numpy(model(ids)))
    out = _run(f"""
        import numpy as np, keras, zoo.models
        model = keras.saving.load_model("{tmp_path / "model.keras"}")
        got = keras.ops.convert_to_numpy(model(np.load("{tmp_path / "ids.npy"}")))
        print(np.abs(got - np.load("{tmp_path / "expected.npy"}")).max())
    """)
    assert float(out.strip()) == 0.0


@pytest.mark.slow
def test_import_zoo_leaves_tensorflow_out_and_layers_run_on_jax():
    out = _run(
        """
        import sys
        import numpy as np, keras
        import zoo
        from zoo.layers import (
            MultiHeadAttention, TransformerEncoder, TokenAndPositionEmbedding, CAMHead, Sampling)
        imported_tensorflow = "tensorflow" in sys.modules
        ids = np.array([[3, 4, 5, 0], [1, 2, 0, 0]])
        x = TokenAndPositionEmbedding(10, 4, 8, mask_zero=True)(ids)
        y = TransformerEncoder(16, 2)(x, use_causal_mask=True)
        z = MultiHeadAttention(2, 4)(y, y, return_attention_scores=True)[1]
        p = CAMHead(3)(np.ones((2, 3, 3, 8), "float32"), return_cam=True)[1]
        s = Sampling(seed=1)([np.zeros((2, 2)), np.zeros((2, 2))])
        print(keras.backend.backend(), imported_tensorflow, y.shape, z.shape, p.shape, s.shape)
    """,
        env_backend="jax",
    )
    assert out.split() == [
        "jax",
        "False",
        "(2,",
        "4,",
        "8)",
        "(2,",
        "2,",
        "4,",
        "4)",
        "(2,",
        "3,",
        "3)",
        "(2,",
        "2)",
    ]
