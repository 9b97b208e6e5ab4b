"""What every model promises to the code that builds, saves, exports and
serves it, checked on small untrained models in a fraction of a second each:

- `serving_endpoints()`: the signatures `zoo.export` exports, their named
  inputs (shape with a dynamic batch, dtype) and what each answers, against
  the model's networks called directly. The export itself is tested in each
  model's file (`check_export`, slow: it trains first).
- the `.keras` round trip of every constructor argument, and the DCGAN's two
  optimizers;
- `compute_output_shape`: the shape `call` gives;
- the training mode: `encode`, `decode` and the exports in inference mode,
  the loss and `call(training=True)` in training mode, shown with networks
  that shift their values in training mode;
- the dtype policy of every sublayer, the documented defaults, and the errors
  for bad arguments and unbuilt networks.
"""

import inspect
import re

import keras
import numpy as np
import pytest
from models_helpers import (
    assert_same_config,
    assert_same_outputs,
    blob_images,
    numpy_kl,
    numpy_reconstruction,
    reload,
    set_negligible_variance,
)
from precision_harness import check_sublayer_policies

from zoo.models import (
    DCGAN,
    VAE,
    Autoencoder,
    CAMClassifier,
    ConditionalVAE,
    LSTMForecaster,
    TransformerClassifier,
    UNet,
)

# The layer and model tests run in the core install too (Keras and NumPy, JAX).
pytestmark = pytest.mark.core

RNG = np.random.default_rng(0)
IMAGES = blob_images(3, size=8)
CODES = RNG.normal(size=(3, 2)).astype("float32")
LABELS = np.array([2, 0, 1], "int32")


def numpy(value):
    return keras.ops.convert_to_numpy(value)


def one_hot(labels, num_classes=3):
    return np.eye(num_classes, dtype="float32")[labels]


def prior_codes(seed, count, latent_dim=2):
    """The codes a model made with `seed` draws first from its prior."""
    generator = keras.random.SeedGenerator(seed + 1)
    return keras.random.normal((count, latent_dim), seed=generator)


# Each model's constructor arguments, away from their defaults: one that the
# `.keras` file loses comes back as its default.
ARGUMENTS = {
    "Autoencoder": {"noise_stddev": 0.3, "seed": 3},
    "VAE": {"beta": 2.0, "reconstruction_loss": "squared_error", "seed": 5},
    "ConditionalVAE": {
        "num_classes": 3,
        "beta": 3.0,
        "reconstruction_loss": "squared_error",
        "seed": 7,
    },
    "DCGAN": {"latent_dim": 2, "seed": 2},
    "UNet": {"num_classes": 3, "depth": 1, "filters": 4, "batch_norm": False, "dropout": 0.5},
    "LSTMForecaster": {
        "horizon": 2,
        "num_targets": 2,
        "lstm_units": (4,),
        "conv_filters": 4,
        "conv_kernel_size": 2,
        "dense_units": (3,),
        "dropout": 0.5,
    },
    "CAMClassifier": {"num_classes": 2, "activation": "sigmoid"},
    "TransformerClassifier": {
        "vocabulary_size": 20,
        "sequence_length": 6,
        "num_classes": 2,
        "embedding_dim": 4,
        "num_heads": 2,
        "intermediate_dim": 8,
        "num_layers": 2,
        "dropout": 0.5,
        "position": "sinusoidal",
    },
}


# The signatures of the autoencoder and the VAE of 8x8 images and codes of 2.
ENCODER_DECODER_SPECS = {
    "serving_default": [("inputs", (None, 8, 8, 1), "float32")],
    "encode": [("inputs", (None, 8, 8, 1), "float32")],
    "decode": [("latent", (None, 2), "float32")],
}


def autoencoder():
    model = Autoencoder.convolutional(
        (8, 8, 1), latent_dim=2, filters=(4,), **ARGUMENTS["Autoencoder"]
    )
    expected = {
        "serving_default": (
            [IMAGES],
            lambda: {"reconstruction": model.decoder(model.encoder(IMAGES))},
        ),
        "encode": ([IMAGES], lambda: {"latent": model.encoder(IMAGES)}),
        "decode": ([CODES], lambda: {"reconstruction": model.decoder(CODES)}),
    }
    return model, ENCODER_DECODER_SPECS, expected


