"""Loans: products and rates, a monthly-payment quote, an application after verification, its status.

Rates, ranges and the annuity arithmetic belong to the core bank; these actions
ask and show.
"""
from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import answers_only
from actions.request_switch import StepsAsideForOtherRequests
from actions.banking import BankError, core_bank
from actions.identity import VERIFIED
from actions.text.locale import Presentation
from actions.text.amounts import parse_money, parse_term_months, term_only
from actions.text.loans import loan_type_of
from actions.verified import bank_trouble, refusal_reason, verified_session

LOAN_SLOTS = ("loan_type", "loan_amount", "loan_term")
QUOTE_ACTION = "action_show_loan_quote"
MIN_BARE_AMOUNT = Decimal("100")  # a number without its currency below this is not an amount to borrow


def _entity(tracker: Tracker, name: str) -> Optional[str]:
    return next(tracker.get_latest_entity_values(name), None)


def loan_type_named(shown_as: Presentation, product: Any) -> str:
    """"personal loan", "prêt personnel": the product in a sentence."""
    return shown_as.text_or(f"loan.type.{product}", str(product))


def quote_just_shown(tracker: Tracker) -> bool:
    """The bot's answer to the customer's previous message was a loan quote, which still stands (all three figures)."""
    if not all(tracker.get_slot(name) for name in LOAN_SLOTS):
        return False
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users == 2:
                return False
        elif users == 1 and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name") == QUOTE_ACTION
    return False


class ActionStartLoan(Action):
    """A new loan question: what the customer already said (type, amount, term) prefills the form.

    Right after a quote, the question changes it ("and for 15k?", "et sur 5 ans plutôt ?": the Rasa server reads such
    figures as a loan question, bot/rasa_server/quote_changes.py): what it does not say is kept, and a bare number is
    the amount."""

    def name(self) -> Text:
        return "action_start_loan"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        changing = quote_just_shown(tracker)
        amount_text = " ".join(filter(None, [_entity(tracker, "amount"), _entity(tracker, "currency")]))
        # The amount the NLU tagged, else one written with its currency ("a 500 euro car loan"): a bare number of
        # the request may be something else ("for my 2 kids"), not after a quote; a term is never read as money.
        money = parse_money(amount_text) if amount_text else parse_money(text, currency_required=not changing)
        if changing and not amount_text and money is not None and money.amount < MIN_BARE_AMOUNT:
            money = None  # "on a 3 enfants": a small bare number is no amount to borrow
        term = parse_term_months(_entity(tracker, "term") or text)
        # The type the NLU tagged, else one the words name ("for a car", "crédit immo": the NLU may tag none).
        named_type = tracker.get_slot("loan_type") if _entity(tracker, "loan_type") else loan_type_of(text)
        amount = str(money.amount) if money else None
        if changing:
            named_type = named_type or tracker.get_slot("loan_type")
            amount = amount or tracker.get_slot("loan_amount")
            term = term or int(tracker.get_slot("loan_term"))
        return [
            SlotSet("loan_type", named_type),
            SlotSet("loan_amount", amount),
            SlotSet("loan_term", str(term) if term else None),
            SlotSet("loan_application_key", None),
        ]


class ActionAskLoanType(Action):
    """Shows the loan products with their rates, as a carousel."""

    def name(self) -> Text:
        return "action_ask_loan_type"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        try:
            products = await core_bank().loan_products()
        except BankError as error:
            return bank_trouble(tracker, dispatcher, error, "loan_application") + [SlotSet("requested_slot", None)]
        shown_as = Presentation.from_tracker(tracker)
        dispatcher.utter_message(response="utter_ask_loan_type")
        dispatcher.utter_message(elements=[
            {
                "title": shown_as.text(
                    "loan.product.title", name=shown_as.text_or(f"loan.name.{p['product']}", p["name"]),
                    apr=shown_as.rate(p["apr"]),
                ),
                "subtitle": shown_as.text(
                    "loan.product.subtitle", min=shown_as.money(p["min_amount"]), max=shown_as.money(p["max_amount"]),
                    min_term=p["min_term_months"], max_term=p["max_term_months"],
                ),
                "buttons": [{"type": "postback", "title": shown_as.text("loan.product.button"),
                             "payload": f'/inform{{"loan_type":"{p["product"]}"}}'}],
            }
            for p in products
        ])
        return []


def figures_in_words(tracker: Tracker) -> Dict[Text, Any]:
    """A whole request typed while the type is asked ("personal loan 9.500€ over 48 months"): the amount written with
    its currency and the term, read from the words (the NLU may tag a part of the amount, or none of it, and an
    amount asked earlier would stay)."""
    if tracker.get_slot("requested_slot") != "loan_type":
        return {}
    text = tracker.latest_message.get("text") or ""
    money, term = parse_money(text, currency_required=True), parse_term_months(text)
    return {**({"loan_amount": str(money.amount)} if money else {}), **({"loan_term": str(term)} if term else {})}


def type_changed(tracker: Tracker) -> bool:
    """The customer's latest message names a loan type (the slot fills from it in any question of the form)."""
    return "loan_type" in tracker.slots_to_validate()


