"""Money questions about an account: searching its transactions ("how much have I spent on Uber this month?",
"mes paiements de plus de 100 € le mois dernier") and its recurring payments ("what subscriptions do I have?",
"is Netflix still taking money every month?").

Both run behind the OTP as recent_transactions does (actions/verified.py). What was asked is read from the request
itself, which may lie a few turns back (before the OTP): its entities first (merchant, category, period, amount),
then its words (actions/text/search_words.py, actions/text/periods.py), which alone say a kind of transaction ("card
payments", "virements"). A request for the transactions list that names a kind is answered here too
(actions/transactions.py hands it over): the list of that kind, with its totals. Matching a merchant's name loosely,
what each kind of transaction stands for, the totals and the detection of recurring payments are the core bank's
(GET /v1/accounts/{id}/transactions/search and /recurring-payments); this module only asks and words the answer, in
the conversation's language and locale. The matches come a page at a time; "show more"
(action_show_more_transactions) goes on with the search.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Dict, List, Optional, Text, Tuple
from zoneinfo import ZoneInfo

from babel.dates import format_date
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.bank_day import BANK_TIMEZONE, today
from actions.banking import Account, BankError, RecurringPayment, SearchPage, core_bank
from actions.customer_sessions import CustomerSession
from actions.identity import VERIFIED
from actions.text.locale import Presentation
from actions.text.periods import Period, parse_period
from actions.text.search_words import (
    IN,
    OUT,
    amount_bounds,
    category_in,
    category_of,
    direction_in,
    kind_in,
    merchant_in,
    names_only_a_kind,
    without_kind_words,
)
from actions.text.numbers import fold
from actions.transactions import _pick_account, transaction_label
from actions.verified import bank_trouble, entity_value, request_message, verified_session

SEARCH = "search_transactions"
RECURRING = "recurring_payments"
PAGE_SIZE = 5
MAX_NAMED = 3  # recurring payments answered one by one for a name ("uber": Uber and Uber Eats)
SEARCH_CURSOR = "search"  # the key that marks a search in the `transactions_cursor` slot


# --- what was asked -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    merchant: Optional[str] = None
    category: Optional[str] = None
    kind: Optional[str] = None  # card_payment, direct_debit, transfer, cash_withdrawal: the core bank's search kinds
    direction: Optional[str] = None
    min_amount: Optional[Decimal] = None
    max_amount: Optional[Decimal] = None
    period: Optional[Period] = None

    def filters(self) -> Dict[str, Any]:
        return {
            "merchant": self.merchant, "category": self.category, "kind": self.kind, "direction": self.direction,
            "min_amount": str(self.min_amount) if self.min_amount is not None else None,
            "max_amount": str(self.max_amount) if self.max_amount is not None else None,
            "since": self.period.since.isoformat() if self.period else None,
            "until": self.period.until.isoformat() if self.period else None,
        }

    @classmethod
    def from_filters(cls, filters: Dict[str, Any]) -> "Asked":
        def money(name: str) -> Optional[Decimal]:
            return Decimal(filters[name]) if filters.get(name) else None

        period = (Period(date.fromisoformat(filters["since"]), date.fromisoformat(filters["until"]))
                  if filters.get("since") and filters.get("until") else None)
        return cls(filters.get("merchant"), filters.get("category"), filters.get("kind"), filters.get("direction"),
                   money("min_amount"), money("max_amount"), period)


def asked_in(text: str, entities: List[Dict[str, Any]], day: date) -> Asked:
    """What a search asks: the entities first, then the words of the request. Words naming a kind of transaction
    ("par carte", "retraits") are the kind, whatever entity the NLU made of them: never a merchant nor a category."""
    kind = kind_in(text)
    merchant = entity_value(entities, "merchant")
    if names_only_a_kind(merchant):
        merchant = None
    merchant = merchant or merchant_in(text)
    if merchant and category_of(merchant):  # "on restaurants": a category, not a name
        merchant = None
    named_category = entity_value(entities, "category")
    if names_only_a_kind(named_category):  # "[retraits](category: cash)": the kind
        kind, named_category = kind or kind_in(named_category), None
    category = category_of(named_category)
    if category is None:
        # A word of the text, unless it is part of the merchant's name ("Pharmacie Lafayette") or names a kind.
        category = category_in(without_kind_words(fold(text).replace(fold(merchant), " ") if merchant else text))
    period = None
    for wording in (entity_value(entities, "period"), text):
        period = parse_period(wording or "", day)
        if period is not None:
            break
    bounds = amount_bounds(text, entity_value(entities, "amount"))
    return Asked(
        merchant=merchant[:100] if merchant else None, category=category, kind=kind, direction=direction_in(text),
        min_amount=bounds.at_least, max_amount=bounds.at_most, period=period,
    )


# --- how it is written ------------------------------------------------------------------------------------------------


def _shown_name(typed: str) -> str:
    return typed if typed != typed.lower() else " ".join(word.capitalize() for word in typed.split())


def _names(shown_as: Presentation, names: List[str]) -> str:
    if len(names) == 1:
        return names[0]
    return shown_as.text("search.names", names=", ".join(names[:-1]), last=names[-1])


def _when(shown_as: Presentation, period: Optional[Period]) -> str:
    if period is None:
        return ""
    if period.since == period.until:
        return shown_as.text("search.when.day", day=shown_as.day(period.since))
    next_month = date(period.since.year + period.since.month // 12, period.since.month % 12 + 1, 1)
    whole_month = period.since.day == 1 and (period.until.toordinal() + 1 == next_month.toordinal()
                                             or period.until == today() and period.until.month == period.since.month)
    if whole_month:
        return shown_as.text("search.when.month", month=format_date(period.since, "MMMM y", locale=shown_as.date_locale))
    return shown_as.text("search.when.days", since=shown_as.day(period.since), until=shown_as.day(period.until))


def _amounts(shown_as: Presentation, asked: Asked) -> str:
    low, high = asked.min_amount, asked.max_amount
    if low is not None and high is not None:
        if low == high:
            return shown_as.text("search.amount.exactly", amount=shown_as.money(low))
        return shown_as.text("search.amount.between", low=shown_as.money(low), high=shown_as.money(high))
    if low is not None:
        return shown_as.text("search.amount.at_least", amount=shown_as.money(low))
    if high is not None:
        return shown_as.text("search.amount.at_most", amount=shown_as.money(high))
    return ""


def _where(shown_as: Presentation, asked: Asked, direction: str, merchants: List[str]) -> str:
    if asked.merchant:
        names = _names(shown_as, merchants) if merchants else _shown_name(asked.merchant)
        return shown_as.text(f"search.where.merchant.{direction}", merchant=names)
    if asked.category:
        return shown_as.text(f"search.where.category.{direction}",
                             category=shown_as.text(f"search.category.{asked.category}"))
    return ""


def _count(shown_as: Presentation, asked: Asked, direction: str, count: int) -> str:
    """"5 payments", or in the words of the kind asked: "5 card payments", "2 virements"."""
    counted = f"kind.{asked.kind}" if asked.kind else direction
    return shown_as.text(f"search.count.{counted}.{'one' if count == 1 else 'other'}", count=count)


def summary(shown_as: Presentation, asked: Asked, found: SearchPage) -> str:
    """"You spent €64.10 at Uber in November 2026: 5 payments." in the conversation's language."""
    totals = found.totals
    direction = asked.direction or (OUT if totals.money_in == 0 else IN if totals.money_out == 0 else "any")
    return shown_as.text(
        f"search.summary.{direction}",
        total=shown_as.money(totals.money_in if direction == IN else totals.money_out, totals.currency),
        money_out=shown_as.money(totals.money_out, totals.currency),
        money_in=shown_as.money(totals.money_in, totals.currency),
        where=_where(shown_as, asked, direction, list(found.merchants)),
        when=_when(shown_as, asked.period),
        count=_count(shown_as, asked, direction, totals.count),
        amount=_amounts(shown_as, asked),
    )