def vae():
    model = VAE.convolutional((8, 8, 1), latent_dim=2, filters=(4,), **ARGUMENTS["VAE"])

    def encoded():
        mean, log_var = model.encoder(IMAGES)
        return {"mean": mean, "log_variance": log_var}

    expected = {
        "serving_default": (
            [IMAGES],
            lambda: {"reconstruction": model.decoder(model.encoder(IMAGES)[0])},
        ),
        "encode": ([IMAGES], encoded),
        "decode": ([CODES], lambda: {"reconstruction": model.decoder(CODES)}),
    }
    return model, ENCODER_DECODER_SPECS, expected


def conditional_vae():
    model = ConditionalVAE.convolutional(
        (8, 8, 1), latent_dim=2, filters=(4,), output_activation=None, **ARGUMENTS["ConditionalVAE"]
    )
    # Tensors: a network called on a list takes no mix of tensors and arrays.
    images, codes, condition = map(keras.ops.convert_to_tensor, (IMAGES, CODES, one_hot(LABELS)))

    def encoded():
        mean, log_var = model.encoder([images, condition])
        return {"mean": mean, "log_variance": log_var}

    expected = {
        "serving_default": (
            [IMAGES, LABELS],
            lambda: {
                "reconstruction": model.decoder([model.encoder([images, condition])[0], condition])
            },
        ),
        "encode": ([IMAGES, LABELS], encoded),
        "decode": ([CODES, LABELS], lambda: {"reconstruction": model.decoder([codes, condition])}),
        "generate": (
            [LABELS],
            lambda: {"generated": model.decoder([prior_codes(7, len(LABELS)), condition])},
        ),
    }
    label = ("label", (None,), "int32")
    specs = {
        "serving_default": [("inputs", (None, 8, 8, 1), "float32"), label],
        "encode": [("inputs", (None, 8, 8, 1), "float32"), label],
        "decode": [("latent", (None, 2), "float32"), label],
        "generate": [label],
    }
    return model, specs, expected


def dcgan():
    model = DCGAN.dense(5, units=(6,), **ARGUMENTS["DCGAN"])
    expected = {"serving_default": ([CODES], lambda: {"generated": model.generator(CODES)})}
    return model, {"serving_default": [("latent", (None, 2), "float32")]}, expected


def unet():
    model = UNet(**ARGUMENTS["UNet"])
    model(np.zeros((1, 8, 8, 2), "float32"))
    # Another size than the one it was built with: the signature takes any.
    images = RNG.uniform(size=(2, 16, 8, 2)).astype("float32")

    def segmented():
        probabilities = numpy(keras.ops.softmax(model(images), axis=-1))
        return {"probabilities": probabilities, "classes": probabilities.argmax(-1).astype("int32")}

    expected = {"serving_default": ([images], segmented)}
    return model, {"serving_default": [("images", (None, None, None, 2), "float32")]}, expected


def lstm_forecaster():
    model = LSTMForecaster(**ARGUMENTS["LSTMForecaster"])
    model(np.zeros((1, 6, 3), "float32"))
    window = RNG.normal(size=(2, 9, 3)).astype("float32")
    expected = {"serving_default": ([window], lambda: {"forecast": model(window)})}
    return model, {"serving_default": [("window", (None, None, 3), "float32")]}, expected


def cam_classifier(pixels="float32", backbone="model"):
    """A CAM classifier on a functional backbone taking `pixels`, or on a bare layer."""
    if backbone == "model":
        inputs = keras.Input((8, 8, 1), dtype=pixels)
        features = keras.layers.Conv2D(4, 3, strides=2, padding="same")(
            keras.layers.Rescaling(1 / 255)(inputs)
        )
        backbone = keras.Model(inputs, features)
    else:
        backbone = keras.layers.Conv2D(4, 3, strides=2, padding="same")
    model = CAMClassifier(backbone, **ARGUMENTS["CAMClassifier"])
    images = np.round(IMAGES * 255).astype(pixels)
    model(images)

    def cam():
        probabilities, heatmaps = model(images, return_cam=True)
        return {"probabilities": probabilities, "heatmap": heatmaps}

    expected = {
        "serving_default": ([images], lambda: {"probabilities": model(images)}),
        "cam": ([images], cam),
    }
    spec = [("images", (None, 8, 8, 1), pixels)]
    return model, {"serving_default": spec, "cam": spec}, expected


