"""Each wing imports only what its install brings.

The suite runs with every extra installed, so a module that the exam's code
imports but only the serve extra brings passes every other test and fails on
a user's `pip install 'keras-cert-zoo[exam]'` (the export's warm-up requests
once did: `make run` graded nothing). This test reads the imports of every
source file, and checks each third-party module against the distributions
its install brings: the extra's requirements and everything they require in
turn, as the installed packages' metadata declares them.
"""

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
# Keras runs on the backend the user installs; the core declares none of them.
BACKENDS = {"jax", "tensorflow", "torch"}


def _normal(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _wing(path):
    """The install a source file belongs to: core, exam or serve."""
    parts = path.relative_to(ROOT).parts
    if parts[:2] in (("zoo", "layers"), ("zoo", "models")):
        return "core"
    if parts[:2] == ("zoo", "serving"):
        return "serve"
    return "exam"


def _imported_modules(path):
    """Top-level names of the modules a file imports, local imports included."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return {name for name in names if name not in sys.stdlib_module_names and name != "zoo"}


def _applies(requirement, extra=""):
    return requirement.marker is None or requirement.marker.evaluate({"extra": extra})


def _brought(requirements):
    """The distributions installing `requirements` brings, their requirements included."""
    seen, pending = set(), list(requirements)
    while pending:
        name = _normal(pending.pop().name)
        if name in seen:
            continue
        seen.add(name)
        pending += [
            requirement
            for requirement in map(Requirement, importlib.metadata.requires(name) or [])
            if _applies(requirement)
        ]
    return seen


def _install(extra):
    """What `pip install 'keras-cert-zoo[extra]'` brings ("core": no extra)."""
    requirements = map(Requirement, importlib.metadata.requires("keras-cert-zoo"))
    return _brought(r for r in requirements if _applies(r, "" if extra == "core" else extra))


SOURCES = sorted([*(ROOT / "zoo").rglob("*.py"), *(ROOT / "tasks").rglob("*.py")])


@pytest.mark.parametrize("wing", ["core", "exam", "serve"])
def test_every_module_a_wing_imports_comes_with_its_install(wing):
    distributions = importlib.metadata.packages_distributions()
    brought = _install(wing)
    missing = {}
    for path in (path for path in SOURCES if _wing(path) == wing):
        for module in _imported_modules(path) - BACKENDS:
            owners = {_normal(name) for name in distributions.get(module, [module])}
            if not owners & brought:
                missing.setdefault(module, []).append(str(path.relative_to(ROOT)))
    assert missing == {}, (
        f"the {wing} install lacks what these files import: {missing}; "
        "declare the distribution in that extra in pyproject.toml"
    )


def test_the_check_finds_a_module_an_install_lacks():
    # The serve extra's protos are not part of the core install.
    assert "tensorflow-serving-api" in _install("serve")
    assert "tensorflow-serving-api" not in _install("core")
