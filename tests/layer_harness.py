"""One harness that checks every zoo layer the same way.

`run_layer_test` covers, for a layer class and sample inputs: config round
trip (same config, and the same outputs from the same weights), build from
shapes with the expected number of weights, a symbolic and an eager call,
one `fit` step, a `.keras` round trip with identical outputs, and a
SavedModel export with dynamic batch and sequence length reloaded with
`tf.saved_model.load`. Dtype policies are checked for every layer by
`precision_harness.run_precision_test` (tests/test_precision.py).

Layers that draw random numbers (`Sampling`) pass every check when seeded:
a layer rebuilt from its config, or reloaded, starts from the same seed and
draws the same numbers.
"""

import importlib.util
from pathlib import Path

import keras
import numpy as np

# The core install has Keras and NumPy only: the SavedModel round trip needs TensorFlow.
TENSORFLOW = importlib.util.find_spec("tensorflow") is not None


POSITIONAL = "inputs"


def as_call_arguments(input_data):
    """Returns `{call_argument: value}`; a lone value is the first argument."""
    return input_data if isinstance(input_data, dict) else {POSITIONAL: input_data}


def call_layer(layer, inputs, call_kwargs):
    """Calls a layer on one positional input, or on named inputs."""
    if list(inputs) == [POSITIONAL]:
        return layer(inputs[POSITIONAL], **call_kwargs)
    return layer(**inputs, **call_kwargs)


def _shapes(value):
    if isinstance(value, (list, tuple)):
        return [tuple(v.shape) for v in value]
    return tuple(value.shape)


def symbolic_inputs(inputs, dynamic_axes=(0,)):
    """Keras Inputs for each call argument, with `dynamic_axes` left open."""

    def make(name, array):
        shape = [None if axis in dynamic_axes else size for axis, size in enumerate(array.shape)][
            1:
        ]
        return keras.Input(shape=tuple(shape), dtype=str(array.dtype), name=name)

    symbolic = {}
    for name, value in inputs.items():
        if isinstance(value, (list, tuple)):
            symbolic[name] = [make(f"{name}_{i}", v) for i, v in enumerate(value)]
        else:
            symbolic[name] = make(name, value)
    return symbolic


def flat_inputs(inputs):
    """The arrays of `{call_argument: value}` as one flat list."""
    return [
        v
        for value in inputs.values()
        for v in (value if isinstance(value, (list, tuple)) else [value])
    ]


def functional_model(layer, symbolic, call_kwargs):
    """A functional model that calls `layer` on the `symbolic` inputs."""
    outputs = call_layer(layer, symbolic, call_kwargs)
    return keras.Model(flat_inputs(symbolic), outputs)


def _build(layer, inputs):
    shapes = {name: _shapes(value) for name, value in inputs.items()}
    if len(shapes) == 1:
        layer.build(next(iter(shapes.values())))
    else:
        layer.build(**{f"{name}_shape": shape for name, shape in shapes.items()})


def _numpy(outputs):
    return [keras.ops.convert_to_numpy(x) for x in keras.tree.flatten(outputs)]


def _assert_same_outputs(first, second):
    for a, b in zip(_numpy(first), _numpy(second), strict=True):
        np.testing.assert_array_equal(a, b)


def _crop(array, axis, length):
    return np.take(array, np.arange(length), axis=axis)


