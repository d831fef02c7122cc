"""What the bank's staff see besides what the customer sees: whose case or appointment it is.

Staff routes (/v1/staff/...) take the branch's service token (X-Service-Token), never a customer's.
"""
from __future__ import annotations

from pydantic import Field, StrictStr

from bot.core_bank.contract.wire import WireModel


class CaseCustomer(WireModel):
    """Whose case or appointment it is."""

    customer_number: StrictStr = Field(..., example="100001")
    first_name: StrictStr
    last_name: StrictStr
