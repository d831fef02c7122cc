"""Transfers on the domain layer: payees, prepare, money moved exactly, limits and funds."""
from __future__ import annotations

from datetime import datetime, time, timezone
from typing import Optional

from bot.core_bank.bank_time import BANK_ZONE
from bot.core_bank.models import Payee
from tests.unit.core_bank_transfer_support import *  # noqa: F401,F403 - the bank, its fixtures and helpers


# --- payees ---------------------------------------------------------------------------


def test_alex_has_two_payees_one_of_them_a_customer(bank: Bank):
    payees = bank.transfers.payees(bank.alex)

    assert [(p.payee_id, p.name, p.customer) for p in payees] == [
        (DEMO_PAYEE_IDS["tom"], "Tom Bernard", True),
        (DEMO_PAYEE_IDS["landlord"], "SCI Montmartre (landlord)", False),
    ]
    assert all(re.fullmatch(r"FR[0-9]{2} •••• •••• [0-9]{4}", p.iban_masked) for p in payees)
    assert bank.transfers.payees(bank.camille) == []


# --- prepare --------------------------------------------------------------------------


def test_prepare_sends_a_code_naming_the_amount_and_the_payee(bank: Bank, clock: FakeClock):
    prepared = bank.transfers.prepare(bank.alex, to_tom("20.00"))

    assert re.fullmatch(
        r"Code [0-9]{6} to send €20\.00 to Tom Bernard\. It expires in 5 minutes\. Never share it — .*", bank.last_sms()
    )
    assert prepared.to_json()["transfer"] == {
        "from_account_id": CURRENT,
        "payee_name": "Tom Bernard",
        "amount": "20.00",
        "currency": "EUR",
    }
    assert prepared.challenge.sent_to == "+33 •••••••78"
    assert prepared.challenge.expires_at == clock() + timedelta(seconds=POLICY.ttl_seconds)
    assert bank.balance(CURRENT) == Decimal("2450.31")  # nothing booked yet


def test_the_challenge_keeps_only_a_keyed_hash_of_the_transaction(bank: Bank):
    order = to_tom("20.00")
    challenge_id, _ = bank.prepare(order)

    with bank.sessions() as session:
        stored = session.get(OtpChallenge, challenge_id).transaction_hash
    assert stored == transaction_hash(SECRET, order.canonical())
    assert stored != transaction_hash("another-secret", order.canonical())
    assert "20.00" not in stored and CURRENT not in stored


def test_prepare_refuses_what_execution_would_refuse(bank: Bank):
    tom_payee = DEMO_PAYEE_IDS["tom"]
    cases = [
        (replace(to_tom("20.00"), from_account_id=stable_id("acc", "100002", "current")), AccountNotFound),
        (replace(to_tom("20.00"), from_account_id="acc_nope"), AccountNotFound),
        (TransferOrder(CURRENT, Decimal("20.00"), "EUR", payee_id="payee_nope"), PayeeNotFound),
        (TransferOrder(CURRENT, Decimal("20.00"), "EUR", payee_phone="+33699999999"), PayeeNotFound),
        (TransferOrder(CURRENT, Decimal("20.00"), "EUR", payee_phone=DEMO_PHONE), SameAccount),
        (TransferOrder(CURRENT, Decimal("20.00"), "USD", payee_id=tom_payee), CurrencyNotSupported),
        (to_tom("250.01"), LimitExceeded),
    ]
    for order, refusal in cases:
        with pytest.raises(refusal):
            bank.transfers.prepare(bank.alex, order)
    with pytest.raises(PayeeNotFound):  # Alex's payee is nobody else's
        bank.transfers.prepare(bank.camille, TransferOrder(stable_id("acc", "100002", "current"), Decimal("1.00"), "EUR", payee_id=tom_payee))
    assert bank.outbox.messages() == []


def test_an_order_names_exactly_one_payee():
    with pytest.raises(InvalidRequest):
        TransferOrder(CURRENT, Decimal("1.00"), "EUR")
    with pytest.raises(InvalidRequest):
        TransferOrder(CURRENT, Decimal("1.00"), "EUR", payee_id=DEMO_PAYEE_IDS["tom"], payee_phone=TOM_PHONE)


