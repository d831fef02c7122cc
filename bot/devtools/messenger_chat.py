"""Chat with the bot from a terminal, as a Messenger user would.

Each line you type is posted to the Rasa server's Messenger webhook exactly as
Meta posts it (signed with the app secret); the bot's replies are read back from
the Graph API stand-in (`python -m bot graph-standin`, started by `make run`).
Type the number of a quick reply or button to tap it; Ctrl-D or /quit leaves.
"""
from __future__ import annotations

import json
import time
import uuid
from typing import Any, Dict, List, Optional, Tuple

import requests

from bot.channels.messenger.webhook import SIGNATURE_HEADER, sign
from bot.devtools.graph_rules import visible_text
from bot.settings import Settings, get_settings

QUIET_SECONDS = 1.5
MAX_WAIT_SECONDS = 30


def messaging_event(
    psid: str, page_id: str, mid: str, text: str = "", payload: str = "", postback: bool = False,
    timestamp_ms: Optional[int] = None,
) -> Dict[str, Any]:
    """One messaging event from `psid`, as Meta sends it: typed text; with a `payload` a tapped
    quick reply, or with `postback` a tapped template button."""
    now = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    event: Dict[str, Any] = {"sender": {"id": psid}, "recipient": {"id": page_id}, "timestamp": now}
    if postback:
        event["postback"] = {"mid": mid, "title": text, "payload": payload}
    else:
        event["message"] = {"mid": mid, "text": text}
        if payload:
            event["message"]["quick_reply"] = {"payload": payload}
    return event


def webhook_body(
    psid: str, page_id: str, mid: str, text: str = "", payload: str = "", postback: bool = False
) -> Dict[str, Any]:
    """A page webhook batch with one event from `psid` (see `messaging_event`), as Meta sends it."""
    event = messaging_event(psid, page_id, mid, text, payload, postback)
    return {"object": "page", "entry": [{"id": page_id, "time": event["timestamp"], "messaging": [event]}]}


def post_signed(settings: Settings, body: Dict[str, Any]) -> requests.Response:
    raw = json.dumps(body).encode("utf-8")
    return requests.post(
        f"{settings.rasa_url}/webhooks/messenger/webhook",
        data=raw,
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(raw, settings.fb_app_secret)},
        timeout=10,
    )


def choices_of(body: Dict[str, Any]) -> List[Tuple[str, str, bool]]:
    """(title, payload, is_postback) of the quick replies and template buttons of a message."""
    message = body.get("message") or {}
    choices = [(q.get("title", ""), q.get("payload", ""), False) for q in message.get("quick_replies", [])]
    template = (message.get("attachment") or {}).get("payload") or {}
    buttons = list(template.get("buttons", []))
    for element in template.get("elements", []):
        buttons += element.get("buttons", [])
    choices += [(b.get("title", ""), b.get("payload", ""), True) for b in buttons if b.get("payload")]
    return choices


def chat(psid: str, standin_url: str) -> int:
    settings = get_settings()
    last_seq = _latest_seq(standin_url, psid)
    choices: List[Tuple[str, str, bool]] = []
    print(f"Chatting as Messenger user {psid} with {settings.rasa_url}. Ctrl-D to leave.")
    while True:
        try:
            line = input("you> ").strip()
        except EOFError:
            print()
            return 0
        if line in ("/quit", "/exit"):
            return 0
        if not line:
            continue
        text, payload, postback = line, "", False
        if line.isdigit() and 0 < int(line) <= len(choices):
            text, payload, postback = choices[int(line) - 1]
        mid = f"m_chat_{uuid.uuid4().hex}"  # unique across sessions: Meta never repeats one, and we drop repeats
        body = webhook_body(psid, "demo-page", mid, text, payload, postback)
        reply = post_signed(settings, body)
        if reply.status_code != 200:
            print(f"(webhook refused: HTTP {reply.status_code} {reply.text})")
            continue
        last_seq, choices = _print_replies(standin_url, psid, last_seq)


def _latest_seq(standin_url: str, psid: str) -> int:
    messages = _fetch(standin_url, psid, 0)
    return messages[-1]["seq"] if messages else 0


def _fetch(standin_url: str, psid: str, after: int) -> List[Dict[str, Any]]:
    response = requests.get(f"{standin_url}/_standin/messages", params={"recipient": psid, "after": after}, timeout=5)
    response.raise_for_status()
    return response.json()["messages"]


def _print_replies(standin_url: str, psid: str, after: int) -> Tuple[int, List[Tuple[str, str, bool]]]:
    choices: List[Tuple[str, str, bool]] = []
    started = last_news = time.monotonic()
    answered = False
    while time.monotonic() - started < MAX_WAIT_SECONDS:
        if answered and time.monotonic() - last_news > QUIET_SECONDS:
            break
        messages = _fetch(standin_url, psid, after)
        for sent in messages:
            after = sent["seq"]
            if "message" not in sent["body"]:
                continue
            filedata = sent["body"].get("filedata")
            if isinstance(filedata, dict):  # a file sent with its message (the spending chart): where to see it
                print(f"bot> [{filedata.get('content_type')}: {standin_url}/_standin/attachments/"
                      f"{filedata.get('attachment_id')}]")
            else:
                print(f"bot> {visible_text(sent['body'])}")
            choices = choices_of(sent["body"])
            for number, (title, _, _) in enumerate(choices, start=1):
                print(f"     [{number}] {title}")
            last_news, answered = time.monotonic(), True
        time.sleep(0.2)
    return after, choices
