"""Customers' public comments on the page: one private reply, a staff queue entry, archive rows; nothing in public
unless asked, nothing twice, nothing for the page's own comments."""
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

import pytest

from bot.archive.chain import NewEntry
from bot.archive.models import INBOUND, OUTBOUND
from bot.branch_db import session_factory
from bot.channels.messenger.channel import MessengerInput
from bot.channels.messenger.graph_api import GraphApi, RetryPolicy
from bot.channels.messenger.page_comments import (
    CHANNEL, PRIVATE_REPLY, PUBLIC_ACK, REASON, CommentResponder, OwnComments, Outcome, page_comments,
)
from bot.channels.messenger.seen_messages import SeenMessageIds
from bot.channels.messenger.webhook import messaging_events, sign
from bot.channels.offered_payloads import InMemoryOfferedPayloads
from bot.handoff.models import REASONS
from bot.handoff.queue import HandoffQueue
from bot.settings import Settings
from tests.support.standin_server import PAGE_TOKEN, standin_in_loop
from tests.unit.recording_send_api import RecordingSendApi

PAGE = "page-1"
CUSTOMER = "person-42"
POST = f"{PAGE}_post-7"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
SECRET = "unit-app-secret"


def comment_change(comment_id: str = f"{POST}_c1", *, verb: str = "add", item: str = "comment", sender: str = CUSTOMER,
                   parent: str = POST, message: str = "My card is blocked for 3 days and nobody answers! "
                   "Card 4111 1111 1111 1111, code 123456", created: datetime = NOW) -> Dict[str, Any]:
    return {"field": "feed", "value": {
        "item": item, "verb": verb, "comment_id": comment_id, "post_id": POST, "parent_id": parent,
        "from": {"id": sender, "name": "A Customer"}, "message": message, "created_time": int(created.timestamp()),
    }}


def feed(*changes: Dict[str, Any], messaging: List[Dict[str, Any]] = ()) -> Dict[str, Any]:
    entry: Dict[str, Any] = {"id": PAGE, "time": 1, "changes": list(changes)}
    if messaging:
        entry["messaging"] = list(messaging)
    return {"object": "page", "entry": [entry]}


def test_comments_are_read_from_changes_next_to_messaging():
    text = {"sender": {"id": "psid"}, "recipient": {"id": PAGE}, "timestamp": 1, "message": {"mid": "m1", "text": "hi"}}
    body = feed(comment_change("c1"), {"field": "feed", "value": {"item": "status", "verb": "add", "post_id": POST}},
                {"field": "mention", "value": {}}, comment_change("c2", verb="edited"), "odd", messaging=[text])
    comments = page_comments(body)
    assert [(c.comment_id, c.verb) for c in comments] == [("c1", "add"), ("c2", "edited")]
    assert comments[0].page_id == PAGE and comments[0].from_id == CUSTOMER and not comments[0].is_reply
    assert comments[0].conversation_id == "comment:c1"
    assert [e.message_id for e in messaging_events(body)] == ["m1"]  # the messaging path is untouched
    assert page_comments({"object": "page", "entry": [{"id": PAGE, "changes": "nope"}]}) == []


def test_public_comment_is_a_handoff_reason():
    assert REASON in REASONS


class Setup:
    def __init__(self, standin, responder, queue, archived):
        self.standin, self.responder, self.queue, self.archived = standin, responder, queue, archived


@pytest.fixture
async def setup(tmp_path):
    queue = HandoffQueue(session_factory(f"sqlite:///{tmp_path / 'branch.db'}"), sla=timedelta(minutes=30),
                         clock=lambda: NOW)
    archived: List[NewEntry] = []
    async with standin_in_loop() as (standin, url):
        graph = GraphApi(url, PAGE_TOKEN, 5, RetryPolicy(max_attempts=1))
        responder = CommentResponder(graph.post, SeenMessageIds(), OwnComments(), request_handoff=queue.request_handoff,
                                     archive=archived.append, clock=lambda: NOW + timedelta(minutes=1))
        try:
            yield Setup(standin, responder, queue, archived)
        finally:
            await graph.close()


