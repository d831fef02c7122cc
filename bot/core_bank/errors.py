"""The core bank's errors: each one is a status, a stable code and a message.

The HTTP layer turns any `CoreBankError` into
`{"error": {"code": ..., "message": ..., **details}}` with `status` (the contract's `Error`: a
detail it does not name cannot be sent). Domain code raises them; it never builds HTTP
responses itself.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping, Optional

from bot.core_bank.contract.errors import Error, ErrorDetail


class CoreBankError(Exception):
    """An error the API reports to its caller as JSON."""

    status: int = 500
    code: str = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        details: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})
        self.headers: dict[str, str] = dict(headers or {})

    def to_json(self) -> dict[str, Any]:
        return Error(error=ErrorDetail(code=self.code, message=self.message, **self.details)).wire()


class InvalidRequest(CoreBankError):
    status = 400
    code = "invalid_request"


class Unauthorized(CoreBankError):
    status = 401
    code = "unauthorized"

    def __init__(self, message: str, *, invalid_token: bool = False) -> None:
        challenge = 'Bearer error="invalid_token"' if invalid_token else "Bearer"
        super().__init__(message, headers={"WWW-Authenticate": challenge})


class ServiceTokenRequired(CoreBankError):
    """What only a channel may ask (linking one of its users, asking a code for one) came without its service token."""

    status = 403
    code = "service_token_required"


class OtpInvalid(CoreBankError):
    status = 401
    code = "otp_invalid"

    def __init__(self, attempts_left: int) -> None:
        super().__init__(
            f"That code is not right. {attempts_left} attempt(s) left before OTP is locked.",
            details={"attempts_left": attempts_left},
        )


class NotFound(CoreBankError):
    status = 404
    code = "not_found"


class CustomerNotFound(NotFound):
    code = "customer_not_found"


class NotLinked(NotFound):
    code = "not_linked"


class ChallengeNotFound(NotFound):
    code = "challenge_not_found"


class AccountNotFound(NotFound):
    code = "account_not_found"


class CardNotFound(NotFound):
    code = "card_not_found"


class PayeeNotFound(NotFound):
    code = "payee_not_found"


class TransactionNotFound(NotFound):
    code = "transaction_not_found"


class DisputeNotFound(NotFound):
    code = "dispute_not_found"


class AppointmentNotFound(NotFound):
    code = "appointment_not_found"


class MethodNotAllowed(CoreBankError):
    status = 405
    code = "method_not_allowed"


class OtpUsed(CoreBankError):
    status = 409
    code = "otp_used"


class DisputeExists(CoreBankError):
    """The transaction already has a dispute case: `reference` names it."""

    status = 409
    code = "dispute_exists"

    def __init__(self, reference: str) -> None:
        super().__init__(
            f"This payment is already disputed: case {reference}.", details={"reference": reference}
        )


class SlotTaken(CoreBankError):
    status = 409
    code = "slot_taken"


class AppointmentOverlap(CoreBankError):
    """The customer already has a confirmed appointment at that time: `reference` names it."""

    status = 409
    code = "appointment_overlap"

    def __init__(self, reference: str) -> None:
        super().__init__(
            f"You already have an appointment at that time: {reference}. Choose another slot.",
            details={"reference": reference},
        )


class OtpExpired(CoreBankError):
    status = 410
    code = "otp_expired"


class PayloadTooLarge(CoreBankError):
    status = 413
    code = "payload_too_large"


class Unprocessable(CoreBankError):
    """A well-formed request that the bank's rules refuse."""

    status = 422
    code = "unprocessable"


class IdempotencyKeyReused(Unprocessable):
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was already used for a different request: use a new key for a new request."
        )


class OutOfRange(Unprocessable):
    code = "out_of_range"


class AccountNotEligible(Unprocessable):
    code = "account_not_eligible"


class CreditCardLimit(Unprocessable):
    code = "credit_card_limit"


class CardAlreadyActive(Unprocessable):
    code = "card_already_active"


class ReplacementNotAllowed(Unprocessable):
    code = "replacement_not_allowed"


class CurrencyNotSupported(Unprocessable):
    code = "currency_not_supported"


class SameAccount(Unprocessable):
    code = "same_account"


class LimitExceeded(Unprocessable):
    code = "limit_exceeded"


class DailyLimitExceeded(Unprocessable):
    code = "daily_limit_exceeded"


class InsufficientFunds(Unprocessable):
    code = "insufficient_funds"


class CardBlocked(Unprocessable):
    code = "card_blocked"


class CardFrozen(Unprocessable):
    code = "card_frozen"


class NotDisputable(Unprocessable):
    code = "not_disputable"


class DisputeTooLate(Unprocessable):
    code = "dispute_too_late"


class DisputeStatusNotAllowed(Unprocessable):
    code = "dispute_status_not_allowed"


class SlotUnavailable(Unprocessable):
    code = "slot_unavailable"


class SlotInPast(Unprocessable):
    code = "slot_in_past"


class AppointmentCancelled(Unprocessable):
    code = "appointment_cancelled"


class AppointmentPast(Unprocessable):
    code = "appointment_past"


class OtpBindingMismatch(Unprocessable):
    """The code was right but the transaction is not the one it was sent for: the code is burnt."""

    code = "otp_binding_mismatch"

    def __init__(self, attempts_left: int) -> None:
        super().__init__(
            "This code was sent for a different transaction (amount, payee, account or currency changed); "
            f"it can no longer be used. {attempts_left} attempt(s) left before OTP is locked.",
            details={"attempts_left": attempts_left},
        )


class OtpLocked(CoreBankError):
    status = 423
    code = "otp_locked"

    def __init__(self, locked_until: datetime) -> None:
        super().__init__(
            "Too many wrong codes: one-time codes are locked here for now.",
            details={"locked_until": locked_until},
        )
        self.locked_until = locked_until


class TooManyChallenges(CoreBankError):
    status = 429
    code = "too_many_challenges"

    def __init__(self, retry_at: datetime) -> None:
        super().__init__(
            "Too many codes were asked for; try again later.",
            details={"retry_at": retry_at},
        )
        self.retry_at = retry_at


class InternalError(CoreBankError):
    status = 500
    code = "internal_error"
