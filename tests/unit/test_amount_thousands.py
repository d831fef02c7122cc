"""An amount written with spaces between thousands is one amount (bot/nlu/service_entities.py `with_thousands`):
the tokenizer splits "9 500" and the CRF may tag "500" alone, which made a 9 500 € loan a 500 € one."""
import pytest

from bot.nlu.service_entities import with_thousands


def amount(text: str, tagged: str) -> dict:
    start = text.rindex(tagged)
    return {"entity": "amount", "start": start, "end": start + len(tagged), "value": tagged}


@pytest.mark.parametrize("text, tagged, value", [
    ("un crédit auto de 9 500 € sur 4 ans", "500", "9 500"),
    ("and for 12 500?", "500", "12 500"),
    ("prêt immo de 1 250 000 euros", "000", "1 250 000"),
    ("et pour 12\u202f500 € ?", "500", "12\u202f500"),  # a narrow no-break space, as French number formats write it
    ("send 500 to tom", "500", "500"),  # nothing before it
    ("the 2nd, 500 euros", "500", "500"),  # a word between
    ("9 5000", "5000", "5000"),  # not a group of three
    ("12.5 500", "500", "500"),  # a decimal before: not thousands
])
def test_an_amount_takes_the_thousands_written_before_it(text, tagged, value):
    widened = with_thousands(text, amount(text, tagged))
    assert widened["value"] == value and text[widened["start"]:widened["end"]] == value


def test_other_entities_are_left_as_they_are():
    term = {"entity": "term", "start": 2, "end": 5, "value": "500"}
    assert with_thousands("9 500", term) is term