def searched(shown_as: Presentation, asked: Asked) -> str:
    """What was searched, for the answer that found nothing: "payments at Uber in November 2026", "card payments in
    October 2026"."""
    direction = asked.direction or "any"
    return shown_as.text(
        f"search.nothing.kind.{asked.kind}" if asked.kind else f"search.nothing.{direction}",
        amount=_amounts(shown_as, asked),
        where=_where(shown_as, asked, direction, []), when=_when(shown_as, asked.period),
    )


def _lines(shown_as: Presentation, found: SearchPage) -> str:
    return "\n".join(
        shown_as.text(
            "transactions.line", day=shown_as.day(t.booked_at.astimezone(ZoneInfo(found.time_zone)).date()),
            description=transaction_label(shown_as, t.kind, t.counterparty, t.description),
            amount=shown_as.signed_money(t.amount, t.currency),
        )
        for t in found.transactions
    )


# --- search -----------------------------------------------------------------------------------------------------------


async def _search(token: str, account_id: str, asked: Asked, before: str = "") -> SearchPage:
    return await core_bank().search_transactions(
        token, account_id, merchant=asked.merchant, category=asked.category, kind=asked.kind, direction=asked.direction,
        min_amount=asked.min_amount, max_amount=asked.max_amount,
        since=asked.period.since if asked.period else None, until=asked.period.until if asked.period else None,
        time_zone=BANK_TIMEZONE, limit=PAGE_SIZE, before=before,
    )


