"""Whatever Rasa asks the Messenger channel to send, every message fits Messenger's limits and nothing is lost."""
import random
import re
from typing import Any, Dict, List

import pytest
from aiohttp import web

from bot.channels.messenger import payloads
from bot.channels.messenger.channel import MessengerOutput
from bot.channels.messenger.payloads import message_problems
from bot.channels.messenger.send_api import SendApi
from bot.channels.offered_payloads import InMemoryOfferedPayloads
from bot.channels.typed_text import as_typed_text
from bot.devtools.graph_rules import request_problem
from bot.devtools.graph_standin import GraphStandin
from tests.support.standin_server import VERSION
from tests.unit.recording_send_api import RecordingSendApi

PSID = "psid-output"
WORDS = ["balance", "card", "€2,450.31", "transfer", "loan", "😀", "👨\u200d👩\u200d👧", "🇫🇷", "café", "e\u0301",
         "•••• 4821", "Überweisung", "日本語", "x" * 60]


def assert_fits(message: Dict[str, Any]) -> None:
    """The one validator, plus what the Graph API stand-in checks."""
    assert message_problems(message) == [], message
    request = {"recipient": {"id": PSID}, "messaging_type": "RESPONSE", "message": message}
    assert request_problem(request) is None, message


def random_text(rng: random.Random, longest: int) -> str:
    """Words, emoji, accents, sentences and line breaks, often just around one of Messenger's limits."""
    target = min(longest, rng.choice([0, 5, 19, 21, 30, 79, 81, 200, 639, 641, 1999, 2001, longest]))
    parts: List[str] = []
    size = 0
    while size < target:
        part = rng.choice(WORDS) + rng.choice([" ", " ", " ", ". ", "! ", "\n", "\n\n", ", ", ""])
        parts.append(part)
        size += len(part)
    return "".join(parts)[:target]


def random_button(rng: random.Random, n: int) -> Dict[str, Any]:
    title = random_text(rng, 60)[:rng.choice([3, 20, 21, 45])] or f"Choice {n}"
    kind = rng.random()
    if kind < 0.15:
        return {"title": title, "url": f"https://bank.example/page/{n}"}
    if kind < 0.2:
        return {"type": "web_url", "title": title, "url": f"https://bank.example/w/{n}"}
    if kind < 0.23:
        return {"type": "phone_number", "title": title, "payload": "+33123456789"}
    payload = f'/choose{{"n":{n}}}' if rng.random() < 0.95 else "/inform" + "y" * 1200
    return {"title": title, "payload": payload}


def random_buttons(rng: random.Random, postbacks_only: bool = False) -> List[Dict[str, Any]]:
    count = rng.choice([1, 2, 3, 4, 12, 13, 14, 20, 31])
    buttons = [random_button(rng, n) for n in range(count)]
    if postbacks_only:
        buttons = [
            b if "payload" in b and b.get("type") != "phone_number" else {"title": b["title"], "payload": f"/p{n}"}
            for n, b in enumerate(buttons)
        ]
    return buttons


def random_elements(rng: random.Random) -> List[Dict[str, Any]]:
    return [
        {
            "title": random_text(rng, 150)[:rng.choice([0, 10, 80, 81, 150])],
            "subtitle": random_text(rng, 150)[:rng.choice([0, 40, 80, 81, 150])],
            "image_url": "https://bank.example/card.png",
            "buttons": [random_button(rng, 100 * i + b) for b in range(rng.choice([0, 1, 3, 4, 7]))],
        }
        for i in range(rng.choice([1, 2, 10, 11, 25]))
    ]


def postbacks(n: int, title: str = "Choice") -> List[Dict[str, Any]]:
    return [{"title": f"{title} {i}", "payload": f"/pick{{\"i\":{i}}}"} for i in range(n)]


# Right at Messenger's limits and one past them.
EXTREMES: List[Dict[str, Any]] = [
    {"text": "a" * 2000}, {"text": "a" * 2001}, {"text": "😀" * 1001},
    {"text": "t" * 640, "buttons": postbacks(3)}, {"text": "t" * 641, "buttons": postbacks(3)},
    {"text": "Pick", "buttons": postbacks(13)}, {"text": "Pick", "buttons": postbacks(14)},
    {"text": "Pick", "quick_replies": postbacks(13, "A title longer than twenty")},
    {"text": "Pick", "quick_replies": postbacks(14)},
    {"text": "Go", "buttons": [{"title": "Site", "url": "https://bank.example"}] + postbacks(3)},
    {"elements": [{"title": "t" * 80, "subtitle": "s" * 80, "buttons": postbacks(3)}] * 10},
    {"elements": [{"title": "t" * 81, "subtitle": "s" * 81, "buttons": postbacks(4)}] * 11},
]


