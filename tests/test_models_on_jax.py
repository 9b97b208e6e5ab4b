"""The models' inference runs on the JAX backend, without importing TensorFlow."""

import subprocess
import sys
import textwrap

CODE = """
    import sys
    import numpy as np, keras
    import zoo
    from zoo.models import Autoencoder, ConditionalVAE, DCGAN, LSTMForecaster, UNet, VAE
    images = np.zeros((2, 8, 8, 1), "float32")
    shapes = [
        Autoencoder.dense((8, 8, 1), 2, units=(4,))(images).shape,
        DCGAN.dense(3, 2, units=(4,)).generate(2).shape,
        VAE.dense((8, 8, 1), 2, units=(4,)).generate(2).shape,
        ConditionalVAE.dense((8, 8, 1), 3, 2, units=(4,))([images, np.array([0, 2])]).shape,
        UNet(2, depth=1, filters=2)(images).shape,
        LSTMForecaster(3, lstm_units=(4,))(np.zeros((2, 5, 1), "float32")).shape,
    ]
    print(keras.backend.backend(), "tensorflow" in sys.modules, *[tuple(s) for s in shapes],
          sep=";")
"""


def test_models_run_on_jax():
    # A fresh interpreter: the backend is chosen once, at Keras's import.
    env = {"KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(CODE)],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().split(";") == [
        "jax", "False", "(2, 8, 8, 1)", "(2, 3)", "(2, 8, 8, 1)", "(2, 8, 8, 1)",
        "(2, 8, 8, 2)", "(2, 3, 1)"]