class ValidateLoanForm(StepsAsideForOtherRequests, FormValidationAction):
    def name(self) -> Text:
        return "validate_loan_form"

    @answers_only
    async def validate_loan_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return {"loan_type": value if value in ("personal", "car", "home") else None, **figures_in_words(tracker)}

    @answers_only
    async def validate_loan_amount(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = str(value or "")
        months = term_only(text)
        if months:  # "4 years" answers the other question: keep it as the term, ask the amount again
            return {"loan_amount": None, "loan_term": str(months)}
        words = figures_in_words(tracker).get("loan_amount")
        money = parse_money(words or text)
        if money is None and type_changed(tracker):  # "a personal loan instead?": the type changes, asked again
            return {"loan_amount": None}
        if money is None or money.currency != "EUR":
            dispatcher.utter_message(response="utter_loan_amount_unclear")
            return {"loan_amount": None}
        if "loan_term" in tracker.slots_to_validate():  # the term's validation checks both, said once
            return {"loan_amount": str(money.amount)}
        return await self._in_range(dispatcher, tracker, {"loan_amount": str(money.amount)})

    @answers_only
    async def validate_loan_term(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = str(value or "")
        months = int(text) if text.isdigit() else parse_term_months(text)
        if not months and type_changed(tracker):  # "what about a personal loan instead?": the term asked again
            return {"loan_term": None}
        if not months:
            dispatcher.utter_message(response="utter_loan_term_unclear")
            return {"loan_term": None}
        return await self._in_range(dispatcher, tracker, {"loan_term": str(months)})

    @staticmethod
    async def _in_range(
        dispatcher: CollectingDispatcher, tracker: Tracker, slots: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        """Once type, amount and term are known, the core bank says whether the product allows them."""
        wanted = {name: slots.get(name, tracker.get_slot(name)) for name in LOAN_SLOTS}
        if not all(wanted.values()):
            return slots
        try:
            await core_bank().loan_quote(wanted["loan_type"], Decimal(wanted["loan_amount"]), int(wanted["loan_term"]))
        except BankError as error:
            if error.code != "out_of_range":
                return slots  # anything else is for the quote itself to report
            low, high = error.details.get("min"), error.details.get("max")
            shown_as = Presentation.from_tracker(tracker)
            loan_type = loan_type_named(shown_as, wanted["loan_type"])
            if error.details.get("field") == "term_months":
                dispatcher.utter_message(
                    response="utter_loan_term_out_of_range", loan_type=loan_type, min=low, max=high
                )
                return {**slots, "loan_term": None}
            dispatcher.utter_message(
                response="utter_loan_amount_out_of_range", loan_type=loan_type,
                min=shown_as.money(str(low)), max=shown_as.money(str(high)),
            )
            return {**slots, "loan_amount": None}
        return slots


class ActionShowLoanQuote(Action):
    def name(self) -> Text:
        return QUOTE_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        shown_as = Presentation.from_tracker(tracker)
        try:
            quote = await core_bank().loan_quote(
                tracker.get_slot("loan_type"), Decimal(tracker.get_slot("loan_amount")), int(tracker.get_slot("loan_term"))
            )
        except BankError as error:
            if error.status in (400, 422):
                dispatcher.utter_message(response="utter_loan_quote_refused", reason=refusal_reason(shown_as, error))
                return [SlotSet(name, None) for name in LOAN_SLOTS]
            return bank_trouble(tracker, dispatcher, error, "loan_application")
        dispatcher.utter_message(
            response="utter_loan_quote",
            amount=shown_as.money(quote["amount"]), term=quote["term_months"],
            loan_type=loan_type_named(shown_as, quote["product"]),
            monthly=shown_as.money(quote["monthly_payment"]), apr=shown_as.rate(quote["apr"]),
            total=shown_as.money(quote["total_repaid"]), interest=shown_as.money(quote["total_interest"]),
        )
        return [SlotSet("loan_application_key", uuid.uuid4().hex)]


class ActionApplyForLoan(Action):
    def name(self) -> Text:
        return "action_apply_for_loan"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if not all(tracker.get_slot(name) for name in LOAN_SLOTS):
            dispatcher.utter_message(response="utter_loan_nothing_to_apply")
            return [SlotSet("pending_request", None)]
        session, events = verified_session(tracker, dispatcher, request="loan_application")
        if session is None:
            return events
        done = [SlotSet("identity", VERIFIED), SlotSet("pending_request", None)]
        try:
            application = await core_bank().apply_for_loan(
                session.access_token, tracker.get_slot("loan_type"), Decimal(tracker.get_slot("loan_amount")),
                int(tracker.get_slot("loan_term")), tracker.get_slot("loan_application_key") or uuid.uuid4().hex,
            )
        except BankError as error:
            if error.status in (400, 422):
                dispatcher.utter_message(
                    response="utter_loan_quote_refused", reason=refusal_reason(Presentation.from_tracker(tracker), error)
                )
                return done
            return done + bank_trouble(tracker, dispatcher, error, "loan_application")
        dispatcher.utter_message(response="utter_loan_applied", reference=application["reference"])
        return done + [SlotSet(name, None) for name in LOAN_SLOTS] + [SlotSet("loan_application_key", None)]


class ActionShowLoanApplications(Action):
    def name(self) -> Text:
        return "action_show_loan_applications"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        session, events = verified_session(tracker, dispatcher, request="loan_status")
        if session is None:
            return events
        done = [SlotSet("identity", VERIFIED), SlotSet("pending_request", None)]
        try:
            applications = await core_bank().loan_applications(session.access_token)
        except BankError as error:
            return done + bank_trouble(tracker, dispatcher, error, "loan_status")
        if not applications:
            dispatcher.utter_message(response="utter_no_loan_applications")
            return done
        shown_as = Presentation.from_tracker(tracker)
        lines = "\n".join(
            shown_as.text(
                "loan.application.line", reference=a["reference"], loan_type=loan_type_named(shown_as, a["product"]),
                amount=shown_as.money(a["amount"]), term=a["term_months"],
                status=shown_as.text_or(f"loan.status.{a['status']}", str(a["status"])),
            )
            for a in applications
        )
        dispatcher.utter_message(response="utter_loan_applications", applications=lines)
        return done
