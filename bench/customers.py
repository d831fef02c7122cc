"""The bench's own core-bank customers: one per simulated Messenger conversation.

A card block changes the customer's data and the OTP allowance is per customer,
so 50 concurrent conversations need 50 customers. They are added to the bench's
own core-bank database (never the one `make run` seeds), all alike, so that every
conversation sees the same dialogue: two cards, the same balances and history.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import List

from bot.core_bank import seed
from bot.core_bank.models import Card, Customer, create_database_engine, create_session_factory
from bot.core_bank.server import prepare_database

FIRST_NUMBER = 700001  # six digits, like the seeded 100001..100004
PHONE_PREFIX = "+336170"  # + 5 digits: a French mobile number


@dataclass(frozen=True)
class BenchCustomer:
    customer_number: str
    phone: str


def bench_customer(index: int) -> BenchCustomer:
    number = FIRST_NUMBER + index
    return BenchCustomer(str(number), f"{PHONE_PREFIX}{index:05d}")


def prepare_core_bank(database_url: str, count: int, now: datetime | None = None) -> List[BenchCustomer]:
    """Creates and seeds the database as the core bank would, then adds `count` bench customers."""
    now = now or datetime.now(timezone.utc)
    engine = create_database_engine(database_url)
    prepare_database(engine, now)
    customers = [bench_customer(i) for i in range(count)]
    sessions = create_session_factory(engine)
    with sessions() as session:
        for offset, customer in enumerate(customers):
            spec = seed.SeedCustomer(
                customer.customer_number, "Bench", f"Customer{offset}", customer.phone, seed.DEMO_LOCALE,
                current_balance=Decimal("2450.31"),
                address=seed.SeedAddress("7", "rue", "de la Paix", "75002", "Paris"),
                savings_balance=Decimal("12000.00"),
            )
            row = Customer(
                customer_number=spec.customer_number, first_name=spec.first_name, last_name=spec.last_name,
                phone=spec.phone, locale=spec.locale, created_at=now,
                address_number=spec.address.number, address_street_type=spec.address.street_type,
                address_street_name=spec.address.street_name, address_postcode=spec.address.postcode,
                address_city=spec.address.city,
            )
            session.add(row)
            session.flush()
            # The same history for everyone: the transactions turn sends the same number of replies.
            history = seed.everyday_history(random.Random(seed.RANDOM_SEED), now, count=12)
            current = seed._add_account(  # noqa: SLF001 - the seed's own account builder, reused
                session, row, spec, "current", "Current account", spec.current_balance, history, now,
            )
            seed._add_account(session, row, spec, "savings", "Savings account", spec.savings_balance, [], now)  # noqa: SLF001
            for position, (kind, brand, last4) in enumerate((("debit", "Visa", "4821"), ("credit", "Mastercard", "7304"))):
                session.add(Card(
                    id=seed.stable_id("card", spec.customer_number, last4), customer_id=row.id, account_id=current.id,
                    position=position, kind=kind, brand=brand, last4=last4, status="active",
                    expiry_year=now.year + 3, expiry_month=9,
                ))
        session.commit()
    engine.dispose()
    return customers
