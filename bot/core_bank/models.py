"""The core bank's tables (SQLAlchemy, 2.0 style) and how to open its database.

Money is stored as integer minor units (cents) and converted to `Decimal`
at the edges; times are stored as UTC and always read back timezone-aware.
Secrets are never stored in clear: OTP codes, access tokens and channel user
ids are kept only as keyed or plain hashes.
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import declarative_base, relationship, sessionmaker

Base = declarative_base()

MINOR_UNITS_PER_EURO = 100


def to_minor_units(amount: Decimal) -> int:
    """Decimal("2450.31") -> 245031; refuses amounts finer than a cent."""
    minor = amount * MINOR_UNITS_PER_EURO
    if minor != minor.to_integral_value():
        raise ValueError(f"{amount} has more than two decimal places")
    return int(minor)


def from_minor_units(minor: int) -> Decimal:
    """245031 -> Decimal("2450.31") (always two decimal places)."""
    return Decimal(minor).scaleb(-2)


class UtcDateTime(TypeDecorator):
    """A timezone-aware UTC datetime, stored as naive UTC (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a timezone-aware one")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class Customer(Base):
    __tablename__ = "customers"

    id = Column(Integer, primary_key=True)
    customer_number = Column(String(20), nullable=False, unique=True)
    first_name = Column(String(100), nullable=False)
    last_name = Column(String(100), nullable=False)
    phone = Column(String(20), nullable=False, unique=True)  # E.164
    locale = Column(String(20), nullable=False)
    created_at = Column(UtcDateTime, nullable=False)
    # OTP failures belong to the customer, not to a challenge: a new code does not reset them.
    otp_failure_count = Column(Integer, nullable=False, default=0)
    otp_locked_until = Column(UtcDateTime, nullable=True)

    accounts = relationship("Account", back_populates="customer", order_by="Account.position")
    cards = relationship("Card", back_populates="customer", order_by="Card.position")


class Account(Base):
    __tablename__ = "accounts"

    id = Column(String(40), primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    position = Column(Integer, nullable=False, default=0)  # display order for the customer
    type = Column(String(20), nullable=False)  # current | savings
    name = Column(String(100), nullable=False)
    iban = Column(String(34), nullable=False, unique=True)
    currency = Column(String(3), nullable=False)
    balance_minor = Column(BigInteger, nullable=False)
    opening_balance_minor = Column(BigInteger, nullable=False)
    opened_at = Column(UtcDateTime, nullable=False)

    customer = relationship("Customer", back_populates="accounts")


class Transaction(Base):
    __tablename__ = "transactions"
    __table_args__ = (Index("ix_transactions_account_booked", "account_id", "booked_at", "row_id"),)

    row_id = Column(Integer, primary_key=True, autoincrement=True)  # tie-break for equal times
    id = Column(String(40), nullable=False, unique=True)
    account_id = Column(String(40), ForeignKey("accounts.id"), nullable=False)
    booked_at = Column(UtcDateTime, nullable=False)
    description = Column(String(200), nullable=False)
    amount_minor = Column(BigInteger, nullable=False)  # signed: negative is money out
    currency = Column(String(3), nullable=False)


class Card(Base):
    """A payment card. Never a full card number: last four digits only."""

    __tablename__ = "cards"

    id = Column(String(40), primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    account_id = Column(String(40), ForeignKey("accounts.id"), nullable=False)
    position = Column(Integer, nullable=False, default=0)
    kind = Column(String(10), nullable=False)  # debit | credit
    brand = Column(String(20), nullable=False)
    last4 = Column(String(4), nullable=False)
    status = Column(String(10), nullable=False)  # active | blocked
    expiry_year = Column(Integer, nullable=False)
    expiry_month = Column(Integer, nullable=False)

    customer = relationship("Customer", back_populates="cards")


class OtpChallenge(Base):
    """One code sent by SMS. Only an HMAC of (challenge id, code) is kept."""

    __tablename__ = "otp_challenges"
    __table_args__ = (Index("ix_otp_challenges_customer_created", "customer_id", "created_at"),)

    id = Column(String(64), primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False)
    code_hash = Column(String(64), nullable=False)
    created_at = Column(UtcDateTime, nullable=False)
    expires_at = Column(UtcDateTime, nullable=False)
    used_at = Column(UtcDateTime, nullable=True)


class AccessToken(Base):
    """A bearer token given for a verified code. Only its SHA-256 is kept."""

    __tablename__ = "access_tokens"

    token_hash = Column(String(64), primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    issued_at = Column(UtcDateTime, nullable=False)
    expires_at = Column(UtcDateTime, nullable=False)
    revoked_at = Column(UtcDateTime, nullable=True)


class ChannelLink(Base):
    """A chat channel user (e.g. a Messenger PSID) known to be a customer.

    Keyed by an HMAC of "channel:channel_user_id"; the user id is never stored in clear.
    """

    __tablename__ = "channel_links"

    link_hash = Column(String(64), primary_key=True)
    channel = Column(String(32), nullable=False)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    linked_at = Column(UtcDateTime, nullable=False)


def create_database_engine(database_url: str) -> Engine:
    """An engine for `database_url`; for SQLite files, creates the parent folder first."""
    url = make_url(database_url)
    connect_args: dict[str, Any] = {}
    if url.get_backend_name() == "sqlite":
        connect_args = {"check_same_thread": False, "timeout": 30}
        if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # hide_parameters: a logged database error must not show phone numbers, hashes or ids.
    engine = create_engine(url, future=True, connect_args=connect_args, hide_parameters=True)
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _configure_sqlite_connection)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


def create_tables(engine: Engine) -> None:
    Base.metadata.create_all(engine)