async def handle(setup: Setup, change: Dict[str, Any]) -> Outcome:
    [comment] = page_comments(feed(change))
    return await setup.responder.handle(comment)


async def test_a_new_comment_gets_one_private_reply_a_queue_entry_and_archive_rows(setup):
    assert await handle(setup, comment_change("c1")) is Outcome.ANSWERED

    [reply] = setup.standin.messages_for("c1")
    assert reply.body["recipient"] == {"comment_id": "c1"}
    assert reply.body["message"] == {"text": PRIVATE_REPLY}
    assert not re.search(r"\d", PRIVATE_REPLY)  # no account, card or code: nothing from the comment
    assert setup.standin.public_replies == []  # nothing in public unless FB_COMMENT_PUBLIC_ACK

    [waiting] = setup.queue.waiting()
    assert (waiting.conversation_id, waiting.channel, waiting.reason) == ("comment:c1", CHANNEL, "public_comment")
    assert "4111 1111 1111 1111" not in waiting.last_customer_message and "123456" not in waiting.last_customer_message
    assert waiting.last_customer_message.startswith("My card is blocked for 3 days")
    assert setup.queue.sla == timedelta(minutes=30) and not waiting.overdue

    inbound, outbound = setup.archived
    assert (inbound.direction, inbound.channel, inbound.conversation_id, inbound.kind) == (
        INBOUND, CHANNEL, "comment:c1", "public_comment")
    assert "1111 1111 1111" not in inbound.text and "123456" not in inbound.text and inbound.at == NOW
    assert (outbound.direction, outbound.kind, outbound.text) == (OUTBOUND, "private_reply", PRIVATE_REPLY)


async def test_a_repeat_delivery_does_nothing_more(setup):
    assert await handle(setup, comment_change("c1")) is Outcome.ANSWERED
    assert await handle(setup, comment_change("c1")) is Outcome.REPEAT
    assert len(setup.standin.messages_for("c1")) == 1
    assert len(setup.queue.waiting()) == 1 and len(setup.archived) == 2


@pytest.mark.parametrize("change", [
    comment_change("own", sender=PAGE),  # the page's own comment
    comment_change("c1", verb="edited"),
    comment_change("c1", verb="remove"),
    comment_change("c1", verb="hide"),
    comment_change("c1", item="reaction"),
])
async def test_the_page_s_own_comments_edits_and_removals_do_nothing(setup, change):
    comments = page_comments(feed(change))
    for comment in comments:
        assert await setup.responder.handle(comment) is not Outcome.ANSWERED
    assert setup.standin.sent == [] and setup.queue.waiting() == [] and setup.archived == []


async def test_a_reply_to_the_page_s_own_comment_does_nothing(setup):
    assert await handle(setup, comment_change(f"{POST}_ours", sender=PAGE)) is Outcome.OWN
    assert await handle(setup, comment_change("c9", parent=f"{POST}_ours")) is Outcome.REPLY_TO_OURS
    assert setup.standin.sent == [] and setup.queue.waiting() == [] and setup.archived == []
    # A reply to another customer's comment is a customer's comment like any other.
    assert await handle(setup, comment_change("c10", parent=f"{POST}_c1")) is Outcome.ANSWERED


async def test_a_comment_over_7_days_old_gets_no_private_reply_but_reaches_staff(setup):
    old = comment_change("c1", created=NOW - timedelta(days=7, minutes=1))
    assert await handle(setup, old) is Outcome.NOT_REPLIED
    assert setup.standin.sent == []
    assert [w.conversation_id for w in setup.queue.waiting()] == ["comment:c1"]
    assert [e.direction for e in setup.archived] == [INBOUND]


