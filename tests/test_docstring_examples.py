"""The `Example:` blocks of the zoo's layers and models run, and print what they show.

Examples assume `import keras`, `import numpy as np` and `import zoo`, and
print shapes as tuples, so they read the same on every backend. All of them
run on the suite's backend (those of TensorFlow's own step only there); the
layers' examples also run on JAX in a fresh process (the models' would add
about 45 s of JAX's per-op compilation on 2 cores; the models' JAX inference
is tested in test_models_on_jax.py).
"""

import doctest
import importlib
import io
import os
import pkgutil
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

import zoo
import zoo.layers
import zoo.models

# The layer and model tests run in the core install too (Keras and NumPy, JAX).
pytestmark = pytest.mark.core

PACKAGES = ("zoo.layers", "zoo.models")
# Modules whose examples call one backend's own step.
TENSORFLOW_EXAMPLES = {"zoo.models.dcgan_steps"}


def example_modules(packages=PACKAGES):
    """Names of the modules of `packages`, the packages included."""
    names = []
    for package_name in packages:
        package = importlib.import_module(package_name)
        names.append(package_name)
        names += [f"{package_name}.{info.name}" for info in pkgutil.iter_modules(package.__path__)]
    return names


def run_examples(module_name):
    """Runs the docstring examples of one module.

    Returns:
        `(attempted, report)`: the number of examples run, and doctest's
        report of the failures ("" when every example printed what it shows).
    """
    module = importlib.import_module(module_name)
    globs = {"keras": keras, "np": np, "zoo": zoo}
    runner = doctest.DocTestRunner(verbose=False)
    report = io.StringIO()
    for test in doctest.DocTestFinder().find(module, globs=globs):
        runner.run(test, out=report.write)
    return runner.summarize(verbose=False).attempted, report.getvalue()


@pytest.mark.parametrize("module_name", example_modules())
def test_examples_print_what_they_show(module_name):
    if module_name in TENSORFLOW_EXAMPLES and keras.backend.backend() != "tensorflow":
        pytest.skip(f"{module_name}'s examples run TensorFlow's step")
    _, report = run_examples(module_name)
    assert report == "", report


@pytest.mark.parametrize("package", [zoo.layers, zoo.models])
def test_every_public_class_has_an_example_that_prints(package):
    for name in package.__all__:
        cls = getattr(package, name)
        assert "\n    Example:\n" in cls.__doc__, f"{name} has no Example: block"
        examples = doctest.DocTestParser().get_examples(cls.__doc__)
        assert any(example.want for example in examples), (
            f"{name}'s example shows no output to check"
        )
        assert any(
            f"zoo.{package.__name__.split('.')[-1]}.{name}" in example.source
            for example in examples
        ), f"{name}'s example skips the import path"


@pytest.mark.slow
def test_layer_examples_print_the_same_on_jax():
    # A fresh interpreter: the backend is chosen once, at Keras's import.
    code = f"""
        import sys
        sys.path.insert(0, {os.path.dirname(__file__)!r})
        import keras
        from test_docstring_examples import example_modules, run_examples
        attempted = 0
        for name in example_modules(["zoo.layers"]):
            count, report = run_examples(name)
            attempted += count
            print(report, end="")
        print(keras.backend.backend(), attempted)
    """
    env = {"KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    on_tensorflow = sum(run_examples(name)[0] for name in example_modules(["zoo.layers"]))
    assert result.stdout == f"jax {on_tensorflow}\n", result.stdout[-3000:]
