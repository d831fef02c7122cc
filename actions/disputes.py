"""Disputed payments: "I don't recognise this payment", "I was charged twice at Fnac yesterday".

Behind the OTP, like every service. The customer's words give the reason (charged twice, not recognised, or asked)
and narrow the payments offered (the merchant, amount and period named; else the recent card payments; the
duplicates first when charged twice). The customer picks one (quick replies, cards masked); for a card payment
the card can be frozen for now or blocked first. Then the core bank opens the case (one Idempotency-Key per
request: a retry gives the same case back) and its answer is told: the reference, the next steps, the days.
The core bank decides whether an advisor must take the case (its rule, bot/core_bank/disputes.py): then the
conversation is handed over to the staff queue (bot/handoff/), as action_handoff does, with reason "escalated".
"""
from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.bank_day import BANK_TIMEZONE, day_of, today
from actions.answers import answers_only
from actions.request_switch import StepsAsideForOtherRequests
from actions.banking import BankError, Card, Transaction, core_bank
from actions.cards import ACTIVE, BLOCKED, card_named
from actions.identity import VERIFIED
from actions.text.amounts import parse_money
from actions.text.disputes import CHARGED_TWICE, OTHER, REASONS, customer_words, names_merchant, reason_in_text
from actions.text.locale import Presentation
from actions.text.periods import Period, parse_period
from actions.transactions import transaction_label
from actions.verified import bank_trouble, current_session, refusal_reason, request_message, verified_session
from bot.dialogue_signals import HANDOVER_KEY

REQUEST = "dispute_payment"
FORM = "dispute_form"
OFFERED = 5  # payments offered at most (quick replies)
LOOKBACK_DAYS = 90  # without a period named: the payments of the last three months
RECENT_CARD_DAYS = 30  # nothing matched the words: the card payments of the last month
TITLE_MAX = 20  # Messenger's quick reply titles
CARD_ACTIONS = ("freeze", "block", "none")
NOT_DISPUTABLE = ("savings_transfer_out", "savings_withdrawal")  # the bank refuses them (its own rule): not offered
HANDOFF_REASON = "escalated"  # bot/handoff/models.py REASONS
NO_WORDS = "(The customer tapped a button: no words given in the chat.)"

SLOTS = ("dispute_reason", "dispute_transaction", "dispute_candidates", "dispute_card", "dispute_card_action")


def _request_text(tracker: Tracker) -> str:
    """The words of the request (it may lie a few turns back, before the OTP), else the latest message's."""
    text, _ = request_message(tracker, REQUEST)
    return text or str(tracker.latest_message.get("text") or "")


# --- which payments to offer -------------------------------------------------------------------------------------


def duplicates_first(found: List[Transaction]) -> List[Transaction]:
    """The payments charged twice (same merchant, amount and day) first, newest first; then the others."""
    def key(t: Transaction) -> Tuple[str, Decimal, date]:
        return ((t.counterparty or t.description).lower(), t.amount, day_of(t.booked_at))

    counts: Dict[Tuple[str, Decimal, date], int] = {}
    for t in found:
        counts[key(t)] = counts.get(key(t), 0) + 1
    twice = [t for t in found if counts[key(t)] > 1]
    return twice + [t for t in found if counts[key(t)] == 1]


def candidates(
    found: List[Transaction], text: str, reason: Optional[str], period: Optional[Period] = None
) -> Tuple[List[Transaction], bool]:
    """The payments the customer may mean, newest first (the duplicates first when charged twice), and whether
    they match the words: the merchant and the amount named, in the period named (or at any time when none of
    them was then). False: nothing matched, these are the recent card payments."""
    out = sorted((t for t in found if t.amount < 0 and t.kind not in NOT_DISPUTABLE),
                 key=lambda t: t.booked_at, reverse=True)
    named = names_merchant(text, {n for t in out for n in (t.merchant, t.counterparty)})
    money = parse_money(text, currency_required=True)
    by_words = [t for t in out if (not named or names_merchant(text, (t.merchant, t.counterparty)))
                and (money is None or -t.amount == money.amount)]
    in_period = [t for t in by_words if period is None or period.contains(day_of(t.booked_at))]
    matching = in_period or by_words
    matched = bool(matching)
    if not matching:
        since = today() - timedelta(days=RECENT_CARD_DAYS)
        matching = [t for t in out if t.kind == "card_payment" and day_of(t.booked_at) >= since]
    if reason == CHARGED_TWICE:
        matching = duplicates_first(matching)
    return matching[:OFFERED], matched


