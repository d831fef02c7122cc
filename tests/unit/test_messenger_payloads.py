"""Every payload the connector builds is one Meta accepts (checked by the stand-in's validator)."""
import pytest

from bot.channels import messenger_payloads as payloads
from bot.graph_standin import request_problem


def as_request(message):
    return {"recipient": {"id": "u1"}, "messaging_type": "RESPONSE", "message": message}


def rasa_buttons(n):
    return [{"title": f"Option number {i} with a long title", "payload": f"/choose{{\"n\":{i}}}"} for i in range(n)]


@pytest.mark.parametrize("n", [1, 3, 4, 13, 20])
def test_buttons_fit_messenger(n):
    messages = payloads.buttons("Pick one", rasa_buttons(n))
    for message in messages:
        assert request_problem(as_request(message)) is None
    shown = []
    for message in messages:
        if "quick_replies" in message:
            shown += [q["payload"] for q in message["quick_replies"]]
        else:
            buttons = message["attachment"]["payload"]["buttons"]
            assert len(buttons) <= 3
            shown += [b["payload"] for b in buttons]
    # In order; past Messenger's 13 quick replies the rest is cut (issue 4 splits them instead).
    assert shown == [b["payload"] for b in rasa_buttons(n)][:13]


def test_url_buttons_stay_url_buttons_in_templates_of_three():
    buttons = [{"title": "Site", "url": "https://bank.example"}] + rasa_buttons(4)
    messages = payloads.buttons("See", buttons)
    assert len(messages) == 2
    first = messages[0]["attachment"]["payload"]["buttons"][0]
    assert first == {"type": "web_url", "url": "https://bank.example", "title": "Site"}
    for message in messages:
        assert request_problem(as_request(message)) is None


def test_quick_reply_titles_are_cut_to_20_characters():
    message = payloads.quick_replies("Choose", [{"title": "A very long quick reply title", "payload": "/x"}])
    assert message["quick_replies"][0]["title"] == "A very long quick re"
    assert request_problem(as_request(message)) is None


def test_the_validator_refuses_what_meta_refuses():
    assert request_problem(as_request({"text": "x" * 2001}))
    assert request_problem(as_request({"text": ""}))
    assert request_problem({"recipient": {}, "messaging_type": "RESPONSE", "message": {"text": "hi"}})
    assert request_problem({"recipient": {"id": "u1"}, "message": {"text": "hi"}})
    too_many = {"text": "pick", "quick_replies": [{"content_type": "text", "title": "a", "payload": "a"}] * 14}
    assert request_problem(as_request(too_many))
