"""Transfers with a code bound to the transaction (PSD2 dynamic linking), and idempotent execution."""
from __future__ import annotations

from tests.unit.core_bank_transfer_support import *  # noqa: F401,F403 - the bank, its fixtures and helpers


# --- the code is bound to the transaction ---------------------------------------------


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param(lambda order: replace(order, amount=Decimal("200.00")), id="amount"),
        pytest.param(lambda order: replace(order, payee_id=DEMO_PAYEE_IDS["landlord"]), id="payee"),
        pytest.param(lambda order: replace(order, payee_id=None, payee_phone=TOM_PHONE), id="same-person-by-phone"),
        pytest.param(lambda order: replace(order, from_account_id=SAVINGS), id="account"),
        pytest.param(lambda order: replace(order, currency="USD"), id="currency"),
    ],
)
def test_a_changed_transaction_burns_the_code_and_counts_as_a_failure(bank: Bank, changed):
    order = to_tom("20.00")
    challenge_id, code = bank.prepare(order)

    with pytest.raises(OtpBindingMismatch) as mismatch:
        bank.transfers.execute(bank.alex, "k1", changed(order), challenge_id, code)

    assert mismatch.value.details == {"attempts_left": POLICY.max_failures - 1}
    assert bank.failures(bank.alex) == 1
    with pytest.raises(OtpUsed):  # burnt: not even the prepared transaction goes through now
        bank.transfers.execute(bank.alex, "k2", order, challenge_id, code)
    assert bank.transfer_count() == 0
    assert bank.balance(CURRENT) == Decimal("2450.31") and bank.balance(SAVINGS) == Decimal("12000.00")


def test_binding_mismatches_reach_the_lock(bank: Bank, clock: FakeClock):
    order = to_tom("20.00")
    for attempts_left in range(POLICY.max_failures - 1, 0, -1):
        challenge_id, code = bank.prepare(order)
        with pytest.raises(OtpBindingMismatch) as mismatch:
            bank.transfers.execute(bank.alex, "k", replace(order, amount=Decimal("250.00")), challenge_id, code)
        assert mismatch.value.details["attempts_left"] == attempts_left

    challenge_id, code = bank.prepare(order)
    with pytest.raises(OtpLocked) as locked:
        bank.transfers.execute(bank.alex, "k", replace(order, amount=Decimal("250.00")), challenge_id, code)

    assert locked.value.locked_until == clock() + timedelta(seconds=POLICY.lock_seconds)
    with pytest.raises(OtpLocked):
        bank.transfers.prepare(bank.alex, order)
    assert bank.transfer_count() == 0
    # The lock is the signed-in customer's, for transaction codes: signing in again takes a new code by SMS.
    bank.services.otp.start_challenge(ByCustomerNumber(DEMO_CUSTOMER_NUMBER))
    clock.advance(POLICY.lock_seconds)
    assert bank.transfers.execute(bank.alex, "k", order, *bank.prepare(order)).status == 201


def test_transaction_codes_sent_at_once_are_judged_at_most_max_failures_times(bank: Bank, monkeypatch):
    order = to_tom("20.00")
    challenge_id, code = bank.prepare(order)
    judged = judged_codes(monkeypatch)
    guesses = [wrong(code, n) for n in range(1, 13)] + [code]

    outcomes = at_once([
        lambda n=n, guess=guess: bank.transfers.execute(bank.alex, f"k{n}", order, challenge_id, guess)
        for n, guess in enumerate(guesses)
    ])

    assert len(judged) <= POLICY.max_failures, outcomes
    booked = bank.transfer_count()
    assert booked <= 1 and (booked == 0 or outcomes.count("OtpInvalid") < POLICY.max_failures), outcomes
    if booked == 0:
        with pytest.raises(OtpLocked):
            bank.transfers.execute(bank.alex, "k-after", order, challenge_id, code)


def test_a_wrong_code_counts_but_does_not_burn_the_challenge(bank: Bank):
    order = to_tom("20.00")
    challenge_id, code = bank.prepare(order)

    with pytest.raises(OtpInvalid) as invalid:
        bank.transfers.execute(bank.alex, "k1", order, challenge_id, wrong(code))
    assert invalid.value.details == {"attempts_left": 4}
    with pytest.raises(InvalidRequest):
        bank.transfers.execute(bank.alex, "k1", order, challenge_id, "12345")

    assert bank.transfers.execute(bank.alex, "k1", order, challenge_id, code).status == 201
    assert bank.failures(bank.alex) == 0  # a success clears the failures


