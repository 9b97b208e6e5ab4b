"""`zoo lab transfer`: cats and dogs from scratch, on a frozen pretrained backbone, fine-tuned.

Three ways to learn the same few cat and dog photos, each seeded:

1. from scratch: a small convolutional network, all of it trained;
2. frozen backbone: `keras.applications.MobileNetV2` without its top, its
   weights frozen, with a new sigmoid head trained on its pooled features;
3. fine-tuning: that model again, its backbone's top layers unfrozen and
   trained further at a hundredth of the learning rate (its batch
   normalisation layers kept in inference mode).

The backbone's weights come from ImageNet through `keras.applications`
(downloaded once into `~/.keras/models`), from a local weights file
(`--weights PATH`, the "no top" file for the same width and image size), or
from nowhere (`--weights none`): random weights, which show the mechanics
but not the lesson. The page says which.

Example:
>>> scratch_model(96).output_shape
(None, 1)
"""

from pathlib import Path

import numpy as np

from zoo.lab.page import Figure, run_setup, write_page
from zoo.training.pretrained import (
    IMAGENET,
    application,
    describe_weights,
    preprocessing,
    unfreeze_top,
)

CLASS_FOLDERS = ("cats", "dogs")
FINE_TUNED_LAYERS = 20  # the backbone's last layers that fine-tuning unfreezes
QUICK = {
    "size": 96,
    "alpha": 0.35,
    "train": 100,
    "validation": 50,
    "epochs": 5,
    "fine_tune_epochs": 3,
}
FULL = {
    "size": 160,
    "alpha": 1.0,
    "train": 500,
    "validation": 200,
    "epochs": 10,
    "fine_tune_epochs": 5,
}


def read_subset(folder, per_class, size):
    """Reads the first `per_class` images (by file name) of `folder/cats` and `folder/dogs`.

    Args:
        folder: a folder holding `cats/` and `dogs/`.
        per_class: int, images to read from each.
        size: int, the side the images are resized to.

    Returns:
        `(images, labels)`: float32 `(n, size, size, 3)` pixels in [0, 255]
        and int32 labels (0 cat, 1 dog), the classes interleaved.

    Raises:
        FileNotFoundError: when a class folder is missing or empty.
    """
    import keras

    images, labels = [], []
    for label, name in enumerate(CLASS_FOLDERS):
        files = sorted(
            p
            for p in (Path(folder) / name).glob("*")
            if p.suffix.lower() in (".jpg", ".jpeg", ".png")
        )
        if not files:
            raise FileNotFoundError(
                f"no images in {Path(folder) / name}: --data must be a folder in the layout "
                "of cats_and_dogs_filtered.zip, with train/{cats,dogs} and "
                "validation/{cats,dogs} inside."
            )
        for path in files[:per_class]:
            image = keras.utils.load_img(path, target_size=(size, size))
            images.append(keras.utils.img_to_array(image))
            labels.append(label)
    order = np.argsort(np.arange(len(labels)) % per_class, kind="stable")
    return np.stack(images)[order].astype("float32"), np.array(labels, "int32")[order]


def find_data(data=None):
    """Returns the folder holding `train/` and `validation/`: `data`, or the course's zip.

    Args:
        data: optional path (`--data`): the extracted `cats_and_dogs_filtered`
            folder, or a folder in its layout.

    Returns:
        A `Path`.
    """
    from zoo.data import fetch_file
    from zoo.tasks.cats_vs_dogs import SOURCE

    return fetch_file(SOURCE, data)


def backbone(weights, size, alpha):
    """Returns MobileNetV2 without its top, and the weights it got, in words.

    Args:
        weights: `"imagenet"`, a path to a weights file, or None.
        size: int, image side (ImageNet weights exist for 96, 128, 160, 192, 224).
        alpha: float, the width multiplier (0.35, 0.5, 0.75, 1.0, 1.3, 1.4).

    Returns:
        `(model, description)`.

    Raises:
        zoo.training.pretrained.WeightsUnavailableError: when the ImageNet weights
            cannot be downloaded, naming the file, `--weights PATH` and
            `--weights none`.
    """
    return application("mobilenet_v2", size, weights, alpha=alpha), describe_weights(weights)


