"""The bank's published facts (public, no sign-in): bank_facts.yml, the loan products, the transfer limits."""
from __future__ import annotations

import asyncio

from sanic import Request
from sanic.response import HTTPResponse

from bot.core_bank.contract.facts import BankFacts
from bot.core_bank.facts import published_facts
from bot.core_bank.routes.http import json_response


async def bank_facts(request: Request) -> HTTPResponse:
    products = [product.to_contract() for product in await asyncio.to_thread(request.app.ctx.loans.products)]
    limits = request.app.ctx.transfer_limits
    return json_response(BankFacts(facts=published_facts(products, limits.per_transfer, limits.daily)))


HANDLERS = {"getBankFacts": bank_facts}
