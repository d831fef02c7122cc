"""What the sandbox page sends on the customer's behalf, checked, and the webhook event Meta would send for it.

Typed text:      {"psid": "...", "text": "what's my balance?"}
A quick reply:   {"psid": "...", "payload": "/check_balance", "title": "My balance"}
A button:        {"psid": "...", "payload": "...", "title": "Get a quote", "postback": true}
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict

from bot.channels.limits import MAX_TEXT
from bot.devtools.messenger_chat import webhook_body

MAX_PAYLOAD = 1000  # Meta's limit on quick reply and postback payloads
MAX_TITLE = 80
_PSID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class InvalidCustomerInput(ValueError):
    """The page sent something a Messenger user could not have sent."""


@dataclass(frozen=True)
class CustomerInput:
    psid: str
    text: str  # typed text, or the title of what was tapped
    payload: str = ""
    postback: bool = False

    def webhook_body(self, page_id: str, mid: str) -> Dict[str, Any]:
        """The page webhook batch Meta would post for this message or tap."""
        return webhook_body(self.psid, page_id, mid, self.text, self.payload, self.postback)


def parse_customer_input(data: Any) -> CustomerInput:
    if not isinstance(data, dict):
        raise InvalidCustomerInput("the body must be a JSON object")
    psid = data.get("psid")
    if not isinstance(psid, str) or not _PSID.match(psid):
        raise InvalidCustomerInput("psid must be 1 to 64 letters, digits, '-' or '_'")
    postback = data.get("postback", False)
    if not isinstance(postback, bool):
        raise InvalidCustomerInput("postback must be true or false")
    if "payload" in data:
        payload, title = data.get("payload"), data.get("title")
        if not isinstance(payload, str) or not 0 < len(payload) <= MAX_PAYLOAD:
            raise InvalidCustomerInput(f"payload must be a string of 1 to {MAX_PAYLOAD} characters")
        if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
            raise InvalidCustomerInput(f"title must be the tapped title, 1 to {MAX_TITLE} characters")
        if "text" in data:
            raise InvalidCustomerInput("send either text or a payload with its title, not both")
        return CustomerInput(psid=psid, text=title, payload=payload, postback=postback)
    if postback:
        raise InvalidCustomerInput("a postback needs the payload of the button tapped")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        raise InvalidCustomerInput(f"text must be a non-blank string of at most {MAX_TEXT} characters")
    return CustomerInput(psid=psid, text=text)
