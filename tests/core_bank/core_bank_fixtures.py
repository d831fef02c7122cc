"""A core bank for tests, in this process: the real Sanic app served on a free loopback port by a
thread, with its own SQLite file and a clock that moves only when the test moves it; and a small
client to drive it.

    with running_core_bank(tmp_path, OTP_TTL_SECONDS="1") as bank:
        token = bank.sign_in()                      # OTP by customer number, code read from /dev/sms-outbox
        bank.clock.advance(seconds=2)               # time passes when the test says so, never by sleeping
        bank.get("/v1/accounts", token=token)

Rules:
- settings come from BASE_ENV and the test's overrides only (never the developer's .env or environment);
- the database is seeded at the clock's start, a fixed moment (once per run; each bank gets a copy):
  nothing depends on today's date;
- every response the client receives is checked against the bank's own /openapi.json (ContractCheck);
- what the bank logs while it runs is kept for the test to read (`log_text()`).
The real process (`python -m bot core-bank`) has its own smoke test: test_core_bank_process.py.
"""
from __future__ import annotations

import atexit
import logging
import re
import shutil
import tempfile
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Optional

import requests
from sanic import Sanic

from bot.core_bank.app import create_app
from bot.core_bank.models import create_database_engine
from bot.core_bank.seed import DEMO_CUSTOMER_NUMBER, DEMO_PHONE
from bot.core_bank.server import prepare_database
from bot.settings import Settings
from tests.core_bank.core_bank_contract import ContractCheck
from tests.support.sanic_serving import serving

CODE_IN_SMS = re.compile(r"\b([0-9]{6})\b")
START = datetime(2026, 6, 11, 9, 30, tzinfo=timezone.utc)  # a Thursday morning
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # as `python -m bot` logs

SERVICE_TOKEN = "test-core-banking-service-token"
SERVICE_HEADERS = {"X-Service-Token": SERVICE_TOKEN}  # what the action server sends with its sign-in calls

# Every setting the core bank reads, pinned so that a developer's .env cannot change the tests.
BASE_ENV = {
    "CORE_BANKING_SECRET": "test-core-banking-secret",
    "CORE_BANKING_SERVICE_TOKEN": SERVICE_TOKEN,
    "CORE_BANKING_DEV_MODE": "true",
    "OTP_TTL_SECONDS": "300",
    "OTP_MAX_FAILURES": "5",
    "OTP_LOCK_SECONDS": "1800",
    "OTP_CHALLENGES_PER_WINDOW": "5",
    "OTP_CHALLENGE_WINDOW_SECONDS": "900",
    "OTP_CUSTOMER_MAX_FAILURES": "100",
    "OTP_CUSTOMER_CHALLENGES_PER_WINDOW": "20",
    "ACCESS_TOKEN_TTL_SECONDS": "900",
    "TRANSFER_LIMIT_PER_TRANSFER": "250.00",
    "TRANSFER_LIMIT_DAILY": "500.00",
}


class TestClock:
    """The bank's clock: starts at START, moves only with advance() or move_to()."""

    __test__ = False  # not a test class

    def __init__(self, start: datetime = START) -> None:
        self._now = start

    def __call__(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now

    def move_to(self, moment: datetime) -> None:
        if moment < self._now:
            raise ValueError("the clock does not go back")
        self._now = moment


class CoreBankTestClient:
    """Plain HTTP calls to a running core bank, plus sign-in through the SMS outbox."""

    def __init__(self, base_url: str, clock: TestClock, app: Sanic, database_path: Path, log: list[str]) -> None:
        self.base_url = base_url
        self.clock = clock
        self.app = app
        self.database_path = database_path
        self._log = log
        self._http = requests.Session()
        self.contract = ContractCheck(self._raw("GET", "/openapi.json").json())

    def log_text(self) -> str:
        """What the bank has logged so far, one record a line."""
        return "\n".join(self._log)

    def request(self, method: str, path: str, token: Optional[str] = None, **kwargs: Any) -> requests.Response:
        """A request whose response is checked against /openapi.json before the test sees it."""
        headers = dict(kwargs.pop("headers", {}) or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = self._raw(method, path, headers=headers, **kwargs)
        self.contract.check(response)
        return response

    def _raw(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self._http.request(method, self.base_url + path, timeout=10, **kwargs)

    def get(self, path: str, token: Optional[str] = None, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, token=token, **kwargs)

    def post(self, path: str, token: Optional[str] = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, token=token, **kwargs)

    def start_challenge(self, headers: Optional[dict[str, str]] = None, **identifier: str) -> requests.Response:
        body = identifier or {"customer_number": DEMO_CUSTOMER_NUMBER}
        return self.post("/v1/otp/challenges", json=body, headers=headers)

    def verify(self, challenge_id: str, code: Any, headers: Optional[dict[str, str]] = None, **extra: Any) -> requests.Response:
        return self.post(f"/v1/otp/challenges/{challenge_id}/verify", json={"code": code, **extra}, headers=headers)

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

    def close(self) -> None:
        self._http.close()


@contextmanager
def running_core_bank(tmp_path: Path, clock: Optional[TestClock] = None, **env: str) -> Iterator[CoreBankTestClient]:
    """A fresh core bank: its own SQLite file under tmp_path (a copy of one seeded at the clock's start), its
    settings BASE_ENV with `env` over it."""
    clock = clock or TestClock()
    database_path = tmp_path / "core_bank" / "core_bank.db"
    database_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(seeded_database(clock()), database_path)
    settings = Settings.from_env({**BASE_ENV, "CORE_BANKING_DATABASE_URL": f"sqlite:///{database_path}", **env})
    engine = create_database_engine(settings.core_banking_database_url)
    app = create_app(settings, engine=engine, clock=clock)
    try:
        with kept_logs() as log, serving(app) as base_url:
            client = CoreBankTestClient(base_url, clock, app, database_path, log)
            try:
                yield client
            finally:
                client.close()
    finally:
        engine.dispose()


@lru_cache(maxsize=None)
def seeded_database(now: datetime) -> Path:
    """A database prepared and seeded at `now`, once per test run: each bank starts from a copy."""
    directory = Path(tempfile.mkdtemp(prefix="core-bank-seeded-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    path = directory / "core_bank.db"
    engine = create_database_engine(f"sqlite:///{path}")
    try:
        prepare_database(engine, now=now)
    finally:
        engine.dispose()
    return path


class _KeptLog(logging.Handler):
    def __init__(self, lines: list[str]) -> None:
        super().__init__(logging.INFO)
        self.lines = lines
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextmanager
def kept_logs() -> Iterator[list[str]]:
    """Everything logged at INFO and above while the block runs, formatted as the process would."""
    lines: list[str] = []
    handler = _KeptLog(lines)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
