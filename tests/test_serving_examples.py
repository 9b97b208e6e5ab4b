"""The `Example:` blocks of the server's modules run and print what they show.

Every module whose examples run offline and start nothing: `servable` and
`server` show a SavedModel being loaded and a server being started, which
the serving tests do with real files and ports.
"""

import doctest
import importlib
import io

import numpy as np
import pytest

MODULES = (
    "zoo.serving.deadline",
    "zoo.serving.dtypes",
    "zoo.serving.errors",
    "zoo.serving.executors",
    "zoo.serving.json_decode",
    "zoo.serving.json_encode",
    "zoo.serving.json_text",
    "zoo.serving.memory",
    "zoo.serving.metrics",
    "zoo.serving.number_text",
    "zoo.serving.numeric_json",
    "zoo.serving.registry",
    "zoo.serving.search",
)


@pytest.mark.parametrize("module_name", MODULES)
def test_module_examples_print_what_they_show(module_name):
    module = importlib.import_module(module_name)
    runner = doctest.DocTestRunner(verbose=False)
    report = io.StringIO()
    for test in doctest.DocTestFinder().find(module, extraglobs={"np": np}):
        runner.run(test, out=report.write)
    results = runner.summarize(verbose=False)
    assert results.attempted > 0, f"{module_name} has no example"
    assert results.failed == 0, report.getvalue()
