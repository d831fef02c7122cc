"""The core bank's HTTP API (Sanic): JSON in, JSON out, errors as {"error": {"code", "message"}}.

The routes are exactly the contract's operations (`contract.operations`), each served by its
handler in `routes/`; /openapi.json is generated from the same contract. Every error, including
Sanic's own (no such path, method not allowed, body too large), answers in the one error shape
with the status of its code; anything unexpected is a logged 500 internal_error without details.
"""
from __future__ import annotations

import itertools
import logging
import re
from typing import Iterator, Optional

from sanic import Request, Sanic
from sanic.exceptions import MethodNotSupported, SanicException
from sanic.exceptions import NotFound as RouteNotFound
from sanic.response import HTTPResponse
from sqlalchemy.engine import Engine

from bot.core_bank.contract.document import openapi_document
from bot.core_bank.contract.operations import REQUEST_MAX_BYTES, operations
from bot.core_bank.errors import (
    CoreBankError,
    InternalError,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
)
from bot.core_bank.models import create_database_engine, create_session_factory
from bot.core_bank.routes import HANDLERS
from bot.core_bank.routes.http import error_response
from bot.core_bank.services import build_services_from_settings
from bot.core_bank.transfers import TransferLimits
from bot.clock import Clock, utc_now
from bot.core_bank.sms import SmsOutbox
from bot.settings import Settings

logger = logging.getLogger(__name__)

APP_NAME = "core_bank"
_OPENAPI_PARAMETER = re.compile(r"{(\w+)}")
_SANIC_PARAMETER = re.compile(r"<(\w+)(?::[^>]*)?>")

_app_numbers: Iterator[int] = itertools.count(1)


def create_app(
    settings: Settings,
    *,
    engine: Optional[Engine] = None,
    clock: Clock = utc_now,
    outbox: Optional[SmsOutbox] = None,
) -> Sanic:
    """The core bank's Sanic app, telling time by `clock`. The database must already have its tables
    (see server.prepare_database)."""
    number = next(_app_numbers)
    # Sanic's own loggers propagate to the process's logging set up by `python -m bot`.
    app = Sanic(APP_NAME if number == 1 else f"{APP_NAME}_{number}", configure_logging=False)
    app.config.REQUEST_MAX_SIZE = REQUEST_MAX_BYTES
    app.config.FALLBACK_ERROR_FORMAT = "json"

    engine = engine or create_database_engine(settings.core_banking_database_url)
    outbox = outbox or SmsOutbox(clock=clock)
    services = build_services_from_settings(settings, create_session_factory(engine), outbox, clock=clock)
    app.ctx.engine = engine
    app.ctx.outbox = outbox
    app.ctx.service_token = settings.core_banking_service_token
    app.ctx.tokens = services.tokens
    app.ctx.otp = services.otp
    app.ctx.records = services.records
    app.ctx.insights = services.insights
    app.ctx.cards = services.cards
    app.ctx.loans = services.loans
    app.ctx.transfers = services.transfers
    app.ctx.card_controls = services.card_controls
    app.ctx.disputes = services.disputes
    app.ctx.appointments = services.appointments
    app.ctx.transfer_limits = TransferLimits.from_settings(settings)  # published on GET /v1/bank/facts
    app.ctx.openapi = openapi_document(dev_mode=settings.core_banking_dev_mode)

    for op in operations(dev_mode=settings.core_banking_dev_mode):
        uri = _OPENAPI_PARAMETER.sub(r"<\1:str>", op.path)
        app.add_route(HANDLERS[op.operation_id], uri, methods=[op.method], name=op.operation_id)

    app.error_handler.add(CoreBankError, on_core_bank_error)
    app.error_handler.add(SanicException, on_sanic_error)
    app.error_handler.add(Exception, on_unexpected_error)
    app.register_middleware(no_store, "response")
    return app


def registered_operations(app: Sanic) -> set[tuple[str, str]]:
    """(path, METHOD) pairs registered on `app`, with paths in OpenAPI form ({name})."""
    return {
        (_SANIC_PARAMETER.sub(r"{\1}", route.uri), method)
        for route in app.router.routes
        for method in route.methods
    }


def on_core_bank_error(request: Request, exception: CoreBankError) -> HTTPResponse:
    return error_response(exception)


def on_sanic_error(request: Request, exception: SanicException) -> HTTPResponse:
    status = getattr(exception, "status_code", 500) or 500
    error: CoreBankError
    if isinstance(exception, RouteNotFound):
        error = NotFound(f"There is no {request.path} here: see /openapi.json.")
    elif isinstance(exception, MethodNotSupported):
        error = MethodNotAllowed(
            f"{request.method} is not allowed on {request.path}.", headers=getattr(exception, "headers", None)
        )
    elif status == 413:
        error = PayloadTooLarge(f"The request body is larger than {REQUEST_MAX_BYTES} bytes.")
    elif 400 <= status < 500:
        error = InvalidRequest(str(exception) or "The request could not be understood.")
        error.status = status
    else:
        return on_unexpected_error(request, exception)
    return error_response(error)


def on_unexpected_error(request: Request, exception: Exception) -> HTTPResponse:
    logger.error("Unexpected error on %s %s", request.method, request.path, exc_info=exception)
    return error_response(InternalError("Something went wrong on our side; it has been logged."))


async def no_store(request: Request, response: HTTPResponse) -> None:
    response.headers["Cache-Control"] = "no-store"
