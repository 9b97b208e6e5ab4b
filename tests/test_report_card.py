"""zoo.report.card: the JSON card beside an export, read back exactly, replaced in one step."""

import json

from zoo.report.card import CARD_NAME, read_card, update_card, write_card

CARD = {
    "task": "sarcasm",
    "score": 4,
    "value": 0.8125,
    "confidence": {"interval": [0.79, 0.83], "shares": {"4": 0.9, "5": 0.1}},
    "data": "données/sarcasm.json",
    "pictures": ["confusion_matrix.png"],
}


def test_a_card_reads_back_as_written(tmp_path):
    path = write_card(tmp_path, CARD)
    assert path == tmp_path / CARD_NAME == tmp_path / "card.json"
    assert read_card(tmp_path) == CARD
    assert json.loads(path.read_text()) == CARD


def test_facts_are_added_and_win_over_the_cards_own(tmp_path):
    write_card(tmp_path, CARD)
    card = update_card(tmp_path, {"score": 5, "epochs": 12})
    assert card == {**CARD, "score": 5, "epochs": 12} == read_card(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [CARD_NAME]  # no staging file left


def test_an_update_replaces_the_file_so_a_reader_never_sees_half_a_card(tmp_path):
    write_card(tmp_path, CARD)
    # A reader that opened the card before the update still reads the whole old card:
    # the new one is a new file renamed into place, not the old file rewritten.
    with open(tmp_path / CARD_NAME) as before:
        update_card(tmp_path, {"notes": "x" * 100_000})
        assert json.loads(before.read()) == CARD
    assert read_card(tmp_path)["notes"] == "x" * 100_000
