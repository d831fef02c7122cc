"""Freeze and unfreeze in the chat, at the action level: the card is picked among those that can change, the core
bank is called once, and every answer (already frozen, not frozen, blocked for good, the bank down) is a response
of the domain in the customer's language. A customer unsure where the card is is asked freeze-or-block first, and
the block form offers frozen cards too."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

import actions.cards as cards
import actions.verified as verified
from actions.banking import UNAVAILABLE, BankError, Card
from actions.customer_sessions import CustomerSession
from actions.text.cards import says_unsure
from tests.unit.test_answer_preamble import NLG, session

SESSION = CustomerSession("token-1", "100001", "Alex", datetime.now(timezone.utc) + timedelta(minutes=15))


def card(kind: str, last4: str, status: str) -> Card:
    return Card(card_id=f"card-{last4}", kind=kind, brand="Visa", last4=last4, status=status,
                account_id="acc-current", expiry="2028-09")


class FakeBank:
    """The core bank as the actions see it: the customer's cards, and the freezes and unfreezes asked."""

    def __init__(self, *held: Card, refuse: Optional[BankError] = None) -> None:
        self.held = list(held)
        self.refuse = refuse
        self.frozen: List[str] = []
        self.unfrozen: List[str] = []
        self.blocked: List[str] = []

    async def cards(self, token: str) -> List[Card]:
        return list(self.held)

    def _set(self, card_id: str, status: str) -> Card:
        if self.refuse is not None:
            raise self.refuse
        [found] = [c for c in self.held if c.card_id == card_id]
        changed = found.copy(update={"status": status})
        self.held = [changed if c.card_id == card_id else c for c in self.held]
        return changed

    async def freeze_card(self, token: str, card_id: str) -> Card:
        self.frozen.append(card_id)
        return self._set(card_id, "frozen")

    async def unfreeze_card(self, token: str, card_id: str) -> Card:
        self.unfrozen.append(card_id)
        return self._set(card_id, "active")

    async def block_card(self, token: str, card_id: str, reason: str) -> Card:
        self.blocked.append(card_id)
        return self._set(card_id, "blocked")


@pytest.fixture
def bank(monkeypatch):
    def install(*held: Card, refuse: Optional[BankError] = None) -> FakeBank:
        fake = FakeBank(*held, refuse=refuse)
        monkeypatch.setattr(cards, "core_bank", lambda: fake)
        return fake

    monkeypatch.setattr(cards, "current_session", lambda tracker: SESSION)
    monkeypatch.setattr(verified, "current_session", lambda tracker: SESSION)
    return install


def tracker(slots: Dict[str, Any], text: str = "", latest_action: str = "action_listen",
            loop: Optional[str] = None, intent: str = "inform") -> Tracker:
    latest = {"text": text, "intent": {"name": intent}, "entities": []}
    return Tracker("psid-1", {"language": "en", **slots}, latest,
                   [{"event": "user", "text": text, "parse_data": latest, "input_channel": "messenger"}],
                   False, None, {"name": loop} if loop else {}, latest_action)


async def run(action, slots: Dict[str, Any], text: str = "", latest_action: str = "action_listen"):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker(slots, text, latest_action), {})
    return events, dispatcher.messages


DEBIT = card("debit", "4821", "active")
CREDIT = card("credit", "7304", "active")


# --- what the customer's words say --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "I can't find my card", "cant find my card anywhere", "I've misplaced my debit card",
    "j'ai égaré ma carte", "je ne trouve plus ma CB", "je retrouve pas ma carte", "je sais plus où est ma carte",
    "impossible de remettre la main sur ma carte",
])
def test_a_customer_who_cannot_find_the_card_is_unsure(text):
    assert says_unsure(text)


@pytest.mark.parametrize("text", [
    "I lost my card", "my card was stolen", "j'ai perdu ma carte", "on m'a volé ma carte",
    "I found my card", "j'ai retrouvé ma carte", "freeze my card",
])
def test_lost_stolen_or_found_is_not_unsure(text):
    assert not says_unsure(text)


# --- freeze -------------------------------------------------------------------------------------------------------


async def test_the_card_picked_is_frozen_and_the_customer_told_in_their_words(bank):
    fake = bank(DEBIT, CREDIT)
    events, [message] = await run(cards.ActionFreezeCard(), {"card_to_freeze": "card-4821"})
    assert fake.frozen == ["card-4821"] and fake.unfrozen == []
    assert message["response"] == "utter_card_frozen"
    assert message["card"] == "debit card •••• 4821"
    assert SlotSet("card_to_freeze", None) in events


async def test_in_french_the_card_is_named_in_french(bank):
    bank(DEBIT)
    _, [message] = await run(cards.ActionFreezeCard(), {"card_to_freeze": "card-4821", "language": "fr"})
    assert message["card"] == "carte de débit •••• 4821"


