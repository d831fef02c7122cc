"""The production profile's Messenger state in Redis: shared between instances, same rules as in memory."""
from datetime import datetime, timedelta, timezone

import pytest

from bot.channels.messenger.latest_offer import InMemoryLatestOffers, RedisLatestOffers
from bot.channels.messenger.messaging_window import MessagingWindows
from bot.channels.offered_payloads import InMemoryOfferedPayloads
from bot.channels.messenger.state import (
    RedisMessagingWindows, RedisOfferedPayloads, RedisSeenMessageIds, messenger_state, redis_client,
)
from bot.channels.messenger.seen_messages import SeenMessageIds
from bot.settings import Settings


def test_without_redis_url_the_state_is_in_memory():
    state = messenger_state(Settings())
    assert isinstance(state.seen, SeenMessageIds)
    assert isinstance(state.offered, InMemoryOfferedPayloads)
    assert isinstance(state.windows, MessagingWindows)
    assert isinstance(state.latest, InMemoryLatestOffers)
    assert state.redis is None


async def test_with_redis_url_the_state_is_in_redis(redis_url, prefix):
    state = messenger_state(Settings(redis_url=redis_url, redis_key_prefix=prefix))
    assert isinstance(state.seen, RedisSeenMessageIds)
    assert isinstance(state.offered, RedisOfferedPayloads)
    assert isinstance(state.windows, RedisMessagingWindows)
    await state.redis.close()


async def test_a_message_id_is_new_on_exactly_one_of_two_instances(redis_url, prefix):
    one, two = redis_client(redis_url), redis_client(redis_url)
    first, second = RedisSeenMessageIds(one, prefix), RedisSeenMessageIds(two, prefix)
    assert await first.first_time("m.1") is True
    assert await second.first_time("m.1") is False
    assert await second.first_time("m.2") is True
    await one.close(), await two.close()


async def test_a_payload_offered_on_one_instance_is_accepted_on_another_for_that_customer_only(redis_url, prefix):
    one, two = redis_client(redis_url), redis_client(redis_url)
    await RedisOfferedPayloads(one, prefix).record("alice", ["/affirm", "/deny"])
    other = RedisOfferedPayloads(two, prefix)
    assert await other.was_offered("alice", "/deny") is True
    assert await other.was_offered("alice", "/transfer") is False
    assert await other.was_offered("bob", "/deny") is False
    await one.close(), await two.close()


async def test_offers_expire_and_only_the_latest_are_kept(redis_url, prefix):
    client = redis_client(redis_url)
    expired = RedisOfferedPayloads(client, prefix, ttl_seconds=-1)
    await expired.record("alice", ["/old"])
    store = RedisOfferedPayloads(client, prefix, max_per_recipient=2)
    assert await store.was_offered("alice", "/old") is False
    await store.record("alice", ["/a"])
    await store.record("alice", ["/b"])
    await store.record("alice", ["/c"])
    assert [await store.was_offered("alice", p) for p in ("/a", "/b", "/c")] == [False, True, True]
    await client.close()


async def test_the_messaging_window_keeps_the_latest_time_whichever_instance_wrote_it(redis_url, prefix):
    one, two = redis_client(redis_url), redis_client(redis_url)
    at = datetime(2026, 3, 10, 12, 0, 0, 123000, tzinfo=timezone.utc)
    await RedisMessagingWindows(one, prefix).customer_wrote("alice", at)
    other = RedisMessagingWindows(two, prefix)
    await other.customer_wrote("alice", at - timedelta(minutes=5))  # a late, out-of-order webhook
    assert await other.last_customer_message("alice") == at
    assert await other.last_customer_message("bob") is None
    with pytest.raises(ValueError):
        await other.customer_wrote("alice", datetime(2026, 3, 10, 12, 0))
    await one.close(), await two.close()


async def test_what_the_latest_message_offered_is_shared_and_replaced_by_the_next(redis_url, prefix):
    state = messenger_state(Settings(redis_url=redis_url, redis_key_prefix=prefix))
    assert isinstance(state.latest, RedisLatestOffers)
    other = RedisLatestOffers(redis_client(redis_url), prefix)
    await state.latest.sent("psid-1", ["/affirm", "/deny"])
    assert await other.latest("psid-1") == {"/affirm", "/deny"}  # the like may reach another instance
    assert await other.latest("psid-2") == frozenset()
    await other.sent("psid-1", [])
    assert await state.latest.latest("psid-1") == frozenset()
    assert 0 < await state.redis.ttl(f"{prefix}latest_offer:psid-1") <= 24 * 3600
    await state.redis.close()
