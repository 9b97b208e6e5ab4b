"""The JSON card beside an exported version: what it is, how it scored, how it was made.

`zoo.export` writes the card when it exports a version; training and
grading add their facts to it later. Every write replaces the file in one
step, so a reader (a server, a report) sees the old card or the new one,
never half of either.

Example:
>>> write_card("saved_models/linear/1", {"task": "linear"}).name
'card.json'
>>> update_card("saved_models/linear/1", {"score": 5})
{'task': 'linear', 'score': 5}
"""

import json
import os
from pathlib import Path

CARD_NAME = "card.json"


def read_card(version_dir):
    """Reads the JSON card of an exported version.

    Args:
        version_dir: path of `saved_models/<name>/<version>`.

    Returns:
        The card as a dict.

    Example:
    >>> read_card("saved_models/linear/1")["task"]
    'linear'
    """
    return json.loads((Path(version_dir) / CARD_NAME).read_text())


def write_card(version_dir, card):
    """Writes a version's JSON card, replacing any card there in one step.

    Args:
        version_dir: the version's folder.
        card: dict of JSON-ready facts.

    Returns:
        The `Path` of the card.

    Example:
    >>> write_card("saved_models/linear/1", {"task": "linear"}).name
    'card.json'
    """
    path = Path(version_dir) / CARD_NAME
    staging = path.with_name(f".{CARD_NAME}.tmp")
    staging.write_text(json.dumps(card, indent=2) + "\n")
    os.replace(staging, path)
    return path


def update_card(version_dir, facts):
    """Adds facts to a version's JSON card, replacing the file in one step.

    Args:
        version_dir: the version's folder (its card exists).
        facts: dict of JSON-ready facts; they win over the card's own keys.

    Returns:
        The updated card dict.

    Example:
    >>> update_card("saved_models/linear/1", {"epochs": 40})["epochs"]
    40
    """
    card = {**read_card(version_dir), **facts}
    write_card(version_dir, card)
    return card
