"""Accounts: balances."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.banking import BankError, core_bank
from actions.identity import VERIFIED
from actions.text import locale as customer_locale
from actions.verified import bank_trouble, verified_session


class ActionShowBalance(Action):
    def name(self) -> Text:
        return "action_show_balance"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        session, events = verified_session(tracker, dispatcher, request="check_balance")
        if session is None:
            return events
        done = [SlotSet("identity", VERIFIED), SlotSet("pending_request", None), SlotSet("account_type", None)]
        try:
            customer = await core_bank().me(session.access_token)
            accounts = await core_bank().accounts(session.access_token)
        except BankError as error:
            return done + bank_trouble(tracker, dispatcher, error, "check_balance")
        wanted = tracker.get_slot("account_type")
        shown = [a for a in accounts if not wanted or a.type == wanted] or accounts
        if not shown:
            dispatcher.utter_message(response="utter_no_accounts")
            return done
        lines = "\n".join(
            f"• {a.name} ({a.iban_masked}): {customer_locale.money(a.balance, a.currency, customer.locale)}"
            for a in shown
        )
        dispatcher.utter_message(response="utter_balances", first_name=customer.first_name, balances=lines)
        return done
