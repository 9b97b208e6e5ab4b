"""Losses of the zoo's custom training steps under `tf.distribute`."""

import keras


def scale_for_replicas(loss):
    """Divides a batch's mean loss by the number of `tf.distribute` replicas.

    Each replica averages its loss over its share of the global batch, and
    the replicas' gradients are summed; dividing by their number makes N
    replicas take the step one device takes on the whole batch. Keras' own
    losses do the same. Outside `tf.distribute` (and on other backends) the
    loss is returned unchanged.

    Args:
        loss: a scalar tensor, the mean loss of this replica's examples.

    Returns:
        The scalar tensor to differentiate.

    Example:
    >>> from zoo.models.distribution_utils import scale_for_replicas
    >>> float(scale_for_replicas(keras.ops.convert_to_tensor(3.0)))  # one device
    3.0
    """
    if keras.backend.backend() != "tensorflow":
        return loss
    # Imported here so that importing zoo.models stays backend-neutral.
    import tensorflow as tf

    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss / replicas if replicas > 1 else loss
