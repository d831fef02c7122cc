"""Freezing a card for now and unfreezing it, and (development only) the card network asking to pay with a card.

A freeze is immediate and reversible: a frozen card cannot pay until it is unfrozen. It is not a
block: a blocked card is blocked for good (lost, stolen, damaged) and can be neither frozen nor
unfrozen (422 card_blocked); a frozen card can still be blocked. Freezing a frozen card, or unfreezing
an active one, gives it back unchanged.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictStr

from bot.core_bank.contract.customers import Card
from bot.core_bank.contract.wire import CurrencyCode, Money, PositiveAmount, RequestModel, Text, Timestamp, WireModel

MERCHANT_MAX_LENGTH = 100


class FrozenCard(Card):
    status: Literal["frozen"]
    frozen_at: Timestamp = Field(..., description="when it was frozen")


class ActiveCard(Card):
    status: Literal["active"]


class MerchantName(Text):
    max_length = MERCHANT_MAX_LENGTH
    example = "Fnac"


class AuthorisationRequest(RequestModel):
    """What the card network asks: may this card pay this amount to this merchant now?"""

    amount: PositiveAmount
    currency: CurrencyCode = Field(..., description="EUR only (another code: 422 currency_not_supported)")
    merchant: MerchantName


class Authorisation(WireModel):
    card_id: StrictStr
    last4: StrictStr = Field(..., regex="^[0-9]{4}$")
    status: Literal["approved"]
    amount: Money = Field(..., example="42.10")
    currency: StrictStr = Field(..., regex="^[A-Z]{3}$", example="EUR")
    merchant: StrictStr = Field(..., example="Fnac")
    authorised_at: Timestamp
