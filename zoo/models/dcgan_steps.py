"""The DCGAN's optimizer steps, one per backend, around the adversarial step they share.

`DCGAN.adversarial_step(data, update)` computes both losses; `update`
takes one optimizer step on one network. On TensorFlow that is a
`GradientTape` and the optimizer's `apply`; on JAX, whose training steps
are stateless, `jax_train_step` runs the same adversarial step inside a
`keras.StatelessScope` and differentiates with `jax.value_and_grad`.
TensorFlow and JAX are imported inside the functions, so importing
`zoo.models` imports neither.
"""

import keras

from zoo.models.distribution_utils import scale_for_replicas


def tensorflow_update(network, optimizer, loss_fn):
    """One optimizer step on `network` against `loss_fn()`, on TensorFlow.

    Under `tf.distribute` the loss is divided by the replicas, whose
    gradients are summed, so N replicas take one device's step.

    Args:
        network: the `keras.Model` to update (generator or discriminator).
        optimizer: its Keras optimizer.
        loss_fn: callable returning the scalar loss, run under the tape.

    Returns:
        The loss, unscaled.

    Example:
    >>> gan = zoo.models.DCGAN.dense(2, latent_dim=2, units=(4,), seed=0)
    >>> gan.compile("sgd", "sgd")
    >>> steps = zoo.models.dcgan_steps
    >>> loss = steps.tensorflow_update(gan.generator, gan.generator_optimizer,
    ...                                lambda: keras.ops.mean(gan.generate(4) ** 2))
    >>> int(gan.generator_optimizer.iterations)
    1
    """
    import tensorflow as tf

    variables = network.trainable_variables
    with tf.GradientTape() as tape:
        loss = loss_fn()
        scaled_loss = optimizer.scale_loss(scale_for_replicas(loss))
    optimizer.apply(tape.gradient(scaled_loss, variables), variables)
    return loss


def jax_train_step(gan, state, data):
    """The DCGAN's stateless training step on JAX, as Keras's JAX trainer calls it.

    The variables' values live in `state`; inside a `keras.StatelessScope`
    that maps each variable to its value, the shared adversarial step runs
    as if the variables were stateful, and the scope collects their new
    values.

    Args:
        gan: the `DCGAN`.
        state: `(trainable, non_trainable, optimizer, metrics)` variable values,
            in the order of the model's variable lists and of
            `gan.optimizer.variables`.
        data: the batch of real examples.

    Returns:
        `(logs, new_state)`.

    Example:
        On JAX, `DCGAN.train_step(state, data)` returns
        `jax_train_step(self, state, data)`.
    """
    variables = (
        gan.trainable_variables,
        gan.non_trainable_variables,
        gan.optimizer.variables,
        gan.metrics_variables,
    )
    mapping = [
        (variable, value)
        for group, values in zip(variables, state)
        for variable, value in zip(group, values)
    ]
    with keras.StatelessScope(state_mapping=mapping) as scope:
        logs = gan.adversarial_step(data, lambda *args: _jax_update(gan, scope, *args))
    new_state = tuple(
        [scope.get_current_value(variable) for variable in group] for group in variables
    )
    return logs, new_state


def _jax_update(gan, scope, network, optimizer, loss_fn):
    """One optimizer step on `network` against `loss_fn()` inside `jax_train_step`'s
    `scope`; returns the loss, unscaled."""
    import jax

    trainable = network.trainable_variables
    everything = gan.variables + optimizer.variables
    current = [(variable, scope.get_current_value(variable)) for variable in everything]

    def scaled_loss(values):
        # A scope of its own, so that the gradient's tracers stay in it;
        # only the updated non-trainable values (batch statistics) leave.
        with keras.StatelessScope(state_mapping=current + list(zip(trainable, values))) as inner:
            loss = loss_fn()
            scaled = optimizer.scale_loss(loss)
        updates = [inner.get_current_value(variable) for variable in gan.non_trainable_variables]
        return scaled, (loss, updates)

    (_, (loss, updates)), gradients = jax.value_and_grad(scaled_loss, has_aux=True)(
        [scope.get_current_value(variable) for variable in trainable]
    )
    for variable, value in zip(gan.non_trainable_variables, updates):
        scope.add_update((variable, value))
    # The stateless form: a LossScaleOptimizer's stateful `apply` assigns its
    # scale inside `ops.cond`, whose traced values may not leave the branch.
    new_trainable, new_optimizer = optimizer.stateless_apply(
        [scope.get_current_value(variable) for variable in optimizer.variables],
        gradients,
        [scope.get_current_value(variable) for variable in trainable],
    )
    for group, values in ((trainable, new_trainable), (optimizer.variables, new_optimizer)):
        for variable, value in zip(group, values):
            scope.add_update((variable, value))
    return loss
