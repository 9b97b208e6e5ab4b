"""Checks of messages for people by the facts they carry, not by their wording.

A message names what went wrong, the numbers, names and paths involved, and
the fix. A test lists those facts: a copy edit leaves it green, a wrong
number, name or fix does not.
"""


def assert_says(text, *facts):
    """Checks that `text` contains every one of `facts`, naming the ones it lacks.

    Args:
        text: the message.
        *facts: strings that must appear in it, each short enough to survive
            rewording (`"epoch 7 of 60"`, `"try 0.05"`, a path).
    """
    missing = [fact for fact in facts if fact not in text]
    assert not missing, f"{missing} not in the message:\n{text}"
