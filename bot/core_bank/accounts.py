"""Customer data: finding customers, and what a signed-in customer may read.

Everything here is scoped to one customer: an account of somebody else is
reported exactly like one that does not exist.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any, Optional

import phonenumbers
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Select

from bot.core_bank.contract.categories import OTHER_CATEGORY, TRANSACTION_CATEGORIES
from bot.core_bank.contract.customers import OTHER_KIND, TRANSACTION_KINDS
from bot.core_bank.errors import AccountNotFound, CardNotFound, CustomerNotFound, InvalidRequest
from bot.core_bank.facts import file_facts
from bot.core_bank.models import Account, Card, Customer, Transaction, from_minor_units
from bot.core_bank.periods import start_of_day

DEFAULT_PHONE_REGION = "FR"
MASK = "•"
MAX_TRANSACTIONS_PAGE = 100


# --- phone numbers and masks -------------------------------------------------


def normalize_phone(raw: str, default_region: str = DEFAULT_PHONE_REGION, field: str = "phone") -> str:
    """A phone number as typed ("06 12 34 56 78", "+33 6 12…") in E.164, or InvalidRequest naming `field`."""
    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidRequest(f"{field} is not a phone number.") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidRequest(f"{field} is not a valid phone number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """"+33612345678" -> "+33 •••••••78": the country code and the last two digits only."""
    parsed = phonenumbers.parse(e164, None)
    national = phonenumbers.national_significant_number(parsed)
    return f"+{parsed.country_code} {MASK * (len(national) - 2)}{national[-2:]}"


def mask_iban(iban: str) -> str:
    """"FR7630006000011234567890123" -> "FR76 •••• •••• 0123"."""
    compact = iban.replace(" ", "")
    return f"{compact[:4]} {MASK * 4} {MASK * 4} {compact[-4:]}"


def format_iban(iban: str) -> str:
    """"FR7614508000011000010100079" -> "FR76 1450 8000 0110 0001 0100 079": groups of four, as printed on a RIB."""
    compact = iban.replace(" ", "")
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))


def mask_address(customer: Customer) -> str:
    """12 rue Oberkampf, 75011 Paris -> "•• rue •••••••, 75011 Paris".

    The street number and name are hidden behind masks of fixed length (their length would
    say something); the kind of street, the postcode and the city stay readable.
    """
    street = " ".join(part for part in (MASK * 2, customer.address_street_type, MASK * 7) if part)
    return f"{street}, {customer.address_postcode} {customer.address_city}"


# --- finding customers -------------------------------------------------------


def find_customer_by_number(session: Session, customer_number: str) -> Customer:
    customer = session.execute(
        select(Customer).where(Customer.customer_number == customer_number)
    ).scalar_one_or_none()
    if customer is None:
        raise CustomerNotFound("No customer has this customer number.")
    return customer


def find_customer_by_phone(session: Session, phone_e164: str) -> Customer:
    customer = session.execute(select(Customer).where(Customer.phone == phone_e164)).scalar_one_or_none()
    if customer is None:
        raise CustomerNotFound("No customer has this phone number.")
    return customer


# --- what a customer reads ---------------------------------------------------


@dataclass(frozen=True)
class CustomerProfile:
    customer_number: str
    first_name: str
    last_name: str
    phone_masked: str
    locale: str
    address_masked: str


@dataclass(frozen=True)
class AccountSummary:
    account_id: str
    type: str
    name: str
    iban_masked: str
    currency: str
    balance: Decimal


@dataclass(frozen=True)
class AccountDetails:
    """What a customer gives to be paid: the whole IBAN (their own, to them only), the bank's BIC, the holder."""

    account_id: str
    type: str
    name: str
    iban: str
    bic: str
    holder: str


@dataclass(frozen=True)
class BookedTransaction:
    transaction_id: str
    booked_at: datetime
    description: str
    amount: Decimal  # signed: negative is money out
    currency: str
    kind: str = OTHER_KIND  # one of the contract's TRANSACTION_KINDS
    counterparty: Optional[str] = None
    category: str = OTHER_CATEGORY  # one of the contract's TRANSACTION_CATEGORIES
    merchant: Optional[str] = None


@dataclass(frozen=True)
class TransactionPage:
    transactions: list[BookedTransaction]
    next_before: Optional[str]  # pass as `before` for the next (older) page


@dataclass(frozen=True)
class CardFacts:
    """What every view of a card shows of it (the views add their own fields after these)."""

    card_id: str
    kind: str
    brand: str
    last4: str
    status: str
    account_id: str

    def facts(self) -> dict[str, Any]:
        """These fields alone, by name (a view's own fields left out)."""
        return {field.name: getattr(self, field.name) for field in fields(CardFacts)}


@dataclass(frozen=True)
class CardSummary(CardFacts):
    expiry_year: int
    expiry_month: int


