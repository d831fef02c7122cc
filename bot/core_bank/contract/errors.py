"""The one error shape: {"error": {"code", "message", ...details}}, with the status the code goes with.

`code` is stable and meant for programs; `message` is a sentence for people. The details are
present only with the codes that give them.
"""
from __future__ import annotations

import json
from typing import Any, Literal, Optional, Union

from pydantic import Field, StrictInt, StrictStr

from bot.core_bank.contract.wire import Money, Timestamp, WireModel


class ErrorDetail(WireModel):
    code: StrictStr = Field(..., example="otp_invalid")
    message: StrictStr
    attempts_left: Optional[StrictInt] = Field(None, description="otp_invalid and otp_binding_mismatch only")
    locked_until: Optional[Timestamp] = Field(None, description="otp_locked only")
    retry_at: Optional[Timestamp] = Field(None, description="too_many_challenges only")
    limit: Optional[Money] = Field(None, description="limit_exceeded and daily_limit_exceeded only")
    remaining: Optional[Money] = Field(
        None, description="daily_limit_exceeded, and limit_exceeded when today's allowance is the smaller: what can still be sent today"
    )
    field: Optional[Literal["amount", "term_months"]] = Field(None, description="out_of_range only")
    min: Optional[Union[Money, StrictInt]] = Field(
        None, description="out_of_range only: the smallest allowed value (an amount, or months)"
    )
    max: Optional[Union[Money, StrictInt]] = Field(
        None, description="out_of_range only: the largest allowed value (an amount, or months)"
    )
    reference: Optional[StrictStr] = Field(
        None, description="dispute_exists: the case already open; appointment_overlap: the customer's appointment at that time"
    )


class Error(WireModel):
    """Every error the API answers."""

    error: ErrorDetail

    def wire(self) -> dict[str, Any]:
        """The JSON object; details an error does not have are left out."""
        return json.loads(self.json(exclude_none=True))

    @property
    def details(self) -> dict[str, Any]:
        """The details as they travel (amounts and times as strings)."""
        return {k: v for k, v in self.wire()["error"].items() if k not in ("code", "message")}
