"""Who this process is in a multi-worker training run, read from `TF_CONFIG`.

`TF_CONFIG` is the JSON that `tf.distribute.MultiWorkerMirroredStrategy`
reads: the cluster's addresses and this process's place in it. The chief
(the task of type `"chief"`, or worker 0 when there is none) exports,
grades and reports; every other worker trains and leaves no files behind.
Without `TF_CONFIG` a process is a cluster of one, and its own chief.

Example:
>>> worker = this_worker({"TF_CONFIG": '{"cluster": {"worker": ["a:1", "b:2"]},'
...                                    ' "task": {"type": "worker", "index": 1}}'})
>>> worker.is_chief, worker.count, worker.describe()
(False, 2, 'worker 1 of 2')
"""

import dataclasses
import json
import os

from zoo.training.errors import TrainingSetupError

VARIABLE = "TF_CONFIG"
EXAMPLE = (
    '{"cluster": {"worker": ["host0:12345", "host1:12345"]}, '
    '"task": {"type": "worker", "index": 0}}'
)


@dataclasses.dataclass(frozen=True)
class Worker:
    """This process's place in a training cluster.

    Args:
        task_type: `"chief"` or `"worker"`; None outside a cluster.
        index: the task's index among the tasks of its type.
        count: how many processes train together (chief and workers).
        chief_named: whether the cluster has a task of type `"chief"` (if
            not, worker 0 is the chief).

    Example:
    >>> Worker(None, 0, 1).describe()
    'the only worker'
    """

    task_type: object
    index: int
    count: int
    chief_named: bool = False

    @property
    def is_chief(self):
        """Whether this process exports, grades and reports."""
        if self.task_type is None or self.task_type == "chief":
            return True
        return not self.chief_named and self.index == 0

    def describe(self):
        """Names this process, e.g. `"worker 1 of 2"`."""
        if self.task_type is None:
            return "the only worker"
        return f"{self.task_type} {self.index} of {self.count}"


def this_worker(environ=None):
    """Reads this process's place in the cluster from `TF_CONFIG`.

    Args:
        environ: mapping of environment variables; `os.environ` when None.

    Returns:
        A `Worker`.

    Raises:
        zoo.training.errors.TrainingSetupError: when `TF_CONFIG` is not
            JSON, names no task, or uses task types this training does not
            run (parameter servers, evaluators); the message shows a valid
            example.
    """
    text = (os.environ if environ is None else environ).get(VARIABLE, "").strip()
    if not text:
        return Worker(None, 0, 1)
    try:
        config = json.loads(text)
        cluster = config.get("cluster") or {}
        task = config.get("task") or {}
    except (ValueError, AttributeError) as error:
        raise TrainingSetupError(
            f"{VARIABLE} is not a JSON object ({error}). Expected, for example: {EXAMPLE}"
        ) from error
    if not cluster:
        return Worker(None, 0, 1)
    unknown = set(cluster) - {"chief", "worker"}
    if unknown:
        raise TrainingSetupError(
            f"{VARIABLE} names {', '.join(sorted(unknown))} tasks; `zoo train` runs "
            "MultiWorkerMirroredStrategy, whose cluster has only `chief` and `worker` "
            f"tasks. Expected, for example: {EXAMPLE}"
        )
    task_type, index = task.get("type"), task.get("index")
    if (
        task_type not in cluster
        or not isinstance(index, int)
        or not (0 <= index < len(cluster[task_type]))
    ):
        raise TrainingSetupError(
            f"{VARIABLE}'s task {task!r} is not one of its cluster's "
            f"{', '.join(f'{kind}[{len(hosts)}]' for kind, hosts in cluster.items())}: "
            f"set task.type and task.index to this process's place. Expected, for "
            f"example: {EXAMPLE}"
        )
    count = sum(len(hosts) for hosts in cluster.values())
    return Worker(task_type, index, count, chief_named="chief" in cluster)
