"""What the core bank's HTTP tests share: a fresh bank per test, one read-only bank per module, error checks."""
from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Iterator, Optional

import pytest
import requests

from bot.core_bank import otp as otp_module
from bot.core_bank.app import registered_operations
from bot.core_bank.contract.document import documented_operations
from bot.core_bank.seed import (
    DEMO_ACCOUNT_IDS,
    DEMO_ADDRESS_MASKED,
    DEMO_BALANCES,
    DEMO_CARD_LAST4,
    DEMO_CUSTOMER_NUMBER,
    DEMO_PHONE,
)
from bot.settings import PROJECT_ROOT, Settings
from tests.core_bank.core_bank_fixtures import SERVICE_HEADERS, CoreBankTestClient, running_core_bank

CAMILLE_NUMBER = "100002"
CAMILLE_PHONE = "+33698765432"
PSID = "psid-31415926535"


@pytest.fixture
def bank(tmp_path: Path) -> Iterator[CoreBankTestClient]:
    """A fresh core bank for a test that changes state (OTP failures, locks, links, sessions)."""
    with running_core_bank(tmp_path) as running:
        yield running


@pytest.fixture(scope="module")
def reading_bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CoreBankTestClient]:
    """One core bank shared by tests that only read: each signs in on its own and changes nothing
    another test looks at (no wrong codes, no links; the challenge limit is raised so sign-ins never hit it)."""
    with running_core_bank(tmp_path_factory.mktemp("reading_bank"), OTP_CHALLENGES_PER_WINDOW="1000") as running:
        yield running


def as_channel_user(psid: str) -> dict[str, str]:
    """The headers of the action server asking for this Messenger user."""
    return {**SERVICE_HEADERS, "X-Channel-User": f"messenger:{psid}"}


def wrong(code: str, by: int = 1) -> str:
    return f"{(int(code) + by) % 10**6:06d}"


def parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    assert moment.utcoffset() is not None, f"{value} has no offset"
    return moment


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


def assert_unauthorized(response) -> None:
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def move_past(bank: CoreBankTestClient, moment: datetime) -> None:
    """Moves the bank's clock just after `moment` (API times are to the second, rounded down)."""
    bank.clock.move_to(moment + timedelta(seconds=1))
