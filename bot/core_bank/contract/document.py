"""The OpenAPI 3.0 document served at /openapi.json, generated from the operations and their models.

Nothing here is written twice: paths, parameters, bodies and responses come from `operations`,
schemas from the models (pydantic), error statuses and codes from each operation's refusals
(also listed, for programs, as `x-error-codes`).
"""
from __future__ import annotations

from inspect import getdoc
from typing import Any

from pydantic.schema import schema as models_schema

from bot.core_bank.contract import otp
from bot.core_bank.contract.errors import Error
from bot.core_bank.contract.operations import (
    IDEMPOTENCY_HEADER,
    IDEMPOTENCY_KEY_MAX_LENGTH,
    REPLAYED_HEADER,
    REQUEST_MAX_BYTES,
    SERVICE_TOKEN_HEADER,
    Operation,
    Refusal,
    operations,
)
from bot.core_bank.contract.wire import RequestModel, WireModel

JSON = "application/json"
SCHEMA_PREFIX = "#/components/schemas/"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}

DESCRIPTION = (
    "The mock core-banking service: customers, accounts, cards and card orders, loans, payees and transfers "
    "approved by a code bound to the transaction (PSD2 dynamic linking), and sign-in by one-time SMS code; card "
    "freezes, disputed payments and appointments with advisors, with a staff side (/v1/staff, service token). "
    'Errors are always {"error": {"code", "message"}} with the status of their code (an unknown path is 404 '
    "not_found, a method a path does not have 405 method_not_allowed); amounts are decimal strings with a "
    "currency; times are ISO 8601 with an offset (UTC). Responses are never cached (Cache-Control: no-store). "
    f"Bodies are JSON objects of at most {REQUEST_MAX_BYTES} bytes."
)

