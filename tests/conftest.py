"""Test-wide settings: quiet TensorFlow logs, seeded runs, default dtype policy, no network;
and the seeds of the tests of learning, with their bounds measured.

A test of learning (a loss that falls, a GAN that fits, an accuracy
reached) takes the `learning_seed` fixture and checks what it learned with
`bound`. The suite runs each on seed 0; `--learning-seeds 0,1,2,3,4` (`make
test-learning`) runs each on five, and the summary at the end lists, for
every bound, the worst value over the seeds and its margin. A bound holds on
those five seeds with the margin its test states, so that another CPU's
kernels, which shift a run the way another seed does, cannot flip it.
"""

import importlib.util
import inspect
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import pytest  # noqa: E402

# (test, what, value, at most, at least) for every bound checked in this run.
MEASURED = []


def pytest_addoption(parser):
    parser.addoption(
        "--learning-seeds",
        default="0",
        metavar="S,S,...",
        help="the seeds each test of learning runs with (default 0; "
        "`make test-learning` runs 0,1,2,3,4 and lists the margins)",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "learning: a test of learning, run on each seed of --learning-seeds"
    )
    config.addinivalue_line(
        "markers", "core: runs in the core install too (Keras and NumPy, on JAX: `pytest -m core`)"
    )
    config.addinivalue_line(
        "markers",
        "tensorflow: needs TensorFlow (a SavedModel, tf ops); skipped where it is not installed",
    )


def pytest_generate_tests(metafunc):
    if "learning_seed" in metafunc.fixturenames:
        seeds = [int(s) for s in metafunc.config.getoption("learning_seeds").split(",")]
        metafunc.parametrize(
            "learning_seed", seeds, ids=[f"seed{s}" for s in seeds], scope="module"
        )


def pytest_collection_modifyitems(items):
    tensorflow = importlib.util.find_spec("tensorflow") is not None
    for item in items:
        if "learning_seed" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.learning)
        if not tensorflow and item.get_closest_marker("tensorflow"):
            item.add_marker(
                pytest.mark.skip(reason="needs TensorFlow, which the core install does not have")
            )


@pytest.fixture
def bound(request):
    """Checks a learned quantity against its bound, and notes it for the summary.

    Call it as `bound("mean error", value, at_most=0.3)` or with `at_least=`.
    """
    test = request.node.nodeid.split("[")[0]
    seed = (
        request.node.callspec.params.get("learning_seed")
        if hasattr(request.node, "callspec")
        else None
    )

    def check(what, value, at_most=None, at_least=None):
        value = float(value)
        # Through the test's report, which pytest-xdist's workers send back.
        request.node.user_properties.append(("bound", (test, what, seed, value, at_most, at_least)))
        if at_most is not None:
            assert value <= at_most, f"{what} {value:.4g} is above its bound {at_most:g}"
        if at_least is not None:
            assert value >= at_least, f"{what} {value:.4g} is below its bound {at_least:g}"

    return check


def pytest_runtest_logreport(report):
    if report.when == "call":
        MEASURED.extend(value for name, value in report.user_properties if name == "bound")


def pytest_terminal_summary(terminalreporter, config):
    if not MEASURED:
        return
    worst = {}
    for test, what, seed, value, at_most, at_least in MEASURED:
        key = (test, what, at_most, at_least)
        seen = worst.setdefault(key, {})
        seen[seed] = value
    terminalreporter.section("bounds of the tests of learning")
    for (test, what, at_most, at_least), values in worst.items():
        if at_most is not None:
            value, limit, margin = max(values.values()), at_most, at_most - max(values.values())
        else:
            value, limit, margin = min(values.values()), at_least, min(values.values()) - at_least
        side = "≤" if at_most is not None else "≥"
        relative = f" ({margin / abs(limit):.0%} of the bound)" if limit else ""
        each = ", ".join(f"{v:.4g}" for _, v in sorted(values.items(), key=str))
        terminalreporter.write_line(
            f"{test}: {what} {side} {limit:g}; worst of {len(values)} seed(s) {value:.4g}, "
            f"margin {margin:.4g}{relative} [{each}]"
        )


def _show_keras_mutmut_signatures():
    """Gives each constructor mutmut wrapped the signature of the one it wraps.

    mutmut 3 replaces every mutated function by a wrapper taking `(*args,
    **kwargs)` (`functools.wraps` sets only `__wrapped__`), and Keras reads a
    layer's constructor arguments with `inspect.getfullargspec`, which honours
    `__signature__` but not `__wrapped__`: without this, every layer built
    under `make mutants` fails before its mutant runs. Only `__init__`: other
    methods are read with `inspect.signature`, which follows `__wrapped__`,
    and Keras copies a `build`'s `__dict__` (with its `__signature__`, `self`
    included) into the wrapper it makes of it.
    """
    for name, module in list(sys.modules.items()):
        if name != "zoo" and not name.startswith("zoo."):
            continue
        for value in list(vars(module).values()):
            init = vars(value).get("__init__") if isinstance(value, type) else None
            if getattr(getattr(init, "__code__", None), "co_name", "") == "_trampoline_wrapper":
                init.__signature__ = inspect.signature(init.__wrapped__)


def pytest_runtest_setup(item):
    if "mutmut" in sys.modules:
        _show_keras_mutmut_signatures()


@pytest.fixture(autouse=True)
def _seeded_float32():
    """Seeds every test and restores the float32 policy after it."""
    keras.utils.set_random_seed(1234)
    yield
    keras.config.set_dtype_policy("float32")


@pytest.fixture(autouse=True, scope="session")
def _no_network():
    """Tests never download: `requests`, what tfds downloads with, refuses at once.

    The core install has neither tfds nor `requests`: nothing there downloads.
    """
    if importlib.util.find_spec("requests") is None:
        yield
        return
    from tfds_downloads import no_network

    with no_network():
        yield
