"""Reference solutions on real data: metric, threshold, score 0–5, training time.

Each `--data` file is matched to its task by name (`sarcasm.json` →
`sarcasm`, `Sunspots.csv` → `sunspots`), or given as `TASK=PATH`. Every
task is trained with its defaults, exported, and graded from its export on
its held-out split, exactly as `zoo train` does.

Usage:
    python benchmarks/quality.py --data ../shared/data/sarcasm.json \
        --data ../shared/data/Sunspots.csv
"""

import argparse
import sys
import tempfile


def task_for(item):
    """Returns `(task, path)` for `TASK=PATH` or a path named like a task's file."""
    from zoo.tasks import all_tasks, get_task

    name, separator, path = item.partition("=")
    if separator:
        return get_task(name), path
    file_name = item.rstrip("/").rsplit("/", 1)[-1]
    for task in all_tasks():
        if task.source.name == file_name:
            return task, item
    sys.exit(f"--data {item}: no task reads a file named {file_name}; "
             "write TASK=PATH.")


def main(argv=None):
    """Trains and grades each task; prints one line per task."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", action="append", required=True, metavar="[TASK=]PATH")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--models-dir", help="where the exports go (default: a "
                                             "temporary folder)")
    args = parser.parse_args(argv)

    from zoo.device import describe_device
    from zoo.training import train_task

    models_dir = args.models_dir or tempfile.mkdtemp(prefix="zoo-quality-")
    rows = []
    for item in args.data:
        task, path = task_for(item)
        result = train_task(task, data=path, seed=args.seed, models_dir=models_dir,
                            verbose=2)
        rows.append((task.name, task.metric, result.grade.value, task.scoring.describe(),
                     result.grade.score, result.card["train_seconds"],
                     result.card["epochs"]))
    print(f"\ndevice: {describe_device()}; exports under {models_dir}")
    print(f"{'task':<12} {'metric':<9} {'value':>9}  {'score':>5}  {'train s':>8}  "
          f"{'epochs':>6}  top marks")
    for name, metric, value, rule, score, seconds, epochs in rows:
        print(f"{name:<12} {metric:<9} {value:>9.4f}  {score:>3}/5  {seconds:>8.1f}  "
              f"{epochs:>6}  {rule}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