async def find_candidates(
    token: str, text: str, reason: Optional[str]
) -> Tuple[List[Transaction], bool, Dict[str, str]]:
    """The payments to offer (see `candidates`), whether they match the words, and each one's account id: the
    payments of the last three months (and of the period named, when it began earlier)."""
    period = parse_period(text, today())
    since = today() - timedelta(days=LOOKBACK_DAYS)
    if period is not None and period.since < since:
        since = period.since
    found: List[Transaction] = []
    account_of: Dict[str, str] = {}
    for account in await core_bank().accounts(token):
        if account.type == "savings":
            continue
        page, _ = await core_bank().transactions(token, account.account_id, limit=100, since=since.isoformat(),
                                                time_zone=BANK_TIMEZONE)
        found += page
        account_of.update({t.transaction_id: account.account_id for t in page})
    offered, matched = candidates(found, text, reason, period)
    return offered, matched, account_of


def quick_title(index: int, t: Transaction, shown_as: Presentation) -> str:
    """ "1 · Fnac · €49.99", the merchant cut to fit Messenger's 20 characters."""
    amount = shown_as.money(-t.amount, t.currency)
    name = t.merchant or t.counterparty or shown_as.text_or(f"dispute.kind.{t.kind}", t.description)
    head, tail = f"{index} · ", f" · {amount}"
    room = TITLE_MAX - len(head) - len(tail)
    if room < 3:
        return (head + amount)[:TITLE_MAX]
    return head + (name if len(name) <= room else name[: room - 1] + "…") + tail


def payment_line(index: int, t: Transaction, shown_as: Presentation, card: Optional[Card],
                 case: Optional[str] = None) -> str:
    """One payment of the list; `case`: the reference of the case already open about it."""
    line = shown_as.text(
        "dispute.line", index=index, day=shown_as.day(day_of(t.booked_at)),
        description=transaction_label(shown_as, t.kind, t.counterparty, t.description),
        amount=shown_as.signed_money(t.amount, t.currency),
        card=shown_as.text("dispute.by_card", masked=card.masked) if card is not None else "",
    )
    return line + shown_as.text("dispute.already", reference=case) if case else line


def cards_of(cards: List[Card], account_id: str) -> List[Card]:
    """The cards that may have paid from `account_id` and that can still be frozen or blocked (debit first)."""
    usable = [c for c in cards if c.account_id == account_id and c.status != BLOCKED]
    return sorted(usable, key=lambda c: (c.kind != "debit", c.status != ACTIVE))


# --- the flow ----------------------------------------------------------------------------------------------------


class ActionStartDispute(Action):
    def name(self) -> Text:
        return "action_start_dispute"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        events: List[EventType] = []
        if tracker.latest_action_name == "action_listen":  # a fresh request: new draft, new idempotency key
            events = [SlotSet(name, None) for name in SLOTS] + [
                SlotSet("dispute_reason", reason_in_text(tracker.latest_message.get("text"))),
                SlotSet("dispute_key", uuid.uuid4().hex),
            ]
        session, gate = verified_session(tracker, dispatcher, request=REQUEST)
        if session is None:
            return events + gate
        return events + [SlotSet("identity", VERIFIED), SlotSet("pending_request", None)]


