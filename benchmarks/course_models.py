"""The certificate course's own models, built and trained as its notebooks did.

Each trainer fits the course's model on the task's training split, fed the
way the exam starter fed it, and saves it as the exam's `mymodel.h5`, which
`benchmarks/quality.py` grades exactly as a learner's file is graded.

- `sarcasm`: course 3, week 2 (the sarcasm notebook): Embedding(vocab, 16),
  GlobalAveragePooling1D, Dense(24, relu), one sigmoid unit, Adam, 30
  epochs, on the exam starter's word ids (`num_words=1000`, `<OOV>`,
  post-padded to 120).
- `sunspots`: course 4, week 4 (the sunspots notebook): Conv1D(64, 3,
  causal), two LSTM(64) returning sequences, Dense 30/10/1 and the
  notebook's `x * 400` (written as `Rescaling(400)`, since the exam's
  grader cannot load a Lambda), SGD(1e-5, momentum 0.9), Huber loss, 100
  epochs, batches of 32, on raw windows of 30 with the next value as the
  target of every step.
- `cats_vs_dogs`: course 2, week 1 (the cats-and-dogs notebook):
  Conv2D 16/32/64 with max pooling, Flatten, Dense(512, relu), one sigmoid
  unit, RMSprop(1e-3), 15 epochs, batches of 20, pixels scaled by 1/255
  outside the model.

Each keeps its last epoch's weights, as the notebooks did.

Example:
>>> sorted(TRAINERS)
['cats_vs_dogs', 'sarcasm', 'sunspots']
"""

import time


def train_sarcasm(task, splits, path, epochs=30):
    """Course 3 week 2's embedding-and-pooling classifier, on the starter's ids."""
    import keras

    x = task.exam.encode(splits, splits.train[0]).astype("float32")
    x_val = task.exam.encode(splits, splits.validation[0]).astype("float32")
    model = keras.Sequential(
        [
            keras.Input((task.exam.max_length,)),
            keras.layers.Embedding(task.exam.vocab_size, 16),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(24, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(
        x, splits.train[1], epochs=epochs, validation_data=(x_val, splits.validation[1]), verbose=0
    )
    model.save(path)


def train_sunspots(task, splits, path, epochs=100):
    """Course 4 week 4's Conv1D-and-LSTM forecaster, on raw windows."""
    import keras

    x, y = splits.train
    model = keras.Sequential(
        [
            keras.Input((x.shape[1], 1)),
            keras.layers.Conv1D(64, 3, strides=1, padding="causal", activation="relu"),
            keras.layers.LSTM(64, return_sequences=True),
            keras.layers.LSTM(64, return_sequences=True),
            keras.layers.Dense(30, activation="relu"),
            keras.layers.Dense(10, activation="relu"),
            keras.layers.Dense(1),
            keras.layers.Rescaling(400),
        ]
    )
    model.compile(
        loss=keras.losses.Huber(),
        optimizer=keras.optimizers.SGD(learning_rate=1e-5, momentum=0.9),
        metrics=["mae"],
    )
    # The notebook's labels are one value per window, against every step of
    # the model's output sequence.
    model.fit(x, y[:, :, None], epochs=epochs, batch_size=32, shuffle=True, verbose=0)
    model.save(path)


def train_cats_vs_dogs(task, splits, path, epochs=15):
    """Course 2 week 1's three convolution blocks and a 512-unit layer, on scaled pixels."""
    import keras

    def scaled(images):
        return images.astype("float32") / 255.0

    model = keras.Sequential(
        [
            keras.Input(task.input_shape),
            keras.layers.Conv2D(16, 3, activation="relu"),
            keras.layers.MaxPooling2D(2, 2),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(2, 2),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(2, 2),
            keras.layers.Flatten(),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(
        scaled(splits.train[0]),
        splits.train[1],
        epochs=epochs,
        batch_size=20,
        validation_data=(scaled(splits.validation[0]), splits.validation[1]),
        verbose=0,
    )
    model.save(path)


# Each trainer, and the grader's convention for what it feeds its model:
# the exam starter's word ids and scaled pixels, the raw series.
TRAINERS = {
    "sarcasm": (train_sarcasm, "exam"),
    "sunspots": (train_sunspots, "raw"),
    "cats_vs_dogs": (train_cats_vs_dogs, "exam"),
}


def train_course_model(task, data, seed, path, epochs=None):
    """Loads the task's data, trains the course's model seeded, saves it as `.h5`.

    Args:
        task: a `zoo.task.Task` with a course model in `TRAINERS`.
        data: the local data path.
        seed: int, seeds Python, NumPy and the backend.
        path: where the `.h5` goes.
        epochs: int, or None for the notebook's.

    Returns:
        `(splits, seconds)`: the task's `Splits` and the wall time of loading,
        building and training (as the reference's `train_seconds` counts).
    """
    import keras

    started = time.monotonic()
    keras.utils.set_random_seed(seed)
    splits = task.load(data)
    trainer, _ = TRAINERS[task.name]
    trainer(task, splits, path, **({} if epochs is None else {"epochs": epochs}))
    return splits, time.monotonic() - started
