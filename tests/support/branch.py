"""The whole branch on loopback: core bank, action server, Graph API stand-in, Rasa server.

Tests talk to it as Meta would (signed webhooks) and read what the customer
would see from the stand-in.
"""
from __future__ import annotations

import itertools
import json
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import requests

from bot.channels.meta_webhook import SIGNATURE_HEADER, sign
from bot.graph_standin import visible_text
from bot.messenger_chat import choices_of, webhook_body
from tests.support.processes import (
    PROJECT_ROOT, action_server, core_bank, free_port, graph_standin, rasa_command, running,
)

MODEL = PROJECT_ROOT / "models" / "branch.tar.gz"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
PAGE_TOKEN = "test-page-token"
PAGE_ID = "test-page"
RASA_API_TOKEN = "test-rasa-api-token"


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

    def wait_for_texts(self, psid: str, count: int, timeout: float = 30) -> List[str]:
        """Waits until `psid` got at least `count` messages (then a little longer, to catch extras)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            texts = self.texts_to(psid)
            if len(texts) >= count:
                time.sleep(0.5)
                return self.texts_to(psid)
            time.sleep(0.1)
        return self.texts_to(psid)

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
        """Says `text` (or taps) and returns the replies it brought (waits until they stop coming)."""
        before = len(self.texts_to(psid))
        self.say(psid, text, payload, postback)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.texts_to(psid)) == before:
            time.sleep(0.1)
        settled = self.texts_to(psid)
        while time.monotonic() < deadline:  # replies of one turn come in quick succession
            time.sleep(0.7)
            latest = self.texts_to(psid)
            if len(latest) == len(settled):
                break
            settled = latest
        return settled[before:]

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


@contextmanager
def running_branch(workdir: Path) -> Iterator[Branch]:
    ports = {name: free_port() for name in ("bank", "actions", "standin", "rasa")}
    env = {
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "FB_APP_SECRET": APP_SECRET,
        "FB_VERIFY_TOKEN": VERIFY_TOKEN,
        "FB_PAGE_ACCESS_TOKEN": PAGE_TOKEN,
        "FB_GRAPH_API_URL": f"http://127.0.0.1:{ports['standin']}/v21.0",
        "CORE_BANKING_URL": f"http://127.0.0.1:{ports['bank']}",
        "CORE_BANKING_DATABASE_URL": f"sqlite:///{workdir / 'core_bank.db'}",
        "CORE_BANKING_DEV_MODE": "true",
        # Several tests verify the same seeded customers; each must start from a fresh allowance.
        "OTP_CHALLENGES_PER_WINDOW": "1000",
        "RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
        "RASA_API_TOKEN": RASA_API_TOKEN,
        "BRANCH_DATABASE_URL": f"sqlite:///{workdir / 'branch.db'}",
        "ARCHIVE_DATABASE_URL": f"sqlite:///{workdir / 'archive.db'}",
    }
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{ports["actions"]}/webhook"\n'
        f"tracker_store:\n  type: bot.tracker_stores.RedactingSQLTrackerStore\n  dialect: sqlite\n  db: {workdir / 'tracker.db'}\n"
        "event_broker:\n  type: bot.archive.broker.ArchiveEventBroker\n"  # the archive, at ARCHIVE_DATABASE_URL
    )
    logs = workdir / "logs"
    logs.mkdir(exist_ok=True)
    with ExitStack() as stack:
        stack.enter_context(core_bank(ports["bank"], env, logs))
        stack.enter_context(graph_standin(ports["standin"], env, logs))
        stack.enter_context(action_server(ports["actions"], env, logs))
        stack.enter_context(running(
            rasa_command("run", "--model", str(MODEL), "--credentials", "credentials.yml",
                  "--endpoints", str(endpoints), "--port", str(ports["rasa"]),
                  "--enable-api", "--auth-token", RASA_API_TOKEN),
            f"http://127.0.0.1:{ports['rasa']}/webhooks/messenger/", env, logs / "rasa.log", timeout=240,
        ))
        yield Branch(
            rasa_url=env["RASA_URL"], core_bank_url=env["CORE_BANKING_URL"],
            standin_url=f"http://127.0.0.1:{ports['standin']}", logs=logs,
            branch_database_url=env["BRANCH_DATABASE_URL"], archive_database_url=env["ARCHIVE_DATABASE_URL"],
        )
