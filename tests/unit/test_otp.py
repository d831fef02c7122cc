"""The OTP rules, one by one, on the domain layer (temp SQLite file, injected clock, in-memory SMS outbox)."""
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


def test_code_is_six_digits_sent_by_sms_to_the_customer(bank: Bank, clock: FakeClock):
    challenge = bank.otp.start_challenge(ALEX)

    messages = bank.outbox.messages()
    assert len(messages) == 1
    assert messages[0].to == DEMO_PHONE
    assert re.search(r"code is [0-9]{6}\. It expires in 5 minutes\.", messages[0].text)
    assert "never ask" in messages[0].text
    assert challenge.sent_to == "+33 •••••••78"
    assert challenge.expires_at == clock() + timedelta(seconds=POLICY.ttl_seconds)


def test_codes_come_from_a_real_random_source(bank: Bank):
    codes = set()
    for who, phone in ((ALEX, DEMO_PHONE), (CAMILLE, CAMILLE_PHONE)) * 2:
        codes.add(bank.start(who, phone)[1])
    assert all(re.fullmatch(r"[0-9]{6}", code) for code in codes)
    assert len(codes) > 1


def test_the_code_is_stored_only_as_a_keyed_hash(bank: Bank):
    before = bank.all_stored_values()
    code = next(c for c in ("918273", "507164", "863920") if not any(c in value for value in before))
    bank.otp = OtpService(bank.sessions, SECRET, POLICY, bank.outbox, bank.tokens, clock=bank.clock, code_generator=lambda: code)
    challenge_id, sent_code = bank.start()
    assert sent_code == code

    with bank.sessions() as session:
        stored = session.get(OtpChallenge, challenge_id)
        assert stored.code_hash != code
        assert stored.code_hash == code_hash(SECRET, challenge_id, code)
        assert stored.code_hash != code_hash("another-secret", challenge_id, code)
    assert not any(code in value for value in bank.all_stored_values())


def test_the_right_code_gives_a_token_stored_only_as_a_hash(bank: Bank):
    challenge_id, code = bank.start()

    verified = bank.otp.verify(challenge_id, code)

    assert verified.customer_number == DEMO_CUSTOMER_NUMBER
    assert verified.first_name == "Alex"
    assert bank.tokens.authenticate(verified.access_token) == verified.customer_id
    stored = bank.all_stored_values()
    assert token_hash(verified.access_token) in stored
    assert not any(verified.access_token in value for value in stored)


def test_a_wrong_code_lowers_attempts_left(bank: Bank):
    challenge_id, code = bank.start()

    first = bank.fail(challenge_id, code)
    second = bank.fail(challenge_id, code)

    assert isinstance(first, OtpInvalid) and first.details["attempts_left"] == 4
    assert isinstance(second, OtpInvalid) and second.details["attempts_left"] == 3


def test_a_malformed_code_is_refused_without_counting_as_a_failure(bank: Bank):
    challenge_id, code = bank.start()

    for malformed in ("12345", "1234567", "12a456", "", " 123456", "１２３４５６"):
        with pytest.raises(InvalidRequest):
            bank.otp.verify(challenge_id, malformed)

    assert bank.fail(challenge_id, code).details["attempts_left"] == 4


def test_max_failures_lock_otp_even_for_the_right_code(bank: Bank, clock: FakeClock):
    challenge_id, code = bank.start()
    for _ in range(POLICY.max_failures - 1):
        assert isinstance(bank.fail(challenge_id, code), OtpInvalid)

    locking = bank.fail(challenge_id, code)

    assert isinstance(locking, OtpLocked)
    assert locking.locked_until == clock() + timedelta(seconds=POLICY.lock_seconds)
    with pytest.raises(OtpLocked):
        bank.otp.verify(challenge_id, code)
    with pytest.raises(OtpLocked):
        bank.otp.start_challenge(ALEX)


def test_the_lock_is_the_requesters_for_every_customer_and_no_one_elses(bank: Bank):
    challenge_id, code = bank.start(requester=STRANGER)
    for _ in range(POLICY.max_failures):
        bank.fail(challenge_id, code, STRANGER)

    with pytest.raises(OtpLocked):
        bank.otp.start_challenge(CAMILLE, STRANGER)
    other_id, other_code = bank.start(CAMILLE, CAMILLE_PHONE)
    assert bank.otp.verify(other_id, other_code).customer_number == "100002"
    alex_id, alex_code = bank.start()
    assert bank.otp.verify(alex_id, alex_code).customer_number == DEMO_CUSTOMER_NUMBER


