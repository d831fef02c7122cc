"""A Messenger customer's profile locale: read from the Graph API (the stand-in, over HTTP), once per customer,
never holding a message longer than the timeout, quiet and paused when the page may not read it."""
import logging

import pytest

from bot.channels.messenger.graph_api import GraphApi, RetryPolicy
from bot.channels.messenger.user_locale import UserLocales
from bot.devtools.graph_standin import GraphStandin
from bot.privacy.pseudonyms import pseudonym
from tests.support.standin_server import PAGE_TOKEN, standin_in_loop

PSID = "4242424242"


@pytest.fixture
async def page():
    standin = GraphStandin(page_access_token=PAGE_TOKEN, user_locales={PSID: "fr_FR"})
    async with standin_in_loop(standin) as (standin, url):
        graph = GraphApi(url, PAGE_TOKEN, 5, RetryPolicy(max_attempts=1))
        try:
            yield standin, graph
        finally:
            await graph.close()


def lookups(standin):
    return [c for c in standin.calls if c.edge == "user_profile"]


async def test_the_locale_is_read_once_per_customer(page):
    standin, graph = page
    locales = UserLocales(graph)
    assert await locales.locale(PSID) == "fr_FR"
    assert await locales.locale(PSID) == "fr_FR"
    assert await locales.locale("someone-else") == "en_US"
    assert [c.recipient_id for c in lookups(standin)] == [PSID, "someone-else"]


async def test_a_slow_answer_does_not_hold_the_message(page):
    standin, graph = page
    standin.inject_faults(PSID, [{"status": None, "delay": 1.0}])  # answers normally, a second late
    locales = UserLocales(graph, timeout_seconds=0.1)
    assert await locales.locale(PSID) is None


async def test_a_page_without_access_is_asked_once_then_left_alone_quietly(page, caplog):
    standin, graph = page
    standin.user_profile_access = False
    locales = UserLocales(graph)
    with caplog.at_level(logging.INFO):
        assert await locales.locale(PSID) is None
        assert await locales.locale("someone-else") is None
    assert len(lookups(standin)) == 1
    assert PSID not in caplog.text and pseudonym(PSID) in caplog.text  # never a PSID in clear


async def test_a_locale_babel_does_not_know_is_none(page):
    standin, graph = page
    standin.user_locales[PSID] = "xx_YY"
    assert await UserLocales(graph).locale(PSID) is None
