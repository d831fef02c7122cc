"""The core bank's OpenAPI 3.0 document (served at /openapi.json), and the app's routes to check it against."""
from __future__ import annotations

import re
from typing import Any

from sanic import Sanic

JSON = "application/json"
TIMESTAMP = {"type": "string", "format": "date-time", "example": "2026-06-11T09:30:00+00:00"}
AMOUNT = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$", "example": "2450.31"}
CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$", "example": "EUR"}

_SANIC_PARAMETER = re.compile(r"<(\w+)(?::[^>]*)?>")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    schema["required"] = list(properties) if required is None else required
    schema.update(extra)
    return schema


def _json_body(schema_name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": _ref(schema_name)}}}


def _error(description: str, *codes: str) -> dict[str, Any]:
    response: dict[str, Any] = {"description": f"{description} (code: {', '.join(codes)})", "content": {JSON: {"schema": _ref("Error")}}}
    return response


UNAUTHORIZED = {
    "description": "No valid bearer token: missing, unknown, expired or revoked (code: unauthorized)",
    "headers": {"WWW-Authenticate": {"schema": {"type": "string", "example": "Bearer"}}},
    "content": {JSON: {"schema": _ref("Error")}},
}
INTERNAL = _error("Unexpected failure, logged server side; no details given", "internal_error")


def _protected(operation: dict[str, Any]) -> dict[str, Any]:
    operation["security"] = [{"bearerAuth": []}]
    operation["responses"]["401"] = UNAUTHORIZED
    operation["responses"]["500"] = INTERNAL
    return operation


SCHEMAS: dict[str, Any] = {
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {"type": "string", "example": "otp_invalid"},
                    "message": {"type": "string"},
                    "attempts_left": {"type": "integer", "description": "otp_invalid only"},
                    "locked_until": {**TIMESTAMP, "description": "otp_locked only"},
                    "retry_at": {**TIMESTAMP, "description": "too_many_challenges only"},
                },
                required=["code", "message"],
            )
        }
    ),
    "Health": _object({"status": {"type": "string", "enum": ["ok"]}}),
    "ChannelUser": _object(
        {
            "channel": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,31}$", "example": "messenger"},
            "channel_user_id": {"type": "string", "minLength": 1, "maxLength": 256, "description": "e.g. a Messenger PSID"},
        }
    ),
    "ChallengeRequest": {
        "description": "Exactly one way to name the customer.",
        "oneOf": [
            _object({"customer_number": {"type": "string", "pattern": "^[0-9]{1,20}$", "example": "100001"}}),
            _object(
                {
                    "phone": {
                        "type": "string",
                        "description": "Any common format; national numbers are read as French",
                        "example": "06 12 34 56 78",
                    }
                }
            ),
            _ref("ChannelUser"),
        ],
    },
    "Challenge": _object(
        {
            "challenge_id": {"type": "string"},
            "expires_at": TIMESTAMP,
            "sent_to": {"type": "string", "description": "masked phone number", "example": "+33 •••••••78"},
        }
    ),
    "VerifyRequest": _object(
        {
            "code": {"type": "string", "pattern": "^[0-9]{6}$", "example": "123456"},
            "link": {**_ref("ChannelUser"), "description": "on success, remember that this channel user is the customer"},
        },
        required=["code"],
    ),
    "Session": _object(
        {
            "access_token": {"type": "string"},
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "expires_at": TIMESTAMP,
            "customer": _object(
                {"customer_number": {"type": "string", "example": "100001"}, "first_name": {"type": "string", "example": "Alex"}}
            ),
        }
    ),
    "Me": _object(
        {
            "customer_number": {"type": "string"},
            "first_name": {"type": "string"},
            "last_name": {"type": "string"},
            "phone_masked": {"type": "string", "example": "+33 •••••••78"},
            "locale": {"type": "string", "example": "en_IE"},
        }
    ),
    "Account": _object(
        {
            "account_id": {"type": "string"},
            "type": {"type": "string", "enum": ["current", "savings"]},
            "name": {"type": "string"},
            "iban_masked": {"type": "string", "example": "FR76 •••• •••• 0123"},
            "currency": CURRENCY,
            "balance": AMOUNT,
        }
    ),
    "AccountList": _object({"accounts": {"type": "array", "items": _ref("Account")}}),
    "Transaction": _object(
        {
            "transaction_id": {"type": "string"},
            "booked_at": TIMESTAMP,
            "description": {"type": "string"},
            "amount": {**AMOUNT, "description": "signed: negative is money out", "example": "-42.10"},
            "currency": CURRENCY,
        }
    ),
    "TransactionPage": _object(
        {
            "transactions": {"type": "array", "items": _ref("Transaction"), "description": "newest first"},
            "next_before": {"type": "string", "nullable": True, "description": "pass as `before` for older ones; null at the end"},
        }
    ),
    "Card": _object(
        {
            "card_id": {"type": "string"},
            "kind": {"type": "string", "enum": ["debit", "credit"]},
            "brand": {"type": "string", "example": "Visa"},
            "last4": {"type": "string", "pattern": "^[0-9]{4}$"},
            "status": {"type": "string", "enum": ["active", "blocked"]},
            "account_id": {"type": "string"},
            "expiry": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "example": "2028-09"},
        }
    ),
    "CardList": _object({"cards": {"type": "array", "items": _ref("Card")}}),
    "SmsMessage": _object({"to": {"type": "string", "example": "+33612345678"}, "text": {"type": "string"}, "sent_at": TIMESTAMP}),
    "SmsOutbox": _object({"messages": {"type": "array", "items": _ref("SmsMessage"), "description": "newest first"}}),
}