def test_a_strangers_wrong_codes_lock_the_stranger_not_the_customers_own_channel_user(bank: Bank):
    """Someone who knows Alex's customer number tries codes from another Messenger account: that account is locked,
    Alex (who has never been linked) signs in from his own as usual, and is told by SMS that someone tried."""
    challenge_id, code = bank.start(requester=STRANGER)
    for attempts_left in range(POLICY.max_failures - 1, 0, -1):
        assert bank.fail(challenge_id, code, STRANGER).details["attempts_left"] == attempts_left
    locking = bank.fail(challenge_id, code, STRANGER)
    assert isinstance(locking, OtpLocked)
    with pytest.raises(OtpLocked):
        bank.otp.start_challenge(ALEX, STRANGER)
    with pytest.raises(OtpLocked):
        bank.otp.verify(challenge_id, code, requester=STRANGER)  # even the right code

    [alert] = bank.alerts()
    assert "Someone tried to use a code for your Facebook branch account" in alert and "30 minutes" in alert
    assert not re.search(r"[0-9]{6}", alert)

    own_id, own_code = bank.start(requester=ALEX_ON_MESSENGER)
    verified = bank.otp.verify(own_id, own_code, link=ALEX_ON_MESSENGER.channel_user, requester=ALEX_ON_MESSENGER)
    assert verified.customer_number == DEMO_CUSTOMER_NUMBER
    assert bank.otp.start_challenge(ChannelUser("messenger", ALEX_PSID), ALEX_ON_MESSENGER).sent_to == "+33 •••••••78"


def test_a_stranger_asking_for_codes_neither_uses_up_the_customers_window_nor_cancels_its_code(bank: Bank):
    own_id, own_code = bank.start(requester=ALEX_ON_MESSENGER)
    for _ in range(POLICY.challenges_per_window):
        bank.otp.start_challenge(ALEX, STRANGER)
    with pytest.raises(TooManyChallenges):
        bank.otp.start_challenge(ALEX, STRANGER)
    with pytest.raises(TooManyChallenges):
        bank.otp.start_challenge(CAMILLE, STRANGER)  # the window is the requester's, whoever it asks for

    assert bank.otp.verify(own_id, own_code, requester=ALEX_ON_MESSENGER).customer_number == DEMO_CUSTOMER_NUMBER
    again_id, again_code = bank.start(requester=ALEX_ON_MESSENGER)
    assert bank.otp.verify(again_id, again_code, requester=ALEX_ON_MESSENGER).customer_number == DEMO_CUSTOMER_NUMBER


def test_the_customers_ceiling_stops_strangers_but_never_its_linked_channel_user(bank: Bank, clock: FakeClock):
    """Many strangers together: after customer_max_failures wrong codes in a row, codes are locked for every
    requester Alex has not vouched for; his linked Messenger user still signs in. He gets one SMS per lock period."""
    bank.with_policy(replace(POLICY, customer_max_failures=10, customer_challenges_per_window=10))
    linked_id, linked_code = bank.start(requester=ALEX_ON_MESSENGER)
    bank.otp.verify(linked_id, linked_code, link=ALEX_ON_MESSENGER.channel_user, requester=ALEX_ON_MESSENGER)

    for n in range(2):
        stranger = Requester.of_channel_user(ChannelUser("messenger", f"psid-stranger-{n}"))
        challenge_id = bank.otp.start_challenge(ALEX, stranger).challenge_id
        for _ in range(POLICY.max_failures):
            with pytest.raises((OtpInvalid, OtpLocked)):
                bank.otp.verify(challenge_id, "000000", requester=stranger)

    for newcomer in (Requester.at_address("203.0.113.9"), Requester.of_channel_user(ChannelUser("messenger", "psid-new"))):
        with pytest.raises(OtpLocked) as locked:
            bank.otp.start_challenge(ALEX, newcomer)
        assert locked.value.locked_until == clock() + timedelta(seconds=POLICY.lock_seconds)
    bank.otp.start_challenge(CAMILLE, Requester.at_address("203.0.113.9"))  # only Alex's codes are locked
    assert len(bank.alerts()) == 1

    challenge = bank.otp.start_challenge(ChannelUser("messenger", ALEX_PSID), ALEX_ON_MESSENGER)
    assert bank.otp.verify(challenge.challenge_id, bank.last_code(), requester=ALEX_ON_MESSENGER).first_name == "Alex"


