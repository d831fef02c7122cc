"""The Messenger dialogues run in a thread and loop of their own: the webhook's loop stays free for Meta."""
from __future__ import annotations

import asyncio
import json
import threading
from typing import Any, Dict, List

from rasa.core.channels.channel import UserMessage

from bot.channels.dialogue_thread import DialogueThread
from bot.channels.web_chat.channel import BOT_MESSAGE_EVENT, WebChatOutput
from bot.channels.messenger.channel import MessengerInput
from bot.channels.messenger.webhook import sign
from bot.channels.offered_payloads import InMemoryOfferedPayloads
from bot.settings import Settings
from tests.unit.recording_send_api import RecordingSendApi

SECRET = "unit-app-secret"
PAGE = "page-1"


def webhook(sender: str, mid: str, text: str) -> bytes:
    event = {"sender": {"id": sender}, "recipient": {"id": PAGE}, "timestamp": 1700000000000,
             "message": {"mid": mid, "text": text}}
    return json.dumps({"object": "page", "entry": [{"id": PAGE, "time": 1, "messaging": [event]}]}).encode()


def channel(**settings: Any) -> MessengerInput:
    return MessengerInput(Settings(fb_app_secret=SECRET, **settings), send_api=RecordingSendApi(),
                          offered=InMemoryOfferedPayloads())


async def test_a_dialogue_holding_its_loop_does_not_hold_the_webhook():
    messenger = channel()
    started, release = threading.Event(), threading.Event()
    seen: List[Dict[str, Any]] = []

    async def rasa(message: UserMessage) -> None:
        seen.append({"text": message.text, "thread": threading.current_thread().name})
        if message.text == "slow":
            started.set()
            release.wait(10)  # synchronous, like Rasa's NLU: nothing else runs in this loop meanwhile
        await message.output_channel.send_text_message(message.sender_id, f"re: {message.text}")

    await messenger.start(app=None, on_new_message=rasa)
    try:
        body = webhook("alice", "m1", "slow")
        assert messenger.receive_webhook(body, sign(body, SECRET), rasa).status == 200
        # Waiting here, synchronously, would never end if the dialogue needed this thread's loop.
        assert started.wait(10), "the dialogue did not start in its own thread"
        body = webhook("bob", "m2", "hello")
        assert messenger.receive_webhook(body, sign(body, SECRET), rasa).status == 200
        await asyncio.sleep(0.05)  # this loop is free: it goes on while alice's dialogue holds the other
        assert [s["text"] for s in seen] == ["slow"]
        release.set()
    finally:
        release.set()
        await messenger.stop()
    assert [s["text"] for s in seen] == ["slow", "hello"]
    assert {s["thread"] for s in seen} == {"dialogue"}
    assert [m["text"] for m in messenger.send_api.messages()] == ["re: slow", "re: hello"]
    assert not messenger.dialogue.running


async def test_one_senders_messages_keep_their_order_across_the_threads():
    messenger = channel()
    texts: List[str] = []

    async def rasa(message: UserMessage) -> None:
        await asyncio.sleep(0.01 if message.text.endswith("0") else 0)
        texts.append(message.text)

    await messenger.start(app=None, on_new_message=rasa)
    try:
        for n in range(20):
            body = webhook("alice", f"m{n}", f"message {n}")
            messenger.receive_webhook(body, sign(body, SECRET), rasa)
    finally:
        await messenger.stop()
    assert texts == [f"message {n}" for n in range(20)]


async def test_switched_off_the_dialogue_runs_in_the_webhooks_loop():
    messenger = channel(dialogue_thread=False)
    threads: List[str] = []

    async def rasa(message: UserMessage) -> None:
        threads.append(threading.current_thread().name)

    await messenger.start(app=None, on_new_message=rasa)
    body = webhook("alice", "m1", "hi")
    messenger.receive_webhook(body, sign(body, SECRET), rasa)
    await messenger.queues.wait_idle()
    await messenger.stop()
    assert messenger.dialogue is None
    assert threads == [threading.current_thread().name]


async def test_stop_lets_queued_dialogues_finish():
    dialogue = DialogueThread()
    dialogue.start()
    done: List[int] = []

    def job(n: int):
        async def run() -> None:
            await asyncio.sleep(0.01)
            done.append(n)
        return run

    for n in range(5):
        dialogue.submit("alice", job(n))
    await dialogue.stop()
    assert done == [0, 1, 2, 3, 4]
    assert not dialogue.running


async def test_the_thread_stops_when_the_last_channel_using_it_stops():
    dialogue = DialogueThread()
    dialogue.start()  # the Messenger channel
    dialogue.start()  # the web chat
    await dialogue.stop()
    assert dialogue.running
    done: List[str] = []

    async def job() -> None:
        done.append(threading.current_thread().name)

    dialogue.submit("alice", job)
    await dialogue.stop()
    assert done == ["dialogue"]
    assert not dialogue.running


class RecordingSocketServer:
    """Stands in for python-socketio's AsyncServer: records where each emit ran."""

    def __init__(self) -> None:
        self.emits: List[Dict[str, Any]] = []

    async def emit(self, event: str, data: Any, room: str) -> None:
        self.emits.append({"event": event, "data": data, "room": room,
                           "loop": asyncio.get_running_loop(), "thread": threading.current_thread().name})


async def test_a_web_chat_reply_written_in_the_dialogue_thread_is_emitted_in_the_servers_loop():
    sio = RecordingSocketServer()
    server_loop = asyncio.get_running_loop()
    output = WebChatOutput(sio, BOT_MESSAGE_EVENT, home=server_loop)  # type: ignore[arg-type]
    dialogue = DialogueThread()
    dialogue.start()
    try:
        async def reply() -> str:
            await output.send_text_message("session-1", "Here are your balances")
            return threading.current_thread().name

        wrote_in = await dialogue.call(reply)
    finally:
        await dialogue.stop()
    assert wrote_in == "dialogue"
    [emit] = sio.emits
    assert emit["loop"] is server_loop and emit["thread"] == threading.current_thread().name
    assert (emit["event"], emit["room"], emit["data"]) == (BOT_MESSAGE_EVENT, "session-1",
                                                           {"text": "Here are your balances"})
