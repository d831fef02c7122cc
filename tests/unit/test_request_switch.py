"""Inside a form, a message that clearly asks another service leaves the form to the rules instead of being judged
as the answer to the form's question (actions/request_switch.py)."""
from typing import Any, Dict, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.cards import ValidateBlockCardForm, ValidateCardOrderForm
from actions.disputes import ValidateDisputeForm
from actions.identity import ValidateIdentityForm
from actions.request_switch import ANSWERS, SERVICE_REQUESTS, SWITCH_CONFIDENCE, other_request, refusal
from actions.transfers import ValidateTransferForm
from tests.support.processes import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
REJECTED = "action_execution_rejected"


def in_form(form: str, intent: str, confidence: float = 0.93, requested: str = "x", text: str = "",
            latest_action: str = "action_listen", slots: Optional[Dict[str, Any]] = None) -> Tracker:
    """As Rasa gives a form's validation the tracker: its events end with the form's own run."""
    message = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []}
    events = [{"event": "action", "name": latest_action}, {"event": "user", "text": text, "parse_data": message},
              {"event": "slot", "name": "requested_slot", "value": requested}, {"event": "action", "name": form}]
    extracted = {}
    if text and requested in DOMAIN["slots"]:  # the form's from_text mapping took the words
        extracted = {requested: text}
        events.append({"event": "slot", "name": requested, "value": text})
    return Tracker("psid-1", {"identity": "verified", "requested_slot": requested, **(slots or {}), **extracted},
                   message, events, False, None, {"name": form}, form)


def kinds(events: List[Dict[str, Any]]) -> List[str]:
    return [e["event"] for e in events]


def test_every_form_says_which_requests_it_takes_as_answers():
    assert set(ANSWERS) == set(DOMAIN["forms"])
    intents = set(DOMAIN["intents"])
    assert SERVICE_REQUESTS <= intents and all(answers <= SERVICE_REQUESTS for answers in ANSWERS.values())
    assert "check_balance" not in SERVICE_REQUESTS  # shown inside a form, which goes on (data/rules/)


@pytest.mark.parametrize("form, intent, expected", [
    ("dispute_form", "transfer_money", "transfer_money"),
    ("transfer_form", "block_card", "block_card"),
    ("card_order_form", "block_card", "block_card"),      # protecting a card comes first
    ("block_card_form", "order_card", None),               # but a lost card is blocked before anything else
    ("transfer_form", "transfer_money", None),             # its own words: an answer
    ("dispute_form", "search_transactions", None),         # "the Fnac one last week" describes the payment
    ("loan_form", "check_balance", None),                  # the rules show it and come back to the form
    ("loan_form", "inform", None),
])
def test_other_request(form, intent, expected):
    assert other_request(in_form(form, intent), form) == expected


def test_asked_which_card_to_block_a_freeze_is_a_change_of_mind_and_only_freeze_or_block_takes_it():
    assert other_request(in_form("block_card_form", "freeze_card", requested="card_to_block"),
                         "block_card_form") == "freeze_card"
    assert other_request(in_form("block_card_form", "freeze_card", requested="card_block_choice"),
                         "block_card_form") is None
    assert other_request(in_form("block_card_form", "order_card", requested="card_to_block"), "block_card_form") is None


def test_any_service_s_words_answer_what_an_appointment_is_about():
    assert other_request(in_form("appointment_form", "loan_inquiry", requested="appointment_topic"),
                         "appointment_form") is None
    assert other_request(in_form("appointment_form", "loan_inquiry", requested="appointment_slot"),
                         "appointment_form") == "loan_inquiry"


def test_a_transfer_waiting_for_its_code_is_never_left_for_another_request():
    assert other_request(in_form("transfer_form", "search_transactions", requested="transfer_code"),
                         "transfer_form") is None
    assert other_request(in_form("transfer_form", "search_transactions", requested="transfer_payee"),
                         "transfer_form") == "search_transactions"


def test_an_unsure_reading_or_a_form_not_waiting_for_an_answer_is_not_a_switch():
    assert other_request(in_form("dispute_form", "transfer_money", confidence=SWITCH_CONFIDENCE - 0.01),
                         "dispute_form") is None
    # the form coming back after another action, or starting: nothing typed to judge
    assert other_request(in_form("dispute_form", "transfer_money", latest_action="action_show_balance"),
                         "dispute_form") is None
    assert other_request(in_form("identity_form", "transfer_money"), "dispute_form") is None


async def test_a_form_left_for_another_request_says_so_and_keeps_nothing():
    dispatcher = CollectingDispatcher()
    tracker = in_form("dispute_form", "transfer_money", requested="dispute_transaction", text="send 20 euros to Tom",
                      slots={"dispute_reason": "charged_twice", "language": "fr"})
    events = await ValidateDisputeForm().run(dispatcher, tracker, DOMAIN)
    assert kinds(events)[0] == "active_loop" and events[0]["name"] is None
    assert events[-1] == {"event": REJECTED, "name": "dispute_form", "policy": None, "confidence": None,
                          "timestamp": None}
    cleared = {e["name"] for e in events if e["event"] == "slot" and e["value"] is None}
    assert {"dispute_reason", "dispute_transaction", "requested_slot"} <= cleared
    assert not {"identity", "language", "locale"} & cleared
    assert [m["response"] for m in dispatcher.messages] == ["utter_request_set_aside"]


