"""Category 2: iris species from four measurements (tfds `iris`), 4 floats → 3 softmax.

tfds has one split of 150 flowers: 70% train, 10% validate, the last 20% are
held out for grading.
"""

import sys

from zoo.data import tfds_splits
from zoo.task import LEARNING_DATASET, Source, Steps, Task, accuracy
from zoo.training.script import run_script


def load(data=None):
    """Returns the `Splits` (70/10/20 of tfds' only split)."""
    return tfds_splits(
        "iris", data, train="train[:70%]", validation="train[70%:80%]", test="train[80%:]"
    )


def build(splits):
    """The reference model: standardised features, one hidden layer, softmax."""
    import keras

    normalize = keras.layers.Normalization()
    normalize.adapt(splits.train[0])
    model = keras.Sequential(
        [
            keras.Input((4,), name="features"),
            normalize,
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(3, activation="softmax"),
        ],
        name="iris",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


TASK = Task(
    name="iris",
    category=LEARNING_DATASET,
    summary="tell three iris species apart from four measurements",
    source=Source("tfds", "iris"),
    load=load,
    build=build,
    input_shape=(4,),
    input_dtype="float32",
    output_shape=(3,),
    output_activation="softmax",
    metric="accuracy",
    measure=accuracy,
    scoring=Steps(threshold=0.93, step=0.03),
    epochs=100,
    batch_size=16,
    monitor="val_loss",
    patience=15,
    class_names=("setosa", "versicolor", "virginica"),
    starter_hint="a Normalization layer adapted on train_x and a Dense layer or two",
)


if __name__ == "__main__":
    sys.exit(run_script(TASK))
