"""What a customer's money went on: transactions searched with totals, recurring payments, spending by category.

All three read one account of the signed-in customer (another customer's account is reported like
one that does not exist). Days are calendar days in `time_zone` (an IANA name such as
"Europe/Paris", default "UTC"), both ends of a period included. Amounts are in the account's currency.

- Search: merchant (matched loosely: case, accents, a word of the name, small typos — "uber" finds
  Uber and Uber Eats, "netflx" Netflix; for a transfer or a salary, the counterparty's name), category,
  kind (how the money moved: card payment, direct debit, transfer, cash withdrawal; `SEARCH_KINDS` says which
  kinds of transaction each stands for), direction (in: money received, out: money paid), amount
  (`min_amount`, `max_amount`: the size of the amount, whatever its sign, both included) and days. The
  transactions come a page at a time as in the transactions list; the totals count every match, whatever the page.
- Recurring payments: detected in the account's history (bot/core_bank/recurring_payments.py for the rule).
- Spending: money out by category over a period, beside the period just before it
  (bot/core_bank/spending.py for the rule).
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal, Optional

from pydantic import Field, StrictBool, StrictInt, StrictStr, root_validator
from pydantic.fields import ModelField

from bot.core_bank.contract.categories import TRANSACTION_CATEGORIES, TransactionCategory
from bot.core_bank.contract.customers import DEFAULT_TRANSACTIONS_PAGE, PageSize, Transaction, TransactionKind
from bot.core_bank.contract.wire import (
    AMOUNT_PATTERN,
    DEFAULT_TIME_ZONE,
    Choice,
    Day,
    Money,
    PositiveAmount,
    RequestModel,
    Text,
    TimeZoneName,
    WireModel,
    WireType,
    refuse,
)

FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2999, 12, 31)
FREQUENCIES = ("weekly", "monthly", "yearly")
DIRECTIONS = ("in", "out")
# The kinds a search filters by, as a customer names them, and the kinds of transaction (customers.TransactionKind)
# each stands for. A salary and a rent are kinds of their own: neither is among them (the categories income and
# housing find them).
SEARCH_KINDS: dict[str, tuple[str, ...]] = {
    "card_payment": ("card_payment",),
    "direct_debit": ("direct_debit",),
    "transfer": ("transfer_out", "transfer_in", "savings_transfer_out", "savings_transfer_in", "savings_withdrawal",
                 "savings_withdrawal_in"),
    "cash_withdrawal": ("cash_withdrawal",),
}
MONTH_PATTERN = r"^[0-9]{4}-[0-9]{2}$"


# --- field types --------------------------------------------------------------------


class PeriodDay(Day):
    """A calendar day, YYYY-MM-DD, from 1970 to 2999."""

    @classmethod
    def check(cls, value: Any, field: ModelField) -> date:
        day = super().check(value, field)
        if not FIRST_DAY <= day <= LAST_DAY:
            raise refuse(f"{field.name} must be between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}.")
        return day


class Month(WireType, date):
    """A calendar month, YYYY-MM (read as its first day)."""

    schema = {"type": "string", "pattern": MONTH_PATTERN, "example": "2026-11"}

    @classmethod
    def __modify_schema__(cls, field_schema: dict[str, Any]) -> None:
        field_schema.pop("format", None)  # a month, not a date
        field_schema.update(cls.schema)

    @classmethod
    def check(cls, value: Any, field: ModelField) -> date:
        if isinstance(value, str) and re.fullmatch(MONTH_PATTERN, value.strip()):
            year, month = (int(part) for part in value.strip().split("-"))
            if FIRST_DAY.year <= year <= LAST_DAY.year and 1 <= month <= 12:
                return date(year, month, 1)
        raise refuse(f"{field.name} must be a month as YYYY-MM.")


class Direction(Choice):
    choices = DIRECTIONS


class Category(Choice):
    choices = TRANSACTION_CATEGORIES


class SearchKind(Choice):
    choices = tuple(SEARCH_KINDS)


class MerchantName(Text):
    max_length = 100
    example = "uber"


class Percent(Money):
    """A percentage, signed, two decimals ("12.50" is 12.5 %)."""

    schema = {"type": "string", "pattern": AMOUNT_PATTERN, "example": "12.50"}


def _in_order(values: dict[str, Any], first: str, second: str, sentence: str) -> None:
    low, high = values.get(first), values.get(second)
    if low is not None and high is not None and low > high:
        raise refuse(sentence)


# --- search -------------------------------------------------------------------------


class TransactionSearchQuery(RequestModel):
    """The query string of a transaction search: every filter given must hold."""

    where = "query"

    merchant: Optional[MerchantName] = Field(
        None, description="a merchant's name as typed (loose: case, accents, a word of the name, small typos)"
    )
    category: Optional[Category] = None
    kind: Optional[SearchKind] = Field(
        None, description="how the money moved: card_payment (paid by card), direct_debit, transfer "
        "(sent or received, to and from the customer's savings too; not a salary) or cash_withdrawal (at an ATM)",
    )
    direction: Optional[Direction] = Field(None, description="in: money received; out: money paid")
    min_amount: Optional[PositiveAmount] = Field(None, description="amounts of at least this size (sign aside)")
    max_amount: Optional[PositiveAmount] = Field(None, description="amounts of at most this size (sign aside)")
    since: Optional[PeriodDay] = Field(None, description="booked on or after this day (in time_zone)")
    until: Optional[PeriodDay] = Field(None, description="booked on or before this day (in time_zone)")
    time_zone: TimeZoneName = Field(DEFAULT_TIME_ZONE, description="the zone since and until are days of")  # type: ignore[assignment]
    limit: PageSize = DEFAULT_TRANSACTIONS_PAGE  # type: ignore[assignment]
    before: Optional[Text] = Field(
        None, description="a transaction_id (the previous page's next_before): only older ones"
    )

    @root_validator(skip_on_failure=True)
    def _ranges_in_order(cls, values: dict[str, Any]) -> dict[str, Any]:
        _in_order(values, "since", "until", "since must not be after until.")
        _in_order(values, "min_amount", "max_amount", "min_amount must not be more than max_amount.")
        return values


class SearchTotals(WireModel):
    """Every transaction the search matches, not only this page's."""

    count: StrictInt = Field(..., example=5)
    money_out: Money = Field(..., description="what the matching payments took, as a positive amount", example="64.10")
    money_in: Money = Field(..., description="what the matching credits brought", example="0.00")
    net: Money = Field(..., description="money_in - money_out", example="-64.10")
    currency: StrictStr = Field(..., regex="^[A-Z]{3}$", example="EUR")


