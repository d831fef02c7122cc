"""Driving a running branch as Meta would: signed webhooks in, what the customer sees read from the Graph API stand-in.

Waits are on events, never on time: a turn is over once its message is in the conversation's
tracker (Rasa stores it after the replies went out).
"""
from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import requests

from bot.channels.messenger.webhook import SIGNATURE_HEADER, sign
from bot.devtools.graph_rules import visible_text
from bot.devtools.messenger_chat import choices_of, webhook_body
from tests.support.environment import APP_SECRET, PAGE_ID, RASA_API_TOKEN
from tests.support.processes import PROJECT_ROOT

MODEL = PROJECT_ROOT / "models" / "branch.tar.gz"


@dataclass
class Branch:
    rasa_url: str
    core_bank_url: str
    standin_url: str
    logs: Path
    branch_database_url: str = ""
    archive_database_url: str = ""
    rasa_api_token: str = RASA_API_TOKEN
    _mids: Iterator[int] = itertools.count(1)

    @property
    def webhook_url(self) -> str:
        return f"{self.rasa_url}/webhooks/messenger/webhook"

    def post_webhook(self, body: Dict[str, Any], secret: Optional[str] = APP_SECRET) -> requests.Response:
        raw = json.dumps(body).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SIGNATURE_HEADER] = sign(raw, secret)
        return requests.post(self.webhook_url, data=raw, headers=headers, timeout=10)

    def say(self, psid: str, text: str, payload: str = "", postback: bool = False) -> str:
        """Posts one signed message (or tap, with a payload) from `psid`; returns its mid."""
        mid = f"m_test_{next(self._mids)}_{time.time_ns()}"
        response = self.post_webhook(webhook_body(psid, PAGE_ID, mid, text, payload, postback))
        assert response.status_code == 200, response.text
        return mid

    def sent_to(self, psid: str) -> List[Dict[str, Any]]:
        """Every Send API message body the branch sent to `psid`, in order (sender actions left out)."""
        response = requests.get(f"{self.standin_url}/_standin/messages", params={"recipient": psid}, timeout=5)
        response.raise_for_status()
        return [m["body"] for m in response.json()["messages"] if "message" in m["body"]]

    def wait_until_handled(self, psid: str, mid: str, timeout: float = 30) -> None:
        """Waits until message `mid` is in the conversation's tracker. Rasa stores the tracker at the end of
        the turn, after the replies went out: from then on, a reply to it that did not come will not come."""
        url = f"{self.rasa_url}/conversations/{psid}/tracker"
        deadline = time.monotonic() + timeout
        while True:
            response = requests.get(url, params={"token": self.rasa_api_token}, timeout=5)
            response.raise_for_status()
            if any(e.get("event") == "user" and e.get("message_id") == mid for e in response.json()["events"]):
                return
            assert time.monotonic() < deadline, f"{mid} of {psid} was not handled within {timeout} s"
            time.sleep(0.1)

    def texts_to(self, psid: str) -> List[str]:
        return [visible_text(body) for body in self.sent_to(psid)]

    def tracker_events(self, psid: str) -> List[Dict[str, Any]]:
        response = requests.get(f"{self.rasa_url}/conversations/{psid}/tracker",
                                params={"token": self.rasa_api_token}, timeout=5)
        response.raise_for_status()
        return response.json()["events"]

    def slots(self, conversation_id: str) -> Dict[str, Any]:
        """The slots of the conversation's latest session, as its events set them."""
        values: Dict[str, Any] = {}
        for event in self.tracker_events(conversation_id):
            if event["event"] == "session_started":
                values = {}
            elif event["event"] == "slot":
                values[event["name"]] = event["value"]
        return values

    def handled_messages(self, psid: str) -> List[str]:
        """The mids of every message of `psid` that reached the dialogue, in order."""
        return [e.get("message_id") for e in self.tracker_events(psid) if e.get("event") == "user"]

    def nothing_reached_the_bot(self, psid: str) -> bool:
        """True when no earlier message of `psid` reached the dialogue and nothing was sent to them.

        Messages of one customer are handled in order: a probe is sent and waited for, so whatever
        came before it (a forged or refused webhook that had slipped through) would be in the tracker,
        and its replies sent, by then. The probe's own replies are not counted.
        """
        before = self.sent_to(psid)
        probe = self.say(psid, "hello")
        self.wait_until_handled(psid, probe)
        return before == [] and self.handled_messages(psid) == [probe]

    def tap(self, psid: str, title: str, timeout: float = 30) -> List[str]:
        """Taps the quick reply or button titled `title` in the latest message that offered it."""
        for body in reversed(self.sent_to(psid)):
            for choice_title, payload, postback in choices_of(body):
                if choice_title == title:
                    return self.exchange(psid, title, payload=payload, postback=postback, timeout=timeout)
        raise AssertionError(f"nothing titled {title!r} was offered to {psid}")

    def exchange(
        self, psid: str, text: str, payload: str = "", postback: bool = False, timeout: float = 30
    ) -> List[str]:
        """Says `text` (or taps) and returns the replies of that turn."""
        before = len(self.texts_to(psid))
        mid = self.say(psid, text, payload, postback)
        self.wait_until_handled(psid, mid, timeout)
        return self.texts_to(psid)[before:]

    def customer_token(self, phone: str, customer_number: str) -> str:
        """Signs in to the core bank as the customer (as their own app would), to check what the bot did."""
        started = requests.post(f"{self.core_bank_url}/v1/otp/challenges",
                                json={"customer_number": customer_number}, timeout=5)
        started.raise_for_status()
        verified = requests.post(
            f"{self.core_bank_url}/v1/otp/challenges/{started.json()['challenge_id']}/verify",
            json={"code": self.latest_code(phone)}, timeout=5,
        )
        verified.raise_for_status()
        return verified.json()["access_token"]

    def latest_code(self, phone: str) -> str:
        response = requests.get(f"{self.core_bank_url}/dev/sms-outbox", params={"to": phone}, timeout=5)
        response.raise_for_status()
        text = response.json()["messages"][0]["text"]
        return next(word.strip(".,") for word in text.split() if word.strip(".,").isdigit() and len(word.strip(".,")) == 6)
