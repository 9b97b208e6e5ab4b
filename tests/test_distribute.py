"""Under tf.distribute, 2 replicas at global batch B take the steps one device takes at B.

TensorFlow splits the CPU into logical devices only before it starts, so one
subprocess does it (the rest of the suite keeps a single device) and trains
every zoo model twice from the same weights on the same batches: on the
default strategy, then on `MirroredStrategy` over two CPUs. The models' noise
is made a constant there (`keras.random.normal`, which the VAEs' sampling and
the GAN's latent draws use) and dropout is 0, so the two runs see the same
numbers.
"""

import json
import subprocess
import sys
import textwrap

import pytest

STEPS, BATCH_SIZE = 3, 8
TOLERANCE = 1e-5  # largest absolute difference of any weight
MIN_UPDATE = 1e-4  # the steps must move some weight at least this much

CODE = """
    import json
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

    import keras
    import numpy as np

    import zoo.models as zm

    keras.random.normal = lambda shape, mean=0.0, stddev=1.0, dtype=None, seed=None: (
        keras.ops.full(shape, 0.5, dtype=dtype or "float32"))

    STEPS, BATCH = {steps}, {batch}
    n = STEPS * BATCH
    rng = np.random.default_rng(0)
    images = rng.random((n, 8, 8, 1)).astype("float32")
    colour = rng.random((n, 8, 8, 3)).astype("float32")
    labels = rng.integers(0, 3, n)
    masks = rng.integers(0, 3, (n, 8, 8))
    series = rng.normal(size=(n, 6, 1)).astype("float32")
    ids = rng.integers(1, 20, (n, 6))
    sgd = lambda: keras.optimizers.SGD(0.05)
    sparse = keras.losses.SparseCategoricalCrossentropy


    def cam_classifier():
        backbone = keras.Sequential([keras.Input((8, 8, 3)),
                                     keras.layers.Conv2D(4, 3, strides=2)])
        return zm.CAMClassifier(backbone, 3)


    # name: (build, fit arguments, compile arguments)
    CASES = {{
        "Autoencoder": (lambda: zm.Autoencoder.convolutional((8, 8, 1), 4, (4, 8)),
                        (images, images), dict(loss="mse")),
        "VAE (beta=4)": (lambda: zm.VAE.convolutional((8, 8, 1), 4, (4, 8), beta=4.0),
                         (images,), {{}}),
        "ConditionalVAE": (
            lambda: zm.ConditionalVAE.convolutional((8, 8, 1), 3, 4, (4, 8)),
            ([images, labels],), {{}}),
        "DCGAN": (lambda: zm.DCGAN.convolutional((8, 8, 1), 4, (4, 8)),
                  (images * 2 - 1,), None),
        "UNet": (lambda: zm.UNet(3, depth=1, filters=4),
                 (images, masks), dict(loss=sparse(from_logits=True))),
        "LSTMForecaster": (lambda: zm.LSTMForecaster(2, lstm_units=(4,), conv_filters=4),
                           (series, series[:, :2]), dict(loss="mse")),
        "TransformerClassifier": (
            lambda: zm.TransformerClassifier(20, 6, 3, embedding_dim=8, num_heads=2,
                                             intermediate_dim=8, dropout=0.0),
            (ids, labels), dict(loss=sparse())),
        "CAMClassifier": (cam_classifier, (colour, labels), dict(loss=sparse())),
    }}


    def train(name, strategy, initial=None):
        build, data, compile_args = CASES[name]
        with strategy.scope():
            keras.utils.set_random_seed(0)
            model = build()
            if not model.built:
                model(data[0][:2])
            if initial is not None:
                model.set_weights(initial)
            start = model.get_weights()
            if compile_args is None:
                model.compile(sgd(), sgd())
            else:
                model.compile(sgd(), **compile_args)
        model.fit(*data, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
        return start, model.get_weights()


    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    results = {{}}
    for name in CASES:
        start, one_device = train(name, tf.distribute.get_strategy())
        _, two_replicas = train(name, mirrored, initial=start)
        results[name] = {{
            "replicas": mirrored.num_replicas_in_sync,
            "difference": max(float(np.abs(a - b).max())
                              for a, b in zip(one_device, two_replicas)),
            "update": max(float(np.abs(a - s).max())
                          for a, s in zip(one_device, start)),
        }}
    print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def results():
    env = {"KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"}
    code = textwrap.dedent(CODE.format(steps=STEPS, batch=BATCH_SIZE))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


MODELS = [
    "Autoencoder",
    "VAE (beta=4)",
    "ConditionalVAE",
    "DCGAN",
    "UNet",
    "LSTMForecaster",
    "TransformerClassifier",
    "CAMClassifier",
]


@pytest.mark.slow
@pytest.mark.parametrize("name", MODELS)
def test_two_replicas_train_as_one_device(results, name):
    result = results[name]
    assert result["replicas"] == 2
    assert result["update"] >= MIN_UPDATE, result
    assert result["difference"] <= TOLERANCE, result
