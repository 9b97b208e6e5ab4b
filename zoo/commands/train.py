"""`zoo train TASK`: train the reference solution, export it, grade the export."""

from zoo.commands import load_task
from zoo.training.script import add_training_arguments, run_training

EXAMPLES = """examples:
  zoo train linear
  zoo train sunspots --data Sunspots.csv --epochs 50
  zoo train sarcasm --data sarcasm.json --batch-size 128 --seed 1
  zoo train mnist --resume --mixed-precision   # continue a killed run; bfloat16 on a CPU
  zoo train cats_vs_dogs --data cats_and_dogs_filtered --backbone mobilenet_v2 --fine-tune 30
  zoo train horses_or_humans --backbone inception_v3 --weights inception_v3_notop.h5  # offline
  python tasks/sarcasm.py --data sarcasm.json   # the same, with the task file as a script
"""


def add_arguments(parser):
    """Adds the command's options."""
    parser.epilog = EXAMPLES
    parser.add_argument("task", help="task name (see `zoo tasks`)")
    add_training_arguments(parser)


def run(args):
    """Trains, exports, grades and reports; returns the exit code."""
    import sys

    from zoo.tasks import all_tasks
    from zoo.training.pretrained import accepts_backbone, backbone_error

    task = load_task(args.task)
    if task is None:
        return 2
    if args.backbone is not None and not accepts_backbone(task):
        accepting = [t.name for t in all_tasks() if accepts_backbone(t)]
        print(backbone_error(task, accepting), file=sys.stderr)
        return 2
    return run_training(task, args)
