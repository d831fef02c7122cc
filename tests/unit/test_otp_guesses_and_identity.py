"""One-time codes: guesses sent at once, challenges for nobody (no enumeration), access tokens, channel links."""
from __future__ import annotations

from tests.unit.core_bank_otp_support import *  # noqa: F401,F403 - the bank, its fixtures and helpers

BURST = 13  # codes sent at once: the right one and 12 wrong ones


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
