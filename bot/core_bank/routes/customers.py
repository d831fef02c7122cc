"""What a signed-in customer reads: profile, accounts and their bank details, transactions, cards."""
from __future__ import annotations

import asyncio

from sanic import Request
from sanic.response import HTTPResponse

from bot.core_bank.contract import customers as contract
from bot.core_bank.periods import time_zone
from bot.core_bank.routes.http import json_response, query, signed_in_customer


async def me(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    profile = await asyncio.to_thread(request.app.ctx.records.profile, customer_id)
    return json_response(contract.Me.from_orm(profile))


async def accounts(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    found = await asyncio.to_thread(request.app.ctx.records.accounts, customer_id)
    return json_response(contract.AccountList(accounts=[contract.Account.from_orm(a) for a in found]))


async def account_details(request: Request, account_id: str) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    details = await asyncio.to_thread(request.app.ctx.records.account_details, customer_id, account_id)
    return json_response(contract.AccountDetails.from_orm(details))


async def transactions(request: Request, account_id: str) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    asked = query(request, contract.TransactionQuery)
    page = await asyncio.to_thread(
        request.app.ctx.records.transactions, customer_id, account_id, asked.limit, asked.before, asked.since, asked.until,
        time_zone(asked.time_zone),
    )
    return json_response(
        contract.TransactionPage(
            transactions=[contract.Transaction.from_orm(t) for t in page.transactions], next_before=page.next_before
        )
    )


async def cards(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    found = await asyncio.to_thread(request.app.ctx.records.cards, customer_id)
    return json_response(
        contract.CardList(
            cards=[
                contract.Card(
                    card_id=c.card_id,
                    kind=c.kind,
                    brand=c.brand,
                    last4=c.last4,
                    status=c.status,
                    account_id=c.account_id,
                    expiry=f"{c.expiry_year:04d}-{c.expiry_month:02d}",
                )
                for c in found
            ]
        )
    )


HANDLERS = {
    "getMe": me, "listAccounts": accounts, "getAccountDetails": account_details, "listTransactions": transactions,
    "listCards": cards,
}
