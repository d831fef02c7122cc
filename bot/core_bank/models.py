"""The core bank's tables (SQLAlchemy, 2.0 style) and how to open its database.

Money is stored as integer minor units (cents) and converted to `Decimal`
at the edges; times are stored as UTC and always read back timezone-aware.
Secrets are never stored in clear: OTP codes, access tokens and channel user
ids are kept only as keyed or plain hashes.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    text,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, declarative_base, relationship, sessionmaker

from bot.core_bank.merchants import Classification, classify
from bot.utc_datetime import UtcDateTime

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




class Customer(Base):
    __tablename__ = "customers"

    id = Column(Integer, primary_key=True)
    customer_number = Column(String(20), nullable=False, unique=True)
    first_name = Column(String(100), nullable=False)
    last_name = Column(String(100), nullable=False)
    phone = Column(String(20), nullable=False, unique=True)  # E.164
    locale = Column(String(20), nullable=False)
    created_at = Column(UtcDateTime, nullable=False)
    # Postal address (cards are delivered there); shown only masked (see accounts.mask_address).
    address_number = Column(String(10), nullable=False)
    address_street_type = Column(String(20), nullable=False)  # rue, avenue, via…: kept visible when masked
    address_street_name = Column(String(100), nullable=False)
    address_postcode = Column(String(10), nullable=False)
    address_city = Column(String(100), nullable=False)

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
    description = Column(String(200), nullable=False)  # the statement label, in English
    amount_minor = Column(BigInteger, nullable=False)  # signed: negative is money out
    currency = Column(String(3), nullable=False)
    # What it is (bot/core_bank/contract/customers.py TransactionKind: card_payment, transfer_out...), for a
    # label in the customer's language; rows booked without one are "other" (their description is shown).
    kind = Column(String(30), nullable=False, default="other", server_default="other")
    counterparty = Column(String(100), nullable=True)  # the merchant, employer or person on the other side
    # What it was for, and the merchant's usual name: decided at booking by bot/core_bank/merchants.py from kind and
    # counterparty (unless the booking gives them); rows booked before categories existed are "other", no merchant.
    category = Column(
        String(20), nullable=False, default=lambda context: _classified(context).category, server_default="other"
    )
    merchant = Column(String(100), nullable=True, default=lambda context: _classified(context).merchant)


def _classified(context: Any) -> Classification:
    """The category and merchant of the transaction being inserted, from its kind and counterparty."""
    parameters = context.get_current_parameters()
    return classify(parameters.get("kind"), parameters.get("counterparty"))


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
    status = Column(String(10), nullable=False)  # active | frozen (for now, reversible) | blocked (for good)
    expiry_year = Column(Integer, nullable=False)
    expiry_month = Column(Integer, nullable=False)
    blocked_at = Column(UtcDateTime, nullable=True)
    block_reason = Column(String(10), nullable=True)  # lost | stolen | damaged
    frozen_at = Column(UtcDateTime, nullable=True)  # set while frozen

    customer = relationship("Customer", back_populates="cards")


class CardOrder(Base):
    """A new card asked for by a customer (possibly replacing a blocked one)."""

    __tablename__ = "card_orders"

    row_id = Column(Integer, primary_key=True, autoincrement=True)  # tie-break for equal times
    reference = Column(String(16), nullable=False, unique=True)  # CO-XXXXXXXX
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    account_id = Column(String(40), ForeignKey("accounts.id"), nullable=False)
    kind = Column(String(10), nullable=False)  # debit | credit
    replaces_card_id = Column(String(40), ForeignKey("cards.id"), nullable=True)
    status = Column(String(10), nullable=False)  # ordered
    delivery_address_masked = Column(String(200), nullable=False)
    estimated_delivery = Column(Date, nullable=False)
    ordered_at = Column(UtcDateTime, nullable=False)


class LoanProduct(Base):
    """A loan the bank offers: its rate and limits (the one place these figures live, seeded)."""

    __tablename__ = "loan_products"

    product = Column(String(20), primary_key=True)  # personal | car | home
    position = Column(Integer, nullable=False, default=0)
    name = Column(String(100), nullable=False)
    apr_basis_points = Column(Integer, nullable=False)  # effective annual rate: 690 is 6.90 %
    currency = Column(String(3), nullable=False)
    min_amount_minor = Column(BigInteger, nullable=False)
    max_amount_minor = Column(BigInteger, nullable=False)
    min_term_months = Column(Integer, nullable=False)
    max_term_months = Column(Integer, nullable=False)


class LoanApplication(Base):
    """A customer's loan application, with the quote it was made on."""

    __tablename__ = "loan_applications"

    row_id = Column(Integer, primary_key=True, autoincrement=True)
    reference = Column(String(16), nullable=False, unique=True)  # LA-XXXXXXXX
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    product = Column(String(20), ForeignKey("loan_products.product"), nullable=False)
    currency = Column(String(3), nullable=False)
    amount_minor = Column(BigInteger, nullable=False)
    term_months = Column(Integer, nullable=False)
    apr_basis_points = Column(Integer, nullable=False)  # the rate when applying
    monthly_payment_minor = Column(BigInteger, nullable=False)
    total_repaid_minor = Column(BigInteger, nullable=False)
    total_interest_minor = Column(BigInteger, nullable=False)
    status = Column(String(20), nullable=False)  # received | under_review | approved | declined
    submitted_at = Column(UtcDateTime, nullable=False)


