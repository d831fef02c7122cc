"""A customer in the middle of a request who asks for another service: the form steps aside for it.

Inside a form, most of what the customer types is taken as the answer to the form's question (a `from_text`
mapping), so "block my card" typed while a dispute asks which payment got "I couldn't find that payment" again and
again. Now a message that clearly asks another service (its intent one of `SERVICE_REQUESTS`, at least
`SWITCH_CONFIDENCE`, and not one the form takes as an answer, `ANSWERS`) is not judged as an answer: the form's
validation rejects it (Rasa's manual rejection, an `ActionExecutionRejected` event) and the rules start the service
asked for, as they do outside a form.

- The verification (identity_form) stays: the new request waits for it instead of the old one (the service's start
  action sets `pending_request`), and the form asks its question again (a code already sent stays valid).
- Any other form is left as a cancel leaves it, saying so (nothing was sent to the bank), its slots cleared.

A plain "no" to a card question (which card to block, freeze or unfreeze; freeze or block) ends the request as a
cancel does (`REFUSABLE`); a "no" that names a card is an answer.
An answer the form cannot take twice in a row (the same question, refused by the validation: "that doesn't look like
a customer number", "I can't tell which payment you mean") adds a way out after the form's own message: an advisor,
or cancel (`utter_form_way_out`); the count lives in `answer_misses` ("<slot> <count>").

Not here: a balance question, a general question, help, cancel, goodbye, a person, a language switch: the rules
handle those inside forms already (data/rules/), most coming back to the form's question afterwards.
"""
from __future__ import annotations

import re
from typing import Dict, FrozenSet, List, Optional, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected, ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import request_slots
from actions.text.cards import card_kind

# Intents that start a service of their own (a rule starts each one, data/rules/); check_balance is not among them:
# inside a form the balance is shown and the form goes on.
SERVICE_REQUESTS: FrozenSet[str] = frozenset({
    "recent_transactions", "search_transactions", "recurring_payments", "spending_insights",
    "block_card", "freeze_card", "unfreeze_card", "order_card",
    "loan_inquiry", "loan_status", "my_cards", "transfer_money", "dispute_payment",
    "book_appointment", "cancel_appointment", "reschedule_appointment",
})

_CARDS = frozenset({"block_card", "freeze_card", "unfreeze_card", "order_card"})
_APPOINTMENTS = frozenset({"book_appointment", "cancel_appointment", "reschedule_appointment"})

# Per form, the service intents its questions take as answers (or that must not leave it).
ANSWERS: Dict[str, FrozenSet[str]] = {
    "identity_form": frozenset(),
    # A lost card is blocked before anything else; its questions take the card words ("freeze it", "the debit one").
    "block_card_form": _CARDS,
    # From a freeze or an order, a block is still taken: protecting the card comes first.
    "freeze_card_form": _CARDS - {"block_card"},
    "unfreeze_card_form": _CARDS - {"block_card"},
    "card_order_form": _CARDS - {"block_card"},
    "loan_form": frozenset({"loan_inquiry", "loan_status"}),
    "transfer_form": frozenset({"transfer_money"}),
    # The appointment forms leave one another by their own not_intent mappings (domain.yml), as before.
    "appointment_form": _APPOINTMENTS,
    "appointment_cancel_form": _APPOINTMENTS,
    "appointment_reschedule_form": _APPOINTMENTS,
    # The payment to dispute is often described in a search's or a card's words ("the Fnac one last week").
    "dispute_form": frozenset({"dispute_payment", "recent_transactions", "search_transactions", "freeze_card",
                               "block_card"}),
}

# Narrower answers for one question of a form: asked which card to block, a freeze is the customer changing their mind
# ("can I just freeze it instead?"), not a card; only the freeze-or-block question takes the freeze words.
QUESTION_ANSWERS: Dict[Tuple[str, str], FrozenSet[str]] = {
    ("block_card_form", "card_to_block"): _CARDS - {"freeze_card", "unfreeze_card"},
}

# Questions during which no message starts another service:
# - an appointment's topic: any service's words answer it ("about my mortgage" is a topic, not a loan request);
# - a transfer's code: the transfer is prepared at the bank and its SMS sent; anything but the code is told what is
#   awaited and how to stop (the validation's answer), so a transfer never disappears without the customer's no.
QUESTIONS_KEPT: FrozenSet[str] = frozenset({"appointment_topic", "transfer_code"})

# How sure NLU must be that the message asks the other service. A quick reply or a menu item is sure (1.0).
SWITCH_CONFIDENCE = 0.7


def answering(tracker: Tracker, form: str) -> bool:
    """Whether `form`, active, runs on a message just typed (not starting, not coming back after another action).

    Rasa gives the validation a tracker that ends with the form's own run; the action before it tells."""
    if tracker.active_loop_name != form:
        return False
    actions = [e.get("name") for e in tracker.events if e.get("event") == "action"]
    while actions and actions[-1] == form:
        actions.pop()
    return bool(actions) and actions[-1] == "action_listen"


def other_request(tracker: Tracker, form: str) -> Optional[str]:
    """The service the customer's latest message asks for instead of answering `form`'s question, or None."""
    if not answering(tracker, form):
        return None  # the form is starting, or coming back after another action: there is no answer to judge
    if tracker.get_slot("requested_slot") in QUESTIONS_KEPT:
        return None
    intent = tracker.latest_message.get("intent") or {}
    name, confidence = intent.get("name"), intent.get("confidence") or 0.0
    answers = QUESTION_ANSWERS.get((form, tracker.get_slot("requested_slot")), ANSWERS.get(form, frozenset()))
    if name not in SERVICE_REQUESTS or name in answers or confidence < SWITCH_CONFIDENCE:
        return None
    return name


