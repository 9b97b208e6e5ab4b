"""The certificate course's own models, built and trained as its notebooks did.

Each trainer builds the model of one notebook of the TensorFlow
certificate course (the `tensorflow-1-public` labs of DeepLearning.AI's
"TensorFlow Developer" specialisation), feeds it the task's data the way
the exam starter fed it (`Task.exam`: the starter's Tokenizer and padding,
its normalised series, pixels scaled by 1/255 outside the model), and
trains it on everything but the held-out split for the notebook's epochs,
keeping the last epoch's weights as the notebooks did. Their
`validation_data` was only watched, so none is passed here.
`benchmarks/quality.py` saves the result as the exam's `mymodel.h5` and
grades it exactly as a learner's file is graded.

| task | notebook | epochs |
|---|---|---|
| `sarcasm` | course 3 week 2, `C3_W2_Lab_2_sarcasm_classifier` | 30 |
| `bbc_news` | course 3 week 2, the BBC news exercise | 30 |
| `sunspots` | course 4 week 4, `C4_W4_Lab_3_Sunspots_CNN_RNN_DNN` | 100 |
| `daily_min_temperatures` | the same course 4 week 4 model on its 64-day windows | 100 |
| `cats_vs_dogs` | course 2 week 2, `C2_W2_Lab_1_cats_v_dogs_augmentation` | 20 |

Example:
>>> sorted(NOTEBOOKS)
['bbc_news', 'cats_vs_dogs', 'daily_min_temperatures', 'sarcasm', 'sunspots']
"""

import time

import numpy as np

# The notebook's SGD learning rate (8e-7) came from its own sweep
# (1e-8 · 10^(epoch/20)) on raw sunspot numbers behind a `x * 400` Lambda.
# The exam starter normalises the series to [0, 1] and its grader loads no
# Lambda layers, which shrinks the Huber loss's gradients about 10^4-fold.
# The same sweep on the normalised sunspots (1e-4 · 10^(epoch/20), 80
# epochs, seed 0) falls until about 1.4e-2 and is flat beyond; this is the
# round rate just below that point.
NORMALISED_SERIES_LEARNING_RATE = 1e-2


def train_text_classifier(task, splits, epochs=30):
    """Course 3 week 2's embedding-and-pooling classifier on the starter's word ids.

    `C3_W2_Lab_2_sarcasm_classifier` and the week's BBC news exercise
    build the same model: Embedding(vocab, 16), GlobalAveragePooling1D,
    Dense(24, relu), then one sigmoid unit (sarcasm) or a softmax over the
    labels (BBC news, 6 units for labels 1..5), Adam, 30 epochs at
    Keras' default batch of 32. The ids are the exam starter's
    (`task.exam`: `num_words=1000`, `<OOV>`, post-padded to 120; BBC news
    without its stop words).

    Args:
        task: a text `zoo.task.Task` with an exam `TextStarter`.
        splits: its `Splits`.
        epochs: the notebook's 30 by default.

    Returns:
        The trained Keras model, taking `(max_length,)` word ids.
    """
    import keras

    texts = np.concatenate([splits.train[0], splits.validation[0]])
    labels = np.concatenate([splits.train[1], splits.validation[1]])
    binary = task.output_activation == "sigmoid"
    model = keras.Sequential([
        keras.Input((task.exam.max_length,)),
        keras.layers.Embedding(task.exam.vocab_size, 16),
        keras.layers.GlobalAveragePooling1D(),
        keras.layers.Dense(24, activation="relu"),
        keras.layers.Dense(task.output_shape[0], activation=task.output_activation),
    ])
    model.compile(loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
                  optimizer="adam", metrics=["accuracy"])
    model.fit(task.exam.encode(splits, texts), labels, epochs=epochs, verbose=0)
    return model


def train_forecaster(task, splits, epochs=100):
    """Course 4 week 4's convolution, LSTMs and dense layers on the normalised series.

    `C4_W4_Lab_3_Sunspots_CNN_RNN_DNN`: Conv1D(64, 3, causal, relu),
    LSTM(64) returning sequences, LSTM(64), Dense 30 and 10 (relu),
    Dense(1); Huber loss, SGD with momentum 0.9, 100 epochs, batches of
    32, shuffled windows whose label is the value after each. The
    notebook's closing `Lambda(x * 400)` is left out: the exam starter
    normalises the series (`series -= min; series /= max`) and its grader
    loads no Lambda layers; the learning rate is the notebook's sweep's
    choice on that scale (`NORMALISED_SERIES_LEARNING_RATE`). Every window
    before the held-out values trains, as the notebook's `x_train` did.

    Args:
        task: a series `zoo.task.Task` with an exam `SeriesForecast`.
        splits: its `Splits`.
        epochs: the notebook's 100 by default.

    Returns:
        The trained Keras model, taking `(window, 1)` normalised values.
    """
    import keras

    from zoo.data import windows

    series, split = splits.extras["series"], splits.extras["split"]
    window = task.exam.window
    low, high = task.exam.scale(series)
    x, y = windows((np.asarray(series, "float64") - low) / high, window, window, split)
    model = keras.Sequential([
        keras.Input((window, 1)),
        keras.layers.Conv1D(64, 3, strides=1, padding="causal", activation="relu"),
        keras.layers.LSTM(64, return_sequences=True),
        keras.layers.LSTM(64),
        keras.layers.Dense(30, activation="relu"),
        keras.layers.Dense(10, activation="relu"),
        keras.layers.Dense(1),
    ])
    model.compile(loss=keras.losses.Huber(), metrics=["mae"],
                  optimizer=keras.optimizers.SGD(NORMALISED_SERIES_LEARNING_RATE,
                                                 momentum=0.9))
    model.fit(x, y, epochs=epochs, batch_size=32, shuffle=True, verbose=0)
    return model


