import pytest

from actions.answers import answers_only


class Form:
    def __init__(self) -> None:
        self.judged = []

    @answers_only
    async def validate_card_to_block(self, value, dispatcher, tracker, domain):
        self.judged.append(value)
        return {"card_to_block": None if value == "nonsense" else value}


async def test_a_cleared_slot_is_not_judged():
    form = Form()
    assert await form.validate_card_to_block(None, None, None, {}) == {"card_to_block": None}
    assert form.judged == []


async def test_an_answer_is_judged():
    form = Form()
    assert await form.validate_card_to_block("nonsense", None, None, {}) == {"card_to_block": None}
    assert await form.validate_card_to_block("card-1", None, None, {}) == {"card_to_block": "card-1"}
    assert form.judged == ["nonsense", "card-1"]


def test_only_validate_methods_can_be_wrapped():
    with pytest.raises(ValueError):
        answers_only(lambda self, value: value)
