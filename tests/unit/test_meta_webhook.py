import pytest

from bot.channels.messenger.webhook import (
    LIKE_STICKER_IDS, EventKind, MalformedWebhook, is_page_batch, messaging_events, sign, signature_is_valid,
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


def _parse(*raw_events, standby=False):
    key = "standby" if standby else "messaging"
    return list(messaging_events({"object": "page", "entry": [{"id": "page", key: list(raw_events)}]}))


@pytest.mark.parametrize("attachment_type", ["image", "file", "audio", "video", "location", "fallback", "template"])
def test_each_attachment_kind_is_an_attachment_event(attachment_type):
    [event] = _parse(_event(message={"mid": "m1", "attachments": [{"type": attachment_type, "payload": {}}]}))
    assert event.kind == EventKind.ATTACHMENT
    assert event.attachment_types == [attachment_type]
    assert not event.is_like


def test_the_like_button_is_a_sticker_attachment_recognised_as_a_like():
    [like] = _parse(_event(message={
        "mid": "m1", "sticker_id": 369239263222822,
        "attachments": [{"type": "image", "payload": {"url": "https://x/like.png", "sticker_id": 369239263222822}}],
    }))
    assert like.kind == EventKind.ATTACHMENT and like.sticker_id == "369239263222822" and like.is_like
    [sticker] = _parse(_event(message={"mid": "m2", "attachments": [{"type": "image", "payload": {"sticker_id": 12}}]}))
    assert sticker.sticker_id == "12" and not sticker.is_like
    [bare] = _parse(_event(message={"mid": "m3", "sticker_id": 369239383222810}))
    assert bare.kind == EventKind.ATTACHMENT and bare.is_like and bare.attachment_types == ["sticker"]


@pytest.mark.parametrize("sticker_id", sorted(LIKE_STICKER_IDS))
def test_stickers_come_as_attachments_of_type_sticker_and_the_like_ids_are_likes(sticker_id):
    [like] = _parse(_event(message={"mid": "m1", "attachments": [
        {"type": "sticker", "payload": {"url": "https://x/like.png", "sticker_id": int(sticker_id)}}]}))
    assert like.kind == EventKind.ATTACHMENT and like.attachment_types == ["sticker"]
    assert like.is_like and like.is_sticker and like.sticker_id == sticker_id
    [cat] = _parse(_event(message={"mid": "m2", "attachments": [
        {"type": "sticker", "payload": {"url": "https://x/cat.png", "sticker_id": 144884852352448}}]}))
    assert cat.is_sticker and not cat.is_like
    [no_id] = _parse(_event(message={"mid": "m3", "attachments": [{"type": "sticker", "payload": {"url": "x"}}]}))
    assert no_id.is_sticker and not no_id.is_like and no_id.sticker_id is None
    [photo] = _parse(_event(message={"mid": "m4", "attachments": [{"type": "image", "payload": {"url": "x"}}]}))
    assert not photo.is_sticker


def test_an_attachment_of_unknown_shape_is_still_an_attachment():
    [event] = _parse(_event(message={"mid": "m1", "attachments": [{"payload": None}, "junk"]}))
    assert event.kind == EventKind.ATTACHMENT and event.attachment_types == ["unknown"]


@pytest.mark.parametrize("field, details, app_id", [
    ("pass_thread_control", {"new_owner_app_id": "123", "previous_owner_app_id": "9", "metadata": "m"}, "123"),
    ("take_thread_control", {"previous_owner_app_id": "123", "new_owner_app_id": "456"}, "456"),
    ("take_thread_control", {"previous_owner_app_id": "123"}, None),
    ("request_thread_control", {"requested_owner_app_id": "789", "metadata": "help"}, "789"),
    ("release_thread_control", {"previous_owner_app_id": "263902037430900"}, None),
])
def test_handover_events_carry_their_kind_and_app(field, details, app_id):
    [event] = _parse(_event(**{field: details}))
    assert event.kind == EventKind.HANDOVER
    assert event.field_name == field and event.app_id == app_id and event.sender_id == "u1"


def test_standby_events_are_parsed_and_marked():
    events = _parse(
        _event(message={"mid": "m1", "text": "is anyone there?"}),
        {"sender": {"id": "page"}, "recipient": {"id": "u1"}, "timestamp": 2,
         "message": {"mid": "m2", "is_echo": True, "text": "Hello, this is Marie"}},
        standby=True,
    )
    assert [(e.kind, e.standby) for e in events] == [(EventKind.TEXT, True), (EventKind.ECHO, True)]
    assert events[0].text == "is anyone there?"
    assert [e.customer_id for e in events] == ["u1", "u1"]  # the echo's customer is its recipient
    assert events[0].dedup_key != _parse(_event(message={"mid": "m1", "text": "x"}))[0].dedup_key


def test_an_entry_may_carry_both_messaging_and_standby():
    body = {"object": "page", "entry": [{"id": "page", "messaging": [_event(message={"mid": "a", "text": "hi"})],
                                         "standby": [_event(message={"mid": "b", "text": "hey"})]}]}
    assert [e.standby for e in messaging_events(body)] == [False, True]


def test_reactions_and_edits_do_not_take_the_mid_of_the_message_they_are_about():
    reaction, edit = _parse(
        _event(reaction={"reaction": "love", "emoji": "❤", "action": "react", "mid": "m1"}),
        _event(message_edit={"mid": "m1", "text": "hello again", "num_edit": 1}),
    )
    assert (reaction.kind, edit.kind) == (EventKind.REACTION, EventKind.MESSAGE_EDIT)
    assert reaction.message_id is None and edit.message_id is None
    assert "m1" not in (reaction.dedup_key, edit.dedup_key)


@pytest.mark.parametrize("raw, field", [
    (_event(referral={"ref": "ad-42", "source": "ADS", "type": "OPEN_THREAD"}), "referral"),
    (_event(optin={"type": "notification_messages", "payload": "x"}), "optin"),
    (_event(account_linking={"status": "linked", "authorization_code": "c"}), "account_linking"),
    ({"recipient": {"id": "page"}, "timestamp": 1, "policy-enforcement": {"action": "block", "reason": "spam"}},
     "policy-enforcement"),
    ({"recipient": {"id": "page"}, "timestamp": 1, "app_roles": {"123": ["primary_receiver"]}}, "app_roles"),
    (_event(brand_new_field={"anything": 1}), "brand_new_field"),
    (_event(message={"mid": "m9"}), "message"),
])
def test_other_events_are_other_with_the_field_they_came_in(raw, field):
    [event] = _parse(raw)
    assert event.kind == EventKind.OTHER and event.field_name == field


def test_a_message_without_text_attachments_or_quick_reply_is_not_text():
    [event] = _parse(_event(message={"mid": "m1", "text": "   "}))
    assert event.kind == EventKind.OTHER
