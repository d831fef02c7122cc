"""Loan products and quotes (public), and a customer's applications."""
from __future__ import annotations

import asyncio

from sanic import Request
from sanic.response import HTTPResponse

from bot.core_bank.contract import loans as contract
from bot.core_bank.loans import LoanRequest
from bot.core_bank.routes.http import body, idempotency_key, json_response, recorded_response, signed_in_customer


def loan_request(request: Request) -> LoanRequest:
    asked = body(request, contract.LoanRequest)
    return LoanRequest(product=asked.product, amount=asked.amount, term_months=asked.term_months)


async def loan_products(request: Request) -> HTTPResponse:
    found = await asyncio.to_thread(request.app.ctx.loans.products)
    return json_response(contract.LoanProductList(products=[p.to_contract() for p in found]))


async def loan_quote(request: Request) -> HTTPResponse:
    asked = loan_request(request)
    quote = await asyncio.to_thread(request.app.ctx.loans.quote, asked)
    return json_response(quote.to_json())


async def apply_for_loan(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    key = idempotency_key(request)
    asked = loan_request(request)
    return recorded_response(await asyncio.to_thread(request.app.ctx.loans.apply, customer_id, key, asked))


async def loan_applications(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    found = await asyncio.to_thread(request.app.ctx.loans.applications, customer_id)
    return json_response(contract.LoanApplicationList(applications=[a.to_contract() for a in found]))


HANDLERS = {
    "listLoanProducts": loan_products,
    "quoteLoan": loan_quote,
    "applyForLoan": apply_for_loan,
    "listLoanApplications": loan_applications,
}
