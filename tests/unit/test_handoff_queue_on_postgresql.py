"""test_handoff_queue.py again, on PostgreSQL (the production profile's BRANCH_DATABASE_URL): the queue, its races."""
import pytest

from bot.branch_db import session_factory
from tests.support.production_services import database_url, fresh_databases
from tests.unit import test_handoff_queue as _source
from tests.unit.test_handoff_queue import *  # noqa: F401,F403 - the same tests and fixtures


@pytest.fixture(autouse=True)
def _on_postgresql(monkeypatch):
    with fresh_databases("branch") as (name,):
        makers = []

        def on_postgresql(_sqlite_url: str):
            maker = session_factory(database_url(name))
            makers.append(maker)
            return maker

        monkeypatch.setattr(_source, "session_factory", on_postgresql)
        yield
        for maker in makers:
            maker.kw["bind"].dispose()
