"""The argument checks of the layers and models: what passes, and what each error names."""

import numpy as np
import pytest
from message_helpers import assert_says

from zoo.layers.argument_utils import (
    check_divisible_sides,
    check_positive_int,
    check_rate,
    unpack_pair,
)

# The layer and model tests run in the core install too (Keras and NumPy, JAX).
pytestmark = pytest.mark.core


@pytest.mark.parametrize("value", [0, -3, True, 2.0, "4", None])
def test_a_positive_int_is_an_int_above_zero_and_not_a_bool(value):
    with pytest.raises(ValueError) as bad:
        check_positive_int("num_heads", value)
    assert_says(str(bad.value), "`num_heads`", "positive integer", f"num_heads={value!r}")


def test_positive_ints_pass():
    for value in (1, 7, 10**6):
        check_positive_int("num_heads", value)


@pytest.mark.parametrize("value", [-0.01, 1.0, 1.5])
def test_a_rate_is_in_zero_to_one_open_at_one(value):
    with pytest.raises(ValueError) as bad:
        check_rate("dropout", value)
    assert_says(str(bad.value), "`dropout`", "[0, 1)", f"dropout={value!r}")


def test_rates_in_range_pass():
    for value in (0, 0.0, 0.5, 0.999):
        check_rate("dropout", value)


@pytest.mark.parametrize(
    "height, width, levels, suggestion",
    [(30, None, 2, "32"), (20, 32, 3, "24x32"), (3, 5, 1, "4x6"), (1, 8, 3, "8x8")],
)
def test_sides_that_do_not_divide_are_named_with_a_size_that_does(
    height, width, levels, suggestion
):
    with pytest.raises(ValueError) as bad:
        check_divisible_sides("UNet", height, width, levels)
    assert_says(
        str(bad.value),
        f"UNet halves the image {levels} times",
        f"2**{levels} = {2**levels}",
        f"height={height}, width={width}",
        f"e.g. {suggestion}.",
    )


@pytest.mark.parametrize("height, width", [(32, 32), (None, 64), (8, None), (None, None)])
def test_sides_that_divide_or_are_unknown_pass(height, width):
    check_divisible_sides("UNet", height, width, levels=3)


def test_a_pair_is_unpacked_and_anything_else_is_named():
    first, second = unpack_pair((1, 2), "Call it on [a, b]")
    assert (first, second) == (1, 2)
    with pytest.raises(ValueError) as three:
        unpack_pair([1, 2, 3], "Call it on [a, b]")
    assert str(three.value) == "Call it on [a, b]. Received a list of 3."
    with pytest.raises(ValueError) as tensor:
        unpack_pair(np.zeros((2, 3)), "Call it on [a, b]")
    assert str(tensor.value) == "Call it on [a, b]. Received one tensor of shape (2, 3)."
    with pytest.raises(ValueError) as scalar:
        unpack_pair(3.0, "Call it on [a, b]")
    assert str(scalar.value) == "Call it on [a, b]. Received one tensor of shape ()."