def step_aside(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, form: str) -> List[EventType]:
    """The events that leave the latest message to the rules (module docstring)."""
    rejected = ActionExecutionRejected(form)
    requested = tracker.get_slot("requested_slot")
    if form == "identity_form":  # the service asked for waits for the verification instead
        return ([SlotSet(requested, None)] if requested else []) + [rejected]
    dispatcher.utter_message(response="utter_request_set_aside")
    return [ActiveLoop(None)] + [SlotSet(name, None) for name in request_slots(domain)] + [rejected]


# Questions a plain "no" ends, as a cancel does: which card to block, freeze or unfreeze, and freeze-or-block. "Non
# surtout pas" to "Which card should I block?" got the question again and again; only "annule" left. A "no" that
# names a card ("no, the credit one", "non la 7304") is an answer, left to the validation.
CARD_QUESTIONS: FrozenSet[str] = frozenset({"card_block_choice", "card_to_block", "card_to_freeze", "card_to_unfreeze"})
# Also "Which loan are you interested in?" (the products shown): "no thanks" got "Anything else?", then the list again.
REFUSABLE: FrozenSet[str] = CARD_QUESTIONS | {"loan_type"}
_LAST_FOUR = re.compile(r"(?<!\d)\d{4}(?!\d)")


def refusal(tracker: Tracker, form: str) -> bool:
    """Whether the customer's latest message says no to a `REFUSABLE` question of `form` without naming an answer
    (a card, a loan type)."""
    asked = tracker.get_slot("requested_slot")
    if not answering(tracker, form) or asked not in REFUSABLE:
        return False
    intent = tracker.latest_message.get("intent") or {}
    if intent.get("name") != "deny" or (intent.get("confidence") or 0.0) < SWITCH_CONFIDENCE:
        return False
    text = tracker.latest_message.get("text") or ""
    if asked not in CARD_QUESTIONS:
        return not any(e.get("entity") == asked for e in tracker.latest_message.get("entities") or [])
    return card_kind(text) is None and not _LAST_FOUR.search(text)


def leave_refused(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
                  form: str) -> List[EventType]:
    """The form left as a cancel leaves it, said so for a card ("no card was touched"); the "no" then goes to the rules
    ("Anything else?")."""
    if tracker.get_slot("requested_slot") in CARD_QUESTIONS:
        dispatcher.utter_message(response="utter_card_left_untouched")
    return [ActiveLoop(None)] + [SlotSet(name, None) for name in request_slots(domain)] + [ActionExecutionRejected(form)]


MISSES_SLOT = "answer_misses"
WAY_OUT_AFTER = 2  # misses in a row


def refused(events: List[EventType], asked: Optional[str]) -> bool:
    """Whether the validation's `events` left the question `asked` unanswered (its slot emptied, the same question
    still to ask) and understood nothing else: other times asked for ("anything in the afternoon?"), another loan
    type, a term given for the amount are taken, not missed."""
    if not asked:
        return False
    emptied = any(e.get("event") == "slot" and e.get("name") == asked and e.get("value") is None for e in events)
    moved_on = any(e.get("event") == "slot" and e.get("name") == "requested_slot" for e in events)
    ended = any(e.get("event") in ("active_loop", "action_execution_rejected") for e in events)
    understood = any(e.get("event") == "slot" and e.get("name") not in (asked, "requested_slot", MISSES_SLOT)
                     and e.get("value") is not None for e in events)
    return emptied and not moved_on and not ended and not understood


def judged(events: List[EventType]) -> bool:
    """Whether the validation judged an answer (set a slot other than `requested_slot`). When it did not, Rasa's
    form rejects the message (nothing extracted) and the rules take it: "advisor", "cancel", a balance question."""
    return any(e.get("event") == "slot" and e.get("name") != "requested_slot" for e in events)


def misses_after(tracker: Tracker, events: List[EventType]) -> Tuple[Optional[str], int]:
    """The slot and the count of misses in a row once `events` are applied (None, 0 when the answer was taken)."""
    asked = tracker.get_slot("requested_slot")
    if not refused(events, asked):
        return None, 0
    slot, _, count = str(tracker.get_slot(MISSES_SLOT) or "").partition(" ")
    return asked, (int(count) + 1 if slot == asked and count.isdigit() else 1)


class StepsAsideForOtherRequests:
    """Mixed into a FormValidationAction (before it): a request for another service is not judged as an answer, and
    the second answer in a row the form cannot take offers a way out."""

    def answers_the_question(self, tracker: Tracker) -> bool:
        """Whether the latest message's words answer the question asked, whatever service NLU read in them (a form
        says so for its questions: "vous avez quelque chose vendredi ?" at the time question is not a search)."""
        return False

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        form = self.form_name()  # type: ignore[attr-defined]  # FormValidationAction's
        if other_request(tracker, form) is not None and not self.answers_the_question(tracker):
            return step_aside(dispatcher, tracker, domain, form)
        if refusal(tracker, form):
            return leave_refused(dispatcher, tracker, domain, form)
        events = await super().run(dispatcher, tracker, domain)  # type: ignore[misc]
        if not answering(tracker, form) or not judged(events):
            return events  # nothing judged: Rasa leaves the message to the rules (a slot set here would stop that)
        slot, count = misses_after(tracker, events)
        if count >= WAY_OUT_AFTER:
            dispatcher.utter_message(response="utter_form_way_out")
        value = f"{slot} {count}" if slot else None
        return events + ([SlotSet(MISSES_SLOT, value)] if value != tracker.get_slot(MISSES_SLOT) else [])
