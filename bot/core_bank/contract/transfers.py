"""Payees, and transfers approved by a code bound to the transaction (PSD2 dynamic linking).

Check (read-only, no payee, no code) answers whether an amount could be sent from an account today:
the same limit and funds refusals prepare gives, or what the daily limit leaves.

Prepare checks everything execution will check and sends a code by SMS that approves exactly
this transaction (amount and payee in the SMS). Execute (idempotent) needs the code and exactly
the prepared fields: any change of amount, payee, account or currency burns the code and counts
as an OTP failure (otp_binding_mismatch). A null payee field is an absent one.

A move between the customer's own accounts names `to_account_id` (one of theirs, not the sending one) instead of a
payee: the same two steps and code, the funds checked, and no transfer limit (the money stays the customer's; such
moves do not count towards the daily limit either).
"""
from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import Field, StrictBool, StrictStr, root_validator

from bot.core_bank.contract.customers import MASKED_IBAN_EXAMPLE
from bot.core_bank.contract.otp import LANGUAGE_FIELD_DESCRIPTION, MASKED_PHONE_EXAMPLE, OtpCode, Phone, SmsLanguage
from bot.core_bank.contract.wire import (
    CurrencyCode,
    Identifier,
    Money,
    PositiveAmount,
    RequestModel,
    Timestamp,
    WireModel,
    refuse,
)


class Payee(WireModel):
    payee_id: StrictStr
    name: StrictStr = Field(..., example="Tom Bernard")
    iban_masked: StrictStr = Field(..., example=MASKED_IBAN_EXAMPLE)
    customer: StrictBool = Field(..., description="the payee banks here: the money arrives at once")


class PayeeList(WireModel):
    payees: list[Payee]


class TransferRequest(RequestModel):
    """Exactly one of payee_id (a saved payee), payee_phone (another customer, any common format) or to_account_id
    (another account of the customer's own)."""

    from_account_id: Identifier
    amount: PositiveAmount
    currency: CurrencyCode = Field(..., description="EUR only (another code: 422 currency_not_supported)")
    payee_id: Optional[Identifier] = Field(None, nullable=True)
    payee_phone: Optional[Phone] = Field(None, nullable=True, example="06 11 22 33 44")
    to_account_id: Optional[Identifier] = Field(
        None, nullable=True, description="another account of the customer's own: a move between own accounts")

    @root_validator(skip_on_failure=True)
    def _exactly_one_payee(cls, values: dict[str, Any]) -> dict[str, Any]:
        given = [name for name in ("payee_id", "payee_phone", "to_account_id") if values.get(name) is not None]
        if len(given) != 1:
            raise refuse("Give exactly one of payee_id, payee_phone or to_account_id.")
        return values


class CheckTransferRequest(RequestModel):
    """An amount to check against the limits and funds, before any payee is known; with `to_account_id`, for a move
    to another account of the customer's own (the funds only: no transfer limit applies)."""

    from_account_id: Identifier
    amount: PositiveAmount
    currency: CurrencyCode = Field(..., description="EUR only (another code: 422 currency_not_supported)")
    to_account_id: Optional[Identifier] = Field(None, nullable=True)


class TransferCheck(WireModel):
    from_account_id: StrictStr
    amount: Money = Field(..., example="120.00")
    currency: StrictStr = Field(..., regex="^[A-Z]{3}$", example="EUR")
    remaining_today: Money = Field(
        ..., example="500.00", description="what the daily limit leaves today, before this amount"
    )


class PrepareTransferRequest(TransferRequest):
    """The transfer to check, and optionally the language of the SMS that approves it."""

    language: Optional[SmsLanguage] = Field(None, description=LANGUAGE_FIELD_DESCRIPTION)


class ExecuteTransferRequest(TransferRequest):
    """The prepared transaction's fields, unchanged, with the challenge and the code from the SMS."""

    challenge_id: Identifier
    code: OtpCode


class PreparedTransferSummary(WireModel):
    from_account_id: StrictStr
    payee_name: StrictStr = Field(..., example="Tom Bernard")
    amount: Money = Field(..., example="20.00")
    currency: StrictStr = Field(..., regex="^[A-Z]{3}$", example="EUR")


class PreparedTransfer(WireModel):
    challenge_id: StrictStr
    expires_at: Timestamp
    sent_to: StrictStr = Field(..., example=MASKED_PHONE_EXAMPLE)
    transfer: PreparedTransferSummary


class TransferReceipt(WireModel):
    reference: StrictStr = Field(..., regex="^TR-[A-Z0-9]{8}$", example="TR-8D3JX2QA")
    status: Literal["executed"]
    amount: Money
    currency: StrictStr = Field(..., regex="^[A-Z]{3}$", example="EUR")
    payee_name: StrictStr
    from_account_id: StrictStr
    executed_at: Timestamp
    balance_after: Money = Field(..., description="the sending account's balance after the transfer")
