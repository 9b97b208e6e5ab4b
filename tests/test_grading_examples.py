"""The `Example:` blocks of the grader's modules run and print what they show.

Whole modules where every example runs offline; single functions where a
module's own example names files a reader would have (a SavedModel, a
downloaded dataset).
"""

import doctest
import importlib
import io

import pytest

MODULES = (
    "zoo.grading.tokenizer",
    "zoo.grading.confidence",
    "zoo.grading.conventions",
    "zoo.task",
    "zoo.tasks._series",
    "zoo.tasks._text",
    "zoo.tasks._images",
    "zoo.tasks.bbc_news",
)
FUNCTIONS = (
    "zoo.grading.grade.next_marks",
    "zoo.report.scoreboard.confidence_cells",
    "zoo.data.file_format",
)


def run(tests):
    runner = doctest.DocTestRunner(verbose=False)
    report = io.StringIO()
    for test in tests:
        runner.run(test, out=report.write)
    return runner.summarize(verbose=False).attempted, report.getvalue()


@pytest.mark.parametrize("module_name", MODULES)
def test_module_examples_print_what_they_show(module_name):
    module = importlib.import_module(module_name)
    attempted, report = run(doctest.DocTestFinder().find(module))
    assert report == "", report
    assert attempted > 0


@pytest.mark.parametrize("path", FUNCTIONS)
def test_function_examples_print_what_they_show(path):
    module_name, name = path.rsplit(".", 1)
    module = importlib.import_module(module_name)
    tests = doctest.DocTestFinder().find(getattr(module, name), name, globs=vars(module).copy())
    attempted, report = run(tests)
    assert report == "", report
    assert attempted > 0