def rasa_responses(seed: int, count: int) -> List[Dict[str, Any]]:
    """What `dispatcher.utter_message` can produce: text, buttons, quick replies, elements, image, custom."""
    rng = random.Random(seed)
    responses: List[Dict[str, Any]] = []
    for _ in range(count):
        shape = rng.choice(["text", "buttons", "quick_replies", "elements", "image", "custom", "mixed"])
        if shape == "text":
            responses.append({"text": random_text(rng, 6000)})
        elif shape == "buttons":
            responses.append({"text": random_text(rng, 3000), "buttons": random_buttons(rng)})
        elif shape == "quick_replies":
            responses.append(
                {"text": random_text(rng, 3000), "quick_replies": random_buttons(rng, postbacks_only=True)}
            )
        elif shape == "elements":
            responses.append({"elements": random_elements(rng)})
        elif shape == "image":
            responses.append({"text": random_text(rng, 100), "image": "https://bank.example/chart.png"})
        elif shape == "custom":
            responses.append({"custom": {"text": "Custom 😀", "quick_replies": [
                {"content_type": "text", "title": "Yes", "payload": "/affirm"}]}})
        else:
            responses.append({"text": random_text(rng, 2500), "buttons": random_buttons(rng),
                              "elements": random_elements(rng), "image": "https://bank.example/x.png"})
    return responses


def tappable(messages: List[Dict[str, Any]]) -> List[str]:
    """Postback payloads, URLs and phone numbers of every quick reply and button, in order."""
    found = []
    for message in messages:
        found += [q["payload"] for q in message.get("quick_replies", [])]
        template = message.get("attachment", {}).get("payload", {})
        buttons = list(template.get("buttons", []))
        for element in template.get("elements", []):
            buttons += element.get("buttons", [])
        found += [b.get("url") or b["payload"] for b in buttons]
    return found


def expected_tappable(buttons: List[Dict[str, Any]]) -> List[str]:
    """Every button's URL or payload; a payload too long for Messenger becomes what typing the title sends."""
    return [
        b.get("url") or (b["payload"] if len(b["payload"]) <= payloads.MAX_PAYLOAD else as_typed_text(b["title"]))
        for b in buttons
    ]


def visible(message: Dict[str, Any]) -> str:
    return message.get("text") or message.get("attachment", {}).get("payload", {}).get("text", "")


def no_space(value: str) -> str:
    return re.sub(r"\s+", "", value)


def test_the_limits_are_messengers():
    assert (
        payloads.MAX_TEXT, payloads.MAX_QUICK_REPLIES, payloads.MAX_QUICK_REPLY_TITLE, payloads.MAX_TEMPLATE_BUTTONS,
        payloads.MAX_BUTTON_TEMPLATE_TEXT, payloads.MAX_BUTTON_TITLE, payloads.MAX_GENERIC_ELEMENTS,
        payloads.MAX_ELEMENT_TITLE, payloads.MAX_ELEMENT_SUBTITLE, payloads.MAX_ELEMENT_BUTTONS, payloads.MAX_PAYLOAD,
    ) == (2000, 13, 20, 3, 640, 20, 10, 80, 80, 3, 1000)


async def test_every_message_of_many_rasa_responses_fits_messenger():
    send_api = RecordingSendApi()
    output = MessengerOutput(send_api, InMemoryOfferedPayloads())
    for seed in range(10):
        for response in EXTREMES + rasa_responses(seed, 40):
            await output.send_response(PSID, dict(response))  # Rasa's own dispatch to the methods below
    sent = send_api.messages()
    for message in sent:
        assert_fits(message)

    # The responses did reach every limit.
    templates = [m["attachment"]["payload"] for m in sent if "attachment" in m and "payload" in m["attachment"]]
    elements = [e for t in templates for e in t.get("elements", [])]
    assert max(len(m.get("text", "")) for m in sent) > 1900
    assert any(len(m.get("quick_replies", [])) == 13 for m in sent)
    assert any(t.get("text") == payloads.MORE_CHOICES_TEXT for t in templates)
    assert any(len(t.get("text", "")) > 600 for t in templates)
    assert any(len(t.get("elements", [])) == 10 for t in templates)
    assert any(e["title"].endswith("…") and len(e["title"]) == 80 for e in elements)
    assert any(len(e.get("buttons", [])) == 3 for e in elements)
    assert any(b["type"] == "web_url" for t in templates for b in t.get("buttons", []))


