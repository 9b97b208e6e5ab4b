"""One check of dtype policies for every zoo layer and model.

`run_precision_test` builds a fresh object under one dtype policy, set either
globally (`keras.config.set_dtype_policy`) or on the instance (`dtype=`), and
checks what keras-hub's `run_precision_test` checks, on nested sub-models
too: the object's and every sublayer's policy, float32 variables, the output
dtypes, and that one `fit` step runs and moves the weights.

A few sublayers are float32 on purpose under every policy (a model's last
layer, heads whose values overflow float16); each test names them, and the
harness checks that they exist and are float32, and that every other
sublayer follows the policy.
"""

import contextlib

import keras
import numpy as np
from keras.src.models.functional import Functional
from layer_harness import (
    as_call_arguments,
    call_layer,
    flat_inputs,
    functional_model,
    symbolic_inputs,
)

POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")
SCOPES = ("global", "instance")


@contextlib.contextmanager
def _policy_scope(policy, scope):
    """Yields the constructor kwargs for `scope`, with the global policy set."""
    previous = keras.config.dtype_policy()
    if scope == "global":
        keras.config.set_dtype_policy(policy)
    try:
        yield {"dtype": policy} if scope == "instance" else {}
    finally:
        keras.config.set_dtype_policy(previous)


def _is_container(layer):
    # Functional and Sequential models take no `dtype` (Keras drops it) and
    # compute nothing of their own; the layers inside them are checked.
    return isinstance(layer, (Functional, keras.Sequential))


def sublayers(layer, prefix=""):
    """Yields `(path, sublayer)` for every sublayer, nested ones included.

    A path joins names with "/", e.g. `"decoder/output"` for the layer named
    `output` inside the sub-model named `decoder`.
    """
    for child in layer._flatten_layers(include_self=False, recursive=False):
        path = f"{prefix}{child.name}"
        yield path, child
        yield from sublayers(child, f"{path}/")


def _dtype(x):
    return keras.backend.standardize_dtype(x.dtype)


def _float_dtypes(outputs):
    return [_dtype(x) for x in keras.tree.flatten(outputs) if "float" in _dtype(x)]


def check_sublayer_policies(obj, policy, float32_sublayers=()):
    """Asserts every sublayer follows `policy`, but the named float32 ones.

    Args:
        obj: a built layer or model.
        policy: a `keras.DTypePolicy`.
        float32_sublayers: paths (see `sublayers`) of the sublayers that are
            float32 whatever the policy.
    """
    found = set()
    for path, layer in sublayers(obj):
        if isinstance(layer, keras.layers.InputLayer) or _is_container(layer):
            continue
        if path in float32_sublayers:
            found.add(path)
            expected = ("float32", "float32")
        else:
            expected = (policy.compute_dtype, policy.variable_dtype)
        assert (layer.compute_dtype, layer.variable_dtype) == expected, (
            f"{type(obj).__name__} under {policy.name}: sublayer {path!r} "
            f"({type(layer).__name__}) has policy {layer.dtype_policy.name}, "
            f"expected compute/variable dtypes {expected}"
        )
    assert found == set(float32_sublayers), (
        f"float32 sublayers not found: {sorted(set(float32_sublayers) - found)}"
    )


def _fit_one_step(model, fit_data, compile_kwargs):
    x, y = fit_data
    before = [keras.ops.convert_to_numpy(w) for w in model.trainable_weights]
    model.compile(**compile_kwargs)
    history = model.fit(x, y, batch_size=len(keras.tree.flatten(x)[0]), epochs=1, verbose=0)
    for name, values in history.history.items():
        assert np.all(np.isfinite(values)), (name, values)
    after = [keras.ops.convert_to_numpy(w) for w in model.trainable_weights]
    if before:
        assert any(not np.array_equal(a, b) for a, b in zip(before, after)), (
            "one fit step left every trainable weight unchanged"
        )


def run_precision_test(
    make,
    policy,
    scope,
    input_data,
    float32_outputs=False,
    float32_sublayers=(),
    call_kwargs=None,
    fit_data=None,
    compile_kwargs=None,
):
    """Checks one layer or model under one dtype policy, set in one scope.

    Args:
        make: function of keyword arguments (`dtype` or none) returning a
            fresh layer or model.
        policy: `"float32"`, `"mixed_float16"` or `"mixed_bfloat16"`.
        scope: `"global"` (set with `keras.config.set_dtype_policy`, and
            restored after) or `"instance"` (passed as `dtype=`).
        input_data: an array, a list of arrays, or a dict `{argument: array}`
            (as in `layer_harness.run_layer_test`).
        float32_outputs: True when the outputs are float32 by design; else
            they are in the policy's compute dtype.
        float32_sublayers: paths of sublayers that are float32 by design.
        call_kwargs: extra call arguments for the output check.
        fit_data: `(x, y)` for a model's `fit`; a layer is fitted inside a
            functional model on random targets shaped like its outputs.
        compile_kwargs: arguments of `compile`; SGD and mean squared error
            when None.
    """
    policy = keras.dtype_policies.get(policy)
    call_kwargs = call_kwargs or {}
    compile_kwargs = compile_kwargs or {"optimizer": keras.optimizers.SGD(0.01), "loss": "mse"}
    inputs = as_call_arguments(input_data)
    with _policy_scope(policy.name, scope) as kwargs:
        obj = make(**kwargs)
        assert obj.dtype_policy.name == policy.name

        outputs = call_layer(obj, inputs, call_kwargs)  # builds every sublayer
        check_sublayer_policies(obj, policy, float32_sublayers)
        for weight in obj.weights:
            if "float" in _dtype(weight):
                assert _dtype(weight) == policy.variable_dtype, weight.path

        expected = "float32" if float32_outputs else policy.compute_dtype
        dtypes = _float_dtypes(outputs)
        assert dtypes and set(dtypes) == {expected}, f"output dtypes {dtypes}, expected {expected}"
        assert all(
            np.all(np.isfinite(keras.ops.convert_to_numpy(x))) for x in keras.tree.flatten(outputs)
        )

        if isinstance(obj, keras.Model):
            _fit_one_step(obj, fit_data, compile_kwargs)
        else:
            model = functional_model(obj, symbolic_inputs(inputs), call_kwargs)
            assert _float_dtypes(model.outputs) == dtypes
            rng = np.random.default_rng(0)
            targets = [
                rng.normal(size=x.shape).astype("float32") for x in keras.tree.flatten(outputs)
            ]
            if len(targets) == 1:
                targets = targets[0]
            _fit_one_step(model, (flat_inputs(inputs), targets), compile_kwargs)
