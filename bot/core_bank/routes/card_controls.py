"""Freezing and unfreezing a card; (development only) the card network asking whether a card may pay."""
from __future__ import annotations

import asyncio

from sanic import Request
from sanic.response import HTTPResponse

from bot.core_bank.card_controls import Payment
from bot.core_bank.contract import card_controls as contract
from bot.core_bank.routes.http import body, json_response, signed_in_customer


async def freeze_card(request: Request, card_id: str) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    card = await asyncio.to_thread(request.app.ctx.card_controls.freeze, customer_id, card_id)
    return json_response(card.to_contract())


async def unfreeze_card(request: Request, card_id: str) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    card = await asyncio.to_thread(request.app.ctx.card_controls.unfreeze, customer_id, card_id)
    return json_response(card.to_contract())


async def authorise_card_payment(request: Request, card_id: str) -> HTTPResponse:
    """Dev only: what the card network would ask when the card is used."""
    asked = body(request, contract.AuthorisationRequest)
    payment = Payment(amount=asked.amount, currency=asked.currency, merchant=asked.merchant)
    approval = await asyncio.to_thread(request.app.ctx.card_controls.authorise, card_id, payment)
    return json_response(approval.to_contract())


HANDLERS = {"freezeCard": freeze_card, "unfreezeCard": unfreeze_card, "authoriseCardPayment": authorise_card_payment}
