"""What the one-time-code tests share: the core bank's OTP service on a temp SQLite file, an injected
clock, an in-memory SMS outbox, and helpers to send guesses at once (test_otp.py, test_otp_guesses_and_identity.py;
also on PostgreSQL)."""
from __future__ import annotations

import re
import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import sessionmaker

from bot.core_bank import otp as otp_module
from bot.core_bank.errors import (
    ChallengeNotFound,
    CoreBankError,
    CustomerNotFound,
    InvalidRequest,
    NotLinked,
    OtpExpired,
    OtpInvalid,
    OtpLocked,
    OtpUsed,
    TooManyChallenges,
    Unauthorized,
)
from bot.core_bank.models import Base, ChannelLink, OtpChallenge, create_database_engine, create_session_factory
from bot.core_bank.otp import (
    IN_PROCESS,
    AccessTokens,
    ByCustomerNumber,
    ByPhone,
    ChannelUser,
    OtpPolicy,
    OtpService,
    Requester,
    code_hash,
    token_hash,
)
from bot.core_bank.seed import DEMO_CUSTOMER_NUMBER, DEMO_PHONE
from bot.core_bank.server import prepare_database
from bot.core_bank.sms import SmsOutbox

SECRET = "unit-test-secret"
POLICY = OtpPolicy(
    ttl_seconds=300,
    max_failures=5,
    lock_seconds=1800,
    challenges_per_window=5,
    challenge_window_seconds=900,
    access_token_ttl_seconds=900,
)
ALEX = ByCustomerNumber(DEMO_CUSTOMER_NUMBER)
CAMILLE = ByCustomerNumber("100002")
CAMILLE_PHONE = "+33698765432"
PSID = "psid-2718281828459045"
ALEX_PSID = "psid-1618033988749894"
STRANGER_PSID = "psid-6022140760000000"
ALEX_ON_MESSENGER = Requester.of_channel_user(ChannelUser("messenger", ALEX_PSID))
STRANGER = Requester.of_channel_user(ChannelUser("messenger", STRANGER_PSID))


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 6, 11, 9, 0, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Bank:
    """The OTP domain wired to a fresh database."""

    def __init__(self, sessions: sessionmaker, clock: FakeClock) -> None:
        self.sessions = sessions
        self.clock = clock
        self.outbox = SmsOutbox(clock=clock)
        self.tokens = AccessTokens(sessions, ttl_seconds=POLICY.access_token_ttl_seconds, clock=clock)
        self.otp = OtpService(sessions, SECRET, POLICY, self.outbox, self.tokens, clock=clock)

    def last_code(self, phone: str = DEMO_PHONE) -> str:
        messages = self.outbox.messages(phone)
        assert messages, f"no SMS to {phone}"
        return re.search(r"\b([0-9]{6})\b", messages[0].text).group(1)

    def start(self, who=ALEX, phone: str = DEMO_PHONE, requester: Requester = IN_PROCESS) -> tuple[str, str]:
        """(challenge_id, code)"""
        challenge = self.otp.start_challenge(who, requester)
        return challenge.challenge_id, self.last_code(phone)

    def fail(self, challenge_id: str, right_code: str, requester: Requester = IN_PROCESS) -> CoreBankError:
        with pytest.raises((OtpInvalid, OtpLocked)) as caught:
            self.otp.verify(challenge_id, wrong(right_code), requester=requester)
        return caught.value

    def with_policy(self, policy: OtpPolicy) -> None:
        self.otp = OtpService(self.sessions, SECRET, policy, self.outbox, self.tokens, clock=self.clock)

    def alerts(self, phone: str = DEMO_PHONE) -> list[str]:
        """The failed-attempt texts sent to the phone, newest first."""
        return [m.text for m in self.outbox.messages(phone) if m.text.startswith("Someone tried")]

    def all_stored_values(self) -> list[str]:
        with self.sessions() as session:
            values = []
            for table in Base.metadata.sorted_tables:
                for row in session.execute(select(table)):
                    values.extend(str(value) for value in row)
            return values


def wrong(code: str, by: int = 1) -> str:
    return f"{(int(code) + by) % 10**6:06d}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bank(tmp_path: Path, clock: FakeClock) -> Iterator[Bank]:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'db' / 'core_bank.db'}")
    prepare_database(engine, now=clock())
    yield Bank(create_session_factory(engine), clock)
    engine.dispose()


def judged_codes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, every code the bank checks against a challenge (its hash computed to compare) is listed."""
    judged: list[str] = []
    lock = threading.Lock()
    real = otp_module.code_hash

    def counting(secret: str, challenge_id: str, code: str) -> str:
        with lock:
            judged.append(code)
        return real(secret, challenge_id, code)

    monkeypatch.setattr(otp_module, "code_hash", counting)
    return judged


def at_once(calls: list) -> list[str]:
    """Runs the calls in threads released together; the outcome of each (its error class name, or "token")."""
    start = threading.Barrier(len(calls))
    outcomes: list[str] = [""] * len(calls)

    def run(index: int) -> None:
        start.wait()
        try:
            calls[index]()
            outcomes[index] = "token"
        except CoreBankError as error:
            outcomes[index] = type(error).__name__

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
