"""Checks of the arguments the zoo's layers and models are built and called with.

Each raises a ValueError that names the argument, the value received and
what it must be, so that a bad argument fails where it is passed, not deep
inside `build` or `call`.
"""

import math


def check_positive_int(name, value):
    """Raises a ValueError unless `value` is a positive int.

    Args:
        name: the argument's name, used in the message.
        value: the value to check.

    Example:
    >>> from zoo.layers.argument_utils import check_positive_int
    >>> check_positive_int("num_heads", 0)
    Traceback (most recent call last):
    ...
    ValueError: `num_heads` must be a positive integer. Received: num_heads=0
    """
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")


def check_rate(name, value):
    """Raises a ValueError unless `0 <= value < 1`.

    Args:
        name: the argument's name, used in the message.
        value: the value to check.

    Example:
    >>> from zoo.layers.argument_utils import check_rate
    >>> check_rate("dropout", 1.5)
    Traceback (most recent call last):
    ...
    ValueError: `dropout` must be in [0, 1). Received: dropout=1.5
    """
    if not 0.0 <= float(value) < 1.0:
        raise ValueError(f"`{name}` must be in [0, 1). Received: {name}={value!r}")


def check_divisible_sides(model_name, height, width, levels):
    """Raises a ValueError unless height and width divide by `2**levels`.

    Sizes that are `None` (unknown until run time) pass.

    Args:
        model_name: str, the class whose constraint this is, for the message.
        height: int or None.
        width: int or None.
        levels: int, the number of times the network halves the sides.

    Example:
    >>> from zoo.layers.argument_utils import check_divisible_sides
    >>> check_divisible_sides("UNet", 30, None, levels=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: UNet halves the image 2 times, ... a multiple of 4, e.g. 32.
    """
    factor = 2**levels
    bad = [s for s in (height, width) if s is not None and s % factor]
    if bad:
        suggestion = "x".join(
            str(max(factor, math.ceil(s / factor) * factor))
            for s in (height, width)
            if s is not None
        )
        raise ValueError(
            f"{model_name} halves the image {levels} times, so its height and "
            f"width must be divisible by 2**{levels} = {factor}. Received "
            f"height={height}, width={width}. Resize or pad the images to a "
            f"multiple of {factor}, e.g. {suggestion}."
        )


def unpack_pair(inputs, usage):
    """Returns the two items of `inputs`, a list or tuple of two.

    Args:
        inputs: what a layer or model was called on.
        usage: str, how it is to be called; the error message starts with it.

    Returns:
        The two items of `inputs`.

    Raises:
        ValueError: `usage`, then what was received instead.

    Example:
    >>> from zoo.layers.argument_utils import unpack_pair
    >>> unpack_pair(np.zeros((2, 3)), "Call it on [mean, log_var]")
    Traceback (most recent call last):
    ...
    ValueError: Call it on [mean, log_var]. Received one tensor of shape (2, 3).
    """
    if isinstance(inputs, (list, tuple)) and len(inputs) == 2:
        return inputs
    received = (
        f"a list of {len(inputs)}"
        if isinstance(inputs, (list, tuple))
        else f"one tensor of shape {tuple(getattr(inputs, 'shape', ()))}"
    )
    raise ValueError(f"{usage}. Received {received}.")
