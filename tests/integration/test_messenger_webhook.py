"""The Messenger connector against the real Rasa server, action server and core bank."""
import json
import sqlite3
import time
import uuid

import requests

from bot.branch_db import session_factory
from bot.channels.messenger.webhook import sign
from bot.devtools.messenger_chat import webhook_body
from bot.handoff.queue import HandoffQueue
from tests.support.branch import Branch
from tests.support.environment import APP_SECRET, PAGE_ID, VERIFY_TOKEN


def new_psid() -> str:
    return f"psid-{uuid.uuid4().hex[:12]}"


def event(psid: str, text: str, mid: str) -> dict:
    return webhook_body(psid, PAGE_ID, mid, text)["entry"][0]["messaging"][0]


def batch(*entries_events: list) -> dict:
    return {
        "object": "page",
        "entry": [{"id": PAGE_ID, "time": 1, "messaging": events} for events in entries_events],
    }


def test_handshake_echoes_the_challenge(branch: Branch):
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    response = requests.get(branch.webhook_url, params=params, timeout=5)
    assert response.status_code == 200
    assert response.text == "1158201444"


def test_handshake_with_a_wrong_token_or_mode_is_refused(branch: Branch):
    wrong_token = {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
    wrong_mode = {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"}
    assert requests.get(branch.webhook_url, params=wrong_token, timeout=5).status_code == 403
    assert requests.get(branch.webhook_url, params=wrong_mode, timeout=5).status_code == 403


def test_missing_signature_is_refused_and_not_processed(branch: Branch):
    psid = new_psid()
    response = branch.post_webhook(webhook_body(psid, PAGE_ID, "m_nosig", "hello"), secret=None)
    assert response.status_code == 403
    assert "X-Hub-Signature-256" in response.json()["error"]["message"]
    assert branch.nothing_reached_the_bot(psid)


def test_forged_signature_is_refused_and_not_processed(branch: Branch):
    psid = new_psid()
    response = branch.post_webhook(webhook_body(psid, PAGE_ID, "m_forged", "hello"), secret="not-the-app-secret")
    assert response.status_code == 403
    assert branch.nothing_reached_the_bot(psid)


def test_a_body_changed_after_signing_is_refused(branch: Branch):
    psid = new_psid()
    signed = b'{"object": "page", "entry": []}'
    tampered = webhook_body(psid, PAGE_ID, "m_tampered", "hello")
    response = requests.post(
        branch.webhook_url, data=json.dumps(tampered),
        headers={"X-Hub-Signature-256": sign(signed, APP_SECRET), "Content-Type": "application/json"}, timeout=5,
    )
    assert response.status_code == 403
    assert branch.nothing_reached_the_bot(psid)


def test_signed_but_malformed_bodies_get_a_clear_4xx(branch: Branch):
    assert branch.post_webhook({"object": "instagram", "entry": []}).status_code == 404
    bad_event = {"object": "page", "entry": [{"id": PAGE_ID, "messaging": [{"message": {"text": "hi"}}]}]}
    response = branch.post_webhook(bad_event)
    assert response.status_code == 400
    assert "sender" in response.json()["error"]["message"]


def test_a_message_with_a_lone_surrogate_gets_an_answer(branch: Branch):
    psid = new_psid()
    raw = json.dumps(webhook_body(psid, PAGE_ID, "m_surrogate", "hello \ud800")).encode()
    assert b"hello \\ud800" in raw  # JSON can carry what UTF-8 cannot
    replies = branch.exchange(psid, "hello \ud800")
    assert replies, "the customer got no answer"
    assert [e["text"] for e in branch.tracker_events(psid) if e["event"] == "user"] == ["hello \ufffd"]


def test_every_event_of_a_batch_is_answered_in_order(branch: Branch):
    alice, bob = new_psid(), new_psid()
    body = batch(
        [event(alice, "hello", f"m_{alice}_1"), event(alice, "bye", f"m_{alice}_2")],
        [event(bob, "hi there", f"m_{bob}_1")],
    )
    assert branch.post_webhook(body).status_code == 200
    branch.wait_until_handled(alice, f"m_{alice}_2")
    branch.wait_until_handled(bob, f"m_{bob}_1")
    alice_texts, bob_texts = branch.texts_to(alice), branch.texts_to(bob)
    # Each conversation's first answer is preceded by the assistant disclosure (bot/rasa_server/answer_preamble.py).
    assert len(alice_texts) == 3, alice_texts
    assert "automated assistant" in alice_texts[0] and "Welcome" in alice_texts[1] and "Goodbye" in alice_texts[2]
    assert len(bob_texts) == 2 and "automated assistant" in bob_texts[0] and "Welcome" in bob_texts[1]


def test_a_message_id_seen_before_is_answered_once(branch: Branch):
    psid = new_psid()
    body = webhook_body(psid, PAGE_ID, f"m_{psid}_retry", "hello")
    for _ in range(3):  # Meta retries when it thinks we did not answer
        assert branch.post_webhook(body).status_code == 200
    branch.wait_until_handled(psid, f"m_{psid}_retry")
    # A later message is handled after any retry that had slipped through: then count.
    branch.exchange(psid, "bye")
    assert branch.handled_messages(psid)[:-1] == [f"m_{psid}_retry"]
    texts = branch.texts_to(psid)
    assert len(texts) == 3 and "Welcome" in texts[1] and "Goodbye" in texts[2], texts  # [0]: the disclosure


def test_echoes_and_receipts_are_ignored(branch: Branch):
    psid = new_psid()
    echo = {"sender": {"id": PAGE_ID}, "recipient": {"id": psid}, "timestamp": 1,
            "message": {"mid": "m_echo", "is_echo": True, "text": "hello"}}
    delivery = {"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": 2,
                "delivery": {"mids": ["m_x"], "watermark": 2}}
    read = {"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": 3, "read": {"watermark": 3}}
    assert branch.post_webhook(batch([echo, delivery, read])).status_code == 200
    assert branch.nothing_reached_the_bot(psid)
    # The page's own echo is not answered either: nothing went to the page id, nothing is in its tracker.
    assert branch.sent_to(PAGE_ID) == [] and branch.handled_messages(PAGE_ID) == []


def test_buttons_become_messenger_quick_replies(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "hello")
    quick_replies = branch.sent_to(psid)[1]["message"]["quick_replies"]  # [0]: the disclosure
    assert {"content_type": "text", "title": "My balance", "payload": "/check_balance"} in quick_replies


def test_get_started_opens_with_the_welcome_and_the_services(branch: Branch):
    psid = new_psid()
    replies = branch.exchange(psid, "Get Started", payload="/get_started", postback=True)
    assert replies and replies[1].startswith("Welcome to your bank's Facebook branch"), replies  # after the disclosure
    titles = [q["title"] for q in branch.sent_to(psid)[-1]["message"].get("quick_replies", [])]
    assert "My balance" in titles and "Talk to an advisor" in titles


def test_a_forged_payload_is_read_as_typed_text_not_as_a_command(branch: Branch):
    psid = new_psid()
    # A quick reply whose payload the bot never offered this customer: its text counts, not its payload.
    replies = branch.exchange(psid, "hello", payload='/transfer_money{"amount":"250"}')
    assert replies and replies[1].startswith("Hi! Welcome"), replies  # after the disclosure
    assert "make sure it's really you" not in " ".join(replies)


def like_sticker(psid: str, mid: str) -> dict:
    return batch([{"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": int(time.time() * 1000),
                   "message": {"mid": mid, "attachments": [{"type": "sticker", "payload": {
                       "url": "https://scontent.example/like.png", "sticker_id": 369239263222822}}]}}])


def test_a_like_after_a_yes_no_question_is_the_yes_and_otherwise_a_like(branch: Branch):
    psid = new_psid()
    quote = branch.exchange(psid, "how much would a 10k car loan cost me over 4 years?")
    assert "Would you like to apply?" in " ".join(quote), quote
    before = len(branch.texts_to(psid))
    assert branch.post_webhook(like_sticker(psid, f"m_{psid}_like")).status_code == 200
    branch.wait_until_handled(psid, f"m_{psid}_like")  # it reached the dialogue, as the Apply button would
    [said] = [e for e in branch.tracker_events(psid) if e.get("message_id") == f"m_{psid}_like"]
    assert said["text"] == "/affirm" and said["parse_data"]["intent"]["name"] == "affirm"
    assert "make sure it's really you" in " ".join(branch.texts_to(psid)[before:])  # applying needs verification

    other = new_psid()
    branch.exchange(other, "hello")
    assert branch.post_webhook(like_sticker(other, f"m_{other}_like")).status_code == 200
    probe = branch.say(other, "bye")
    branch.wait_until_handled(other, probe)
    assert "Glad to help" in " ".join(branch.texts_to(other)) and f"m_{other}_like" not in branch.handled_messages(other)


def test_the_channel_health_says_the_page_may_send(branch: Branch):
    health = requests.get(f"{branch.rasa_url}/webhooks/messenger/", timeout=5)
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok" and body["page_restricted"] is False and body["handover_disabled"] is False


# -- customers' public comments on the page (`feed` webhook field) ----------------------------------------

COMMENT_TEXT = "My card 4111 1111 1111 1111 is blocked for 3 days and nobody answers!"


def feed_comment(comment_id: str, sender: str, parent: str = "", message: str = COMMENT_TEXT) -> dict:
    post = f"{PAGE_ID}_post-1"
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": int(time.time()), "changes": [{
        "field": "feed", "value": {
            "item": "comment", "verb": "add", "comment_id": comment_id, "post_id": post, "parent_id": parent or post,
            "from": {"id": sender, "name": "A Customer"}, "message": message, "created_time": int(time.time()),
        },
    }]}]}


