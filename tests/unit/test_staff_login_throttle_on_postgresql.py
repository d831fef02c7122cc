"""test_staff_login_throttle.py again, on PostgreSQL (the production profile's BRANCH_DATABASE_URL): row locks."""
from typing import Iterator

import pytest

from tests.support import production_services
from tests.unit.test_staff_login_throttle import *  # noqa: F401,F403 - the same tests and fixtures


@pytest.fixture
def branch_url() -> Iterator[str]:
    with production_services.fresh_databases("branch") as (name,):
        yield production_services.database_url(name)
