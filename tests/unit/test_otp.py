"""The OTP rules, one by one, on the domain layer (temp SQLite file, injected clock, in-memory SMS outbox)."""
from __future__ import annotations

from tests.unit.core_bank_otp_support import *  # noqa: F401,F403 - the bank, its fixtures and helpers


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
    assert "Someone tried to use a code to reach your accounts in your bank" in alert and "30 minutes" in alert
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