def test_the_customers_ceiling_of_codes_sent_stops_strangers_only(bank: Bank):
    bank.with_policy(replace(POLICY, customer_challenges_per_window=2 * POLICY.challenges_per_window))
    linked_id, linked_code = bank.start(requester=ALEX_ON_MESSENGER)
    bank.otp.verify(linked_id, linked_code, link=ALEX_ON_MESSENGER.channel_user, requester=ALEX_ON_MESSENGER)
    strangers = [Requester.at_address(f"203.0.113.{n}") for n in range(3)]
    for stranger in strangers[:2]:
        for _ in range(POLICY.challenges_per_window - (1 if stranger is strangers[0] else 0)):
            bank.otp.start_challenge(ALEX, stranger)

    with pytest.raises(TooManyChallenges):
        bank.otp.start_challenge(ALEX, strangers[2])
    bank.otp.start_challenge(CAMILLE, strangers[2])
    bank.otp.start_challenge(ChannelUser("messenger", ALEX_PSID), ALEX_ON_MESSENGER)


def test_requesters_are_stored_only_as_keyed_hashes(bank: Bank):
    address = Requester.at_address("203.0.113.77")
    challenge_id, code = bank.start(requester=address)
    bank.fail(challenge_id, code, address)
    bank.fail(*bank.start(requester=STRANGER), STRANGER)

    stored = bank.all_stored_values()
    assert not any(secret in value for value in stored for secret in ("203.0.113.77", STRANGER_PSID, "messenger:"))
    assert "psid" not in repr(STRANGER) and "203.0.113.77" not in repr(address)


def test_a_new_challenge_does_not_reset_the_failures(bank: Bank):
    first_id, first_code = bank.start()
    for _ in range(3):
        bank.fail(first_id, first_code)

    second_id, second_code = bank.start()

    assert bank.fail(second_id, second_code).details["attempts_left"] == 1
    assert isinstance(bank.fail(second_id, second_code), OtpLocked)


def test_a_success_resets_the_failures(bank: Bank):
    first_id, first_code = bank.start()
    for _ in range(3):
        bank.fail(first_id, first_code)
    bank.otp.verify(first_id, first_code)

    second_id, second_code = bank.start()
    assert bank.fail(second_id, second_code).details["attempts_left"] == 4


def test_the_lock_runs_out_after_lock_seconds_and_clears_the_failures(bank: Bank, clock: FakeClock):
    challenge_id, code = bank.start()
    for _ in range(POLICY.max_failures):
        bank.fail(challenge_id, code)

    clock.advance(POLICY.lock_seconds - 1)
    with pytest.raises(OtpLocked):
        bank.otp.start_challenge(ALEX)
    clock.advance(1)

    new_id, new_code = bank.start()
    assert bank.fail(new_id, new_code).details["attempts_left"] == 4
    assert bank.otp.verify(new_id, new_code).customer_number == DEMO_CUSTOMER_NUMBER


def test_a_code_expires_after_the_ttl(bank: Bank, clock: FakeClock):
    kept_id, kept_code = bank.start()
    clock.advance(POLICY.ttl_seconds - 1)
    assert bank.otp.verify(kept_id, kept_code)

    expired_id, expired_code = bank.start()
    clock.advance(POLICY.ttl_seconds)
    with pytest.raises(OtpExpired):
        bank.otp.verify(expired_id, expired_code)


def test_a_new_code_replaces_the_earlier_one(bank: Bank):
    first_id, first_code = bank.start()
    second_id, second_code = bank.start()
    with pytest.raises(OtpExpired):
        bank.otp.verify(first_id, first_code)
    assert bank.otp.verify(second_id, second_code).customer_number == DEMO_CUSTOMER_NUMBER


def test_a_code_works_only_once(bank: Bank):
    challenge_id, code = bank.start()
    bank.otp.verify(challenge_id, code)

    with pytest.raises(OtpUsed):
        bank.otp.verify(challenge_id, code)


