"""Recurring payments (subscriptions, bills, standing transfers), detected in an account's history.

The rule, the one place it is written:
- payments out of the account with a name (the merchant, else the counterparty), grouped by that name;
  cash withdrawals and moves to the customer's own accounts are left out (`LEFT_OUT`);
- a group's occurrences are the days it was paid on (two payments on one day — a double charge — are
  one occurrence), in the customer's time zone;
- it is recurring at a frequency when every gap between occurrences is within that frequency's range
  (weekly 6 to 8 days; monthly 26 to 35: months are 28 to 31 days, and a payment due on a weekend
  moves; yearly 350 to 380), its amounts are steady — each within `AMOUNT_TOLERANCE` (20 %) of their
  median (a phone bill moves a little, rides and groceries a lot) — and it has enough occurrences:
  3 (`min_occurrences`; two payments a month apart happen by chance, three in a row rarely), or, for
  monthly and yearly, 2 of exactly the same amount to a merchant (`min_same_amount`: a subscription's
  price; so a subscription taken last month is found, and one due today, not booked yet, is not lost —
  two like transfers to a friend a month apart are not enough);
- the next payment is expected one period after the last: a week, a month (on the day of the month it
  is usually paid, or the month's last day), a year. It is `active` unless that day is more than the
  frequency's `grace_days` in the past (the payments have stopped).
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Callable, Iterable, Optional

from bot.core_bank.contract.categories import NOT_SPENDING
from bot.core_bank.money import CENT
from bot.core_bank.periods import add_months

AMOUNT_TOLERANCE = Decimal("0.20")
LEFT_OUT = frozenset({"cash"}) | NOT_SPENDING


@dataclass(frozen=True)
class Payment:
    """A payment out, as the detection reads it."""

    transaction_id: str
    day: date  # in the customer's time zone
    amount: Decimal  # positive
    name: str  # the merchant, else the counterparty
    to_merchant: bool  # whether `name` is a merchant's (not a person's, as for a transfer)
    category: str
    kind: str


@dataclass(frozen=True)
class Frequency:
    name: str
    shortest_gap: int  # days
    longest_gap: int
    min_occurrences: int
    min_same_amount: int  # occurrences enough when every amount is the same
    grace_days: int  # how late a payment may be before the payments count as stopped
    following: Callable[[date, int], date]  # (last day, usual day of the month) -> the next expected day


FREQUENCIES: tuple[Frequency, ...] = (
    Frequency("weekly", 6, 8, 3, 3, 3, lambda last, _: last + timedelta(days=7)),
    Frequency("monthly", 26, 35, 3, 2, 7, lambda last, usual_day: add_months(last, 1, usual_day)),
    Frequency("yearly", 350, 380, 2, 2, 21, lambda last, usual_day: add_months(last, 12, usual_day)),
)


@dataclass(frozen=True)
class RecurringPayment:
    merchant: str
    category: str
    kind: str
    frequency: str
    typical_amount: Decimal
    last_amount: Decimal
    currency: str
    occurrences: int
    first_date: date
    last_date: date
    next_date: date
    active: bool
    last_transaction_id: str


def detect_recurring_payments(payments: Iterable[Payment], today: date, currency: str) -> list[RecurringPayment]:
    """The recurring payments among `payments` (in booking order; see the module's rule): active ones first, each
    group by next date."""
    by_name: dict[str, list[Payment]] = defaultdict(list)
    for payment in payments:
        if payment.category not in LEFT_OUT and payment.name:
            by_name[payment.name].append(payment)
    found = [r for r in (_recurring(name, group, today, currency) for name, group in by_name.items()) if r]
    return sorted(found, key=lambda r: (not r.active, r.next_date, r.merchant))


def _recurring(name: str, group: list[Payment], today: date, currency: str) -> Optional[RecurringPayment]:
    by_day: dict[date, Payment] = {}
    for payment in sorted(group, key=lambda p: p.day):
        by_day[payment.day] = payment  # the latest of a day stands for it
    days = sorted(by_day)
    if len(days) < 2:
        return None
    amounts = [by_day[day].amount for day in days]
    typical = Decimal(statistics.median(amounts)).quantize(CENT, rounding=ROUND_HALF_EVEN)
    if any(abs(amount - typical) > typical * AMOUNT_TOLERANCE for amount in amounts):
        return None
    same_price = len(set(amounts)) == 1 and all(by_day[day].to_merchant for day in days)
    gaps = [(later - earlier).days for earlier, later in zip(days, days[1:])]
    frequency = next(
        (
            f
            for f in FREQUENCIES
            if all(f.shortest_gap <= gap <= f.longest_gap for gap in gaps)
            and len(days) >= (f.min_same_amount if same_price else f.min_occurrences)
        ),
        None,
    )
    if frequency is None:
        return None
    last = by_day[days[-1]]
    usual_day = max(Counter(day.day for day in days).most_common(), key=lambda pair: (pair[1], pair[0]))[0]
    next_date = frequency.following(days[-1], usual_day)
    return RecurringPayment(
        merchant=name,
        category=last.category,
        kind=last.kind,
        frequency=frequency.name,
        typical_amount=typical,
        last_amount=last.amount,
        currency=currency,
        occurrences=len(days),
        first_date=days[0],
        last_date=days[-1],
        next_date=next_date,
        active=today <= next_date + timedelta(days=frequency.grace_days),
        last_transaction_id=last.transaction_id,
    )
