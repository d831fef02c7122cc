"""Payees, and transfers: check an amount (read-only), prepare (a code bound to the transaction is sent), then execute with the code."""
from __future__ import annotations

import asyncio

from sanic import Request
from sanic.response import HTTPResponse

from bot.core_bank.accounts import normalize_phone
from bot.core_bank.contract import transfers as contract
from bot.core_bank.routes.http import body, idempotency_key, json_response, recorded_response, signed_in_customer
from bot.core_bank.transfers import TransferOrder


def transfer_order(asked: contract.TransferRequest) -> TransferOrder:
    return TransferOrder(
        from_account_id=asked.from_account_id,
        amount=asked.amount,
        currency=asked.currency,
        payee_id=asked.payee_id,
        payee_phone=None if asked.payee_phone is None else normalize_phone(asked.payee_phone, field="payee_phone"),
        to_account_id=asked.to_account_id,
    )


async def payees(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    found = await asyncio.to_thread(request.app.ctx.transfers.payees, customer_id)
    return json_response(contract.PayeeList(payees=[p.to_contract() for p in found]))


async def check_transfer(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    asked = body(request, contract.CheckTransferRequest)
    checked = await asyncio.to_thread(
        request.app.ctx.transfers.check, customer_id, asked.from_account_id, asked.amount, asked.currency,
        asked.to_account_id,
    )
    return json_response(checked.to_contract())


async def prepare_transfer(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    asked = body(request, contract.PrepareTransferRequest)
    prepared = await asyncio.to_thread(request.app.ctx.transfers.prepare, customer_id, transfer_order(asked), asked.language)
    return json_response(prepared.to_contract(), status=201)


async def execute_transfer(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    key = idempotency_key(request)
    asked = body(request, contract.ExecuteTransferRequest)
    recorded = await asyncio.to_thread(
        request.app.ctx.transfers.execute, customer_id, key, transfer_order(asked), asked.challenge_id, asked.code
    )
    return recorded_response(recorded)


HANDLERS = {"listPayees": payees, "checkTransfer": check_transfer, "prepareTransfer": prepare_transfer, "executeTransfer": execute_transfer}
