"""The core bank's HTTP API (Sanic): JSON in, JSON out, errors as {"error": {"code", "message"}}.

Handlers only translate HTTP to the domain (otp.py, accounts.py, cards.py, loans.py,
transfers.py; wired in services.py) and back; the synchronous database work runs in a
worker thread (`asyncio.to_thread`).
"""
from __future__ import annotations

import asyncio
import functools
import itertools
import json
import logging
import re
from datetime import date
from typing import Any, Iterator, Mapping, Optional

from sanic import Request, Sanic
from sanic.exceptions import MethodNotSupported, SanicException
from sanic.exceptions import NotFound as RouteNotFound
from sanic.response import HTTPResponse, empty
from sanic.response import json as sanic_json
from sqlalchemy.engine import Engine

from bot.core_bank.accounts import normalize_phone
from bot.core_bank.cards import CardOrderRequest
from bot.core_bank.errors import (
    CoreBankError,
    InternalError,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    format_time,
)
from bot.core_bank.idempotency import IDEMPOTENCY_HEADER, RecordedResponse, checked_key
from bot.core_bank.loans import LoanRequest
from bot.core_bank.models import create_database_engine, create_session_factory
from bot.core_bank.money import parse_amount, parse_currency
from bot.core_bank.openapi import openapi_document
from bot.core_bank.otp import ByCustomerNumber, ByPhone, ChannelUser, CustomerIdentifier
from bot.core_bank.services import build_services_from_settings
from bot.core_bank.sms import Clock, SmsOutbox, utc_now
from bot.core_bank.transfers import TransferOrder
from bot.settings import Settings

logger = logging.getLogger(__name__)

APP_NAME = "core_bank"
REQUEST_MAX_BYTES = 64 * 1024
DEFAULT_TRANSACTIONS_LIMIT = 10
CHANNEL_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,31}")
CUSTOMER_NUMBER_PATTERN = re.compile(r"[0-9]{1,20}")
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_CHANNEL_USER_ID_LENGTH = 256
MAX_ID_LENGTH = 64
TRANSFER_FIELDS = {"from_account_id", "amount", "currency", "payee_id", "payee_phone"}
LOAN_FIELDS = {"product", "amount", "term_months"}

_app_numbers: Iterator[int] = itertools.count(1)
_dumps = functools.partial(json.dumps, ensure_ascii=False)


def create_app(
    settings: Settings,
    *,
    engine: Optional[Engine] = None,
    clock: Clock = utc_now,
    outbox: Optional[SmsOutbox] = None,
) -> Sanic:
    """The core bank's Sanic app. The database must already have its tables (see server.prepare_database)."""
    number = next(_app_numbers)
    # Sanic's own loggers propagate to the process's logging set up by `python -m bot`.
    app = Sanic(APP_NAME if number == 1 else f"{APP_NAME}_{number}", configure_logging=False)
    app.config.REQUEST_MAX_SIZE = REQUEST_MAX_BYTES
    app.config.FALLBACK_ERROR_FORMAT = "json"

    engine = engine or create_database_engine(settings.core_banking_database_url)
    sessions = create_session_factory(engine)
    outbox = outbox or SmsOutbox(clock=clock)
    services = build_services_from_settings(settings, sessions, outbox, clock=clock)
    app.ctx.engine = engine
    app.ctx.outbox = outbox
    app.ctx.tokens = services.tokens
    app.ctx.otp = services.otp
    app.ctx.records = services.records
    app.ctx.cards = services.cards
    app.ctx.loans = services.loans
    app.ctx.transfers = services.transfers
    app.ctx.openapi = openapi_document(dev_mode=settings.core_banking_dev_mode)

    app.add_route(health, "/health", methods=["GET"])
    app.add_route(openapi, "/openapi.json", methods=["GET"])
    app.add_route(start_challenge, "/v1/otp/challenges", methods=["POST"])
    app.add_route(verify_challenge, "/v1/otp/challenges/<challenge_id:str>/verify", methods=["POST"])
    app.add_route(me, "/v1/me", methods=["GET"])
    app.add_route(accounts, "/v1/accounts", methods=["GET"])
    app.add_route(transactions, "/v1/accounts/<account_id:str>/transactions", methods=["GET"])
    app.add_route(cards, "/v1/cards", methods=["GET"])
    app.add_route(block_card, "/v1/cards/<card_id:str>/block", methods=["POST"])
    app.add_route(order_card, "/v1/card-orders", methods=["POST"])
    app.add_route(card_orders, "/v1/card-orders", methods=["GET"])
    app.add_route(loan_products, "/v1/loan-products", methods=["GET"])
    app.add_route(loan_quote, "/v1/loan-quotes", methods=["POST"])
    app.add_route(apply_for_loan, "/v1/loan-applications", methods=["POST"])
    app.add_route(loan_applications, "/v1/loan-applications", methods=["GET"])
    app.add_route(payees, "/v1/payees", methods=["GET"])
    app.add_route(prepare_transfer, "/v1/transfers/prepare", methods=["POST"])
    app.add_route(execute_transfer, "/v1/transfers", methods=["POST"])
    app.add_route(end_session, "/v1/session", methods=["DELETE"])
    if settings.core_banking_dev_mode:
        app.add_route(sms_outbox, "/dev/sms-outbox", methods=["GET"])

    app.error_handler.add(CoreBankError, on_core_bank_error)
    app.error_handler.add(SanicException, on_sanic_error)
    app.error_handler.add(Exception, on_unexpected_error)
    app.register_middleware(no_store, "response")
    return app


