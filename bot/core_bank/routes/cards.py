"""Blocking a card, and ordering a new one."""
from __future__ import annotations

import asyncio

from sanic import Request
from sanic.response import HTTPResponse

from bot.core_bank.cards import CardOrderRequest
from bot.core_bank.contract import cards as contract
from bot.core_bank.routes.http import body, idempotency_key, json_response, recorded_response, signed_in_customer


async def block_card(request: Request, card_id: str) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    asked = body(request, contract.BlockCardRequest)
    card = await asyncio.to_thread(request.app.ctx.cards.block, customer_id, card_id, asked.reason)
    return json_response(card.to_json())


async def order_card(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    key = idempotency_key(request)
    asked = body(request, contract.CardOrderRequest)
    order = CardOrderRequest(kind=asked.kind, account_id=asked.account_id, replaces_card_id=asked.replaces_card_id)
    return recorded_response(await asyncio.to_thread(request.app.ctx.cards.order, customer_id, key, order))


async def card_orders(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    found = await asyncio.to_thread(request.app.ctx.cards.orders, customer_id)
    return json_response(contract.CardOrderList(orders=[contract.CardOrder.from_orm(o) for o in found]))


HANDLERS = {"blockCard": block_card, "orderCard": order_card, "listCardOrders": card_orders}
