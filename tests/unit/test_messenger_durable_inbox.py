"""The Messenger channel in the production profile: Meta's 200 only once the event is in the durable inbox."""
import asyncio
import json
import time
from types import SimpleNamespace


from bot.channels.messenger.durable_inbox import DurableInbox
from bot.channels.messenger.webhook import EventKind, MessagingEvent, sign
from bot.channels.messenger.channel import MessengerInput
from bot.channels.messenger.state import redis_client
from bot.settings import Settings
from tests.unit.recording_send_api import RecordingSendApi
from tests.unit.test_messenger_input import PSID, SECRET, Rasa, batch, text


def production_channel(redis_url: str, prefix: str, send_api: RecordingSendApi) -> MessengerInput:
    settings = Settings(fb_app_secret=SECRET, redis_url=redis_url, redis_key_prefix=prefix, inbox_claim_idle_seconds=1)
    return MessengerInput(settings, send_api=send_api)


async def receive(channel: MessengerInput, rasa: Rasa, body) -> int:
    raw = json.dumps(body).encode()
    return (await channel.receive_durably(raw, sign(raw, SECRET), rasa)).status


async def wait_for(condition, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        await asyncio.sleep(0.05)


async def wait_until_acknowledged(channel, timeout: float = 15) -> None:
    """Waits until the inbox has nothing pending: every message taken was handled, its replies sent."""
    deadline = time.monotonic() + timeout
    while await channel.inbox.pending_count() > 0:
        assert time.monotonic() < deadline, "the inbox still has pending messages"
        await asyncio.sleep(0.05)


async def test_a_message_is_stored_once_then_answered_and_acknowledged(redis_url, prefix):
    send_api, rasa = RecordingSendApi(), Rasa([])
    channel = production_channel(redis_url, prefix, send_api)
    assert await receive(channel, rasa, batch(text("hello", mid="m.1"))) == 200
    assert await receive(channel, rasa, batch(text("hello", mid="m.1"))) == 200  # Meta's retry
    assert rasa.texts == []  # nothing runs before a consumer takes it

    consumer = asyncio.create_task(channel.consume_inbox(SimpleNamespace(ctx=SimpleNamespace()), rasa))
    try:
        await wait_for(lambda: send_api.messages(PSID))
        await wait_until_acknowledged(channel)  # the turn is over: anything it would send is sent
        assert rasa.texts == ["hello"]
        assert send_api.messages(PSID) == [{"text": "Sure."}]
        assert await channel.inbox.pending_count() == 0
    finally:
        consumer.cancel()
        await channel.queues.wait_idle()


async def test_without_redis_meta_gets_a_503_and_will_retry(prefix):
    channel = production_channel("redis://127.0.0.1:1/0", prefix, RecordingSendApi())
    assert await receive(channel, Rasa([]), batch(text("hello"))) == 503


async def test_a_message_a_dead_instance_left_is_run_again_without_resending_its_replies(redis_url, prefix):
    client = redis_client(redis_url)
    dead = DurableInbox(client, prefix, "dead-instance", 1)
    await dead.ensure_group()
    event = MessagingEvent(EventKind.TEXT, PSID, "page-1", 1_700_000_000_000, message_id="m.9", text="hello")
    await dead.accept(event)
    await dead.read_new(count=1, block_ms=100)
    first_run = dead.ledger("m.9", redelivered=False)
    index, _ = await first_run.next_is_new()
    await first_run.sent(index)  # "Sure." reached Meta, then the instance died

    send_api, rasa = RecordingSendApi(), Rasa([])
    channel = production_channel(redis_url, prefix, send_api)
    consumer = asyncio.create_task(channel.consume_inbox(SimpleNamespace(ctx=SimpleNamespace()), rasa))
    try:
        await wait_for(lambda: rasa.texts == ["hello"])
        await wait_until_acknowledged(channel)  # the rerun is over
        assert send_api.messages(PSID) == []  # already delivered before the crash
        assert await channel.inbox.pending_count() == 0
    finally:
        consumer.cancel()
        await channel.queues.wait_idle()
        await client.close()
