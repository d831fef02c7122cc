"""Blocking a card at once, and ordering a new one (idempotent), delivered to the customer's address.

Blocking a blocked card gives it back unchanged. A new card goes on a current account; a
customer holds one credit card at most and an account one debit card at most (an active card or
one on order takes the place); `replaces_card_id` names the blocked card it replaces.
"""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, StrictStr

from bot.core_bank.contract.customers import MASKED_ADDRESS_EXAMPLE, Card
from bot.core_bank.contract.wire import Choice, Day, Identifier, RequestModel, Timestamp, WireModel

BLOCK_REASONS = ("lost", "stolen", "damaged")
CARD_KINDS = ("debit", "credit")


class BlockReason(Choice):
    choices = BLOCK_REASONS


class CardKind(Choice):
    choices = CARD_KINDS


class BlockCardRequest(RequestModel):
    reason: BlockReason


class BlockedCard(Card):
    status: Literal["blocked"]
    blocked_at: Timestamp
    block_reason: Literal["lost", "stolen", "damaged"]


class CardOrderRequest(RequestModel):
    kind: CardKind
    account_id: Identifier = Field(..., description="the customer's current account")
    replaces_card_id: Optional[Identifier] = Field(
        None,
        nullable=True,
        description="a blocked card of the customer, of the same kind (a debit card: of the same account), "
        "not replaced yet",
    )


class CardOrder(WireModel):
    reference: StrictStr = Field(..., regex="^CO-[A-Z0-9]{8}$", example="CO-4F7K2Q9Z")
    kind: Literal["debit", "credit"]
    account_id: StrictStr
    replaces_card_id: Optional[StrictStr] = Field(..., nullable=True)
    status: Literal["ordered"]
    delivery_address_masked: StrictStr = Field(..., example=MASKED_ADDRESS_EXAMPLE)
    estimated_delivery: Day = Field(..., description="5 business days after the order (weekends skipped)")
    ordered_at: Timestamp


class CardOrderList(WireModel):
    orders: list[CardOrder] = Field(..., description="newest first")
