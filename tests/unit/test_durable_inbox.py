"""The durable inbox: stored before Meta's 200, consumed once, claimed from a consumer that died.

Idle times are Redis's own clock: tests wait until Redis reports an entry idle long enough (polling
`pending_owner`), never for a fixed time, and "not yet" checks use a claim time no stall can reach.
"""
import asyncio
import time

from bot.channels.messenger.durable_inbox import DurableInbox, decode_event, encode_event
from bot.channels.messenger.webhook import EventKind, MessagingEvent
from bot.channels.messenger.state import redis_client


def message(mid: str, text: str = "hello", sender: str = "psid-1") -> MessagingEvent:
    return MessagingEvent(EventKind.TEXT, sender, "page", 1_700_000_000_000, message_id=mid, text=text)


async def idle_at_least(inbox: DurableInbox, entry_id: str, ms: int, timeout: float = 15) -> int:
    """Waits until Redis reports `entry_id` idle for at least `ms`; returns the idle time it reported."""
    deadline = time.monotonic() + timeout
    while True:
        owner = await inbox.pending_owner(entry_id)
        assert owner is not None, f"{entry_id} is not pending"
        if owner[1] >= ms:
            return owner[1]
        assert time.monotonic() < deadline, f"{entry_id} never became idle for {ms} ms"
        await asyncio.sleep(0.02)


def test_an_event_survives_encoding():
    event = MessagingEvent(
        EventKind.QUICK_REPLY, "a", "p", 5, message_id="m", text="Yes", payload="/affirm", attachment_types=["x"],
    )
    assert decode_event(encode_event(event)) == event


async def test_an_event_is_stored_once_whatever_meta_retries(redis_url, prefix):
    client = redis_client(redis_url)
    inbox = DurableInbox(client, prefix, "one", claim_idle_seconds=60)
    await inbox.ensure_group()
    assert await inbox.accept(message("m.1")) is True
    assert await inbox.accept(message("m.1")) is False
    entries = await inbox.read_new(count=10, block_ms=100)
    assert [event.message_id for _, event in entries] == ["m.1"]
    assert await inbox.read_new(count=10, block_ms=100) == []
    await client.close()


async def test_two_consumers_share_the_work_without_overlap(redis_url, prefix):
    one, two = redis_client(redis_url), redis_client(redis_url)
    first = DurableInbox(one, prefix, "one", 60)
    second = DurableInbox(two, prefix, "two", 60)
    await first.ensure_group()
    await second.ensure_group()
    for n in range(6):
        await first.accept(message(f"m.{n}"))
    a = await first.read_new(count=3, block_ms=100)
    b = await second.read_new(count=10, block_ms=100)
    assert sorted(e.message_id for _, e in a + b) == [f"m.{n}" for n in range(6)]
    await one.close(), await two.close()


async def test_entries_of_a_dead_consumer_are_claimed_after_the_idle_time_and_acked_entries_are_gone(redis_url, prefix):
    one, two = redis_client(redis_url), redis_client(redis_url)
    dead = DurableInbox(one, prefix, "dead", 0.2)
    survivor = DurableInbox(two, prefix, "survivor", 0.2)
    patient = DurableInbox(two, prefix, "patient", 3600)
    await dead.ensure_group()
    await dead.accept(message("m.1"))
    await dead.accept(message("m.2"))
    taken = await dead.read_new(count=10, block_ms=100)
    await dead.ack(taken[0][0], "psid-1")  # m.1 finished before the crash, m.2 did not
    assert await patient.claim_stale(count=10) == []  # not idle for its claim time (an hour)
    await idle_at_least(survivor, taken[1][0], 200)
    claimed = await survivor.claim_stale(count=10)
    assert [e.message_id for _, e in claimed] == ["m.2"]
    await survivor.ack(claimed[0][0], "psid-1")
    assert await survivor.pending_count() == 0
    await one.close(), await two.close()


async def test_a_rerun_sends_only_the_replies_not_sent_before(redis_url, prefix):
    client = redis_client(redis_url)
    inbox = DurableInbox(client, prefix, "one", 60)
    first_run = inbox.ledger("m.1", redelivered=False)
    for _ in range(2):  # two replies went out, then the instance died
        index, new = await first_run.next_is_new()
        assert new
        await first_run.sent(index)
    rerun = inbox.ledger("m.1", redelivered=True)
    assert [(await rerun.next_is_new())[1] for _ in range(3)] == [False, False, True]
    await client.close()


async def test_entries_kept_alive_by_a_live_consumer_are_not_claimed(redis_url, prefix):
    one, two = redis_client(redis_url), redis_client(redis_url)
    slow = DurableInbox(one, prefix, "slow", 0.2)
    other = DurableInbox(two, prefix, "other", 0.5)
    await slow.ensure_group()
    await slow.accept(message("m.1"))
    taken = await slow.read_new(count=10, block_ms=100)
    [entry_id] = [entry_id for entry_id, _ in taken]
    before = await idle_at_least(slow, entry_id, 600)  # idle long enough for `other` to take it...
    await slow.keep_alive([entry_id])  # ...but its consumer is still working on it
    owner, idle = await slow.pending_owner(entry_id)
    assert owner == "slow" and idle < before  # the idle time started again
    assert await other.claim(entry_id) is None or idle >= 500  # not claimable unless a stall outlived the claim time
    await one.close(), await two.close()


async def test_a_senders_open_entries_are_listed_oldest_first_until_acknowledged(redis_url, prefix):
    client = redis_client(redis_url)
    inbox = DurableInbox(client, prefix, "one", 0.1)
    await inbox.ensure_group()
    for n in range(3):
        await inbox.accept(message(f"m.{n}"))
    await inbox.accept(message("other", sender="psid-2"))
    entries = await inbox.read_new(count=10, block_ms=100)
    ids = [entry_id for entry_id, event in entries if event.sender_id == "psid-1"]
    assert await inbox.open_before("psid-1", ids[2]) == ids[:2]
    assert (await inbox.pending_owner(ids[0]))[0] == "one"
    await inbox.ack(ids[0], "psid-1")
    assert await inbox.open_before("psid-1", ids[2]) == ids[1:2]
    assert await inbox.pending_owner(ids[0]) is None
    await idle_at_least(inbox, ids[1], 100)
    other = DurableInbox(client, prefix, "two", 0.1)
    assert (await other.claim(ids[1])).message_id == "m.1"
    assert (await other.pending_owner(ids[1]))[0] == "two"
    await client.close()


async def test_consumers_gone_for_good_are_forgotten_not_those_with_pending_entries(redis_url, prefix):
    client = redis_client(redis_url)
    gone, busy, me = (DurableInbox(client, prefix, name, 60) for name in ("gone", "busy", "me"))
    await me.ensure_group()
    await me.accept(message("m.0"))
    done = await gone.read_new(count=1, block_ms=10)
    await gone.ack(done[0][0], "psid-1")  # finished its work, then went away
    await me.accept(message("m.1"))
    await busy.read_new(count=1, block_ms=10)  # registers, takes m.1
    await asyncio.sleep(0.05)
    assert await me.forget_idle_consumers(idle_seconds=0.01) == 1
    names = [c["name"] for c in await client.xinfo_consumers(me.stream, "messenger")]
    assert names == ["busy"]
    await client.close()
