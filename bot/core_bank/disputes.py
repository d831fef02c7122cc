"""Disputed payments: a customer's case on one of their own transactions, and the staff's queue of them.

Rules (one place each):
- a customer disputes their own transaction (another customer's is reported like one that does not
  exist), money that left the account only, not a move to their own savings (NotDisputable), booked
  within the last `unauthorised_debit_months` months (DisputeTooLate);
- one case per transaction: a second is refused with DisputeExists, naming the first (the unique
  transaction_id of the table keeps it so even for requests at once);
- an advisor must take the case (`advisor_reason`, decided when it is opened, in this order): the
  customer does not recognise the payment (possible_fraud); more than `dispute_advisor_threshold` left
  the account (amount_above_threshold); the reason is `other`, in the customer's words (reason_other);
- the case is open, then under_review, then resolved or rejected (it may be settled straight from open);
  the same status again changes nothing, a settled case changes no more (DisputeStatusNotAllowed);
- the bank reviews a case within `dispute_review_days` and settles it within `dispute_resolution_days`
  working days of its opening (the day in Paris).
The figures are the bank's published facts (bank_facts.yml).
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.core_bank.bank_time import bank_day
from bot.core_bank.cards import add_business_days
from bot.core_bank.contract import disputes as contract
from bot.core_bank.contract.customers import OTHER_KIND, TRANSACTION_KINDS
from bot.core_bank.contract.staff import CaseCustomer
from bot.core_bank.errors import (
    DisputeExists,
    DisputeNotFound,
    DisputeStatusNotAllowed,
    DisputeTooLate,
    InvalidRequest,
    NotDisputable,
    TransactionNotFound,
)
from bot.core_bank.facts import file_facts
from bot.core_bank.idempotency import IdempotentRequests, IdempotentService, RecordedResponse
from bot.core_bank.models import Account, Customer, Dispute, Transaction, from_minor_units, lock_customer
from bot.core_bank.references import DISPUTE_PREFIX, ReferenceGenerator, new_reference
from bot.clock import Clock, utc_now
from bot.privacy.redaction import mask_card_numbers

REASONS = contract.DISPUTE_REASONS
OPEN = "open"
UNDER_REVIEW = "under_review"
RESOLVED = "resolved"
REJECTED = "rejected"
NEXT_STATUSES = {OPEN: (UNDER_REVIEW, RESOLVED, REJECTED), UNDER_REVIEW: (RESOLVED, REJECTED)}
NOT_DISPUTABLE_KINDS = ("savings_transfer_out", "savings_withdrawal")  # the customer's own money, moved by them


@dataclass(frozen=True)
class DisputeRules:
    """The bank's figures for disputes, from its published facts."""

    advisor_threshold: Decimal
    review_days: int
    resolution_days: int
    months_to_dispute: int

    @classmethod
    def from_facts(cls) -> "DisputeRules":
        facts = file_facts()
        return cls(
            advisor_threshold=Decimal(facts["dispute_advisor_threshold"].value),
            review_days=int(facts["dispute_review_days"].value),
            resolution_days=int(facts["dispute_resolution_days"].value),
            months_to_dispute=int(facts["unauthorised_debit_months"].value),
        )

    def advisor_reason(self, reason: str, amount: Decimal) -> Optional[str]:
        """Why an advisor must take a case (None: the back office settles it). `amount` is signed."""
        if reason == "not_recognised":
            return "possible_fraud"
        if -amount > self.advisor_threshold:
            return "amount_above_threshold"
        if reason == "other":
            return "reason_other"
        return None


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it has fewer): 2026-03-31 - 1 -> 2026-02-28."""
    year, month_index = divmod(day.year * 12 + day.month - 1 - months, 12)
    month = month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class DisputeRequest:
    transaction_id: str
    reason: str
    details: Optional[str] = None

    def normalized(self) -> dict[str, Any]:
        return {"transaction_id": self.transaction_id, "reason": self.reason, "details": self.details}


def _transaction(row: Transaction) -> contract.DisputedTransaction:
    return contract.DisputedTransaction(
        transaction_id=row.id,
        account_id=row.account_id,
        booked_at=row.booked_at,
        description=row.description,
        kind=row.kind if row.kind in TRANSACTION_KINDS else OTHER_KIND,
        counterparty=row.counterparty or None,
        amount=from_minor_units(row.amount_minor),
        currency=row.currency,
    )


class Disputes(IdempotentService):
    """A customer's disputes, and the staff's view and handling of them."""

    def __init__(
        self,
        sessions: sessionmaker,
        idempotency: IdempotentRequests,
        clock: Clock = utc_now,
        reference_generator: ReferenceGenerator = new_reference,
        rules: Optional[DisputeRules] = None,
    ) -> None:
        super().__init__(sessions, idempotency, clock, reference_generator)
        self.rules = rules or DisputeRules.from_facts()

    # -- the customer's --

    def open(self, customer_id: int, idempotency_key: str, request: DisputeRequest) -> RecordedResponse:
        """Opens a case on the customer's transaction (once per Idempotency-Key): 201 with the case."""
        if request.reason not in REASONS:
            raise InvalidRequest(f"reason must be one of {', '.join(REASONS)}.")

        def file(session: Session) -> tuple[int, dict[str, Any]]:
            lock_customer(session, customer_id)  # two cases at once on one payment: the second sees the first
            transaction = self._own_transaction(session, customer_id, request.transaction_id)
            self._check_disputable(transaction)
            earlier = session.execute(
                select(Dispute.reference).where(Dispute.transaction_id == transaction.id)
            ).scalar_one_or_none()
            if earlier is not None:
                raise DisputeExists(earlier)
            now = self._clock()
            row = Dispute(
                reference=self._new_reference(DISPUTE_PREFIX),
                customer_id=customer_id,
                transaction_id=transaction.id,
                reason=request.reason,
                details=mask_card_numbers(request.details) if request.details else None,  # never a card number at rest
                status=OPEN,
                advisor_reason=self.rules.advisor_reason(request.reason, from_minor_units(transaction.amount_minor)),
                opened_at=now,
                updated_at=now,
            )
            session.add(row)
            return 201, self._contract(row, transaction).wire()

        return self._idempotency.run(customer_id, idempotency_key, "open_dispute", request.normalized(), file)

    def of_customer(self, customer_id: int) -> list[contract.Dispute]:
        """The customer's cases, newest first."""
        with self._sessions() as session:
            rows = session.execute(
                select(Dispute, Transaction)
                .join(Transaction, Transaction.id == Dispute.transaction_id)
                .where(Dispute.customer_id == customer_id)
                .order_by(Dispute.opened_at.desc(), Dispute.row_id.desc())
            ).all()
            return [self._contract(dispute, transaction) for dispute, transaction in rows]

    def get(self, customer_id: int, reference: str) -> contract.Dispute:
        with self._sessions() as session:
            found = session.execute(
                select(Dispute, Transaction)
                .join(Transaction, Transaction.id == Dispute.transaction_id)
                .where(Dispute.reference == reference, Dispute.customer_id == customer_id)
            ).first()
            if found is None:
                raise DisputeNotFound("No such dispute for this customer.")
            return self._contract(*found)

    # -- the staff's --

    def queue(self, status: Optional[str] = None) -> list[contract.StaffDispute]:
        """Every case with `status` (without one: every case not settled yet), oldest first, with its customer."""
        statuses = (status,) if status is not None else contract.OPEN_STATUSES
        with self._sessions() as session:
            rows = session.execute(
                select(Dispute, Transaction, Customer)
                .join(Transaction, Transaction.id == Dispute.transaction_id)
                .join(Customer, Customer.id == Dispute.customer_id)
                .where(Dispute.status.in_(statuses))
                .order_by(Dispute.opened_at, Dispute.row_id)
            ).all()
            return [self._staff_contract(*row) for row in rows]

    def set_status(self, reference: str, status: str) -> contract.StaffDispute:
        """Moves a case on (open -> under_review -> resolved or rejected); the same status again changes nothing."""
        with self._sessions() as session:
            dispute = session.execute(select(Dispute).where(Dispute.reference == reference)).scalar_one_or_none()
            if dispute is None:
                raise DisputeNotFound("No such dispute.")
            if dispute.status != status:
                if status not in NEXT_STATUSES.get(dispute.status, ()):
                    raise DisputeStatusNotAllowed(
                        f"A case that is {dispute.status.replace('_', ' ')} cannot become {status.replace('_', ' ')}."
                    )
                # Conditional: of two changes at once, the second finds the status moved and is refused.
                changed = session.execute(
                    update(Dispute)
                    .where(Dispute.row_id == dispute.row_id, Dispute.status == dispute.status)
                    .values(status=status, updated_at=self._clock())
                ).rowcount
                session.commit()
                if changed != 1:
                    return self.set_status(reference, status)
            found = session.execute(
                select(Dispute, Transaction, Customer)
                .join(Transaction, Transaction.id == Dispute.transaction_id)
                .join(Customer, Customer.id == Dispute.customer_id)
                .where(Dispute.reference == reference)
                .execution_options(populate_existing=True)
            ).one()
            return self._staff_contract(*found)

    # -- rules and shapes --

    def _own_transaction(self, session: Session, customer_id: int, transaction_id: str) -> Transaction:
        found = session.execute(
            select(Transaction)
            .join(Account, Account.id == Transaction.account_id)
            .where(Transaction.id == transaction_id, Account.customer_id == customer_id)
        ).scalar_one_or_none()
        if found is None:
            raise TransactionNotFound("No such transaction for this customer.")
        return found

    def _check_disputable(self, transaction: Transaction) -> None:
        if transaction.amount_minor >= 0:
            raise NotDisputable("Only money that left the account can be disputed; this was money received.")
        if transaction.kind in NOT_DISPUTABLE_KINDS:
            raise NotDisputable("A move to the customer's own savings account cannot be disputed.")
        booked_on = bank_day(transaction.booked_at)
        earliest = months_before(bank_day(self._clock()), self.rules.months_to_dispute)
        if booked_on < earliest:
            raise DisputeTooLate(
                f"A payment can be disputed within {self.rules.months_to_dispute} months; this one was on "
                f"{booked_on.isoformat()}."
            )

    def _contract(self, dispute: Dispute, transaction: Transaction) -> contract.Dispute:
        return contract.Dispute(**self._fields(dispute, transaction))

    def _staff_contract(self, dispute: Dispute, transaction: Transaction, customer: Customer) -> contract.StaffDispute:
        return contract.StaffDispute(
            **self._fields(dispute, transaction),
            customer=CaseCustomer(
                customer_number=customer.customer_number, first_name=customer.first_name, last_name=customer.last_name
            ),
        )

    def _fields(self, dispute: Dispute, transaction: Transaction) -> dict[str, Any]:
        opened_on = bank_day(dispute.opened_at)
        return dict(
            reference=dispute.reference,
            status=dispute.status,
            reason=dispute.reason,
            details=dispute.details,
            transaction=_transaction(transaction),
            advisor_required=dispute.advisor_reason is not None,
            advisor_reason=dispute.advisor_reason,
            opened_at=dispute.opened_at,
            updated_at=dispute.updated_at,
            review_by=add_business_days(opened_on, self.rules.review_days),
            resolve_by=add_business_days(opened_on, self.rules.resolution_days),
        )
