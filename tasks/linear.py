"""Category 1: learn y = 2x − 1 from a handful of points, as the exam's first question did.

The model is a single `Dense(1)` on one number; it is scored on xs it never
saw, further out than the training points, where a wrong slope shows. No
public source shows the xs the exam's tester used; its starter asked that
`model.predict([10.0])` be close to the answer. So the held-out xs span the
training range −1…6 plus a margin of 4 on each side: 17 points from −5 to
10, none of them a training point.
"""

import math
import sys

import numpy as np

from zoo.task import BASIC_MODEL, Formula, Source, Splits, Task, mean_squared_error
from zoo.training.script import run_script


def target(xs):
    """The rule to learn: y = 2x − 1."""
    return 2.0 * xs - 1.0


def load(data=None):
    """Returns the generated `Splits`; `data` is ignored (nothing to download)."""

    def pairs(xs):
        xs = np.asarray(xs, dtype="float32").reshape(-1, 1)
        return xs, target(xs)

    return Splits(
        train=pairs([-1, 0, 1, 2, 3, 4, 5, 6]),
        validation=pairs([7, 8]),
        test=pairs(np.linspace(-5, 10, 17)),
        source="generated: y = 2x − 1",
    )


def build(splits):
    """The reference model: standardised x, then one `Dense(1)`.

    Standardising makes the loss surface round, so plain gradient descent
    finds the line in a few dozen steps instead of hundreds.
    """
    import keras

    xs = splits.train[0]
    model = keras.Sequential(
        [
            keras.Input((1,), name="x"),
            keras.layers.Normalization(mean=float(xs.mean()), variance=float(xs.var())),
            keras.layers.Dense(1),
        ],
        name="linear",
    )
    model.compile(optimizer=keras.optimizers.SGD(0.3), loss="mse")
    return model


TASK = Task(
    name="linear",
    category=BASIC_MODEL,
    summary="learn y = 2x − 1 from eight points",
    source=Source("generated", "xs −1…6, ys = 2x − 1"),
    load=load,
    build=build,
    input_shape=(1,),
    input_dtype="float32",
    output_shape=(1,),
    output_activation=None,
    metric="mse",
    measure=mean_squared_error,
    # One mark per decade of error above 1e-4, the courses' target.
    scoring=Formula(
        lambda mse: 5 - math.ceil(math.log10(max(mse, 1e-30) / 1e-4) - 1e-9),
        "5 − ceil(log10(MSE / 1e-4))",
        threshold=1e-4,
        higher_is_better=False,
    ),
    epochs=60,
    batch_size=8,
    patience=10,
    starter_hint="one Dense(1) may be all you need; train long enough",
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
