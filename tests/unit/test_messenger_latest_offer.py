"""What the bot's latest message offered, in memory: replaced by each message, forgotten after a day, bounded."""
from bot.channels.messenger.latest_offer import InMemoryLatestOffers, asks_yes_or_no


async def test_each_message_replaces_the_record_and_it_expires():
    now = [1000.0]
    store = InMemoryLatestOffers(ttl_seconds=60, clock=lambda: now[0])
    assert await store.latest("psid-1") == frozenset()
    await store.sent("psid-1", ["/affirm", "/deny"])
    assert asks_yes_or_no(await store.latest("psid-1"))
    await store.sent("psid-1", [])
    assert await store.latest("psid-1") == frozenset()
    await store.sent("psid-1", ["/affirm", "/deny"])
    now[0] += 61
    assert await store.latest("psid-1") == frozenset()


async def test_the_customers_written_to_least_recently_are_forgotten_first():
    store = InMemoryLatestOffers(max_customers=2)
    for psid in ("a", "b", "c"):
        await store.sent(psid, ["/affirm", "/deny"])
    assert [bool(await store.latest(p)) for p in ("a", "b", "c")] == [False, True, True]


def test_a_confirmation_offers_both_yes_and_no():
    assert asks_yes_or_no(frozenset({"/affirm", "/deny", "/human_handoff"}))
    assert not asks_yes_or_no(frozenset({"/affirm"})) and not asks_yes_or_no(frozenset({"/deny", "/inform"}))