async def test_a_private_reply_meta_refuses_still_reaches_staff(setup):
    setup.standin.private_replies["c1"] = setup.standin.record("c1", {"earlier": True})  # replied elsewhere
    assert await handle(setup, comment_change("c1")) is Outcome.NOT_REPLIED
    assert len(setup.standin.messages_for("c1")) == 1
    assert [w.conversation_id for w in setup.queue.waiting()] == ["comment:c1"]


async def test_the_public_acknowledgement_when_asked_and_replies_to_it_are_ignored(setup):
    setup.responder.public_ack = True
    assert await handle(setup, comment_change("c1")) is Outcome.ANSWERED
    [ack] = setup.standin.public_replies_to("c1")
    assert ack["message"] == PUBLIC_ACK
    assert [e.kind for e in setup.archived] == ["public_comment", "private_reply", "public_reply"]
    assert await handle(setup, comment_change("c2", parent=ack["id"])) is Outcome.REPLY_TO_OURS
    assert len(setup.standin.sent) == 1


# -- the stand-in answers private replies like Meta -------------------------------------------------------


async def test_the_stand_in_allows_one_private_reply_per_comment_within_7_days():
    async with standin_in_loop() as (standin, url):
        graph = GraphApi(url, PAGE_TOKEN, 5, RetryPolicy(max_attempts=1))
        body = {"recipient": {"comment_id": "c1"}, "message": {"text": "Hello"}}
        try:
            first = await graph.post("me/messages", body)
            second = await graph.post("me/messages", body)
            standin.comment_posted("old", datetime.now(timezone.utc) - timedelta(days=8))
            late = await graph.post("me/messages", {"recipient": {"comment_id": "old"}, "message": {"text": "Hi"}})
            action = await graph.post("me/messages", {"recipient": {"comment_id": "c2"}, "sender_action": "typing_on"})
            both = await graph.post("me/messages", {"recipient": {"comment_id": "c3", "id": "psid"},
                                                    "message": {"text": "Hi"}})
            public = await graph.post("c1/comments", {"message": "Thanks"})
            empty = await graph.post("c1/comments", {"message": " "})
        finally:
            await graph.close()
    assert first.ok and first.message_id
    assert (second.ok, second.code, second.permanent) == (False, 10, True)
    assert (late.code, late.subcode) == (10, 2018278)
    assert (action.code, both.code) == (100, 100)
    assert public.ok and public.body["id"].startswith("c1_") and empty.code == 100
    assert list(standin.private_replies) == ["c1"] and len(standin.messages_for("c1")) == 1


# -- the channel: a signed feed webhook reaches the responder, messaging goes on -------------------------


class RecordingResponder:
    def __init__(self) -> None:
        self.handled: List[str] = []

    async def handle(self, comment) -> Outcome:
        self.handled.append(comment.comment_id)
        return Outcome.ANSWERED


async def test_the_channel_hands_feed_comments_to_the_responder_and_messages_to_rasa():
    channel = MessengerInput(Settings(fb_app_secret=SECRET, dialogue_thread=False), send_api=RecordingSendApi(),
                             offered=InMemoryOfferedPayloads())
    channel.comments = RecordingResponder()  # type: ignore[assignment]
    got: List[str] = []

    async def rasa(message) -> None:
        got.append(message.text)

    text = {"sender": {"id": "psid"}, "recipient": {"id": PAGE}, "timestamp": 1, "message": {"mid": "m1", "text": "hi"}}
    raw = json.dumps(feed(comment_change("c1"), messaging=[text])).encode()
    assert channel.receive_webhook(raw, sign(raw, SECRET), rasa).status == 200
    await channel.queues.wait_idle()
    assert channel.comments.handled == ["c1"] and got == ["hi"]
    unsigned = channel.receive_webhook(raw, sign(raw, "wrong"), rasa)
    assert unsigned.status == 403
    await channel.queues.wait_idle()
    assert channel.comments.handled == ["c1"]
