"""What a transaction was for, decided when it is booked: its category and its merchant's usual name.

The one place of this rule. Every booked transaction goes through `classify` (the `transactions`
table's column defaults call it, so a booking that names only its kind and counterparty is
categorised all the same):
- a card payment, direct debit or rent has a merchant: the bank's name for it when it is in
  `KNOWN_MERCHANTS` ("Amazon EU" is "Amazon"), with that merchant's category; else the counterparty as
  written, with the category of its kind (an unknown shop is `other`, an unknown creditor `bills`);
- anything else (transfers, salary, cash, moves to savings) has no merchant and the category of its
  kind (`KIND_CATEGORIES`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from bot.core_bank.contract.categories import OTHER_CATEGORY, TRANSACTION_CATEGORIES
from bot.core_bank.merchant_matching import folded


@dataclass(frozen=True)
class Classification:
    category: str  # one of contract.categories.TRANSACTION_CATEGORIES
    merchant: Optional[str]


@dataclass(frozen=True)
class KnownMerchant:
    name: str
    category: str


def _directory(*entries: tuple[str, str, tuple[str, ...]]) -> dict[str, KnownMerchant]:
    """(name, category, other spellings on statements) -> the merchants by folded spelling."""
    directory: dict[str, KnownMerchant] = {}
    for name, category, spellings in entries:
        assert category in TRANSACTION_CATEGORIES, category
        for spelling in (name, *spellings):
            directory[folded(spelling)] = KnownMerchant(name, category)
    return directory


KNOWN_MERCHANTS: dict[str, KnownMerchant] = _directory(
    ("Carrefour", "groceries", ("Carrefour City", "Carrefour Market")),
    ("Monoprix", "groceries", ()),
    ("Lidl", "groceries", ()),
    ("Franprix", "groceries", ()),
    ("Picard", "groceries", ()),
    ("Biocoop", "groceries", ()),
    ("Boulangerie Julien", "groceries", ()),
    ("Le Petit Zinc", "restaurants", ()),
    ("Café Oberkampf", "restaurants", ()),
    ("Uber Eats", "restaurants", ("UberEats", "Uber * Eats")),
    ("Deliveroo", "restaurants", ()),
    ("Uber", "transport", ("Uber BV", "Uber * Trip")),
    ("SNCF", "transport", ("SNCF Connect",)),
    ("Navigo", "transport", ()),
    ("Foncia", "housing", ("Foncia Paris",)),
    ("EDF", "bills", ()),
    ("Orange", "bills", ("Orange Mobile",)),
    ("SFR", "bills", ()),
    ("Fnac", "shopping", ()),
    ("Amazon", "shopping", ("Amazon EU", "Amazon.fr")),
    ("Decathlon", "shopping", ()),
    ("Netflix", "leisure", ()),
    ("Spotify", "leisure", ()),
    ("Deezer", "leisure", ()),
    ("Basic-Fit", "leisure", ()),
    ("Ticketmaster", "leisure", ()),
    ("Pharmacie Lafayette", "health", ()),
)

KIND_CATEGORIES: dict[str, str] = {
    "card_payment": OTHER_CATEGORY,  # a shop the bank does not know
    "direct_debit": "bills",
    "rent": "housing",
    "cash_withdrawal": "cash",
    "salary": "income",
    "transfer_out": "transfers",
    "transfer_in": "transfers",
    "savings_transfer_out": "savings",
    "savings_transfer_in": "savings",
    "savings_withdrawal": "savings",
    "savings_withdrawal_in": "savings",
    "other": OTHER_CATEGORY,
}
MERCHANT_KINDS = frozenset({"card_payment", "direct_debit", "rent"})  # the other side is a merchant


def classify(kind: Optional[str], counterparty: Optional[str]) -> Classification:
    """The category and merchant of a transaction of this kind with this counterparty."""
    kind = kind or "other"
    name = (counterparty or "").strip()
    if kind in MERCHANT_KINDS and name:
        known = KNOWN_MERCHANTS.get(folded(name))
        if known is not None:
            return Classification(known.category, known.name)
        return Classification(KIND_CATEGORIES[kind], name)
    return Classification(KIND_CATEGORIES.get(kind, OTHER_CATEGORY), None)