class ValidateDisputeForm(StepsAsideForOtherRequests, FormValidationAction):
    def name(self) -> Text:
        return "validate_dispute_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if tracker.get_slot("dispute_transaction") and not tracker.get_slot("dispute_card"):
            return [slot for slot in domain_slots if slot != "dispute_card_action"]  # not a card payment
        return domain_slots

    @answers_only
    async def validate_dispute_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        said = str(value)
        chosen = next((r for r in REASONS if r in said), None) or reason_in_text(said)
        if chosen is None:
            dispatcher.utter_message(response="utter_dispute_reason_unclear")
        return {"dispute_reason": chosen}

    @answers_only
    async def validate_dispute_transaction(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        session = current_session(tracker)
        if session is None:
            return {"dispute_transaction": None, "requested_slot": None}
        offered = json.loads(tracker.get_slot("dispute_candidates") or "[]")
        said = str(value).strip()
        picked = next((o for o in offered if o["id"] in said), None)
        if picked is None and said.rstrip(".").isdigit() and 1 <= int(said.rstrip(".")) <= len(offered):
            picked = offered[int(said.rstrip(".")) - 1]
        if picked is None:
            dispatcher.utter_message(response="utter_dispute_which_payment_unclear")
            return {"dispute_transaction": None}
        card_id = None
        if picked["kind"] == "card_payment":
            try:
                usable = cards_of(await core_bank().cards(session.access_token), picked["account_id"])
            except BankError:
                usable = []
            card_id = usable[0].card_id if usable else None
        return {"dispute_transaction": picked["id"], "dispute_card": card_id}

    @answers_only
    async def validate_dispute_card_action(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value in CARD_ACTIONS:
            return {"dispute_card_action": value}
        return {"dispute_card_action": None}


class ActionAskDisputeTransaction(Action):
    """Lists the payments the customer may mean (numbered, with the card masked) as quick replies."""

    def name(self) -> Text:
        return "action_ask_dispute_transaction"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        session, events = verified_session(tracker, dispatcher, request=REQUEST)
        if session is None:
            return events + [SlotSet("requested_slot", None)]
        try:
            offered, matched, account_of = await find_candidates(
                session.access_token, _request_text(tracker), tracker.get_slot("dispute_reason")
            )
            cards = await core_bank().cards(session.access_token) if offered else []
            # The payments disputed already are said so (a second case is refused, naming the first).
            cases = {d.transaction.transaction_id: d.reference
                     for d in (await core_bank().disputes(session.access_token) if offered else [])}
        except BankError as error:
            return bank_trouble(tracker, dispatcher, error, REQUEST) + [ActiveLoop(None), SlotSet("requested_slot", None)]
        if not offered:
            dispatcher.utter_message(response="utter_dispute_no_payments")
            return [ActiveLoop(None), SlotSet("requested_slot", None)] + [SlotSet(n, None) for n in SLOTS]
        shown_as = Presentation.from_tracker(tracker)

        def card_for(t: Transaction) -> Optional[Card]:
            usable = cards_of(cards, account_of[t.transaction_id]) if t.kind == "card_payment" else []
            return usable[0] if usable else None

        lines = "\n".join(payment_line(i, t, shown_as, card_for(t), cases.get(t.transaction_id))
                          for i, t in enumerate(offered, 1))
        replies = [{"title": quick_title(i, t, shown_as), "payload": f'/inform{{"transaction_id":"{t.transaction_id}"}}'}
                   for i, t in enumerate(offered, 1)]
        replies.append({"title": shown_as.text("dispute.not_listed"), "payload": "/human_handoff"})
        dispatcher.utter_message(
            response="utter_ask_dispute_transaction" if matched else "utter_ask_dispute_transaction_recent",
            payments=lines, quick_replies=replies,
        )
        kept = [{"id": t.transaction_id, "kind": t.kind, "account_id": account_of[t.transaction_id]} for t in offered]
        return [SlotSet("dispute_candidates", json.dumps(kept))]


class ActionAskDisputeCardAction(Action):
    """For a card payment: freeze the card for now, block it for good, or leave it."""

    def name(self) -> Text:
        return "action_ask_dispute_card_action"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        session, events = verified_session(tracker, dispatcher, request=REQUEST)
        if session is None:
            return events + [SlotSet("requested_slot", None)]
        try:
            card = next((c for c in await core_bank().cards(session.access_token)
                         if c.card_id == tracker.get_slot("dispute_card")), None)
        except BankError as error:
            return bank_trouble(tracker, dispatcher, error, REQUEST) + [ActiveLoop(None), SlotSet("requested_slot", None)]
        if card is None:  # gone meanwhile: nothing to protect, the case goes on
            return [SlotSet("dispute_card", None), SlotSet("dispute_card_action", "none")]
        shown_as = Presentation.from_tracker(tracker)
        buttons = []
        if card.status == ACTIVE:
            buttons.append({"title": shown_as.text("dispute.freeze"), "payload": "/freeze_card"})
        buttons += [{"title": shown_as.text("dispute.block"), "payload": "/block_card"},
                    {"title": shown_as.text("dispute.leave_card"), "payload": "/deny"}]
        response = "utter_ask_dispute_card_action" if card.status == ACTIVE else "utter_ask_dispute_card_action_frozen"
        dispatcher.utter_message(response=response, card=card_named(card, shown_as), buttons=buttons)
        return []


def hand_over(dispatcher: CollectingDispatcher) -> List[EventType]:
    """As action_handoff: the staff queue gets the conversation (reason "escalated"), the bot pauses."""
    dispatcher.utter_message(json_message={HANDOVER_KEY: {"reason": HANDOFF_REASON}})
    return [ActiveLoop(None), SlotSet("requested_slot", None), ConversationPaused()]


class ActionOpenDispute(Action):
    """Protects the card if asked, opens the case at the core bank and tells its answer; hands over to an advisor
    when the bank says one must take the case."""

    def name(self) -> Text:
        return "action_open_dispute"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        reset = [SlotSet(name, None) for name in SLOTS] + [SlotSet("dispute_key", None)]
        transaction_id = tracker.get_slot("dispute_transaction")
        if not transaction_id:
            return reset
        session, events = verified_session(tracker, dispatcher, request=REQUEST)
        if session is None:
            return reset + events
        token = session.access_token
        shown_as = Presentation.from_tracker(tracker)
        card_id, card_action = tracker.get_slot("dispute_card"), tracker.get_slot("dispute_card_action")
        said: List[EventType] = []
        if card_id and card_action in ("freeze", "block"):
            try:
                if card_action == "freeze":
                    card = await core_bank().freeze_card(token, card_id)
                    dispatcher.utter_message(response="utter_dispute_card_frozen", card=card_named(card, shown_as))
                else:
                    card = await core_bank().block_card(token, card_id, "stolen")
                    dispatcher.utter_message(response="utter_dispute_card_blocked", card=card_named(card, shown_as))
            except BankError as error:
                if error.status == 401:
                    return reset + bank_trouble(tracker, dispatcher, error, REQUEST)
                dispatcher.utter_message(response="utter_dispute_card_unchanged")  # the case goes on
        reason = tracker.get_slot("dispute_reason") or OTHER
        details = None
        if reason == OTHER:  # the bank needs the customer's words; for its staff, who read English
            request = _request_text(tracker)
            details = customer_words(request) if not request.startswith("/") else NO_WORDS
        try:
            case = await core_bank().open_dispute(
                token, transaction_id=transaction_id, reason=reason, details=details,
                idempotency_key=tracker.get_slot("dispute_key") or uuid.uuid4().hex,
            )
        except BankError as error:
            if error.code == "dispute_exists":
                dispatcher.utter_message(response="utter_dispute_exists",
                                         reference=str(error.details.get("reference") or ""))
                return reset + said
            if error.status in (404, 422):
                dispatcher.utter_message(response="utter_dispute_refused", reason=refusal_reason(shown_as, error))
                return reset + said
            return reset + said + bank_trouble(tracker, dispatcher, error, REQUEST)
        t = case.transaction
        days = {"review_by": shown_as.day(case.review_by), "resolve_by": shown_as.day(case.resolve_by)}
        dispatcher.utter_message(
            response="utter_dispute_opened", reference=case.reference,
            payment=shown_as.text("dispute.payment", day=shown_as.day(day_of(t.booked_at)),
                                  description=transaction_label(shown_as, t.kind, t.counterparty, t.description),
                                  amount=shown_as.money(-t.amount, t.currency)),
        )
        if case.advisor_required:
            dispatcher.utter_message(
                response="utter_dispute_advisor",
                why=shown_as.text_or(f"dispute.advisor_reason.{case.advisor_reason}", ""), **days,
            )
            return reset + said + hand_over(dispatcher)
        dispatcher.utter_message(response="utter_dispute_next_steps", **days)
        return reset + said