IDEMPOTENCY_PARAMETER = {
    "name": IDEMPOTENCY_HEADER,
    "in": "header",
    "required": True,
    "description": (
        f"1 to {IDEMPOTENCY_KEY_MAX_LENGTH} characters, new for each new request. A repeat with the same key and "
        f"the same body returns the first success (same status and body, header {REPLAYED_HEADER}: true) and does "
        "nothing again; the same key with another body is refused (422 idempotency_key_reused). Refusals are not "
        "recorded."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH},
}
SERVICE_TOKEN_PARAMETER = {
    "name": SERVICE_TOKEN_HEADER,
    "in": "header",
    "required": False,
    "description": (
        "The chat channel's shared secret (the action server's CORE_BANKING_SERVICE_TOKEN): needed to name one of "
        f"its users (channel and channel_user_id, link, {otp.CHANNEL_USER_HEADER}); a missing or wrong one is then "
        "refused (403 service_token_required)."
    ),
    "schema": {"type": "string", "minLength": 1},
}
STAFF_TOKEN_PARAMETER = {
    "name": SERVICE_TOKEN_HEADER,
    "in": "header",
    "required": True,
    "description": (
        "The branch's shared secret (CORE_BANKING_SERVICE_TOKEN), which the staff console holds: a missing or wrong "
        "one is refused (403 service_token_required)."
    ),
    "schema": {"type": "string", "minLength": 1},
}
CHANNEL_USER_PARAMETER = {
    "name": otp.CHANNEL_USER_HEADER,
    "in": "header",
    "required": False,
    "description": (
        "Who asks, as the channel vouches for it: `<channel>:<channel_user_id>` (e.g. messenger:<PSID>), with its "
        f"{SERVICE_TOKEN_HEADER}. Wrong codes and codes asked for are counted, and locked, per requester: this "
        "channel user, or else the client's IP address."
    ),
    "schema": {"type": "string", "minLength": 3, "example": "messenger:7134567890123456"},
}
REPLAYED = {
    REPLAYED_HEADER: {
        "description": "true when this is the recorded response of an earlier request with the same key",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
BASE_DOCSTRINGS = {getdoc(WireModel), getdoc(RequestModel)}
WWW_AUTHENTICATE = {
    "WWW-Authenticate": {
        "description": 'sent with code unauthorized: Bearer, or Bearer error="invalid_token" for a token that is not valid',
        "schema": {"type": "string", "example": "Bearer"},
    }
}


def _ref(model: type[WireModel]) -> dict[str, str]:
    return {"$ref": f"{SCHEMA_PREFIX}{model.__name__}"}


def _without_titles(node: Any) -> Any:
    """pydantic titles every schema with its Python name, and describes a model without a docstring of
    its own with its base class's: noise in a document for HTTP clients."""
    if isinstance(node, dict):
        return {
            k: _without_titles(v)
            for k, v in node.items()
            if not isinstance(v, str) or not (k == "title" or (k == "description" and v in BASE_DOCSTRINGS))
        }
    if isinstance(node, list):
        return [_without_titles(v) for v in node]
    return node


def _parameters(op: Operation) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in op.path_parameters
    ]
    if op.query is not None:
        query = _without_titles(op.query.schema(ref_template=SCHEMA_PREFIX + "{model}"))
        required = set(query.get("required", []))
        for name, field_schema in query["properties"].items():
            field_schema = dict(field_schema)
            parameter = {"name": name, "in": "query", "required": name in required}
            if "description" in field_schema:
                parameter["description"] = field_schema.pop("description")
            parameters.append({**parameter, "schema": field_schema})
    if op.idempotent:
        parameters.append(IDEMPOTENCY_PARAMETER)
    if op.service_headers:
        parameters += [SERVICE_TOKEN_PARAMETER, CHANNEL_USER_PARAMETER]
    if op.staff:
        parameters.append(STAFF_TOKEN_PARAMETER)
    return parameters


def _success(op: Operation) -> dict[str, Any]:
    response: dict[str, Any] = {"description": op.success}
    if op.response is not None:
        response["content"] = {JSON: {"schema": _ref(op.response)}}
    elif op.operation_id == "openapi":
        response["content"] = {JSON: {"schema": {"type": "object"}}}
    if op.idempotent:
        response["headers"] = REPLAYED
    return response


def _refusals(refusals: tuple[Refusal, ...]) -> dict[str, Any]:
    """One response per status: the descriptions and codes of every refusal with that status."""
    by_status: dict[int, list[Refusal]] = {}
    for refusal in refusals:
        by_status.setdefault(refusal.status, []).append(refusal)
    responses: dict[str, Any] = {}
    for status, group in sorted(by_status.items()):
        codes = list(dict.fromkeys(code for refusal in group for code in refusal.codes))
        response: dict[str, Any] = {
            "description": "; ".join(f"{r.description} (code: {', '.join(r.codes)})" for r in group),
            "content": {JSON: {"schema": _ref(Error)}},
            "x-error-codes": codes,
        }
        if "unauthorized" in codes:
            response["headers"] = WWW_AUTHENTICATE
        responses[str(status)] = response
    return responses


def _operation(op: Operation) -> dict[str, Any]:
    document: dict[str, Any] = {"summary": op.summary, "operationId": op.operation_id}
    if op.description:
        document["description"] = op.description
    parameters = _parameters(op)
    if parameters:
        document["parameters"] = parameters
    if op.request is not None:
        document["requestBody"] = {"required": True, "content": {JSON: {"schema": _ref(op.request)}}}
    document["responses"] = {str(op.status): _success(op), **_refusals(op.refusals())}
    document["security"] = [{"bearerAuth": []}] if op.signed_in else []
    return document


def _models(ops: tuple[Operation, ...]) -> list[type[WireModel]]:
    models: list[type[WireModel]] = [Error]
    for op in ops:
        for model in (op.request, op.response):
            if model is not None and model not in models:
                models.append(model)
    return models


def openapi_document(dev_mode: bool) -> dict[str, Any]:
    """The OpenAPI 3.0 document for an app built with this `dev_mode`."""
    ops = operations(dev_mode)
    paths: dict[str, Any] = {}
    for op in ops:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    schemas = models_schema(_models(ops), ref_prefix=SCHEMA_PREFIX)["definitions"]
    return {
        "openapi": "3.0.3",
        "info": {"title": "Facebook branch — core bank (mock)", "version": "1.0.0", "description": DESCRIPTION},
        "servers": [{"url": "http://127.0.0.1:8000"}],
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": _without_titles(schemas),
        },
        "paths": paths,
    }


def documented_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(path, METHOD) pairs an OpenAPI document describes."""
    return {
        (path, method.upper()) for path, item in document["paths"].items() for method in item if method in HTTP_METHODS
    }