def _page(dispatcher: CollectingDispatcher, shown_as: Presentation, found: SearchPage,
          cursor: Dict[str, Any]) -> List[EventType]:
    """One page of matches, with "show more" when there are older ones."""
    more = found.next_before is not None
    dispatcher.utter_message(response="utter_search_list_more" if more else "utter_search_list",
                             transactions=_lines(shown_as, found))
    if not more:
        return [SlotSet("transactions_cursor", None)]
    return [SlotSet("transactions_cursor", json.dumps({**cursor, "before": found.next_before}))]


class ActionSearchTransactions(Action):
    def name(self) -> Text:
        return "action_search_transactions"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        session, events = verified_session(tracker, dispatcher, request=SEARCH)
        if session is None:
            return events
        return await answer_search(dispatcher, tracker, session, SEARCH)


def asks_for_a_kind(tracker: Tracker, request: str) -> bool:
    """Whether the request (`request` names its intent) names a kind of transaction: "my card payments in October"."""
    text, entities = request_message(tracker, request)
    return asked_in(text, entities, today()).kind is not None


async def _account_and_presentation(
    dispatcher: CollectingDispatcher, tracker: Tracker, token: str, entities: List[Dict[str, Any]]
) -> Optional[Tuple[Account, Presentation]]:
    """The account the request names (the current one by default) and how the customer reads money and days; None,
    with "no accounts" said, when the customer has none."""
    account = _pick_account(await core_bank().accounts(token), entity_value(entities, "account_type"))
    if account is None:
        dispatcher.utter_message(response="utter_no_accounts")
        return None
    customer = await core_bank().me(token)
    return account, Presentation.from_tracker(tracker, customer.locale)


async def answer_search(
    dispatcher: CollectingDispatcher, tracker: Tracker, session: CustomerSession, request: str
) -> List[EventType]:
    """Searches what the request asks (`request` names its intent: search_transactions, or recent_transactions
    naming a kind) for a verified customer, and answers: the totals and the first page, or what was not found."""
    done = [SlotSet("identity", VERIFIED), SlotSet("pending_request", None)]
    text, entities = request_message(tracker, request)
    asked = asked_in(text, entities, today())
    try:
        token = session.access_token
        chosen = await _account_and_presentation(dispatcher, tracker, token, entities)
        if chosen is None:
            return done
        account, shown_as = chosen
        found = await _search(token, account.account_id, asked)
        if found.totals.count == 0:
            dispatcher.utter_message(response="utter_search_nothing", searched=searched(shown_as, asked))
            return done + [SlotSet("transactions_cursor", None)]
        dispatcher.utter_message(response="utter_search_summary", summary=summary(shown_as, asked, found))
        cursor = {SEARCH_CURSOR: asked.filters(), "account_id": account.account_id}
        return done + _page(dispatcher, shown_as, found, cursor)
    except BankError as error:
        return done + bank_trouble(tracker, dispatcher, error, request)


