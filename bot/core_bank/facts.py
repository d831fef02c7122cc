"""The bank's published facts: bank_facts.yml (the one place they are written), plus what the core
bank publishes from its own sources: the loan products (rates, maximum amounts and terms) and the
transfer limits (settings). Served on GET /v1/bank/facts; the knowledge base's answers name them in
braces ("{contactless_limit}") and its content check knows them from here.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Protocol

import yaml

from bot.core_bank.contract.facts import Fact
from bot.core_bank.contract.wire import format_amount

FACTS_FILE = Path(__file__).with_name("bank_facts.yml")
LOAN_FACTS = ("apr", "max", "max_years")
# Published from the core bank's own sources, not from bank_facts.yml: name -> kind.
COMPUTED_KINDS = {
    "transfer_limit_per_transfer": "money",
    "transfer_limit_daily": "money",
    **{f"{product}_loan_apr": "percent" for product in ("personal", "car", "home")},
    **{f"{product}_loan_max": "money" for product in ("personal", "car", "home")},
    **{f"{product}_loan_max_years": "count" for product in ("personal", "car", "home")},
}


class LoanProductFacts(Protocol):
    product: str
    max_term_months: int

    @property
    def apr(self) -> Decimal: ...

    @property
    def max_amount(self) -> Decimal: ...


def _value(value: object) -> str:
    return str(value).strip()


@lru_cache(maxsize=1)
def file_facts() -> dict[str, Fact]:
    """bank_facts.yml, each fact checked by the contract."""
    data = yaml.safe_load(FACTS_FILE.read_text(encoding="utf-8")) or {}
    return {name: Fact(kind=spec["kind"], value=_value(spec["value"])) for name, spec in data["facts"].items()}


def computed_facts(loan_products: Iterable[LoanProductFacts], per_transfer: Decimal, daily: Decimal) -> dict[str, Fact]:
    facts = {
        "transfer_limit_per_transfer": Fact(kind="money", value=format_amount(per_transfer)),
        "transfer_limit_daily": Fact(kind="money", value=format_amount(daily)),
    }
    for loan in loan_products:
        facts[f"{loan.product}_loan_apr"] = Fact(kind="percent", value=format_amount(Decimal(loan.apr)))
        facts[f"{loan.product}_loan_max"] = Fact(kind="money", value=format_amount(Decimal(loan.max_amount)))
        facts[f"{loan.product}_loan_max_years"] = Fact(kind="count", value=str(loan.max_term_months // 12))
    return facts


def published_facts(loan_products: Iterable[LoanProductFacts], per_transfer: Decimal, daily: Decimal) -> dict[str, Fact]:
    """Every published fact by name: the file's and the computed ones (a computed name wins: one source each)."""
    return {**file_facts(), **computed_facts(loan_products, per_transfer, daily)}


def fact_names() -> set[str]:
    return set(file_facts()) | set(COMPUTED_KINDS)
