import asyncio

from bot.channels.sender_queues import SenderQueues


async def test_one_senders_messages_run_in_order_senders_in_parallel():
    queues = SenderQueues()
    log = []
    alice_started = asyncio.Event()

    def job(sender, n, delay):
        async def run():
            if sender == "alice" and n == 1:
                alice_started.set()
            await asyncio.sleep(delay)
            log.append((sender, n))
        return run

    # Alice's first message is slow; her second must still come after it.
    queues.submit("alice", job("alice", 1, 0.2))
    queues.submit("alice", job("alice", 2, 0.0))
    await alice_started.wait()
    queues.submit("bob", job("bob", 1, 0.0))
    await queues.wait_idle()

    assert [n for s, n in log if s == "alice"] == [1, 2]
    assert log.index(("bob", 1)) < log.index(("alice", 1))  # Bob did not wait for Alice
    assert queues.busy_senders == 0


async def test_a_failing_message_does_not_stop_the_senders_queue():
    queues = SenderQueues()
    done = []

    async def fails():
        raise RuntimeError("boom")

    async def works():
        done.append("second")

    queues.submit("alice", fails)
    queues.submit("alice", works)
    await queues.wait_idle()
    assert done == ["second"]
