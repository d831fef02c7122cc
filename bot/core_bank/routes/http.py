"""From HTTP to the contract's models and back: bodies, queries, the bearer token, the Idempotency-Key.

Rules:
- a body or query the contract refuses is 400 invalid_request with one sentence naming the field
  (`contract.wire.explain`), never a 500; so is a body nested too deeply for the JSON parser (it is
  refused as such, without a logged trace);
- a response is written from a contract model (or a body the domain wrote with one), so it is
  what /openapi.json says;
- nothing here knows a banking rule.
"""
from __future__ import annotations

import asyncio
import functools
import hmac
import json
from typing import Any, Mapping, Optional, TypeVar, Union

from pydantic import ValidationError
from sanic import Request
from sanic.response import HTTPResponse
from sanic.response import json as sanic_json

from bot.core_bank.contract.operations import IDEMPOTENCY_HEADER, REPLAYED_HEADER, SERVICE_TOKEN_HEADER
from bot.core_bank.contract.wire import RequestModel, WireModel, explain
from bot.core_bank.errors import CoreBankError, InvalidRequest, ServiceTokenRequired, Unauthorized
from bot.core_bank.idempotency import RecordedResponse, checked_key

Model = TypeVar("Model", bound=RequestModel)

_dumps = functools.partial(json.dumps, ensure_ascii=False)


def json_response(
    body: Union[WireModel, dict[str, Any]], status: int = 200, headers: Optional[Mapping[str, str]] = None
) -> HTTPResponse:
    data = body.wire() if isinstance(body, WireModel) else body
    return sanic_json(data, status=status, headers=dict(headers or {}), dumps=_dumps)


def recorded_response(recorded: RecordedResponse) -> HTTPResponse:
    """The response of an idempotent request; a repeat is marked `Idempotent-Replayed: true`."""
    headers = {REPLAYED_HEADER: "true"} if recorded.replayed else None
    return json_response(recorded.body, status=recorded.status, headers=headers)


def error_response(error: CoreBankError) -> HTTPResponse:
    return json_response(error.to_json(), status=error.status, headers=error.headers)


def validated(model: type[Model], raw: Any) -> Model:
    try:
        return model.parse_obj(raw)
    except ValidationError as exc:
        raise InvalidRequest(explain(exc)) from None


def body(request: Request, model: type[Model]) -> Model:
    """The request's JSON object body, as `model`."""
    if not request.body:
        raise InvalidRequest("A JSON object body is required.")
    try:
        raw = json.loads(request.body)
    except RecursionError:
        # e.g. 20,000 "[": the parser gives up; nothing is wrong on our side.
        raise InvalidRequest("The body is nested too deeply: send a flat JSON object.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest("The body is not valid JSON.") from exc
    if not isinstance(raw, dict):
        raise InvalidRequest("The body must be a JSON object.")
    return validated(model, raw)


def query(request: Request, model: type[Model]) -> Model:
    """The query parameters `model` names (others are ignored), as `model`."""
    return validated(model, {name: request.args.get(name) for name in model.__fields__ if name in request.args})


def idempotency_key(request: Request) -> str:
    return checked_key(request.headers.get(IDEMPOTENCY_HEADER.lower()))


def bearer_token(request: Request) -> Optional[str]:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def required_token(request: Request) -> str:
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("Sign in first: send Authorization: Bearer <access_token>.")
    return token


def from_the_channel(request: Request) -> bool:
    """Whether the request carries the channel's service token: False without one; ServiceTokenRequired for a wrong one."""
    sent = request.headers.get(SERVICE_TOKEN_HEADER.lower())
    if sent is None:
        return False
    if not hmac.compare_digest(sent.encode(), request.app.ctx.service_token.encode()):
        raise ServiceTokenRequired(f"This {SERVICE_TOKEN_HEADER} is not valid.")
    return True


def require_the_channel(request: Request, what: str) -> None:
    """ServiceTokenRequired unless the request carries the channel's valid service token."""
    if not from_the_channel(request):
        raise ServiceTokenRequired(f"{what} only the chat channel may do: send its {SERVICE_TOKEN_HEADER}.")


async def signed_in_customer(request: Request) -> int:
    """The customer id of the request's bearer token; Unauthorized without a valid one."""
    return await asyncio.to_thread(request.app.ctx.tokens.authenticate, required_token(request))