def run_layer_test(
    layer_cls,
    init_kwargs,
    input_data,
    expected_output_shape,
    expected_num_trainable_weights,
    expected_num_non_trainable_weights=0,
    call_kwargs=None,
    dynamic_axes=(1,),
    output_dynamic_axes=None,
    tmp_path=None,
):
    """Runs the standard checks on one zoo layer.

    Args:
        layer_cls: the layer class.
        init_kwargs: dict of constructor arguments; a seed for layers that
            draw random numbers.
        input_data: a NumPy array, or a dict `{call_argument: array}` for
            layers with several inputs (e.g. `{"query": q, "value": v}`); a
            value may be a list of arrays (e.g. `Sampling`'s `[mean, log_var]`).
        expected_output_shape: the output shape for `input_data`.
        expected_num_trainable_weights: int.
        expected_num_non_trainable_weights: int.
        call_kwargs: dict of extra call arguments.
        dynamic_axes: axes besides the batch left as None in the symbolic
            call and in the SavedModel signature; the export is checked at
            two different lengths along them.
        output_dynamic_axes: the output's axes besides the batch that follow
            the dynamic input axes; `dynamic_axes` when None.
        tmp_path: a `pathlib.Path` for saved files.
    """
    call_kwargs = call_kwargs or {}
    inputs = as_call_arguments(input_data)
    output_dynamic_axes = (
        0,
        *(dynamic_axes if output_dynamic_axes is None else output_dynamic_axes),
    )
    dynamic_axes = (0, *dynamic_axes)

    # Config round trip, directly and through the registered name.
    layer = layer_cls(**init_kwargs)
    config = layer.get_config()
    assert layer_cls.from_config(config).get_config() == config
    serialized = keras.saving.serialize_keras_object(layer)
    assert serialized["registered_name"] == f"zoo>{layer_cls.__name__}"
    assert keras.saving.deserialize_keras_object(serialized).get_config() == config

    # The config holds everything the outputs depend on besides the weights:
    # a layer rebuilt from it, given the same weights, computes the same.
    clone = keras.saving.deserialize_keras_object(serialized)
    _build(layer, inputs)
    _build(clone, inputs)
    clone.set_weights(layer.get_weights())
    _assert_same_outputs(
        call_layer(clone, inputs, call_kwargs), call_layer(layer, inputs, call_kwargs)
    )

    # Build from shapes alone.
    layer = layer_cls(**init_kwargs)
    _build(layer, inputs)
    assert layer.built
    assert len(layer.trainable_weights) == expected_num_trainable_weights
    assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights

    # Symbolic call.
    symbolic = symbolic_inputs(inputs, dynamic_axes)
    symbolic_output = call_layer(layer_cls(**init_kwargs), symbolic, call_kwargs)
    expected_symbolic = tuple(
        None if axis in output_dynamic_axes else size
        for axis, size in enumerate(expected_output_shape)
    )
    assert tuple(symbolic_output.shape) == expected_symbolic

    # Eager call.
    layer = layer_cls(**init_kwargs)
    output = keras.ops.convert_to_numpy(call_layer(layer, inputs, call_kwargs))
    assert output.shape == tuple(expected_output_shape)
    assert np.all(np.isfinite(output))

    # One training step through a functional model lowers the loss on its batch.
    model = functional_model(layer_cls(**init_kwargs), symbolic, call_kwargs)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    targets = np.random.default_rng(0).normal(size=expected_output_shape)
    targets = targets.astype("float32")
    batch_size = expected_output_shape[0]
    flat = flat_inputs(inputs)
    loss_before = model.evaluate(flat, targets, batch_size=batch_size, verbose=0)
    model.fit(flat, targets, batch_size=batch_size, epochs=1, verbose=0)
    loss_after = model.evaluate(flat, targets, batch_size=batch_size, verbose=0)
    assert len(model.trainable_weights) == expected_num_trainable_weights
    if expected_num_trainable_weights:
        assert loss_after < loss_before, (loss_before, loss_after)

    _check_round_trips(
        functional_model(layer_cls(**init_kwargs), symbolic, call_kwargs),
        inputs,
        dynamic_axes,
        tmp_path,
    )


def _check_round_trips(model, inputs, dynamic_axes, tmp_path):
    """Checks a `.keras` and a SavedModel round trip of a model never called.

    The model is saved before its first call, so a seeded random layer and
    its reloaded copy start from the same seed and draw the same numbers.
    """
    flat = flat_inputs(inputs)

    # .keras with no custom_objects: the registration done by `import zoo`.
    path = Path(tmp_path) / "layer.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(reloaded(flat)), keras.ops.convert_to_numpy(model(flat))
    )

    # SavedModel with every dynamic axis open, checked at two lengths. The
    # export and the model then call in step, each from the same state.
    if not TENSORFLOW:
        return
    import tensorflow as tf

    export_dir = Path(tmp_path) / "saved_model"
    signature = [
        tf.TensorSpec(
            [None if axis in dynamic_axes else size for axis, size in enumerate(x.shape)],
            tf.as_dtype(x.dtype),
            name=f"input_{i}",
        )
        for i, x in enumerate(flat)
    ]
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serve", lambda *xs: model(list(xs)), signature)
    archive.write_out(str(export_dir), verbose=False)
    served = tf.saved_model.load(str(export_dir))
    sequence_axes = [axis for axis in dynamic_axes if axis != 0]
    for shrink in (1, 0):  # a shorter length first, then the original one
        batch = [x[:1] for x in flat]  # a different batch size too
        for axis in sequence_axes:
            batch = [_crop(x, axis, x.shape[axis] - shrink) for x in batch]
        want = keras.ops.convert_to_numpy(model(batch))
        got = served.serve(*batch).numpy()
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)
