"""Fixtures shared by the unit tests that need a real Redis (the production profile's Messenger state)."""
from typing import Iterator

import pytest

from tests.support.production_services import delete_keys, new_key_prefix, require_redis


@pytest.fixture
def redis_url() -> str:
    """The test Redis (skipped without one; under CI=true a missing Redis fails)."""
    return require_redis()


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = new_key_prefix()
    yield prefix
    delete_keys(redis_url, prefix)
