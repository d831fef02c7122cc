"""What a customer's money went on, for one of their accounts: search with totals, recurring payments, spending.

Each call opens its own session and reads only: the customer's account or AccountNotFound (another
customer's account is reported like one that does not exist). The rules are in their own modules:
transaction_search.py, recurring_payments.py, spending.py.
"""
from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.clock import Clock, utc_now
from bot.core_bank.accounts import booked, owned_account
from bot.core_bank.models import Transaction
from bot.core_bank.periods import UTC_NAME, local_day, time_zone
from bot.core_bank.recurring_payments import Payment, RecurringPayment, detect_recurring_payments
from bot.core_bank.spending import SpendingByCategory, spending_by_category
from bot.core_bank.transaction_search import SearchFilters, SearchResult, search_transactions


class TransactionInsights:
    def __init__(self, sessions: sessionmaker, clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._clock = clock

    def search(
        self, customer_id: int, account_id: str, filters: SearchFilters, limit: int = 10, before: Optional[str] = None
    ) -> SearchResult:
        with self._sessions() as session:
            account = owned_account(session, customer_id, account_id)
            return search_transactions(session, account, filters, limit, before)

    def recurring_payments(
        self, customer_id: int, account_id: str, zone_name: str = UTC_NAME
    ) -> tuple[date, list[RecurringPayment]]:
        """(today in the zone, the account's recurring payments)."""
        zone = time_zone(zone_name)
        now = self._clock()
        with self._sessions() as session:
            account = owned_account(session, customer_id, account_id)
            rows = session.execute(
                select(Transaction).where(
                    Transaction.account_id == account.id,
                    Transaction.amount_minor < 0,
                    Transaction.booked_at <= now,
                    func.coalesce(Transaction.merchant, Transaction.counterparty).is_not(None),
                )
                .order_by(Transaction.booked_at, Transaction.row_id)
            ).scalars()
            payments = [
                Payment(
                    transaction_id=t.transaction_id,
                    day=local_day(t.booked_at, zone),
                    amount=-t.amount,
                    name=t.merchant or t.counterparty or "",
                    to_merchant=t.merchant is not None,
                    category=t.category,
                    kind=t.kind,
                )
                for t in map(booked, rows)
            ]
            today = local_day(now, zone)
            return today, detect_recurring_payments(payments, today, account.currency)

    def spending(
        self,
        customer_id: int,
        account_id: str,
        zone_name: str = UTC_NAME,
        month: Optional[date] = None,
        since: Optional[date] = None,
        until: Optional[date] = None,
    ) -> SpendingByCategory:
        with self._sessions() as session:
            account = owned_account(session, customer_id, account_id)
            return spending_by_category(session, account, self._clock(), zone_name, month, since, until)
