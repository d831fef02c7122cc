"""Waiting for the one-time code, which messages ask for another one (actions/identity.py `asks_for_a_new_code`): the
knowledge base's code-not-received topic among the first four, read in the context of the code step."""
from typing import Any, Dict, List, Optional, Tuple

import pytest
from rasa_sdk import Tracker

from actions.identity import asks_for_a_new_code

CODE_TOPIC = "faq/sms_code_not_received"


def at_code_step(text: str, intent: str, confidence: float, topics: List[Tuple[str, float]],
                 requested: str = "otp_code", form: Optional[str] = "identity_form") -> Tracker:
    message: Dict[str, Any] = {
        "text": text, "intent": {"name": intent, "confidence": confidence}, "entities": [],
        "response_selector": {"faq": {"ranking": [{"intent_response_key": k, "confidence": c} for k, c in topics]}},
    }
    return Tracker("psid-1", {"requested_slot": requested}, message, [], False, None,
                   {"name": form} if form else {}, "action_listen")


PIN_FIRST = [("faq/change_pin", 0.57), (CODE_TOPIC, 0.24), ("faq/pin_blocked", 0.06), ("faq/pin_forgotten", 0.06)]


@pytest.mark.parametrize("text, intent, confidence, topics, asked", [
    ("send me another code please", "order_card", 0.44, PIN_FIRST, True),     # a card order, unsure: the code
    ("another code pls", "show_more", 0.97, PIN_FIRST, True),
    ("send a new code", "faq", 0.97, [("faq/change_pin", 0.87), (CODE_TOPIC, 0.05)], True),
    ("pas de code", "deny", 1.0, [(CODE_TOPIC, 0.98)], True),                  # a "no" about the code
    ("no", "deny", 1.0, [("faq/mediator", 0.4), (CODE_TOPIC, 0.2)], False),     # a bare "no" is not
    ("yes", "affirm", 1.0, [(CODE_TOPIC, 0.3)], False),
    ("cancel", "cancel", 0.99, [(CODE_TOPIC, 0.3)], False),                   # the form's own ways out
    ("a person please", "human_handoff", 0.99, [(CODE_TOPIC, 0.3)], False),
    ("block my card", "block_card", 0.95, [(CODE_TOPIC, 0.3)], False),         # another service, surely
    ("my code is 48 21 93", "inform", 0.9, [(CODE_TOPIC, 0.6)], False),        # a code typed: the validation's
    ("what are your opening hours", "faq", 0.99, [("faq/opening_hours", 0.99), (CODE_TOPIC, 0.01)], False),
    ("send me a new code", "faq", 0.9, [("faq/pin_forgotten", 0.4), ("faq/change_pin", 0.3), ("faq/x", 0.1),
                                        ("faq/y", 0.1), (CODE_TOPIC, 0.09)], False),  # fifth: too far
])
def test_which_messages_ask_for_a_new_code(text, intent, confidence, topics, asked):
    assert asks_for_a_new_code(at_code_step(text, intent, confidence, topics)) is asked


def test_only_while_the_code_is_awaited():
    words = ("send me another code please", "show_more", 0.97, PIN_FIRST)
    assert not asks_for_a_new_code(at_code_step(*words, requested="customer_identifier"))
    assert not asks_for_a_new_code(at_code_step(*words, form=None))
