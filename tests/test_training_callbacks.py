"""The reference trainings' callbacks: best epoch by the task's metric, or the last."""

import keras
import numpy as np

from zoo.models import DCGAN
from zoo.tasks import get_task
from zoo.training.reference import callbacks


def run_epochs(model, chosen, logs_per_epoch):
    """Drives the callbacks through epochs whose weights and logs are given.

    Each epoch adds 1 to every generator weight, so epoch `k` ends with the
    initial weights plus `k + 1`. Returns the generator's weights at the end
    of the last epoch, before `on_train_end`.
    """
    callback_list = keras.callbacks.CallbackList(chosen, model=model)
    callback_list.on_train_begin()
    for epoch, logs in enumerate(logs_per_epoch):
        callback_list.on_epoch_begin(epoch)
        model.generator.set_weights([w + 1.0 for w in model.generator.get_weights()])
        callback_list.on_epoch_end(epoch, logs)
    last = model.generator.get_weights()
    callback_list.on_train_end()
    return last


def test_dcgan_reference_keeps_its_final_weights(tmp_path):
    task = get_task("mnist_dcgan")
    assert task.monitor is None
    gan = DCGAN.dense(2, latent_dim=2, units=(4,), seed=0)
    gan.compile("sgd", "sgd")
    # The generator's loss is lowest first and rises as the discriminator
    # catches up, as in a healthy GAN; restoring by it would undo training.
    last = run_epochs(
        gan,
        callbacks(task, tmp_path),
        [{"d_loss": 1.3, "g_loss": g_loss} for g_loss in (0.6, 0.9, 1.2)],
    )
    for final, expected in zip(gan.generator.get_weights(), last):
        np.testing.assert_array_equal(final, expected)
    checkpoint = keras.saving.load_model(tmp_path / "checkpoint.keras")
    for saved, expected in zip(checkpoint.generator.get_weights(), last):
        np.testing.assert_array_equal(saved, expected)


def test_other_references_restore_their_best_epoch_by_their_metric(tmp_path):
    task = get_task("sarcasm")
    chosen = callbacks(task, tmp_path)
    (stopping,) = [c for c in chosen if isinstance(c, keras.callbacks.EarlyStopping)]
    assert (stopping.monitor, stopping.restore_best_weights) == ("val_accuracy", True)
    gan = DCGAN.dense(2, latent_dim=2, units=(4,), seed=0)  # any model will do
    gan.compile("sgd", "sgd")
    initial = gan.generator.get_weights()
    run_epochs(gan, chosen, [{"val_accuracy": a} for a in (0.7, 0.9, 0.8, 0.6)])
    # The best epoch (the second) ended with the initial weights plus 2.
    for final, start in zip(gan.generator.get_weights(), initial):
        np.testing.assert_array_equal(final, start + 2.0)
