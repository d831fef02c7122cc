"""What a customer's money went on, for one account: search with totals, recurring payments, spending by category."""
from __future__ import annotations

import asyncio

from sanic import Request
from sanic.response import HTTPResponse

from bot.core_bank.contract import customers
from bot.core_bank.contract import spending as contract
from bot.core_bank.routes.http import json_response, query, signed_in_customer
from bot.core_bank.transaction_search import SearchFilters


async def search_transactions(request: Request, account_id: str) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    asked = query(request, contract.TransactionSearchQuery)
    filters = SearchFilters(
        merchant=asked.merchant,
        category=asked.category,
        kind=asked.kind,
        direction=asked.direction,
        min_amount=asked.min_amount,
        max_amount=asked.max_amount,
        since=asked.since,
        until=asked.until,
        time_zone=asked.time_zone,
    )
    found = await asyncio.to_thread(
        request.app.ctx.insights.search, customer_id, account_id, filters, asked.limit, asked.before
    )
    return json_response(
        contract.TransactionSearchPage(
            transactions=[customers.Transaction.from_orm(t) for t in found.page.transactions],
            next_before=found.page.next_before,
            totals=contract.SearchTotals.from_orm(found.totals),
            merchants=found.merchants,
            time_zone=found.time_zone,
        )
    )


async def recurring_payments(request: Request, account_id: str) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    asked = query(request, contract.RecurringPaymentsQuery)
    today, found = await asyncio.to_thread(
        request.app.ctx.insights.recurring_payments, customer_id, account_id, asked.time_zone
    )
    return json_response(
        contract.RecurringPaymentList(
            recurring_payments=[contract.RecurringPayment.from_orm(r) for r in found],
            as_of=today,
            time_zone=asked.time_zone,
        )
    )


async def spending_by_category(request: Request, account_id: str) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    asked = query(request, contract.SpendingQuery)
    found = await asyncio.to_thread(
        request.app.ctx.insights.spending,
        customer_id, account_id, asked.time_zone, asked.month, asked.since, asked.until,
    )
    return json_response(contract.SpendingByCategory.from_orm(found))


HANDLERS = {
    "searchTransactions": search_transactions,
    "listRecurringPayments": recurring_payments,
    "getSpendingByCategory": spending_by_category,
}
