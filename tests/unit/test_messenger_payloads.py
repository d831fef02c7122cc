"""Rasa responses become Messenger messages that fit Messenger's limits, and nothing is lost on the way."""
import re

import pytest

from bot.channels.messenger import payloads
from bot.channels.messenger.payloads import length, message_problems, split_text
from bot.devtools.graph_rules import request_problem


def as_request(message):
    return {"recipient": {"id": "u1"}, "messaging_type": "RESPONSE", "message": message}


def assert_fits(messages):
    assert messages, "something must be sent"
    for message in messages:
        assert message_problems(message) == [], message
        assert request_problem(as_request(message)) is None, message


def rasa_buttons(n):
    return [{"title": f"Option number {i} with a long title", "payload": f"/choose{{\"n\":{i}}}"} for i in range(n)]


def choices(messages):
    """(kind, payload or url) of every quick reply and button, in order."""
    found = []
    for message in messages:
        found += [("quick_reply", q["payload"]) for q in message.get("quick_replies", [])]
        template = message.get("attachment", {}).get("payload", {})
        buttons = list(template.get("buttons", []))
        for element in template.get("elements", []):
            buttons += element.get("buttons", [])
        found += [(b["type"], b.get("payload") or b.get("url")) for b in buttons]
    return found


def visible_texts(messages):
    texts = []
    for message in messages:
        if "text" in message:
            texts.append(message["text"])
        else:
            texts.append(message["attachment"]["payload"].get("text", ""))
    return texts


def without_spaces(value):
    return re.sub(r"\s+", "", value)


# --- buttons and quick replies ----------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 3, 4, 13, 14, 20, 40])
def test_every_button_is_offered_within_messengers_limits(n):
    messages = payloads.button_messages("Pick one", rasa_buttons(n))
    assert_fits(messages)
    offered = [payload for _, payload in choices(messages)]
    assert offered == [b["payload"] for b in rasa_buttons(n)]  # all of them, in order


def test_up_to_three_buttons_make_one_button_template():
    [message] = payloads.button_messages("Pick one", rasa_buttons(3))
    template = message["attachment"]["payload"]
    assert template["template_type"] == "button" and template["text"] == "Pick one"
    assert [b["type"] for b in template["buttons"]] == ["postback"] * 3


def test_four_to_thirteen_postbacks_become_quick_replies_on_the_text():
    [message] = payloads.button_messages("Pick one", rasa_buttons(13))
    assert message["text"] == "Pick one"
    assert len(message["quick_replies"]) == 13


def test_more_than_thirteen_buttons_become_several_templates_each_with_a_text():
    messages = payloads.button_messages("Pick one", rasa_buttons(14))
    assert len(messages) == 5  # 3 + 3 + 3 + 3 + 2
    assert [m["attachment"]["payload"]["text"] for m in messages] == ["Pick one"] + [payloads.MORE_CHOICES_TEXT] * 4


def test_url_buttons_stay_url_buttons_in_templates_of_three():
    buttons = [{"title": "Site", "url": "https://bank.example"}] + rasa_buttons(4)
    messages = payloads.button_messages("See", buttons)
    assert len(messages) == 2
    first = messages[0]["attachment"]["payload"]["buttons"][0]
    assert first == {"type": "web_url", "url": "https://bank.example", "title": "Site"}
    assert choices(messages)[0] == ("web_url", "https://bank.example")
    assert_fits(messages)


def test_a_web_url_typed_button_and_a_phone_button_are_kept():
    messages = payloads.button_messages("Reach us", [
        {"type": "web_url", "title": "Fees", "url": "https://bank.example/fees"},
        {"type": "phone_number", "title": "Call us", "payload": "+33123456789"},
    ])
    assert choices(messages) == [("web_url", "https://bank.example/fees"), ("phone_number", "+33123456789")]
    assert_fits(messages)


def test_quick_reply_titles_are_cut_to_20_characters_with_an_ellipsis():
    [message] = payloads.quick_reply_messages("Choose", [{"title": "A very long quick reply title", "payload": "/x"}])
    assert message["quick_replies"][0] == {"content_type": "text", "title": "A very long quick r…", "payload": "/x"}
    assert_fits([message])