def _paths(dev_mode: bool) -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/health": {
            "get": {
                "summary": "Liveness",
                "operationId": "health",
                "responses": {"200": _json_body("Health", "The service is up")},
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "operationId": "openapi",
                "responses": {"200": {"description": "OpenAPI 3.0 document", "content": {JSON: {"schema": {"type": "object"}}}}},
            }
        },
        "/v1/otp/challenges": {
            "post": {
                "summary": "Send a one-time code by SMS to a customer",
                "operationId": "startOtpChallenge",
                "requestBody": {"required": True, "content": {JSON: {"schema": _ref("ChallengeRequest")}}},
                "responses": {
                    "201": _json_body("Challenge", "Code sent"),
                    "400": _error("Malformed body, not exactly one identifier, or an invalid phone number", "invalid_request"),
                    "404": _error("No such customer, or the channel user is not linked", "customer_not_found", "not_linked"),
                    "423": _error("Too many wrong codes: locked until `locked_until`", "otp_locked"),
                    "429": _error("Too many codes asked for in the window; retry at `retry_at`", "too_many_challenges"),
                    "500": INTERNAL,
                },
            }
        },
        "/v1/otp/challenges/{challenge_id}/verify": {
            "post": {
                "summary": "Check a code; get an access token (and optionally link a channel user)",
                "operationId": "verifyOtpChallenge",
                "parameters": [{"name": "challenge_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": {JSON: {"schema": _ref("VerifyRequest")}}},
                "responses": {
                    "200": _json_body("Session", "Code right: a bearer token"),
                    "400": _error("Malformed body or a code that is not exactly 6 digits (not counted as a failure)", "invalid_request"),
                    "401": _error("Wrong code; `attempts_left` before OTP locks", "otp_invalid"),
                    "404": _error("No such challenge", "challenge_not_found"),
                    "409": _error("The code was already used", "otp_used"),
                    "410": _error("The code has expired", "otp_expired"),
                    "423": _error(
                        "Locked after too many wrong codes (also the answer to the wrong code that locks); until `locked_until`",
                        "otp_locked",
                    ),
                    "500": INTERNAL,
                },
            }
        },
        "/v1/me": {
            "get": _protected(
                {
                    "summary": "The signed-in customer",
                    "operationId": "getMe",
                    "responses": {"200": _json_body("Me", "The customer")},
                }
            )
        },
        "/v1/accounts": {
            "get": _protected(
                {
                    "summary": "The customer's accounts and balances",
                    "operationId": "listAccounts",
                    "responses": {"200": _json_body("AccountList", "Accounts")},
                }
            )
        },
        "/v1/accounts/{account_id}/transactions": {
            "get": _protected(
                {
                    "summary": "An account's transactions, newest first",
                    "operationId": "listTransactions",
                    "parameters": [
                        {"name": "account_id", "in": "path", "required": True, "schema": {"type": "string"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}},
                        {
                            "name": "before",
                            "in": "query",
                            "description": "a transaction_id (the previous page's next_before): only older ones",
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": _json_body("TransactionPage", "One page of transactions"),
                        "400": _error("Bad limit, or `before` is not a transaction of this account", "invalid_request"),
                        "404": _error("No such account for this customer", "account_not_found"),
                    },
                }
            )
        },
        "/v1/cards": {
            "get": _protected(
                {
                    "summary": "The customer's cards (last four digits only)",
                    "operationId": "listCards",
                    "responses": {"200": _json_body("CardList", "Cards")},
                }
            )
        },
        "/v1/session": {
            "delete": _protected(
                {
                    "summary": "Sign out: revoke the bearer token",
                    "operationId": "endSession",
                    "responses": {"204": {"description": "Token revoked"}},
                }
            )
        },
    }
    if dev_mode:
        paths["/dev/sms-outbox"] = {
            "get": {
                "summary": "Development only: the texts the SMS gateway stand-in has sent",
                "operationId": "listSmsOutbox",
                "parameters": [
                    {"name": "to", "in": "query", "description": "only messages to this phone number", "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": _json_body("SmsOutbox", "Messages, newest first"),
                    "400": _error("`to` is not a valid phone number", "invalid_request"),
                },
            }
        }
    return paths


def openapi_document(dev_mode: bool) -> dict[str, Any]:
    """The OpenAPI 3.0 document for an app built with this `dev_mode`."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Facebook branch — core bank (mock)",
            "version": "1.0.0",
            "description": (
                "The mock core-banking service: customers, accounts, cards, and sign-in by one-time SMS code. "
                "Errors are always {\"error\": {\"code\", \"message\"}}; amounts are decimal strings with a currency; "
                "times are ISO 8601 with an offset (UTC)."
            ),
        },
        "servers": [{"url": "http://127.0.0.1:8000"}],
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": _paths(dev_mode),
    }


def documented_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(path, METHOD) pairs an OpenAPI document describes."""
    return {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "put", "post", "delete", "patch", "head", "options"}
    }


def app_operations(app: Sanic) -> set[tuple[str, str]]:
    """(path, METHOD) pairs registered on `app`, with paths in OpenAPI form ({name})."""
    return {
        (_SANIC_PARAMETER.sub(r"{\1}", route.uri), method)
        for route in app.router.routes
        for method in route.methods
    }