def test_two_simultaneous_uses_of_a_code_give_one_token(bank: Bank):
    challenge_id, code = bank.start()
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def use() -> None:
        start.wait()
        try:
            bank.otp.verify(challenge_id, code)
            outcomes.append("token")
        except OtpUsed:
            outcomes.append("used")

    threads = [threading.Thread(target=use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["token", "used", "used", "used"]


BURST = 13  # codes sent at once: the right one and 12 wrong ones


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


def test_wrong_codes_sent_at_once_are_judged_at_most_max_failures_times(bank: Bank, monkeypatch: pytest.MonkeyPatch):
    challenge_id, code = bank.start()
    judged = judged_codes(monkeypatch)

    outcomes = at_once([lambda n=n: bank.otp.verify(challenge_id, wrong(code, n)) for n in range(1, BURST + 1)])

    assert len(judged) == POLICY.max_failures, outcomes
    assert sorted(outcomes).count("OtpInvalid") == POLICY.max_failures - 1
    assert sorted(outcomes).count("OtpLocked") == BURST - POLICY.max_failures + 1
    with pytest.raises(OtpLocked):  # the right code, after max_failures wrong ones
        bank.otp.verify(challenge_id, code)
    assert len(judged) == POLICY.max_failures


def test_the_right_code_among_parallel_guesses_is_never_accepted_after_max_failures(
    bank: Bank, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
):
    for _ in range(8):
        challenge_id, code = bank.start()
        judged = judged_codes(monkeypatch)
        guesses = [wrong(code, n) for n in range(1, BURST)] + [code]

        outcomes = at_once([lambda guess=guess: bank.otp.verify(challenge_id, guess) for guess in guesses])

        assert len(judged) <= POLICY.max_failures, outcomes
        if outcomes[-1] == "token":  # judged before the lock: then fewer than max_failures codes were wrong
            assert outcomes.count("OtpInvalid") < POLICY.max_failures and "OtpLocked" not in outcomes, outcomes
        else:
            assert outcomes[-1] == "OtpLocked", outcomes
            with pytest.raises(OtpLocked):
                bank.otp.verify(challenge_id, code)
        assert outcomes.count("token") <= 1
        clock.advance(POLICY.lock_seconds)  # the lock and the window run out before the next burst


def test_codes_asked_for_at_once_stay_within_the_window(bank: Bank):
    outcomes = at_once([lambda: bank.otp.start_challenge(ALEX) for _ in range(BURST)])

    assert outcomes.count("token") == POLICY.challenges_per_window, outcomes
    assert outcomes.count("TooManyChallenges") == BURST - POLICY.challenges_per_window
    assert len(bank.outbox.messages()) == POLICY.challenges_per_window


def test_unknown_challenge_and_bad_phone(bank: Bank):
    with pytest.raises(ChallengeNotFound):
        bank.otp.verify("no-such-challenge", "123456")
    with pytest.raises(InvalidRequest):
        bank.otp.start_challenge(ByPhone("not a phone"))


NOBODY = ByCustomerNumber("999999")


def test_a_customer_number_or_phone_nobody_has_gets_a_challenge_like_a_real_one_and_no_sms(bank: Bank):
    """No answer tells whether a customer number or phone is a customer's: a challenge id, an expiry and a masked
    phone (the same for the same number every time), and every code is wrong for it, with the same error."""
    real = bank.otp.start_challenge(ALEX, Requester.at_address("198.51.100.1"))
    decoy = bank.otp.start_challenge(NOBODY, Requester.at_address("198.51.100.2"))
    by_phone = bank.otp.start_challenge(ByPhone("06 99 99 99 99"), Requester.at_address("198.51.100.3"))

    assert len(bank.outbox.messages()) == 1  # Alex's only
    assert (len(decoy.challenge_id), decoy.expires_at) == (len(real.challenge_id), real.expires_at)
    assert re.fullmatch(r"\+33 •{7}[0-9]{2}", decoy.sent_to)
    assert bank.otp.start_challenge(NOBODY, Requester.at_address("198.51.100.4")).sent_to == decoy.sent_to
    assert by_phone.sent_to == "+33 •••••••99"

    wrong_for_real, wrong_for_nobody = (
        bank.fail(real.challenge_id, bank.last_code(), Requester.at_address("198.51.100.1")),
        bank.fail(decoy.challenge_id, "000000", Requester.at_address("198.51.100.2")),
    )
    assert (type(wrong_for_nobody), wrong_for_nobody.to_json()) == (type(wrong_for_real), wrong_for_real.to_json())
    for code in ("000000", "123456", "999999"):  # no code is right, not even by chance
        with pytest.raises(OtpInvalid):
            bank.otp.verify(by_phone.challenge_id, code, requester=Requester.at_address("198.51.100.3"))


def test_a_challenge_for_nobody_counts_and_locks_like_a_real_one(bank: Bank, clock: FakeClock):
    decoy = bank.otp.start_challenge(NOBODY, STRANGER)
    outcomes = [type(bank.fail(decoy.challenge_id, "000000", STRANGER)).__name__ for _ in range(POLICY.max_failures)]
    assert outcomes == ["OtpInvalid"] * (POLICY.max_failures - 1) + ["OtpLocked"]
    with pytest.raises(OtpLocked):
        bank.otp.start_challenge(ALEX, STRANGER)

    for _ in range(POLICY.challenges_per_window):
        bank.otp.start_challenge(NOBODY)
    with pytest.raises(TooManyChallenges):
        bank.otp.start_challenge(NOBODY)
    clock.advance(POLICY.ttl_seconds)
    with pytest.raises(OtpExpired):
        bank.otp.verify(decoy.challenge_id, "000000", requester=ALEX_ON_MESSENGER)


def test_a_challenge_for_nobody_does_the_same_database_work_as_a_real_one(bank: Bank):
    statements: list[str] = []
    engine = bank.sessions.kw["bind"]

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement.split()[0])

    event.listen(engine, "before_cursor_execute", record)
    try:
        work = []
        for who, requester in ((ALEX, Requester.at_address("198.51.100.5")), (NOBODY, Requester.at_address("198.51.100.6"))):
            statements.clear()
            bank.otp.start_challenge(who, requester)
            work.append(list(statements))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert work[0] == work[1] and len(work[0]) > 5


def test_a_challenge_by_phone_accepts_the_french_national_format(bank: Bank):
    challenge = bank.otp.start_challenge(ByPhone("06 12 34 56 78"))

    assert challenge.sent_to == "+33 •••••••78"
    assert bank.outbox.messages()[0].to == DEMO_PHONE


def test_too_many_challenges_in_the_window(bank: Bank, clock: FakeClock):
    first_at = clock()
    for _ in range(POLICY.challenges_per_window):
        bank.otp.start_challenge(ALEX)
        clock.advance(10)

    with pytest.raises(TooManyChallenges) as refused:
        bank.otp.start_challenge(ALEX)
    assert refused.value.retry_at == first_at + timedelta(seconds=POLICY.challenge_window_seconds)
    assert len(bank.outbox.messages()) == POLICY.challenges_per_window

    with pytest.raises(TooManyChallenges):
        bank.otp.start_challenge(CAMILLE)  # the window is the requester's
    bank.otp.start_challenge(ALEX, ALEX_ON_MESSENGER)  # another requester is not limited
    clock.now = refused.value.retry_at
    bank.otp.start_challenge(ALEX)


def test_an_access_token_expires(bank: Bank, clock: FakeClock):
    challenge_id, code = bank.start()
    token = bank.otp.verify(challenge_id, code).access_token

    clock.advance(POLICY.access_token_ttl_seconds - 1)
    assert bank.tokens.authenticate(token)
    clock.advance(1)
    with pytest.raises(Unauthorized):
        bank.tokens.authenticate(token)


def test_a_revoked_or_unknown_token_is_refused(bank: Bank):
    challenge_id, code = bank.start()
    token = bank.otp.verify(challenge_id, code).access_token

    bank.tokens.revoke(token)

    for refused in (token, "not-a-token", "", None):
        with pytest.raises(Unauthorized):
            bank.tokens.authenticate(refused)


def test_a_linked_channel_user_can_ask_for_a_code_without_a_customer_number(bank: Bank):
    user = ChannelUser("messenger", PSID)
    with pytest.raises(NotLinked):
        bank.otp.start_challenge(user)

    challenge_id, code = bank.start()
    bank.otp.verify(challenge_id, code, link=user)

    again = bank.otp.start_challenge(user)
    assert again.sent_to == "+33 •••••••78"
    assert bank.otp.verify(again.challenge_id, bank.last_code()).customer_number == DEMO_CUSTOMER_NUMBER
    assert not any(PSID in value for value in bank.all_stored_values())
    with pytest.raises(NotLinked):
        bank.otp.start_challenge(ChannelUser("web", PSID))


def test_a_link_is_made_only_by_a_successful_verification(bank: Bank):
    user = ChannelUser("messenger", PSID)
    challenge_id, code = bank.start()
    with pytest.raises(OtpInvalid):
        bank.otp.verify(challenge_id, wrong(code), link=user)

    with pytest.raises(NotLinked):
        bank.otp.start_challenge(user)


def test_relinking_a_channel_user_to_another_customer_replaces_the_link(bank: Bank):
    user = ChannelUser("messenger", PSID)
    alex_id, alex_code = bank.start()
    bank.otp.verify(alex_id, alex_code, link=user)

    camille_id, camille_code = bank.start(CAMILLE, CAMILLE_PHONE)
    bank.otp.verify(camille_id, camille_code, link=user)

    bank.otp.start_challenge(user)
    assert bank.outbox.messages()[0].to == CAMILLE_PHONE
    with bank.sessions() as session:
        assert len(session.execute(select(ChannelLink)).all()) == 1
