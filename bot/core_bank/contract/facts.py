"""The bank's published facts (GET /v1/bank/facts): fees, limits, rates, hours, contacts, by name.

Public information, no customer sign-in. Every value is a string on the wire, written the bank's
way, not the customer's: money "50.00" (EUR, two decimals), percent "2.40", a count "7", hours
"08:00-20:00", a phone "+33 1 84 88 20 00", a url, an email, or text shown as is. The chat writes
them the customer's way (bot/knowledge/render.py).
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, StrictStr, root_validator

from bot.core_bank.contract.wire import AMOUNT_PATTERN, WireModel, refuse

FACT_KINDS = ("money", "percent", "days", "count", "phone", "url", "email", "text", "hours")
FactKind = Literal["money", "percent", "days", "count", "phone", "url", "email", "text", "hours"]
PATTERNS = {
    "money": AMOUNT_PATTERN,
    "percent": r"^[0-9]+\.[0-9]{2}$",
    "days": r"^[0-9]+$",
    "count": r"^[0-9]+$",
    "hours": r"^[0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]$",
}


class Fact(WireModel):
    kind: FactKind = Field(..., description="how the value is written and shown; money is in EUR")
    value: StrictStr = Field(..., example="50.00")

    @root_validator(skip_on_failure=True)
    def _value_fits_kind(cls, values: dict) -> dict:
        pattern = PATTERNS.get(values["kind"])
        if pattern and not re.fullmatch(pattern, values["value"]):
            raise refuse(f"value {values['value']!r} is not a {values['kind']} as the contract writes it.")
        if not values["value"].strip():
            raise refuse("value must not be empty.")
        return values


class BankFacts(WireModel):
    facts: dict[str, Fact] = Field(..., description="by name, e.g. contactless_limit, savings_rate, customer_line")