async def test_an_already_frozen_card_is_said_so_and_not_frozen_again(bank):
    fake = bank(card("debit", "4821", "frozen"))
    _, [message] = await run(cards.ActionFreezeCard(), {"card_to_freeze": "card-4821"})
    assert message["response"] == "utter_card_already_frozen"
    assert fake.frozen == []


async def test_a_blocked_card_cannot_be_frozen_and_a_new_one_is_offered(bank):
    fake = bank(card("debit", "4821", "blocked"))
    events, [message] = await run(cards.ActionFreezeCard(), {"card_to_freeze": "card-4821"})
    assert fake.frozen == []
    assert message["response"] == "utter_card_blocked_for_good"
    assert [b["payload"] for b in message["buttons"]] == ['/order_card{"card_type":"debit"}', "/deny"]
    assert [b["title"] for b in message["buttons"]] == ["Order a new card", "No, thanks"]
    assert SlotSet("card_replaces", "card-4821") in events


async def test_a_card_blocked_meanwhile_is_explained_not_an_error(bank):
    bank(DEBIT, refuse=BankError(422, "card_blocked", "This card is blocked for good"))
    _, [message] = await run(cards.ActionFreezeCard(), {"card_to_freeze": "card-4821"})
    assert message["response"] == "utter_card_blocked_for_good"


async def test_the_bank_down_gets_a_polite_answer(bank):
    bank(DEBIT, refuse=BankError(0, UNAVAILABLE, "core bank unreachable"))
    _, [message] = await run(cards.ActionFreezeCard(), {"card_to_freeze": "card-4821"})
    assert message["response"] == "utter_bank_unavailable"


async def test_the_freeze_question_lists_the_active_cards_masked(bank):
    bank(card("debit", "4821", "frozen"), CREDIT, card("debit", "1111", "blocked"))
    _, [message] = await run(cards.ActionAskCardToFreeze(), {})
    assert message["response"] == "utter_ask_card_to_freeze"
    assert message["quick_replies"] == [{"title": "Credit •••• 7304", "payload": '/inform{"card_id":"card-7304"}'}]


async def test_with_every_card_frozen_the_freeze_question_says_so(bank):
    bank(card("debit", "4821", "frozen"))
    events, [message] = await run(cards.ActionAskCardToFreeze(), {})
    assert message["response"] == "utter_card_already_frozen"
    assert SlotSet("requested_slot", None) in events


