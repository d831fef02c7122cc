"""Spending by category over a period, beside the period just before it.

The rule, the one place it is written:
- spending is money out of the account (negative amounts), in every category but those of
  `contract.categories.NOT_SPENDING` (moves to the customer's own savings are not spent); money in
  (salary, refunds) is not netted against it;
- the period is whole days in the customer's time zone and never ends after today: a month (this
  month: up to today), or from `since` to `until` (default and at most today);
- the previous period is as long and just before: for a month, the month before — up to the same
  day of the month when the month is not over (June 1-11 beside May 1-11), whole when it is; for
  days, as many days just before (a 7-day period beside the 7 days before it).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core_bank.contract.categories import NOT_SPENDING, OTHER_CATEGORY, TRANSACTION_CATEGORIES
from bot.core_bank.errors import InvalidRequest
from bot.core_bank.models import Account, Transaction, from_minor_units
from bot.core_bank.money import CENT
from bot.core_bank.periods import Days, add_months, local_day, month_end, time_zone

@dataclass(frozen=True)
class CategorySpending:
    category: str
    total: Decimal  # positive
    count: int
    previous_total: Decimal
    previous_count: int
    change: Decimal
    change_percent: Optional[Decimal]  # None when previous_total is 0


@dataclass(frozen=True)
class SpendingByCategory:
    period: Days
    previous_period: Days
    time_zone: str
    currency: str
    total: Decimal
    previous_total: Decimal
    change: Decimal
    change_percent: Optional[Decimal]
    categories: list[CategorySpending]


def spending_periods(
    today: date, month: Optional[date] = None, since: Optional[date] = None, until: Optional[date] = None
) -> tuple[Days, Days]:
    """(the period, the previous one) for a month (its first day), or since/until, or neither (this month)."""
    if since is not None:
        if since > today:
            raise InvalidRequest("since is after today: there is no spending to show yet.")
        period = Days(since, min(until or today, today))
        return period, period.before()
    first = month or today.replace(day=1)
    if first > today:
        raise InvalidRequest("month has not begun yet: there is no spending to show.")
    last = min(month_end(first), today)
    previous_first = add_months(first, -1, 1)
    previous_last = month_end(previous_first) if last == month_end(first) else add_months(last, -1)
    return Days(first, last), Days(previous_first, previous_last)


def spending_by_category(
    session: Session, account: Account, now: datetime, zone_name: str,
    month: Optional[date] = None, since: Optional[date] = None, until: Optional[date] = None,
) -> SpendingByCategory:
    zone = time_zone(zone_name)
    period, previous_period = spending_periods(local_day(now, zone), month, since, until)
    current = _by_category(session, account, period.bounds(zone))
    previous = _by_category(session, account, previous_period.bounds(zone))
    categories: list[CategorySpending] = []
    for category in TRANSACTION_CATEGORIES:
        if category not in current and category not in previous:
            continue
        (minor, count), (before_minor, before_count) = current.get(category, (0, 0)), previous.get(category, (0, 0))
        categories.append(
            CategorySpending(
                category=category,
                total=from_minor_units(minor),
                count=count,
                previous_total=from_minor_units(before_minor),
                previous_count=before_count,
                change=from_minor_units(minor - before_minor),
                change_percent=percent_change(minor, before_minor),
            )
        )
    categories.sort(key=lambda c: (-c.total, -c.previous_total, TRANSACTION_CATEGORIES.index(c.category)))
    total = sum(minor for minor, _ in current.values())
    previous_total = sum(minor for minor, _ in previous.values())
    return SpendingByCategory(
        period=period,
        previous_period=previous_period,
        time_zone=zone_name,
        currency=account.currency,
        total=from_minor_units(total),
        previous_total=from_minor_units(previous_total),
        change=from_minor_units(total - previous_total),
        change_percent=percent_change(total, previous_total),
        categories=categories,
    )


def percent_change(now_minor: int, before_minor: int) -> Optional[Decimal]:
    """(now - before) in percent of before, to two decimals; None when before is 0."""
    if before_minor == 0:
        return None
    return (Decimal(now_minor - before_minor) * 100 / Decimal(before_minor)).quantize(CENT, rounding=ROUND_HALF_UP)


def _by_category(session: Session, account: Account, bounds: tuple[datetime, datetime]) -> dict[str, tuple[int, int]]:
    """category -> (money out in minor units, as a positive number; payments) within [start, end)."""
    start, end = bounds
    rows = session.execute(
        select(Transaction.category, func.sum(-Transaction.amount_minor), func.count())
        .where(
            Transaction.account_id == account.id,
            Transaction.amount_minor < 0,
            Transaction.category.not_in(NOT_SPENDING),
            Transaction.booked_at >= start,
            Transaction.booked_at < end,
        )
        .group_by(Transaction.category)
    ).all()
    found: dict[str, tuple[int, int]] = {}
    for category, minor, count in rows:
        known = category if category in TRANSACTION_CATEGORIES else OTHER_CATEGORY
        earlier_minor, earlier_count = found.get(known, (0, 0))
        found[known] = (earlier_minor + int(minor), earlier_count + int(count))
    return found
