"""What a transaction was for: the closed set of categories the core bank gives every transaction.

The bank decides a transaction's category when it is booked (bot/core_bank/merchants.py: from the
merchant when the bank knows it, else from the kind of transaction); the chat only names it in the
customer's language. Money out counts as spending in every category but `savings` (money moved
between the customer's own accounts) — see bot/core_bank/spending.py.
"""
from __future__ import annotations

from typing import Literal, get_args

TransactionCategory = Literal[
    "groceries",  # supermarkets, bakeries, food shops
    "restaurants",  # restaurants, cafés, bars, food delivery (Uber Eats)
    "transport",  # rides (Uber), trains, public transport passes, fuel
    "housing",  # rent, letting agents
    "bills",  # electricity, gas, water, phone, internet, insurance; any direct debit of an unknown creditor
    "shopping",  # shops, online retail (Fnac, Amazon, Decathlon)
    "leisure",  # streaming and music subscriptions, gyms, shows, travel
    "health",  # pharmacies, doctors
    "cash",  # cash withdrawals
    "transfers",  # money sent to or received from other people
    "savings",  # money moved between the customer's own accounts (never spending)
    "income",  # salary, pensions, benefits
    "other",  # anything else, and rows booked before categories existed
]
TRANSACTION_CATEGORIES: tuple[str, ...] = get_args(TransactionCategory)
OTHER_CATEGORY = "other"
NOT_SPENDING: frozenset[str] = frozenset({"savings"})  # money out in these is not spent: it stays the customer's