# --- execute: money moved exactly -----------------------------------------------------


def test_a_transfer_to_a_customer_moves_the_money_exactly_on_both_sides(bank: Bank, clock: FakeClock):
    receipt = bank.send(to_tom("20.05"), key="k1")

    assert bank.balance(CURRENT) == Decimal("2430.26")
    assert bank.balance(TOM_CURRENT) == Decimal("632.13")
    assert re.fullmatch(r"TR-[A-Z0-9]{8}", receipt["reference"])
    assert receipt == {
        "reference": receipt["reference"],
        "status": "executed",
        "amount": "20.05",
        "currency": "EUR",
        "payee_name": "Tom Bernard",
        "from_account_id": CURRENT,
        "executed_at": clock().isoformat(timespec="seconds"),
        "balance_after": "2430.26",
    }
    alex_page = bank.services.records.transactions(bank.alex, CURRENT, limit=1)
    tom_page = bank.services.records.transactions(bank.tom, TOM_CURRENT, limit=1)
    assert (alex_page.transactions[0].description, alex_page.transactions[0].amount) == ("Transfer to Tom Bernard", Decimal("-20.05"))
    assert (tom_page.transactions[0].description, tom_page.transactions[0].amount) == ("Transfer from Alex Martin", Decimal("20.05"))
    assert (alex_page.transactions[0].kind, alex_page.transactions[0].counterparty) == ("transfer_out", "Tom Bernard")
    assert (tom_page.transactions[0].kind, tom_page.transactions[0].counterparty) == ("transfer_in", "Alex Martin")
    assert alex_page.transactions[0].booked_at == clock()


def test_a_transfer_to_an_external_iban_debits_only_the_sender(bank: Bank):
    with bank.sessions() as session:
        total_before = session.execute(select(func.sum(Account.balance_minor))).scalar_one()

    bank.send(to_landlord("199.99"), key="k1")

    assert bank.balance(CURRENT) == Decimal("2250.32")
    with bank.sessions() as session:
        assert session.execute(select(func.sum(Account.balance_minor))).scalar_one() == total_before - 19999
        latest = session.execute(select(Transaction).order_by(Transaction.row_id.desc()).limit(1)).scalar_one()
    assert (latest.account_id, latest.description, latest.amount_minor) == (CURRENT, "Transfer to SCI Montmartre (landlord)", -19999)
    assert (latest.kind, latest.counterparty) == ("transfer_out", "SCI Montmartre (landlord)")


def test_a_transfer_by_phone_number_reaches_that_customer(bank: Bank):
    order = TransferOrder(CURRENT, Decimal("12.50"), "EUR", payee_phone=TOM_PHONE)

    receipt = bank.send(order, key="k1")

    assert receipt["payee_name"] == "Tom Bernard"
    assert "to send €12.50 to Tom Bernard" in bank.last_sms()
    assert bank.balance(TOM_CURRENT) == Decimal("624.58")


def test_a_number_that_is_a_saved_payees_is_named_as_the_payee_was_saved(bank: Bank):
    with bank.sessions() as session:  # Alex saved Tom under another name than the bank's
        session.execute(update(Payee).where(Payee.id == DEMO_PAYEE_IDS["tom"]).values(name="Tommy (brother)"))
        session.commit()
    order = TransferOrder(CURRENT, Decimal("12.50"), "EUR", payee_phone=TOM_PHONE)

    assert bank.transfers.prepare(bank.alex, order).payee_name == "Tommy (brother)"
    assert "to send €12.50 to Tommy (brother)" in bank.last_sms()
    # Camille has not saved Tom: the number is named by its holder's name at the bank.
    assert bank.transfers.prepare(bank.camille, order.__class__(
        stable_id("acc", "100002", "current"), Decimal("12.50"), "EUR", payee_phone=TOM_PHONE),
    ).payee_name == "Tom Bernard"


def test_a_transfer_from_savings(bank: Bank):
    bank.send(to_tom("100.00", from_account=SAVINGS), key="k1")

    assert bank.balance(SAVINGS) == Decimal("11900.00")
    assert bank.balance(CURRENT) == Decimal("2450.31")


