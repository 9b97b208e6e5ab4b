"""The zoo uses no private Keras API: no `keras.src`, no underscore attribute of another object.

Every source of the installed package (`zoo/` and `tasks/`, installed as
`zoo.tasks`) is parsed, and these count as private uses: importing
`keras.src` (also through `importlib.import_module` or the attribute
`keras.src`); reading or writing an attribute whose name starts with one
underscore (dunders are Python's) on anything but `self` or `cls`, directly
or by `getattr`/`setattr`/`hasattr`/`delattr` with the name as a string,
unless the zoo's own sources define that name; and, whatever the zoo
defines, the Keras privates it once used (`_symbolic_build`,
`_flatten_layers`, `_keras_mask`).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*ROOT.glob("zoo/**/*.py"), *ROOT.glob("tasks/*.py")])
ALWAYS_PRIVATE = {"_symbolic_build", "_flatten_layers", "_keras_mask"}
ATTRIBUTE_FUNCTIONS = {"getattr", "setattr", "hasattr", "delattr"}


def defined_names(trees):
    """The names the given sources define: functions, classes, assigned names and attributes."""
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for part in (p for target in targets for p in ast.walk(target)):
                    if isinstance(part, ast.Name):
                        names.add(part.id)
                    elif isinstance(part, ast.Attribute):
                        names.add(part.attr)
    return names


def private_uses(tree, own):
    """`(line, what)` for every private use in a parsed source (see the module's docstring).

    Args:
        tree: the `ast` of one source.
        own: the names the zoo's sources define.
    """

    def private(name, owner):
        if not name.startswith("_") or name.startswith("__"):
            return False
        if name in ALWAYS_PRIVATE:
            return True
        return not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")) and name not in own

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [
                (node.lineno, f"import {alias.name}")
                for alias in node.names
                if alias.name.startswith("keras.src")
            ]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("keras.src"):
            found.append((node.lineno, f"from {node.module} import ..."))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith("keras.src")
        ):
            found.append((node.lineno, repr(node.value)))
        elif isinstance(node, ast.Attribute):
            if node.attr == "src" and isinstance(node.value, ast.Name) and node.value.id == "keras":
                found.append((node.lineno, "keras.src"))
            elif private(node.attr, node.value):
                found.append((node.lineno, ast.unparse(node)))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ATTRIBUTE_FUNCTIONS
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and private(node.args[1].value, node.args[0])
        ):
            found.append((node.lineno, ast.unparse(node)))
    return sorted(found)


TREES = {path: ast.parse(path.read_text()) for path in SOURCES}
OWN = defined_names(TREES.values())


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_keras_api(path):
    assert private_uses(TREES[path], OWN) == []


USED_ONCE = """
import importlib
import keras.src.backend
from keras.src.saving import saving_lib

def f(model, inputs, layer):
    model._symbolic_build(data_batch=inputs)
    self.model._symbolic_build()
    mask = getattr(inputs, "_keras_mask", None)
    layers = model._flatten_layers()
    rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")
    tracker = layer._tracker
    setattr(layer, "_tracker", None)
    keras.src.ops.add(1, 2)
"""

ALLOWED = """
class Steps:
    def __init__(self, model):
        self._train = model
        self._own_helper(model)

    @classmethod
    def make(cls, other):
        name = other.__class__.__name__
        return cls._registry, other._train, getattr(other, "_train"), name
"""


def test_the_check_finds_each_kind_of_private_use_and_only_those():
    found = private_uses(ast.parse(USED_ONCE), own=defined_names([ast.parse(USED_ONCE)]))
    assert [line for line, _ in found] == [3, 4, 7, 8, 9, 10, 11, 12, 13, 14]
    assert [what for _, what in found][2:5] == [
        "model._symbolic_build",
        "self.model._symbolic_build",
        "getattr(inputs, '_keras_mask', None)",
    ]
    # `self`'s and `cls`'s own, and names the sources define (`_train` here).
    allowed = ast.parse(ALLOWED)
    assert private_uses(allowed, own=defined_names([allowed])) == []
    # A name the zoo defines is still private when the zoo once took it from Keras.
    assert private_uses(
        ast.parse("def _keras_mask(): pass\nx._keras_mask"), own={"_keras_mask"}
    ) == [(2, "x._keras_mask")]