async def show_more_matches(
    dispatcher: CollectingDispatcher, tracker: Tracker, token: str, cursor: Dict[str, Any]
) -> List[EventType]:
    """The next page of a search ("show more"), from the cursor its previous page left."""
    customer = await core_bank().me(token)
    shown_as = Presentation.from_tracker(tracker, customer.locale)
    found = await _search(token, cursor["account_id"], Asked.from_filters(cursor[SEARCH_CURSOR]), cursor["before"])
    if not found.transactions:
        dispatcher.utter_message(response="utter_nothing_more")
        return [SlotSet("transactions_cursor", None)]
    return _page(dispatcher, shown_as, found, cursor)


# --- recurring payments -----------------------------------------------------------------------------------------------


def _frequency(shown_as: Presentation, payment: RecurringPayment) -> str:
    return shown_as.text(f"recurring.frequency.{payment.frequency}")


def _recurring_line(shown_as: Presentation, payment: RecurringPayment) -> str:
    return shown_as.text(
        "recurring.line.active" if payment.active else "recurring.line.stopped",
        merchant=payment.merchant, amount=shown_as.money(payment.typical_amount, payment.currency),
        frequency=_frequency(shown_as, payment),
        next_day=shown_as.day(payment.next_date), last_day=shown_as.day(payment.last_date),
    )


def _named_in_text(text: str, payments: List[RecurringPayment]) -> List[RecurringPayment]:
    """The recurring payments whose name the text holds, word for word ("is Netflix still..."), when no entity or
    preposition named one."""
    words = f" {' '.join(fold(text).replace('?', ' ').replace(',', ' ').split())} "
    return [p for p in payments if f" {' '.join(fold(p.merchant).replace('-', ' ').split())} " in words.replace("-", " ")]


class ActionShowRecurringPayments(Action):
    def name(self) -> Text:
        return "action_show_recurring_payments"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        session, events = verified_session(tracker, dispatcher, request=RECURRING)
        if session is None:
            return events
        done = [SlotSet("identity", VERIFIED), SlotSet("pending_request", None)]
        text, entities = request_message(tracker, RECURRING)
        named_by_nlu = entity_value(entities, "merchant")
        typed = named_by_nlu or merchant_in(text)
        if typed and category_of(typed):
            typed = named_by_nlu = None
        try:
            token = session.access_token
            chosen = await _account_and_presentation(dispatcher, tracker, token, entities)
            if chosen is None:
                return done
            account, shown_as = chosen
            found = (await core_bank().recurring_payments(token, account.account_id, time_zone=BANK_TIMEZONE))
            payments = list(found.recurring_payments)
            if typed:
                # Which names the customer's spelling stands for is the core bank's call (its merchant search).
                names = set((await core_bank().search_transactions(
                    token, account.account_id, merchant=typed[:100], direction=OUT, limit=1,
                )).merchants)
                named = [p for p in payments if p.merchant in names]
                if not names and not named_by_nlu:  # words after "to" that name nobody ("due to go out"): no name
                    typed = None
                elif not named:
                    dispatcher.utter_message(response="utter_recurring_not_found",
                                             merchant=_names(shown_as, sorted(names)) if names else _shown_name(typed))
                    return done
            if not typed:
                named = _named_in_text(text, payments)
            if named:
                for payment in named[:MAX_NAMED]:
                    dispatcher.utter_message(
                        response="utter_recurring_active" if payment.active else "utter_recurring_stopped",
                        merchant=payment.merchant, amount=shown_as.money(payment.typical_amount, payment.currency),
                        frequency=_frequency(shown_as, payment),
                        last_day=shown_as.day(payment.last_date), next_day=shown_as.day(payment.next_date),
                    )
                return done
            category = category_of(entity_value(entities, "category")) or category_in(text)
            of_category = [p for p in payments if p.category == category]
            if of_category:  # "is the rent...", "which bills...": those only
                payments = of_category
            if not payments:
                dispatcher.utter_message(response="utter_recurring_none")
                return done
            heading = shown_as.text_or(f"account.name.{account.type}", account.name)
            dispatcher.utter_message(response="utter_recurring_list", account=heading,
                                     payments="\n".join(_recurring_line(shown_as, p) for p in payments))
            return done
        except BankError as error:
            return done + bank_trouble(tracker, dispatcher, error, RECURRING)