def test_more_than_thirteen_quick_replies_are_all_kept_as_postback_buttons():
    replies = [{"title": f"Reply {i}", "payload": f"/r{i}"} for i in range(20)]
    messages = payloads.quick_reply_messages("Choose", replies)
    assert_fits(messages)
    assert [p for _, p in choices(messages)] == [f"/r{i}" for i in range(20)]


def test_quick_replies_go_on_the_last_chunk_of_a_long_text():
    body = "This sentence is here to fill the message. " * 100  # 4,300 characters
    replies = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
    messages = payloads.quick_reply_messages(body, replies)
    assert_fits(messages)
    assert len(messages) == 3
    assert all("quick_replies" not in m for m in messages[:-1])
    assert [q["payload"] for q in messages[-1]["quick_replies"]] == ["/affirm", "/deny"]
    assert without_spaces("".join(visible_texts(messages))) == without_spaces(body)


def test_a_long_text_with_buttons_goes_as_text_first_then_a_template_with_the_end_of_it():
    body = "Here is what you should know before you choose. " * 30  # 1,470 characters
    messages = payloads.button_messages(body, rasa_buttons(2))
    assert_fits(messages)
    assert "text" in messages[0] and "attachment" in messages[-1]
    assert 0 < length(messages[-1]["attachment"]["payload"]["text"]) <= payloads.MAX_BUTTON_TEMPLATE_TEXT
    assert without_spaces("".join(visible_texts(messages))) == without_spaces(body)


def test_buttons_without_text_get_a_prompt():
    assert_fits(payloads.button_messages("", rasa_buttons(2)))
    assert_fits(payloads.quick_reply_messages(None, rasa_buttons(2)))
    [message] = payloads.quick_reply_messages(None, rasa_buttons(2))
    assert message["text"] == payloads.CHOOSE_TEXT


def test_a_payload_longer_than_messenger_allows_becomes_the_typed_title():
    [message] = payloads.button_messages("Pick", [{"title": "/Everything", "payload": "/inform" + "x" * 1000}])
    button = message["attachment"]["payload"]["buttons"][0]
    assert button["payload"] == "Everything"  # what typing the title would send: never a command
    assert_fits([message])


def test_a_button_without_title_uses_its_payload_and_one_with_nothing_is_left_out():
    messages = payloads.button_messages("Pick", [{"payload": "/affirm"}, {}, {"title": "  "}])
    assert choices(messages) == [("postback", "/affirm")]
    assert messages[0]["attachment"]["payload"]["buttons"][0]["title"] == "/affirm"


# --- carousels ------------------------------------------------------------------------------------

def elements(n, buttons=1, title="Personal loan: 5.90% APR"):
    return [
        {
            "title": f"{title} {i}", "subtitle": "€1,000.00 to €50,000.00, 12 to 84 months",
            "buttons": [{"type": "postback", "title": "Get a quote", "payload": f"/inform{{\"n\":{i},\"b\":{b}}}"}
                        for b in range(buttons)],
        }
        for i in range(n)
    ]