def transformer_classifier():
    model = TransformerClassifier(**ARGUMENTS["TransformerClassifier"])
    # Fewer tokens than `sequence_length`: the signature takes any length up to it.
    token_ids = np.array([[3, 7, 1, 0], [5, 0, 0, 0]], "int32")
    model(token_ids)
    expected = {"serving_default": ([token_ids], lambda: {"probabilities": model(token_ids)})}
    return model, {"serving_default": [("token_ids", (None, None), "int32")]}, expected


MODELS = {
    "Autoencoder": autoencoder,
    "VAE": vae,
    "ConditionalVAE": conditional_vae,
    "DCGAN": dcgan,
    "UNet": unet,
    "LSTMForecaster": lstm_forecaster,
    "CAMClassifier[float32 pixels]": cam_classifier,
    "CAMClassifier[uint8 pixels]": lambda: cam_classifier("uint8"),
    # A layer has no inputs to read a dtype from: float32.
    "CAMClassifier[layer backbone]": lambda: cam_classifier(backbone="layer"),
    "TransformerClassifier": transformer_classifier,
}


@pytest.mark.parametrize("name", MODELS)
def test_signatures_take_named_inputs_with_a_dynamic_batch(name):
    model, specs, _ = MODELS[name]()
    endpoints = model.serving_endpoints()
    assert list(endpoints) == list(specs)
    for signature, (_, input_specs) in endpoints.items():
        declared = [(spec.name, tuple(spec.shape), spec.dtype) for spec in input_specs]
        assert declared == specs[signature], signature


@pytest.mark.parametrize("name", MODELS)
def test_signatures_answer_as_the_networks_do(name):
    model, _, expected = MODELS[name]()
    endpoints = model.serving_endpoints()
    for signature, (inputs, answer) in expected.items():
        function, _ = endpoints[signature]
        outputs = function(*(keras.ops.convert_to_tensor(value) for value in inputs))
        wanted = answer()
        assert set(outputs) == set(wanted), signature
        for key, value in wanted.items():
            assert numpy(outputs[key]).dtype == numpy(value).dtype, (signature, key)
            np.testing.assert_allclose(
                numpy(outputs[key]), numpy(value), atol=1e-6, err_msg=f"{signature}/{key}"
            )


def test_generate_draws_a_new_code_each_call():
    model, _, _ = conditional_vae()
    generate, _ = model.serving_endpoints()["generate"]
    first, second = (numpy(generate(LABELS)["generated"]) for _ in range(2))
    assert first.shape == (3, 8, 8, 1)
    assert not np.allclose(first, second)


def constructor_arguments(model):
    """The names of the arguments of the zoo's constructors along `model`'s classes,
    but the networks it is given."""
    return {
        parameter.name
        for cls in type(model).__mro__
        if cls.__module__.startswith("zoo.") and "__init__" in vars(cls)
        for parameter in list(inspect.signature(cls.__init__).parameters.values())[1:]
        if parameter.kind is parameter.POSITIONAL_OR_KEYWORD
        and not isinstance(getattr(model, parameter.name), keras.layers.Layer)
    }


@pytest.mark.parametrize("name", MODELS)
def test_keras_file_round_trip_answers_alike(name, tmp_path):
    model, _, expected = MODELS[name]()
    arguments = ARGUMENTS[type(model).__name__]
    assert set(arguments) == constructor_arguments(model)
    reloaded = reload(model, tmp_path)
    assert_same_config(reloaded, model)
    for argument, value in arguments.items():
        assert getattr(model, argument) == getattr(reloaded, argument) == value, argument
    endpoints = model.serving_endpoints()
    for signature, (function, _) in reloaded.serving_endpoints().items():
        inputs = [keras.ops.convert_to_tensor(value) for value in expected[signature][0]]
        assert_same_outputs(function(*inputs), endpoints[signature][0](*inputs))


def test_keras_file_round_trip_keeps_the_dcgan_optimizers(tmp_path):
    model, _, _ = dcgan()
    model.compile(
        generator_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        discriminator_optimizer=keras.optimizers.RMSprop(5e-4),
        steps_per_execution=3,
    )
    reloaded = reload(model, tmp_path)
    for name in ("generator_optimizer", "discriminator_optimizer"):
        original, restored = getattr(model, name), getattr(reloaded, name)
        assert type(restored) is type(original), name
        assert restored.get_config() == original.get_config(), name
    assert reloaded.steps_per_execution == 3
    assert reloaded.get_compile_config() == model.get_compile_config()


