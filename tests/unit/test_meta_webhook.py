import pytest

from bot.channels.meta_webhook import (
    EventKind, MalformedWebhook, is_page_batch, messaging_events, sign, signature_is_valid,
)

SECRET = "app-secret"
BODY = b'{"object":"page","entry":[]}'


def test_a_body_signed_with_the_app_secret_is_valid():
    assert signature_is_valid(BODY, sign(BODY, SECRET), SECRET)


@pytest.mark.parametrize("header", [
    None, "", "sha256=", "sha1=" + "0" * 40, sign(BODY, "other-secret"), sign(BODY + b" ", SECRET),
    sign(BODY, SECRET).upper(), "sha256=é",
])
def test_missing_or_wrong_signatures_are_invalid(header):
    assert not signature_is_valid(BODY, header, SECRET)


def _event(**fields):
    return {"sender": {"id": "u1"}, "recipient": {"id": "page"}, "timestamp": 1, **fields}


def test_events_of_every_entry_come_in_order_with_their_kind():
    body = {"object": "page", "entry": [
        {"id": "page", "messaging": [
            _event(message={"mid": "m1", "text": "hello"}),
            _event(message={"mid": "m2", "text": "Yes", "quick_reply": {"payload": "/affirm"}}),
        ]},
        {"id": "page", "messaging": [
            _event(postback={"mid": "m3", "title": "Balance", "payload": "/check_balance"}),
            _event(message={"mid": "m4", "is_echo": True, "text": "hi"}),
            _event(message={"mid": "m5", "attachments": [{"type": "image", "payload": {}}]}),
            _event(delivery={"mids": ["m1"], "watermark": 1}),
            _event(read={"watermark": 1}),
        ]},
    ]}
    events = list(messaging_events(body))
    assert [e.kind for e in events] == [
        EventKind.TEXT, EventKind.QUICK_REPLY, EventKind.POSTBACK, EventKind.ECHO,
        EventKind.ATTACHMENT, EventKind.DELIVERY, EventKind.READ,
    ]
    assert [e.message_id for e in events[:5]] == ["m1", "m2", "m3", "m4", "m5"]
    assert events[1].payload == "/affirm" and events[2].payload == "/check_balance"
    assert events[4].attachment_types == ["image"]


def test_an_event_without_a_message_id_still_has_a_stable_dedup_key():
    body = {"object": "page", "entry": [{"messaging": [_event(postback={"payload": "/greet"})]}]}
    first, again = list(messaging_events(body)), list(messaging_events(body))
    assert first[0].dedup_key == again[0].dedup_key


@pytest.mark.parametrize("body", [
    {"object": "page", "entry": ["not an object"]},
    {"object": "page", "entry": [{"messaging": [{"message": {"text": "no sender"}}]}]},
    {"object": "page", "entry": [{"messaging": ["not an object"]}]},
])
def test_malformed_batches_are_reported(body):
    with pytest.raises(MalformedWebhook):
        list(messaging_events(body))


def test_only_page_batches_are_accepted():
    assert is_page_batch({"object": "page", "entry": []})
    assert not is_page_batch({"object": "instagram", "entry": []})
    assert not is_page_batch([])
