"""What a signed-in customer reads: their profile, accounts, transactions and cards.

Each customer sees only their own: another customer's account is reported like one that does
not exist. Cards show their last four digits only; phone, IBAN and address are masked, but for an account's own
bank details (its whole IBAN, asked for one account at a time, to be shared for payments in).
"""
from __future__ import annotations

from typing import Any, Literal, Optional, get_args

from pydantic import Field, StrictStr, root_validator
from pydantic.fields import ModelField

from bot.core_bank.contract.categories import TransactionCategory
from bot.core_bank.contract.wire import (
    DEFAULT_TIME_ZONE, Day, Money, RequestModel, Text, Timestamp, TimeZoneName, WireModel, WireType, refuse,
)

MAX_TRANSACTIONS_PAGE = 100
DEFAULT_TRANSACTIONS_PAGE = 10
MASKED_IBAN_EXAMPLE = "FR76 •••• •••• 0123"
MASKED_ADDRESS_EXAMPLE = "•• rue •••••••, 75011 Paris"


class Me(WireModel):
    customer_number: StrictStr = Field(..., example="100001")
    first_name: StrictStr
    last_name: StrictStr
    phone_masked: StrictStr = Field(..., example="+33 •••••••78")
    locale: StrictStr = Field(..., example="en_IE")
    address_masked: StrictStr = Field(
        ...,
        description="street number and name masked; kind of street, postcode and city shown",
        example=MASKED_ADDRESS_EXAMPLE,
    )


class Account(WireModel):
    account_id: StrictStr
    type: Literal["current", "savings"]
    name: StrictStr
    iban_masked: StrictStr = Field(..., example=MASKED_IBAN_EXAMPLE)
    currency: StrictStr = Field(..., regex="^[A-Z]{3}$", example="EUR")
    balance: Money


class AccountList(WireModel):
    accounts: list[Account]


class AccountDetails(WireModel):
    """An account's bank details, as a RIB gives them: what the customer shares to be paid (their own, in full)."""

    account_id: StrictStr
    type: Literal["current", "savings"]
    name: StrictStr
    iban: StrictStr = Field(..., description="in groups of four", example="FR76 1450 8000 0110 0001 0100 079")
    bic: StrictStr = Field(..., example="FBRAFRPPXXX")
    holder: StrictStr = Field(..., example="Alex Martin")


class PageSize(WireType, int):
    """How many transactions a page holds."""

    schema = {"type": "integer", "minimum": 1, "maximum": MAX_TRANSACTIONS_PAGE, "default": DEFAULT_TRANSACTIONS_PAGE}

    @classmethod
    def check(cls, value: Any, field: ModelField) -> int:
        if isinstance(value, bool):
            raise refuse(f"{field.name} must be a whole number.")
        try:
            size = int(value)
        except (TypeError, ValueError):
            raise refuse(f"{field.name} must be a whole number.") from None
        if not 1 <= size <= MAX_TRANSACTIONS_PAGE:
            raise refuse(f"{field.name} must be between 1 and {MAX_TRANSACTIONS_PAGE}")
        return size


class TransactionQuery(RequestModel):
    """The query string of a transactions page."""

    where = "query"

    limit: PageSize = DEFAULT_TRANSACTIONS_PAGE  # type: ignore[assignment]
    before: Optional[Text] = Field(
        None, description="a transaction_id (the previous page's next_before): only older ones"
    )
    since: Optional[Day] = Field(None, description="booked on or after this day (in time_zone)")
    until: Optional[Day] = Field(None, description="booked on or before this day (in time_zone)")
    time_zone: TimeZoneName = Field(DEFAULT_TIME_ZONE, description="the zone since and until are days of")  # type: ignore[assignment]

    @root_validator(skip_on_failure=True)
    def _since_before_until(cls, values: dict[str, Any]) -> dict[str, Any]:
        since, until = values.get("since"), values.get("until")
        if since is not None and until is not None and since > until:
            raise refuse("since must not be after until")
        return values


TransactionKind = Literal[
    "card_payment",  # counterparty: the merchant
    "cash_withdrawal",  # counterparty: where (the ATM)
    "direct_debit",  # counterparty: who takes the money
    "rent",  # counterparty: the landlord or letting agent
    "salary",  # counterparty: the employer
    "transfer_out",  # money sent; counterparty: the payee
    "transfer_in",  # money received; counterparty: the sender, when known
    "savings_transfer_out",  # from the current account to the customer's savings account
    "savings_transfer_in",  # on the savings account: from the customer's current account
    "savings_withdrawal",  # on the savings account: back to the customer's current account
    "savings_withdrawal_in",  # on the current account: from the customer's savings account
    "other",  # anything else (and rows booked before kinds existed): read `description`
]
TRANSACTION_KINDS: tuple[str, ...] = get_args(TransactionKind)
OTHER_KIND = "other"


class Transaction(WireModel):
    transaction_id: StrictStr
    booked_at: Timestamp
    description: StrictStr = Field(
        ..., description="the statement label, in English", example="Card payment — Fnac"
    )
    kind: TransactionKind = Field(
        ..., description="what the transaction is, for a label in the reader's language; other: show description"
    )
    counterparty: Optional[StrictStr] = Field(
        ..., nullable=True, description="the merchant, employer or person on the other side; null when none",
        example="Fnac",
    )
    category: TransactionCategory = Field(
        ..., description="what it was for, decided by the bank (bot/core_bank/contract/categories.py)",
        example="shopping",
    )
    merchant: Optional[StrictStr] = Field(
        ..., nullable=True,
        description="the merchant's usual name (\"Amazon\" for \"Amazon EU\") for a card payment, direct debit or "
        "rent; null for transfers, salary, cash and the like",
        example="Fnac",
    )
    amount: Money = Field(..., description="signed: negative is money out", example="-42.10")
    currency: StrictStr = Field(..., regex="^[A-Z]{3}$", example="EUR")


class TransactionPage(WireModel):
    transactions: list[Transaction] = Field(..., description="newest first")
    next_before: Optional[StrictStr] = Field(
        ..., nullable=True, description="pass as `before` for older ones; null at the end"
    )


class Card(WireModel):
    card_id: StrictStr
    kind: Literal["debit", "credit"]
    brand: StrictStr = Field(..., example="Visa")
    last4: StrictStr = Field(..., regex="^[0-9]{4}$")
    status: Literal["active", "frozen", "blocked"] = Field(
        ..., description="frozen: for now, until the customer unfreezes it (it cannot pay); blocked: for good"
    )
    account_id: StrictStr
    expiry: StrictStr = Field(..., regex="^[0-9]{4}-[0-9]{2}$", example="2028-09")


class CardList(WireModel):
    cards: list[Card]
