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


def after_quote(text: str, entities: Optional[List[Dict[str, Any]]] = None, *, answered_by: str = "action_show_loan_quote",
                slots: Optional[Dict[str, Any]] = None) -> Tracker:
    """The customer's message right after the bot's answer `answered_by` to a car loan of 10,000 over 48 months."""
    parsed = {"text": text, "intent": {"name": "loan_inquiry"}, "entities": entities or []}
    quote = {"language": "en", "loan_type": "car", "loan_amount": "10000.00", "loan_term": "48", **(slots or {})}
    events = [
        {"event": "user", "text": "how much would a 10k car loan cost me over 4 years?", "parse_data": {}},
        {"event": "action", "name": "action_start_loan"},
        {"event": "action", "name": "loan_form"},
        {"event": "action", "name": answered_by},
        {"event": "bot", "text": "A car loan of €10,000.00 over 48 months costs…"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": parsed, "input_channel": "messenger"},
    ]
    return Tracker("psid-1", quote, parsed, events, False, None, {}, "action_listen")


@pytest.mark.parametrize("text, entities, figures", [
    ("and for 15k?", [], ("car", "15000.00", "48")),
    ("what about over 5 years instead?", [{"entity": "term", "value": "5 years"}], ("car", "10000.00", "60")),
    ("et sur 5 ans plutôt ?", [], ("car", "10000.00", "60")),
    ("plutôt 8000 sur 4 ans", [], ("car", "8000.00", "48")),
    ("and as a personal loan?", [{"entity": "loan_type", "value": "personal"}], ("personal", "10000.00", "48")),
])
async def test_right_after_a_quote_the_question_changes_only_what_it_says(text, entities, figures):
    tracker = after_quote(text, entities)
    if entities and entities[0]["entity"] == "loan_type":
        tracker.slots["loan_type"] = entities[0]["value"]  # the slot filled from the entity, as Rasa does
    slots = await prefilled(tracker)
    assert (slots["loan_type"], slots["loan_amount"], slots["loan_term"]) == figures


async def test_a_loan_question_after_something_else_starts_afresh():
    slots = await prefilled(after_quote("and for 15k?", answered_by="utter_anything_else"))
    assert (slots["loan_type"], slots["loan_amount"], slots["loan_term"]) == (None, None, None)


async def test_a_quote_refused_leaves_nothing_to_change():  # the refusal emptied the figures
    slots = await prefilled(after_quote("and for 15k?", slots={"loan_type": None, "loan_amount": None, "loan_term": None}))
    assert (slots["loan_type"], slots["loan_amount"], slots["loan_term"]) == (None, None, None)


# --- the form's checks -----------------------------------------------------------------------------------------

import actions.loans as loans  # noqa: E402
from actions.banking import BankError  # noqa: E402

FORM_DOMAIN = {"forms": {"loan_form": {"required_slots": ["loan_type", "loan_amount", "loan_term"]}}}


class RangeBank:
    """The core bank's quote: a car loan runs 12 to 84 months."""

    def __init__(self) -> None:
        self.quotes = 0

    async def loan_quote(self, product: str, amount: Any, months: int) -> Dict[str, Any]:
        self.quotes += 1
        if months > 84:
            raise BankError(422, "out_of_range", "Term out of range.", {"field": "term_months", "min": 12, "max": 84})
        return {}


def in_the_form(text: str, requested: str, candidates: Dict[str, Any], slots: Dict[str, Any]) -> Tracker:
    """`text` typed while the loan form asks `requested`; `candidates`: the slots it fills (last, as Rasa adds them)."""
    parsed = {"text": text, "intent": {"name": "inform", "confidence": 0.9}, "entities": []}
    events = [{"event": "action", "name": "action_listen"},
              {"event": "user", "text": text, "parse_data": parsed, "input_channel": "messenger"},
              {"event": "action", "name": "loan_form"}]
    events += [{"event": "slot", "name": name, "value": value} for name, value in candidates.items()]
    return Tracker("psid-1", {"language": "en", "requested_slot": requested, **slots, **candidates}, parsed, events,
                   False, None, {"name": "loan_form"}, "loan_form")


async def test_a_term_out_of_range_is_said_once_when_the_amount_comes_with_it(monkeypatch):
    bank = RangeBank()
    monkeypatch.setattr(loans, "core_bank", lambda: bank)
    dispatcher = CollectingDispatcher()
    tracker = in_the_form("and over 10 years?", "loan_term", {"loan_amount": "15000.00", "loan_term": "120"},
                          {"loan_type": "car"})
    events = await loans.ValidateLoanForm().run(dispatcher, tracker, FORM_DOMAIN)
    assert [m["response"] for m in dispatcher.messages] == ["utter_loan_term_out_of_range"]
    assert bank.quotes == 1 and {"name": "loan_term", "value": None} in [
        {k: e[k] for k in ("name", "value")} for e in events if e.get("event") == "slot"]


async def test_another_loan_type_at_the_term_question_is_taken_without_a_complaint(monkeypatch):
    monkeypatch.setattr(loans, "core_bank", lambda: RangeBank())
    dispatcher = CollectingDispatcher()
    tracker = in_the_form("what about a personal loan instead?", "loan_term",
                          {"loan_type": "personal", "loan_term": "what about a personal loan instead?"},
                          {"loan_amount": "15000.00"})
    events = await loans.ValidateLoanForm().run(dispatcher, tracker, FORM_DOMAIN)
    assert dispatcher.messages == []  # no "I didn't catch the duration": the term is asked again
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["loan_type"] == "personal" and slots["loan_term"] is None
    assert not slots.get("answer_misses")  # understood, not missed


async def test_a_whole_request_at_the_type_question_takes_its_own_figures(monkeypatch):
    monkeypatch.setattr(loans, "core_bank", lambda: RangeBank())
    text = "personal loan 9.500€ over 48 months"  # the NLU tagged the type only: 15 000 asked before would stay
    tracker = in_the_form(text, "loan_type", {"loan_type": "personal"}, {"loan_amount": "15000.00", "loan_term": "60"})
    events = await loans.ValidateLoanForm().run(CollectingDispatcher(), tracker, FORM_DOMAIN)
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert (slots["loan_type"], slots["loan_amount"], slots["loan_term"]) == ("personal", "9500.00", "48")


async def test_no_thanks_to_the_loan_products_leaves_the_loan_question(monkeypatch):
    monkeypatch.setattr(loans, "core_bank", lambda: RangeBank())
    tracker = in_the_form("no thanks", "loan_type", {}, {})
    tracker.latest_message["intent"] = {"name": "deny", "confidence": 0.99}
    events = await loans.ValidateLoanForm().run(CollectingDispatcher(), tracker, FORM_DOMAIN)
    assert {"event": "active_loop", "name": None} in [{k: e.get(k) for k in ("event", "name")} for e in events
                                                     if e.get("event") == "active_loop"]
    assert events[-1]["event"] == "action_execution_rejected"  # the rules answer the no ("Anything else?")

    tracker = in_the_form("no, a car loan", "loan_type", {"loan_type": "car"}, {})  # a no that names one answers
    tracker.latest_message.update({"intent": {"name": "deny", "confidence": 0.99},
                                   "entities": [{"entity": "loan_type", "value": "car"}]})
    events = await loans.ValidateLoanForm().run(CollectingDispatcher(), tracker, FORM_DOMAIN)
    assert not any(e.get("event") == "action_execution_rejected" for e in events)


@pytest.mark.parametrize("text, kind", [
    ("I'd like to borrow 15 000 euros for a car over 5 years", "car"),
    ("et un crédit immo de 200k sur 20 ans ?", "home"),
    ("a loan to buy a house", "home"),
    ("un prêt perso pour mes travaux", "personal"),
    ("what would a loan cost me?", None),
    ("a loan for my car or my house", None),  # two kinds: asked
])
async def test_the_kind_of_loan_is_read_from_the_words_when_not_tagged(text, kind):
    slots = await prefilled(request(text))
    assert slots["loan_type"] == kind


async def test_a_small_bare_number_after_a_quote_is_no_amount():
    slots = await prefilled(after_quote("merci, je dois en parler à ma femme, on a 3 enfants"))
    assert slots["loan_amount"] == "10000.00"  # the quote's, kept
