"""Transfers, approved by a code bound to the transaction (PSD2 dynamic linking).

Before either, check (read-only): whether an amount could be sent from an account today (the
limits, with what was sent today, and the funds), with no payee and no code sent, so that a chat
can say at once that an amount is too much, before it asks who to and for a yes.

Two steps:
1. prepare: every rule the execution will check is checked (account, payee, amount,
   currency, limits, funds); then a code is sent by SMS that approves exactly this
   transaction — its canonical form (from account, payee, amount, currency) is kept as an
   HMAC on the challenge, and the SMS states the amount and the payee's name.
2. execute: the code must be right and the transaction must be exactly the prepared one
   (otherwise the code is burnt and counts as an OTP failure); the rules are checked again,
   and the transfer is booked in one database transaction: the sender's account debited, the
   payee's account credited when the payee banks here, a transaction on each side, the
   code marked used, and the Idempotency-Key's record written.
A bearer token alone never moves money.

Rules: amount > 0 with at most 2 decimals, in EUR; at most `per_transfer` per transfer and
`daily` over the customer's transfers of the bank's day (midnight to midnight in Paris); no overdraft; not to oneself.

A move between the customer's own accounts (`to_account_id`: another of their accounts) goes through the same two
steps and code (its SMS says "move ... to your savings account"); the funds and currency are checked, not the limits,
which guard money leaving the customer: such a move neither needs them nor counts towards the daily one.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.core_bank.accounts import find_customer_by_phone, mask_iban, owned_account
from bot.core_bank.bank_time import BANK_ZONE, bank_day
from bot.core_bank.contract import transfers as contract
from bot.core_bank.errors import (
    CurrencyNotSupported,
    CustomerNotFound,
    DailyLimitExceeded,
    InsufficientFunds,
    InvalidRequest,
    LimitExceeded,
    PayeeNotFound,
    SameAccount,
)
from bot.core_bank.idempotency import IdempotentRequests, IdempotentService, RecordedResponse
from bot.core_bank.models import (
    Account,
    Customer,
    Payee,
    Transaction,
    Transfer,
    from_minor_units,
    lock_customer,
    to_minor_units,
)
from bot.core_bank import sms_texts
from bot.core_bank.money import SUPPORTED_CURRENCY, format_amount
from bot.core_bank.periods import start_of_day
from bot.core_bank.otp import IssuedChallenge, OtpService, TransactionApproval
from bot.core_bank.references import TRANSFER_PREFIX, ReferenceGenerator, new_reference
from bot.clock import Clock, utc_now
from bot.settings import Settings

logger = logging.getLogger(__name__)

EXECUTED = "executed"
PAYEE_ACCOUNT_TYPE = "current"  # a payee named by phone number receives on their current account


@dataclass(frozen=True)
class TransferLimits:
    per_transfer: Decimal
    daily: Decimal

    @classmethod
    def from_settings(cls, settings: Settings) -> "TransferLimits":
        return cls(per_transfer=settings.transfer_limit_per_transfer, daily=settings.transfer_limit_daily)


@dataclass(frozen=True)
class TransferOrder:
    """The transaction a customer asks for. Exactly one of payee_id, payee_phone (E.164) and to_account_id (another
    account of the customer's own) is set."""

    from_account_id: str
    amount: Decimal
    currency: str
    payee_id: Optional[str] = None
    payee_phone: Optional[str] = None
    to_account_id: Optional[str] = None

    def __post_init__(self) -> None:
        if [self.payee_id, self.payee_phone, self.to_account_id].count(None) != 2:
            raise InvalidRequest("Give exactly one of payee_id, payee_phone or to_account_id.")

    @property
    def payee_reference(self) -> str:
        if self.to_account_id is not None:
            return f"account:{self.to_account_id}"
        return f"payee:{self.payee_id}" if self.payee_id is not None else f"phone:{self.payee_phone}"

    def canonical(self) -> str:
        """The one text a code is bound to: any change of account, payee, amount or currency changes it."""
        return "|".join(
            (
                "transfer",
                f"from={self.from_account_id}",
                f"to={self.payee_reference}",
                f"amount={format_amount(self.amount)}",
                f"currency={self.currency}",
            )
        )

    def normalized(self) -> dict[str, Any]:
        return {
            "from_account_id": self.from_account_id,
            "payee": self.payee_reference,
            "amount": format_amount(self.amount),
            "currency": self.currency,
        }


@dataclass(frozen=True)
class PayeeSummary:
    payee_id: str
    name: str
    iban_masked: str
    customer: bool  # banks here: the money arrives at once

    def to_json(self) -> dict[str, Any]:
        return self.to_contract().wire()

    def to_contract(self) -> contract.Payee:
        return contract.Payee.from_orm(self)


@dataclass(frozen=True)
class PreparedTransfer:
    challenge: IssuedChallenge
    from_account_id: str
    payee_name: str
    amount: Decimal
    currency: str

    def to_json(self) -> dict[str, Any]:
        return self.to_contract().wire()

    def to_contract(self) -> contract.PreparedTransfer:
        return contract.PreparedTransfer(
            challenge_id=self.challenge.challenge_id,
            expires_at=self.challenge.expires_at,
            sent_to=self.challenge.sent_to,
            transfer=contract.PreparedTransferSummary.from_orm(self),
        )


@dataclass(frozen=True)
class AmountCheck:
    """An amount that could be sent from the account today, as far as limits and funds go (no payee checked)."""

    from_account_id: str
    amount: Decimal
    currency: str
    remaining_today: Decimal  # what the daily limit leaves today, before this amount

    def to_contract(self) -> contract.TransferCheck:
        return contract.TransferCheck.from_orm(self)


@dataclass(frozen=True)
class TransferReceipt:
    reference: str
    status: str
    amount: Decimal
    currency: str
    payee_name: str
    from_account_id: str
    executed_at: datetime
    balance_after: Decimal

    def to_json(self) -> dict[str, Any]:
        return contract.TransferReceipt.from_orm(self).wire()


@dataclass(frozen=True)
class _Destination:
    name: str
    iban: str
    account_id: Optional[str]  # set when the payee banks here
    own: Optional[Account] = None  # a move between the customer's own accounts: the receiving one


class Transfers(IdempotentService):
    """A customer's payees, and transfers approved by a code bound to them."""

    def __init__(
        self,
        sessions: sessionmaker,
        otp: OtpService,
        idempotency: IdempotentRequests,
        limits: TransferLimits,
        clock: Clock = utc_now,
        reference_generator: ReferenceGenerator = new_reference,
    ) -> None:
        super().__init__(sessions, idempotency, clock, reference_generator)
        self._otp = otp
        self._limits = limits

    def payees(self, customer_id: int) -> list[PayeeSummary]:
        with self._sessions() as session:
            rows = session.execute(
                select(Payee).where(Payee.customer_id == customer_id).order_by(Payee.position, Payee.id)
            ).scalars()
            return [
                PayeeSummary(payee_id=p.id, name=p.name, iban_masked=mask_iban(p.iban), customer=p.account_id is not None)
                for p in rows
            ]

    def check(self, customer_id: int, from_account_id: str, amount: Decimal, currency: str,
              to_account_id: Optional[str] = None) -> AmountCheck:
        """Whether `amount` could be sent from this account today: the account, currency, limit and funds
        rules prepare and execute apply (the same code), without a payee; with `to_account_id`, a move to another
        account of the customer's (that account's rules and the funds, no limit). Read-only: nothing is written, no
        code is sent; a refusal is the one prepare would give."""
        with self._sessions() as session:
            account = owned_account(session, customer_id, from_account_id)
            if to_account_id is not None:
                self._own_destination(session, customer_id, account, to_account_id)
            remaining = self._check_amount(session, customer_id, account, amount, currency,
                                           limited=to_account_id is None)
        return AmountCheck(from_account_id=account.id, amount=amount, currency=currency, remaining_today=remaining)

    def prepare(self, customer_id: int, order: TransferOrder, language: Optional[str] = None) -> PreparedTransfer:
        """Checks the transfer as execution will, then sends a code that approves exactly it (the SMS in
        `language`: en | fr, English when None)."""
        with self._sessions() as session:
            _, destination = self._checked(session, customer_id, order)
        if destination.own is not None:
            description = sms_texts.own_move_text(order.amount, order.currency, destination.own.type,
                                                  destination.name, language)
        else:
            description = sms_texts.transfer_text(order.amount, order.currency, destination.name, language)
        approval = TransactionApproval(
            canonical=order.canonical(), description=description, language=sms_texts.sms_language(language),
        )
        challenge = self._otp.start_approval(customer_id, approval)
        return PreparedTransfer(
            challenge=challenge,
            from_account_id=order.from_account_id,
            payee_name=destination.name,
            amount=order.amount,
            currency=order.currency,
        )

    def execute(
        self, customer_id: int, idempotency_key: str, order: TransferOrder, challenge_id: str, code: str
    ) -> RecordedResponse:
        """Books the prepared transfer if the code approves exactly it (once per Idempotency-Key): 201 with the receipt."""

        def book(session: Session) -> tuple[int, dict[str, Any]]:
            self._otp.consume_approval(session, challenge_id, code, customer_id, order.canonical())
            lock_customer(session, customer_id)  # checks and booking see every earlier transfer of the customer
            account, destination = self._checked(session, customer_id, order)
            receipt = self._book(session, customer_id, account, destination, order)
            return 201, receipt.to_json()

        request = {**order.normalized(), "challenge_id": challenge_id, "code": code}
        recorded = self._idempotency.run(customer_id, idempotency_key, "create_transfer", request, book)
        if not recorded.replayed:
            logger.info("Transfer %s executed for customer #%d", recorded.body["reference"], customer_id)
        return recorded

    # -- rules --

    def _checked(self, session: Session, customer_id: int, order: TransferOrder) -> tuple[Account, _Destination]:
        """The sender's account and where the money goes, once every rule holds."""
        account = owned_account(session, customer_id, order.from_account_id)
        if order.to_account_id is not None:
            destination = self._own_destination(session, customer_id, account, order.to_account_id)
        else:
            destination = self._destination(session, customer_id, order)
            if destination.account_id is not None:
                receiving = session.get(Account, destination.account_id)
                if receiving is not None and receiving.customer_id == customer_id:
                    raise SameAccount("This payee is you: money cannot be sent to yourself this way.")
        self._check_amount(session, customer_id, account, order.amount, order.currency,
                           limited=destination.own is None)
        return account, destination

    @staticmethod
    def _own_destination(session: Session, customer_id: int, account: Account, to_account_id: str) -> _Destination:
        """Another account of the customer's, in the sending account's currency."""
        receiving = owned_account(session, customer_id, to_account_id)
        if receiving.id == account.id:
            raise SameAccount("The money would leave and arrive on the same account: choose another one.")
        if receiving.currency != account.currency:
            raise CurrencyNotSupported(f"Moves are made between {account.currency} accounts only.")
        return _Destination(name=receiving.name, iban=receiving.iban, account_id=receiving.id, own=receiving)

    def _check_amount(self, session: Session, customer_id: int, account: Account, amount: Decimal, currency: str,
                      limited: bool = True) -> Decimal:
        """The currency, the limits (`limited`: not for a move between own accounts) and the funds, whoever the
        payee; what the daily limit leaves today."""
        if currency != SUPPORTED_CURRENCY or currency != account.currency:
            raise CurrencyNotSupported(f"Transfers are made in {account.currency} only.")
        if limited:
            remaining = self._check_limits(session, customer_id, amount, currency)
        else:
            remaining = max(self._limits.daily - self._sent_today(session, customer_id), Decimal("0.00"))
        if account.balance_minor < to_minor_units(amount):
            raise InsufficientFunds("The balance of this account is not enough for this transfer.")
        return remaining

    def _destination(self, session: Session, customer_id: int, order: TransferOrder) -> _Destination:
        if order.payee_id is not None:
            payee = session.get(Payee, order.payee_id)
            if payee is None or payee.customer_id != customer_id:
                raise PayeeNotFound("No such payee for this customer.")
            return _Destination(name=payee.name, iban=payee.iban, account_id=payee.account_id)
        assert order.payee_phone is not None
        try:
            receiver = find_customer_by_phone(session, order.payee_phone)
        except CustomerNotFound as exc:
            raise PayeeNotFound("Nobody banks here with this phone number.") from exc
        receiving = session.execute(
            select(Account)
            .where(Account.customer_id == receiver.id, Account.type == PAYEE_ACCOUNT_TYPE)
            .order_by(Account.position, Account.id)
            .limit(1)
        ).scalar_one_or_none()
        if receiving is None:
            raise PayeeNotFound("This customer has no account that can receive transfers.")
        # A number that is one of the sender's saved payees' is that payee: named as the sender saved them.
        saved = session.execute(
            select(Payee.name)
            .where(Payee.customer_id == customer_id, Payee.account_id == receiving.id)
            .order_by(Payee.position, Payee.id)
            .limit(1)
        ).scalar_one_or_none()
        name = saved if saved is not None else f"{receiver.first_name} {receiver.last_name}"
        return _Destination(name=name, iban=receiving.iban, account_id=receiving.id)

    def _check_limits(self, session: Session, customer_id: int, amount: Decimal, currency: str) -> Decimal:
        """LimitExceeded or DailyLimitExceeded; else what the daily limit leaves today, before `amount`."""
        used_today = self._sent_today(session, customer_id)
        remaining = max(self._limits.daily - used_today, Decimal("0.00"))
        if amount > self._limits.per_transfer:
            # Both limits at once when today's allowance is the smaller: "250 at most; 30 left today", not 250 first
            # and, once the customer asks for 250, "30 left".
            if remaining < self._limits.per_transfer:
                raise LimitExceeded(
                    f"A transfer is {format_amount(self._limits.per_transfer)} {currency} at most; "
                    f"{format_amount(remaining)} {currency} left today.",
                    details={"limit": format_amount(self._limits.per_transfer), "remaining": format_amount(remaining)},
                )
            raise LimitExceeded(
                f"A transfer is {format_amount(self._limits.per_transfer)} {currency} at most.",
                details={"limit": format_amount(self._limits.per_transfer)},
            )
        if amount > remaining:
            raise DailyLimitExceeded(
                f"Transfers are {format_amount(self._limits.daily)} {currency} a day at most; "
                f"{format_amount(remaining)} {currency} left today.",
                details={"limit": format_amount(self._limits.daily), "remaining": format_amount(remaining)},
            )
        return remaining

    def _sent_today(self, session: Session, customer_id: int) -> Decimal:
        """What left the customer today (the bank's day): their transfers, not their moves between own accounts."""
        today = bank_day(self._clock())
        own_accounts = select(Account.id).where(Account.customer_id == customer_id)
        total = session.execute(
            select(func.coalesce(func.sum(Transfer.amount_minor), 0)).where(
                Transfer.customer_id == customer_id,
                Transfer.executed_at >= start_of_day(today, BANK_ZONE),
                Transfer.executed_at < start_of_day(today + timedelta(days=1), BANK_ZONE),
                or_(Transfer.to_account_id.is_(None), Transfer.to_account_id.not_in(own_accounts)),
            )
        ).scalar_one()
        return from_minor_units(int(total))

    # -- booking --

    def _book(
        self, session: Session, customer_id: int, account: Account, destination: _Destination, order: TransferOrder
    ) -> TransferReceipt:
        now = self._clock()
        amount_minor = to_minor_units(order.amount)
        debited = session.execute(
            update(Account)
            .where(Account.id == account.id, Account.balance_minor >= amount_minor)
            .values(balance_minor=Account.balance_minor - amount_minor)
        )
        if debited.rowcount != 1:
            raise InsufficientFunds("The balance of this account is not enough for this transfer.")
        sender = session.get(Customer, customer_id)
        assert sender is not None
        out, received = _statement_lines(account, destination, f"{sender.first_name} {sender.last_name}")
        reference = self._new_reference(TRANSFER_PREFIX)
        session.add(Transaction(id=f"txn_{reference}_out", account_id=account.id, booked_at=now, **out,
                                amount_minor=-amount_minor, currency=order.currency))
        if destination.account_id is not None:
            session.execute(
                update(Account)
                .where(Account.id == destination.account_id)
                .values(balance_minor=Account.balance_minor + amount_minor)
            )
            session.add(Transaction(id=f"txn_{reference}_in", account_id=destination.account_id, booked_at=now,
                                    **received, amount_minor=amount_minor, currency=order.currency))
        session.add(
            Transfer(
                reference=reference,
                customer_id=customer_id,
                from_account_id=account.id,
                to_account_id=destination.account_id,
                payee_name=destination.name,
                payee_iban=destination.iban,
                amount_minor=amount_minor,
                currency=order.currency,
                status=EXECUTED,
                executed_at=now,
            )
        )
        balance_after = session.execute(select(Account.balance_minor).where(Account.id == account.id)).scalar_one()
        return TransferReceipt(
            reference=reference,
            status=EXECUTED,
            amount=order.amount,
            currency=order.currency,
            payee_name=destination.name,
            from_account_id=account.id,
            executed_at=now,
            balance_after=from_minor_units(balance_after),
        )


# A move between own accounts, as the statements show it (the kinds the seed's moves to savings have): a kind for each
# side, no counterparty. Other pairs of own accounts read as transfers, the other account named.
_OWN_MOVE_KINDS = {
    ("current", "savings"): ("savings_transfer_out", "savings_transfer_in"),
    ("savings", "current"): ("savings_withdrawal", "savings_withdrawal_in"),
}


def _statement_lines(account: Account, destination: _Destination, sender_name: str) -> tuple[dict, dict]:
    """The description, kind and counterparty of the transaction on each side: the sending account's, the receiving's."""
    kinds = _OWN_MOVE_KINDS.get((account.type, destination.own.type)) if destination.own is not None else None
    if kinds is not None:
        assert destination.own is not None
        return ({"description": f"Transfer to {destination.own.type} account", "kind": kinds[0], "counterparty": None},
                {"description": f"Transfer from {account.type} account", "kind": kinds[1], "counterparty": None})
    sent_by = account.name if destination.own is not None else sender_name
    return ({"description": f"Transfer to {destination.name}", "kind": "transfer_out", "counterparty": destination.name},
            {"description": f"Transfer from {sent_by}", "kind": "transfer_in", "counterparty": sent_by})
