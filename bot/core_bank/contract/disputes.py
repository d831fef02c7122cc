"""Disputed payments: a customer opens a case on one of their own payments (idempotent), with a reference.

One case per transaction: a second one is refused (409 dispute_exists, naming the case's `reference`).
Only money that left the account can be disputed (not a move to the customer's own savings), and only
within `unauthorised_debit_months` (bank_facts.yml) of its booking. The case is `open`, then
`under_review`, then `resolved` or `rejected` (the bank's staff move it). `review_by` and `resolve_by`
are the days by which the bank reviews and settles it (`dispute_review_days`, `dispute_resolution_days`
working days after it was opened, in Paris).

An advisor must take the case (`advisor_required`, `advisor_reason`), in this order:
- `possible_fraud`: the customer does not recognise the payment;
- `amount_above_threshold`: more than `dispute_advisor_threshold` (bank_facts.yml) left the account;
- `reason_other`: a reason the bank's rules do not cover, in the customer's words.
Otherwise (charged twice, wrong amount, not received, up to the threshold) the back office settles it.
"""
from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import Field, StrictBool, StrictStr, root_validator

from bot.core_bank.contract.customers import TransactionKind
from bot.core_bank.contract.staff import CaseCustomer
from bot.core_bank.contract.wire import Choice, Day, Identifier, Money, RequestModel, Text, Timestamp, WireModel, refuse

DISPUTE_REASONS = ("not_recognised", "charged_twice", "wrong_amount", "not_received", "other")
DISPUTE_STATUSES = ("open", "under_review", "resolved", "rejected")
OPEN_STATUSES = ("open", "under_review")
STAFF_STATUSES = ("under_review", "resolved", "rejected")  # what staff may move a case to
ADVISOR_REASONS = ("possible_fraud", "amount_above_threshold", "reason_other")
DETAILS_MAX_LENGTH = 500
DISPUTE_REFERENCE_PATTERN = "^DP-[A-Z0-9]{8}$"

DisputeReasonName = Literal["not_recognised", "charged_twice", "wrong_amount", "not_received", "other"]
DisputeStatusName = Literal["open", "under_review", "resolved", "rejected"]


class DisputeReason(Choice):
    choices = DISPUTE_REASONS


class DisputeDetails(Text):
    max_length = DETAILS_MAX_LENGTH
    example = "I was at home that evening; I have never shopped there."


class DisputeRequest(RequestModel):
    transaction_id: Identifier = Field(..., description="one of the customer's own transactions: money out")
    reason: DisputeReason
    details: Optional[DisputeDetails] = Field(
        None, nullable=True, description="the customer's own words; required when reason is other"
    )

    @root_validator(skip_on_failure=True)
    def _other_says_why(cls, values: dict[str, Any]) -> dict[str, Any]:
        if values.get("reason") == "other" and values.get("details") is None:
            raise refuse("details is required when reason is other: say what is wrong with the payment.")
        return values


class DisputedTransaction(WireModel):
    transaction_id: StrictStr
    account_id: StrictStr
    booked_at: Timestamp
    description: StrictStr = Field(..., example="Card payment — Fnac")
    kind: TransactionKind
    counterparty: Optional[StrictStr] = Field(..., nullable=True, example="Fnac")
    amount: Money = Field(..., description="signed: negative is money out", example="-42.10")
    currency: StrictStr = Field(..., regex="^[A-Z]{3}$", example="EUR")


class Dispute(WireModel):
    reference: StrictStr = Field(..., regex=DISPUTE_REFERENCE_PATTERN, example="DP-4K7Q2M9X")
    status: DisputeStatusName
    reason: DisputeReasonName
    details: Optional[StrictStr] = Field(..., nullable=True)
    transaction: DisputedTransaction
    advisor_required: StrictBool = Field(..., description="an advisor must take the case (then see advisor_reason)")
    advisor_reason: Optional[Literal["possible_fraud", "amount_above_threshold", "reason_other"]] = Field(
        ..., nullable=True, description="why an advisor must take it; null when the back office settles it"
    )
    opened_at: Timestamp
    updated_at: Timestamp = Field(..., description="when the status last changed (opened_at at first)")
    review_by: Day = Field(..., description="dispute_review_days working days after opening (Paris)")
    resolve_by: Day = Field(..., description="dispute_resolution_days working days after opening (Paris)")


class DisputeList(WireModel):
    disputes: list[Dispute] = Field(..., description="newest first")


# --- the bank's staff -----------------------------------------------------------------------


class StaffDispute(Dispute):
    customer: CaseCustomer


class StaffDisputeList(WireModel):
    disputes: list[StaffDispute] = Field(..., description="oldest first (the queue's order)")


class StaffDisputeStatus(Choice):
    choices = DISPUTE_STATUSES


class StaffDisputeQuery(RequestModel):
    where = "query"

    status: Optional[StaffDisputeStatus] = Field(
        None, description="only cases with this status; without it, every case not yet resolved or rejected"
    )


class DisputeStatusChange(Choice):
    choices = STAFF_STATUSES


class DisputeStatusRequest(RequestModel):
    """open -> under_review -> resolved or rejected (a case may also be settled straight from open). The same
    status again changes nothing; a settled case stays as it is."""

    status: DisputeStatusChange