class Payee(Base):
    """Someone a customer has saved to send money to: another customer's account here, or an IBAN elsewhere."""

    __tablename__ = "payees"

    id = Column(String(40), primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    position = Column(Integer, nullable=False, default=0)
    name = Column(String(100), nullable=False)
    iban = Column(String(34), nullable=False)
    account_id = Column(String(40), ForeignKey("accounts.id"), nullable=True)  # set when the payee banks here


class Transfer(Base):
    """Money sent by a customer (booked as transactions on both sides when the payee banks here)."""

    __tablename__ = "transfers"
    __table_args__ = (Index("ix_transfers_customer_executed", "customer_id", "executed_at"),)

    row_id = Column(Integer, primary_key=True, autoincrement=True)
    reference = Column(String(16), nullable=False, unique=True)  # TR-XXXXXXXX
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False)
    from_account_id = Column(String(40), ForeignKey("accounts.id"), nullable=False)
    to_account_id = Column(String(40), ForeignKey("accounts.id"), nullable=True)  # null: an account elsewhere
    payee_name = Column(String(100), nullable=False)
    payee_iban = Column(String(34), nullable=False)
    amount_minor = Column(BigInteger, nullable=False)
    currency = Column(String(3), nullable=False)
    status = Column(String(10), nullable=False)  # executed
    executed_at = Column(UtcDateTime, nullable=False)


class Dispute(Base):
    """A customer's dispute of one of their transactions (bot/core_bank/disputes.py): one per transaction."""

    __tablename__ = "disputes"

    row_id = Column(Integer, primary_key=True, autoincrement=True)
    reference = Column(String(16), nullable=False, unique=True)  # DP-XXXXXXXX
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    transaction_id = Column(String(40), ForeignKey("transactions.id"), nullable=False, unique=True)
    reason = Column(String(20), nullable=False)  # not_recognised | charged_twice | wrong_amount | not_received | other
    details = Column(String(500), nullable=True)  # the customer's own words
    status = Column(String(20), nullable=False)  # open | under_review | resolved | rejected
    advisor_reason = Column(String(30), nullable=True)  # why an advisor must take it; null: the back office does
    opened_at = Column(UtcDateTime, nullable=False)
    updated_at = Column(UtcDateTime, nullable=False)


class Advisor(Base):
    """An advisor customers can meet (bot/core_bank/appointments.py), seeded."""

    __tablename__ = "advisors"

    id = Column(String(40), primary_key=True)
    position = Column(Integer, nullable=False, default=0)
    first_name = Column(String(100), nullable=False)
    last_name = Column(String(100), nullable=False)
    channels = Column(String(30), nullable=False)  # comma-separated: branch,phone,video
    weekdays = Column(String(7), nullable=False)  # ISO weekdays worked: "12345" is Monday to Friday
    branch_name = Column(String(100), nullable=True)  # null: no branch (phone and video only)
    branch_address = Column(String(200), nullable=True)