def scratch_model(size, seed=0):
    """A small CNN trained from nothing: three convolution blocks and a sigmoid."""
    import keras

    keras.utils.set_random_seed(seed)
    layers = [keras.Input((size, size, 3)), keras.layers.Rescaling(1 / 255)]
    for filters in (16, 32, 64):
        layers += [
            keras.layers.Conv2D(filters, 3, activation="relu", padding="same"),
            keras.layers.MaxPooling2D(),
        ]
    layers += [keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(1, "sigmoid")]
    return keras.Sequential(layers)


def frozen_model(base, seed=0):
    """The backbone, frozen, under a new head: pixels in [0, 255] → MobileNetV2's [-1, 1]."""
    import keras

    keras.utils.set_random_seed(seed)
    base.trainable = False
    inputs = keras.Input(base.input_shape[1:])
    x = inputs
    for layer in preprocessing("mobilenet_v2"):
        x = layer(x)
    # training=False keeps the backbone's batch normalisation in inference mode,
    # now and after fine-tuning unfreezes layers.
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.2)(x)
    return keras.Model(inputs, keras.layers.Dense(1, "sigmoid")(x))


def fit(model, learning_rate, train, validation, epochs, seed=0):
    """Compiles and trains a model; returns its training and validation accuracy per epoch."""
    import keras

    keras.utils.set_random_seed(seed)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(
        *train, validation_data=validation, batch_size=32, epochs=epochs, verbose=0
    ).history
    return history["accuracy"], history["val_accuracy"]


def compare(train, validation, weights, size, alpha, epochs, fine_tune_epochs, seed=0):
    """Trains the three ways; returns their curves and the backbone's description.

    Args:
        train: `(images, labels)`.
        validation: `(images, labels)`.
        weights: `"imagenet"`, a path, or None.
        size: int, image side.
        alpha: float, MobileNetV2's width.
        epochs: int, epochs from scratch and on the frozen backbone.
        fine_tune_epochs: int, epochs of fine-tuning after the frozen ones.
        seed: int.

    Returns:
        `(curves, described, changed)`: `curves` maps "from scratch", "frozen
        backbone" and "fine-tuned" to `(train_accuracy, validation_accuracy)`
        lists (fine-tuning's continue the frozen run's epochs); `described` is
        the weights in words; `changed` maps "frozen" and "fine-tuned" to how
        many of the backbone's weight arrays those phases changed.
    """
    # The backbone first: when its weights cannot be had, fail before any training.
    base, described = backbone(weights, size, alpha)
    curves = {"from scratch": fit(scratch_model(size, seed), 1e-3, train, validation, epochs, seed)}
    model = frozen_model(base, seed)
    start = [w.copy() for w in base.get_weights()]
    curves["frozen backbone"] = fit(model, 1e-3, train, validation, epochs, seed)
    after_frozen = [w.copy() for w in base.get_weights()]
    unfreeze_top(base, FINE_TUNED_LAYERS)
    curves["fine-tuned"] = fit(model, 1e-5, train, validation, fine_tune_epochs, seed)

    def changed(before, after):
        return sum(not np.array_equal(a, b) for a, b in zip(before, after))

    return (
        curves,
        described,
        {
            "frozen": changed(start, after_frozen),
            "fine-tuned": changed(after_frozen, base.get_weights()),
        },
    )


