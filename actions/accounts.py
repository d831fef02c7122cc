"""Accounts: balances, and the bank details (IBAN, BIC) when those are what the customer asks for."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.banking import Account, BankError, core_bank
from actions.identity import VERIFIED
from actions.text.bank_details import asks_bank_details
from actions.text.locale import Presentation
from actions.verified import bank_trouble, request_entity, request_message, verified_session


def account_name(shown_as: Presentation, account: Account) -> str:
    """The account's name in the customer's language (by its type), else the name the bank gives it."""
    return shown_as.text_or(f"account.name.{account.type}", account.name)


class ActionShowBalance(Action):
    def name(self) -> Text:
        return "action_show_balance"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        session, events = verified_session(tracker, dispatcher, request="check_balance")
        if session is None:
            return events
        done = [SlotSet("identity", VERIFIED), SlotSet("pending_request", None)]
        try:
            customer = await core_bank().me(session.access_token)
            accounts = await core_bank().accounts(session.access_token)
        except BankError as error:
            return done + bank_trouble(tracker, dispatcher, error, "check_balance")
        wanted = request_entity(tracker, "check_balance", "account_type")
        shown = [a for a in accounts if not wanted or a.type == wanted] or accounts
        if not shown:
            dispatcher.utter_message(response="utter_no_accounts")
            return done
        shown_as = Presentation.from_tracker(tracker, customer.locale)
        if asks_bank_details(request_message(tracker, "check_balance")[0]):  # "what's my IBAN?"
            return done + await self._bank_details(dispatcher, tracker, session.access_token, customer.first_name,
                                                   shown, shown_as)
        lines = "\n".join(
            shown_as.text(
                "balance.line", name=account_name(shown_as, a), iban=a.iban_masked,
                balance=shown_as.money(a.balance, a.currency),
            )
            for a in shown
        )
        dispatcher.utter_message(response="utter_balances", first_name=customer.first_name, balances=lines)
        return done

    @staticmethod
    async def _bank_details(dispatcher: CollectingDispatcher, tracker: Tracker, token: str, first_name: str,
                            accounts: List[Account], shown_as: Presentation) -> List[EventType]:
        """Each account's whole IBAN, with the BIC and the holder, as a RIB gives them (the core bank gives a
        verified customer their own)."""
        try:
            details = [await core_bank().account_details(token, a.account_id) for a in accounts]
        except BankError as error:
            return bank_trouble(tracker, dispatcher, error, "check_balance")
        lines = "\n".join(
            shown_as.text("bank_details.line", name=account_name(shown_as, a), iban=d.iban)
            for a, d in zip(accounts, details)
        )
        dispatcher.utter_message(response="utter_bank_details", first_name=first_name, holder=details[0].holder,
                                 bic=details[0].bic, details=lines)
        return []
