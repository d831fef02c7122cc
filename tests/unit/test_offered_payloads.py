import json

import pytest

from bot.channels.offered_payloads import ALWAYS_OFFERED, InMemoryOfferedPayloads, is_always_offered


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_payload_is_valid_for_the_customer_it_was_offered_to_only():
    store = InMemoryOfferedPayloads()
    await store.record("alice", ["/affirm", '/inform{"card":"4821"}'])
    assert await store.was_offered("alice", "/affirm")
    assert await store.was_offered("alice", '/inform{"card":"4821"}')
    assert not await store.was_offered("alice", '/inform{"card":"7304"}')
    assert not await store.was_offered("bob", "/affirm")


async def test_a_tapped_payload_stays_valid():
    store = InMemoryOfferedPayloads()
    await store.record("alice", ["/affirm"])
    assert await store.was_offered("alice", "/affirm")
    assert await store.was_offered("alice", "/affirm")


async def test_offers_expire_after_the_ttl_and_renew_when_offered_again():
    clock = Clock()
    store = InMemoryOfferedPayloads(ttl_seconds=60, clock=clock)
    await store.record("alice", ["/affirm", "/deny"])
    clock.now += 30
    await store.record("alice", ["/affirm"])  # offered again: another 60 s
    clock.now += 45
    assert await store.was_offered("alice", "/affirm")
    assert not await store.was_offered("alice", "/deny")
    clock.now += 60
    assert not await store.was_offered("alice", "/affirm")


async def test_only_the_latest_payloads_of_a_customer_are_kept():
    store = InMemoryOfferedPayloads(max_per_recipient=3)
    await store.record("alice", ["/a", "/b", "/c"])
    await store.record("alice", ["/a", "/d"])  # /a renewed, /b the oldest now
    assert not await store.was_offered("alice", "/b")
    assert [await store.was_offered("alice", p) for p in ("/a", "/c", "/d")] == [True, True, True]


async def test_the_customer_offered_something_least_recently_is_forgotten_first():
    store = InMemoryOfferedPayloads(max_recipients=2)
    await store.record("alice", ["/a"])
    await store.record("bob", ["/b"])
    await store.record("alice", ["/a2"])  # Alice is the most recent again
    await store.record("carol", ["/c"])
    assert store.recipients == 2
    assert not await store.was_offered("bob", "/b")
    assert await store.was_offered("alice", "/a") and await store.was_offered("carol", "/c")


def test_bounds_must_be_positive():
    with pytest.raises(ValueError):
        InMemoryOfferedPayloads(max_per_recipient=0)


def test_the_page_menu_and_get_started_are_always_offered():
    assert ALWAYS_OFFERED == {"/get_started", "/check_balance", "/spending_insights", "/card_menu", "/loan_inquiry",
                              "/book_appointment", "/human_handoff",
                              '/switch_language{"language":"fr"}', '/switch_language{"language":"en"}'}
    assert is_always_offered("/get_started")
    assert not is_always_offered("/transfer_money")


def test_every_entry_point_is_an_intent_of_the_domain():
    import yaml

    from bot.channels.entry_points import ENTRY_PAYLOADS
    from tests.support.processes import PROJECT_ROOT

    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    for payload in ENTRY_PAYLOADS:
        intent, _, entities = payload.lstrip("/").partition("{")
        assert intent in domain["intents"]
        if entities:  # the language switch: an entity of the domain, with a value its slot takes
            entity_names = {next(iter(e)) if isinstance(e, dict) else e for e in domain["entities"]}
            for name, value in json.loads("{" + entities).items():
                assert name in entity_names and value in domain["slots"][name]["values"]