# --- responses and errors -----------------------------------------------------


def json_response(body: Any, status: int = 200, headers: Optional[Mapping[str, str]] = None) -> HTTPResponse:
    return sanic_json(body, status=status, headers=dict(headers or {}), dumps=_dumps)


def recorded_response(recorded: RecordedResponse) -> HTTPResponse:
    """The response of an idempotent request; a repeat is marked `Idempotent-Replayed: true`."""
    headers = {"Idempotent-Replayed": "true"} if recorded.replayed else None
    return json_response(recorded.body, status=recorded.status, headers=headers)


def error_response(error: CoreBankError) -> HTTPResponse:
    return json_response(error.to_json(), status=error.status, headers=error.headers)


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


# --- request parsing ----------------------------------------------------------


def json_object_body(request: Request) -> dict[str, Any]:
    if not request.body:
        raise InvalidRequest("A JSON object body is required.")
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest("The body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise InvalidRequest("The body must be a JSON object.")
    return body


def _refuse_unknown_fields(body: Mapping[str, Any], allowed: set[str], where: str = "body") -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise InvalidRequest(f"Unknown field(s) in the {where}: {', '.join(unknown)}.")


def _string_field(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(f"{name} must be a non-empty string.")
    return value.strip()


def channel_user(value: Any, where: str) -> ChannelUser:
    if not isinstance(value, dict):
        raise InvalidRequest(f"{where} must be an object with channel and channel_user_id.")
    _refuse_unknown_fields(value, {"channel", "channel_user_id"}, where)
    channel = _string_field(value, "channel")
    if not CHANNEL_PATTERN.fullmatch(channel):
        raise InvalidRequest("channel must be a short lowercase name such as messenger.")
    user_id = _string_field(value, "channel_user_id")
    if len(user_id) > MAX_CHANNEL_USER_ID_LENGTH:
        raise InvalidRequest(f"channel_user_id is longer than {MAX_CHANNEL_USER_ID_LENGTH} characters.")
    return ChannelUser(channel=channel, channel_user_id=user_id)


def customer_identifier(body: Mapping[str, Any]) -> CustomerIdentifier:
    """Exactly one of customer_number, phone, or channel + channel_user_id."""
    _refuse_unknown_fields(body, {"customer_number", "phone", "channel", "channel_user_id"})
    given = [
        name
        for name, present in (
            ("customer_number", "customer_number" in body),
            ("phone", "phone" in body),
            ("channel", "channel" in body or "channel_user_id" in body),
        )
        if present
    ]
    if len(given) != 1:
        raise InvalidRequest(
            "Give exactly one of customer_number, phone, or channel with channel_user_id"
            + (f" (got {', '.join(given)})." if given else ".")
        )
    if given[0] == "customer_number":
        number = _string_field(body, "customer_number")
        if not CUSTOMER_NUMBER_PATTERN.fullmatch(number):
            raise InvalidRequest("customer_number must be digits only.")
        return ByCustomerNumber(number)
    if given[0] == "phone":
        return ByPhone(_string_field(body, "phone"))
    return channel_user(body, "body")


def _id_field(body: Mapping[str, Any], name: str) -> str:
    value = _string_field(body, name)
    if len(value) > MAX_ID_LENGTH:
        raise InvalidRequest(f"{name} is longer than {MAX_ID_LENGTH} characters.")
    return value


def _date_query(request: Request, name: str) -> Optional[date]:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        if not DATE_PATTERN.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidRequest(f"{name} must be a date as YYYY-MM-DD.") from exc


def idempotency_key(request: Request) -> str:
    return checked_key(request.headers.get(IDEMPOTENCY_HEADER.lower()))


def loan_request(body: Mapping[str, Any]) -> LoanRequest:
    _refuse_unknown_fields(body, LOAN_FIELDS)
    term_months = body.get("term_months")
    if isinstance(term_months, bool) or not isinstance(term_months, int):
        raise InvalidRequest("term_months must be a whole number of months.")
    return LoanRequest(
        product=_string_field(body, "product"), amount=parse_amount(body.get("amount")), term_months=term_months
    )


def card_order_request(body: Mapping[str, Any]) -> CardOrderRequest:
    _refuse_unknown_fields(body, {"kind", "account_id", "replaces_card_id"})
    replaces = body.get("replaces_card_id")
    return CardOrderRequest(
        kind=_string_field(body, "kind"),
        account_id=_id_field(body, "account_id"),
        replaces_card_id=None if replaces is None else _id_field(body, "replaces_card_id"),
    )


def transfer_order(body: Mapping[str, Any]) -> TransferOrder:
    """The transaction fields of a transfer body (the caller refuses unknown fields); a null payee field is absent."""
    by_id, by_phone = body.get("payee_id") is not None, body.get("payee_phone") is not None
    if by_id == by_phone:
        raise InvalidRequest("Give exactly one of payee_id or payee_phone.")
    return TransferOrder(
        from_account_id=_id_field(body, "from_account_id"),
        amount=parse_amount(body.get("amount")),
        currency=parse_currency(body.get("currency")),
        payee_id=_id_field(body, "payee_id") if by_id else None,
        payee_phone=normalize_phone(_string_field(body, "payee_phone"), field="payee_phone") if by_phone else None,
    )


def bearer_token(request: Request) -> Optional[str]:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def signed_in_customer(request: Request) -> int:
    """The customer id of the request's bearer token; Unauthorized without a valid one."""
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("Sign in first: send Authorization: Bearer <access_token>.")
    return await asyncio.to_thread(request.app.ctx.tokens.authenticate, token)


# --- handlers -----------------------------------------------------------------


async def health(request: Request) -> HTTPResponse:
    return json_response({"status": "ok"})


async def openapi(request: Request) -> HTTPResponse:
    return json_response(request.app.ctx.openapi)


async def start_challenge(request: Request) -> HTTPResponse:
    who = customer_identifier(json_object_body(request))
    issued = await asyncio.to_thread(request.app.ctx.otp.start_challenge, who)
    return json_response(
        {"challenge_id": issued.challenge_id, "expires_at": format_time(issued.expires_at), "sent_to": issued.sent_to},
        status=201,
    )


async def verify_challenge(request: Request, challenge_id: str) -> HTTPResponse:
    body = json_object_body(request)
    _refuse_unknown_fields(body, {"code", "link"})
    if "code" not in body:
        raise InvalidRequest("code is required.")
    code = body["code"]
    if not isinstance(code, str):
        raise InvalidRequest("code must be a string of exactly 6 digits.")
    link = channel_user(body["link"], "link") if body.get("link") is not None else None
    verified = await asyncio.to_thread(request.app.ctx.otp.verify, challenge_id, code, link)
    return json_response(
        {
            "access_token": verified.access_token,
            "token_type": "Bearer",
            "expires_at": format_time(verified.expires_at),
            "customer": {"customer_number": verified.customer_number, "first_name": verified.first_name},
        }
    )


async def me(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    profile = await asyncio.to_thread(request.app.ctx.records.profile, customer_id)
    return json_response(
        {
            "customer_number": profile.customer_number,
            "first_name": profile.first_name,
            "last_name": profile.last_name,
            "phone_masked": profile.phone_masked,
            "locale": profile.locale,
            "address_masked": profile.address_masked,
        }
    )


async def accounts(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    found = await asyncio.to_thread(request.app.ctx.records.accounts, customer_id)
    return json_response(
        {
            "accounts": [
                {
                    "account_id": a.account_id,
                    "type": a.type,
                    "name": a.name,
                    "iban_masked": a.iban_masked,
                    "currency": a.currency,
                    "balance": str(a.balance),
                }
                for a in found
            ]
        }
    )


async def transactions(request: Request, account_id: str) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    raw_limit = request.args.get("limit")
    try:
        limit = DEFAULT_TRANSACTIONS_LIMIT if raw_limit is None else int(raw_limit)
    except ValueError as exc:
        raise InvalidRequest("limit must be a whole number.") from exc
    before = request.args.get("before") or None
    since, until = _date_query(request, "since"), _date_query(request, "until")
    page = await asyncio.to_thread(
        request.app.ctx.records.transactions, customer_id, account_id, limit, before, since, until
    )
    return json_response(
        {
            "transactions": [
                {
                    "transaction_id": t.transaction_id,
                    "booked_at": format_time(t.booked_at),
                    "description": t.description,
                    "amount": str(t.amount),
                    "currency": t.currency,
                }
                for t in page.transactions
            ],
            "next_before": page.next_before,
        }
    )


async def cards(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    found = await asyncio.to_thread(request.app.ctx.records.cards, customer_id)
    return json_response(
        {
            "cards": [
                {
                    "card_id": c.card_id,
                    "kind": c.kind,
                    "brand": c.brand,
                    "last4": c.last4,
                    "status": c.status,
                    "account_id": c.account_id,
                    "expiry": f"{c.expiry_year:04d}-{c.expiry_month:02d}",
                }
                for c in found
            ]
        }
    )


async def block_card(request: Request, card_id: str) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    body = json_object_body(request)
    _refuse_unknown_fields(body, {"reason"})
    card = await asyncio.to_thread(request.app.ctx.cards.block, customer_id, card_id, _string_field(body, "reason"))
    return json_response(card.to_json())


async def order_card(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    key = idempotency_key(request)
    order = card_order_request(json_object_body(request))
    return recorded_response(await asyncio.to_thread(request.app.ctx.cards.order, customer_id, key, order))


async def card_orders(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    found = await asyncio.to_thread(request.app.ctx.cards.orders, customer_id)
    return json_response({"orders": [o.to_json() for o in found]})


async def loan_products(request: Request) -> HTTPResponse:
    found = await asyncio.to_thread(request.app.ctx.loans.products)
    return json_response({"products": [p.to_json() for p in found]})


async def loan_quote(request: Request) -> HTTPResponse:
    asked = loan_request(json_object_body(request))
    quote = await asyncio.to_thread(request.app.ctx.loans.quote, asked)
    return json_response(quote.to_json())


async def apply_for_loan(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    key = idempotency_key(request)
    asked = loan_request(json_object_body(request))
    return recorded_response(await asyncio.to_thread(request.app.ctx.loans.apply, customer_id, key, asked))


async def loan_applications(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    found = await asyncio.to_thread(request.app.ctx.loans.applications, customer_id)
    return json_response({"applications": [a.to_json() for a in found]})


async def payees(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    found = await asyncio.to_thread(request.app.ctx.transfers.payees, customer_id)
    return json_response({"payees": [p.to_json() for p in found]})


async def prepare_transfer(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    body = json_object_body(request)
    _refuse_unknown_fields(body, TRANSFER_FIELDS)
    prepared = await asyncio.to_thread(request.app.ctx.transfers.prepare, customer_id, transfer_order(body))
    return json_response(prepared.to_json(), status=201)


async def execute_transfer(request: Request) -> HTTPResponse:
    customer_id = await signed_in_customer(request)
    key = idempotency_key(request)
    body = json_object_body(request)
    _refuse_unknown_fields(body, TRANSFER_FIELDS | {"challenge_id", "code"})
    order = transfer_order(body)
    challenge_id = _id_field(body, "challenge_id")
    code = body.get("code")
    if not isinstance(code, str):
        raise InvalidRequest("code must be a string of exactly 6 digits.")
    recorded = await asyncio.to_thread(request.app.ctx.transfers.execute, customer_id, key, order, challenge_id, code)
    return recorded_response(recorded)


async def end_session(request: Request) -> HTTPResponse:
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("Sign in first: send Authorization: Bearer <access_token>.")
    await asyncio.to_thread(request.app.ctx.tokens.revoke, token)
    return empty(status=204)


async def sms_outbox(request: Request) -> HTTPResponse:
    """Dev only. A `+` left unencoded in the query string arrives as a space: read it back as `+`."""
    raw_to = request.args.get("to")
    to: Optional[str] = None
    if raw_to is not None and raw_to.strip():
        to = normalize_phone("+" + raw_to.strip() if raw_to.startswith(" ") else raw_to, field="to")
    messages = request.app.ctx.outbox.messages(to)
    return json_response(
        {"messages": [{"to": m.to, "text": m.text, "sent_at": format_time(m.sent_at)} for m in messages]}
    )