class TransactionSearchPage(WireModel):
    transactions: list[Transaction] = Field(..., description="newest first")
    next_before: Optional[StrictStr] = Field(
        ..., nullable=True, description="pass as `before` for older ones; null at the end"
    )
    totals: SearchTotals
    merchants: list[StrictStr] = Field(
        ...,
        description="the names the merchant filter matched that have matching transactions, sorted "
        '(["Uber", "Uber Eats"] for "uber"); empty without a merchant filter',
    )
    time_zone: StrictStr = Field(..., example="Europe/Paris")


# --- recurring payments -------------------------------------------------------------


class RecurringPaymentsQuery(RequestModel):
    where = "query"

    time_zone: TimeZoneName = Field(DEFAULT_TIME_ZONE, description="the zone the dates are days of")  # type: ignore[assignment]


class RecurringPayment(WireModel):
    merchant: StrictStr = Field(
        ..., description="the merchant (or, for a standing transfer, the payee)", example="Netflix"
    )
    category: TransactionCategory
    kind: TransactionKind = Field(..., description="the kind of its latest payment", example="direct_debit")
    frequency: Literal["weekly", "monthly", "yearly"]
    typical_amount: Money = Field(..., description="the median payment, as a positive amount", example="13.49")
    last_amount: Money = Field(..., description="the latest payment, as a positive amount", example="13.49")
    currency: StrictStr = Field(..., regex="^[A-Z]{3}$", example="EUR")
    occurrences: StrictInt = Field(..., description="payments seen (days with a payment)", example=3)
    first_date: Day = Field(..., description="the first payment seen")
    last_date: Day = Field(..., description="the latest payment")
    next_date: Day = Field(
        ..., description="when the next payment is expected (before as_of when it is late but still expected)"
    )
    active: StrictBool = Field(
        ..., description="false when the expected payment is overdue by more than the frequency's tolerance: stopped"
    )
    last_transaction_id: StrictStr


class RecurringPaymentList(WireModel):
    recurring_payments: list[RecurringPayment] = Field(
        ..., description="the active ones first, each group by next_date, then by merchant"
    )
    as_of: Day = Field(..., description="today, in time_zone")
    time_zone: StrictStr = Field(..., example="Europe/Paris")


# --- spending by category -----------------------------------------------------------


class SpendingQuery(RequestModel):
    """The period: a `month`, or `since` (and `until`, default today); neither: this month so far."""

    where = "query"

    month: Optional[Month] = Field(None, description="a calendar month, YYYY-MM (this month: up to today)")
    since: Optional[PeriodDay] = Field(None, description="the first day, with until or up to today")
    until: Optional[PeriodDay] = Field(None, description="the last day (needs since); a day after today counts as today")
    time_zone: TimeZoneName = Field(DEFAULT_TIME_ZONE, description="the zone the days are days of")  # type: ignore[assignment]

    @root_validator(skip_on_failure=True)
    def _one_period(cls, values: dict[str, Any]) -> dict[str, Any]:
        if values.get("month") is not None and (values.get("since") is not None or values.get("until") is not None):
            raise refuse("Give month, or since (and until), not both.")
        if values.get("until") is not None and values.get("since") is None:
            raise refuse("until needs since.")
        _in_order(values, "since", "until", "since must not be after until.")
        return values

    def wire(self) -> dict[str, Any]:
        """As sent: the month as YYYY-MM (read as its first day, it would go out as a date the bank refuses)."""
        sent = super().wire()
        if self.month is not None:
            sent["month"] = self.month.strftime("%Y-%m")
        return sent


class Period(WireModel):
    since: Day
    until: Day


class CategorySpending(WireModel):
    category: TransactionCategory
    total: Money = Field(..., description="money out in the period, as a positive amount", example="312.40")
    count: StrictInt
    previous_total: Money = Field(..., description="the same, in the previous period", example="280.15")
    previous_count: StrictInt
    change: Money = Field(..., description="total - previous_total", example="32.25")
    change_percent: Optional[Percent] = Field(
        ..., nullable=True, description="change in percent of previous_total; null when that is 0"
    )


class SpendingByCategory(WireModel):
    period: Period
    previous_period: Period = Field(
        ...,
        description="the period just before, as long: for a month, the month before (up to the same day of the "
        "month when the month is not over)",
    )
    time_zone: StrictStr = Field(..., example="Europe/Paris")
    currency: StrictStr = Field(..., regex="^[A-Z]{3}$", example="EUR")
    total: Money = Field(..., description="money out in the period, every category", example="1834.27")
    previous_total: Money
    change: Money
    change_percent: Optional[Percent] = Field(..., nullable=True)
    categories: list[CategorySpending] = Field(
        ..., description="every category with money out in either period, the largest total first"
    )
