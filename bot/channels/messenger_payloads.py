"""Rasa responses as Messenger message payloads.

Messenger's limits: a button template holds at most 3 buttons, a message at
most 13 quick replies with titles of at most 20 characters, a generic template
at most 10 elements.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List

MAX_TEMPLATE_BUTTONS = 3
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20
MAX_GENERIC_ELEMENTS = 10

Payload = Dict[str, Any]


def text(body: str) -> Payload:
    return {"text": body}


def quick_replies(body: str, replies: Iterable[Dict[str, Any]]) -> Payload:
    items = [
        {
            "content_type": "text",
            "title": _title(reply),
            "payload": str(reply.get("payload") or _title(reply)),
        }
        for reply in replies
    ][:MAX_QUICK_REPLIES]
    return {"text": body, "quick_replies": items}


def buttons(body: str, rasa_buttons: List[Dict[str, Any]]) -> List[Payload]:
    """A button template; more buttons than a template holds become quick replies."""
    if len(rasa_buttons) > MAX_TEMPLATE_BUTTONS and not any("url" in b for b in rasa_buttons):
        return [quick_replies(body, rasa_buttons)]
    messages: List[Payload] = []
    for start in range(0, len(rasa_buttons), MAX_TEMPLATE_BUTTONS):
        chunk = rasa_buttons[start:start + MAX_TEMPLATE_BUTTONS]
        messages.append(
            {
                "attachment": {
                    "type": "template",
                    "payload": {
                        "template_type": "button",
                        "text": body if start == 0 else "…",
                        "buttons": [_button(b) for b in chunk],
                    },
                }
            }
        )
    return messages


def generic_template(elements: List[Dict[str, Any]]) -> Payload:
    return {
        "attachment": {
            "type": "template",
            "payload": {"template_type": "generic", "elements": elements[:MAX_GENERIC_ELEMENTS]},
        }
    }


def image(url: str) -> Payload:
    return {"attachment": {"type": "image", "payload": {"url": url, "is_reusable": True}}}


def _button(rasa_button: Dict[str, Any]) -> Dict[str, Any]:
    if rasa_button.get("url"):
        return {"type": "web_url", "url": rasa_button["url"], "title": rasa_button.get("title", "Open")}
    return {"type": "postback", "title": rasa_button.get("title", ""), "payload": str(rasa_button.get("payload", ""))}


def _title(reply: Dict[str, Any]) -> str:
    return str(reply.get("title") or reply.get("payload") or "")[:MAX_QUICK_REPLY_TITLE]
