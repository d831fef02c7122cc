"""A customer's disputed payments: opening a case, reading them."""
from __future__ import annotations

import asyncio

from sanic import Request
from sanic.response import HTTPResponse

from bot.core_bank.contract import disputes as contract
from bot.core_bank.disputes import DisputeRequest
from bot.core_bank.routes.http import body, idempotency_key, json_response, recorded_response, signed_in_customer


async def open_dispute(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    key = idempotency_key(request)
    asked = body(request, contract.DisputeRequest)
    dispute = DisputeRequest(transaction_id=asked.transaction_id, reason=asked.reason, details=asked.details)
    return recorded_response(await asyncio.to_thread(request.app.ctx.disputes.open, customer_id, key, dispute))


async def list_disputes(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    found = await asyncio.to_thread(request.app.ctx.disputes.of_customer, customer_id)
    return json_response(contract.DisputeList(disputes=found))


async def get_dispute(request: Request, reference: str) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    return json_response(await asyncio.to_thread(request.app.ctx.disputes.get, customer_id, reference))


HANDLERS = {"openDispute": open_dispute, "listDisputes": list_disputes, "getDispute": get_dispute}
