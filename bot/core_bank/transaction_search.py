"""Searching an account's transactions: by merchant (loosely), category, kind, direction, amount and days, with totals.

Every filter given must hold. The merchant filter is matched (bot/core_bank/merchant_matching.py)
against the names on the account's transactions — the merchant's, or for a transaction without a
merchant (a transfer, a salary) the counterparty's — so that "uber" finds both Uber and Uber Eats and
"tom" the transfers to Tom Bernard. The totals count every match; the transactions come a page at a
time, newest first, as in the transactions list.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import case, false, func, select
from sqlalchemy.orm import Session

from bot.core_bank.accounts import TransactionPage, transaction_page
from bot.core_bank.contract.spending import SEARCH_KINDS
from bot.core_bank.merchant_matching import matching_names
from bot.core_bank.models import Account, Transaction, from_minor_units, to_minor_units
from bot.core_bank.periods import UTC_NAME, start_of_day, time_zone

DIRECTIONS = ("in", "out")


@dataclass(frozen=True)
class SearchFilters:
    merchant: Optional[str] = None
    category: Optional[str] = None  # one of contract.categories.TRANSACTION_CATEGORIES
    kind: Optional[str] = None  # how the money moved: a key of contract.spending.SEARCH_KINDS
    direction: Optional[str] = None  # in: money received; out: money paid
    min_amount: Optional[Decimal] = None  # the size of the amount, sign aside, both included
    max_amount: Optional[Decimal] = None
    since: Optional[date] = None  # days in `time_zone`, both included
    until: Optional[date] = None
    time_zone: str = UTC_NAME


@dataclass(frozen=True)
class SearchTotals:
    count: int
    money_out: Decimal  # positive
    money_in: Decimal
    net: Decimal
    currency: str


@dataclass(frozen=True)
class SearchResult:
    page: TransactionPage
    totals: SearchTotals
    merchants: list[str]  # the names the merchant filter matched (empty without one)
    time_zone: str


def counterpart_name() -> Any:
    """The name a transaction is searched by: its merchant, else its counterparty."""
    return func.coalesce(Transaction.merchant, Transaction.counterparty)


def search_transactions(
    session: Session, account: Account, filters: SearchFilters, limit: int, before: Optional[str]
) -> SearchResult:
    conditions = _conditions(account, filters)
    merchants: list[str] = []
    if filters.merchant is not None:
        names = session.execute(select(counterpart_name()).where(*conditions).distinct()).scalars()
        merchants = matching_names(filters.merchant, (name for name in names if name))
        conditions.append(counterpart_name().in_(merchants) if merchants else false())
    count, money_out, money_in = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Transaction.amount_minor < 0, -Transaction.amount_minor), else_=0)), 0),
            func.coalesce(func.sum(case((Transaction.amount_minor > 0, Transaction.amount_minor), else_=0)), 0),
        ).where(*conditions)
    ).one()
    page = transaction_page(session, account.id, select(Transaction).where(*conditions), limit, before)
    totals = SearchTotals(
        count=int(count),
        money_out=from_minor_units(int(money_out)),
        money_in=from_minor_units(int(money_in)),
        net=from_minor_units(int(money_in) - int(money_out)),
        currency=account.currency,
    )
    return SearchResult(page=page, totals=totals, merchants=merchants, time_zone=filters.time_zone)


def _conditions(account: Account, filters: SearchFilters) -> list[Any]:
    zone = time_zone(filters.time_zone)
    conditions: list[Any] = [Transaction.account_id == account.id]
    if filters.since is not None:
        conditions.append(Transaction.booked_at >= start_of_day(filters.since, zone))
    if filters.until is not None:
        conditions.append(Transaction.booked_at < start_of_day(filters.until + timedelta(days=1), zone))
    if filters.category is not None:
        conditions.append(Transaction.category == filters.category)
    if filters.kind is not None:
        conditions.append(Transaction.kind.in_(SEARCH_KINDS[filters.kind]))
    if filters.direction == "out":
        conditions.append(Transaction.amount_minor < 0)
    elif filters.direction == "in":
        conditions.append(Transaction.amount_minor > 0)
    if filters.min_amount is not None:
        conditions.append(func.abs(Transaction.amount_minor) >= to_minor_units(filters.min_amount))
    if filters.max_amount is not None:
        conditions.append(func.abs(Transaction.amount_minor) <= to_minor_units(filters.max_amount))
    return conditions