class Appointment(Base):
    """A customer's appointment with an advisor. A confirmed one holds its slot: the partial unique index
    lets no two confirmed appointments share an advisor's slot, whoever books them and however at once."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index(
            "uq_appointments_confirmed_slot",
            "advisor_id",
            "starts_at",
            unique=True,
            sqlite_where=text("status = 'confirmed'"),
            postgresql_where=text("status = 'confirmed'"),
        ),
    )

    row_id = Column(Integer, primary_key=True, autoincrement=True)
    reference = Column(String(16), nullable=False, unique=True)  # AP-XXXXXXXX
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    advisor_id = Column(String(40), ForeignKey("advisors.id"), nullable=False)
    starts_at = Column(UtcDateTime, nullable=False)
    ends_at = Column(UtcDateTime, nullable=False)
    channel = Column(String(10), nullable=False)  # branch | phone | video
    topic = Column(String(20), nullable=False)  # mortgage | loan | savings | account | other
    note = Column(String(300), nullable=True)
    status = Column(String(10), nullable=False)  # confirmed | cancelled
    booked_at = Column(UtcDateTime, nullable=False)
    cancelled_at = Column(UtcDateTime, nullable=True)


class IdempotencyRecord(Base):
    """The result of a request sent with an Idempotency-Key, returned again for a repeat of it.

    The request is kept only as an HMAC of its normalized body (which may hold a one-time code).
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("customer_id", "key", name="uq_idempotency_customer_key"),)

    row_id = Column(Integer, primary_key=True, autoincrement=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False)
    key = Column(String(100), nullable=False)
    request_hash = Column(String(64), nullable=False)
    response_status = Column(Integer, nullable=False)
    response_body = Column(Text, nullable=False)  # JSON
    created_at = Column(UtcDateTime, nullable=False)


class OtpChallenge(Base):
    """One code sent by SMS. Only an HMAC of (challenge id, code) is kept.

    A code that approves a transaction (PSD2 dynamic linking) also keeps an HMAC of the
    canonical transaction; a sign-in code has none. Who asked for it and whose it is are kept
    as the keys of their `OtpLimit` rows (HMACs). A challenge without a customer is a decoy:
    asked for a customer number or phone nobody has, it was sent nowhere and no code is right.
    """

    __tablename__ = "otp_challenges"
    __table_args__ = (
        Index("ix_otp_challenges_requester_created", "requester_key", "created_at"),
        Index("ix_otp_challenges_subject_created", "subject_key", "created_at"),
    )

    id = Column(String(64), primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=True)  # null: a decoy
    requester_key = Column(String(64), nullable=False)
    subject_key = Column(String(64), nullable=False)
    code_hash = Column(String(64), nullable=False)
    created_at = Column(UtcDateTime, nullable=False)
    expires_at = Column(UtcDateTime, nullable=False)
    used_at = Column(UtcDateTime, nullable=True)
    transaction_hash = Column(String(64), nullable=True)


class OtpLimit(Base):
    """The wrong codes of one requester (who types codes) or one subject (whose codes), and its lock.

    Keyed by an HMAC of what it counts (a channel user, an IP address, a customer id, an unknown
    customer number): none of them is stored in clear. See bot/core_bank/otp_limits.py.
    """

    __tablename__ = "otp_limits"

    key = Column(String(64), primary_key=True)
    failure_count = Column(Integer, nullable=False, default=0)  # consecutive: a right code resets it
    locked_until = Column(UtcDateTime, nullable=True)
    alerted_at = Column(UtcDateTime, nullable=True)  # subjects: when the customer was last told of failed attempts


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


def has_outdated_schema(engine: Engine) -> bool:
    """Whether the database holds the core bank's tables from an earlier version (a table or column missing)."""
    inspector = inspect(engine)
    existing = set(inspector.get_table_names())
    if Customer.__tablename__ not in existing:
        return False  # an empty database: nothing outdated, just create the tables
    for table in Base.metadata.sorted_tables:
        if table.name not in existing:
            return True
        columns = {column["name"] for column in inspector.get_columns(table.name)}
        if not {column.name for column in table.columns} <= columns:
            return True
    return False


def drop_tables(engine: Engine) -> None:
    Base.metadata.drop_all(engine)


def lock_customer(session: Session, customer_id: int) -> None:
    """Serializes the writes of one customer's money and orders until `session` commits or rolls back.

    A no-op write on the customer's row: a row lock on PostgreSQL, the database write lock on
    SQLite. Reads made after it in the same transaction see what earlier writers committed.
    """
    session.execute(update(Customer).where(Customer.id == customer_id).values(locale=Customer.locale))
