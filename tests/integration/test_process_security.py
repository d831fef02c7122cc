"""The running branch as someone on its host sees it: the action server answers only the Rasa server, Rasa's HTTP
API serves only what the staff console uses (even to the token's bearer), oversized or compressed webhooks are
refused before they are read; conversations go on as before."""
from __future__ import annotations

import gzip
import json
import uuid
from typing import Any, Dict

import requests

from actions.text import locale as customer_locale
from bot.channels.messenger.webhook import SIGNATURE_HEADER, sign
from bot.core_bank.seed import DEMO_BALANCES, DEMO_CUSTOMER_NUMBER, DEMO_PHONE
from tests.support.branch import Branch
from tests.support.environment import ACTION_SERVER_TOKEN, APP_SECRET
from tests.support.raw_http import raw_request
from tests.support.stack import Stack

BALANCE = customer_locale.money(DEMO_BALANCES["current"], "EUR")


def new_psid() -> str:
    return f"psid-{uuid.uuid4().hex[:12]}"


def verified_conversation(branch: Branch) -> str:
    """A Messenger customer who proved who they are (the action server holds their core-bank token)."""
    psid = new_psid()
    branch.exchange(psid, "what's my balance?")
    branch.exchange(psid, DEMO_CUSTOMER_NUMBER)
    replies = branch.exchange(psid, branch.latest_code(DEMO_PHONE))
    assert BALANCE in "\n".join(replies)
    return psid


def balance_call(branch: Branch, psid: str) -> Dict[str, Any]:
    """What the Rasa server posts to run `action_show_balance` in `psid`'s conversation, as it stands."""
    tracker = requests.get(f"{branch.rasa_url}/conversations/{psid}/tracker",
                           params={"token": branch.rasa_api_token}, timeout=5).json()
    return {"next_action": "action_show_balance", "sender_id": psid, "tracker": tracker, "domain": {},
            "version": "3.6.21"}


def test_the_action_server_runs_nothing_for_a_caller_without_its_token(stack: Stack):
    branch = stack.branch
    psid = verified_conversation(branch)
    call = balance_call(branch, psid)
    webhook = f"{stack.action_server_url}/webhook"
    for headers in ({}, {"Authorization": "Bearer not-the-token"}, {"Authorization": ACTION_SERVER_TOKEN}):
        refused = requests.post(webhook, json=call, headers=headers, timeout=10)
        assert refused.status_code == 401, refused.text
        assert BALANCE not in refused.text and "responses" not in refused.json()
    # The Rasa server shows the token (endpoints file): the same call from it reads the balance.
    answered = requests.post(webhook, json=call, headers={"Authorization": f"Bearer {ACTION_SERVER_TOKEN}"},
                             timeout=10)
    assert answered.status_code == 200
    [balances] = [m for m in answered.json()["responses"] if m.get("response") == "utter_balances"]
    assert BALANCE in balances["balances"]  # the values Rasa fills the response with
    assert requests.get(f"{stack.action_server_url}/health", timeout=5).status_code == 200


def test_conversations_still_run_their_actions(branch: Branch):
    psid = verified_conversation(branch)  # custom actions: the identity form, the code, the balance
    assert BALANCE in "\n".join(branch.exchange(psid, "how much money do I have"))


def test_rasas_api_serves_the_consoles_calls_and_nothing_else_even_with_the_token(branch: Branch):
    psid = new_psid()
    branch.exchange(psid, "hello")
    token = {"token": branch.rasa_api_token}
    conversation = f"{branch.rasa_url}/conversations/{psid}"
    refused = {
        "PUT /model": requests.put(f"{branch.rasa_url}/model", params=token, json={"model_file": "/tmp/x.tar.gz"},
                                   timeout=10),
        "POST /model/parse": requests.post(f"{branch.rasa_url}/model/parse", params=token, json={"text": "hi"},
                                           timeout=10),
        "trigger_intent": requests.post(f"{conversation}/trigger_intent", params=token,
                                        json={"name": "check_balance"}, timeout=10),
        "execute": requests.post(f"{conversation}/execute", params=token, json={"name": "action_show_balance"},
                                 timeout=10),
        "messages": requests.post(f"{conversation}/messages", params=token,
                                  json={"text": "hi", "sender": "user"}, timeout=10),
    }
    assert {name: answer.status_code for name, answer in refused.items()} == {name: 403 for name in refused}
    # The console's calls (bot/handoff/rasa_control.py): read the conversation, append events to it.
    assert requests.post(f"{conversation}/tracker/events", params=token, json=[{"event": "pause"}, {"event": "resume"}],
                         timeout=10).status_code == 200
    # Nothing else may be appended, the token notwithstanding: no slot (identity is the actions'), no user message.
    for forged in ([{"event": "slot", "name": "identity", "value": "verified"}],
                   [{"event": "user", "text": "/check_balance"}], [{"event": "action", "name": "action_show_balance"}]):
        assert requests.post(f"{conversation}/tracker/events", params=token, json=forged,
                             timeout=10).status_code == 403, forged
    events = requests.get(f"{conversation}/tracker", params=token, timeout=10).json()["events"]
    assert [e["event"] for e in events][-2:] == ["pause", "resume"]
    assert not any(e["event"] == "slot" and e.get("name") == "identity" for e in events)
    assert not any(e.get("name") == "check_balance" for e in events if e["event"] == "user")  # nothing triggered


def test_a_5_mb_webhook_is_refused_before_it_is_read(branch: Branch):
    status = raw_request(branch.rasa_url, "POST", "/webhooks/messenger/webhook", {
        "Content-Type": "application/json", SIGNATURE_HEADER: "sha256=00", "Content-Length": str(5 * 1024 * 1024)})
    assert status == 413


def test_a_compressed_webhook_is_refused(branch: Branch):
    body = gzip.compress(json.dumps({"object": "page", "entry": []}).encode())
    answer = requests.post(branch.webhook_url, data=body, timeout=5, headers={
        "Content-Type": "application/json", "Content-Encoding": "gzip", SIGNATURE_HEADER: sign(body, APP_SECRET)})
    assert answer.status_code == 415