def augmentation():
    """The notebook's `ImageDataGenerator` augmentation as Keras preprocessing layers.

    `rotation_range=40` (degrees), `width_shift_range` and
    `height_shift_range` 0.2, `zoom_range=0.2` (each axis on its own),
    `horizontal_flip=True`, `fill_mode='nearest'`. Its `shear_range=0.2`
    is 0.2 degrees in `ImageDataGenerator`, too small to change a pixel,
    so it is left out.

    Returns:
        A `keras.Sequential` that is random in training only.
    """
    import keras

    layers = keras.layers
    return keras.Sequential([
        layers.RandomRotation(40 / 360, fill_mode="nearest"),
        layers.RandomTranslation(0.2, 0.2, fill_mode="nearest"),
        layers.RandomZoom(0.2, 0.2, fill_mode="nearest"),
        layers.RandomFlip("horizontal"),
    ], name="augmentation")


def train_image_classifier(task, splits, epochs=20):
    """Course 2 week 2's four-convolution classifier, trained on augmented pictures.

    `C2_W2_Lab_1_cats_v_dogs_augmentation`: Conv2D 32, 64, 128, 128 (3×3,
    relu), each followed by 2×2 max pooling, Flatten, Dense(512, relu), one
    sigmoid unit; RMSprop(1e-4), binary cross-entropy, 20 epochs, batches
    of 20, pixels scaled by 1/255 and augmented outside the model (see
    `augmentation`). The scaling and augmentation run in front of the model
    while it trains; the model returned takes scaled pixels, as the exam
    starter's did.

    Args:
        task: an image `zoo.task.Task` with one sigmoid unit.
        splits: its `Splits`, uint8 pixels.
        epochs: the notebook's 20 by default.

    Returns:
        The trained Keras model, taking pixels scaled to [0, 1].
    """
    import keras

    layers = keras.layers
    images = np.concatenate([splits.train[0], splits.validation[0]])
    labels = np.concatenate([splits.train[1], splits.validation[1]])
    blocks = [keras.Input(task.input_shape)]
    for filters in (32, 64, 128, 128):
        blocks += [layers.Conv2D(filters, 3, activation="relu"), layers.MaxPooling2D(2, 2)]
    model = keras.Sequential([*blocks, layers.Flatten(), layers.Dense(512, activation="relu"),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", metrics=["accuracy"],
                  optimizer=keras.optimizers.RMSprop(learning_rate=1e-4))
    # ImageDataGenerator(rescale=1./255, ...) in front of the model it trains.
    trainer = keras.Sequential([keras.Input(task.input_shape), layers.Rescaling(1 / 255),
                                augmentation(), model])
    trainer.compile(loss="binary_crossentropy", metrics=["accuracy"],
                    optimizer=keras.optimizers.RMSprop(learning_rate=1e-4))
    trainer.fit(images, labels, epochs=epochs, batch_size=20, shuffle=True, verbose=0)
    return model


# The notebook model of every task that has one.
NOTEBOOKS = {"sarcasm": train_text_classifier, "bbc_news": train_text_classifier,
             "sunspots": train_forecaster, "daily_min_temperatures": train_forecaster,
             "cats_vs_dogs": train_image_classifier}


def train_course_model(task, data, seed, path, epochs=None):
    """Loads the task's data, trains its notebook model seeded, saves it as the exam's `.h5`.

    Args:
        task: a `zoo.task.Task` in `NOTEBOOKS`.
        data: the local data path.
        seed: int; seeds Python, NumPy and the backend
            (`keras.utils.set_random_seed`), as the reference's training does.
        path: where the `.h5` goes.
        epochs: int, or None for the notebook's.

    Returns:
        `(splits, seconds)`: the task's `Splits` and the wall time of
        loading the data, building and training, which is what the
        reference's `train_seconds` counts (saving is left out of both).
    """
    import keras

    started = time.monotonic()
    keras.utils.set_random_seed(seed)
    splits = task.load(data)
    train = NOTEBOOKS[task.name]
    model = train(task, splits, **({} if epochs is None else {"epochs": epochs}))
    seconds = time.monotonic() - started
    model.save(path)
    return splits, seconds
