"""How the sandbox page draws what the page sent, with the web service alone: replies are put in its Graph API stand-in."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import requests
from playwright.sync_api import Page, Route, expect

from bot.settings import GRAPH_API_VERSION
from tests.support.processes import free_port, python_module, running

PAGE_TOKEN = "rendering-page-token"


@pytest.fixture(scope="module")
def web_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The web service, and the core bank whose SMS outbox the page's side panel reads; no Rasa."""
    workdir = Path(tmp_path_factory.mktemp("web"))
    port, bank_port = free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"FB_PAGE_ACCESS_TOKEN": PAGE_TOKEN, "RASA_URL": f"http://127.0.0.1:{free_port()}",
           "CORE_BANKING_URL": f"http://127.0.0.1:{bank_port}",
           "CORE_BANKING_DATABASE_URL": f"sqlite:///{workdir / 'core_bank.db'}", "CORE_BANKING_DEV_MODE": "true"}
    with running(python_module("bot", "core-bank", "--port", str(bank_port)), f"{env['CORE_BANKING_URL']}/health",
                 env, workdir / "core_bank.log"):
        with running(python_module("bot", "sandbox", "--port", str(port)), f"{url}/health", env, workdir / "web.log"):
            yield url


def send(web_url: str, psid: str, **body: Any) -> None:
    """What the Rasa server would send through the Send API."""
    response = requests.post(
        f"{web_url}/sandbox/graph/{GRAPH_API_VERSION}/me/messages", params={"access_token": PAGE_TOKEN},
        json={"recipient": {"id": psid}, **body}, timeout=5,
    )
    assert response.status_code == 200, response.text


def message(web_url: str, psid: str, content: Dict[str, Any]) -> None:
    send(web_url, psid, messaging_type="RESPONSE", message=content)


def template(payload: Dict[str, Any]) -> Dict[str, Any]:
    return {"attachment": {"type": "template", "payload": payload}}


@pytest.fixture
def opened(page: Page, web_url: str) -> Iterator[tuple]:
    """The sandbox page; what it posts for the customer is captured instead of going to a connector."""
    posted: List[Dict[str, Any]] = []

    def capture(route: Route) -> None:
        posted.append(json.loads(route.request.post_data or "{}"))
        route.fulfill(status=202, content_type="application/json", body='{"mid": "m_captured"}')

    page.route("**/sandbox/api/messages", capture)
    page.goto(f"{web_url}/sandbox")
    psid = page.locator("#psid").text_content()
    assert psid
    yield page, psid, posted


def test_bot_text_is_shown_as_text(web_url: str, opened):
    page, psid, _ = opened
    message(web_url, psid, {"text": "<img src=x onerror=alert(1)> & <b>line</b>\nsecond line"})
    bubble = page.locator("#thread .from-page .bubble").last
    expect(bubble).to_have_text("<img src=x onerror=alert(1)> & <b>line</b>\nsecond line")
    expect(page.locator("#thread img, #thread b")).to_have_count(0)


def test_quick_replies_belong_to_the_newest_message_and_go_once_tapped(web_url: str, opened):
    page, psid, posted = opened
    message(web_url, psid, {"text": "Pick one", "quick_replies": [
        {"content_type": "text", "title": "Yes", "payload": "/affirm"},
        {"content_type": "text", "title": "No", "payload": "/deny"},
    ]})
    chips = page.locator("#quick-replies .quick-reply")
    expect(chips).to_have_text(["Yes", "No"])
    message(web_url, psid, {"text": "Or type anything", "quick_replies": [
        {"content_type": "text", "title": "Maybe", "payload": "/maybe"},
    ]})
    expect(chips).to_have_text(["Maybe"])
    chips.first.click()
    expect(chips).to_have_count(0)
    expect(page.locator("#thread .from-customer .bubble").last).to_have_text("Maybe")
    assert posted == [{"psid": psid, "payload": "/maybe", "title": "Maybe", "postback": False}]


def test_button_template_postbacks_and_links(web_url: str, opened):
    page, psid, posted = opened
    message(web_url, psid, template({"template_type": "button", "text": "Send €20.00 to Tom?", "buttons": [
        {"type": "postback", "title": "Yes, send it", "payload": "/affirm"},
        {"type": "web_url", "title": "Our fees", "url": "https://bank.example/fees"},
        {"type": "web_url", "title": "Sneaky", "url": "javascript:alert(1)"},
    ]}))
    box = page.locator("#thread .button-template").last
    expect(box.locator(".bubble")).to_have_text("Send €20.00 to Tom?")
    fees = box.get_by_role("link", name="Our fees")
    expect(fees).to_have_attribute("href", "https://bank.example/fees")
    expect(fees).to_have_attribute("target", "_blank")
    expect(fees).to_have_attribute("rel", "noopener noreferrer")
    expect(box.locator(".template-button", has_text="Sneaky")).not_to_have_attribute("href", "javascript:alert(1)")
    box.get_by_role("button", name="Yes, send it").click()
    expect(page.locator("#thread .from-customer .bubble").last).to_have_text("Yes, send it")
    assert posted == [{"psid": psid, "payload": "/affirm", "title": "Yes, send it", "postback": True}]


def test_carousel_cards_with_images_and_buttons(web_url: str, opened):
    page, psid, posted = opened
    payload = '/inform{"loan_type":"car"}'
    message(web_url, psid, template({"template_type": "generic", "elements": [
        {"title": "Personal loan: 6.90% APR", "subtitle": "€1,000.00 to €50,000.00",
         "image_url": "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
         "buttons": [{"type": "postback", "title": "Get a quote", "payload": '/inform{"loan_type":"personal"}'}]},
        {"title": "Car loan: 4.90% APR", "subtitle": "€3,000.00 to €75,000.00",
         "buttons": [{"type": "postback", "title": "Get a quote", "payload": payload}]},
    ]}))
    cards = page.locator("#thread .carousel .card")
    expect(cards).to_have_count(2)
    expect(cards.locator(".card-title")).to_have_text(["Personal loan: 6.90% APR", "Car loan: 4.90% APR"])
    expect(cards.first.locator("img")).to_have_count(0)  # only http(s) images are drawn
    cards.nth(1).get_by_role("button", name="Get a quote").click()
    assert posted == [{"psid": psid, "payload": payload, "title": "Get a quote", "postback": True}]


def test_typing_indicator_until_the_message_comes(web_url: str, opened):
    page, psid, _ = opened
    typing = page.locator("#typing")
    expect(typing).to_be_hidden()
    send(web_url, psid, sender_action="typing_on")
    expect(typing).to_be_visible()
    message(web_url, psid, {"text": "Here I am"})
    expect(typing).to_be_hidden()
    send(web_url, psid, sender_action="typing_on")
    expect(typing).to_be_visible()
    send(web_url, psid, sender_action="typing_off")
    expect(typing).to_be_hidden()


@pytest.mark.failed_requests_expected
def test_a_message_the_connector_refused_is_marked_not_delivered(web_url: str, page: Page):
    page.goto(f"{web_url}/sandbox")  # nothing listens at RASA_URL: the sandbox answers 502
    page.locator("#message").fill("hello")
    page.locator("#message").press("Enter")
    failed = page.locator("#thread .from-customer.failed")
    expect(failed).to_have_count(1)
    expect(failed.locator(".delivery-error")).to_contain_text("Not delivered: the Rasa server's Messenger webhook")