@pytest.mark.parametrize("n", [1, 10, 11, 25])
def test_carousels_hold_at_most_ten_elements_and_lose_none(n):
    messages = payloads.carousel_messages(elements(n))
    assert_fits(messages)
    assert len(messages) == -(-n // 10)
    titles = [e["title"] for m in messages for e in m["attachment"]["payload"]["elements"]]
    assert titles == [e["title"] for e in elements(n)]


def test_long_element_titles_and_subtitles_are_cut_with_an_ellipsis():
    [message] = payloads.carousel_messages([{"title": "T" * 100, "subtitle": "S" * 100}])
    [element] = message["attachment"]["payload"]["elements"]
    assert element == {"title": "T" * 79 + "…", "subtitle": "S" * 79 + "…"}


def test_an_element_with_more_than_three_buttons_continues_in_the_next_element():
    messages = payloads.carousel_messages(elements(1, buttons=5))
    assert_fits(messages)
    cards = messages[0]["attachment"]["payload"]["elements"]
    assert [len(c["buttons"]) for c in cards] == [3, 2]
    assert cards[0]["title"] == cards[1]["title"]
    assert len(choices(messages)) == 5


def test_an_element_without_a_title_uses_its_subtitle():
    [message] = payloads.carousel_messages([{"subtitle": "Only a subtitle", "image_url": "https://bank.example/i.png"}])
    assert message["attachment"]["payload"]["elements"][0] == {
        "title": "Only a subtitle", "image_url": "https://bank.example/i.png",
    }


def test_no_elements_send_nothing():
    assert payloads.carousel_messages([]) == []


# --- text ---------------------------------------------------------------------------------------

def assert_split_keeps_everything(body, chunks, limit):
    assert chunks and all(0 < length(c) <= limit for c in chunks)
    position = 0
    stripped = body.strip()
    for chunk in chunks:  # each chunk is the next stretch of the text; only whitespace lies between
        found = stripped.find(chunk, position)
        assert found >= 0 and stripped[position:found].strip() == ""
        position = found + len(chunk)
    assert position == len(stripped)


def test_short_text_is_one_message():
    assert split_text("Hello!") == ["Hello!"]
    assert split_text("   ") == [] and split_text("") == []


def test_long_text_is_cut_at_a_sentence_end():
    body = "First sentence is quite long, really. " * 60 + "Last words"
    chunks = split_text(body)
    assert_split_keeps_everything(body, chunks, 2000)
    assert all(c.endswith(".") for c in chunks[:-1])


def test_a_paragraph_break_is_preferred_to_a_sentence_end():
    body = "A" * 1200 + ".\n\nB. " + "C" * 1000
    chunks = split_text(body)
    assert chunks[0] == "A" * 1200 + "."


def test_without_sentences_the_text_is_cut_between_words():
    body = " ".join(["word"] * 1000)  # 4,999 characters, no sentence end
    chunks = split_text(body)
    assert_split_keeps_everything(body, chunks, 2000)
    assert all(not c.startswith("ord") and c.endswith("word") for c in chunks)


def test_without_spaces_the_text_is_cut_hard_and_nothing_is_lost():
    body = "x" * 4500
    chunks = split_text(body)
    assert [len(c) for c in chunks] == [2000, 2000, 500]
    assert "".join(chunks) == body


def test_emoji_count_double_and_are_never_cut_in_half():
    family = "👨\u200d👩\u200d👧\u200d👦"  # one emoji of 7 code points, 11 UTF-16 units
    flag = "🇫🇷"
    body = (family + flag + "é" + "e\u0301") * 300
    chunks = split_text(body)
    assert_split_keeps_everything(body, chunks, 2000)
    for chunk in chunks:
        assert not chunk.endswith("\u200d") and not chunk.startswith("\u200d")
        assert not chunk.startswith("\u0301")
        assert chunk.count("🇫") == chunk.count("🇷")  # flags whole
        assert chunk.startswith(family)


@pytest.mark.parametrize("limit", [2, 7, 20, 640, 2000])
def test_any_text_splits_within_the_limit(limit):
    body = "Hello, wörld! 😀 How are you?\nFine. " * 120 + "x" * 3000 + " 🇫🇷🇩🇪 end."
    chunks = split_text(body, limit)
    assert_split_keeps_everything(body, chunks, limit)


def test_shorten_keeps_short_text_and_cuts_long_text_with_an_ellipsis():
    assert payloads.shorten("Balance", 20) == "Balance"
    assert payloads.shorten("Current account (FR76 •••• 0079)", 20) == "Current account (FR…"
    assert length(payloads.shorten("😀" * 30, 20)) <= 20


# --- what the bot offered ---------------------------------------------------------------------------

def test_offered_payloads_are_the_postbacks_and_quick_replies_of_a_message():
    quick = payloads.quick_reply_messages("Choose", rasa_buttons(2))[0]
    assert payloads.offered_payloads(quick) == [b["payload"] for b in rasa_buttons(2)]
    template = payloads.button_messages("See", [{"title": "Site", "url": "https://bank.example"}] + rasa_buttons(2))[0]
    assert payloads.offered_payloads(template) == [b["payload"] for b in rasa_buttons(2)]
    carousel = payloads.carousel_messages(elements(2))[0]
    assert payloads.offered_payloads(carousel) == ['/inform{"n":0,"b":0}', '/inform{"n":1,"b":0}']
    assert payloads.offered_payloads({"text": "hello"}) == []


# --- the validator ----------------------------------------------------------------------------------

def button(**fields):
    return {"type": "postback", "title": "Yes", "payload": "/affirm", **fields}


def button_template(text="Pick", buttons=None):
    return {"attachment": {"type": "template", "payload": {
        "template_type": "button", "text": text, "buttons": buttons if buttons is not None else [button()]}}}


def generic(elements_):
    return {"attachment": {"type": "template", "payload": {"template_type": "generic", "elements": elements_}}}


def quick(n=1, title="a", payload="a"):
    return {"text": "pick", "quick_replies": [{"content_type": "text", "title": title, "payload": payload}] * n}


@pytest.mark.parametrize("message", [
    {"text": "hi"},
    {"text": "x" * 2000},
    {"text": "😀" * 1000},
    quick(13, title="t" * 20, payload="p" * 1000),
    button_template("t" * 640, [button()] * 3),
    button_template(buttons=[{"type": "web_url", "title": "Site", "url": "https://bank.example"}]),
    generic([{"title": "t" * 80, "subtitle": "s" * 80, "buttons": [button()] * 3}] * 10),
    payloads.image("https://bank.example/i.png"),
])
def test_the_validator_accepts_what_messenger_accepts(message):
    assert message_problems(message) == []


@pytest.mark.parametrize("message", [
    {"text": "x" * 2001},
    {"text": "😀" * 1001},
    {"text": ""},
    {"text": "   "},
    {},
    {"text": "hi", "attachment": payloads.image("https://bank.example/i.png")["attachment"]},
    quick(14),
    quick(1, title="t" * 21),
    quick(1, title=""),
    quick(1, payload="p" * 1001),
    {"text": "pick", "quick_replies": []},
    button_template("t" * 641),
    button_template(""),
    button_template(buttons=[button()] * 4),
    button_template(buttons=[]),
    button_template(buttons=[button(title="t" * 21)]),
    button_template(buttons=[button(payload="p" * 1001)]),
    button_template(buttons=[button(payload="")]),
    button_template(buttons=[{"type": "web_url", "title": "Site"}]),
    button_template(buttons=[{"type": "web_url", "title": "Site", "url": "javascript:alert(1)"}]),
    button_template(buttons=[{"type": "phone_number", "title": "Call", "payload": "0123"}]),
    button_template(buttons=[{"type": "teleport", "title": "Go"}]),
    generic([{"title": "t"}] * 11),
    generic([]),
    generic([{"title": "t" * 81}]),
    generic([{"title": ""}]),
    generic([{"title": "t", "subtitle": "s" * 81}]),
    generic([{"title": "t", "buttons": [button()] * 4}]),
    generic([{"title": "t", "image_url": "not a url"}]),
    {"attachment": {"type": "image", "payload": {}}},
    {"attachment": {"type": "hologram", "payload": {}}},
    "not an object",
])
def test_the_validator_refuses_what_messenger_refuses(message):
    assert message_problems(message) != []


def test_the_stand_in_refuses_what_meta_refuses():
    assert request_problem(as_request({"text": "x" * 2001}))
    assert request_problem(as_request({"text": ""}))
    assert request_problem({"recipient": {}, "messaging_type": "RESPONSE", "message": {"text": "hi"}})
    assert request_problem({"recipient": {"id": "u1"}, "message": {"text": "hi"}})
    assert request_problem(as_request(quick(14)))