async def test_a_card_is_picked_by_its_last_4_digits_or_kind(bank):
    bank(DEBIT, CREDIT, card("debit", "1111", "blocked"))
    form = cards.ValidateFreezeCardForm()
    dispatcher = CollectingDispatcher()
    assert await form.validate_card_to_freeze("the one ending 7304", dispatcher, tracker({}), {}) == {
        "card_to_freeze": "card-7304"}
    assert await form.validate_card_to_freeze("the credit one", dispatcher, tracker({}), {}) == {
        "card_to_freeze": "card-7304"}
    assert await form.validate_card_to_freeze("1111", dispatcher, tracker({}), {}) == {"card_to_freeze": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_which_card_unclear"]


async def test_an_unverified_customer_is_asked_to_verify_first(bank, monkeypatch):
    bank(DEBIT)
    monkeypatch.setattr(verified, "current_session", lambda tracker: None)
    events, [message] = await run(cards.ActionStartFreezeCard(), {}, "pause my card for a few days")
    assert message["response"] == "utter_verify_first"
    assert SlotSet("pending_request", "freeze_card") in events and SlotSet("identity", "required") in events


# --- unfreeze -----------------------------------------------------------------------------------------------------


async def test_a_frozen_card_is_unfrozen(bank):
    fake = bank(card("debit", "4821", "frozen"), CREDIT)
    _, [message] = await run(cards.ActionUnfreezeCard(), {"card_to_unfreeze": "card-4821"})
    assert fake.unfrozen == ["card-4821"]
    assert message["response"] == "utter_card_unfrozen" and message["card"] == "debit card •••• 4821"


async def test_an_active_card_is_said_to_be_active_and_not_unfrozen(bank):
    fake = bank(DEBIT)
    _, [message] = await run(cards.ActionUnfreezeCard(), {"card_to_unfreeze": "card-4821"})
    assert message["response"] == "utter_card_not_frozen"
    assert fake.unfrozen == []


async def test_a_blocked_card_cannot_be_unfrozen_and_a_new_one_is_offered(bank):
    fake = bank(card("credit", "7304", "blocked"))
    _, [message] = await run(cards.ActionUnfreezeCard(), {"card_to_unfreeze": "card-7304", "language": "fr"})
    assert fake.unfrozen == []
    assert message["response"] == "utter_card_blocked_for_good"
    assert message["card"] == "carte de crédit •••• 7304"
    assert message["buttons"][0] == {"title": "Commander une carte", "payload": '/order_card{"card_type":"credit"}'}


async def test_the_unfreeze_question_lists_the_frozen_cards_only(bank):
    bank(DEBIT, card("credit", "7304", "frozen"))
    _, [message] = await run(cards.ActionAskCardToUnfreeze(), {})
    assert message["response"] == "utter_ask_card_to_unfreeze"
    assert [q["title"] for q in message["quick_replies"]] == ["Credit •••• 7304"]


async def test_with_no_frozen_card_the_customer_is_told_so(bank):
    bank(DEBIT, card("credit", "7304", "blocked"))
    events, [message] = await run(cards.ActionAskCardToUnfreeze(), {})
    assert message["response"] == "utter_no_frozen_cards"
    assert SlotSet("requested_slot", None) in events


async def test_with_only_a_blocked_card_unfreezing_explains_the_block(bank):
    bank(card("debit", "4821", "blocked"))
    _, [message] = await run(cards.ActionAskCardToUnfreeze(), {})
    assert message["response"] == "utter_card_blocked_for_good"


# --- block: freeze offered first when unsure, frozen cards offered ------------------------------------------------


async def test_unsure_where_the_card_is_the_block_form_asks_freeze_or_block_first(bank):
    bank(DEBIT)
    events, _ = await run(cards.ActionStartBlockCard(), {}, "I can't find my card")
    assert SlotSet("card_block_reason", "unsure") in events
    form = cards.ValidateBlockCardForm()
    slots = ["card_block_choice", "card_to_block"]
    assert await form.required_slots(slots, CollectingDispatcher(), tracker({"card_block_reason": "unsure"}), {}) == slots
    assert await form.required_slots(slots, CollectingDispatcher(), tracker({"card_block_reason": "lost"}), {}) == [
        "card_to_block"]


async def test_a_lost_or_stolen_card_is_blocked_without_the_choice(bank):
    bank(DEBIT)
    events, _ = await run(cards.ActionStartBlockCard(), {}, "my card was stolen")
    assert SlotSet("card_block_reason", "stolen") in events
    events, _ = await run(cards.ActionStartBlockCard(), {}, "I lost my card")
    assert SlotSet("card_block_reason", "lost") in events


async def test_choosing_block_for_good_makes_it_a_lost_card(bank):
    form = cards.ValidateBlockCardForm()
    assert await form.validate_card_block_choice("block", CollectingDispatcher(), tracker({}), {}) == {
        "card_block_choice": "block", "card_block_reason": "lost"}
    assert await form.validate_card_block_choice("freeze", CollectingDispatcher(), tracker({}), {}) == {
        "card_block_choice": "freeze"}


async def test_choosing_freeze_offers_active_cards_and_freezes_the_one_tapped(bank):
    fake = bank(DEBIT, card("credit", "7304", "frozen"))
    _, [message] = await run(cards.ActionAskCardToBlock(), {"card_block_choice": "freeze"})
    assert message["response"] == "utter_ask_card_to_freeze"
    assert [q["title"] for q in message["quick_replies"]] == ["Debit •••• 4821"]
    events, [message] = await run(cards.ActionBlockCard(), {"card_block_choice": "freeze", "card_to_block": "card-4821"})
    assert fake.frozen == ["card-4821"] and fake.blocked == []
    assert message["response"] == "utter_card_frozen"
    assert SlotSet("card_block_choice", None) in events


async def test_the_block_question_offers_frozen_cards_too(bank):
    fake = bank(DEBIT, card("credit", "7304", "frozen"), card("debit", "1111", "blocked"))
    _, [message] = await run(cards.ActionAskCardToBlock(), {})
    assert message["response"] == "utter_ask_card_to_block"
    assert [q["title"] for q in message["quick_replies"]] == ["Debit •••• 4821", "Credit •••• 7304"]
    await run(cards.ActionBlockCard(), {"card_to_block": "card-7304", "card_block_reason": "lost"})
    assert fake.blocked == ["card-7304"]


@pytest.mark.parametrize("language, says, order, advisor", [
    ("en", "Your debit card •••• 1111 is already blocked", "Order a replacement", "Talk to an advisor"),
    ("fr", "Votre carte de débit •••• 1111 est déjà bloquée", "Remplacer la carte", "Un conseiller"),
])
async def test_lost_when_the_only_card_is_already_blocked_offers_its_replacement_and_an_advisor(
        bank, language, says, order, advisor):
    """"I lost my card" with the card already blocked said "no active card to block" and offered nothing."""
    bank(card("debit", "1111", "blocked"))
    events, [message] = await run(cards.ActionAskCardToBlock(), {"language": language, "card_block_reason": "lost"})
    assert message["response"] == "utter_card_already_blocked"
    assert message["buttons"] == [{"title": order, "payload": '/order_card{"card_type":"debit"}'},
                                  {"title": advisor, "payload": "/human_handoff"}]
    assert SlotSet("card_replaces", "card-1111") in events  # the order replaces it
    assert SlotSet("requested_slot", None) in events  # the block form ends: nothing to block
    generated = await NLG.generate(message["response"], session(language=language), "messenger",
                                   card=message["card"])
    assert generated["text"].startswith(says), generated["text"]


async def test_with_no_card_at_all_a_new_card_and_an_advisor_are_offered(bank):
    bank()
    events, [message] = await run(cards.ActionAskCardToBlock(), {})
    assert message["response"] == "utter_no_active_cards"
    assert [b["payload"] for b in message["buttons"]] == ["/order_card", "/human_handoff"]
    assert not [e for e in events if e.get("name") == "card_replaces"]


# --- the kind of card a request names, never one an earlier message named --------------------------------------------


@pytest.mark.parametrize("start", [cards.ActionStartBlockCard, cards.ActionStartFreezeCard,
                                   cards.ActionStartUnfreezeCard, cards.ActionStartCardOrder])
@pytest.mark.parametrize("named, kind", [([], None), ([{"entity": "card_type", "value": "debit"}], "debit")])
async def test_a_fresh_card_request_takes_the_kind_of_card_it_names_or_none(bank, start, named, kind):
    """'How much is a credit card?' earlier left card_type at credit: 'I lost my card' must offer every card, and
    'order a new card' ask which kind."""
    bank(DEBIT, CREDIT)
    latest = {"text": "my card", "intent": {"name": "block_card"}, "entities": named}
    stale = Tracker("psid-1", {"language": "en", "card_type": "credit"}, latest,
                    [{"event": "user", "text": "my card", "parse_data": latest, "input_channel": "messenger"}],
                    False, None, {}, "action_listen")
    events = await start().run(CollectingDispatcher(), stale, {})
    assert SlotSet("card_type", kind) in events


async def test_a_yes_picks_the_only_card_offered_and_no_card_among_several(bank):
    bank(DEBIT, card("credit", "7304", "frozen"), card("debit", "1111", "blocked"))
    dispatcher = CollectingDispatcher()
    freeze, unfreeze, block = cards.ValidateFreezeCardForm(), cards.ValidateUnfreezeCardForm(), cards.ValidateBlockCardForm()
    assert await freeze.validate_card_to_freeze("oui", dispatcher, tracker({}, "oui", intent="affirm"), {}) == {
        "card_to_freeze": "card-4821"}  # one active card offered
    assert await unfreeze.validate_card_to_unfreeze("yes", dispatcher, tracker({}, "yes", intent="affirm"), {}) == {
        "card_to_unfreeze": "card-7304"}  # one frozen card offered
    # To block, the active and frozen cards are offered: two, so a yes names neither.
    assert await block.validate_card_to_block("yes", dispatcher, tracker({}, "yes", intent="affirm"), {}) == {
        "card_to_block": None}
    assert await block.validate_card_to_block(
        "yes", dispatcher, tracker({"card_type": "debit"}, "yes", intent="affirm"), {}) == {"card_to_block": "card-4821"}
    # "ok" read as something else than a yes picks nothing
    assert await freeze.validate_card_to_freeze("ok", dispatcher, tracker({}, "ok"), {}) == {"card_to_freeze": None}


async def test_a_no_to_a_card_order_is_answered():
    """It was skipped: the form ended at once on the False it had just been told, saying nothing."""
    from actions.cards import ValidateCardOrderForm

    latest = {"text": "no", "intent": {"name": "deny", "confidence": 1.0}, "entities": []}
    events = [{"event": "action", "name": "action_listen"},
              {"event": "user", "text": "no", "parse_data": latest, "input_channel": "messenger"},
              {"event": "action", "name": "card_order_form"},
              {"event": "slot", "name": "card_order_confirmed", "value": False}]
    tracker = Tracker("psid-1", {"language": "en", "requested_slot": "card_order_confirmed", "card_type": "debit",
                                 "card_order_confirmed": False}, latest, events, False, None,
                      {"name": "card_order_form"}, "card_order_form")
    dispatcher = CollectingDispatcher()
    await ValidateCardOrderForm().run(dispatcher, tracker, {
        "forms": {"card_order_form": {"required_slots": ["card_type", "card_order_confirmed"]}}})
    assert [m["response"] for m in dispatcher.messages] == ["utter_card_order_cancelled"]
