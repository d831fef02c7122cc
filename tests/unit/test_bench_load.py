"""The bench's load generator counts what a connector really did: replies, lost ones, duplicates.

A tiny webhook server plays the connector: for each messaging event it sends
replies to the Graph API stand-in the load generator runs, the way a connector
that drops (or repeats) some would.
"""
from typing import List

import aiohttp
from aiohttp import web

from bench import load, report
from bench.customers import bench_customer
from bot.channels.messenger.webhook import SIGNATURE_HEADER, signature_is_valid
from bot.settings import GRAPH_API_VERSION
from tests.support.processes import free_port

SECRET = "bench-test-secret"
TOKEN = "bench-test-token"
SCRIPT = (load.Turn(texts=("hi",)), load.Turn(texts=("thanks", "bye")))


def connector(standin_url: str, first_event_only: bool = False, repeat: int = 1, signatures: List[bool] = None):
    async def webhook(request: web.Request) -> web.Response:
        raw = await request.read()
        if signatures is not None:
            signatures.append(signature_is_valid(raw, request.headers.get(SIGNATURE_HEADER), SECRET))
        events = [e for entry in (await request.json())["entry"] for e in entry["messaging"]]
        async with aiohttp.ClientSession() as http:
            for event in events[:1] if first_event_only else events:
                for _ in range(repeat):
                    body = {"recipient": event["sender"], "messaging_type": "RESPONSE",
                            "message": {"text": f"you said {event['message']['text']}"}}
                    async with http.post(f"{standin_url}/me/messages", params={"access_token": TOKEN}, json=body) as r:
                        assert r.status == 200
        return web.Response(text="EVENT_RECEIVED")

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    return app


async def play(first_event_only: bool = False, repeat: int = 1, signatures=None, concurrency: int = 2):
    inboxes = load.Inboxes()
    standin_port, hook_port = free_port(), free_port()
    standin = await load.start_standin(TOKEN, standin_port, inboxes)
    runner = web.AppRunner(connector(f"http://127.0.0.1:{standin_port}/{GRAPH_API_VERSION}", first_event_only, repeat, signatures))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", hook_port).start()
    target = load.Target("fake", f"http://127.0.0.1:{hook_port}/webhook", SECRET)
    try:
        async with aiohttp.ClientSession() as http:
            result = await load.run_level(
                http, target, inboxes, "", [bench_customer(i) for i in range(3)], concurrency, [1, 2], "t",
                turn_timeout=1.0, grace=0.2, script=SCRIPT,
            )
    finally:
        await runner.cleanup()
        await standin.cleanup()
    return result.figures()


async def test_a_connector_that_answers_every_event_once_loses_and_duplicates_nothing():
    signatures = []
    figures = await play(signatures=signatures)
    assert (figures["sent"], figures["events"], figures["replies"]) == (6, 9, 9)
    assert (figures["lost"], figures["duplicated"], figures["errors"]) == (0, 0, 0)
    assert signatures and all(signatures)  # signed as Meta signs
    assert figures["reply_p50_ms"] > 0 and figures["replies_per_s"] > 0


async def test_the_second_event_of_a_batch_dropped_is_counted_lost():
    figures = await play(first_event_only=True)
    assert (figures["lost"], figures["duplicated"], figures["replies"]) == (3, 0, 6)


async def test_a_reply_sent_twice_is_counted_duplicated():
    figures = await play(repeat=2)
    assert (figures["lost"], figures["duplicated"], figures["replies"]) == (0, 9, 18)


def test_ratios_say_how_many_times_better_ours_is():
    ours = {"ack_p50_ms": 2, "ack_p99_ms": 5, "reply_p50_ms": 100, "reply_p95_ms": 200, "reply_p99_ms": 300,
            "replies_per_s": 12}
    builtin = {"ack_p50_ms": 100, "ack_p99_ms": 500, "reply_p50_ms": 150, "reply_p95_ms": 300,
               "reply_p99_ms": 300, "replies_per_s": 8}
    row = report.ratios({"ours": {"50": ours}, "builtin": {"50": builtin}})["50"]
    assert row["ack_p99_ms_x_better"] == 100 and row["reply_p95_ms_x_better"] == 1.5
    assert row["replies_per_s_x"] == 1.5


def test_profile_summary_leaves_waiting_threads_out():
    raw = "\n".join([
        "main (a.py:1);work (b.py:2) 30",
        "main (a.py:1);select (selectors.py:469) 50",
        "_bootstrap (threading.py:973);_worker (concurrent/futures/thread.py:81) 20",
    ])
    summary = report.profile_summary(raw)
    assert "70 idle" in summary and "30 busy" in summary
    assert "100.0%  work (b.py:2)" in summary