def test_a_code_books_one_transfer_only(bank: Bank):
    order = to_tom("20.00")
    challenge_id, code = bank.prepare(order)
    bank.transfers.execute(bank.alex, "k1", order, challenge_id, code)

    with pytest.raises(OtpUsed):
        bank.transfers.execute(bank.alex, "k2", order, challenge_id, code)
    assert bank.transfer_count() == 1
    assert bank.balance(CURRENT) == Decimal("2430.31")


def test_a_code_expires(bank: Bank, clock: FakeClock):
    order = to_tom("20.00")
    challenge_id, code = bank.prepare(order)
    clock.advance(POLICY.ttl_seconds)

    with pytest.raises(OtpExpired):
        bank.transfers.execute(bank.alex, "k1", order, challenge_id, code)


def test_a_new_code_replaces_the_prepared_one(bank: Bank):
    first = to_tom("20.00")
    first_id, first_code = bank.prepare(first)
    bank.prepare(to_tom("30.00"))

    with pytest.raises(OtpExpired):
        bank.transfers.execute(bank.alex, "k1", first, first_id, first_code)


def test_a_sign_in_code_does_not_move_money_and_a_transfer_code_does_not_sign_in(bank: Bank):
    order = to_tom("20.00")
    sign_in = bank.services.otp.start_challenge(ByCustomerNumber(DEMO_CUSTOMER_NUMBER))
    with pytest.raises(OtpBindingMismatch):
        bank.transfers.execute(bank.alex, "k1", order, sign_in.challenge_id, bank.last_code())

    challenge_id, code = bank.prepare(order)
    with pytest.raises(ChallengeNotFound):
        bank.services.otp.verify(challenge_id, code)
    assert bank.transfers.execute(bank.alex, "k2", order, challenge_id, code).status == 201


def test_another_customers_challenge_is_unknown_and_counts_against_nobody(bank: Bank):
    order = to_tom("20.00")
    challenge_id, code = bank.prepare(order)
    camille_order = TransferOrder(stable_id("acc", "100002", "current"), Decimal("20.00"), "EUR", payee_phone=TOM_PHONE)

    with pytest.raises(ChallengeNotFound):
        bank.transfers.execute(bank.camille, "k1", camille_order, challenge_id, code)
    with pytest.raises(ChallengeNotFound):
        bank.transfers.execute(bank.camille, "k1", order, challenge_id, code)

    assert bank.failures(bank.alex) == 0 and bank.failures(bank.camille) == 0
    assert bank.transfers.execute(bank.alex, "k1", order, challenge_id, code).status == 201


# --- idempotency ----------------------------------------------------------------------


def test_a_repeat_with_the_same_key_books_nothing_more(bank: Bank):
    order = to_tom("20.00")
    challenge_id, code = bank.prepare(order)
    first = bank.transfers.execute(bank.alex, "key-1", order, challenge_id, code)

    again = bank.transfers.execute(bank.alex, "key-1", order, challenge_id, code)

    assert (again.status, again.body, again.replayed) == (first.status, first.body, True)
    assert bank.transfer_count() == 1
    assert bank.balance(CURRENT) == Decimal("2430.31") and bank.balance(TOM_CURRENT) == Decimal("632.08")
    with pytest.raises(IdempotencyKeyReused):
        bank.transfers.execute(bank.alex, "key-1", replace(order, amount=Decimal("21.00")), challenge_id, code)


def test_identical_transfers_racing_book_once_and_answer_alike(bank: Bank):
    order = to_tom("20.00")
    challenge_id, code = bank.prepare(order)
    start = threading.Barrier(4)
    answers: list = []

    def execute() -> None:
        start.wait()
        answers.append(bank.transfers.execute(bank.alex, "same-key", order, challenge_id, code))

    threads = [threading.Thread(target=execute) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == 4
    assert len({answer.body["reference"] for answer in answers}) == 1
    assert sorted(answer.replayed for answer in answers) == [False, True, True, True]
    assert bank.transfer_count() == 1
    assert bank.balance(CURRENT) == Decimal("2430.31") and bank.balance(TOM_CURRENT) == Decimal("632.08")


def test_transfers_racing_with_different_keys_use_the_code_once(bank: Bank):
    order = to_tom("20.00")
    challenge_id, code = bank.prepare(order)
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def execute(key: str) -> None:
        start.wait()
        try:
            bank.transfers.execute(bank.alex, key, order, challenge_id, code)
            outcomes.append("booked")
        except OtpUsed:
            outcomes.append("used")

    threads = [threading.Thread(target=execute, args=(f"key-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["booked", "used", "used", "used"]
    assert bank.balance(CURRENT) == Decimal("2430.31")
