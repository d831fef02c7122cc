"""Moves between a customer's own accounts: the transfer's two steps and code, the funds checked, no transfer limit."""
from __future__ import annotations

from bot.core_bank.contract.transfers import PrepareTransferRequest
from bot.core_bank.errors import AccountNotFound
from tests.unit.core_bank_transfer_support import *  # noqa: F401,F403 - the bank, its fixtures and helpers


def move(amount: str, to_account: str = SAVINGS, from_account: str = CURRENT) -> TransferOrder:
    return TransferOrder(from_account_id=from_account, amount=Decimal(amount), currency="EUR", to_account_id=to_account)


def latest_line(bank: Bank, customer_id: int, account_id: str):
    return bank.services.records.transactions(customer_id, account_id, limit=1).transactions[0]


def test_a_move_to_savings_is_approved_by_a_code_and_booked_on_both_accounts(bank: Bank):
    receipt = bank.send(move("1000.00"), key="k1")  # four times the per-transfer limit: it stays the customer's

    assert re.fullmatch(r"Code [0-9]{6} to move €1,000\.00 to your savings account\. It expires .*", bank.last_sms())
    assert (bank.balance(CURRENT), bank.balance(SAVINGS)) == (Decimal("1450.31"), Decimal("13000.00"))
    assert (receipt["payee_name"], receipt["balance_after"]) == ("Savings account", "1450.31")
    out, received = latest_line(bank, bank.alex, CURRENT), latest_line(bank, bank.alex, SAVINGS)
    assert (out.kind, out.counterparty, out.amount) == ("savings_transfer_out", None, Decimal("-1000.00"))
    assert (received.kind, received.counterparty, received.amount) == ("savings_transfer_in", None, Decimal("1000.00"))
    assert (out.category, received.category) == ("savings", "savings")  # not spending


def test_a_move_back_from_savings(bank: Bank):
    bank.send(move("300.00", to_account=CURRENT, from_account=SAVINGS), key="k1")

    assert (bank.balance(CURRENT), bank.balance(SAVINGS)) == (Decimal("2750.31"), Decimal("11700.00"))
    out, received = latest_line(bank, bank.alex, SAVINGS), latest_line(bank, bank.alex, CURRENT)
    assert (out.kind, out.description) == ("savings_withdrawal", "Transfer to current account")
    assert (received.kind, received.description) == ("savings_withdrawal_in", "Transfer from savings account")


def test_moves_do_not_count_towards_the_daily_transfer_limit(bank: Bank):
    bank.send(move("400.00"), key="k1")

    assert bank.transfers.check(bank.alex, CURRENT, Decimal("250.00"), "EUR").remaining_today == Decimal("500.00")
    bank.send(to_tom("250.00"), key="k2")
    bank.send(to_landlord("250.00"), key="k3")  # the daily 500 reached by payments only
    with pytest.raises(DailyLimitExceeded):
        bank.transfers.prepare(bank.alex, to_tom("0.01"))
    bank.send(move("0.01"), key="k4")  # a move still goes


def test_a_move_is_checked_for_funds_and_for_whose_accounts_they_are(bank: Bank):
    camille_current = stable_id("acc", "100002", "current")
    cases = [
        (move("20000.00"), InsufficientFunds),
        (move("10.00", to_account=CURRENT), SameAccount),
        (move("10.00", to_account=camille_current), AccountNotFound),  # another customer's account: not a move
        (move("10.00", to_account="acc_nope"), AccountNotFound),
        (move("10.00", to_account=CURRENT, from_account=camille_current), AccountNotFound),
        (replace(move("10.00"), currency="USD"), CurrencyNotSupported),
    ]
    for order, refusal in cases:
        with pytest.raises(refusal):
            bank.transfers.prepare(bank.alex, order)
        with pytest.raises(refusal):
            bank.transfers.check(bank.alex, order.from_account_id, order.amount, order.currency, order.to_account_id)
    assert bank.outbox.messages() == []
    assert bank.transfers.check(bank.alex, CURRENT, Decimal("2000.00"), "EUR", SAVINGS).amount == Decimal("2000.00")
    with pytest.raises(LimitExceeded):  # the same amount to a payee
        bank.transfers.check(bank.alex, CURRENT, Decimal("2000.00"), "EUR")


def test_a_code_for_a_move_approves_that_move_only(bank: Bank):
    challenge_id, code = bank.prepare(move("100.00"))

    with pytest.raises(OtpBindingMismatch):
        bank.transfers.execute(bank.alex, "k1", to_tom("100.00"), challenge_id, code)
    assert (bank.balance(CURRENT), bank.transfer_count()) == (Decimal("2450.31"), 0)


def test_the_code_for_a_move_in_french(bank: Bank):
    bank.transfers.prepare(bank.alex, move("1500.00"), "fr")

    assert re.fullmatch(r"Code [0-9]{6} pour virer 1 500,00 € vers votre compte épargne\. Il expire .*",
                        bank.last_sms().replace("\u202f", " ").replace("\xa0", " "))


def test_an_order_names_one_destination_only():
    with pytest.raises(InvalidRequest):
        TransferOrder(CURRENT, Decimal("1.00"), "EUR", payee_id=DEMO_PAYEE_IDS["tom"], to_account_id=SAVINGS)
    fields = {"from_account_id": CURRENT, "amount": "1.00", "currency": "EUR"}
    assert PrepareTransferRequest.parse_obj({**fields, "to_account_id": SAVINGS}).to_account_id == SAVINGS
    with pytest.raises(ValueError):
        PrepareTransferRequest.parse_obj({**fields, "to_account_id": SAVINGS, "payee_phone": TOM_PHONE})
