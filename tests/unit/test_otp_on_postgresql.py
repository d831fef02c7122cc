"""test_otp.py again, on PostgreSQL (the production profile's core bank): types, Decimal, locks, concurrency."""
import pytest

from tests.support.production_services import core_bank_on_postgresql
from tests.unit import test_otp as _source
from tests.unit.test_otp import *  # noqa: F401,F403 - the same tests and fixtures


@pytest.fixture(autouse=True)
def _on_postgresql(monkeypatch):
    with core_bank_on_postgresql(monkeypatch, _source):
        yield
