"""Transfer learning for the image tasks: a pretrained backbone, frozen, then fine-tuned.

The model is the zoo's `CAMClassifier` on a `zoo.training.pretrained.backbone`, so
its predictions still come with class activation maps (the head's map of
the backbone's last feature map) and its export still has the `cam`
signature. Training follows Keras' transfer-learning guide in two phases:

1. frozen: the application's weights stay as loaded; only the head learns;
2. fine-tuning (`fine_tune` > 0): the application's top `fine_tune` layers
   are unfrozen, batch normalisation excepted, and the model is compiled
   again at a tenth of the learning rate and trained again.

Example:
>>> transfer = Transfer("mobilenet_v2", weights=None, fine_tune=5)
>>> transfer.facts()
{'backbone': 'mobilenet_v2', 'weights': 'none', 'fine_tune': 5}
"""

import dataclasses
from typing import Any

from zoo.task import classifier_output
from zoo.training import pretrained

HEAD_LEARNING_RATE = 1e-3
FINE_TUNE_RATE_FACTOR = 0.1


@dataclasses.dataclass(frozen=True)
class Transfer:
    """How a task trains on a pretrained backbone (`--backbone`, `--weights`, `--fine-tune`).

    Args:
        backbone: a name in `zoo.training.pretrained.BACKBONES`.
        weights: `"imagenet"`, a path to a weights file, or None (random).
        fine_tune: int, the application's top layers unfrozen after the
            frozen phase; 0 for no fine-tuning.

    Example:
    >>> Transfer("inception_v3", weights="/tmp/w.h5").facts()["weights"]
    'file /tmp/w.h5'
    """

    backbone: str
    weights: Any | None = pretrained.IMAGENET
    fine_tune: int = 0

    def __post_init__(self):
        pretrained.check_name(self.backbone)
        if self.fine_tune < 0:
            raise ValueError(
                f"--fine-tune {self.fine_tune}: the number of layers must be 0 or more."
            )

    def facts(self):
        """The settings for the card: backbone, weights (imagenet, file PATH, none), fine_tune."""
        if self.weights is None:
            weights = "none"
        elif self.weights == pretrained.IMAGENET:
            weights = pretrained.IMAGENET
        else:
            weights = f"file {self.weights}"
        return {"backbone": self.backbone, "weights": weights, "fine_tune": self.fine_tune}

    def describe(self):
        """The settings in words, e.g. for the line printed after the grade."""
        tuned = (
            f"then its top {self.fine_tune} layers fine-tuned"
            if self.fine_tune
            else "frozen, not fine-tuned"
        )
        return (
            f"backbone {self.backbone} (keras.applications), weights "
            f"{pretrained.describe_weights(self.weights)}; {tuned}"
        )


def training_spec(task):
    """The task as transfer training sees it: plain fitting, early stopping on validation accuracy.

    A reference's own training loop and schedule (`task.fit`, or a task that
    keeps its last epoch) are made for that reference; a pretrained
    backbone's head trains with `fit` and stops early on `val_accuracy`,
    restoring its best epoch, in each phase.

    Args:
        task: an image `zoo.task.Task`.

    Returns:
        A copy of the task with `fit=None` and `monitor="val_accuracy"`.
    """
    return dataclasses.replace(task, fit=None, monitor="val_accuracy")


def build_transfer_model(task, transfer, learning_rate=HEAD_LEARNING_RATE):
    """A compiled `CAMClassifier` on a frozen pretrained backbone, for an image task.

    Args:
        task: a `zoo.task.Task` that `zoo.training.pretrained.accepts_backbone`.
        transfer: a `Transfer`.
        learning_rate: Adam's learning rate for the head.

    Returns:
        The compiled model; `zoo.training.pretrained.application_of(model)` is frozen.

    Raises:
        ValueError: for a task that does not classify colour images.
    """
    import keras

    from zoo.models import CAMClassifier

    if not pretrained.accepts_backbone(task):
        raise ValueError(f"{task.name} does not classify colour images, so it takes no --backbone.")
    backbone = pretrained.backbone(transfer.backbone, task.input_shape, transfer.weights)
    pretrained.application_of(backbone).trainable = False
    units = task.output_shape[0]
    model = CAMClassifier(backbone, units, activation=task.output_activation)
    loss = classifier_output(units)[1]
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=["accuracy"])
    return model


def start_fine_tuning(model, count):
    """Unfreezes the top `count` layers of the model's application and compiles it again.

    The optimizer is a fresh one of the same kind, at a tenth of the
    learning rate the frozen phase used; loss and metrics stay.

    Args:
        model: a compiled model from `build_transfer_model`.
        count: int, the layers to unfreeze (batch normalisation stays frozen).

    Returns:
        The new learning rate.
    """
    import keras

    pretrained.unfreeze_top(pretrained.application_of(model), count)
    config = model.get_compile_config()
    optimizer = model.optimizer
    rate = float(keras.ops.convert_to_numpy(optimizer.learning_rate)) * FINE_TUNE_RATE_FACTOR
    config["optimizer"] = keras.optimizers.serialize(
        type(optimizer).from_config({**optimizer.get_config(), "learning_rate": rate})
    )
    model.compile_from_config(config)
    return rate