# --- limits and funds -----------------------------------------------------------------


def test_the_per_transfer_limit(bank: Bank):
    with pytest.raises(LimitExceeded) as refused:
        bank.transfers.prepare(bank.alex, to_tom("250.01"))
    assert refused.value.details == {"limit": "250.00"}

    bank.send(to_tom("250.00"), key="k1")
    assert bank.balance(CURRENT) == Decimal("2200.31")


def test_the_daily_limit_counts_every_transfer_of_the_banks_day(bank: Bank, clock: FakeClock):
    bank.send(to_tom("200.00"), key="k1")
    bank.send(to_landlord("200.00"), key="k2")

    with pytest.raises(DailyLimitExceeded) as refused:
        bank.transfers.prepare(bank.alex, to_tom("100.01"))
    assert refused.value.details == {"limit": "500.00", "remaining": "100.00"}
    bank.send(to_tom("100.00"), key="k3")
    with pytest.raises(DailyLimitExceeded):
        bank.transfers.prepare(bank.alex, to_tom("0.01"))

    paris_midnight = datetime.combine(clock.now.astimezone(BANK_ZONE).date() + timedelta(days=1), time(0),
                                      tzinfo=BANK_ZONE)
    clock.now = (paris_midnight - timedelta(minutes=1)).astimezone(timezone.utc)  # 23:59 in Paris: still today
    with pytest.raises(DailyLimitExceeded):
        bank.transfers.prepare(bank.alex, to_tom("0.01"))
    clock.now = paris_midnight.astimezone(timezone.utc)  # midnight in Paris, 22:00 UTC: the bank's new day
    assert clock.now.date() == paris_midnight.date() - timedelta(days=1)
    bank.send(to_tom("250.00"), key="k4")
    assert bank.balance(CURRENT) == Decimal("1700.31")


def test_over_the_per_transfer_limit_with_less_left_today_both_are_said_at_once(bank: Bank):
    bank.send(to_tom("250.00"), key="k1")
    bank.send(to_landlord("220.00"), key="k2")  # 30.00 left of today's 500.00

    with pytest.raises(LimitExceeded) as refused:
        bank.transfers.prepare(bank.alex, to_tom("400.00"))
    assert refused.value.details == {"limit": "250.00", "remaining": "30.00"}
    assert str(refused.value) == "A transfer is 250.00 EUR at most; 30.00 EUR left today."


def test_the_daily_limit_is_per_customer(bank: Bank):
    bank.send(to_tom("250.00"), key="k1")
    bank.send(to_tom("250.00"), key="k2")

    order = TransferOrder(stable_id("acc", "100002", "current"), Decimal("250.00"), "EUR", payee_phone=TOM_PHONE)
    bank.send(order, key="k1", customer_id=bank.camille, phone=CAMILLE_PHONE)


def test_the_limits_are_configurable(bank: Bank, clock: FakeClock):
    bank.services = bank.wired(TransferLimits(per_transfer=Decimal("1000.00"), daily=Decimal("1500.00")))

    bank.send(to_tom("1000.00"), key="k1")
    with pytest.raises(LimitExceeded):
        bank.transfers.prepare(bank.alex, to_tom("1000.01"))
    with pytest.raises(DailyLimitExceeded) as refused:
        bank.transfers.prepare(bank.alex, to_tom("600.00"))
    assert refused.value.details == {"limit": "1500.00", "remaining": "500.00"}

    bank.services = bank.wired(TransferLimits(per_transfer=Decimal("10.00"), daily=Decimal("1500.00")))
    with pytest.raises(LimitExceeded) as lower:
        bank.transfers.prepare(bank.alex, to_tom("10.01"))
    assert lower.value.details == {"limit": "10.00"}


# --- check: an amount before any payee -------------------------------------------------


def check(bank: Bank, amount: str, from_account: str = CURRENT, currency: str = "EUR", customer_id: Optional[int] = None):
    return bank.transfers.check(customer_id or bank.alex, from_account, Decimal(amount), currency)