@pytest.mark.parametrize("name", MODELS)
def test_compute_output_shape_is_the_shape_call_gives(name):
    model, _, expected = MODELS[name]()
    inputs = expected["serving_default"][0]
    shapes = [tuple(value.shape) for value in inputs]
    output = model(inputs if len(inputs) > 1 else inputs[0])
    assert tuple(model.compute_output_shape(shapes if len(shapes) > 1 else shapes[0])) == tuple(
        output.shape
    )


def test_an_unbuilt_model_is_told_to_be_called_before_export():
    model = UNet(num_classes=2, depth=1, filters=4, name="segmenter")
    with pytest.raises(
        ValueError,
        match=r"UNet 'segmenter' has not been built, so its input shape is unknown\. "
        r"Call it on a batch \(or fit it\) first\.",
    ):
        model.serving_endpoints()


class ShiftedInTraining(keras.layers.Layer):
    """Adds 1 in training mode, which its `training` defaults to, as with Keras's
    random augmentation layers: a model called without `training` runs it so."""

    def call(self, inputs, training=True):
        return inputs + 1.0 if training else inputs


def shifting_network(input_shape, outputs, name, condition_dim=None):
    """A network whose answers show whether it ran in training mode; with
    `condition_dim`, it takes `[inputs, condition]` as a conditional VAE's do."""
    inputs = keras.Input(input_shape)
    x = keras.layers.Flatten()(inputs)
    if condition_dim:
        condition = keras.Input((condition_dim,))
        x = keras.layers.Concatenate()([x, condition])
        inputs = [inputs, condition]
    x = ShiftedInTraining()(x)
    heads = [keras.layers.Dense(units, name=f"head_{i}")(x) for i, units in enumerate(outputs)]
    return keras.Model(inputs, heads if len(heads) > 1 else heads[0], name=name)


@pytest.mark.parametrize("model_class", [Autoencoder, VAE])
def test_encode_decode_and_exports_run_the_networks_in_inference_mode(model_class):
    latent = [2, 2] if model_class is VAE else [2]
    model = model_class(
        shifting_network((6,), latent, "encoder"), shifting_network((2,), [6], "decoder")
    )
    x = RNG.normal(size=(4, 6)).astype("float32")

    def code(training):
        """The code the decoder gets: the encoder's output, or the VAE's mean."""
        encoded = model.encoder(x, training=training)
        return encoded[0] if model_class is VAE else encoded

    assert_same_outputs(model.encode(x), model.encoder(x, training=False))
    assert_same_outputs(model.decode(CODES), model.decoder(CODES, training=False))
    endpoints = model.serving_endpoints()
    reconstruction = endpoints["serving_default"][0](keras.ops.convert_to_tensor(x))
    assert_same_outputs(
        reconstruction["reconstruction"], model.decoder(code(False), training=False)
    )
    # In training mode (`fit`'s), both networks run so.
    assert_same_outputs(model(x, training=True), model.decoder(code(True), training=True))


def test_the_conditional_vae_runs_its_networks_in_the_mode_asked():
    model = ConditionalVAE(
        shifting_network((6,), [2, 2], "encoder", condition_dim=3),
        shifting_network((2,), [6], "decoder", condition_dim=3),
        num_classes=3,
    )
    x = RNG.normal(size=(3, 6)).astype("float32")
    condition = keras.ops.convert_to_tensor(one_hot(LABELS))
    mean = model.encoder([keras.ops.convert_to_tensor(x), condition], training=False)[0]
    reconstruct = model.serving_endpoints()["serving_default"][0]
    assert_same_outputs(
        reconstruct(keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(LABELS)),
        {"reconstruction": model.decoder([mean, condition], training=False)},
    )
    assert_same_outputs(model.encode(x, LABELS)[0], mean)
    assert_same_outputs(
        model.decode(CODES, LABELS),
        model.decoder([keras.ops.convert_to_tensor(CODES), condition], training=False),
    )
    # In training mode both networks run so.
    trained_mean = model.encoder([keras.ops.convert_to_tensor(x), condition], training=True)[0]
    assert_same_outputs(
        model([x, LABELS], training=True),
        model.decoder([trained_mean, condition], training=True),
    )


