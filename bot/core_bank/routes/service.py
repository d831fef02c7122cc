"""Liveness, the OpenAPI document, and (dev only) the SMS outbox."""
from __future__ import annotations

from typing import Optional

from sanic import Request
from sanic.response import HTTPResponse

from bot.core_bank.accounts import normalize_phone
from bot.core_bank.contract import service as contract
from bot.core_bank.routes.http import json_response, query


async def health(request: Request) -> HTTPResponse:
    return json_response(contract.Health(status="ok"))


async def openapi(request: Request) -> HTTPResponse:
    return json_response(request.app.ctx.openapi)


async def sms_outbox(request: Request) -> HTTPResponse:
    """Dev only. A `+` left unencoded in the query string arrives as a space: read it back as `+`."""
    raw_to = query(request, contract.SmsOutboxQuery).to
    to: Optional[str] = None
    if raw_to is not None and raw_to.strip():
        to = normalize_phone("+" + raw_to.strip() if raw_to.startswith(" ") else raw_to, field="to")
    messages = request.app.ctx.outbox.messages(to)
    return json_response(contract.SmsOutbox(messages=[contract.SmsMessage.from_orm(m) for m in messages]))


HANDLERS = {"health": health, "openapi": openapi, "listSmsOutbox": sms_outbox}
