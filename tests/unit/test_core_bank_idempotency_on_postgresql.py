"""test_core_bank_idempotency.py again, on PostgreSQL (the production profile's core bank): types, Decimal, locks, concurrency."""
import pytest

from tests.support.production_services import core_bank_on_postgresql
from tests.unit import test_core_bank_idempotency as _source
from tests.unit.test_core_bank_idempotency import *  # noqa: F401,F403 - the same tests and fixtures


@pytest.fixture(autouse=True)
def _on_postgresql(monkeypatch):
    with core_bank_on_postgresql(monkeypatch, _source):
        yield
