"""GET /v1/bank/facts: the bank's published facts, public, from bank_facts.yml, the loan products and the
transfer limits of the settings; against the core bank served in this process."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
import yaml

from bot.core_bank.contract.facts import BankFacts
from bot.core_bank.facts import FACTS_FILE
from tests.core_bank.core_bank_fixtures import CoreBankTestClient, running_core_bank


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CoreBankTestClient]:
    with running_core_bank(tmp_path_factory.mktemp("facts_bank"), TRANSFER_LIMIT_PER_TRANSFER="300.00",
                           TRANSFER_LIMIT_DAILY="900.00") as running:
        yield running


def test_the_facts_are_public_and_in_the_contract(bank: CoreBankTestClient):
    response = bank.get("/v1/bank/facts")
    assert response.status_code == 200, response.text
    facts = BankFacts.parse_obj(response.json()).facts
    written = yaml.safe_load(FACTS_FILE.read_text())["facts"]
    for name, spec in written.items():
        assert facts[name].kind == spec["kind"]
    assert facts["contactless_limit"].value == "50.00" and facts["savings_rate"].value == "2.40"
    assert facts["customer_line_weekdays"].value == "08:00-20:00" and facts["card_delivery_days"].value == "7"


def test_the_loan_rates_and_transfer_limits_come_from_their_own_sources(bank: CoreBankTestClient):
    facts = bank.get("/v1/bank/facts").json()["facts"]
    assert facts["transfer_limit_per_transfer"] == {"kind": "money", "value": "300.00"}
    assert facts["transfer_limit_daily"] == {"kind": "money", "value": "900.00"}
    products = {p["product"]: p for p in bank.get("/v1/loan-products").json()["products"]}
    for product, offer in products.items():
        assert facts[f"{product}_loan_apr"] == {"kind": "percent", "value": offer["apr"]}
        assert facts[f"{product}_loan_max"] == {"kind": "money", "value": offer["max_amount"]}
        assert facts[f"{product}_loan_max_years"] == {"kind": "count", "value": str(offer["max_term_months"] // 12)}


def test_the_openapi_document_describes_the_route(bank: CoreBankTestClient):
    document = bank.get("/openapi.json").json()
    operation = document["paths"]["/v1/bank/facts"]["get"]
    assert operation["operationId"] == "getBankFacts" and operation["security"] == []  # no sign-in
