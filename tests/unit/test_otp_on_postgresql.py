"""The one-time-code tests again, on PostgreSQL (the production profile's core bank): types, Decimal, locks, concurrency."""
import pytest

from tests.support.production_services import core_bank_on_postgresql
from tests.unit import core_bank_otp_support as _source
from tests.unit.test_otp import *  # noqa: F401,F403 - the same tests and fixtures
from tests.unit.test_otp_guesses_and_identity import *  # noqa: F401,F403


@pytest.fixture(autouse=True)
def _on_postgresql(monkeypatch):
    with core_bank_on_postgresql(monkeypatch, _source):
        yield