def test_check_gives_the_refusals_prepare_gives_with_the_same_details(bank: Bank):
    bank.send(to_tom("200.00"), key="k1")
    bank.send(to_landlord("200.00"), key="k2")  # 100.00 left today
    for amount, refusal, details in (("250.01", LimitExceeded, {"limit": "250.00", "remaining": "100.00"}),
                                     ("100.01", DailyLimitExceeded, {"limit": "500.00", "remaining": "100.00"})):
        with pytest.raises(refusal) as by_check:
            check(bank, amount)
        with pytest.raises(refusal) as by_prepare:
            bank.transfers.prepare(bank.alex, to_tom(amount))
        assert by_check.value.details == by_prepare.value.details == details
        assert str(by_check.value) == str(by_prepare.value)

    with pytest.raises(CurrencyNotSupported):
        check(bank, "20.00", currency="USD")
    with pytest.raises(AccountNotFound):
        check(bank, "20.00", from_account=stable_id("acc", "100002", "current"))  # Camille's
    bank.set_balance(CURRENT, Decimal("19.99"))
    with pytest.raises(InsufficientFunds):
        check(bank, "20.00")


def test_check_answers_what_is_left_today_and_changes_nothing(bank: Bank, clock: FakeClock):
    passed = check(bank, "250.00")
    assert (passed.from_account_id, passed.amount, passed.currency, passed.remaining_today) == (
        CURRENT, Decimal("250.00"), "EUR", Decimal("500.00"))
    assert passed.to_contract().wire() == {"from_account_id": CURRENT, "amount": "250.00", "currency": "EUR",
                                           "remaining_today": "500.00"}
    bank.send(to_tom("120.00"), key="k1")
    assert check(bank, "10.00").remaining_today == Decimal("380.00")
    assert check(bank, "10.00", customer_id=bank.camille,
                 from_account=stable_id("acc", "100002", "current")).remaining_today == Decimal("500.00")  # per customer

    sms_before = len(bank.outbox.messages())
    for _ in range(POLICY.challenges_per_window + 1):  # never counted as a code asked for
        check(bank, "20.00")
    assert len(bank.outbox.messages()) == sms_before
    assert bank.transfer_count() == 1 and bank.balance(CURRENT) == Decimal("2330.31")
    bank.prepare(to_tom("20.00"))  # codes can still be asked for


def test_insufficient_funds(bank: Bank):
    bank.set_balance(CURRENT, Decimal("19.99"))

    with pytest.raises(InsufficientFunds):
        bank.transfers.prepare(bank.alex, to_tom("20.00"))
    bank.send(to_tom("19.99"), key="k1")
    assert bank.balance(CURRENT) == Decimal("0.00")


def test_rules_are_checked_again_at_execution_and_a_refusal_there_keeps_the_code(bank: Bank):
    order = to_tom("200.00")
    challenge_id, code = bank.prepare(order)
    bank.set_balance(CURRENT, Decimal("150.00"))  # a card payment was booked meanwhile

    with pytest.raises(InsufficientFunds):
        bank.transfers.execute(bank.alex, "k1", order, challenge_id, code)
    assert bank.transfer_count() == 0 and bank.balance(CURRENT) == Decimal("150.00")

    bank.set_balance(CURRENT, Decimal("300.00"))
    assert bank.transfers.execute(bank.alex, "k1", order, challenge_id, code).body["balance_after"] == "100.00"


def test_the_daily_limit_is_checked_again_at_execution(bank: Bank):
    bank.send(to_tom("200.00"), key="k1")
    order = to_tom("200.00")
    challenge_id, code = bank.prepare(order)
    bank.services = bank.wired(TransferLimits(per_transfer=Decimal("250.00"), daily=Decimal("300.00")))

    with pytest.raises(DailyLimitExceeded):
        bank.transfers.execute(bank.alex, "k2", order, challenge_id, code)
    assert bank.transfer_count() == 1


def test_prepare_sends_the_code_in_french_when_asked(bank: Bank):
    bank.transfers.prepare(bank.alex, to_tom("120.50"), "fr")

    assert re.fullmatch(
        r"Code [0-9]{6} pour envoyer 120,50 € à Tom Bernard\. Il expire dans 5 minutes\. Ne le communiquez .*",
        bank.last_sms(),
    )