def run(out_dir, quick=False, data=None, seed=0, weights=IMAGENET):
    """Trains the three ways on cats and dogs and draws their curves; returns the page's path.

    Args:
        out_dir: folder for the pictures and `index.html`.
        quick: bool, 100 + 100 photos at 96 px with a narrow backbone, instead of
            500 + 500 at 160 px with the full one.
        data: optional folder in the layout of `cats_and_dogs_filtered.zip`
            (`--data`); without it the course's zip is downloaded.
        seed: int.
        weights: `"imagenet"`, a path to a weights file, or None.

    Returns:
        The `Path` of `index.html`.
    """
    from zoo.report import lab_figures

    settings = QUICK if quick else FULL
    root = find_data(data)
    size = settings["size"]
    train = read_subset(root / "train", settings["train"], size)
    validation = read_subset(root / "validation", settings["validation"], size)
    curves, described, changed = compare(
        train,
        validation,
        weights,
        size,
        settings["alpha"],
        settings["epochs"],
        settings["fine_tune_epochs"],
        seed,
    )
    epochs = settings["epochs"]
    styles = {
        "from scratch": {"color": "tab:gray", "marker": "o"},
        "frozen backbone": {"color": "tab:blue", "marker": "o"},
        "fine-tuned": {"color": "tab:red", "marker": "o"},
    }
    panels = []
    for index, what in ((1, "validation accuracy"), (0, "training accuracy")):
        lines = {
            name: (np.arange(1, epochs + 1), curves[name][index])
            for name in ("from scratch", "frozen backbone")
        }
        tuned = curves["fine-tuned"][index]
        lines["fine-tuned"] = (
            np.arange(epochs, epochs + len(tuned) + 1),
            [curves["frozen backbone"][index][-1], *tuned],
        )
        panels.append(
            lab_figures.Panel(
                what,
                lines,
                xlabel="epoch",
                ylabel=what,
                styles=styles,
                marks={"fine-tuning starts": epochs},
                ylim=(0.3, 1.02),
            )
        )
    lab_figures.plot_panels(
        panels,
        f"{out_dir}/transfer_accuracy.png",
        columns=2,
        panel_pixels=(480, 320),
        shared_legend=True,
    )
    pretrained = weights is not None
    figures = [
        Figure(
            "transfer_accuracy.png",
            "Validation and training accuracy: from scratch, frozen backbone, fine-tuned",
            (
                "With ImageNet weights the frozen backbone beats the network trained from scratch "
                "from the first epoch: features learnt on a million photos (edges, fur, eyes) "
                "already separate cats from dogs, and only the small head has to be learnt. "
                "Fine-tuning then adapts the backbone's top layers at a small learning rate and "
                "usually adds a little more; a large rate would wreck what was learnt. From "
                "scratch, a few hundred photos are not enough to learn such features."
            )
            if pretrained
            else (
                "These weights are random (--weights none), so the 'pretrained' backbone knows "
                "nothing: expect no advantage over training from scratch. The run shows what "
                "happens mechanically (the frozen backbone's weights stay put, fine-tuning moves "
                "its top layers); run it with ImageNet weights to see the lesson."
            ),
        )
    ]
    measured = {
        f"{name}: validation accuracy, last epoch": f"{c[1][-1]:.1%}" for name, c in curves.items()
    }
    measured["backbone weight arrays changed while frozen / while fine-tuning"] = (
        f"{changed['frozen']} / {changed['fine-tuned']}"
    )
    return write_page(
        out_dir,
        "Transfer learning: from scratch, frozen backbone, fine-tuning",
        "A network trained on a large data set has learnt features that serve other "
        "images too. Reusing its convolutional layers (the backbone), frozen, under a new "
        "small head, needs far fewer examples than learning everything from scratch; "
        "unfreezing its top layers afterwards at a small learning rate (fine-tuning) "
        "adapts those features to the new task.",
        figures,
        run_setup(
            "transfer",
            quick,
            seed,
            data,
            backbone_weights=described,
            data_used=f"{root}: the first {settings['train']} cats and dogs of train/, the "
            f"first {settings['validation']} of validation/, at {size}×{size}",
            backbone=f"keras.applications.MobileNetV2(alpha={settings['alpha']}, "
            f"include_top=False); fine-tuning unfreezes its last "
            f"{FINE_TUNED_LAYERS} layers (not batch normalisation)",
            training=f"Adam 0.001, {epochs} epochs from scratch and on the frozen backbone; "
            f"then Adam 0.00001 for {settings['fine_tune_epochs']} epochs of "
            "fine-tuning",
        ),
        measured,
    )
