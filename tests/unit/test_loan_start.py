"""A loan question prefills the loan form with what it says: the amount the NLU tagged, else one written with its
currency in the words (the NLU may miss "500 euro"), never a bare number that is something else, nor the term."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.loans import ActionStartLoan


def request(text: str, entities: Optional[List[Dict[str, Any]]] = None) -> Tracker:
    parsed = {"text": text, "intent": {"name": "loan_inquiry"}, "entities": entities or []}
    return Tracker("psid-1", {"language": "en"}, parsed,
                   [{"event": "user", "text": text, "parse_data": parsed, "input_channel": "messenger"}],
                   False, None, {}, "action_listen")


async def prefilled(tracker: Tracker) -> Dict[str, Any]:
    events = await ActionStartLoan().run(CollectingDispatcher(), tracker, {})
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.mark.parametrize("text, amount, term", [
    ("how much would a 500 euro car loan cost me over 4 years?", "500.00", "48"),
    ("combien coûterait un prêt auto de 8 000 € sur 5 ans ?", "8000.00", "60"),
    ("I'd like a loan for my 2 kids' school over 3 years", None, "36"),
    ("what would a personal loan cost me?", None, None),
])
async def test_the_amount_and_term_are_read_from_the_words_when_not_tagged(text, amount, term):
    slots = await prefilled(request(text))
    assert (slots["loan_amount"], slots["loan_term"]) == (amount, term)


async def test_the_tagged_amount_comes_first():
    slots = await prefilled(request("a 10k car loan over 4 years", [{"entity": "amount", "value": "10k"}]))
    assert slots["loan_amount"] == "10000.00"