@pytest.mark.parametrize("model_class", [VAE, ConditionalVAE])
@pytest.mark.parametrize("training", [True, False])
def test_the_loss_runs_both_networks_in_the_mode_it_is_given(model_class, training):
    # `fit` computes the loss with `training=True`, outside any layer's call: the
    # VAE must hand it to both networks (batch normalization's statistics, dropout).
    condition_dim = 3 if model_class is ConditionalVAE else None
    encoder = shifting_network((6,), [2, 2], "encoder", condition_dim=condition_dim)
    decoder = shifting_network((2,), [6], "decoder", condition_dim=condition_dim)
    # A posterior of negligible variance: the code drawn is the mean.
    set_negligible_variance(encoder.get_layer("head_1"))
    extra = {"num_classes": 3} if condition_dim else {}
    model = model_class(encoder, decoder, reconstruction_loss="squared_error", **extra)
    x = RNG.uniform(size=(3, 6)).astype("float32")
    condition = [keras.ops.convert_to_tensor(one_hot(LABELS))] if condition_dim else []
    inputs = [x, LABELS] if condition_dim else x
    mean = encoder([keras.ops.convert_to_tensor(x), *condition], training=training)[0]
    reconstruction = decoder([mean, *condition] if condition else mean, training=training)
    expected = np.mean(
        numpy_reconstruction(x, np.asarray(reconstruction, "float64"), "squared_error")
    ) + np.mean(numpy_kl(np.asarray(mean, "float64"), np.full((3, 2), -40.0)))
    loss = float(model.compute_loss(inputs, training=training))
    assert loss == pytest.approx(expected, rel=1e-5)


def test_generate_runs_the_generator_in_inference_mode():
    gan = DCGAN(
        shifting_network((2,), [3], "generator"),
        shifting_network((3,), [1], "discriminator"),
        2,
        seed=6,
    )
    draws = keras.random.SeedGenerator(6)
    codes = keras.random.normal((4, 2), seed=draws)
    assert_same_outputs(gan.generate(4), gan.generator(codes, training=False))
    generate = gan.serving_endpoints()["serving_default"][0]
    assert_same_outputs(generate(codes)["generated"], gan.generator(codes, training=False))


# The slow precision runs (`tests/test_precision.py`) build, fit and export every
# model under each policy; this checks only that each sublayer is given the
# model's policy, but for the float32 last layers, which mutants of the
# constructors reach in a fraction of a second. The CAM backbone is the user's.
MIXED = keras.DTypePolicy("mixed_bfloat16")
FLOAT32_SUBLAYERS = {
    "UNet": (lambda: UNet(3, depth=1, filters=4, dtype=MIXED), {"head"}),
    "LSTMForecaster": (
        lambda: LSTMForecaster(2, lstm_units=(4,), conv_filters=3, dense_units=(3,), dtype=MIXED),
        {"head"},
    ),
    "TransformerClassifier": (
        lambda: TransformerClassifier(20, 6, 2, embedding_dim=4, num_heads=2, dtype=MIXED),
        {"head"},
    ),
    "CAMClassifier": (
        lambda: CAMClassifier(
            keras.layers.Conv2D(4, 3, dtype=MIXED, name="backbone"), 2, dtype=MIXED
        ),
        set(),
    ),
    "Autoencoder": (
        lambda: Autoencoder.dense((6,), latent_dim=2, units=(4,), noise_stddev=0.1, dtype=MIXED),
        {"encoder/latent", "decoder/output", "decoder/reshape"},
    ),
    "VAE": (
        lambda: VAE.dense((6,), latent_dim=2, units=(4,), dtype=MIXED),
        {"encoder/mean", "encoder/log_var", "decoder/output", "decoder/reshape"},
    ),
}


@pytest.mark.parametrize("scope", ["instance", "global"])
@pytest.mark.parametrize("name", FLOAT32_SUBLAYERS)
def test_every_sublayer_takes_the_models_dtype_policy(name, scope):
    build, float32 = FLOAT32_SUBLAYERS[name]
    if scope == "global":
        # The conftest restores the float32 policy after each test.
        keras.config.set_dtype_policy(MIXED)
    check_sublayer_policies(build(), MIXED, float32)