class CustomerRecords:
    """Read-only queries over one customer's data (each call opens its own session)."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def profile(self, customer_id: int) -> CustomerProfile:
        with self._sessions() as session:
            customer = session.get(Customer, customer_id)
            if customer is None:
                raise CustomerNotFound("No such customer.")
            return CustomerProfile(
                customer_number=customer.customer_number,
                first_name=customer.first_name,
                last_name=customer.last_name,
                phone_masked=mask_phone(customer.phone),
                locale=customer.locale,
                address_masked=mask_address(customer),
            )

    def accounts(self, customer_id: int) -> list[AccountSummary]:
        with self._sessions() as session:
            rows = session.execute(
                select(Account).where(Account.customer_id == customer_id).order_by(Account.position, Account.id)
            ).scalars()
            return [
                AccountSummary(
                    account_id=a.id,
                    type=a.type,
                    name=a.name,
                    iban_masked=mask_iban(a.iban),
                    currency=a.currency,
                    balance=from_minor_units(a.balance_minor),
                )
                for a in rows
            ]

    def account_details(self, customer_id: int, account_id: str) -> AccountDetails:
        """The bank details of the customer's account `account_id` (AccountNotFound for another's, as for none)."""
        with self._sessions() as session:
            account = owned_account(session, customer_id, account_id)
            customer = session.get(Customer, customer_id)
            return AccountDetails(
                account_id=account.id, type=account.type, name=account.name, iban=format_iban(account.iban),
                bic=file_facts()["bic"].value, holder=f"{customer.first_name} {customer.last_name}",
            )

    def transactions(
        self,
        customer_id: int,
        account_id: str,
        limit: int = 10,
        before: Optional[str] = None,
        since: Optional[date] = None,
        until: Optional[date] = None,
        zone: tzinfo = timezone.utc,
    ) -> TransactionPage:
        """The account's transactions, newest first, `limit` at a time, older than `before`,
        booked from `since` to `until` (days in `zone`, both included)."""
        if since is not None and until is not None and since > until:
            raise InvalidRequest("since must not be after until")
        with self._sessions() as session:
            owned_account(session, customer_id, account_id)
            query = select(Transaction).where(Transaction.account_id == account_id)
            if since is not None:
                query = query.where(Transaction.booked_at >= start_of_day(since, zone))
            if until is not None:
                query = query.where(Transaction.booked_at < start_of_day(until + timedelta(days=1), zone))
            return transaction_page(session, account_id, query, limit, before)

    def cards(self, customer_id: int) -> list[CardSummary]:
        with self._sessions() as session:
            rows = session.execute(
                select(Card).where(Card.customer_id == customer_id).order_by(Card.position, Card.id)
            ).scalars()
            return [CardSummary(**card_fields(c), expiry_year=c.expiry_year, expiry_month=c.expiry_month) for c in rows]


def owned_account(session: Session, customer_id: int, account_id: str) -> Account:
    """The customer's account `account_id`; AccountNotFound for another customer's as for none."""
    account = session.get(Account, account_id)
    if account is None or account.customer_id != customer_id:
        raise AccountNotFound("No such account for this customer.")
    return account


def owned_card(session: Session, customer_id: int, card_id: str) -> Card:
    """The customer's card `card_id`; CardNotFound for another customer's as for none."""
    card = session.get(Card, card_id)
    if card is None or card.customer_id != customer_id:
        raise CardNotFound("No such card for this customer.")
    return card


def card_fields(card: Card) -> dict[str, Any]:
    """The CardFacts of a card row, as keyword arguments for a view of it."""
    return dict(
        card_id=card.id, kind=card.kind, brand=card.brand, last4=card.last4, status=card.status, account_id=card.account_id
    )


def booked(row: Transaction) -> BookedTransaction:
    return BookedTransaction(
        transaction_id=row.id,
        booked_at=row.booked_at,
        description=row.description,
        amount=from_minor_units(row.amount_minor),
        currency=row.currency,
        kind=row.kind if row.kind in TRANSACTION_KINDS else OTHER_KIND,
        counterparty=row.counterparty or None,
        category=row.category if row.category in TRANSACTION_CATEGORIES else OTHER_CATEGORY,
        merchant=row.merchant or None,
    )


def transaction_page(
    session: Session, account_id: str, query: Select, limit: int, before: Optional[str]
) -> TransactionPage:
    """One page of `query` (transactions of `account_id`), newest first, `limit` at a time, older than `before`."""
    if not 1 <= limit <= MAX_TRANSACTIONS_PAGE:
        raise InvalidRequest(f"limit must be between 1 and {MAX_TRANSACTIONS_PAGE}")
    if before is not None:
        cursor = session.execute(
            select(Transaction).where(Transaction.id == before, Transaction.account_id == account_id)
        ).scalar_one_or_none()
        if cursor is None:
            raise InvalidRequest("before is not a transaction of this account")
        query = query.where(
            or_(
                Transaction.booked_at < cursor.booked_at,
                and_(Transaction.booked_at == cursor.booked_at, Transaction.row_id < cursor.row_id),
            )
        )
    rows = list(
        session.execute(query.order_by(Transaction.booked_at.desc(), Transaction.row_id.desc()).limit(limit + 1)).scalars()
    )
    page = rows[:limit]
    return TransactionPage(
        transactions=[booked(t) for t in page], next_before=page[-1].id if len(rows) > limit else None
    )
