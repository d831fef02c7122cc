"""The sandbox's message endpoint against the real connector: what it signs is accepted, what it refuses is not sent."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import requests

from tests.support.processes import free_port, python_module, running
from tests.support.stack import Stack as SandboxBranch

PSID = "<a fresh psid>"


def new_psid() -> str:
    return f"sandbox-{uuid.uuid4().hex[:12]}"


def post(sandbox: SandboxBranch, body: object, **kwargs) -> requests.Response:
    return requests.post(f"{sandbox.sandbox_url}/api/messages", json=body, timeout=15, **kwargs)


def wait_for_texts(sandbox: SandboxBranch, psid: str, mid: str) -> list:
    sandbox.branch.wait_until_handled(psid, mid)
    return sandbox.branch.texts_to(psid)


def test_typed_text_is_signed_accepted_by_the_connector_and_answered(sandbox: SandboxBranch):
    psid = new_psid()
    response = post(sandbox, {"psid": psid, "text": "what's my balance?"})
    assert response.status_code == 202, response.text
    assert response.json()["mid"].startswith("m_sandbox_")
    assert any("customer number" in text for text in wait_for_texts(sandbox, psid, response.json()["mid"]))


def test_a_tapped_quick_reply_reaches_the_bot_as_its_payload(sandbox: SandboxBranch):
    psid = new_psid()
    response = post(sandbox, {"psid": psid, "payload": "/check_balance", "title": "My balance"})
    assert response.status_code == 202, response.text
    assert any("customer number" in text for text in wait_for_texts(sandbox, psid, response.json()["mid"]))


@pytest.mark.parametrize(
    "body",
    [
        {"text": "hello"},
        {"psid": "has spaces", "text": "hello"},
        {"psid": PSID, "text": "   "},
        {"psid": PSID, "text": "a" * 2001},
        {"psid": PSID, "payload": "/greet"},  # a tap without its title
        {"psid": PSID, "text": "hello", "payload": "/greet", "title": "Hi"},
        {"psid": PSID, "text": "hello", "postback": True},
        {"psid": PSID, "payload": "/greet", "title": "Hi", "postback": "yes"},
        ["not", "an", "object"],
    ],
)
def test_what_a_messenger_user_could_not_send_is_refused_and_not_posted(sandbox: SandboxBranch, body):
    psid = new_psid()
    if isinstance(body, dict) and body.get("psid") == PSID:
        body = {**body, "psid": psid}
    response = post(sandbox, body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert sandbox.branch.nothing_reached_the_bot(psid)


def test_only_json_from_the_sandbox_page_itself_is_accepted(sandbox: SandboxBranch):
    psid = new_psid()
    as_form = requests.post(f"{sandbox.sandbox_url}/api/messages", data={"psid": psid, "text": "hi"}, timeout=5)
    assert as_form.status_code == 415
    cross_site = post(sandbox, {"psid": psid, "text": "hi"}, headers={"Origin": "https://evil.example"})
    assert cross_site.status_code == 403
    assert sandbox.branch.nothing_reached_the_bot(psid)


def test_a_sandbox_with_the_wrong_app_secret_is_refused_by_the_connector(sandbox: SandboxBranch, tmp_path: Path):
    port = free_port()
    env = {"FB_APP_SECRET": "not-the-app-secret", "RASA_URL": sandbox.branch.rasa_url,
           "CORE_BANKING_URL": sandbox.branch.core_bank_url}
    psid = new_psid()
    with running(python_module("bot", "sandbox", "--port", str(port)), f"http://127.0.0.1:{port}/health",
                 env, tmp_path / "web.log"):
        response = requests.post(f"http://127.0.0.1:{port}/sandbox/api/messages",
                                 json={"psid": psid, "text": "what's my balance?"}, timeout=15)
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "connector_refused" and "403" in error["message"]
    assert sandbox.branch.nothing_reached_the_bot(psid)


def test_the_sms_outbox_shows_the_code_the_bank_sent(sandbox: SandboxBranch):
    psid = new_psid()
    sandbox.branch.exchange(psid, "what's my balance?")
    sandbox.branch.exchange(psid, "+33 6 11 22 33 44")  # Tom, by phone number
    response = requests.get(f"{sandbox.sandbox_url}/api/sms-outbox", timeout=5)
    assert response.status_code == 200
    newest = response.json()["messages"][0]
    assert newest["to"] == "+33611223344"
    assert newest["code"] == sandbox.branch.latest_code("+33611223344")
