"""The transfer tests again, on PostgreSQL (the production profile's core bank): types, Decimal, locks, concurrency."""
import pytest

from tests.support.production_services import core_bank_on_postgresql
from tests.unit import core_bank_transfer_support as _source
from tests.unit.test_core_bank_transfer_codes import *  # noqa: F401,F403 - the same tests and fixtures
from tests.unit.test_core_bank_transfers import *  # noqa: F401,F403


@pytest.fixture(autouse=True)
def _on_postgresql(monkeypatch):
    with core_bank_on_postgresql(monkeypatch, _source):
        yield
