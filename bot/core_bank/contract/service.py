"""The service itself: liveness, and (development only) the texts the SMS gateway stand-in has sent."""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, StrictStr

from bot.core_bank.contract.wire import RequestModel, Timestamp, WireModel


class Health(WireModel):
    status: Literal["ok"]


class SmsOutboxQuery(RequestModel):
    where = "query"

    to: Optional[StrictStr] = Field(None, description="only messages to this phone number (any common format)")


class SmsMessage(WireModel):
    to: StrictStr = Field(..., example="+33612345678")
    text: StrictStr
    sent_at: Timestamp


class SmsOutbox(WireModel):
    messages: list[SmsMessage] = Field(..., description="newest first")