async def test_the_verification_stays_for_the_new_request():
    dispatcher = CollectingDispatcher()
    tracker = in_form("identity_form", "block_card", requested="customer_identifier", text="block my card please",
                      slots={"identity": "required", "pending_request": "check_balance"})
    events = await ValidateIdentityForm().run(dispatcher, tracker, DOMAIN)
    assert kinds(events) == ["slot", REJECTED]
    assert events[0]["name"] == "customer_identifier" and events[0]["value"] is None  # the words are not an answer
    assert not dispatcher.messages  # not "that doesn't look like a customer number"


@pytest.mark.parametrize("validator, form, intent, requested, text", [
    (ValidateTransferForm, "transfer_form", "transfer_money", "transfer_payee", "send it to Tom"),
    (ValidateBlockCardForm, "block_card_form", "order_card", "card_to_block", "the credit card"),
    (ValidateCardOrderForm, "card_order_form", "order_card", "card_type", "a credit card"),
])
async def test_an_answer_in_the_form_s_own_words_is_still_judged(validator, form, intent, requested, text):
    events = await validator().run(CollectingDispatcher(), in_form(form, intent, requested=requested, text=text),
                                   DOMAIN)
    assert REJECTED not in kinds(events)


def slot_value(events: List[Dict[str, Any]], name: str) -> Any:
    return [e["value"] for e in events if e["event"] == "slot" and e["name"] == name][-1]


async def test_the_second_answer_in_a_row_the_form_cannot_take_offers_a_way_out():
    asked = {"requested": "customer_identifier", "text": "i dont know it", "slots": {"identity": "required"}}
    dispatcher = CollectingDispatcher()
    events = await ValidateIdentityForm().run(dispatcher, in_form("identity_form", "out_of_scope", **asked), DOMAIN)
    assert [m["response"] for m in dispatcher.messages] == ["utter_identifier_invalid"]
    assert slot_value(events, "answer_misses") == "customer_identifier 1"

    dispatcher = CollectingDispatcher()
    again = {**asked, "slots": {"identity": "required", "answer_misses": "customer_identifier 1"}}
    events = await ValidateIdentityForm().run(dispatcher, in_form("identity_form", "out_of_scope", **again), DOMAIN)
    assert [m["response"] for m in dispatcher.messages] == ["utter_identifier_invalid", "utter_form_way_out"]
    assert slot_value(events, "answer_misses") == "customer_identifier 2"


async def test_a_miss_on_another_question_starts_the_count_again():
    asked = {"requested": "customer_identifier", "text": "no idea", "slots": {"identity": "required",
                                                                          "answer_misses": "otp_code 1"}}
    dispatcher = CollectingDispatcher()
    events = await ValidateIdentityForm().run(dispatcher, in_form("identity_form", "out_of_scope", **asked), DOMAIN)
    assert "utter_form_way_out" not in [m["response"] for m in dispatcher.messages]
    assert slot_value(events, "answer_misses") == "customer_identifier 1"


def test_an_answer_taken_or_a_question_moved_on_is_no_miss():
    from actions.request_switch import refused
    assert refused([{"event": "slot", "name": "card_to_block", "value": None}], "card_to_block")
    assert not refused([{"event": "slot", "name": "card_to_block", "value": "card_1"}], "card_to_block")
    assert not refused([{"event": "slot", "name": "otp_code", "value": None},
                        {"event": "slot", "name": "requested_slot", "value": None}], "otp_code")  # verified: done
    assert not refused([], None)


async def test_a_message_the_form_does_not_take_is_left_to_the_rules_untouched():
    """"advisor" while the customer number is asked: nothing extracted, nothing judged; any slot set by the
    validation would keep Rasa from rejecting the form, and the rules from handing over."""
    tracker = in_form("identity_form", "human_handoff", requested=None, slots={"identity": "required",
                                                                              "answer_misses": "customer_identifier 1",
                                                                              "requested_slot": "customer_identifier"})
    assert await ValidateIdentityForm().run(CollectingDispatcher(), tracker, DOMAIN) == []


@pytest.mark.parametrize("requested, text", [
    ("card_to_block", "non surtout pas je veux juste recuperer mon code"),
    ("card_to_block", "no don't block it"),
    ("card_block_choice", "non"),
])
async def test_a_no_to_the_card_question_ends_the_request_without_touching_a_card(requested, text):
    dispatcher = CollectingDispatcher()
    tracker = in_form("block_card_form", "deny", confidence=0.99, requested=requested, text=text)
    events = await ValidateBlockCardForm().run(dispatcher, tracker, DOMAIN)
    assert kinds(events)[0] == "active_loop" and events[0]["name"] is None and kinds(events)[-1] == REJECTED
    assert {e["name"] for e in events if e["event"] == "slot" and e["value"] is None} >= {"card_to_block",
                                                                                           "requested_slot"}
    assert [m["response"] for m in dispatcher.messages] == ["utter_card_left_untouched"]


@pytest.mark.parametrize("text", ["no, the credit one", "non la 7304", "non, la carte de crédit"])
def test_a_no_that_names_a_card_is_an_answer(text):
    assert not refusal(in_form("block_card_form", "deny", confidence=0.99, requested="card_to_block", text=text),
                       "block_card_form")
    assert refusal(in_form("block_card_form", "deny", confidence=0.99, requested="card_to_block", text="non merci"),
                   "block_card_form")
    # Elsewhere a no is the form's to judge (a transfer's confirmation, a dispute's questions)
    assert not refusal(in_form("transfer_form", "deny", confidence=0.99, requested="transfer_confirmed", text="non"),
                       "transfer_form")
