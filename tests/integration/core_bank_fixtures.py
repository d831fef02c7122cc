"""Starting a real core bank on a free port, and a small client to drive it in tests.

    with running_core_bank(tmp_path, OTP_TTL_SECONDS="2") as bank:
        token = bank.sign_in()                      # OTP by customer number, code read from /dev/sms-outbox
        bank.get("/v1/accounts", token=token)
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

import requests

from bot.core_bank.seed import DEMO_CUSTOMER_NUMBER, DEMO_PHONE
from tests.support.processes import free_port, python_module, running

CODE_IN_SMS = re.compile(r"\b([0-9]{6})\b")

# Every setting the core bank reads, pinned so that a developer's .env cannot change the tests.
BASE_ENV = {
    "CORE_BANKING_SECRET": "test-core-banking-secret",
    "CORE_BANKING_DEV_MODE": "true",
    "OTP_TTL_SECONDS": "300",
    "OTP_MAX_FAILURES": "5",
    "OTP_LOCK_SECONDS": "1800",
    "OTP_CHALLENGES_PER_WINDOW": "5",
    "OTP_CHALLENGE_WINDOW_SECONDS": "900",
    "ACCESS_TOKEN_TTL_SECONDS": "900",
    "TRANSFER_LIMIT_PER_TRANSFER": "250.00",
    "TRANSFER_LIMIT_DAILY": "500.00",
}


class CoreBankTestClient:
    """Plain HTTP calls to a running core bank, plus sign-in through the SMS outbox."""

    def __init__(self, base_url: str, log_path: Path, database_path: Path) -> None:
        self.base_url = base_url
        self.log_path = log_path
        self.database_path = database_path

    def request(self, method: str, path: str, token: Optional[str] = None, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, self.base_url + path, headers=headers, timeout=10, **kwargs)

    def get(self, path: str, token: Optional[str] = None, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, token=token, **kwargs)

    def post(self, path: str, token: Optional[str] = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, token=token, **kwargs)

    def start_challenge(self, **identifier: str) -> requests.Response:
        return self.post("/v1/otp/challenges", json=identifier or {"customer_number": DEMO_CUSTOMER_NUMBER})

    def verify(self, challenge_id: str, code: Any, **extra: Any) -> requests.Response:
        return self.post(f"/v1/otp/challenges/{challenge_id}/verify", json={"code": code, **extra})

    def post_idempotent(self, path: str, token: Optional[str], key: str, **kwargs: Any) -> requests.Response:
        """A POST with an Idempotency-Key header."""
        headers = {**(kwargs.pop("headers", {}) or {}), "Idempotency-Key": key}
        return self.post(path, token=token, headers=headers, **kwargs)

    def last_sms(self, phone: str = DEMO_PHONE) -> str:
        response = self.get("/dev/sms-outbox", params={"to": phone})
        response.raise_for_status()
        messages = response.json()["messages"]
        assert messages, f"no SMS sent to {phone}"
        return messages[0]["text"]

    def last_code(self, phone: str = DEMO_PHONE) -> str:
        match = CODE_IN_SMS.search(self.last_sms(phone))
        assert match, "no code in the SMS"
        return match.group(1)

    def sign_in(self, customer_number: str = DEMO_CUSTOMER_NUMBER, phone: str = DEMO_PHONE) -> str:
        """An access token for the customer (one challenge, right code)."""
        started = self.start_challenge(customer_number=customer_number)
        assert started.status_code == 201, started.text
        verified = self.verify(started.json()["challenge_id"], self.last_code(phone))
        assert verified.status_code == 200, verified.text
        return verified.json()["access_token"]


@contextmanager
def running_core_bank(tmp_path: Path, **env: str) -> Iterator[CoreBankTestClient]:
    """A fresh core bank process (own SQLite file under tmp_path); `env` overrides BASE_ENV."""
    port = free_port()
    database_path = tmp_path / "core_bank" / "core_bank.db"
    log_path = tmp_path / "core_bank.log"
    full_env = {**BASE_ENV, "CORE_BANKING_DATABASE_URL": f"sqlite:///{database_path}", **env}
    base_url = f"http://127.0.0.1:{port}"
    with running(
        python_module("bot", "core-bank", "--port", str(port)),
        ready_url=f"{base_url}/health",
        env=full_env,
        log_path=log_path,
    ):
        yield CoreBankTestClient(base_url, log_path, database_path)