POSITIVE = "`{0}` must be a positive integer. Received: {0}={1}"
RATE = "`{0}` must be in [0, 1). Received: {0}={1}"
BAD_ARGUMENTS = {
    "UNet(num_classes=0)": (lambda: UNet(0), POSITIVE.format("num_classes", 0)),
    "UNet(depth=0)": (lambda: UNet(2, depth=0), POSITIVE.format("depth", 0)),
    "UNet(filters=0)": (lambda: UNet(2, filters=0), POSITIVE.format("filters", 0)),
    "UNet(dropout=1.0)": (lambda: UNet(2, dropout=1.0), RATE.format("dropout", 1.0)),
    "LSTMForecaster(horizon=0)": (lambda: LSTMForecaster(0), POSITIVE.format("horizon", 0)),
    "LSTMForecaster(num_targets=0)": (
        lambda: LSTMForecaster(2, num_targets=0),
        POSITIVE.format("num_targets", 0),
    ),
    "LSTMForecaster(dropout=-0.1)": (
        lambda: LSTMForecaster(2, dropout=-0.1),
        RATE.format("dropout", -0.1),
    ),
    "TransformerClassifier(num_layers=0)": (
        lambda: TransformerClassifier(20, 6, 2, num_layers=0),
        POSITIVE.format("num_layers", 0),
    ),
    "Autoencoder(noise_stddev=-0.1)": (
        lambda: Autoencoder.dense((4,), latent_dim=2, noise_stddev=-0.1),
        "`noise_stddev` is the standard deviation of the training noise and must be >= 0. "
        "Received: noise_stddev=-0.1",
    ),
}


@pytest.mark.parametrize("case", BAD_ARGUMENTS)
def test_a_bad_argument_is_named_with_its_value(case):
    build, message = BAD_ARGUMENTS[case]
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        build()


@pytest.mark.parametrize(
    "model_class, unbuilt",
    [(Autoencoder, "encoder"), (Autoencoder, "decoder"), (VAE, "encoder"), (VAE, "decoder")],
)
def test_an_unbuilt_sub_model_is_named_with_the_fix(model_class, unbuilt):
    networks = {
        "encoder": shifting_network((6,), [2, 2] if model_class is VAE else [2], "encoder"),
        "decoder": shifting_network((2,), [6], "decoder"),
    }
    # A Sequential model without an Input is built on its first call only.
    networks[unbuilt] = keras.Sequential([keras.layers.Dense(2)], name=unbuilt)
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"{model_class.__name__} needs built sub-models, but {unbuilt} is not built. "
            "Functional models are built when created; call a subclassed model on a batch "
            "(or its `build(shape)`) before passing it."
        ),
    ):
        model_class(**networks)


# The defaults the docstrings give.
DEFAULTS = {
    "UNet": (lambda: UNet(2), {"depth": 3, "filters": 16, "batch_norm": True, "dropout": 0.0}),
    "LSTMForecaster": (
        lambda: LSTMForecaster(2),
        {
            "num_targets": 1,
            "lstm_units": (32,),
            "conv_filters": None,
            "conv_kernel_size": 3,
            "dense_units": (),
            "dropout": 0.0,
        },
    ),
    "TransformerClassifier": (
        lambda: TransformerClassifier(20, 6, 2),
        {
            "embedding_dim": 32,
            "num_heads": 4,
            "intermediate_dim": 64,
            "num_layers": 1,
            "dropout": 0.1,
            "position": "learned",
        },
    ),
    "VAE": (
        lambda: VAE.dense((4,), latent_dim=2),
        {"beta": 1.0, "reconstruction_loss": "binary_crossentropy", "seed": None},
    ),
    "Autoencoder": (
        lambda: Autoencoder.dense((4,), latent_dim=2),
        {"noise_stddev": 0.0, "seed": None},
    ),
    "CAMClassifier": (
        lambda: CAMClassifier(keras.layers.Conv2D(4, 3), 3),
        {"activation": "softmax"},
    ),
}


@pytest.mark.parametrize("name", DEFAULTS)
def test_defaults_are_the_documented_ones(name):
    build, defaults = DEFAULTS[name]
    model = build()
    assert {argument: getattr(model, argument) for argument in defaults} == defaults


def test_a_dcgan_compiled_without_optimizers_gets_two_adams():
    model, _, _ = dcgan()
    model.compile()
    optimizers = model.generator_optimizer, model.discriminator_optimizer
    assert [type(optimizer) for optimizer in optimizers] == [keras.optimizers.Adam] * 2
    assert optimizers[0] is not optimizers[1]
