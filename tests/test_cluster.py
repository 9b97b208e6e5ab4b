"""Who trains, who exports: this process's place in a cluster, from TF_CONFIG."""

import doctest
import json

import pytest

import zoo.training.cluster
import zoo.training.errors
from zoo.training.cluster import EXAMPLE, this_worker
from zoo.training.errors import TrainingSetupError


def config(cluster, task_type, index):
    return {
        "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": task_type, "index": index}})
    }


def test_without_a_cluster_a_process_is_its_own_chief():
    for environ in ({}, {"TF_CONFIG": ""}, {"TF_CONFIG": '{"task": {}}'}):
        worker = this_worker(environ)
        assert (worker.is_chief, worker.count, worker.describe()) == (True, 1, "the only worker")


def test_worker_0_is_the_chief_unless_a_chief_is_named():
    workers = {"worker": ["a:1", "b:1", "c:1"]}
    assert [this_worker(config(workers, "worker", i)).is_chief for i in range(3)] == [
        True,
        False,
        False,
    ]
    named = {"chief": ["a:1"], "worker": ["b:1", "c:1"]}
    assert this_worker(config(named, "chief", 0)).is_chief
    assert [this_worker(config(named, "worker", i)).is_chief for i in range(2)] == [False, False]
    assert this_worker(config(named, "worker", 1)).describe() == "worker 1 of 3"


@pytest.mark.parametrize(
    "environ, message",
    [
        (
            {"TF_CONFIG": "{cluster"},
            "TF_CONFIG is not a JSON object (Expecting property name "
            "enclosed in double quotes: line 1 column 2 (char 1)).",
        ),
        (
            config({"worker": ["a:1"], "ps": ["b:1"]}, "worker", 0),
            "TF_CONFIG names ps tasks; `zoo train` runs MultiWorkerMirroredStrategy, whose "
            "cluster has only `chief` and `worker` tasks.",
        ),
        (
            config({"worker": ["a:1", "b:1"]}, "worker", 2),
            "TF_CONFIG's task {'type': 'worker', 'index': 2} is not one of its cluster's "
            "worker[2]: set task.type and task.index to this process's place.",
        ),
    ],
)
def test_a_bad_tf_config_is_named_with_a_valid_example(environ, message):
    with pytest.raises(TrainingSetupError) as caught:
        this_worker(environ)
    assert str(caught.value) == f"{message} Expected, for example: {EXAMPLE}"
    json.loads(EXAMPLE)  # the example itself is valid


@pytest.mark.parametrize("module", [zoo.training.cluster, zoo.training.errors])
def test_docstring_examples_print_what_they_show(module):
    result = doctest.testmod(module)
    assert result.attempted >= 1 and result.failed == 0