async def test_each_output_method_keeps_every_choice_and_every_character():
    rng = random.Random(2024)
    for _ in range(200):
        body, buttons = random_text(rng, 5000), random_buttons(rng)
        for method in ("send_text_with_buttons", "send_quick_replies"):
            send_api = RecordingSendApi()
            await getattr(MessengerOutput(send_api), method)(PSID, body, buttons)
            sent = send_api.messages()
            for message in sent:
                assert_fits(message)
            assert tappable(sent) == expected_tappable(buttons)
            texts = "".join(visible(m) for m in sent)
            prompts = (payloads.CHOOSE_TEXT, payloads.MORE_CHOICES_TEXT)
            assert no_space(body) in no_space(texts) or not body.strip()
            assert no_space(texts).replace(no_space(body), "", 1).replace(
                no_space(prompts[0]), "").replace(no_space(prompts[1]), "") == ""

        send_api = RecordingSendApi()
        await MessengerOutput(send_api).send_text_message(PSID, body)
        for message in send_api.messages():
            assert_fits(message)
        assert no_space("".join(m["text"] for m in send_api.messages())) == no_space(body)

        elements = random_elements(rng)
        send_api = RecordingSendApi()
        await MessengerOutput(send_api).send_elements(PSID, elements)
        for message in send_api.messages():
            assert_fits(message)
        assert tappable(send_api.messages()) == [t for e in elements for t in expected_tappable(e["buttons"])]


async def test_payloads_sent_are_recorded_as_offered_to_that_customer_only():
    store = InMemoryOfferedPayloads()
    output = MessengerOutput(RecordingSendApi(), store)
    await output.send_quick_replies(PSID, "Shall I?", [{"title": "Yes", "payload": "/affirm"}])
    await output.send_text_with_buttons(PSID, "Which card?", [
        {"title": "Debit •••• 4821", "payload": '/inform{"card":"4821"}'},
        {"title": "Our fees", "url": "https://bank.example/fees"},
    ])
    await output.send_elements(PSID, [{"title": "Car loan", "buttons": [
        {"type": "postback", "title": "Get a quote", "payload": '/inform{"loan_type":"car"}'}]}])
    for payload in ("/affirm", '/inform{"card":"4821"}', '/inform{"loan_type":"car"}'):
        assert await store.was_offered(PSID, payload)
        assert not await store.was_offered("someone-else", payload)
    assert not await store.was_offered(PSID, "https://bank.example/fees")
    assert not await store.was_offered(PSID, "/deny")


async def test_a_custom_message_messenger_would_refuse_is_not_sent_and_is_logged(caplog):
    send_api = RecordingSendApi()
    output = MessengerOutput(send_api)
    await output.send_custom_json(PSID, {"text": "x" * 2001})
    await output.send_custom_json(PSID, {"text": "ok", "quick_replies": [
        {"content_type": "text", "title": "Fine", "payload": "/affirm"}]})
    assert send_api.messages() == [{"text": "ok", "quick_replies": [
        {"content_type": "text", "title": "Fine", "payload": "/affirm"}]}]
    assert "not sent" in caplog.text and PSID not in caplog.text  # the PSID only as a pseudonym
    assert output.messages_sent == 1


async def test_attachments_and_images():
    send_api = RecordingSendApi()
    output = MessengerOutput(send_api)
    await output.send_attachment(PSID, {"type": "file", "payload": {"url": "https://bank.example/statement.pdf"}})
    await output.send_attachment(PSID, "statement.pdf")
    await output.send_image_url(PSID, "https://bank.example/chart.png")
    assert send_api.messages() == [
        {"attachment": {"type": "file", "payload": {"url": "https://bank.example/statement.pdf"}}},
        {"text": "Attachment: statement.pdf"},
        payloads.image("https://bank.example/chart.png"),
    ]


async def test_blank_text_sends_nothing():
    send_api = RecordingSendApi()
    await MessengerOutput(send_api).send_text_message(PSID, "  \n ")
    assert send_api.calls == []


@pytest.fixture
async def graph_standin():
    standin = GraphStandin(page_access_token="page-token")
    runner = web.AppRunner(standin.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield standin, f"http://127.0.0.1:{port}/{VERSION}"
    await runner.cleanup()


async def test_the_graph_api_stand_in_accepts_every_message_sent(graph_standin):
    standin, url = graph_standin
    send_api = SendApi(url, "page-token", 5)
    recording = RecordingSendApi()
    try:
        for response in rasa_responses(99, 30):
            await MessengerOutput(send_api).send_response(PSID, dict(response))
            await MessengerOutput(recording).send_response(PSID, dict(response))
    finally:
        await send_api.close()
    accepted = [sent.body["message"] for sent in standin.messages_for(PSID)]
    assert accepted == recording.messages()  # the stand-in refused none of them
