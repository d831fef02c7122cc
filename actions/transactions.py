"""Recent transactions of an account, newest first, filtered by period, paged with "show more". A request that names a
kind of transaction ("my card payments in October", "mes virements") is a search, whichever of the two intents the NLU
chose: it is answered as one (actions/transaction_search.py), that kind only, with its totals."""
from __future__ import annotations

import json
from datetime import date
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.bank_day import BANK_TIMEZONE, day_of, today
from actions.banking import Account, BankError, core_bank
from actions.identity import VERIFIED
from actions.text.locale import Presentation
from actions.text.periods import parse_period
from actions.verified import bank_trouble, request_entity, request_message, verified_session

PAGE_SIZE = 5
REQUEST = "recent_transactions"


def transaction_label(shown_as: Presentation, kind: Optional[str], counterparty: Optional[str], description: str) -> str:
    """A transaction's label in the reader's language, from the catalogue by its `kind`
    (`transactions.label.<kind>`, or `transactions.label.<kind>.no_counterparty` without a counterparty);
    the bank's `description` for kind "other" or a kind the catalogue has no label for."""
    if not kind:
        return description
    if counterparty:
        return shown_as.text_or(f"transactions.label.{kind}", description, counterparty=counterparty)
    return shown_as.text_or(f"transactions.label.{kind}.no_counterparty", description)


def _pick_account(accounts: List[Account], wanted: Optional[str]) -> Optional[Account]:
    for account in accounts:
        if account.type == (wanted or "current"):
            return account
    return accounts[0] if accounts else None


def _period_asked(tracker: Tracker) -> str:
    """The request's period entity, or else its wording ("last week's"), which parse_period reads as well: the
    request may lie a few turns back, before the OTP."""
    return request_entity(tracker, REQUEST, "period") or request_message(tracker, REQUEST)[0]


class ActionShowTransactions(Action):
    def name(self) -> Text:
        return "action_show_transactions"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        session, events = verified_session(tracker, dispatcher, request=REQUEST)
        if session is None:
            return events
        from actions.transaction_search import answer_search, asks_for_a_kind  # it builds on this module

        if asks_for_a_kind(tracker, REQUEST):
            return await answer_search(dispatcher, tracker, session, REQUEST)
        done = [SlotSet("identity", VERIFIED), SlotSet("pending_request", None)]
        try:
            account = _pick_account(await core_bank().accounts(session.access_token),
                                    request_entity(tracker, REQUEST, "account_type"))
            if account is None:
                dispatcher.utter_message(response="utter_no_accounts")
                return done
            period = parse_period(_period_asked(tracker), today())
            cursor = {
                "account_id": account.account_id, "account_name": account.name, "account_type": account.type,
                "before": "",
                "since": period.since.isoformat() if period else "", "until": period.until.isoformat() if period else "",
            }
            return done + await show_page(dispatcher, tracker, session.access_token, cursor, first=True)
        except BankError as error:
            return done + bank_trouble(tracker, dispatcher, error, REQUEST)


class ActionShowMoreTransactions(Action):
    def name(self) -> Text:
        return "action_show_more_transactions"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        raw = tracker.get_slot("transactions_cursor")
        if not raw:
            dispatcher.utter_message(response="utter_nothing_more")
            return []
        session, events = verified_session(tracker, dispatcher, request=REQUEST)
        if session is None:
            return events
        try:
            cursor = json.loads(raw)
            if "search" in cursor:  # the next page of a search (actions/transaction_search.py)
                from actions.transaction_search import show_more_matches

                return [SlotSet("identity", VERIFIED)] + await show_more_matches(
                    dispatcher, tracker, session.access_token, cursor
                )
            return [SlotSet("identity", VERIFIED)] + await show_page(
                dispatcher, tracker, session.access_token, cursor, first=False
            )
        except BankError as error:
            return bank_trouble(tracker, dispatcher, error, REQUEST)


async def show_page(
    dispatcher: CollectingDispatcher, tracker: Tracker, token: str, cursor: Dict[str, str], first: bool
) -> List[EventType]:
    customer = await core_bank().me(token)
    shown_as = Presentation.from_tracker(tracker, customer.locale)
    found, next_before = await core_bank().transactions(
        token, cursor["account_id"], limit=PAGE_SIZE, before=cursor["before"],
        since=cursor["since"], until=cursor["until"], time_zone=BANK_TIMEZONE,
    )
    if not found:
        dispatcher.utter_message(response="utter_no_transactions" if first else "utter_nothing_more")
        return [SlotSet("transactions_cursor", None)]
    lines = "\n".join(
        shown_as.text(
            "transactions.line", day=shown_as.day(day_of(t.booked_at)),
            description=transaction_label(shown_as, t.kind, t.counterparty, t.description),
            amount=shown_as.signed_money(t.amount, t.currency),
        )
        for t in found
    )
    heading = shown_as.text_or(f"account.name.{cursor.get('account_type')}", cursor["account_name"])
    if cursor["since"]:
        since, until = date.fromisoformat(cursor["since"]), date.fromisoformat(cursor["until"])
        heading = shown_as.text("transactions.heading_with_period", account=heading, period=shown_as.days(since, until))
    response = "utter_transactions_more" if next_before else "utter_transactions"
    dispatcher.utter_message(response=response, account=heading, transactions=lines)
    if not next_before:
        return [SlotSet("transactions_cursor", None)]
    return [SlotSet("transactions_cursor", json.dumps({**cursor, "before": next_before}))]