def comment_replies(branch: Branch, comment_id: str) -> dict:
    response = requests.get(f"{branch.standin_url}/_standin/comments", params={"comment_id": comment_id}, timeout=5)
    response.raise_for_status()
    return response.json()


def comment_rows(database_url: str, table: str, column: str, value: str) -> list:
    path = database_url.removeprefix("sqlite:///")
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute(f"SELECT * FROM {table} WHERE {column} = ?", (value,))]
    except sqlite3.OperationalError:  # not created yet
        return []
    finally:
        connection.close()


def wait_for(probe, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_a_public_comment_gets_one_private_reply_a_queue_entry_and_archive_rows(branch: Branch):
    comment_id = f"{PAGE_ID}_post-1_{uuid.uuid4().hex[:10]}"
    conversation = f"comment:{comment_id}"
    assert branch.post_webhook(feed_comment(comment_id, new_psid())).status_code == 200

    replies = wait_for(lambda: comment_replies(branch, comment_id)["private_replies"])
    [reply] = replies
    assert reply["body"]["recipient"] == {"comment_id": comment_id}
    text = reply["body"]["message"]["text"]
    assert "private message" in text and not any(ch.isdigit() for ch in text)  # no account data
    assert comment_replies(branch, comment_id)["public_replies"] == []

    [handoff] = wait_for(lambda: comment_rows(branch.branch_database_url, "handoffs", "conversation_id", conversation))
    assert (handoff["channel"], handoff["reason"], handoff["status"]) == ("facebook_comment", "public_comment",
                                                                          "waiting")
    assert "4111 1111 1111 1111" not in handoff["last_customer_message"]
    view = HandoffQueue(session_factory(branch.branch_database_url), create_tables=False).get(handoff["id"])
    assert view is not None and view.overdue is False and view.waiting_seconds < 30 * 60  # the normal 30-minute SLA

    rows = wait_for(lambda: [r for r in comment_rows(branch.archive_database_url, "archive_entries",
                                                     "conversation_id", conversation)
                             if r["direction"] == "outbound"] and
                    comment_rows(branch.archive_database_url, "archive_entries", "conversation_id", conversation))
    assert [(r["direction"], r["kind"], r["channel"]) for r in rows] == [
        ("inbound", "public_comment", "facebook_comment"), ("outbound", "private_reply", "facebook_comment")]
    assert "4111 1111 1111 1111" not in rows[0]["text"] and rows[1]["text"] == text

    # Meta delivers it again: nothing more.
    assert branch.post_webhook(feed_comment(comment_id, new_psid())).status_code == 200
    probe = f"{PAGE_ID}_post-1_{uuid.uuid4().hex[:10]}"  # a later comment, handled after the repeat
    assert branch.post_webhook(feed_comment(probe, new_psid())).status_code == 200
    assert wait_for(lambda: comment_replies(branch, probe)["private_replies"])
    assert len(comment_replies(branch, comment_id)["private_replies"]) == 1
    assert len(comment_rows(branch.branch_database_url, "handoffs", "conversation_id", conversation)) == 1
    assert len(comment_rows(branch.archive_database_url, "archive_entries", "conversation_id", conversation)) == 2


def test_the_page_s_own_comment_and_a_reply_to_it_get_nothing(branch: Branch):
    own = f"{PAGE_ID}_post-1_{uuid.uuid4().hex[:10]}"
    reply = f"{PAGE_ID}_post-1_{uuid.uuid4().hex[:10]}"
    assert branch.post_webhook(feed_comment(own, PAGE_ID, message="We're open on Saturday.")).status_code == 200
    assert branch.post_webhook(feed_comment(reply, new_psid(), parent=own)).status_code == 200
    probe = f"{PAGE_ID}_post-1_{uuid.uuid4().hex[:10]}"  # a customer's comment after both: answered
    assert branch.post_webhook(feed_comment(probe, new_psid())).status_code == 200
    assert wait_for(lambda: comment_replies(branch, probe)["private_replies"])
    for comment_id in (own, reply):
        assert comment_replies(branch, comment_id) == {"comment_id": comment_id, "private_replies": [],
                                                       "public_replies": []}
        assert comment_rows(branch.branch_database_url, "handoffs", "conversation_id", f"comment:{comment_id}") == []
        assert comment_rows(branch.archive_database_url, "archive_entries", "conversation_id",
                            f"comment:{comment_id}") == []
